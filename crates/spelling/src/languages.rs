//! Which Hunspell languages are installed, what to call them, and which one to
//! start with.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::dictionary_files::MEDICAL_WORD_LIST_STEM;

/// Longest language tag accepted; real ones are at most about a dozen characters.
const MAXIMUM_TAG_CHARS: usize = 20;

/// One installed dictionary language, as shown in the language picker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language {
    /// File name stem of the dictionary, such as `en_US`; pass it to [`crate::SpellChecker::load`].
    pub tag: String,
    /// Readable English name, such as "English (United States)", or the tag when unknown.
    pub name: String,
}

/// Whether `tag` could be a dictionary file name stem: 2 to 20 ASCII letters,
/// underscores or hyphens. Anything else (dots, slashes, spaces) is refused so a tag
/// can never reach outside the dictionary folders.
pub fn is_valid_language_tag(tag: &str) -> bool {
    (2..=MAXIMUM_TAG_CHARS).contains(&tag.len())
        && tag.bytes().all(|byte| byte.is_ascii_alphabetic() || byte == b'_' || byte == b'-')
}

/// Every language that has both `<tag>.aff` and `<tag>.dic` in one of `folders`,
/// sorted by tag. The medical word list (`en_med_glut.dic`) is not a language and
/// never appears. Folders that do not exist are skipped. Only reads directory listings.
pub fn installed_languages(folders: &[PathBuf]) -> Vec<Language> {
    let mut languages = BTreeMap::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(tag) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            if path.extension().and_then(|extension| extension.to_str()) != Some("dic")
                || !is_valid_language_tag(tag)
                || tag == MEDICAL_WORD_LIST_STEM
                || languages.contains_key(tag)
            {
                continue;
            }
            // `is_file` follows symbolic links: Debian links fr_FR.dic to fr.dic.
            if path.is_file() && path.with_extension("aff").is_file() {
                languages.insert(tag.to_owned(), language_name(tag));
            }
        }
    }
    languages.into_iter().map(|(tag, name)| Language { tag, name }).collect()
}

/// The language to check with when the therapist has not chosen one yet.
///
/// `lang_variable` is the value of the `LANG` environment variable, if any
/// (`en_US.UTF-8`, `de_CH@euro`, `C`). Picks that exact language when installed, else
/// another installed variant of the same language (`de_AT` for `de_DE`), else the
/// first English one, else the first installed. `None` only when nothing is installed.
pub fn default_language(installed: &[Language], lang_variable: Option<&str>) -> Option<String> {
    let wanted = lang_variable.map(|value| value.split(['.', '@']).next().unwrap_or_default()).unwrap_or_default();
    let wanted_language = primary_language(wanted);
    installed
        .iter()
        .find(|language| language.tag == wanted)
        .or_else(|| {
            installed
                .iter()
                .find(|language| !wanted_language.is_empty() && primary_language(&language.tag) == wanted_language)
        })
        .or_else(|| installed.iter().find(|language| is_english(&language.tag)))
        .or_else(|| installed.first())
        .map(|language| language.tag.clone())
}

/// Whether a tag names a variety of English (`en`, `en_GB`, `en-US`).
pub fn is_english(tag: &str) -> bool {
    primary_language(tag) == "en"
}

/// The language part of a tag, lowercased: `en` for `en_US`.
fn primary_language(tag: &str) -> String {
    tag.split(['_', '-']).next().unwrap_or_default().to_ascii_lowercase()
}

/// "English (United States)" for `en_US`, "German (Switzerland, frami)" for
/// `de_CH_frami`, "French" for `fr`; the tag itself when the language is unknown.
fn language_name(tag: &str) -> String {
    let mut segments = tag.split(['_', '-']).filter(|segment| !segment.is_empty());
    let Some(language) = segments.next().and_then(|code| language_name_for_code(&code.to_ascii_lowercase())) else {
        return tag.to_owned();
    };
    let details: Vec<&str> = segments
        .map(|segment| region_name_for_code(segment).or_else(|| script_name_for_code(segment)).unwrap_or(segment))
        .collect();
    if details.is_empty() { language.to_owned() } else { format!("{language} ({})", details.join(", ")) }
}

fn language_name_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "af" => "Afrikaans",
        "an" => "Aragonese",
        "ar" => "Arabic",
        "be" => "Belarusian",
        "bg" => "Bulgarian",
        "bn" => "Bengali",
        "bo" => "Tibetan",
        "br" => "Breton",
        "bs" => "Bosnian",
        "ca" => "Catalan",
        "cs" => "Czech",
        "cy" => "Welsh",
        "da" => "Danish",
        "de" => "German",
        "el" => "Greek",
        "en" => "English",
        "eo" => "Esperanto",
        "es" => "Spanish",
        "et" => "Estonian",
        "eu" => "Basque",
        "fa" => "Persian",
        "fi" => "Finnish",
        "fo" => "Faroese",
        "fr" => "French",
        "fy" => "Western Frisian",
        "ga" => "Irish",
        "gd" => "Scottish Gaelic",
        "gl" => "Galician",
        "gu" => "Gujarati",
        "he" => "Hebrew",
        "hi" => "Hindi",
        "hr" => "Croatian",
        "hu" => "Hungarian",
        "hy" => "Armenian",
        "id" => "Indonesian",
        "is" => "Icelandic",
        "it" => "Italian",
        "ka" => "Georgian",
        "kk" => "Kazakh",
        "kmr" => "Kurmanji Kurdish",
        "ko" => "Korean",
        "la" => "Latin",
        "lb" => "Luxembourgish",
        "lo" => "Lao",
        "lt" => "Lithuanian",
        "lv" => "Latvian",
        "mk" => "Macedonian",
        "ml" => "Malayalam",
        "mn" => "Mongolian",
        "mr" => "Marathi",
        "ms" => "Malay",
        "nb" => "Norwegian Bokmål",
        "ne" => "Nepali",
        "nl" => "Dutch",
        "nn" => "Norwegian Nynorsk",
        "no" => "Norwegian",
        "oc" => "Occitan",
        "pa" => "Punjabi",
        "pl" => "Polish",
        "pt" => "Portuguese",
        "ro" => "Romanian",
        "ru" => "Russian",
        "se" => "Northern Sami",
        "si" => "Sinhala",
        "sk" => "Slovak",
        "sl" => "Slovenian",
        "sq" => "Albanian",
        "sr" => "Serbian",
        "sv" => "Swedish",
        "sw" => "Swahili",
        "ta" => "Tamil",
        "te" => "Telugu",
        "th" => "Thai",
        "tl" => "Tagalog",
        "tr" => "Turkish",
        "uk" => "Ukrainian",
        "ur" => "Urdu",
        "uz" => "Uzbek",
        "vi" => "Vietnamese",
        "zu" => "Zulu",
        _ => return None,
    })
}

fn region_name_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "AL" => "Albania",
        "AR" => "Argentina",
        "AT" => "Austria",
        "AU" => "Australia",
        "BA" => "Bosnia and Herzegovina",
        "BD" => "Bangladesh",
        "BE" => "Belgium",
        "BG" => "Bulgaria",
        "BO" => "Bolivia",
        "BR" => "Brazil",
        "BS" => "Bahamas",
        "BY" => "Belarus",
        "BZ" => "Belize",
        "CA" => "Canada",
        "CH" => "Switzerland",
        "CL" => "Chile",
        "CO" => "Colombia",
        "CR" => "Costa Rica",
        "CU" => "Cuba",
        "CZ" => "Czechia",
        "DE" => "Germany",
        "DK" => "Denmark",
        "DO" => "Dominican Republic",
        "EC" => "Ecuador",
        "EE" => "Estonia",
        "ES" => "Spain",
        "FI" => "Finland",
        "FR" => "France",
        "GB" => "United Kingdom",
        "GH" => "Ghana",
        "GR" => "Greece",
        "GT" => "Guatemala",
        "HN" => "Honduras",
        "HR" => "Croatia",
        "HU" => "Hungary",
        "ID" => "Indonesia",
        "IE" => "Ireland",
        "IL" => "Israel",
        "IN" => "India",
        "IS" => "Iceland",
        "IT" => "Italy",
        "JM" => "Jamaica",
        "KE" => "Kenya",
        "KR" => "South Korea",
        "KZ" => "Kazakhstan",
        "LA" => "Laos",
        "LI" => "Liechtenstein",
        "LK" => "Sri Lanka",
        "LT" => "Lithuania",
        "LU" => "Luxembourg",
        "LV" => "Latvia",
        "MC" => "Monaco",
        "MD" => "Moldova",
        "MN" => "Mongolia",
        "MX" => "Mexico",
        "NA" => "Namibia",
        "NG" => "Nigeria",
        "NI" => "Nicaragua",
        "NL" => "Netherlands",
        "NO" => "Norway",
        "NP" => "Nepal",
        "NZ" => "New Zealand",
        "PA" => "Panama",
        "PE" => "Peru",
        "PH" => "Philippines",
        "PL" => "Poland",
        "PR" => "Puerto Rico",
        "PT" => "Portugal",
        "PY" => "Paraguay",
        "RO" => "Romania",
        "RS" => "Serbia",
        "RU" => "Russia",
        "SE" => "Sweden",
        "SG" => "Singapore",
        "SI" => "Slovenia",
        "SK" => "Slovakia",
        "SV" => "El Salvador",
        "TH" => "Thailand",
        "TR" => "Turkey",
        "TT" => "Trinidad and Tobago",
        "TZ" => "Tanzania",
        "UA" => "Ukraine",
        "US" => "United States",
        "UY" => "Uruguay",
        "UZ" => "Uzbekistan",
        "VE" => "Venezuela",
        "VN" => "Vietnam",
        "ZA" => "South Africa",
        "ZW" => "Zimbabwe",
        _ => return None,
    })
}

fn script_name_for_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "Latn" => "Latin script",
        "Cyrl" => "Cyrillic script",
        "Arab" => "Arabic script",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{require_en_us_dictionary, system_folders};

    fn language(tag: &str) -> Language {
        Language { tag: tag.to_owned(), name: language_name(tag) }
    }

    #[test]
    fn finds_en_us_and_not_the_medical_word_list() {
        require_en_us_dictionary();
        let installed = installed_languages(&system_folders());
        let tags: Vec<&str> = installed.iter().map(|language| language.tag.as_str()).collect();
        assert!(tags.contains(&"en_US"), "en_US missing from {tags:?}");
        assert!(!tags.iter().any(|tag| tag.contains("med")), "medical list listed as a language: {tags:?}");
        let mut sorted = tags.clone();
        sorted.sort_unstable();
        assert_eq!(tags, sorted, "languages are not sorted");
        let en_us = installed.iter().find(|language| language.tag == "en_US").map(|language| language.name.as_str());
        assert_eq!(en_us, Some("English (United States)"));
    }

    #[test]
    fn missing_folders_give_no_languages_rather_than_an_error() {
        assert!(installed_languages(&[PathBuf::from("/nonexistent/confidant-spelling-test")]).is_empty());
    }

    #[test]
    fn names_common_languages_in_plain_english() {
        assert_eq!(language_name("en_US"), "English (United States)");
        assert_eq!(language_name("en_GB"), "English (United Kingdom)");
        assert_eq!(language_name("de_DE"), "German (Germany)");
        assert_eq!(language_name("fr_FR"), "French (France)");
        assert_eq!(language_name("es_ES"), "Spanish (Spain)");
        assert_eq!(language_name("de-CH"), "German (Switzerland)");
        assert_eq!(language_name("fr"), "French");
        assert_eq!(language_name("de_DE_frami"), "German (Germany, frami)");
        assert_eq!(language_name("sr_Latn_RS"), "Serbian (Latin script, Serbia)");
        assert_eq!(language_name("xx_YY"), "xx_YY");
    }

    #[test]
    fn refuses_tags_that_could_name_other_files() {
        for tag in [
            "../etc",
            "en_US/../../x",
            "en US",
            "en.US",
            "/etc/passwd",
            "e",
            "",
            "en_US\0",
            "ábc",
            "a_very_long_tag_name_indeed",
        ] {
            assert!(!is_valid_language_tag(tag), "accepted {tag:?}");
        }
        for tag in ["en_US", "de-CH", "fr", "de_DE_frami", "sr_Latn_RS"] {
            assert!(is_valid_language_tag(tag), "refused {tag:?}");
        }
    }

    #[test]
    fn default_language_follows_lang_then_english_then_first() {
        let installed = [language("de_AT"), language("en_GB"), language("en_US"), language("fr_FR")];
        assert_eq!(default_language(&installed, Some("en_US.UTF-8")).as_deref(), Some("en_US"));
        assert_eq!(default_language(&installed, Some("fr_FR@euro")).as_deref(), Some("fr_FR"));
        assert_eq!(default_language(&installed, Some("de_DE.UTF-8")).as_deref(), Some("de_AT"));
        assert_eq!(default_language(&installed, Some("C")).as_deref(), Some("en_GB"));
        assert_eq!(default_language(&installed, None).as_deref(), Some("en_GB"));
        let no_english = [language("de_DE"), language("fr_FR")];
        assert_eq!(default_language(&no_english, Some("C")).as_deref(), Some("de_DE"));
        assert_eq!(default_language(&[], Some("en_US.UTF-8")), None);
    }

    #[test]
    fn default_language_on_this_machine_is_en_us() {
        require_en_us_dictionary();
        let installed = installed_languages(&system_folders());
        assert_eq!(default_language(&installed, Some("en_US.UTF-8")).as_deref(), Some("en_US"));
        let from_c = default_language(&installed, Some("C")).unwrap_or_default();
        assert!(is_english(&from_c), "LANG=C chose {from_c}");
    }
}
