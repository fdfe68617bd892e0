//! How a note reads, shared by the chart PDF and the FHIR bundle so both say the
//! same thing: kind and template names, sections in template order, risk findings,
//! session details.

use chrono::{DateTime, NaiveDate, Utc};
use confidant_vault::notes::{Modality, NoteContent, NoteKind, RISK_FIELDS};
use confidant_vault::templates;
use confidant_vault::transfer::ExportRecord;

/// "Progress note", "Intake assessment", …
pub fn kind_label(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Progress => "Progress note",
        NoteKind::Intake => "Intake assessment",
        NoteKind::TreatmentPlan => "Treatment plan",
        NoteKind::Discharge => "Discharge summary",
        NoteKind::Contact => "Contact note",
        NoteKind::Psychotherapy => "Psychotherapy note",
    }
}

/// "In person", "Video", "Phone".
pub fn modality_label(modality: Modality) -> &'static str {
    match modality {
        Modality::InPerson => "In person",
        Modality::Video => "Video",
        Modality::Phone => "Phone",
    }
}

/// The template's name ("SOAP"), or its id when this build does not know it.
pub fn template_name(content: &NoteContent) -> String {
    templates::template(&content.template).map_or_else(|| content.template.clone(), |template| template.name.clone())
}

/// `abuse_or_neglect` → "Abuse or neglect".
pub fn humanised(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The note's sections as (heading, text): every section of its template in the
/// template's order (empty ones too, as ""), then non-empty sections the template
/// does not know (an imported note, or a template that changed), by key.
pub fn sections(content: &NoteContent) -> Vec<(String, &str)> {
    let template = templates::template(&content.template);
    let known = template.map(|template| template.sections.as_slice()).unwrap_or_default();
    let mut out: Vec<(String, &str)> = known
        .iter()
        .map(|section| {
            (section.heading.clone(), content.sections.get(&section.key).map(String::as_str).unwrap_or_default())
        })
        .collect();
    out.extend(
        content
            .sections
            .iter()
            .filter(|(key, text)| !known.iter().any(|section| &section.key == *key) && !text.trim().is_empty())
            .map(|(key, text)| (humanised(key), text.as_str())),
    );
    out
}

/// Risk findings as (label, finding): the known fields in their usual order, then
/// any others; empty findings left out.
pub fn risk_findings(content: &NoteContent) -> Vec<(String, &str)> {
    let risk = &content.risk;
    let known = RISK_FIELDS.iter().filter_map(|field| risk.get_key_value(*field));
    let others = risk.iter().filter(|(field, _)| !RISK_FIELDS.contains(&field.as_str()));
    known
        .chain(others)
        .filter(|(_, finding)| !finding.trim().is_empty())
        .map(|(field, finding)| {
            let label = if field == "self_harm" { "Self-harm".to_owned() } else { humanised(field) };
            (label, finding.as_str())
        })
        .collect()
}

/// The day the export was made (UTC), for "expired" judgements.
pub fn export_date(record: &ExportRecord) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(&record.exported_at).ok().map(|time| time.with_timezone(&Utc).date_naive())
}
