//! Splitting note text into the words worth checking, and turning byte offsets into
//! the UTF-16 offsets the JavaScript editor uses.
//!
//! Text is first cut at whitespace. A whitespace-free chunk holding a digit (90837,
//! F41.1, PHQ-9, 3x/week) or looking like an e-mail address or a web address is not
//! prose and is skipped whole. The rest is split at Unicode word boundaries (UAX #29,
//! which keeps "client’s" and "e.g" together), and words joined by single hyphens are
//! put back together as one compound.

use unicode_segmentation::UnicodeSegmentation;

use crate::personal_words::{is_apostrophe, is_hyphen};

/// Longest word, in bytes, worth handing to the dictionaries; longer runs of letters
/// are pasted data, not prose.
const MAXIMUM_CHECKED_WORD_BYTES: usize = 200;

/// Longest all-capitals word taken for an acronym (CBT, PTSD, LGBTQIA) and not checked.
const MAXIMUM_ACRONYM_LETTERS: usize = 6;

/// Endings that mark a whitespace-free chunk as a bare web address (betterhelp.com).
const COMMON_TOP_LEVEL_DOMAINS: &[&str] =
    &["com", "org", "net", "edu", "gov", "io", "info", "app", "health", "uk", "us", "ca", "au", "nz", "ie", "de", "fr"];

/// One word or hyphenated compound found in the text, as a byte range of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordSpan {
    /// Byte offset of the first character.
    pub(crate) start: usize,
    /// Byte offset just past the last character.
    pub(crate) end: usize,
}

/// Every word or hyphenated compound in `text` that is worth checking, in order.
pub(crate) fn word_spans(text: &str) -> Vec<WordSpan> {
    let mut spans = Vec::new();
    for (chunk_start, chunk) in whitespace_separated_chunks(text) {
        if chunk.chars().any(char::is_numeric) || looks_like_address(chunk) {
            continue;
        }
        let mut compound: Option<WordSpan> = None;
        let mut hyphen_after_compound = false;
        for (offset, segment) in chunk.split_word_bound_indices() {
            let start = chunk_start + offset;
            let end = start + segment.len();
            if is_word_segment(segment) {
                match compound.as_mut() {
                    Some(span) if hyphen_after_compound => span.end = end,
                    _ => spans.extend(compound.replace(WordSpan { start, end })),
                }
                hyphen_after_compound = false;
            } else if compound.is_some() && !hyphen_after_compound && is_single_hyphen(segment) {
                hyphen_after_compound = true;
            } else {
                spans.extend(compound.take());
                hyphen_after_compound = false;
            }
        }
        spans.extend(compound);
    }
    spans.retain(|span| span.end - span.start <= MAXIMUM_CHECKED_WORD_BYTES);
    spans
}

/// The parts of a hyphenated compound with their byte offsets inside it:
/// "self-harm" → (0, "self"), (5, "harm").
pub(crate) fn compound_parts(compound: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let mut part_start = 0;
    for (offset, character) in compound.char_indices() {
        if is_hyphen(character) {
            parts.push((part_start, &compound[part_start..offset]));
            part_start = offset + character.len_utf8();
        }
    }
    parts.push((part_start, &compound[part_start..]));
    parts
}

/// Whether a word is not worth checking at all: a single letter ("a", "I", "x"), or
/// an acronym of 2 to 6 capitals with an optional possessive (CBT, SI, HI, CBT’s).
pub(crate) fn is_exempt_from_checking(word: &str) -> bool {
    let without_possessive = strip_possessive(word).unwrap_or(word);
    let n_letters = without_possessive.chars().filter(|character| character.is_alphabetic()).count();
    if word.chars().filter(|character| character.is_alphabetic()).count() <= 1 {
        return true;
    }
    n_letters <= MAXIMUM_ACRONYM_LETTERS
        && without_possessive.chars().all(|character| !character.is_alphabetic() || character.is_uppercase())
}

/// "client" for "client's" or "client’s"; "clients" for "clients'"; `None` otherwise.
pub(crate) fn strip_possessive(word: &str) -> Option<&str> {
    let mut characters = word.chars().rev();
    let last = characters.next()?;
    let before_last = characters.next()?;
    if matches!(last, 's' | 'S') && is_apostrophe(before_last) {
        let stem = &word[..word.len() - last.len_utf8() - before_last.len_utf8()];
        return (!stem.is_empty()).then_some(stem);
    }
    if is_apostrophe(last) && matches!(before_last, 's' | 'S') {
        return Some(&word[..word.len() - last.len_utf8()]);
    }
    None
}

/// Turns byte offsets into UTF-16 code-unit offsets, walking the text once when the
/// offsets come in increasing order (as misspellings do).
#[derive(Debug)]
pub(crate) struct Utf16OffsetCursor<'text> {
    text: &'text str,
    byte_offset: usize,
    utf16_offset: usize,
}

impl<'text> Utf16OffsetCursor<'text> {
    pub(crate) fn new(text: &'text str) -> Self {
        Self { text, byte_offset: 0, utf16_offset: 0 }
    }

    /// The UTF-16 offset of `byte_offset`, which must lie on a character boundary.
    pub(crate) fn utf16_offset_of(&mut self, byte_offset: usize) -> usize {
        if byte_offset < self.byte_offset {
            self.byte_offset = 0;
            self.utf16_offset = 0;
        }
        let skipped = self.text.get(self.byte_offset..byte_offset).unwrap_or_default();
        self.utf16_offset += skipped.chars().map(char::len_utf16).sum::<usize>();
        self.byte_offset = byte_offset;
        self.utf16_offset
    }
}

/// Maximal runs of non-whitespace with their byte offsets.
fn whitespace_separated_chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .map(move |chunk| (chunk.as_ptr() as usize - text.as_ptr() as usize, chunk))
        .filter(|(_, chunk)| !chunk.is_empty())
}

/// A UAX #29 segment that holds letters (and so is a word, not punctuation or space).
/// Segments with an underscore are identifiers or file names, not prose.
fn is_word_segment(segment: &str) -> bool {
    segment.chars().any(char::is_alphabetic) && !segment.contains('_')
}

fn is_single_hyphen(segment: &str) -> bool {
    let mut characters = segment.chars();
    characters.next().is_some_and(is_hyphen) && characters.next().is_none()
}

/// E-mail addresses, handles, URLs, bare domains and Windows paths.
fn looks_like_address(chunk: &str) -> bool {
    let without_opening = chunk.trim_start_matches(|character: char| !character.is_alphanumeric());
    chunk.contains("://")
        || chunk.contains('@')
        || chunk.contains('\\')
        || without_opening.get(..4).is_some_and(|start| start.eq_ignore_ascii_case("www."))
        || ends_with_common_domain(chunk)
        || chunk.split('/').next().is_some_and(ends_with_common_domain)
}

fn ends_with_common_domain(chunk: &str) -> bool {
    let trimmed = chunk.trim_end_matches(|character: char| !character.is_alphanumeric());
    let Some((before, ending)) = trimmed.rsplit_once('.') else {
        return false;
    };
    before.ends_with(char::is_alphanumeric)
        && COMMON_TOP_LEVEL_DOMAINS.iter().any(|domain| ending.eq_ignore_ascii_case(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        word_spans(text).into_iter().map(|span| &text[span.start..span.end]).collect()
    }

    #[test]
    fn splits_prose_into_words_and_keeps_apostrophes_inside() {
        assert_eq!(
            words("Client’s mood (low), didn't sleep; clients' plans."),
            ["Client’s", "mood", "low", "didn't", "sleep", "clients", "plans"]
        );
    }

    #[test]
    fn skips_numbers_codes_and_anything_with_a_digit() {
        assert_eq!(words("PHQ-9 score 14, GAD-7 9. Code 90837 and F41.1 at 3x/week"), ["score", "Code", "and", "at"]);
    }

    #[test]
    fn skips_email_and_web_addresses() {
        assert_eq!(
            words("Mail jane.doe@example.org or see https://example.org/a-b, www.Example.net and betterhelp.com today"),
            ["Mail", "or", "see", "and", "today"]
        );
    }

    #[test]
    fn joins_hyphenated_compounds_and_splits_them_back_into_parts() {
        assert_eq!(
            words("self-harm, trauma‐informed - not joined -dash"),
            ["self-harm", "trauma‐informed", "not", "joined", "dash"]
        );
        assert_eq!(compound_parts("self-harm"), [(0, "self"), (5, "harm")]);
        assert_eq!(compound_parts("trauma‐informed"), [(0, "trauma"), (9, "informed")]);
        assert_eq!(compound_parts("word"), [(0, "word")]);
    }

    #[test]
    fn slashes_and_dashes_separate_words() {
        assert_eq!(words("anxiety/depression—both"), ["anxiety", "depression", "both"]);
    }

    #[test]
    fn exempts_single_letters_and_short_acronyms_only() {
        for word in ["a", "I", "CBT", "SI", "HI", "CBT’s", "PTSD's", "LGBTQ", "ZOË"] {
            assert!(is_exempt_from_checking(word), "{word} should be exempt");
        }
        for word in ["anxeity", "Cbt", "ANXEITY", "LGBTQIA", "is"] {
            assert!(!is_exempt_from_checking(word), "{word} should be checked");
        }
    }

    #[test]
    fn strips_possessives_with_either_apostrophe() {
        assert_eq!(strip_possessive("client's"), Some("client"));
        assert_eq!(strip_possessive("client’s"), Some("client"));
        assert_eq!(strip_possessive("clients'"), Some("clients"));
        assert_eq!(strip_possessive("client"), None);
        assert_eq!(strip_possessive("'s"), None);
    }

    #[test]
    fn utf16_offsets_count_surrogate_pairs_and_accents() {
        let text = "Zoë 👍 reports";
        let mut cursor = Utf16OffsetCursor::new(text);
        let byte_offset = text.find("reports").unwrap_or_default();
        // Z o ë space = 4 units, the emoji is a surrogate pair = 2, space = 1.
        assert_eq!(cursor.utf16_offset_of(byte_offset), 7);
        assert_eq!(cursor.utf16_offset_of(text.len()), 14);
        assert_eq!(cursor.utf16_offset_of(0), 0);
    }
}
