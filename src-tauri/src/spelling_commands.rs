//! Spell checking in the note editor: thin commands over the session's checker.
//! The text checked and the words suggested stay in memory; the therapist's own
//! words are kept in the vault.

use confidant_vault::Session;
use serde::Serialize;
use tauri::State;

use crate::error::CommandError;

type CommandResult<T> = Result<T, CommandError>;

/// A misspelt word: where it is, in UTF-16 code units (JavaScript's string indices).
#[derive(Debug, Serialize, specta::Type)]
pub struct MisspellingDto {
    pub start: u32,
    pub end: u32,
}

/// An installed dictionary.
#[derive(Debug, Serialize, specta::Type)]
pub struct LanguageDto {
    /// E.g. `en_US`.
    pub tag: String,
    /// E.g. "English (United States)".
    pub name: String,
}

/// The installed dictionaries and the chosen ones.
#[derive(Debug, Serialize, specta::Type)]
pub struct SpellingLanguagesDto {
    pub installed: Vec<LanguageDto>,
    pub chosen: Vec<String>,
}

/// The misspelt words of a section.
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_check(session: State<'_, Session>, text: String) -> CommandResult<Vec<MisspellingDto>> {
    let found = session.check_spelling(&text)?;
    Ok(found.into_iter().map(|misspelling| MisspellingDto { start: misspelling.start, end: misspelling.end }).collect())
}

/// Up to five corrections for a word.
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_suggest(session: State<'_, Session>, word: String) -> CommandResult<Vec<String>> {
    Ok(session.suggest_spelling(&word, 5)?)
}

/// Adds a word to the therapist's dictionary (kept in the vault).
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_add_word(session: State<'_, Session>, word: String) -> CommandResult<()> {
    Ok(session.add_spelling_word(&word)?)
}

/// The therapist's words.
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_words(session: State<'_, Session>) -> CommandResult<Vec<String>> {
    Ok(session.with_vault(|vault| vault.spelling_words())?)
}

/// Removes one of the therapist's words.
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_remove_word(session: State<'_, Session>, word: String) -> CommandResult<()> {
    Ok(session.remove_spelling_word(&word)?)
}

/// The installed dictionaries and the chosen ones.
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_languages(session: State<'_, Session>) -> CommandResult<SpellingLanguagesDto> {
    let lang = std::env::var("LANG").ok();
    let languages = session.with_vault(|vault| vault.spelling_languages(lang.as_deref()))?;
    Ok(SpellingLanguagesDto {
        installed: languages
            .installed
            .into_iter()
            .map(|language| LanguageDto { tag: language.tag, name: language.name })
            .collect(),
        chosen: languages.chosen,
    })
}

/// Chooses the languages to check (none: no spell checking).
#[tauri::command(async)]
#[specta::specta]
pub fn spelling_set_languages(session: State<'_, Session>, tags: Vec<String>) -> CommandResult<()> {
    Ok(session.set_spelling_languages(&tags)?)
}
