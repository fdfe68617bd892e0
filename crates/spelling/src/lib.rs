//! Spell checking for Confidant's note editor: the system's Hunspell dictionaries
//! (read, never written), Debian's medical word list, bundled psychotherapy terms and
//! the therapist's personal words, checked with the pure-Rust `spellbook` crate.
//!
//! ```no_run
//! use std::path::PathBuf;
//! use confidant_spelling::{SpellChecker, default_language, installed_languages, system_dictionary_folders};
//!
//! let folders = system_dictionary_folders();
//! let installed = installed_languages(&folders);
//! let lang = std::env::var("LANG").ok();
//! let language = default_language(&installed, lang.as_deref()).unwrap_or_else(|| "en_US".to_owned());
//! let mut checker = SpellChecker::load(&folders, &[language])?;
//! checker.add_words(["Zoë"])?;
//! for misspelling in checker.misspellings("Zoë reports anxeity") {
//!     let _corrections = checker.suggest(&misspelling.word, 5);
//! }
//! # Ok::<(), confidant_spelling::SpellingError>(())
//! ```
//!
//! Invariants: this crate never writes a file, never prints, and never puts a word in
//! an error message or in `Debug` output (personal words may be client names).

#![forbid(unsafe_code)]

mod clinical_words;
mod dictionary_files;
mod error;
mod languages;
mod personal_words;
mod spell_checker;
mod text_words;

#[cfg(test)]
mod test_support;

use std::path::PathBuf;

pub use error::SpellingError;
pub use languages::{Language, default_language, installed_languages, is_english, is_valid_language_tag};
pub use personal_words::{MAXIMUM_PERSONAL_WORD_CHARS, is_valid_personal_word};
pub use spell_checker::{Misspelling, SpellChecker};

/// Where Debian, Ubuntu and Fedora install Hunspell and MySpell dictionaries, in the
/// order they are searched.
pub const SYSTEM_DICTIONARY_FOLDERS: &[&str] =
    &["/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts"];

/// [`SYSTEM_DICTIONARY_FOLDERS`] as paths, ready for [`installed_languages`] and
/// [`SpellChecker::load`].
pub fn system_dictionary_folders() -> Vec<PathBuf> {
    SYSTEM_DICTIONARY_FOLDERS.iter().map(PathBuf::from).collect()
}
