//! Shared helpers for the unit tests: the real Debian dictionaries, required rather
//! than skipped, and one checker loaded once for the read-only tests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::{SpellChecker, system_dictionary_folders};

/// The system folders, as the application uses them.
pub(crate) fn system_folders() -> Vec<PathBuf> {
    system_dictionary_folders()
}

/// Fails the test (never skips it) when the en_US dictionary is missing.
pub(crate) fn require_en_us_dictionary() {
    assert!(
        Path::new("/usr/share/hunspell/en_US.dic").is_file() && Path::new("/usr/share/hunspell/en_US.aff").is_file(),
        "these tests use the real en_US dictionary: install it with `apt-get install hunspell-en-us`"
    );
}

/// Fails the test (never skips it) when the medical word list is missing.
pub(crate) fn require_medical_word_list() {
    assert!(
        Path::new("/usr/share/hunspell/en_med_glut.dic").is_file(),
        "these tests use the real medical word list: install it with `apt-get install hunspell-en-med`"
    );
}

/// en_US with the medical and clinical lists, loaded once for every read-only test.
pub(crate) fn shared_en_us_checker() -> &'static SpellChecker {
    static CHECKER: OnceLock<SpellChecker> = OnceLock::new();
    CHECKER.get_or_init(|| {
        require_en_us_dictionary();
        require_medical_word_list();
        SpellChecker::load(&system_folders(), &["en_US".to_owned()])
            .unwrap_or_else(|error| panic!("could not load en_US: {error}"))
    })
}
