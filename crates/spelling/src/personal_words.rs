//! What may go into the therapist's personal dictionary.

/// Most characters a personal word may have.
pub const MAXIMUM_PERSONAL_WORD_CHARS: usize = 64;

/// Whether `word` may be added to the personal dictionary: one word of 1 to 64
/// characters, made of letters with apostrophes (`'` or `’`) and hyphens between or
/// after them ("Zoë", "O’Brien", "Jean-Luc", "DBT"). Digits, spaces, slashes and other
/// punctuation are refused, so a stray paste cannot land in the dictionary.
pub fn is_valid_personal_word(word: &str) -> bool {
    let n_chars = word.chars().count();
    (1..=MAXIMUM_PERSONAL_WORD_CHARS).contains(&n_chars)
        && word.chars().next().is_some_and(char::is_alphabetic)
        && !word.ends_with(is_hyphen)
        && word.chars().all(|character| {
            character.is_alphabetic()
                || is_combining_mark(character)
                || is_apostrophe(character)
                || is_hyphen(character)
        })
}

/// `'` and the typographic `’` that editors and phones substitute for it.
pub(crate) fn is_apostrophe(character: char) -> bool {
    matches!(character, '\'' | '’')
}

/// The hyphen-minus and the Unicode hyphens that join compound words.
pub(crate) fn is_hyphen(character: char) -> bool {
    matches!(character, '-' | '\u{2010}' | '\u{2011}')
}

/// Combining diacritics, so a decomposed "Zoë" (e + U+0308) counts as letters.
fn is_combining_mark(character: char) -> bool {
    matches!(character, '\u{0300}'..='\u{036F}')
}

/// The word with typographic apostrophes made straight, the form dictionaries store.
pub(crate) fn with_straight_apostrophes(word: &str) -> String {
    word.replace('’', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_and_words_with_apostrophes_and_hyphens() {
        for word in [
            "Zoë",
            "Zoe\u{308}",
            "O’Brien",
            "O'Brien",
            "Jean-Luc",
            "DBT",
            "a",
            "Nguyễn",
            "Müller",
            "Ольга",
            "rock'n'roll",
        ] {
            assert!(is_valid_personal_word(word), "refused {word:?}");
        }
    }

    #[test]
    fn refuses_junk() {
        let too_long = "a".repeat(MAXIMUM_PERSONAL_WORD_CHARS + 1);
        for word in [
            "",
            "two words",
            "F41.1",
            "PHQ-9",
            "a/b",
            "word/S",
            "back\\slash",
            "-dash",
            "dash-",
            "ab.cd",
            "😀",
            "tab\there",
            too_long.as_str(),
        ] {
            assert!(!is_valid_personal_word(word), "accepted {word:?}");
        }
        assert!(is_valid_personal_word(&"a".repeat(MAXIMUM_PERSONAL_WORD_CHARS)));
    }
}
