//! What a note's fields must be, in three tiers: the storage rules every save
//! keeps (a known template and sections, generous size caps), the field problems
//! that block signing (a code or time that cannot be valid), and the warnings the
//! sign dialog shows before a note is locked for good (empty sections, minutes,
//! a time-based code that does not fit them, unanswered risk items, text repeated
//! from an earlier note). A draft saves whatever was typed: only the storage
//! rules can refuse a save, and they are far beyond what a person types.

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;
use serde::Serialize;

use crate::notes::{NoteContent, NoteKind, RISK_FIELDS};
use crate::templates::{self, Template};
use crate::{Error, Result};

/// Longest section a signed note may have, in characters (about 40 printed pages).
pub const MAX_SECTION_CHARS: usize = 100_000;
/// Longest signed note, all sections together.
pub const MAX_NOTE_CHARS: usize = 400_000;
/// Longest risk finding a signed note may have.
pub const MAX_RISK_FINDING_CHARS: usize = 2_000;
/// Most diagnosis codes a signed note may carry.
pub const MAX_DIAGNOSIS_CODES: usize = 12;
/// Longest section a draft can store: ten times the signing limit, so a paste
/// that is too long for signing is still kept until the therapist splits it.
pub const MAX_STORED_SECTION_CHARS: usize = 1_000_000;
/// Longest draft, all sections together.
pub const MAX_STORED_NOTE_CHARS: usize = 2_000_000;
/// Longest short field a draft can store (a code, a time, a risk finding).
pub const MAX_STORED_FIELD_CHARS: usize = 20_000;
/// Most diagnosis-code entries a draft can store.
pub const MAX_STORED_DIAGNOSIS_CODES: usize = 500;
/// Shortest section the repeated-text check looks at: "None." twice is no clone.
const MIN_REPEATED_CHARS: usize = 40;

/// A field of the note editor, for putting a problem next to the right input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteField {
    /// The session date.
    SessionDate,
    /// The start time.
    StartTime,
    /// The session length in minutes.
    DurationMinutes,
    /// The CPT service code.
    ServiceCode,
    /// The ICD-10 diagnosis codes.
    DiagnosisCodes,
    /// A risk-screening item (`key` names it).
    Risk,
    /// A section (`key` names it).
    Section,
    /// The note as a whole.
    Note,
}

/// Something about a field that stops the note from being signed. Shown beside
/// the field; the draft is saved regardless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// Which field.
    pub field: NoteField,
    /// The section key or risk item, for those fields.
    pub key: Option<String>,
    /// What is wrong and what would be right, in plain words. Never the value
    /// itself (it may be record text).
    pub message: String,
}

/// What the sign dialog asks the therapist to look at again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignWarningKind {
    /// A section of the template is empty.
    EmptySection,
    /// No session length.
    MinutesMissing,
    /// A time-based psychotherapy code whose time range does not hold the minutes.
    CodeDoesNotFitMinutes,
    /// Risk-screening items left unanswered.
    RiskUnanswered,
    /// A section is word for word the same as in the client's previous note
    /// (a cloned-note audit flag), or was copied forward and never edited.
    RepeatsEarlierNote,
    /// The session date is after today.
    SessionInFuture,
}

impl SignWarningKind {
    /// The stored name (also in the audit log when a warning is overridden).
    pub fn as_str(self) -> &'static str {
        match self {
            SignWarningKind::EmptySection => "empty_section",
            SignWarningKind::MinutesMissing => "minutes_missing",
            SignWarningKind::CodeDoesNotFitMinutes => "code_does_not_fit_minutes",
            SignWarningKind::RiskUnanswered => "risk_unanswered",
            SignWarningKind::RepeatsEarlierNote => "repeats_earlier_note",
            SignWarningKind::SessionInFuture => "session_in_future",
        }
    }
}

/// One warning of the sign dialog; the therapist may sign anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignWarning {
    /// What kind of gap it is.
    pub kind: SignWarningKind,
    /// The section key (or risk item) it is about, if any.
    pub key: Option<String>,
    /// The warning in plain words. Never record text.
    pub message: String,
}

/// The earlier note the repeated-text check compares with.
#[derive(Debug, Clone, Copy)]
pub struct EarlierNote<'a> {
    /// Its session date.
    pub session_date: NaiveDate,
    /// What it says.
    pub content: &'a NoteContent,
    /// Whether the draft was started as a copy of it ("Start from last session").
    pub copied_from: bool,
}

/// A time-based psychotherapy code and the minutes it stands for (CPT: the
/// nearest range wins; 90832/90833 16–37, 90834/90836 38–52, 90837/90838 53+).
struct TimedCode {
    code: &'static str,
    minimum: u32,
    maximum: Option<u32>,
}

const TIMED_CODES: &[TimedCode] = &[
    TimedCode { code: "90832", minimum: 16, maximum: Some(37) },
    TimedCode { code: "90833", minimum: 16, maximum: Some(37) },
    TimedCode { code: "90834", minimum: 38, maximum: Some(52) },
    TimedCode { code: "90836", minimum: 38, maximum: Some(52) },
    TimedCode { code: "90837", minimum: 53, maximum: None },
    TimedCode { code: "90838", minimum: 53, maximum: None },
];

/// The note kinds whose sign dialog asks for minutes and the risk screening:
/// notes of a session with the client. A treatment plan, a discharge summary, a
/// phone call and private process notes have neither.
fn is_session_note(kind: NoteKind) -> bool {
    matches!(kind, NoteKind::Progress | NoteKind::Intake)
}

/// Applies the storage rules and tidies what can be tidied without changing what
/// was typed: codes of a valid shape are upper-cased, blank codes and start
/// times become absent. Refuses only what no save can hold: an unknown template,
/// a section or risk item the template does not have, or text beyond the
/// storage caps.
pub fn normalise(mut content: NoteContent) -> Result<NoteContent> {
    let template = template_for(&content)?;
    let mut total = 0;
    for (key, text) in &content.sections {
        if !template.sections.iter().any(|section| &section.key == key) {
            return Err(Error::InvalidInput {
                field: "sections",
                problem: format!(
                    "the {} template has no section {key}; its sections are {}",
                    template.name,
                    template.sections.iter().map(|section| section.key.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        let n_chars = text.chars().count();
        if n_chars > MAX_STORED_SECTION_CHARS {
            return Err(Error::InvalidInput {
                field: "sections",
                problem: format!(
                    "a section has {n_chars} characters, more than a note can hold ({MAX_STORED_SECTION_CHARS}): split it into two notes"
                ),
            });
        }
        total += n_chars;
    }
    if total > MAX_STORED_NOTE_CHARS {
        return Err(Error::InvalidInput {
            field: "note",
            problem: format!(
                "the note has {total} characters, more than a note can hold ({MAX_STORED_NOTE_CHARS}): split it into two notes"
            ),
        });
    }
    for (field, finding) in &content.risk {
        if !RISK_FIELDS.contains(&field.as_str()) {
            return Err(Error::InvalidInput {
                field: "risk screening",
                problem: format!("unknown item; use {}", RISK_FIELDS.join(", ")),
            });
        }
        check_stored_length("risk screening", finding)?;
    }
    content.start_time = content.start_time.map(|time| time.trim().to_owned()).filter(|time| !time.is_empty());
    if let Some(time) = &content.start_time {
        check_stored_length("start time", time)?;
    }
    content.service_code =
        content.service_code.map(|code| tidy_code(&code, cpt_shape())).filter(|code| !code.is_empty());
    if let Some(code) = &content.service_code {
        check_stored_length("service code", code)?;
    }
    if content.diagnosis_codes.len() > MAX_STORED_DIAGNOSIS_CODES {
        return Err(Error::InvalidInput {
            field: "diagnosis codes",
            problem: format!(
                "more than {MAX_STORED_DIAGNOSIS_CODES} entries; a note uses at most {MAX_DIAGNOSIS_CODES}"
            ),
        });
    }
    content.diagnosis_codes = content
        .diagnosis_codes
        .iter()
        .map(|code| tidy_code(code, icd10_shape()))
        .filter(|code| !code.is_empty())
        .collect();
    for code in &content.diagnosis_codes {
        check_stored_length("diagnosis codes", code)?;
    }
    Ok(content)
}

/// The field problems that stop a note from being signed, in the editor's order.
/// An empty list means every field holds something a signed note may hold.
pub fn field_problems(content: &NoteContent) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    let mut problem = |field: NoteField, key: Option<&str>, message: String| {
        problems.push(FieldProblem { field, key: key.map(str::to_owned), message });
    };
    if let Some(time) = &content.start_time
        && NaiveTime::parse_from_str(time, "%H:%M").is_err()
    {
        problem(NoteField::StartTime, None, "Use a time of day as HH:MM, e.g. 14:30.".to_owned());
    }
    if let Some(minutes) = content.duration_minutes
        && !(1..=600).contains(&minutes)
    {
        problem(NoteField::DurationMinutes, None, "Use 1 to 600 minutes.".to_owned());
    }
    if let Some(code) = &content.service_code {
        if !cpt_shape().is_match(code) {
            problem(
                NoteField::ServiceCode,
                None,
                "A CPT code is five characters: four digits, then a digit, F or T (e.g. 90837). Check for a letter O typed for a zero."
                    .to_owned(),
            );
        } else if let (Some(timed), Some(minutes)) = (timed_code(code), content.duration_minutes)
            && (1..16).contains(&minutes)
        {
            problem(
                NoteField::ServiceCode,
                None,
                format!(
                    "{} is a psychotherapy code for sessions of at least 16 minutes; this one lasted {minutes}. Use another code or correct the minutes.",
                    timed.code
                ),
            );
        }
    }
    if content.diagnosis_codes.len() > MAX_DIAGNOSIS_CODES {
        problem(NoteField::DiagnosisCodes, None, format!("Use at most {MAX_DIAGNOSIS_CODES} diagnosis codes."));
    }
    let n_codes = content.diagnosis_codes.len();
    for (index, code) in content.diagnosis_codes.iter().enumerate() {
        if !icd10_shape().is_match(code) {
            let which = if n_codes == 1 { "This is".to_owned() } else { format!("Code {} of {n_codes} is", index + 1) };
            problem(
                NoteField::DiagnosisCodes,
                None,
                format!(
                    "{which} not an ICD-10 code: a letter, two more characters, then optionally a dot and up to four more (e.g. F41.1). Separate codes with commas."
                ),
            );
        }
    }
    for (key, finding) in &content.risk {
        let n_chars = finding.chars().count();
        if n_chars > MAX_RISK_FINDING_CHARS {
            problem(
                NoteField::Risk,
                Some(key),
                format!(
                    "This finding has {n_chars} characters; use at most {MAX_RISK_FINDING_CHARS}, and put detail in a section."
                ),
            );
        }
    }
    let mut total = 0;
    for (key, text) in &content.sections {
        let n_chars = text.chars().count();
        total += n_chars;
        if n_chars > MAX_SECTION_CHARS {
            problem(
                NoteField::Section,
                Some(key),
                format!(
                    "This section has {n_chars} characters; a signed note allows {MAX_SECTION_CHARS} per section. Split it into two notes."
                ),
            );
        }
    }
    if total > MAX_NOTE_CHARS {
        problem(
            NoteField::Note,
            None,
            format!("The note has {total} characters; a signed note allows {MAX_NOTE_CHARS}. Split it into two notes."),
        );
    }
    if content.sections.values().all(|text| text.trim().is_empty()) {
        problem(NoteField::Note, None, "An empty note cannot be signed: write at least one section.".to_owned());
    }
    problems
}

/// The sign dialog's warnings for `content`, compared with earlier notes (the one
/// it was copied from, the client's previous note of the same template; each
/// repeated section is named once, after the first that has it) and today's date.
pub fn sign_warnings(content: &NoteContent, earlier: &[EarlierNote<'_>], today: NaiveDate) -> Vec<SignWarning> {
    let mut warnings = Vec::new();
    let mut warn = |kind: SignWarningKind, key: Option<&str>, message: String| {
        warnings.push(SignWarning { kind, key: key.map(str::to_owned), message });
    };
    let Ok(template) = template_for(content) else { return warnings };
    if content.session_date > today {
        warn(
            SignWarningKind::SessionInFuture,
            None,
            format!("The session date ({}) is after today.", content.session_date.format("%-d %b %Y")),
        );
    }
    let any_text = content.sections.values().any(|text| !text.trim().is_empty());
    for section in &template.sections {
        let empty = content.sections.get(&section.key).is_none_or(|text| text.trim().is_empty());
        if empty && any_text {
            warn(SignWarningKind::EmptySection, Some(&section.key), format!("{} is empty.", section.heading));
        }
    }
    let session_note = is_session_note(content.kind);
    match (content.duration_minutes, content.service_code.as_deref().and_then(timed_code)) {
        (None, Some(timed)) => warn(
            SignWarningKind::MinutesMissing,
            None,
            format!("{} is billed by time, and the session length is missing.", timed.code),
        ),
        (None, None) if session_note => {
            warn(SignWarningKind::MinutesMissing, None, "The session length (minutes) is missing.".to_owned())
        }
        (Some(minutes), Some(timed)) if minutes >= 16 => {
            let fits = minutes >= timed.minimum && timed.maximum.is_none_or(|maximum| minutes <= maximum);
            if !fits {
                let range = match timed.maximum {
                    Some(maximum) => format!("{}–{maximum} minutes", timed.minimum),
                    None => format!("{} minutes or more", timed.minimum),
                };
                let better = TIMED_CODES
                    .iter()
                    .filter(|candidate| {
                        candidate.code.ends_with(['2', '4', '7']) == timed.code.ends_with(['2', '4', '7'])
                    })
                    .find(|candidate| {
                        minutes >= candidate.minimum && candidate.maximum.is_none_or(|maximum| minutes <= maximum)
                    })
                    .map(|candidate| format!(" For {minutes} minutes the code is {}.", candidate.code))
                    .unwrap_or_default();
                warn(
                    SignWarningKind::CodeDoesNotFitMinutes,
                    None,
                    format!("{} is for sessions of {range}; this one lasted {minutes}.{better}", timed.code),
                );
            }
        }
        _ => {}
    }
    if session_note {
        let unanswered: Vec<&str> = RISK_FIELDS
            .iter()
            .copied()
            .filter(|field| content.risk.get(*field).is_none_or(|finding| finding.trim().is_empty()))
            .collect();
        if !unanswered.is_empty() {
            let names: Vec<String> = unanswered.iter().map(|field| risk_label(field).to_lowercase()).collect();
            let message = if unanswered.len() == RISK_FIELDS.len() {
                "The risk screening is unanswered.".to_owned()
            } else {
                format!(
                    "Risk screening: {} of {} items unanswered ({}).",
                    unanswered.len(),
                    RISK_FIELDS.len(),
                    names.join(", ")
                )
            };
            warn(SignWarningKind::RiskUnanswered, None, message);
        }
    }
    for section in &template.sections {
        let Some(text) = content.sections.get(&section.key).map(|text| text.trim()) else { continue };
        if text.chars().count() < MIN_REPEATED_CHARS {
            continue;
        }
        let repeated = earlier.iter().find(|earlier| {
            earlier.content.template == content.template
                && earlier.content.sections.get(&section.key).is_some_and(|before| before.trim() == text)
        });
        if let Some(earlier) = repeated {
            let date = earlier.session_date.format("%-d %b %Y");
            let message = if earlier.copied_from {
                format!("{} was copied from the note of {date} and not edited.", section.heading)
            } else {
                format!("{} is word for word the same as in the note of {date}.", section.heading)
            };
            warn(SignWarningKind::RepeatsEarlierNote, Some(&section.key), message);
        }
    }
    warnings
}

/// The heading of a risk-screening item, as the editor shows it.
pub fn risk_label(field: &str) -> &'static str {
    match field {
        "suicidal_ideation" => "Suicidal ideation",
        "homicidal_ideation" => "Homicidal ideation",
        "self_harm" => "Self-harm",
        "substance_use" => "Substance use",
        "abuse_or_neglect" => "Abuse or neglect",
        "safety_plan" => "Safety plan",
        _ => "Risk item",
    }
}

fn template_for(content: &NoteContent) -> Result<&'static Template> {
    let template = templates::template(&content.template).ok_or_else(|| Error::InvalidInput {
        field: "template",
        problem: format!(
            "unknown template; use one of {}",
            templates::templates().iter().map(|template| template.id.as_str()).collect::<Vec<_>>().join(", ")
        ),
    })?;
    if !template.kinds.contains(&content.kind) {
        return Err(Error::InvalidInput {
            field: "template",
            problem: format!("the {} template is not for {} notes", template.name, content.kind.as_str()),
        });
    }
    Ok(template)
}

fn check_stored_length(field: &'static str, text: &str) -> Result<()> {
    let n_chars = text.chars().count();
    if n_chars > MAX_STORED_FIELD_CHARS {
        return Err(Error::InvalidInput {
            field,
            problem: format!("has {n_chars} characters, more than the field can hold ({MAX_STORED_FIELD_CHARS})"),
        });
    }
    Ok(())
}

/// Trims a code, and upper-cases it when that makes it a code of the right
/// shape ("f41.1" → "F41.1"); anything else is kept as typed.
fn tidy_code(code: &str, shape: &Regex) -> String {
    let trimmed = code.trim();
    let upper = trimmed.to_ascii_uppercase();
    if shape.is_match(&upper) { upper } else { trimmed.to_owned() }
}

fn timed_code(code: &str) -> Option<&'static TimedCode> {
    TIMED_CODES.iter().find(|timed| timed.code == code)
}

fn cpt_shape() -> &'static Regex {
    static SHAPE: OnceLock<Regex> = OnceLock::new();
    SHAPE.get_or_init(|| Regex::new(r"^[0-9]{4}[0-9FT]$").expect("valid pattern"))
}

fn icd10_shape() -> &'static Regex {
    static SHAPE: OnceLock<Regex> = OnceLock::new();
    SHAPE.get_or_init(|| Regex::new(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$").expect("valid pattern"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn soap(subjective: &str) -> NoteContent {
        NoteContent {
            kind: NoteKind::Progress,
            template: "soap".to_owned(),
            session_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
            start_time: None,
            duration_minutes: None,
            modality: None,
            service_code: None,
            diagnosis_codes: Vec::new(),
            risk: BTreeMap::new(),
            sections: BTreeMap::from([("subjective".to_owned(), subjective.to_owned())]),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).expect("date")
    }

    fn kinds(warnings: &[SignWarning]) -> Vec<(SignWarningKind, Option<&str>)> {
        warnings.iter().map(|warning| (warning.kind, warning.key.as_deref())).collect()
    }

    #[test]
    fn an_invalid_code_is_kept_as_typed_and_only_blocks_signing() {
        let mut content = soap("Reports better sleep.");
        content.service_code = Some(" 9O834 ".to_owned());
        content.diagnosis_codes = vec!["f41.1".to_owned(), "banana".to_owned(), " ".to_owned()];
        let saved = normalise(content).expect("a draft saves whatever was typed");
        assert_eq!(saved.service_code.as_deref(), Some("9O834"), "trimmed, never changed otherwise");
        assert_eq!(saved.diagnosis_codes, ["F41.1", "banana"], "valid codes upper-cased, blanks dropped");
        let problems = field_problems(&saved);
        let fields: Vec<NoteField> = problems.iter().map(|problem| problem.field).collect();
        assert_eq!(fields, [NoteField::ServiceCode, NoteField::DiagnosisCodes]);
        assert!(problems[0].message.contains("letter O"), "{}", problems[0].message);
        assert!(problems[1].message.starts_with("Code 2 of 2"), "{}", problems[1].message);
        assert!(!problems.iter().any(|problem| problem.message.contains("banana")), "never the value itself");
    }

    #[test]
    fn normalising_is_idempotent_so_an_import_can_compare() {
        let mut content = soap("Text");
        content.service_code = Some("90834".to_owned());
        content.diagnosis_codes = vec!["F41.1".to_owned(), "x y".to_owned()];
        content.start_time = Some("14:30".to_owned());
        let once = normalise(content).expect("normalised");
        assert_eq!(normalise(once.clone()).expect("again"), once);
    }

    #[test]
    fn only_what_no_save_can_hold_is_refused() {
        let mut unknown = soap("Text");
        unknown.sections.insert("summary".to_owned(), "x".to_owned());
        assert!(matches!(normalise(unknown), Err(Error::InvalidInput { field: "sections", .. })));
        let huge = soap(&"a".repeat(MAX_STORED_SECTION_CHARS + 1));
        assert!(matches!(normalise(huge), Err(Error::InvalidInput { field: "sections", .. })));
        let long = soap(&"word ".repeat(MAX_SECTION_CHARS / 5 + 1));
        let saved = normalise(long).expect("too long to sign, not too long to keep");
        assert_eq!(field_problems(&saved)[0].field, NoteField::Section);
    }

    #[test]
    fn times_minutes_and_emptiness_block_signing() {
        let mut content = soap("   ");
        content.start_time = Some("25:99".to_owned());
        content.duration_minutes = Some(0);
        let fields: Vec<NoteField> = field_problems(&content).iter().map(|problem| problem.field).collect();
        assert_eq!(fields, [NoteField::StartTime, NoteField::DurationMinutes, NoteField::Note]);
        let mut fine = soap("Text");
        fine.start_time = Some("09:05".to_owned());
        fine.duration_minutes = Some(50);
        fine.service_code = Some("90834".to_owned());
        assert!(field_problems(&fine).is_empty());
    }

    #[test]
    fn a_psychotherapy_code_under_sixteen_minutes_cannot_be_valid() {
        let mut content = soap("Text");
        content.service_code = Some("90832".to_owned());
        content.duration_minutes = Some(10);
        let problems = field_problems(&content);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("at least 16 minutes"));
    }

    #[test]
    fn a_soap_note_with_only_subjective_and_90834_at_20_minutes_shows_every_warning() {
        let mut content = soap("Client reports panic attacks at work twice this week.");
        content.service_code = Some("90834".to_owned());
        content.duration_minutes = Some(20);
        let warnings = sign_warnings(&content, &[], today());
        assert_eq!(
            kinds(&warnings),
            [
                (SignWarningKind::EmptySection, Some("objective")),
                (SignWarningKind::EmptySection, Some("assessment")),
                (SignWarningKind::EmptySection, Some("plan")),
                (SignWarningKind::CodeDoesNotFitMinutes, None),
                (SignWarningKind::RiskUnanswered, None),
            ]
        );
        let fit = &warnings[3].message;
        assert!(fit.contains("38–52 minutes") && fit.contains("the code is 90832"), "{fit}");
        assert!(field_problems(&content).is_empty(), "warnings, not blockers");
    }

    #[test]
    fn each_time_code_has_its_range() {
        let fits = |code: &str, minutes: u32| {
            let mut content = soap("Text");
            content.service_code = Some(code.to_owned());
            content.duration_minutes = Some(minutes);
            !sign_warnings(&content, &[], today())
                .iter()
                .any(|warning| warning.kind == SignWarningKind::CodeDoesNotFitMinutes)
        };
        assert!(fits("90832", 16) && fits("90832", 37) && !fits("90832", 38));
        assert!(!fits("90834", 37) && fits("90834", 38) && fits("90834", 52) && !fits("90834", 53));
        assert!(!fits("90837", 52) && fits("90837", 53) && fits("90837", 90));
        assert!(fits("90791", 60), "codes that are not billed by time are not checked");
    }

    #[test]
    fn missing_minutes_and_risk_are_asked_for_session_notes_only() {
        let session = soap("Text");
        let warnings = sign_warnings(&session, &[], today());
        let found = kinds(&warnings);
        assert!(found.contains(&(SignWarningKind::MinutesMissing, None)));
        assert!(found.contains(&(SignWarningKind::RiskUnanswered, None)));
        let mut plan = soap("Text");
        plan.kind = NoteKind::TreatmentPlan;
        plan.template = "free".to_owned();
        plan.sections = BTreeMap::from([("note".to_owned(), "Goals".to_owned())]);
        assert!(sign_warnings(&plan, &[], today()).is_empty());
        let mut answered = soap("Text");
        answered.duration_minutes = Some(50);
        for field in RISK_FIELDS {
            answered.risk.insert((*field).to_owned(), "denied".to_owned());
        }
        answered.sections.extend(["objective", "assessment", "plan"].map(|key| (key.to_owned(), "x".to_owned())));
        assert!(sign_warnings(&answered, &[], today()).is_empty());
    }

    #[test]
    fn a_section_repeated_from_the_previous_note_is_flagged() {
        let text = "Client engaged well; discussed coping strategies for work stress at length.";
        let earlier = soap(text);
        let mut content = soap(&format!("  {text}\n"));
        content.sections.insert("plan".to_owned(), "Continue.".to_owned());
        let date = NaiveDate::from_ymd_opt(2026, 11, 13).expect("date");
        let previous = EarlierNote { session_date: date, content: &earlier, copied_from: false };
        let warnings = sign_warnings(&content, &[previous], today());
        let repeated: Vec<&SignWarning> =
            warnings.iter().filter(|warning| warning.kind == SignWarningKind::RepeatsEarlierNote).collect();
        assert_eq!(repeated.len(), 1);
        assert_eq!(repeated[0].key.as_deref(), Some("subjective"));
        assert!(repeated[0].message.contains("13 Nov 2026"), "{}", repeated[0].message);
        let copied = EarlierNote { copied_from: true, ..previous };
        let warnings = sign_warnings(&content, &[copied, previous], today());
        assert!(warnings.iter().any(|warning| warning.message.contains("copied from the note of 13 Nov 2026")));
        let short = soap("None.");
        let short_earlier = EarlierNote { content: &short, ..previous };
        assert!(
            !sign_warnings(&soap("None."), &[short_earlier], today())
                .iter()
                .any(|warning| warning.kind == SignWarningKind::RepeatsEarlierNote),
            "a short stock phrase is not a clone"
        );
    }

    #[test]
    fn a_session_in_the_future_is_questioned() {
        let mut content = soap("Text");
        content.session_date = NaiveDate::from_ymd_opt(2026, 12, 9).expect("date");
        assert!(
            sign_warnings(&content, &[], today())
                .iter()
                .any(|warning| warning.kind == SignWarningKind::SessionInFuture)
        );
    }
}
