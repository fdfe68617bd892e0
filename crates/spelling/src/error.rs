//! Errors from loading dictionaries and adding personal words, worded so the
//! therapist (or the integrator) knows what to do next.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while building or extending a [`crate::SpellChecker`].
///
/// Messages never contain a personal word: those may be client names.
#[derive(Debug, Error)]
pub enum SpellingError {
    /// The tag is not of the form a dictionary file name can have (`en_US`, `de-CH`, `fr`).
    /// It was refused before any file was looked at.
    #[error("{tag:?} is not a spelling language tag; choose one of the installed languages, such as en_US")]
    InvalidLanguageTag {
        /// The refused tag, as given.
        tag: String,
    },

    /// `load` was called with an empty list of languages.
    #[error("no spelling language chosen; choose at least one installed language")]
    NoLanguageChosen,

    /// No folder holds both `<tag>.aff` and `<tag>.dic`.
    #[error(
        "no dictionary is installed for {tag}; install its hunspell package (for example hunspell-en-us for en_US) or choose another language"
    )]
    LanguageNotInstalled {
        /// The language that was asked for.
        tag: String,
    },

    /// A dictionary file exists but could not be read.
    #[error("could not read dictionary file {path}: {source}; check that its package is installed correctly", path = path.display())]
    DictionaryUnreadable {
        /// The file that could not be read.
        path: PathBuf,
        /// Why reading it failed.
        #[source]
        source: std::io::Error,
    },

    /// A dictionary file is not UTF-8 (very old dictionaries used ISO-8859 encodings).
    #[error("dictionary file {path} is not UTF-8 text; install a UTF-8 version of this dictionary or choose another language", path = path.display())]
    DictionaryNotUtf8 {
        /// The file with the unsupported encoding.
        path: PathBuf,
    },

    /// The dictionary files were read but spellbook could not parse them.
    #[error("the {tag} dictionary could not be parsed ({detail}); reinstall its package or choose another language")]
    DictionaryMalformed {
        /// The language whose dictionary failed to parse.
        tag: String,
        /// spellbook's description of the problem, with the line number when known.
        detail: String,
    },

    /// A personal word failed [`crate::is_valid_personal_word`]; no word of the batch was added.
    #[error(
        "personal word number {word_number} is not a single word; use 1 to 64 letters, apostrophes or hyphens (no words were added)"
    )]
    InvalidPersonalWord {
        /// Position of the refused word in the batch, counting from 1.
        word_number: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_without_trailing_period_and_say_what_to_do() {
        let errors = [
            SpellingError::InvalidLanguageTag { tag: "../etc".to_owned() },
            SpellingError::NoLanguageChosen,
            SpellingError::LanguageNotInstalled { tag: "de_DE".to_owned() },
            SpellingError::DictionaryUnreadable {
                path: PathBuf::from("/usr/share/hunspell/en_US.dic"),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            SpellingError::DictionaryNotUtf8 { path: PathBuf::from("/usr/share/hunspell/xx.dic") },
            SpellingError::DictionaryMalformed { tag: "en_US".to_owned(), detail: "line 3".to_owned() },
            SpellingError::InvalidPersonalWord { word_number: 2 },
        ];
        for error in errors {
            let message = error.to_string();
            let first = message.chars().next().unwrap_or('X');
            assert!(!first.is_uppercase(), "message starts with a capital: {message}");
            assert!(!message.ends_with('.'), "message ends with a period: {message}");
            assert!(
                ["choose", "install", "check", "use"].iter().any(|advice| message.contains(advice)),
                "message gives no advice: {message}"
            );
        }
    }

    #[test]
    fn missing_language_message_names_the_tag() {
        let message = SpellingError::LanguageNotInstalled { tag: "fr_FR".to_owned() }.to_string();
        assert!(message.contains("fr_FR"), "{message}");
    }
}
