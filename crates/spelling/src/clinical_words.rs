//! The bundled list of psychotherapy and clinical terms that neither the ordinary
//! English dictionaries nor the medical word list know (`words/clinical-en.txt`).

/// The list as shipped: one word per line; lines starting with `#` are comments.
const CLINICAL_WORD_LIST: &str = include_str!("../words/clinical-en.txt");

/// Every clinical word, in file order. They carry no affix flags, so inflections are
/// listed one by one and the words can be merged into any English dictionary.
pub(crate) fn clinical_words() -> impl Iterator<Item = &'static str> {
    CLINICAL_WORD_LIST.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::is_valid_personal_word;

    #[test]
    fn list_holds_a_few_hundred_single_words_without_flags_or_duplicates() {
        let words: Vec<&str> = clinical_words().collect();
        assert!(words.len() >= 250, "only {} clinical words", words.len());
        let mut seen = HashSet::new();
        for word in &words {
            assert!(is_valid_personal_word(word), "not a plain word: {word:?}");
            assert!(seen.insert(*word), "listed twice: {word:?}");
        }
        for expected in ["psychoeducation", "mentalization", "catastrophizing", "telepsychology", "EMDR", "BIRP"] {
            assert!(seen.contains(expected), "{expected} missing");
        }
    }
}
