//! Notes: structured sections from a template, session fields, drafts that keep
//! their revisions, signing with a SHA-256 of a documented canonical form, and
//! addenda. A signed note never changes — in this API and in SQL (triggers).
//! The canonical form is described in docs/signing.md.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveTime, SecondsFormat, Utc};
use regex::Regex;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, EventKind, NewEvent};
use crate::templates;
use crate::vault::Vault;
use crate::{Error, Result};

/// Longest section, in characters (about 40 printed pages).
pub const MAX_SECTION_CHARS: usize = 100_000;
/// Longest note, all sections together.
pub const MAX_NOTE_CHARS: usize = 400_000;
/// Longest addendum or reason.
pub const MAX_ADDENDUM_CHARS: usize = 50_000;
/// Revisions kept per draft.
pub const KEPT_REVISIONS: usize = 20;
/// Risk-screening fields a note may carry.
pub const RISK_FIELDS: &[&str] =
    &["suicidal_ideation", "homicidal_ideation", "self_harm", "substance_use", "abuse_or_neglect", "safety_plan"];

/// What kind of record a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A session progress note.
    Progress,
    /// An intake assessment.
    Intake,
    /// A treatment plan.
    TreatmentPlan,
    /// A discharge summary.
    Discharge,
    /// Contact or collateral (phone call, consultation).
    Contact,
    /// Psychotherapy (process) notes, kept apart from the record.
    Psychotherapy,
}

impl NoteKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Progress => "progress",
            NoteKind::Intake => "intake",
            NoteKind::TreatmentPlan => "treatment_plan",
            NoteKind::Discharge => "discharge",
            NoteKind::Contact => "contact",
            NoteKind::Psychotherapy => "psychotherapy",
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        serde_json::from_value(serde_json::Value::from(text))
            .map_err(|error| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(error)))
    }
}

/// How the session took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// In the office.
    InPerson,
    /// Video (telehealth).
    Video,
    /// Telephone.
    Phone,
}

/// Everything a note says: what a draft holds and what a signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteContent {
    /// Kind of note.
    pub kind: NoteKind,
    /// Template id, e.g. `soap`.
    pub template: String,
    /// Date of the session.
    pub session_date: NaiveDate,
    /// Start time, `HH:MM`.
    #[serde(default)]
    pub start_time: Option<String>,
    /// Length in minutes.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// In person, video or phone.
    #[serde(default)]
    pub modality: Option<Modality>,
    /// CPT service code, e.g. `90837`.
    #[serde(default)]
    pub service_code: Option<String>,
    /// ICD-10 diagnosis codes, e.g. `F41.1`.
    #[serde(default)]
    pub diagnosis_codes: Vec<String>,
    /// Risk screening: field → finding (see [`RISK_FIELDS`]).
    #[serde(default)]
    pub risk: BTreeMap<String, String>,
    /// Section key → text, for the template's sections.
    pub sections: BTreeMap<String, String>,
}

/// Draft or signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteStatus {
    /// Still being written.
    Draft,
    /// Signed: never changes again.
    Signed,
}

/// Who signed, when, and the hash of what they signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// The clinician's name.
    pub signed_by: String,
    /// Their credentials.
    pub credentials: String,
    /// When (RFC 3339, UTC).
    pub signed_at: String,
    /// SHA-256 (hex) of the canonical form.
    pub content_hash: String,
}

/// A correction or addition to a signed note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Addendum {
    /// Row id.
    pub id: i64,
    /// Why it was added.
    pub reason: String,
    /// What it says.
    pub text: String,
    /// Who wrote it.
    pub author: String,
    /// Their credentials.
    pub author_credentials: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// SHA-256 (hex) of its canonical form, which includes the note's hash.
    pub content_hash: String,
}

/// A note with its signature and addenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Row id.
    pub id: i64,
    /// The client's row id.
    pub client_id: i64,
    /// The client's code.
    pub client_code: String,
    /// What the note says.
    pub content: NoteContent,
    /// Draft or signed.
    pub status: NoteStatus,
    /// Present once signed.
    pub signature: Option<Signature>,
    /// Addenda, oldest first.
    pub addenda: Vec<Addendum>,
    /// When created (RFC 3339).
    pub created_at: String,
    /// When last saved (RFC 3339).
    pub updated_at: String,
    /// For a note imported from another vault: where from (code, export time, app).
    pub imported_from: Option<String>,
    /// The row ids its signature hash covers, when it was signed in another vault.
    pub signed_as: Option<crate::transfer::SignedAs>,
}

impl Note {
    /// The note and client ids its hash covers: those it was signed under.
    pub fn hash_ids(&self) -> (i64, i64) {
        self.signed_as.map_or((self.id, self.client_id), |ids| (ids.note_id, ids.client_id))
    }
}

/// One saved version of a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Row id.
    pub id: i64,
    /// When it was saved.
    pub saved_at: String,
    /// The content as saved.
    pub content: NoteContent,
}

/// A line in a client's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteSummary {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: NoteKind,
    /// Template id.
    pub template: String,
    /// Session date.
    pub session_date: NaiveDate,
    /// Draft or signed.
    pub status: NoteStatus,
    /// Number of addenda.
    pub n_addenda: u32,
    /// Whether it came in with a transfer file from another vault.
    pub imported: bool,
}

/// What re-hashing every signed note and addendum found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    /// Signed notes checked.
    pub n_signed_notes: u64,
    /// Addenda checked.
    pub n_addenda: u64,
    /// Notes whose content no longer matches their hash.
    pub altered_notes: Vec<i64>,
    /// Addenda whose content no longer matches their hash.
    pub altered_addenda: Vec<i64>,
}

impl Vault {
    /// Starts a draft for the client with `client_code`.
    pub fn create_note(&mut self, client_code: &str, content: NoteContent) -> Result<Note> {
        let content = validate(content)?;
        let client = self.client_by_code(client_code)?;
        let now = now();
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO note (client_id, kind, template, session_date, start_time, duration_minutes, modality,
                               service_code, diagnosis_codes, risk, sections, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            params_from_iter(content_params(client.id, &content, &now)?),
        )?;
        let id = transaction.last_insert_rowid();
        save_revision(&transaction, id, &content, &now)?;
        audit::append(&transaction, &NewEvent::new(EventKind::NoteCreated).about("note", id))?;
        transaction.commit()?;
        self.load_note(id)
    }

    /// Saves a draft again (autosave). Each save keeps a revision; the newest 20
    /// are kept. A signed note is refused.
    pub fn save_draft(&mut self, note_id: i64, content: NoteContent) -> Result<Note> {
        let content = validate(content)?;
        self.require_draft(note_id)?;
        let now = now();
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "UPDATE note SET kind = ?2, template = ?3, session_date = ?4, start_time = ?5, duration_minutes = ?6,
                 modality = ?7, service_code = ?8, diagnosis_codes = ?9, risk = ?10, sections = ?11, updated_at = ?12
             WHERE id = ?1",
            params_from_iter(content_params(note_id, &content, &now)?),
        )?;
        save_revision(&transaction, note_id, &content, &now)?;
        audit::append(&transaction, &NewEvent::new(EventKind::NoteEdited).about("note", note_id))?;
        transaction.commit()?;
        self.load_note(note_id)
    }

    /// Opens a note; the opening is audited. A psychotherapy note needs the
    /// passphrase entered again within the last few minutes ([`Vault::reauthenticate`]).
    pub fn open_note(&mut self, note_id: i64) -> Result<Note> {
        let note = self.load_note(note_id)?;
        let event = if note.content.kind == NoteKind::Psychotherapy {
            self.require_reauthentication()?;
            EventKind::PsychotherapyNoteOpened
        } else {
            EventKind::NoteViewed
        };
        audit::append(self.connection(), &NewEvent::new(event).about("note", note_id))?;
        Ok(note)
    }

    /// A client's notes, newest first. Psychotherapy notes only when asked.
    pub fn notes_for_client(&self, client_code: &str, include_psychotherapy: bool) -> Result<Vec<NoteSummary>> {
        let client = self.client_by_code(client_code)?;
        let mut statement = self.connection().prepare(
            "SELECT n.id, n.kind, n.template, n.session_date, n.status,
                    (SELECT count(*) FROM addendum a WHERE a.note_id = n.id), n.imported_from IS NOT NULL
             FROM note n
             WHERE n.client_id = ?1 AND (?2 OR n.kind <> 'psychotherapy')
             ORDER BY n.session_date DESC, n.id DESC",
        )?;
        let notes = statement
            .query_map(params![client.id, include_psychotherapy], |row| {
                Ok(NoteSummary {
                    id: row.get(0)?,
                    kind: NoteKind::parse(&row.get::<_, String>(1)?)?,
                    template: row.get(2)?,
                    session_date: parse_date(&row.get::<_, String>(3)?),
                    status: parse_status(&row.get::<_, String>(4)?),
                    n_addenda: row.get(5)?,
                    imported: row.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(notes)
    }

    /// The saved revisions of a draft, newest first.
    pub fn note_revisions(&self, note_id: i64) -> Result<Vec<Revision>> {
        self.load_note(note_id)?;
        let mut statement = self
            .connection()
            .prepare("SELECT id, saved_at, content FROM note_revision WHERE note_id = ?1 ORDER BY id DESC")?;
        let rows = statement
            .query_map([note_id], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|(id, saved_at, json)| Ok(Revision { id, saved_at, content: from_json(&json)? })).collect()
    }

    /// Deletes a draft (and its revisions); audited. Signed notes are never deleted.
    pub fn delete_draft(&mut self, note_id: i64) -> Result<()> {
        self.require_draft(note_id)?;
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM note WHERE id = ?1", [note_id])?;
        audit::append(&transaction, &NewEvent::new(EventKind::DraftDeleted).about("note", note_id))?;
        transaction.commit()?;
        Ok(())
    }

    /// Signs a draft with the signer from settings. From now on it never changes.
    pub fn sign_note(&mut self, note_id: i64) -> Result<Note> {
        let note = self.require_draft(note_id)?;
        let (signed_by, credentials) = self.signer()?.ok_or(Error::SignerNotSet)?;
        if note.content.sections.values().all(|text| text.trim().is_empty()) {
            return Err(Error::InvalidInput { field: "note", problem: "an empty note cannot be signed".to_owned() });
        }
        let signed_at = now();
        let content_hash = note_hash(note_id, note.client_id, &note.content, &signed_by, &credentials, &signed_at)?;
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "UPDATE note SET status = 'signed', signed_at = ?2, signed_by = ?3, signer_credentials = ?4,
                 content_hash = ?5, updated_at = ?2
             WHERE id = ?1 AND status = 'draft'",
            params![note_id, signed_at, signed_by, credentials, content_hash],
        )?;
        // The draft history is not part of the record once the note is signed.
        transaction.execute("DELETE FROM note_revision WHERE note_id = ?1", [note_id])?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::NoteSigned)
                .about("note", note_id)
                .with_detail(serde_json::json!({ "content_hash": content_hash })),
        )?;
        transaction.commit()?;
        self.load_note(note_id)
    }

    /// Adds an addendum (reason and text) to a signed note.
    pub fn add_addendum(&mut self, note_id: i64, reason: &str, text: &str) -> Result<Addendum> {
        let note = self.load_note(note_id)?;
        let Some(signature) = note.signature.as_ref() else {
            return Err(Error::InvalidInput {
                field: "addendum",
                problem: "only signed notes take addenda; edit the draft instead".to_owned(),
            });
        };
        let (reason, text) = (reason.trim(), text.trim());
        check_text("addendum reason", reason, 1, 2_000)?;
        check_text("addendum text", text, 1, MAX_ADDENDUM_CHARS)?;
        let (author, credentials) = self.signer()?.ok_or(Error::SignerNotSet)?;
        let created_at = now();
        let (hash_note_id, _) = note.hash_ids();
        let content_hash =
            addendum_hash(hash_note_id, &signature.content_hash, reason, text, &author, &credentials, &created_at)?;
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO addendum (note_id, reason, text, author, author_credentials, created_at, content_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![note_id, reason, text, author, credentials, created_at, content_hash],
        )?;
        let id = transaction.last_insert_rowid();
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::AddendumAdded).about("note", note_id).with_detail(serde_json::json!({
                "addendum_id": id,
                "content_hash": content_hash,
            })),
        )?;
        transaction.commit()?;
        Ok(Addendum {
            id,
            reason: reason.to_owned(),
            text: text.to_owned(),
            author,
            author_credentials: credentials,
            created_at,
            content_hash,
        })
    }

    /// Re-hashes every signed note and addendum and names those that changed.
    pub fn verify_signatures(&self) -> Result<SignatureReport> {
        let mut report = SignatureReport::default();
        let mut statement = self.connection().prepare("SELECT id FROM note WHERE status = 'signed' ORDER BY id")?;
        let ids = statement.query_map([], |row| row.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        for note_id in ids {
            report.n_signed_notes += 1;
            let note = self.load_note(note_id)?;
            let Some(signature) = &note.signature else { continue };
            let (hash_note_id, hash_client_id) = note.hash_ids();
            let recomputed = note_hash(
                hash_note_id,
                hash_client_id,
                &note.content,
                &signature.signed_by,
                &signature.credentials,
                &signature.signed_at,
            )?;
            if recomputed != signature.content_hash {
                report.altered_notes.push(note.id);
            }
            for addendum in &note.addenda {
                report.n_addenda += 1;
                let recomputed = addendum_hash(
                    hash_note_id,
                    &signature.content_hash,
                    &addendum.reason,
                    &addendum.text,
                    &addendum.author,
                    &addendum.author_credentials,
                    &addendum.created_at,
                )?;
                if recomputed != addendum.content_hash {
                    report.altered_addenda.push(addendum.id);
                }
            }
        }
        Ok(report)
    }

    fn require_draft(&self, note_id: i64) -> Result<Note> {
        let note = self.load_note(note_id)?;
        if note.status == NoteStatus::Signed {
            return Err(Error::SignedNoteIsImmutable);
        }
        Ok(note)
    }

    pub(crate) fn load_note(&self, note_id: i64) -> Result<Note> {
        load_note(self.connection(), note_id)
    }
}

fn load_note(connection: &Connection, note_id: i64) -> Result<Note> {
    let row = connection
        .query_row(
            "SELECT n.id, n.client_id, c.code, n.kind, n.template, n.session_date, n.start_time, n.duration_minutes,
                    n.modality, n.service_code, n.diagnosis_codes, n.risk, n.sections, n.status, n.signed_at,
                    n.signed_by, n.signer_credentials, n.content_hash, n.created_at, n.updated_at,
                    n.imported_from, n.signed_as_note_id, n.signed_as_client_id
             FROM note n JOIN client c ON c.id = n.client_id WHERE n.id = ?1",
            [note_id],
            |row| {
                Ok((
                    (row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?),
                    (
                        NoteKind::parse(&row.get::<_, String>(3)?)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, Option<String>>(6)?,
                        row.get::<_, Option<u32>>(7)?,
                        row.get::<_, Option<String>>(8)?,
                        row.get::<_, Option<String>>(9)?,
                    ),
                    (row.get::<_, String>(10)?, row.get::<_, String>(11)?, row.get::<_, String>(12)?),
                    (
                        row.get::<_, String>(13)?,
                        row.get::<_, Option<String>>(14)?,
                        row.get::<_, Option<String>>(15)?,
                        row.get::<_, Option<String>>(16)?,
                        row.get::<_, Option<String>>(17)?,
                    ),
                    (row.get::<_, String>(18)?, row.get::<_, String>(19)?),
                    (row.get::<_, Option<String>>(20)?, row.get::<_, Option<i64>>(21)?, row.get::<_, Option<i64>>(22)?),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "note", id: note_id.to_string() })?;
    let (
        (id, client_id, client_code),
        (kind, template, session_date, start_time, duration, modality, service_code),
        json,
        sig,
        times,
        origin,
    ) = row;
    let content = NoteContent {
        kind,
        template,
        session_date: parse_date(&session_date),
        start_time,
        duration_minutes: duration,
        modality: modality.and_then(|name| serde_json::from_value(serde_json::Value::from(name)).ok()),
        service_code,
        diagnosis_codes: from_json(&json.0)?,
        risk: from_json(&json.1)?,
        sections: from_json(&json.2)?,
    };
    let status = parse_status(&sig.0);
    let signature = match (status, sig.1, sig.2, sig.4) {
        (NoteStatus::Signed, Some(signed_at), Some(signed_by), Some(content_hash)) => {
            Some(Signature { signed_by, credentials: sig.3.unwrap_or_default(), signed_at, content_hash })
        }
        _ => None,
    };
    let mut statement = connection.prepare(
        "SELECT id, reason, text, author, author_credentials, created_at, content_hash
         FROM addendum WHERE note_id = ?1 ORDER BY id",
    )?;
    let addenda = statement
        .query_map([note_id], |row| {
            Ok(Addendum {
                id: row.get(0)?,
                reason: row.get(1)?,
                text: row.get(2)?,
                author: row.get(3)?,
                author_credentials: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                created_at: row.get(5)?,
                content_hash: row.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Note {
        id,
        client_id,
        client_code,
        content,
        status,
        signature,
        addenda,
        created_at: times.0,
        updated_at: times.1,
        imported_from: origin.0,
        signed_as: match (origin.1, origin.2) {
            (Some(note_id), Some(client_id)) => Some(crate::transfer::SignedAs { note_id, client_id }),
            _ => None,
        },
    })
}

/// The canonical form of a signed note (docs/signing.md): a JSON object with
/// fields in this fixed order, sections in template order, no insignificant
/// whitespace, UTF-8.
#[derive(Serialize)]
struct CanonicalNote<'a> {
    format: &'static str,
    note_id: i64,
    client_id: i64,
    kind: NoteKind,
    template: &'a str,
    session_date: String,
    start_time: &'a Option<String>,
    duration_minutes: Option<u32>,
    modality: Option<Modality>,
    service_code: &'a Option<String>,
    diagnosis_codes: &'a [String],
    risk: Vec<(&'a str, &'a str)>,
    sections: Vec<(&'a str, &'a str)>,
    signed_by: &'a str,
    signer_credentials: &'a str,
    signed_at: &'a str,
}

/// The canonical form of an addendum, bound to the note's own hash.
#[derive(Serialize)]
struct CanonicalAddendum<'a> {
    format: &'static str,
    note_id: i64,
    note_hash: &'a str,
    reason: &'a str,
    text: &'a str,
    author: &'a str,
    author_credentials: &'a str,
    created_at: &'a str,
}

pub(crate) fn note_hash(
    note_id: i64,
    client_id: i64,
    content: &NoteContent,
    signed_by: &str,
    signer_credentials: &str,
    signed_at: &str,
) -> Result<String> {
    let order: Vec<&str> = templates::template(&content.template)
        .map(|template| template.sections.iter().map(|section| section.key.as_str()).collect())
        .unwrap_or_default();
    let mut sections: Vec<(&str, &str)> = order
        .iter()
        .filter_map(|key| content.sections.get_key_value(*key).map(|(key, text)| (key.as_str(), text.as_str())))
        .collect();
    sections.extend(
        content
            .sections
            .iter()
            .filter(|(key, _)| !order.contains(&key.as_str()))
            .map(|(key, text)| (key.as_str(), text.as_str())),
    );
    let canonical = CanonicalNote {
        format: "confidant-note-v1",
        note_id,
        client_id,
        kind: content.kind,
        template: &content.template,
        session_date: content.session_date.to_string(),
        start_time: &content.start_time,
        duration_minutes: content.duration_minutes,
        modality: content.modality,
        service_code: &content.service_code,
        diagnosis_codes: &content.diagnosis_codes,
        risk: content.risk.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect(),
        sections,
        signed_by,
        signer_credentials,
        signed_at,
    };
    Ok(hex::encode(Sha256::digest(to_json(&canonical)?.as_bytes())))
}

pub(crate) fn addendum_hash(
    note_id: i64,
    note_hash: &str,
    reason: &str,
    text: &str,
    author: &str,
    author_credentials: &str,
    created_at: &str,
) -> Result<String> {
    let canonical = CanonicalAddendum {
        format: "confidant-addendum-v1",
        note_id,
        note_hash,
        reason,
        text,
        author,
        author_credentials,
        created_at,
    };
    Ok(hex::encode(Sha256::digest(to_json(&canonical)?.as_bytes())))
}

/// Checks a note against its template and the field rules, trimming sections.
pub fn validate(mut content: NoteContent) -> Result<NoteContent> {
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
        if n_chars > MAX_SECTION_CHARS {
            return Err(Error::InvalidInput {
                field: "sections",
                problem: format!("section {key} has {n_chars} characters; the limit is {MAX_SECTION_CHARS}"),
            });
        }
        total += n_chars;
    }
    if total > MAX_NOTE_CHARS {
        return Err(Error::InvalidInput {
            field: "note",
            problem: format!("the note has {total} characters; the limit is {MAX_NOTE_CHARS}: split it into two notes"),
        });
    }
    if let Some(start_time) = &content.start_time
        && NaiveTime::parse_from_str(start_time, "%H:%M").is_err()
    {
        return Err(Error::InvalidInput { field: "start time", problem: "use HH:MM, e.g. 14:30".to_owned() });
    }
    if content.duration_minutes.is_some_and(|minutes| minutes == 0 || minutes > 600) {
        return Err(Error::InvalidInput { field: "duration", problem: "use 1 to 600 minutes".to_owned() });
    }
    if let Some(code) = &content.service_code {
        let code = code.trim().to_ascii_uppercase();
        if !cpt_shape().is_match(&code) {
            return Err(Error::InvalidInput {
                field: "service code",
                problem: "a CPT code is five characters: four digits then a digit, F or T (e.g. 90837)".to_owned(),
            });
        }
        content.service_code = Some(code);
    }
    if content.diagnosis_codes.len() > 12 {
        return Err(Error::InvalidInput { field: "diagnosis codes", problem: "use at most 12 codes".to_owned() });
    }
    for code in &mut content.diagnosis_codes {
        *code = code.trim().to_ascii_uppercase();
        if !icd10_shape().is_match(code) {
            return Err(Error::InvalidInput {
                field: "diagnosis codes",
                problem:
                    "an ICD-10 code is a letter, two characters, then optionally a dot and up to four more (e.g. F41.1)"
                        .to_owned(),
            });
        }
    }
    for (field, finding) in &content.risk {
        if !RISK_FIELDS.contains(&field.as_str()) {
            return Err(Error::InvalidInput {
                field: "risk screening",
                problem: format!("unknown field; use {}", RISK_FIELDS.join(", ")),
            });
        }
        check_text("risk screening", finding, 0, 2_000)?;
    }
    Ok(content)
}

pub(crate) fn check_text(field: &'static str, text: &str, minimum: usize, maximum: usize) -> Result<()> {
    let n_chars = text.chars().count();
    if n_chars < minimum {
        return Err(Error::InvalidInput { field, problem: "cannot be empty".to_owned() });
    }
    if n_chars > maximum {
        return Err(Error::InvalidInput {
            field,
            problem: format!("has {n_chars} characters; the limit is {maximum}"),
        });
    }
    Ok(())
}

fn cpt_shape() -> &'static Regex {
    static SHAPE: OnceLock<Regex> = OnceLock::new();
    SHAPE.get_or_init(|| Regex::new(r"^[0-9]{4}[0-9FT]$").expect("valid pattern"))
}

fn icd10_shape() -> &'static Regex {
    static SHAPE: OnceLock<Regex> = OnceLock::new();
    SHAPE.get_or_init(|| Regex::new(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$").expect("valid pattern"))
}

/// A note's columns in statement order: ?1 the row's key (the client id when
/// inserting, the note id when updating), ?2–?11 the content, ?12 the time.
fn content_params(key: i64, content: &NoteContent, now: &str) -> Result<Vec<Box<dyn rusqlite::ToSql>>> {
    Ok(vec![
        Box::new(key),
        Box::new(content.kind.as_str()),
        Box::new(content.template.clone()),
        Box::new(content.session_date.to_string()),
        Box::new(content.start_time.clone()),
        Box::new(content.duration_minutes),
        Box::new(content.modality.map(modality_name)),
        Box::new(content.service_code.clone()),
        Box::new(to_json(&content.diagnosis_codes)?),
        Box::new(to_json(&content.risk)?),
        Box::new(to_json(&content.sections)?),
        Box::new(now.to_owned()),
    ])
}

fn save_revision(connection: &Connection, note_id: i64, content: &NoteContent, saved_at: &str) -> Result<()> {
    connection.execute(
        "INSERT INTO note_revision (note_id, saved_at, content) VALUES (?1, ?2, ?3)",
        params![note_id, saved_at, to_json(content)?],
    )?;
    connection.execute(
        "DELETE FROM note_revision WHERE note_id = ?1 AND id NOT IN
             (SELECT id FROM note_revision WHERE note_id = ?1 ORDER BY id DESC LIMIT ?2)",
        params![note_id, KEPT_REVISIONS as i64],
    )?;
    Ok(())
}

fn modality_name(modality: Modality) -> &'static str {
    match modality {
        Modality::InPerson => "in_person",
        Modality::Video => "video",
        Modality::Phone => "phone",
    }
}

fn parse_status(text: &str) -> NoteStatus {
    if text == "signed" { NoteStatus::Signed } else { NoteStatus::Draft }
}

fn parse_date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|_| Error::InvalidInput { field: "note", problem: "cannot be encoded".to_owned() })
}

fn from_json<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|_| Error::InvalidInput { field: "note", problem: "stored content cannot be read".to_owned() })
}
