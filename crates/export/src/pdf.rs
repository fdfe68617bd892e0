//! The readable chart (`chart.pdf`) and single-note PDFs, rendered in memory.
//!
//! Layout is ours and deliberately simple: one column on US Letter, text shaped
//! with rustybuzz (kerning, accents, anything Inter covers), wrapped greedily at
//! spaces and dashes, and a word longer than the line broken where it must. krilla
//! writes the PDF with Inter embedded and subsetted, so the file looks the same
//! everywhere and its text can be searched and copied (ADR 0009). Record text is
//! only ever drawn as glyphs: nothing in it is interpreted.
//!
//! Pages are laid out first and drawn second, so every footer can say
//! "Page n of m".

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use confidant_vault::disclosures::{ConsentKind, DisclosurePurpose};
use confidant_vault::notes::NoteStatus;
use confidant_vault::transfer::{
    ExportAddendum, ExportConsent, ExportDisclosure, ExportNote, ExportPurpose, ExportRecord, ExportSignature,
};
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime as PdfDateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, GlyphId, KrillaGlyph};

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use crate::fallback::{self, FallbackFont};
use krilla::{Document, SerializeSettings};

use crate::wording;

/// Why a PDF could not be made. Messages never quote the record.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// `note_pdf` was asked for a note the record does not have.
    #[error("note {note_index} does not exist: the record has {n_notes} notes; pick one from the list")]
    NoteNotFound {
        /// The index asked for.
        note_index: usize,
        /// How many notes the record has.
        n_notes: usize,
    },
    /// The font compiled into the app could not be read.
    #[error("the bundled font could not be read; this build is broken, please report it")]
    FontUnreadable,
    /// The PDF library failed to write the document.
    #[error("the PDF could not be written ({stage}); please report this as a bug")]
    Render {
        /// Which part failed, in the library's terms (never record text).
        stage: &'static str,
    },
}

/// A rendered PDF, and what it could not draw.
pub struct Pdf {
    /// The file.
    pub bytes: Vec<u8>,
    /// Characters of the record the bundled font has no glyph for (Inter covers
    /// Latin, Greek and Cyrillic; not, say, Chinese or Arabic), distinct, in order
    /// of first appearance, at most [`MAX_UNPRINTABLE`]. They print as empty boxes;
    /// the vault and a transfer file keep them exactly. Record text: never log it.
    pub unprintable: Vec<char>,
}

impl std::fmt::Debug for Pdf {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Pdf")
            .field("bytes", &self.bytes.len())
            .field("unprintable", &self.unprintable.len())
            .finish()
    }
}

/// How many distinct unprintable characters [`Pdf::unprintable`] lists.
pub const MAX_UNPRINTABLE: usize = 12;

/// The whole chart: client header, diagnoses, every included note with its
/// sections, signature line and hash, addenda, consents, disclosures; "Page n of m"
/// and a "Confidential" header on every page.
pub fn chart_pdf(record: &ExportRecord) -> Result<Pdf, PdfError> {
    with_fallback_fonts(|fonts| chart_layout(record, fonts, false))
}

/// The whole chart as "Save as PDF" makes it for the therapist: like
/// [`chart_pdf`], but it says it was printed, not exported for someone.
pub fn printed_chart_pdf(record: &ExportRecord) -> Result<Pdf, PdfError> {
    with_fallback_fonts(|fonts| chart_layout(record, fonts, true))
}

/// Renders with installed fonts for what Inter lacks; if one of them cannot be
/// embedded, renders again without them (their characters then count as
/// unprintable) rather than failing the print or the export.
fn with_fallback_fonts(render: impl Fn(&Fonts) -> Result<Pdf, PdfError>) -> Result<Pdf, PdfError> {
    let fonts = Fonts::load(true)?;
    match render(&fonts) {
        Err(PdfError::Render { stage: "font embedding" }) if fonts.used_fallbacks() => render(&Fonts::load(false)?),
        rendered => rendered,
    }
}

fn chart_layout(record: &ExportRecord, fonts: &Fonts, printed: bool) -> Result<Pdf, PdfError> {
    let title = format!("Clinical record — {}", record.client.code);
    let mut layout = Layout::new(fonts);
    write_title(&mut layout, record, &title);
    write_client(&mut layout, record, true);
    if printed {
        write_print_scope(&mut layout, record);
    } else {
        write_export_scope(&mut layout, record);
    }
    write_diagnoses(&mut layout, record);

    let notes_heading = format!("Notes ({})", record.notes.len());
    layout.section_heading(&notes_heading);
    let mut notes_bookmark = layout.bookmark("Notes".to_owned());
    if record.notes.is_empty() {
        layout.text("No notes are included in this export.", MUTED_BODY, MARGIN_X, CONTENT_WIDTH);
    }
    for (note_index, note) in record.notes.iter().enumerate() {
        if note_index > 0 {
            layout.space(12.0);
            layout.keep(90.0);
            // A separator at the top of a page would separate nothing.
            if !layout.at_page_top() {
                layout.rule(MARGIN_X, CONTENT_WIDTH, BORDER);
                layout.space(10.0);
            }
        }
        notes_bookmark.children.push(write_note(&mut layout, note));
    }
    layout.bookmarks.push(notes_bookmark);

    write_consents(&mut layout, record);
    write_disclosures(&mut layout, record);
    layout.render(record, &title)
}

/// One note (same look as the chart), for "print this note".
pub fn note_pdf(record: &ExportRecord, note_index: usize) -> Result<Pdf, PdfError> {
    let note =
        record.notes.get(note_index).ok_or(PdfError::NoteNotFound { note_index, n_notes: record.notes.len() })?;
    with_fallback_fonts(|fonts| note_layout(record, note, fonts))
}

fn note_layout(record: &ExportRecord, note: &ExportNote, fonts: &Fonts) -> Result<Pdf, PdfError> {
    let title = format!("Clinical note — {}", record.client.code);
    let mut layout = Layout::new(fonts);
    write_title(&mut layout, record, &title);
    write_client(&mut layout, record, false);
    layout.space(14.0);
    layout.rule(MARGIN_X, CONTENT_WIDTH, BORDER);
    layout.space(10.0);
    let bookmark = write_note(&mut layout, note);
    layout.bookmarks.push(bookmark);
    layout.render(record, &title)
}

// --- Page geometry and type (points; US Letter, 2 cm side margins) -----------

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN_X: f32 = 56.7;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
const BODY_TOP: f32 = 74.0;
const BODY_BOTTOM: f32 = PAGE_HEIGHT - 64.0;
const HEADER_BASELINE: f32 = 40.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 34.0;
/// Width of the label column in label/value rows.
const LABEL_WIDTH: f32 = 104.0;
/// How far addenda are indented.
const ADDENDUM_INDENT: f32 = 14.0;

/// An sRGB colour.
type Colour = (u8, u8, u8);
const TEXT: Colour = (0x1f, 0x23, 0x28);
const MUTED: Colour = (0x57, 0x60, 0x6a);
const ACCENT: Colour = (0x1f, 0x6f, 0x6b);
const DANGER: Colour = (0xb4, 0x23, 0x18);
const DANGER_TINT: Colour = (0xfd, 0xec, 0xea);
const BORDER: Colour = (0xd0, 0xd7, 0xde);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Weight {
    Regular,
    SemiBold,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    weight: Weight,
    size: f32,
    /// Height of one line.
    leading: f32,
    colour: Colour,
    /// Tabular figures, so hashes line up.
    tabular: bool,
}

const fn style(weight: Weight, size: f32, leading: f32, colour: Colour) -> Style {
    Style { weight, size, leading, colour, tabular: false }
}

const TITLE: Style = style(Weight::SemiBold, 18.0, 24.0, TEXT);
const SUBTITLE: Style = style(Weight::Regular, 8.5, 12.0, MUTED);
const SECTION: Style = style(Weight::SemiBold, 12.5, 18.0, ACCENT);
const NOTE_HEADING: Style = style(Weight::SemiBold, 11.0, 16.0, TEXT);
const NOTE_META: Style = style(Weight::Regular, 8.5, 12.0, MUTED);
const SUBHEADING: Style = style(Weight::SemiBold, 9.0, 13.0, ACCENT);
const BODY: Style = style(Weight::Regular, 9.5, 13.5, TEXT);
const MUTED_BODY: Style = style(Weight::Regular, 9.5, 13.5, MUTED);
const STRONG: Style = style(Weight::SemiBold, 9.5, 13.5, TEXT);
const LABEL: Style = style(Weight::SemiBold, 8.5, 13.5, MUTED);
const SIGNATURE: Style = style(Weight::Regular, 8.5, 12.0, TEXT);
const HASH: Style = Style { tabular: true, ..style(Weight::Regular, 7.5, 10.5, MUTED) };
const DRAFT: Style = style(Weight::SemiBold, 9.0, 16.0, DANGER);
const RUNNING: Style = style(Weight::Regular, 7.5, 10.0, MUTED);
const RUNNING_STRONG: Style = style(Weight::SemiBold, 7.5, 10.0, DANGER);

// --- Sections of the document --------------------------------------------------

fn write_title(layout: &mut Layout, record: &ExportRecord, title: &str) {
    layout.text(title, TITLE, MARGIN_X, CONTENT_WIDTH);
    let mut subtitle = format!("Exported {} from Confidant {}", timestamp(&record.exported_at), record.app_version);
    if let Some(practitioner) = &record.practitioner {
        subtitle.push_str(&format!(" by {}, {}", practitioner.name, practitioner.credentials));
    }
    layout.space(2.0);
    layout.text(&subtitle, SUBTITLE, MARGIN_X, CONTENT_WIDTH);
}

fn write_client(layout: &mut Layout, record: &ExportRecord, full: bool) {
    let client = &record.client;
    layout.section_heading("Client");
    let bookmark = layout.bookmark("Client".to_owned());
    layout.bookmarks.push(bookmark);
    layout.field("Code", &client.code, BODY);
    if let Some(name) = &client.name {
        layout.field("Name", name, BODY);
    }
    if let Some(birth_date) = client.birth_date {
        layout.field("Birth date", &birth_date.to_string(), BODY);
    }
    if !full {
        return;
    }
    if let Some(contact) = &client.contact {
        layout.field("Contact", contact, BODY);
    }
    layout.field("Status", &capitalised(&client.status), BODY);
    if let Some(intake_date) = client.intake_date {
        layout.field("Intake date", &intake_date.to_string(), BODY);
    }
}

/// What a printed chart holds: no recipient, no purpose (it is the therapist's own copy).
fn write_print_scope(layout: &mut Layout, record: &ExportRecord) {
    layout.section_heading("This PDF");
    layout.field("Made", "Saved as PDF by the therapist from Confidant; not encrypted", BODY);
    layout.field(
        "Contents",
        &format!("{} signed notes; drafts and psychotherapy notes not included", record.notes.len()),
        BODY,
    );
}

fn write_export_scope(layout: &mut Layout, record: &ExportRecord) {
    let scope = &record.scope;
    layout.section_heading("This export");
    let purpose = match scope.purpose {
        ExportPurpose::TransferOfCare => "Transfer of care",
        ExportPurpose::ClientCopy => "Client's copy of their record",
    };
    layout.field("Purpose", purpose, BODY);
    let drafts = if scope.include_drafts { "drafts included" } else { "signed notes only" };
    let psychotherapy =
        if scope.include_psychotherapy { "psychotherapy notes included" } else { "psychotherapy notes not included" };
    layout.field("Contents", &format!("{} notes; {drafts}; {psychotherapy}", record.notes.len()), BODY);
    let period = match (scope.from, scope.to) {
        (None, None) => "All sessions".to_owned(),
        (Some(from), None) => format!("Sessions from {from}"),
        (None, Some(to)) => format!("Sessions up to {to}"),
        (Some(from), Some(to)) => format!("Sessions from {from} to {to}"),
    };
    let span = match record.date_span() {
        Some((first, last)) => format!("{period} (notes dated {first} to {last})"),
        None => period,
    };
    layout.field("Period", &span, BODY);
}

fn write_diagnoses(layout: &mut Layout, record: &ExportRecord) {
    layout.section_heading("Diagnoses (ICD-10)");
    let bookmark = layout.bookmark("Diagnoses".to_owned());
    layout.bookmarks.push(bookmark);
    let codes = record.diagnoses();
    if codes.is_empty() {
        layout.text("No diagnosis codes are recorded on the included notes.", MUTED_BODY, MARGIN_X, CONTENT_WIDTH);
    }
    for code in codes {
        let mut n_notes = 0;
        let mut first_date: Option<NaiveDate> = None;
        for note in record.notes.iter().filter(|note| note.content.diagnosis_codes.iter().any(|other| other == code)) {
            n_notes += 1;
            let date = note.content.session_date;
            first_date = Some(first_date.map_or(date, |first| first.min(date)));
        }
        let plural = if n_notes == 1 { "" } else { "s" };
        let detail = match first_date {
            Some(date) => format!("first recorded {date}, on {n_notes} note{plural}"),
            None => String::new(),
        };
        layout.field(code, &detail, BODY);
    }
}

/// Lays out one note and returns its bookmark.
fn write_note(layout: &mut Layout, note: &ExportNote) -> Bookmark {
    let content = &note.content;
    let heading = format!(
        "{} · {} · {}",
        content.session_date,
        wording::template_name(content),
        wording::kind_label(content.kind)
    );
    layout.keep(NOTE_HEADING.leading + NOTE_META.leading + SUBHEADING.leading + 2.0 * BODY.leading);
    let draft = note.status == NoteStatus::Draft;
    let bookmark_title = if draft { format!("{heading} (draft)") } else { heading.clone() };
    let bookmark = layout.bookmark(bookmark_title);
    layout.text(&heading, NOTE_HEADING, MARGIN_X, CONTENT_WIDTH);
    if draft {
        layout.badge("DRAFT — not signed", DRAFT, DANGER_TINT);
    }
    let meta = session_fields(note);
    if !meta.is_empty() {
        layout.text(&meta, NOTE_META, MARGIN_X, CONTENT_WIDTH);
    }
    if let Some(source) = &note.imported_from {
        layout.text(&format!("Imported from {source}"), NOTE_META, MARGIN_X, CONTENT_WIDTH);
    }

    // Sections in template order, then any the template does not know (an
    // imported note, or a template that changed).
    for (heading, text) in wording::sections(content) {
        write_section(layout, &heading, text);
    }

    // Risk findings and the signature close the note: kept on one page.
    layout.together(|layout| {
        let findings = wording::risk_findings(content);
        if !findings.is_empty() {
            layout.space(6.0);
            layout.keep(SUBHEADING.leading + BODY.leading);
            layout.text("Risk screening", SUBHEADING, MARGIN_X, CONTENT_WIDTH);
            for (label, finding) in findings {
                layout.field(&label, finding, BODY);
            }
        }
        if let Some(signature) = &note.signature {
            layout.space(8.0);
            write_signature(layout, "Signed", signature, MARGIN_X);
        }
    });
    for addendum in &note.addenda {
        layout.space(10.0);
        layout.together(|layout| write_addendum(layout, addendum));
    }
    bookmark
}

fn write_section(layout: &mut Layout, heading: &str, text: &str) {
    layout.space(6.0);
    layout.keep(SUBHEADING.leading + 2.0 * BODY.leading);
    layout.text(heading, SUBHEADING, MARGIN_X, CONTENT_WIDTH);
    if text.trim().is_empty() {
        layout.text("Not recorded.", MUTED_BODY, MARGIN_X, CONTENT_WIDTH);
    } else {
        layout.text(text, BODY, MARGIN_X, CONTENT_WIDTH);
    }
}

fn write_signature(layout: &mut Layout, verb: &str, signature: &ExportSignature, x: f32) {
    let width = PAGE_WIDTH - MARGIN_X - x;
    layout.keep(SIGNATURE.leading + HASH.leading);
    let line =
        format!("{verb} by {}, {}, at {}", signature.signed_by, signature.credentials, timestamp(&signature.signed_at));
    layout.text(&line, SIGNATURE, x, width);
    layout.text(&format!("SHA-256 {}", signature.content_hash), HASH, x, width);
}

fn write_addendum(layout: &mut Layout, addendum: &ExportAddendum) {
    let x = MARGIN_X + ADDENDUM_INDENT;
    let width = CONTENT_WIDTH - ADDENDUM_INDENT;
    layout.keep(SUBHEADING.leading + 3.0 * BODY.leading);
    layout.text("Addendum", SUBHEADING, x, width);
    layout.field_at(x, "Reason", &addendum.reason, BODY);
    layout.space(3.0);
    layout.text(&addendum.text, BODY, x, width);
    layout.space(4.0);
    let signature = ExportSignature {
        signed_by: addendum.author.clone(),
        credentials: addendum.author_credentials.clone(),
        signed_at: addendum.created_at.clone(),
        content_hash: addendum.content_hash.clone(),
    };
    write_signature(layout, "Added", &signature, x);
}

fn write_consents(layout: &mut Layout, record: &ExportRecord) {
    layout.space(10.0);
    let heading = |layout: &mut Layout| {
        layout.section_heading("Consents");
        let bookmark = layout.bookmark("Consents".to_owned());
        layout.bookmarks.push(bookmark);
    };
    if record.consents.is_empty() {
        heading(layout);
        layout.text("No consents are recorded.", MUTED_BODY, MARGIN_X, CONTENT_WIDTH);
    }
    let export_date = wording::export_date(record);
    for (consent_index, consent) in record.consents.iter().enumerate() {
        if consent_index > 0 {
            layout.space(8.0);
        }
        // The section heading travels with the first consent.
        layout.together(|layout| {
            if consent_index == 0 {
                heading(layout);
            }
            write_consent(layout, consent, export_date);
        });
    }
}

fn write_consent(layout: &mut Layout, consent: &ExportConsent, export_date: Option<NaiveDate>) {
    layout.keep(4.0 * BODY.leading);
    let heading = format!("{} · form {}", consent_label(consent.kind), consent.form_version);
    layout.text(&heading, STRONG, MARGIN_X, CONTENT_WIDTH);
    layout.field("Signed", &consent.signed_date.to_string(), BODY);
    if let Some(expires) = consent.expires_date {
        layout.field("Expires", &expires.to_string(), BODY);
    }
    if let Some(recipient) = &consent.recipient {
        layout.field("Recipient", recipient, BODY);
    }
    if let Some(scope) = &consent.scope {
        layout.field("Covers", scope, BODY);
    }
    if let Some(purpose) = &consent.purpose {
        layout.field("Purpose", purpose, BODY);
    }
    layout.field("Status", &consent_status(consent, export_date), BODY);
}

fn write_disclosures(layout: &mut Layout, record: &ExportRecord) {
    layout.space(10.0);
    let heading = |layout: &mut Layout| {
        layout.section_heading("Disclosures");
        let bookmark = layout.bookmark("Disclosures".to_owned());
        layout.bookmarks.push(bookmark);
    };
    if record.disclosures.is_empty() {
        heading(layout);
        layout.text("No disclosures are recorded.", MUTED_BODY, MARGIN_X, CONTENT_WIDTH);
    }
    for (disclosure_index, disclosure) in record.disclosures.iter().enumerate() {
        if disclosure_index > 0 {
            layout.space(8.0);
        }
        // The section heading travels with the first disclosure.
        layout.together(|layout| {
            if disclosure_index == 0 {
                heading(layout);
            }
            write_disclosure(layout, record, disclosure);
        });
    }
}

fn write_disclosure(layout: &mut Layout, record: &ExportRecord, disclosure: &ExportDisclosure) {
    layout.keep(4.0 * BODY.leading);
    let heading = format!("{} · {}", disclosure.disclosed_on, disclosure.recipient_name);
    layout.text(&heading, STRONG, MARGIN_X, CONTENT_WIDTH);
    if let Some(address) = &disclosure.recipient_address {
        layout.field("Address", address, BODY);
    }
    let purpose = match &disclosure.purpose_detail {
        Some(detail) => format!("{} — {detail}", purpose_label(disclosure.purpose)),
        None => purpose_label(disclosure.purpose).to_owned(),
    };
    layout.field("Purpose", &purpose, BODY);
    layout.field("Disclosed", &disclosure.description, BODY);
    if let Some(consent_id) = disclosure.consent_id {
        let consent = record.consents.iter().find(|consent| consent.id == consent_id);
        let text = match consent {
            Some(consent) => format!(
                "{} (form {}), signed {}",
                consent_label(consent.kind),
                consent.form_version,
                consent.signed_date
            ),
            None => "A consent not included in this export".to_owned(),
        };
        layout.field("Under consent", &text, BODY);
    }
    if !disclosure.note_ids.is_empty() {
        layout.field("Notes", &disclosed_notes(record, disclosure), BODY);
    }
    let informed = match (&disclosure.client_informed, &disclosure.not_informed_reason) {
        (true, _) => "Yes".to_owned(),
        (false, Some(reason)) => format!("No — {reason}"),
        (false, None) => "No".to_owned(),
    };
    layout.field("Client informed", &informed, BODY);
}

// --- Wording ----------------------------------------------------------------------

fn session_fields(note: &ExportNote) -> String {
    let content = &note.content;
    let mut fields: Vec<String> = Vec::new();
    if let Some(start) = &content.start_time {
        fields.push(format!("Start {start}"));
    }
    if let Some(minutes) = content.duration_minutes {
        fields.push(format!("{minutes} min"));
    }
    if let Some(modality) = content.modality {
        fields.push(wording::modality_label(modality).to_owned());
    }
    if let Some(code) = &content.service_code {
        fields.push(format!("CPT {code}"));
    }
    if !content.diagnosis_codes.is_empty() {
        fields.push(format!("ICD-10 {}", content.diagnosis_codes.join(", ")));
    }
    if note.status == NoteStatus::Draft {
        fields.push(format!("created {}", timestamp(&note.created_at)));
    }
    fields.join(" · ")
}

fn consent_label(kind: ConsentKind) -> &'static str {
    match kind {
        ConsentKind::Treatment => "Consent to treatment",
        ConsentKind::Telehealth => "Consent to telehealth",
        ConsentKind::ReleaseOfInformation => "Release of information",
    }
}

fn purpose_label(purpose: DisclosurePurpose) -> &'static str {
    match purpose {
        DisclosurePurpose::ClientAuthorization => "Authorized by the client",
        DisclosurePurpose::CourtOrder => "Court order or subpoena",
        DisclosurePurpose::MandatedReport => "Mandated report",
        DisclosurePurpose::DutyToWarn => "Duty to warn or protect",
        DisclosurePurpose::Consultation => "Consultation",
        DisclosurePurpose::TransferOfCare => "Transfer of care",
        DisclosurePurpose::Other => "Other",
    }
}

fn consent_status(consent: &ExportConsent, export_date: Option<NaiveDate>) -> String {
    if let Some(revoked) = consent.revoked_date {
        return format!("Revoked {revoked}");
    }
    match (consent.expires_date, export_date) {
        (Some(expires), Some(today)) if expires < today => format!("Expired {expires}"),
        _ => "In effect".to_owned(),
    }
}

fn disclosed_notes(record: &ExportRecord, disclosure: &ExportDisclosure) -> String {
    let mut dates: Vec<NaiveDate> = disclosure
        .note_ids
        .iter()
        .filter_map(|id| record.notes.iter().find(|note| note.id == *id))
        .map(|note| note.content.session_date)
        .collect();
    dates.sort_unstable();
    match (dates.first(), dates.last()) {
        (Some(first), Some(last)) if dates.len() > 6 => {
            format!("{} notes, sessions {first} to {last}", dates.len())
        }
        _ if dates.is_empty() => format!("{} notes not included in this export", disclosure.note_ids.len()),
        _ => {
            let listed: Vec<String> = dates.iter().map(NaiveDate::to_string).collect();
            let plural = if dates.len() == 1 { "" } else { "s" };
            format!("Note{plural} of {}", listed.join(", "))
        }
    }
}

/// `2025-01-06T15:00:00Z` as `2025-01-06 15:00 UTC`; anything unparsable as is.
fn timestamp(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time.with_timezone(&Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Plain text as lines: CR LF and the Unicode separators become line breaks, tabs
/// become spaces, other control characters (which no font can draw) are dropped.
fn plain_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(['\n', '\u{2028}', '\u{2029}']).map(|line| {
        line.chars()
            .filter_map(|character| match character {
                '\t' => Some(' '),
                character if character.is_control() => None,
                character => Some(character),
            })
            .collect()
    })
}

// --- Shaping -----------------------------------------------------------------------

static INTER_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/Inter-Regular.ttf");
static INTER_SEMIBOLD: &[u8] = include_bytes!("../../../assets/fonts/Inter-SemiBold.ttf");

/// An installed font standing in for Inter, or none (Inter itself).
type Fallback = Option<Arc<FallbackFont>>;

/// The two weights, as krilla fonts (to embed) and rustybuzz faces (to shape).
struct Fonts {
    regular: Font,
    semibold: Font,
    regular_face: rustybuzz::Face<'static>,
    semibold_face: rustybuzz::Face<'static>,
    /// Whether characters Inter lacks may come from installed fonts.
    use_fallbacks: bool,
    /// Which installed font each (character, semibold) went to, for this PDF only.
    fallbacks: RefCell<HashMap<(char, bool), Fallback>>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Fonts(Inter Regular, Inter SemiBold)")
    }
}

impl Fonts {
    fn load(use_fallbacks: bool) -> Result<Self, PdfError> {
        Ok(Fonts {
            regular: Font::new(INTER_REGULAR.into(), 0).ok_or(PdfError::FontUnreadable)?,
            semibold: Font::new(INTER_SEMIBOLD.into(), 0).ok_or(PdfError::FontUnreadable)?,
            regular_face: rustybuzz::Face::from_slice(INTER_REGULAR, 0).ok_or(PdfError::FontUnreadable)?,
            semibold_face: rustybuzz::Face::from_slice(INTER_SEMIBOLD, 0).ok_or(PdfError::FontUnreadable)?,
            use_fallbacks,
            fallbacks: RefCell::new(HashMap::new()),
        })
    }

    /// The installed font for a character Inter lacks (remembered for this PDF).
    fn fallback(&self, character: char, bold: bool) -> Fallback {
        if !self.use_fallbacks {
            return None;
        }
        self.fallbacks
            .borrow_mut()
            .entry((character, bold))
            .or_insert_with(|| fallback::font_for(character, bold))
            .clone()
    }

    fn used_fallbacks(&self) -> bool {
        self.fallbacks.borrow().values().any(Option::is_some)
    }

    fn font(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::SemiBold => &self.semibold,
        }
    }

    /// Shapes one line of text (no line breaks in it) into glyphs whose advances
    /// are in ems and whose text ranges point into `text`. Characters Inter lacks
    /// are shaped with an installed font that has them, where there is one
    /// (`fallback`); the rest become Inter's missing glyph.
    fn shape(&self, text: String, style: Style) -> Run {
        let face = match style.weight {
            Weight::Regular => &self.regular_face,
            Weight::SemiBold => &self.semibold_face,
        };
        let features: Vec<rustybuzz::Feature> = if style.tabular {
            vec![rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"tnum"), 1, ..)]
        } else {
            Vec::new()
        };
        let mut glyphs = Vec::with_capacity(text.len());
        let mut fallback_spans = Vec::new();
        for (range, fallback) in self.segments(&text, face, style.weight == Weight::SemiBold) {
            let first = glyphs.len();
            match fallback.as_ref().and_then(|font| font.face().map(|face| (font, face))) {
                Some((font, fallback_face)) => {
                    shape_into(&fallback_face, &features, &text, range, &mut glyphs);
                    fallback_spans.push((first..glyphs.len(), font.clone()));
                }
                None => shape_into(face, &features, &text, range, &mut glyphs),
            }
        }
        Run { text, glyphs, style, fallback: fallback_spans }
    }

    /// Splits `text` into stretches drawn with one font: Inter (`None`) or an
    /// installed fallback. Spaces and combining marks stay with the font before
    /// them when it has them; a letter Inter lacks stays in the previous fallback
    /// font when that has it (one word, one font); a character no font has stays
    /// with Inter (its missing glyph, reported as unprintable).
    fn segments(&self, text: &str, face: &rustybuzz::Face<'_>, bold: bool) -> Vec<(Range<usize>, Fallback)> {
        // Inter has all of Latin-1: most clinical text is one stretch, no lookups.
        if text.chars().all(|character| u32::from(character) < 0x100) {
            return vec![(0..text.len(), None)];
        }
        let mut segments: Vec<(Range<usize>, Fallback)> = Vec::new();
        for (index, character) in text.char_indices() {
            let end = index + character.len_utf8();
            let in_inter = u32::from(character) < 0x100 || face.glyph_index(character).is_some();
            let previous = segments.last().map(|(_, font)| font.clone());
            let previous_has = |font: &Fallback| font.as_ref().map_or(in_inter, |font| font.has(character));
            let attaches =
                character.is_whitespace() || character.general_category_group() == GeneralCategoryGroup::Mark;
            let font = match previous {
                Some(previous) if attaches && previous_has(&previous) => previous,
                _ if in_inter => None,
                Some(Some(previous)) if previous.has(character) => Some(previous),
                _ => self.fallback(character, bold),
            };
            match segments.last_mut() {
                Some((range, previous)) if same_font(previous.as_ref(), font.as_ref()) => range.end = end,
                _ => segments.push((index..end, font)),
            }
        }
        segments
    }
}

fn same_font(a: Option<&Arc<FallbackFont>>, b: Option<&Arc<FallbackFont>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// Shapes `text[range]` with `face`, appending glyphs whose text ranges point into
/// `text` and whose advances are in ems.
fn shape_into(
    face: &rustybuzz::Face<'_>,
    features: &[rustybuzz::Feature],
    text: &str,
    range: Range<usize>,
    glyphs: &mut Vec<KrillaGlyph>,
) {
    let units_per_em = face.units_per_em() as f32;
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(&text[range.clone()]);
    buffer.guess_segment_properties();
    // One column, left to right: the line breaker relies on logical order.
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    let output = rustybuzz::shape(face, features, buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    for (glyph_index, (info, position)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        let end = infos[glyph_index + 1..]
            .iter()
            .map(|next| next.cluster as usize)
            .find(|next| *next != start)
            .unwrap_or(range.len());
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            position.x_advance as f32 / units_per_em,
            position.x_offset as f32 / units_per_em,
            position.y_offset as f32 / units_per_em,
            position.y_advance as f32 / units_per_em,
            range.start + start..range.start + end,
            None,
        ));
    }
}

/// Splits one shaped line of text into lines no wider than `max_width`: after a
/// space (dropped) or a dash or slash (kept), and inside a word only when the word
/// alone is wider than the line. Returns glyph ranges.
fn break_lines(text: &str, glyphs: &[KrillaGlyph], size: f32, max_width: f32) -> Vec<Range<usize>> {
    let first_char = |glyph: &KrillaGlyph| text[glyph.text_range.start..].chars().next().unwrap_or(' ');
    let is_space = |glyph: &KrillaGlyph| first_char(glyph) == ' ';
    let mut lines = Vec::new();
    let mut start = 0;
    while start < glyphs.len() {
        let mut width = 0.0;
        // Where the line would end and the next begin if broken at the last opportunity.
        let mut last_break: Option<(usize, usize)> = None;
        let mut index = start;
        while index < glyphs.len() {
            let glyph = &glyphs[index];
            let advance = glyph.x_advance * size;
            if is_space(glyph) {
                // Spaces may hang past the margin; the line breaks before them.
                last_break = Some((index, index + 1));
                width += advance;
                index += 1;
                continue;
            }
            if width + advance > max_width && index > start {
                break;
            }
            width += advance;
            if matches!(first_char(glyph), '-' | '–' | '—' | '/') && index + 1 < glyphs.len() {
                last_break = Some((index + 1, index + 1));
            }
            index += 1;
        }
        if index >= glyphs.len() {
            lines.push(start..trim_spaces_end(glyphs, start, glyphs.len(), is_space));
            break;
        }
        let next_start = match last_break {
            Some((end, next)) if trim_spaces_end(glyphs, start, end, is_space) > start => {
                lines.push(start..trim_spaces_end(glyphs, start, end, is_space));
                next
            }
            _ => {
                // A word wider than the line: cut it, never inside a cluster (an accent
                // stays with its letter).
                let mut cut = index;
                while cut > start + 1 && glyphs[cut].text_range.start == glyphs[cut - 1].text_range.start {
                    cut -= 1;
                }
                lines.push(start..cut);
                cut
            }
        };
        start = next_start;
        while start < glyphs.len() && is_space(&glyphs[start]) {
            start += 1;
        }
    }
    lines
}

fn trim_spaces_end(
    glyphs: &[KrillaGlyph],
    start: usize,
    mut end: usize,
    is_space: impl Fn(&KrillaGlyph) -> bool,
) -> usize {
    while end > start && is_space(&glyphs[end - 1]) {
        end -= 1;
    }
    end
}

fn width_of(glyphs: &[KrillaGlyph], size: f32) -> f32 {
    glyphs.iter().map(|glyph| glyph.x_advance * size).sum()
}

// --- Layout --------------------------------------------------------------------------

/// A shaped line of source text, drawn in one or more pieces.
struct Run {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    style: Style,
    /// Glyph ranges drawn with an installed font instead of Inter, in order.
    fallback: Vec<(Range<usize>, Arc<FallbackFont>)>,
}

impl Run {
    /// `glyphs` cut into pieces of one font each (`None`: Inter).
    fn pieces(&self, glyphs: Range<usize>) -> Vec<(Range<usize>, Option<&Font>)> {
        let spans: Vec<Range<usize>> = self.fallback.iter().map(|(span, _)| span.clone()).collect();
        split(glyphs, &spans)
            .into_iter()
            .map(|(piece, span)| (piece, span.map(|index| &self.fallback[index].1.font)))
            .collect()
    }
}

/// Cuts `range` where it enters and leaves the sorted, disjoint `spans`: each
/// piece with the index of the span it lies in, or `None` between spans.
fn split(range: Range<usize>, spans: &[Range<usize>]) -> Vec<(Range<usize>, Option<usize>)> {
    let mut pieces = Vec::new();
    let mut at = range.start;
    for (index, span) in spans.iter().enumerate() {
        let (start, end) = (span.start.max(range.start), span.end.min(range.end));
        if start >= end {
            continue;
        }
        if at < start {
            pieces.push((at..start, None));
        }
        pieces.push((start..end, Some(index)));
        at = end;
    }
    if at < range.end {
        pieces.push((at..range.end, None));
    }
    pieces
}

/// Something placed on a page.
enum Item {
    /// Glyphs `glyphs` of run `run`, baseline at (`x`, `baseline`).
    Text { run: usize, glyphs: Range<usize>, x: f32, baseline: f32 },
    /// A filled rectangle (rules, badges).
    Rect { x: f32, y: f32, width: f32, height: f32, colour: Colour },
}

/// An entry in the PDF's outline (the reader's sidebar).
struct Bookmark {
    title: String,
    page_index: usize,
    y: f32,
    children: Vec<Bookmark>,
}

/// Pages being filled top to bottom.
struct Layout<'fonts> {
    fonts: &'fonts Fonts,
    runs: Vec<Run>,
    pages: Vec<Vec<Item>>,
    /// Top of the next line on the current page.
    y: f32,
    bookmarks: Vec<Bookmark>,
    /// Characters shaped to the missing glyph (see [`Pdf::unprintable`]).
    unprintable: Vec<char>,
}

impl<'fonts> Layout<'fonts> {
    fn new(fonts: &'fonts Fonts) -> Self {
        Layout {
            fonts,
            runs: Vec::new(),
            pages: vec![Vec::new()],
            y: BODY_TOP,
            bookmarks: Vec::new(),
            unprintable: Vec::new(),
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    fn at_page_top(&self) -> bool {
        self.y <= BODY_TOP
    }

    /// Lays out a block with `write`; if it started on one page and spilled onto
    /// the next, but would fit on a page of its own, lays it out again from the top
    /// of a new page. For short blocks (an addendum, a consent) that read badly split.
    fn together(&mut self, write: impl Fn(&mut Self)) {
        let (n_pages, n_items, y) = (self.pages.len(), self.pages.last().map_or(0, Vec::len), self.y);
        let n_bookmarks = self.bookmarks.len();
        write(self);
        let spilled = self.pages.len() > n_pages;
        let fits_on_a_page =
            self.pages.len() == n_pages + 1 && self.y - BODY_TOP + (BODY_BOTTOM - y) <= BODY_BOTTOM - BODY_TOP;
        if spilled && fits_on_a_page && y > BODY_TOP {
            self.pages.truncate(n_pages);
            if let Some(page) = self.pages.last_mut() {
                page.truncate(n_items);
            }
            self.bookmarks.truncate(n_bookmarks);
            self.new_page();
            write(self);
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn space(&mut self, height: f32) {
        if self.y > BODY_TOP {
            self.y += height;
        }
    }

    fn bookmark(&self, title: String) -> Bookmark {
        Bookmark { title, page_index: self.pages.len() - 1, y: self.y, children: Vec::new() }
    }

    fn push(&mut self, item: Item) {
        self.pages.last_mut().expect("there is always a page").push(item);
    }

    fn rule(&mut self, x: f32, width: f32, colour: Colour) {
        let y = self.y;
        self.push(Item::Rect { x, y, width, height: 0.6, colour });
        self.y += 0.6;
    }

    fn section_heading(&mut self, heading: &str) {
        self.space(16.0);
        self.keep(SECTION.leading + 6.0 + 3.0 * BODY.leading);
        self.text(heading, SECTION, MARGIN_X, CONTENT_WIDTH);
        self.space(2.0);
        self.rule(MARGIN_X, CONTENT_WIDTH, BORDER);
        self.space(5.0);
    }

    /// Shapes `line` and breaks it to `width`; returns the run and its lines.
    fn shape_lines(&mut self, line: String, style: Style, width: f32) -> (usize, Vec<Range<usize>>) {
        let run = self.fonts.shape(line, style);
        self.note_unprintable(&run.text, &run.glyphs);
        let lines = break_lines(&run.text, &run.glyphs, style.size, width);
        self.runs.push(run);
        (self.runs.len() - 1, lines)
    }

    /// Remembers the characters the font drew as its missing glyph (glyph 0).
    fn note_unprintable(&mut self, text: &str, glyphs: &[KrillaGlyph]) {
        for glyph in glyphs.iter().filter(|glyph| glyph.glyph_id == GlyphId::new(0)) {
            let Some(character) = text[glyph.text_range.clone()].chars().find(|c| !c.is_whitespace()) else {
                continue;
            };
            if self.unprintable.len() < MAX_UNPRINTABLE && !self.unprintable.contains(&character) {
                self.unprintable.push(character);
            }
        }
    }

    /// Where the baseline goes in a line box of `style` whose top is at `top`:
    /// capitals centred in the box.
    fn baseline(top: f32, style: Style) -> f32 {
        top + (style.leading + 0.73 * style.size) / 2.0
    }

    /// Plain text, wrapped to `width`, starting at `x`. Blank lines are half a line.
    fn text(&mut self, text: &str, style: Style, x: f32, width: f32) {
        for line in plain_lines(text) {
            if line.trim().is_empty() {
                self.keep(style.leading / 2.0);
                self.y += style.leading / 2.0;
                continue;
            }
            let (run, lines) = self.shape_lines(line, style, width);
            for glyphs in lines {
                self.keep(style.leading);
                let baseline = Self::baseline(self.y, style);
                self.push(Item::Text { run, glyphs, x, baseline });
                self.y += style.leading;
            }
        }
    }

    /// Text on a tinted band as wide as the text.
    fn badge(&mut self, text: &str, style: Style, tint: Colour) {
        let (run, lines) = self.shape_lines(text.to_owned(), style, CONTENT_WIDTH - 12.0);
        for glyphs in lines {
            self.keep(style.leading + 4.0);
            self.y += 2.0;
            let width = width_of(&self.runs[run].glyphs[glyphs.clone()], style.size);
            let y = self.y;
            self.push(Item::Rect { x: MARGIN_X, y, width: width + 12.0, height: style.leading, colour: tint });
            let baseline = Self::baseline(self.y, style);
            self.push(Item::Text { run, glyphs, x: MARGIN_X + 6.0, baseline });
            self.y += style.leading + 2.0;
        }
    }

    /// A label/value row at the left margin.
    fn field(&mut self, label: &str, value: &str, style: Style) {
        self.field_at(MARGIN_X, label, value, style);
    }

    /// A label in a narrow column and its value wrapped beside it.
    fn field_at(&mut self, x: f32, label: &str, value: &str, style: Style) {
        let value_x = x + LABEL_WIDTH;
        let value_width = PAGE_WIDTH - MARGIN_X - value_x;
        let mut label_lines = Vec::new();
        for line in plain_lines(label).filter(|line| !line.trim().is_empty()) {
            let (run, lines) = self.shape_lines(line, LABEL, LABEL_WIDTH - 8.0);
            label_lines.extend(lines.into_iter().map(|glyphs| (run, glyphs)));
        }
        // `None` is a blank line in the value.
        let mut value_lines: Vec<Option<(usize, Range<usize>)>> = Vec::new();
        for line in plain_lines(value) {
            if line.trim().is_empty() {
                value_lines.push(None);
                continue;
            }
            let (run, lines) = self.shape_lines(line, style, value_width);
            value_lines.extend(lines.into_iter().map(|glyphs| Some((run, glyphs))));
        }
        let n_rows = label_lines.len().max(value_lines.len());
        let mut label_lines = label_lines.into_iter();
        let mut value_lines = value_lines.into_iter();
        for _ in 0..n_rows {
            self.keep(style.leading);
            let baseline = Self::baseline(self.y, style);
            if let Some((run, glyphs)) = label_lines.next() {
                self.push(Item::Text { run, glyphs, x, baseline });
            }
            if let Some(Some((run, glyphs))) = value_lines.next() {
                self.push(Item::Text { run, glyphs, x: value_x, baseline });
            }
            self.y += style.leading;
        }
    }

    /// Draws every page, with the running header and "Page n of m" footer.
    fn render(self, record: &ExportRecord, title: &str) -> Result<Pdf, PdfError> {
        let settings = SerializeSettings { enable_tagging: false, ..SerializeSettings::default() };
        let mut document = Document::new_with(settings);
        let n_pages = self.pages.len();
        let confidential = "Confidential — contains protected health information";
        let header_left = self.fonts.shape(confidential.to_owned(), RUNNING_STRONG);
        let header_right = self.fonts.shape(title.to_owned(), RUNNING);
        let footer_left = self.fonts.shape(format!("Exported {}", timestamp(&record.exported_at)), RUNNING);
        let page_size =
            PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::Render { stage: "page size" })?;

        for (page_index, items) in self.pages.iter().enumerate() {
            let mut page = document.start_page_with(page_size.clone());
            let mut painter = Painter { surface: page.surface(), fonts: self.fonts, colour: None };

            painter.whole(MARGIN_X, HEADER_BASELINE, &header_left);
            let right_x = PAGE_WIDTH - MARGIN_X - width_of(&header_right.glyphs, RUNNING.size);
            painter.whole(right_x, HEADER_BASELINE, &header_right);
            painter.rect(MARGIN_X, HEADER_BASELINE + 7.0, CONTENT_WIDTH, 0.6, BORDER);

            painter.rect(MARGIN_X, FOOTER_BASELINE - 14.0, CONTENT_WIDTH, 0.6, BORDER);
            painter.whole(MARGIN_X, FOOTER_BASELINE, &footer_left);
            let page_number = self.fonts.shape(format!("Page {} of {n_pages}", page_index + 1), RUNNING);
            let right_x = PAGE_WIDTH - MARGIN_X - width_of(&page_number.glyphs, RUNNING.size);
            painter.whole(right_x, FOOTER_BASELINE, &page_number);

            for item in items {
                match item {
                    Item::Text { run, glyphs, x, baseline } => {
                        painter.run(*x, *baseline, &self.runs[*run], glyphs.clone());
                    }
                    Item::Rect { x, y, width, height, colour } => painter.rect(*x, *y, *width, *height, *colour),
                }
            }
            painter.finish();
            page.finish();
        }

        let mut outline = Outline::new();
        for bookmark in self.bookmarks {
            outline.push_child(outline_node(bookmark));
        }
        document.set_outline(outline);
        document.set_metadata(metadata(record, title));
        let bytes = document.finish().map_err(|error| PdfError::Render {
            stage: match error {
                krilla::error::KrillaError::Font(..) => "font embedding",
                _ => "document",
            },
        })?;
        Ok(Pdf { bytes, unprintable: self.unprintable })
    }
}

/// Draws onto one page, setting the fill colour only when it changes.
struct Painter<'page, 'fonts> {
    surface: krilla::surface::Surface<'page>,
    fonts: &'fonts Fonts,
    colour: Option<Colour>,
}

impl Painter<'_, '_> {
    fn finish(self) {
        self.surface.finish();
    }

    fn set_colour(&mut self, colour: Colour) {
        if self.colour != Some(colour) {
            let (red, green, blue) = colour;
            self.surface.set_fill(Some(Fill {
                paint: rgb::Color::new(red, green, blue).into(),
                opacity: NormalizedF32::ONE,
                rule: FillRule::NonZero,
            }));
            self.colour = Some(colour);
        }
    }

    /// Glyphs `glyphs` of `run`, starting at `x`: one draw per font.
    fn run(&mut self, x: f32, baseline: f32, run: &Run, glyphs: Range<usize>) {
        self.set_colour(run.style.colour);
        let mut x = x;
        for (piece, fallback) in run.pieces(glyphs) {
            let font = fallback.unwrap_or_else(|| self.fonts.font(run.style.weight)).clone();
            let piece_glyphs = &run.glyphs[piece];
            self.surface.draw_glyphs(Point::from_xy(x, baseline), piece_glyphs, font, &run.text, run.style.size, false);
            x += width_of(piece_glyphs, run.style.size);
        }
    }

    fn whole(&mut self, x: f32, baseline: f32, run: &Run) {
        self.run(x, baseline, run, 0..run.glyphs.len());
    }

    fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Colour) {
        let Some(rect) = Rect::from_xywh(x, y, width, height) else { return };
        let mut builder = PathBuilder::new();
        builder.push_rect(rect);
        if let Some(path) = builder.finish() {
            self.set_colour(colour);
            self.surface.draw_path(&path);
        }
    }
}

fn outline_node(bookmark: Bookmark) -> OutlineNode {
    let destination = XyzDestination::new(bookmark.page_index, Point::from_xy(0.0, (bookmark.y - 12.0).max(0.0)));
    let mut node = OutlineNode::new(bookmark.title, destination);
    for child in bookmark.children {
        node.push_child(outline_node(child));
    }
    node
}

fn metadata(record: &ExportRecord, title: &str) -> Metadata {
    let mut metadata = Metadata::new()
        .title(title.to_owned())
        .language("en-US".to_owned())
        .creator(format!("Confidant {}", record.app_version));
    // The export time, not the clock: the same record gives the same bytes.
    if let Ok(time) = DateTime::parse_from_rfc3339(&record.exported_at) {
        use chrono::{Datelike, Timelike};
        let time = time.with_timezone(&Utc);
        if let Ok(year) = u16::try_from(time.year()) {
            metadata = metadata.creation_date(
                PdfDateTime::new(year)
                    .month(time.month() as u8)
                    .day(time.day() as u8)
                    .hour(time.hour() as u8)
                    .minute(time.minute() as u8)
                    .second(time.second() as u8)
                    .utc_offset_hour(0)
                    .utc_offset_minute(0),
            );
        }
    }
    metadata
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_line_is_cut_where_it_enters_and_leaves_fallback_spans() {
        let spans = [2..5, 8..10];
        assert_eq!(
            split(0..12, &spans),
            vec![(0..2, None), (2..5, Some(0)), (5..8, None), (8..10, Some(1)), (10..12, None)]
        );
        // Lines that start or end inside a span (a wrapped fallback word).
        assert_eq!(split(3..9, &spans), vec![(3..5, Some(0)), (5..8, None), (8..9, Some(1))]);
        assert_eq!(split(9..10, &spans), vec![(9..10, Some(1))]);
        assert_eq!(split(5..8, &spans), vec![(5..8, None)]);
        assert_eq!(split(0..4, &[]), vec![(0..4, None)]);
        assert!(split(4..4, &spans).is_empty());
    }
}
