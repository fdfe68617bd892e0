//! Spell checking as the vault keeps it: the words the therapist added to the
//! dictionary (often client names, so they live in the encrypted database and
//! nowhere else) and the chosen languages. The checking itself is
//! `confidant-spelling`; the session holds a loaded checker while unlocked.

use chrono::{SecondsFormat, Utc};
use confidant_spelling::{Language, SpellChecker, default_language, installed_languages, system_dictionary_folders};

use crate::audit::{self, EventKind, NewEvent};
use crate::vault::{Vault, get_setting, set_setting};
use crate::{Error, Result};

const LANGUAGES_SETTING: &str = "spelling_languages";

/// The languages installed on this computer, and which are chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpellingLanguages {
    /// Every installed dictionary.
    pub installed: Vec<Language>,
    /// The tags in use (the system language until the therapist chooses).
    pub chosen: Vec<String>,
}

impl Vault {
    /// The words the therapist added to the dictionary, sorted.
    pub fn spelling_words(&self) -> Result<Vec<String>> {
        let mut statement = self.connection().prepare("SELECT word FROM spelling_word ORDER BY word")?;
        let words = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(words)
    }

    /// Adds a word to the dictionary (one word: letters, apostrophes, hyphens).
    /// Audited without the word.
    pub fn add_spelling_word(&mut self, word: &str) -> Result<()> {
        let word = word.trim().replace('’', "'");
        if !confidant_spelling::is_valid_personal_word(&word) {
            return Err(Error::InvalidInput {
                field: "dictionary word",
                problem: "add one word of letters (apostrophes and hyphens allowed), at most 64 characters".to_owned(),
            });
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO spelling_word (word, added_at) VALUES (?1, ?2) ON CONFLICT (word) DO NOTHING",
            [word.as_str(), &Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)],
        )?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "spelling_word_added" })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Removes a word from the dictionary.
    pub fn remove_spelling_word(&mut self, word: &str) -> Result<()> {
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM spelling_word WHERE word = ?1", [word])?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "spelling_word_removed" })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The installed dictionaries and the chosen ones (`lang`: the system's LANG).
    pub fn spelling_languages(&self, lang: Option<&str>) -> Result<SpellingLanguages> {
        let installed = installed_languages(&system_dictionary_folders());
        let stored: Option<Vec<String>> =
            get_setting(self.connection(), LANGUAGES_SETTING)?.and_then(|json| serde_json::from_str(&json).ok());
        let chosen = match stored {
            Some(tags) => {
                tags.into_iter().filter(|tag| installed.iter().any(|language| &language.tag == tag)).collect()
            }
            None => default_language(&installed, lang).into_iter().collect(),
        };
        Ok(SpellingLanguages { installed, chosen })
    }

    /// Chooses the languages to check (any installed ones; none turns checking off).
    pub fn set_spelling_languages(&mut self, tags: &[String]) -> Result<()> {
        let installed = installed_languages(&system_dictionary_folders());
        if let Some(unknown) = tags.iter().find(|tag| !installed.iter().any(|language| &language.tag == *tag)) {
            return Err(Error::InvalidInput {
                field: "spelling language",
                problem: format!(
                    "{} is not installed; install its hunspell dictionary first",
                    tag_for_message(unknown)
                ),
            });
        }
        let transaction = self.connection_mut().transaction()?;
        set_setting(
            &transaction,
            LANGUAGES_SETTING,
            &serde_json::to_string(tags).map_err(|_| Error::InvalidSetting {
                name: "spelling languages",
                allowed: "installed language tags",
            })?,
        )?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "spelling_languages", "languages": tags })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// A checker for the chosen languages with the therapist's words; `None`
    /// when no language is chosen or installed.
    pub fn load_spell_checker(&self, lang: Option<&str>) -> Result<Option<SpellChecker>> {
        let languages = self.spelling_languages(lang)?;
        if languages.chosen.is_empty() {
            return Ok(None);
        }
        let mut checker =
            SpellChecker::load(&system_dictionary_folders(), &languages.chosen).map_err(|_| Error::InvalidInput {
                field: "spelling language",
                problem: "its dictionary could not be read; choose another or reinstall it".to_owned(),
            })?;
        // Words stored before a stricter rule are skipped rather than refusing them all.
        for word in self.spelling_words()? {
            let _ = checker.add_words([word]);
        }
        Ok(Some(checker))
    }
}

/// A language tag fit for an error message (tags are short codes, never record text).
fn tag_for_message(tag: &str) -> String {
    if confidant_spelling::is_valid_language_tag(tag) { tag.to_owned() } else { "that language".to_owned() }
}

#[cfg(test)]
mod tests {
    use crate::vault::test_support::new_vault;

    #[test]
    fn added_words_are_kept_in_the_vault_and_known_to_the_checker_and_junk_is_refused() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut vault = new_vault(folder.path());
        let checker = vault.load_spell_checker(Some("en_US.UTF-8")).expect("loads").expect("en_US is installed");
        assert_eq!(checker.misspellings("Zorblattine came along").len(), 1);
        vault.add_spelling_word("Zorblattine").expect("added");
        vault.add_spelling_word("  Zorblattine ").expect("twice is fine");
        assert_eq!(vault.spelling_words().expect("words"), ["Zorblattine"]);
        let checker = vault.load_spell_checker(Some("en_US.UTF-8")).expect("loads").expect("checker");
        assert!(checker.misspellings("Zorblattine came along").is_empty());
        for junk in ["two words", "", "../etc", "x".repeat(65).as_str()] {
            assert!(vault.add_spelling_word(junk).is_err(), "{junk:?} was accepted");
        }
        vault.remove_spelling_word("Zorblattine").expect("removed");
        assert!(vault.spelling_words().expect("words").is_empty());
        let audit: Vec<String> =
            vault.recent_audit_events(3).expect("audit").into_iter().map(|event| event.detail).collect();
        assert!(audit.iter().all(|detail| !detail.contains("Zorblattine")), "the audit log never holds the word");
    }

    #[test]
    fn languages_default_to_the_system_one_and_only_installed_ones_can_be_chosen() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut vault = new_vault(folder.path());
        assert_eq!(vault.spelling_languages(Some("en_US.UTF-8")).expect("languages").chosen, ["en_US"]);
        assert!(vault.set_spelling_languages(&["xx_XX".to_owned()]).is_err());
        vault.set_spelling_languages(&[]).expect("off");
        assert!(vault.load_spell_checker(Some("en_US.UTF-8")).expect("no checker").is_none());
    }
}
