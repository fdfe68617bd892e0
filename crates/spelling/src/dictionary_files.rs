//! Finding and reading Hunspell files, and merging extra word lists into a `.dic`
//! text before spellbook parses it. Only ever reads.

use std::path::{Path, PathBuf};

use crate::error::SpellingError;

/// File name stem of Debian's medical word list (package hunspell-en-med).
pub(crate) const MEDICAL_WORD_LIST_STEM: &str = "en_med_glut";

/// The `.aff` file whose affix flags the medical word list's entries use (`/S`, `/M`…).
pub(crate) const MEDICAL_WORD_LIST_AFFIX_TAG: &str = "en_US";

/// The two files of one Hunspell dictionary.
#[derive(Debug)]
pub(crate) struct DictionaryPaths {
    pub(crate) affix_file: PathBuf,
    pub(crate) word_file: PathBuf,
}

/// The first folder that holds both `<tag>.aff` and `<tag>.dic`. The tag must already
/// have passed [`crate::is_valid_language_tag`], so it cannot contain a path separator.
pub(crate) fn find_dictionary(folders: &[PathBuf], tag: &str) -> Option<DictionaryPaths> {
    folders.iter().find_map(|folder| {
        let affix_file = folder.join(format!("{tag}.aff"));
        let word_file = folder.join(format!("{tag}.dic"));
        (affix_file.is_file() && word_file.is_file()).then_some(DictionaryPaths { affix_file, word_file })
    })
}

/// The first `en_med_glut.dic` in `folders`, if the medical word list is installed.
pub(crate) fn find_medical_word_list(folders: &[PathBuf]) -> Option<PathBuf> {
    folders.iter().map(|folder| folder.join(format!("{MEDICAL_WORD_LIST_STEM}.dic"))).find(|path| path.is_file())
}

/// Reads a dictionary file as UTF-8 text, without a byte-order mark.
pub(crate) fn read_dictionary_text(path: &Path) -> Result<String, SpellingError> {
    let bytes =
        std::fs::read(path).map_err(|source| SpellingError::DictionaryUnreadable { path: path.to_owned(), source })?;
    let mut text = String::from_utf8(bytes).map_err(|_| SpellingError::DictionaryNotUtf8 { path: path.to_owned() })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The entry lines of a `.dic` text: everything after its first line, the word count.
pub(crate) fn dic_entries(dic_text: &str) -> &str {
    dic_text.split_once('\n').map_or("", |(_count_line, entries)| entries)
}

/// The entries of `en_med_glut.dic`, one `word` or `word/FLAGS` each.
///
/// The file opens with a count line, then a licence and credits block whose lines are
/// indented (spaces or a tab) with some blank lines between them; Hunspell reads those
/// as junk entries ("This is the dictionary…"), here they are dropped. Entries are never
/// indented.
pub(crate) fn medical_entries(medical_text: &str) -> impl Iterator<Item = &str> {
    dic_entries(medical_text)
        .lines()
        .filter(|line| !line.starts_with(char::is_whitespace) && !line.trim().is_empty())
        .map(str::trim_end)
}

/// Drops a `.dic` entry's affix flags and morphological fields: `abdominal/YS` → `abdominal`.
/// Used when the entries are merged into a dictionary whose `.aff` gives the flag
/// letters other meanings.
pub(crate) fn entry_without_flags(entry: &str) -> &str {
    entry.split(['/', '\t', ' ']).next().unwrap_or(entry)
}

/// A `.dic` text made of `base_dic_text`'s entries followed by `extra_entries`,
/// with a count line covering both (spellbook uses it to size its tables).
pub(crate) fn merged_dic_text<'entry>(
    base_dic_text: &str,
    extra_entries: impl IntoIterator<Item = &'entry str>,
) -> String {
    let base_entries = dic_entries(base_dic_text);
    let mut entries = String::with_capacity(base_entries.len() + 1024 * 1024);
    entries.push_str(base_entries);
    if !entries.is_empty() && !entries.ends_with('\n') {
        entries.push('\n');
    }
    let mut n_extra_entries = 0_usize;
    for entry in extra_entries {
        entries.push_str(entry);
        entries.push('\n');
        n_extra_entries += 1;
    }
    let n_entries = base_entries.lines().count() + n_extra_entries;
    format!("{n_entries}\n{entries}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{require_en_us_dictionary, require_medical_word_list, system_folders};

    #[test]
    fn medical_entries_skip_the_count_and_the_indented_licence_block() {
        let text =
            "3\n    This is the dictionary file\n    \n\tof this dictionary.\n\nabdominal/YS\nAarskog/M\nZyrtec\n";
        let entries: Vec<&str> = medical_entries(text).collect();
        assert_eq!(entries, ["abdominal/YS", "Aarskog/M", "Zyrtec"]);
    }

    #[test]
    fn real_medical_list_has_as_many_entries_as_its_count_line_says() {
        require_medical_word_list();
        let path = find_medical_word_list(&system_folders()).unwrap_or_default();
        let text = read_dictionary_text(&path).unwrap_or_default();
        let declared: usize = text.lines().next().unwrap_or_default().trim().parse().unwrap_or(0);
        let entries: Vec<&str> = medical_entries(&text).collect();
        assert!(declared > 80_000, "count line says {declared}");
        assert_eq!(entries.len(), declared);
        assert!(entries.iter().all(|entry| !entry.contains("dictionary file") && !entry.contains("License")));
        assert!(entries.contains(&"abdominal/YS"));
    }

    #[test]
    fn strips_flags_and_morphology() {
        assert_eq!(entry_without_flags("abdominal/YS"), "abdominal");
        assert_eq!(entry_without_flags("activewear/M\tNoun"), "activewear");
        assert_eq!(entry_without_flags("Zyrtec"), "Zyrtec");
    }

    #[test]
    fn merged_text_counts_every_entry() {
        let merged = merged_dic_text("2\nalpha\nbeta", ["gamma", "delta/S"]);
        assert_eq!(merged, "4\nalpha\nbeta\ngamma\ndelta/S\n");
    }

    #[test]
    fn finds_en_us_files_and_reads_them_as_text() {
        require_en_us_dictionary();
        let paths = find_dictionary(&system_folders(), "en_US");
        let paths = paths.unwrap_or_else(|| panic!("en_US not found in the system folders"));
        let affix_text = read_dictionary_text(&paths.affix_file).unwrap_or_default();
        assert!(affix_text.contains("SET UTF-8"));
        assert!(find_dictionary(&system_folders(), "xx_YY").is_none());
    }

    #[test]
    fn unreadable_file_is_an_error_naming_the_file() {
        let missing = Path::new("/nonexistent/confidant-spelling-test/en_US.dic");
        let message = read_dictionary_text(missing).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains("/nonexistent/confidant-spelling-test/en_US.dic"), "{message}");
    }
}
