//! The spell checker the note editor asks: which words of a note are misspelt, is
//! this word right, what could it be instead.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use spellbook::Dictionary;

use crate::clinical_words::clinical_words;
use crate::dictionary_files::{
    DictionaryPaths, MEDICAL_WORD_LIST_AFFIX_TAG, MEDICAL_WORD_LIST_STEM, entry_without_flags, find_dictionary,
    find_medical_word_list, medical_entries, merged_dic_text, read_dictionary_text,
};
use crate::error::SpellingError;
use crate::languages::{is_english, is_valid_language_tag};
use crate::personal_words::{is_apostrophe, is_hyphen, is_valid_personal_word, with_straight_apostrophes};
use crate::text_words::{Utf16OffsetCursor, compound_parts, is_exempt_from_checking, strip_possessive, word_spans};

/// Prefixes accepted before a hyphen even where the dictionary lacks them on their own
/// ("pre-session", "psycho-education"): the part after the hyphen is still checked.
const COMPOUND_PREFIXES: &[&str] = &[
    "anti", "bi", "bio", "co", "counter", "cross", "de", "ex", "extra", "hyper", "hypo", "inter", "intra", "macro",
    "meta", "micro", "mid", "mis", "multi", "neo", "neuro", "non", "over", "para", "peri", "poly", "post", "pre",
    "pro", "pseudo", "psycho", "re", "self", "semi", "socio", "sub", "super", "trans", "tri", "ultra", "un", "under",
];

/// A misspelt word in a text, located the way JavaScript indexes strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misspelling {
    /// UTF-16 code-unit offset of the word's first character (`text.slice(start, end)` in JS).
    pub start: u32,
    /// UTF-16 code-unit offset just past the word's last character.
    pub end: u32,
    /// The misspelt word as it appears in the text.
    pub word: String,
}

/// Spell checking in one or more languages, plus the medical word list, the bundled
/// clinical terms and the therapist's personal words.
///
/// Built once with [`SpellChecker::load`] (tens of milliseconds per language) and then
/// shared: every query takes `&self`, and the type is `Send + Sync`, so an
/// `Arc<RwLock<SpellChecker>>` serves the editor with [`SpellChecker::add_words`] under
/// the write lock. Its `Debug` output shows languages and counts, never words.
pub struct SpellChecker {
    dictionaries: Vec<Dictionary>,
    languages: Vec<String>,
    personal_words: BTreeSet<String>,
    n_medical_words: usize,
    n_clinical_words: usize,
}

/// How the medical word list joins the loaded languages.
enum MedicalWordListPlan {
    /// Not installed, or no English language chosen.
    NotUsed,
    /// Merged, affix flags and all, into en_US: the `.aff` its flags were written for.
    MergedIntoEnUs,
    /// English chosen but not en_US: the list gets its own dictionary built with
    /// en_US.aff, because other English `.aff` files (en_GB) give the flag letters
    /// other meanings.
    OwnDictionaryWithEnUsAffixes(DictionaryPaths),
    /// English chosen, en_US.aff not installed: stems only, merged into each English language.
    StemsMergedIntoEachEnglish,
}

impl SpellChecker {
    /// Loads the dictionaries of `languages` (tags such as `en_US`, from
    /// [`crate::installed_languages`]), looking in `folders` in order.
    ///
    /// English languages also get the medical word list (`en_med_glut.dic`, when
    /// installed) and the bundled clinical terms. Every tag is validated before any file
    /// is touched; a language whose files are missing fails with
    /// [`SpellingError::LanguageNotInstalled`] naming it. Only reads files.
    pub fn load(folders: &[PathBuf], languages: &[String]) -> Result<SpellChecker, SpellingError> {
        if let Some(tag) = languages.iter().find(|tag| !is_valid_language_tag(tag)) {
            return Err(SpellingError::InvalidLanguageTag { tag: tag.clone() });
        }
        let mut unique_languages: Vec<String> = Vec::with_capacity(languages.len());
        for tag in languages {
            if !unique_languages.contains(tag) {
                unique_languages.push(tag.clone());
            }
        }
        if unique_languages.is_empty() {
            return Err(SpellingError::NoLanguageChosen);
        }
        // Find every language's files before parsing any, so a missing one fails fast.
        let mut located = Vec::with_capacity(unique_languages.len());
        for tag in &unique_languages {
            let paths = (tag != MEDICAL_WORD_LIST_STEM).then(|| find_dictionary(folders, tag)).flatten();
            let paths = paths.ok_or_else(|| SpellingError::LanguageNotInstalled { tag: tag.clone() })?;
            located.push((tag.clone(), paths));
        }

        let any_english = unique_languages.iter().any(|tag| is_english(tag));
        let medical_text = match find_medical_word_list(folders) {
            Some(path) if any_english => Some(read_dictionary_text(&path)?),
            _ => None,
        };
        let medical: Vec<&str> =
            medical_text.as_deref().map(|text| medical_entries(text).collect()).unwrap_or_default();
        let medical_plan = if medical.is_empty() {
            MedicalWordListPlan::NotUsed
        } else if unique_languages.iter().any(|tag| tag == MEDICAL_WORD_LIST_AFFIX_TAG) {
            MedicalWordListPlan::MergedIntoEnUs
        } else if let Some(paths) = find_dictionary(folders, MEDICAL_WORD_LIST_AFFIX_TAG) {
            MedicalWordListPlan::OwnDictionaryWithEnUsAffixes(paths)
        } else {
            MedicalWordListPlan::StemsMergedIntoEachEnglish
        };
        let clinical: Vec<&str> = clinical_words().collect();

        let mut dictionaries = Vec::with_capacity(located.len() + 1);
        for (tag, paths) in &located {
            let affix_text = read_dictionary_text(&paths.affix_file)?;
            let dic_text = read_dictionary_text(&paths.word_file)?;
            let dictionary = if is_english(tag) {
                let medical_part: Vec<&str> = match medical_plan {
                    MedicalWordListPlan::MergedIntoEnUs if tag == MEDICAL_WORD_LIST_AFFIX_TAG => medical.clone(),
                    MedicalWordListPlan::StemsMergedIntoEachEnglish => {
                        medical.iter().map(|entry| entry_without_flags(entry)).collect()
                    }
                    _ => Vec::new(),
                };
                let extra_entries = medical_part.into_iter().chain(clinical.iter().copied());
                parse_dictionary(tag, &affix_text, &merged_dic_text(&dic_text, extra_entries))?
            } else {
                parse_dictionary(tag, &affix_text, &dic_text)?
            };
            dictionaries.push(dictionary);
        }
        if let MedicalWordListPlan::OwnDictionaryWithEnUsAffixes(paths) = &medical_plan {
            let affix_text = read_dictionary_text(&paths.affix_file)?;
            let dic_text = merged_dic_text("0\n", medical.iter().copied());
            dictionaries.push(parse_dictionary(MEDICAL_WORD_LIST_STEM, &affix_text, &dic_text)?);
        }

        Ok(SpellChecker {
            dictionaries,
            languages: unique_languages,
            personal_words: BTreeSet::new(),
            n_medical_words: medical.len(),
            n_clinical_words: if any_english { clinical.len() } else { 0 },
        })
    }

    /// The loaded language tags, in the order given to [`SpellChecker::load`].
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// How many entries of the medical word list were loaded (0 when not installed or
    /// no English language is loaded).
    pub fn n_medical_words(&self) -> usize {
        self.n_medical_words
    }

    /// How many personal words have been added.
    pub fn n_personal_words(&self) -> usize {
        self.personal_words.len()
    }

    /// Adds the therapist's personal words (client names, local terms), held in memory
    /// only: storing them is the caller's job. Each must pass
    /// [`crate::is_valid_personal_word`]; if any fails, none is added and the error
    /// gives its position. Returns how many words were new.
    ///
    /// Words count as written, with Hunspell's case rules: "Zoë" also accepts "ZOË",
    /// "dbt" also accepts "Dbt" and "DBT". Possessives ("Zoë’s") are accepted too.
    pub fn add_words<Word: AsRef<str>>(
        &mut self,
        words: impl IntoIterator<Item = Word>,
    ) -> Result<usize, SpellingError> {
        let mut normalised_words = Vec::new();
        for (word_index, word) in words.into_iter().enumerate() {
            let word = word.as_ref();
            if !is_valid_personal_word(word) {
                return Err(SpellingError::InvalidPersonalWord { word_number: word_index + 1 });
            }
            normalised_words.push((word_index + 1, with_straight_apostrophes(word)));
        }
        let mut n_new_words = 0;
        for (word_number, word) in normalised_words {
            if self.personal_words.contains(&word) {
                continue;
            }
            for dictionary in &mut self.dictionaries {
                // Cannot fail: a valid personal word has no '/' and so no flags to parse.
                if dictionary.add(&word).is_err() {
                    return Err(SpellingError::InvalidPersonalWord { word_number });
                }
            }
            self.personal_words.insert(word);
            n_new_words += 1;
        }
        Ok(n_new_words)
    }

    /// Whether `word` is spelt correctly in any loaded language, the medical or clinical
    /// lists, or the personal words.
    ///
    /// Follows Hunspell's case rules (a capitalised sentence start or ALL CAPS form of a
    /// lowercase word is right), takes straight or curly apostrophes, possessives
    /// ("client’s", "clients'") and hyphenated compounds, checked part by part.
    pub fn check_word(&self, word: &str) -> bool {
        if word.is_empty() {
            return false;
        }
        if self.accepts_single_word(word) {
            return true;
        }
        let parts = compound_parts(word);
        parts.len() > 1
            && parts.iter().enumerate().all(|(part_index, (_, part))| {
                !part.is_empty()
                    && (self.accepts_single_word(part) || (part_index + 1 < parts.len() && is_compound_prefix(part)))
            })
    }

    /// The misspelt words of `text`, in order, with UTF-16 offsets.
    ///
    /// Not checked: numbers and any whitespace-free run containing a digit (90837,
    /// F41.1, PHQ-9, 3x/week), e-mail and web addresses, single letters, and all-caps
    /// acronyms of up to 6 letters (CBT, SI). A hyphenated compound that the
    /// dictionaries do not know whole is checked part by part, and only the wrong parts
    /// are reported.
    pub fn misspellings(&self, text: &str) -> Vec<Misspelling> {
        let mut offsets = Utf16OffsetCursor::new(text);
        let mut misspellings = Vec::new();
        let mut report = |start: usize, end: usize| {
            let word = text[start..end].to_owned();
            let start = u32::try_from(offsets.utf16_offset_of(start)).unwrap_or(u32::MAX);
            let end = u32::try_from(offsets.utf16_offset_of(end)).unwrap_or(u32::MAX);
            misspellings.push(Misspelling { start, end, word });
        };
        for span in word_spans(text) {
            let word = &text[span.start..span.end];
            if is_exempt_from_checking(word) || self.accepts_single_word(word) {
                continue;
            }
            let parts = compound_parts(word);
            let n_parts = parts.len();
            for (part_index, (part_offset, part)) in parts.into_iter().enumerate() {
                let is_acceptable = is_exempt_from_checking(part)
                    || (n_parts > 1 && self.accepts_single_word(part))
                    || (part_index + 1 < n_parts && is_compound_prefix(part));
                if !is_acceptable {
                    let part_start = span.start + part_offset;
                    report(part_start, part_start + part.len());
                }
            }
        }
        misspellings
    }

    /// Up to `limit` corrections for `word`, best first, from every loaded dictionary
    /// (taken in turn, so one language does not crowd out the others). Suggesting is
    /// much slower than checking (milliseconds per word): call it for one word the
    /// therapist asks about, not for a whole note.
    pub fn suggest(&self, word: &str, limit: usize) -> Vec<String> {
        if limit == 0 || word.trim().is_empty() || word.len() > 200 {
            return Vec::new();
        }
        let per_dictionary: Vec<Vec<String>> = self
            .dictionaries
            .iter()
            .map(|dictionary| {
                let mut suggestions = Vec::new();
                dictionary.suggest(word, &mut suggestions);
                suggestions
            })
            .collect();
        let mut suggestions: Vec<String> = Vec::with_capacity(limit);
        let longest = per_dictionary.iter().map(Vec::len).max().unwrap_or(0);
        'ranks: for rank in 0..longest {
            for candidates in &per_dictionary {
                let Some(candidate) = candidates.get(rank) else {
                    continue;
                };
                if candidate != word && !suggestions.contains(candidate) {
                    suggestions.push(candidate.clone());
                    if suggestions.len() == limit {
                        break 'ranks;
                    }
                }
            }
        }
        suggestions
    }

    /// One word without hyphen splitting: as written, with straight apostrophes, without
    /// a possessive ending, or (for "e.g", "Ph.D") as an abbreviation.
    fn accepts_single_word(&self, word: &str) -> bool {
        if self.any_dictionary_accepts(word) {
            return true;
        }
        let straight = word.contains('’').then(|| with_straight_apostrophes(word));
        if let Some(straight) = &straight
            && self.any_dictionary_accepts(straight)
        {
            return true;
        }
        let word = straight.as_deref().unwrap_or(word);
        if let Some(stem) = strip_possessive(word)
            && self.any_dictionary_accepts(stem)
        {
            return true;
        }
        if word.contains('.') {
            let without_final_periods = word.trim_end_matches('.');
            return self.any_dictionary_accepts(&format!("{without_final_periods}."))
                || self.any_dictionary_accepts(&without_final_periods.replace('.', ""))
                || without_final_periods
                    .split('.')
                    .all(|piece| is_exempt_from_checking(piece) || self.any_dictionary_accepts(piece));
        }
        false
    }

    fn any_dictionary_accepts(&self, word: &str) -> bool {
        let word = word.trim_matches(|character: char| is_apostrophe(character) || is_hyphen(character));
        !word.is_empty() && self.dictionaries.iter().any(|dictionary| dictionary.check(word))
    }
}

/// Lists languages and counts only: personal words may be client names.
impl fmt::Debug for SpellChecker {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SpellChecker")
            .field("languages", &self.languages)
            .field("n_medical_words", &self.n_medical_words)
            .field("n_clinical_words", &self.n_clinical_words)
            .field("n_personal_words", &self.personal_words.len())
            .finish_non_exhaustive()
    }
}

fn parse_dictionary(tag: &str, affix_text: &str, dic_text: &str) -> Result<Dictionary, SpellingError> {
    Dictionary::new(affix_text, dic_text)
        .map_err(|error| SpellingError::DictionaryMalformed { tag: tag.to_owned(), detail: error.to_string() })
}

fn is_compound_prefix(part: &str) -> bool {
    COMPOUND_PREFIXES.iter().any(|prefix| part.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{require_en_us_dictionary, shared_en_us_checker, system_folders};

    fn load_en_us() -> SpellChecker {
        require_en_us_dictionary();
        SpellChecker::load(&system_folders(), &["en_US".to_owned()])
            .unwrap_or_else(|error| panic!("could not load en_US: {error}"))
    }

    fn misspelt_words(checker: &SpellChecker, text: &str) -> Vec<String> {
        checker.misspellings(text).into_iter().map(|misspelling| misspelling.word).collect()
    }

    /// The UTF-16 slice `start..end` of `text`, decoded, as the editor would see it.
    fn javascript_slice(text: &str, misspelling: &Misspelling) -> String {
        let units: Vec<u16> = text.encode_utf16().collect();
        String::from_utf16_lossy(&units[misspelling.start as usize..misspelling.end as usize])
    }

    #[test]
    fn clinical_note_has_no_false_positives() {
        let note = "Client reports anhedonia and insomnia; psychoeducation on sleep hygiene provided. \
                    Discussed countertransference in supervision. PHQ-9 score 14, GAD-7 9. Plan: CBT weekly, 90837.";
        assert_eq!(misspelt_words(shared_en_us_checker(), note), Vec::<String>::new());
    }

    #[test]
    fn longer_clinical_note_has_no_false_positives() {
        let note = "Session focused on emotional dysregulation and catastrophizing. Client practiced grounding \
                    and mentalization exercises; rumination decreased. Biopsychosocial formulation updated. \
                    Denies SI/HI. Telehealth via video. EMDR and DBT skills (distress tolerance) reviewed. \
                    Somatic symptoms: tension, fatigue. Intake completed; BIRP note. Hypervigilance noted, \
                    client’s partner supportive. Sertraline 50 mg per psychiatrist. See https://example.org/x \
                    or email front.desk@example.org. Co-occurring ADHD; trauma-informed, self-compassion focus.";
        assert_eq!(misspelt_words(shared_en_us_checker(), note), Vec::<String>::new());
    }

    #[test]
    fn finds_misspelt_words_at_exact_utf16_offsets_after_emoji_and_accents() {
        let checker = shared_en_us_checker();
        let text = "Zoë 👍 reports anxeity";
        let misspellings = checker.misspellings(text);
        assert_eq!(
            misspellings,
            [
                Misspelling { start: 0, end: 3, word: "Zoë".to_owned() },
                Misspelling { start: 15, end: 22, word: "anxeity".to_owned() },
            ]
        );
        let text = "Café visit 😊😊: résumé fine, but insommnia and “worryng” persist — naïve tiredess.";
        let misspellings = checker.misspellings(text);
        let words: Vec<&str> = misspellings.iter().map(|misspelling| misspelling.word.as_str()).collect();
        // en_US spells "resume" and "naive" without accents, as Hunspell does.
        assert_eq!(words, ["résumé", "insommnia", "worryng", "naïve", "tiredess"]);
        for misspelling in &misspellings {
            assert_eq!(javascript_slice(text, misspelling), misspelling.word);
        }
        assert!(misspellings.windows(2).all(|pair| pair[0].end <= pair[1].start), "not in order");
    }

    #[test]
    fn suggestions_for_anxeity_include_anxiety() {
        let suggestions = shared_en_us_checker().suggest("anxeity", 5);
        assert!(suggestions.iter().any(|suggestion| suggestion == "anxiety"), "{suggestions:?}");
        assert!(suggestions.len() <= 5);
        assert!(shared_en_us_checker().suggest("anxeity", 0).is_empty());
        let clinical = shared_en_us_checker().suggest("psychoeducaton", 5);
        assert!(clinical.iter().any(|suggestion| suggestion == "psychoeducation"), "{clinical:?}");
    }

    #[test]
    fn personal_words_stop_being_flagged_once_added() {
        let mut checker = load_en_us();
        let text = "Zoë and Siobhán met; Zoë’s brother Aarav called. SIOBHÁN agreed.";
        assert_eq!(misspelt_words(&checker, text), ["Zoë", "Siobhán", "Zoë’s", "Aarav", "SIOBHÁN"]);
        assert_eq!(checker.add_words(["Zoë", "Siobhán", "Aarav", "Zoë"]).ok(), Some(3));
        assert_eq!(misspelt_words(&checker, text), Vec::<String>::new());
        assert!(checker.check_word("Zoë"));
        assert_eq!(checker.n_personal_words(), 3);
        assert!(checker.suggest("Siobhan", 5).iter().any(|suggestion| suggestion == "Siobhán"));
    }

    #[test]
    fn personal_words_may_hold_hyphens_and_either_apostrophe() {
        let mut checker = load_en_us();
        assert!(!checker.check_word("Aoife-Niamh") && !checker.check_word("O’Dowdall"));
        assert_eq!(checker.add_words(["Aoife-Niamh", "O’Dowdall"]).ok(), Some(2));
        for word in ["Aoife-Niamh", "O’Dowdall", "O'Dowdall", "O’Dowdall’s"] {
            assert!(checker.check_word(word), "{word} rejected");
        }
        assert_eq!(misspelt_words(&checker, "Aoife-Niamh and O'Dowdall’s session"), Vec::<String>::new());
    }

    #[test]
    fn every_bundled_clinical_word_is_accepted() {
        let checker = shared_en_us_checker();
        let rejected: Vec<&str> =
            crate::clinical_words::clinical_words().filter(|word| !checker.check_word(word)).collect();
        assert!(rejected.is_empty(), "rejected clinical words: {rejected:?}");
    }

    #[test]
    fn refuses_a_batch_with_a_junk_personal_word_and_adds_none_of_it() {
        let mut checker = load_en_us();
        let result = checker.add_words(["Zoë", "not a word", "Aarav"]);
        assert!(matches!(result, Err(SpellingError::InvalidPersonalWord { word_number: 2 })), "{result:?}");
        assert_eq!(checker.n_personal_words(), 0);
        assert!(!checker.check_word("Zoë"));
    }

    #[test]
    fn medical_words_are_accepted_thanks_to_the_medical_word_list() {
        require_en_us_dictionary();
        let checker = shared_en_us_checker();
        assert!(checker.n_medical_words() > 80_000, "medical list not loaded: {checker:?}");
        for word in ["hypothyroidism", "sertraline", "escitalopram", "anhedonia", "abdominals", "Aarskog's", "Zyprexa"]
        {
            assert!(checker.check_word(word), "{word} rejected");
        }
        // Without the list en_US alone rejects them, so the list is what makes them right.
        let affix_text = std::fs::read_to_string("/usr/share/hunspell/en_US.aff").unwrap_or_default();
        let dic_text = std::fs::read_to_string("/usr/share/hunspell/en_US.dic").unwrap_or_default();
        let plain = Dictionary::new(&affix_text, &dic_text).unwrap_or_else(|error| panic!("{error}"));
        assert!(!plain.check("sertraline") && !plain.check("escitalopram"));
        // The licence block at the top of the list did not become words.
        assert!(!checker.check_word("Glutanimate") && !checker.check_word("Rajasekharan"));
    }

    #[test]
    fn clinical_terms_and_case_follow_hunspell_rules() {
        let checker = shared_en_us_checker();
        for word in [
            "psychoeducation",
            "Psychoeducation",
            "PSYCHOEDUCATION",
            "countertransference",
            "EMDR",
            "ANXIETY",
            "Anxiety",
            "DBT",
            "IFS",
            "BIRP",
            "GIRP",
        ] {
            assert!(checker.check_word(word), "{word} rejected");
        }
        for word in ["anxeity", "ANXEITY", "psychoeducaton", "pSychoeducation", ""] {
            assert!(!checker.check_word(word), "{word:?} accepted");
        }
    }

    #[test]
    fn accepts_curly_and_straight_apostrophe_possessives() {
        let checker = shared_en_us_checker();
        for word in
            ["client’s", "client's", "clients’", "clients'", "therapist’s", "psychoeducation’s", "CBT’s", "don’t"]
        {
            assert!(checker.check_word(word), "{word} rejected");
        }
        let text = "The client’s mother’s worries; the clients’ rights; the clinician’s notes; the cleint’s plan.";
        assert_eq!(misspelt_words(checker, text), ["cleint’s"]);
    }

    #[test]
    fn checks_hyphenated_compounds_part_by_part() {
        let checker = shared_en_us_checker();
        for word in ["self-harm", "trauma-informed", "co-occurring", "pre-session", "anxiety-provoking", "non-suicidal"]
        {
            assert!(checker.check_word(word), "{word} rejected");
        }
        assert!(!checker.check_word("self-harn"));
        let text = "Discussed self-harn and xyzzyq-related urges, well-being good.";
        let misspellings = checker.misspellings(text);
        let words: Vec<&str> = misspellings.iter().map(|misspelling| misspelling.word.as_str()).collect();
        assert_eq!(words, ["harn", "xyzzyq"]);
        assert_eq!((misspellings[0].start, misspellings[0].end), (15, 19));
        for misspelling in &misspellings {
            assert_eq!(javascript_slice(text, misspelling), misspelling.word);
        }
    }

    #[test]
    fn skips_numbers_addresses_single_letters_and_short_acronyms() {
        let text = "Denies SI/HI. Dx F41.1, 3x/week, x2, PHQ-9 of 14. Email qwzx@qwzx.com or qwzxy.org; \
                    see https://qwzx.example/qwzx. Option b or c. LGBTQ, CBTI, ASPD. QWZXYV vs QWZXYVB.";
        assert_eq!(misspelt_words(shared_en_us_checker(), text), ["QWZXYVB"]);
    }

    #[test]
    fn handles_abbreviations_with_periods() {
        let checker = shared_en_us_checker();
        let text = "Stress, e.g. work, i.e. deadlines, etc. Dr. Smith, Ph.D., vs. a.m. sessions.";
        assert_eq!(misspelt_words(checker, text), Vec::<String>::new());
    }

    #[test]
    fn empty_and_whitespace_text_has_no_misspellings() {
        let checker = shared_en_us_checker();
        assert!(checker.misspellings("").is_empty());
        assert!(checker.misspellings(" \n\t ").is_empty());
        assert!(checker.suggest("   ", 5).is_empty());
    }

    #[test]
    fn refuses_unsafe_tags_without_touching_the_file_system() {
        // A folder that does not exist: an InvalidLanguageTag error (rather than
        // LanguageNotInstalled) shows the tag was refused before any lookup.
        let folders = [PathBuf::from("/nonexistent/confidant-spelling-test")];
        for tag in ["../etc", "en_US/../../etc/passwd", "en US", "/etc/passwd", ""] {
            let result = SpellChecker::load(&folders, &["en_US".to_owned(), tag.to_owned()]);
            assert!(matches!(result, Err(SpellingError::InvalidLanguageTag { .. })), "{tag:?}: {result:?}");
        }
    }

    #[test]
    fn missing_language_is_an_error_naming_it_and_no_language_is_refused() {
        require_en_us_dictionary();
        let error =
            SpellChecker::load(&system_folders(), &["en_US".to_owned(), "xx_YY".to_owned()]).map(|_| ()).unwrap_err();
        assert!(matches!(&error, SpellingError::LanguageNotInstalled { tag } if tag == "xx_YY"), "{error:?}");
        assert!(error.to_string().contains("xx_YY"));
        let medical_as_language = SpellChecker::load(&system_folders(), &["en_med_glut".to_owned()]);
        assert!(matches!(medical_as_language, Err(SpellingError::LanguageNotInstalled { .. })));
        assert!(matches!(SpellChecker::load(&system_folders(), &[]), Err(SpellingError::NoLanguageChosen)));
    }

    #[test]
    fn repeated_languages_load_once() {
        let checker = SpellChecker::load(&system_folders(), &["en_US".to_owned(), "en_US".to_owned()])
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(checker.languages(), ["en_US"]);
    }

    #[test]
    fn debug_output_holds_no_personal_word() {
        let mut checker = load_en_us();
        assert_eq!(checker.add_words(["Siobhán", "Quixotely"]).ok(), Some(2));
        let debug = format!("{checker:?} {checker:#?}");
        assert!(!debug.contains("Siobh") && !debug.contains("Quixotely"), "{debug}");
        assert!(debug.contains("en_US") && debug.contains("n_personal_words: 2"), "{debug}");
    }

    #[test]
    fn spell_checker_can_be_shared_between_threads() {
        fn assert_send_and_sync<T: Send + Sync>() {}
        assert_send_and_sync::<SpellChecker>();
        let checker = shared_en_us_checker();
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| checker.check_word("anxiety"));
            assert!(handle.join().unwrap_or(false));
        });
    }
}
