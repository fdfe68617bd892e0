//! Notes: structured sections from a template, session fields, drafts that keep
//! their revisions, signing with a SHA-256 of a documented canonical form, and
//! addenda. A signed note never changes — in this API and in SQL (triggers).
//! The canonical form is described in docs/signing.md. What a field may hold,
//! and what the sign dialog checks, is in `note_checks`: a draft saves whatever
//! was typed, and only signing asks for valid fields.

use std::collections::BTreeMap;

use chrono::{Local, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, EventKind, NewEvent};
use crate::note_checks::{EarlierNote, sign_warnings};
pub use crate::note_checks::{
    FieldProblem, MAX_NOTE_CHARS, MAX_SECTION_CHARS, NoteField, SignWarning, SignWarningKind, field_problems, normalise,
};
use crate::templates;
use crate::vault::Vault;
use crate::{Error, Result};

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
    /// What stops a draft from being signed, field by field (empty when nothing does).
    pub problems: Vec<FieldProblem>,
    /// The note a draft was started from ("Start from last session"), if any.
    pub copied_from: Option<CopiedFrom>,
    /// Sections of a draft still word for word as copied from that note.
    pub copied_sections: Vec<String>,
}

/// The earlier note a draft was started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CopiedFrom {
    /// Its row id.
    pub note_id: i64,
    /// Its session date.
    pub session_date: NaiveDate,
}

/// What the sign dialog shows before a draft is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignCheck {
    /// Field problems: each blocks signing until fixed.
    pub problems: Vec<FieldProblem>,
    /// Gaps worth a second look: the therapist may sign anyway, deliberately.
    pub warnings: Vec<SignWarning>,
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
    /// Start time, as typed.
    pub start_time: Option<String>,
    /// Length in minutes.
    pub duration_minutes: Option<u32>,
    /// CPT code, as typed.
    pub service_code: Option<String>,
    /// The first words of the note (at most [`PREVIEW_CHARS`] characters), to tell
    /// notes of one day apart. Record text: the UI hides it in discreet mode.
    pub preview: String,
    /// Whether nothing has been written in it yet (an empty draft).
    pub empty: bool,
}

/// Characters of a note shown in the chart's timeline.
pub const PREVIEW_CHARS: usize = 80;

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
        let content = normalise(content)?;
        let client = self.client_by_code(client_code)?;
        self.insert_draft(client.id, &content, None)
    }

    /// Starts a draft from the client's previous note of the same kind and
    /// template ("Start from last session"): its sections, diagnosis codes, service
    /// code and modality are copied; the date is `session_date`, and time, minutes
    /// and the risk screening start empty (they are this session's). The copied
    /// sections stay marked as copied until edited, and the sign dialog says so.
    /// [`Error::NotFound`] when there is no such note to start from.
    pub fn create_note_from_previous(
        &mut self,
        client_code: &str,
        kind: NoteKind,
        template: &str,
        session_date: NaiveDate,
    ) -> Result<Note> {
        let client = self.client_by_code(client_code)?;
        let source_id = previous_note_id(self.connection(), client.id, kind, template, None)?
            .ok_or_else(|| Error::NotFound { what: "earlier note to start from", id: client.code.clone() })?;
        let source = self.load_note(source_id)?;
        let content = normalise(NoteContent {
            kind,
            template: template.to_owned(),
            session_date,
            start_time: None,
            duration_minutes: None,
            modality: source.content.modality,
            service_code: source.content.service_code.clone(),
            diagnosis_codes: source.content.diagnosis_codes.clone(),
            risk: BTreeMap::new(),
            sections: source.content.sections.clone(),
        })?;
        self.insert_draft(client.id, &content, Some(source_id))
    }

    /// Saves a draft again (autosave), whatever its fields hold: field problems
    /// come back on the note and only block signing. Each save keeps a revision;
    /// the newest 20 are kept. A signed note is refused.
    pub fn save_draft(&mut self, note_id: i64, content: NoteContent) -> Result<Note> {
        let content = normalise(content)?;
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
                    (SELECT count(*) FROM addendum a WHERE a.note_id = n.id), n.imported_from IS NOT NULL,
                    n.start_time, n.duration_minutes, n.service_code, n.sections
             FROM note n
             WHERE n.client_id = ?1 AND (?2 OR n.kind <> 'psychotherapy')
             ORDER BY n.session_date DESC, n.start_time DESC, n.id DESC",
        )?;
        let rows = statement
            .query_map(params![client.id, include_psychotherapy], |row| {
                Ok((
                    NoteSummary {
                        id: row.get(0)?,
                        kind: NoteKind::parse(&row.get::<_, String>(1)?)?,
                        template: row.get(2)?,
                        session_date: parse_date(&row.get::<_, String>(3)?),
                        status: parse_status(&row.get::<_, String>(4)?),
                        n_addenda: row.get(5)?,
                        imported: row.get(6)?,
                        start_time: row.get(7)?,
                        duration_minutes: row.get(8)?,
                        service_code: row.get(9)?,
                        preview: String::new(),
                        empty: true,
                    },
                    row.get::<_, String>(10)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(mut summary, sections_json)| {
                let sections: BTreeMap<String, String> = from_json(&sections_json)?;
                summary.preview = preview(&summary.template, &sections);
                summary.empty = summary.preview.is_empty();
                Ok(summary)
            })
            .collect()
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

    /// Discards a draft (and its revisions); audited, with whether anything had
    /// been written in it. Signed notes are never deleted.
    pub fn delete_draft(&mut self, note_id: i64) -> Result<()> {
        let note = self.require_draft(note_id)?;
        let was_empty = note.content.sections.values().all(|text| text.trim().is_empty());
        let transaction = self.connection_mut().transaction()?;
        transaction.execute("DELETE FROM note WHERE id = ?1", [note_id])?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::DraftDeleted)
                .about("note", note_id)
                .with_detail(serde_json::json!({ "was_empty": was_empty })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// What the sign dialog shows for a draft: the field problems that block
    /// signing and the warnings the therapist may override. Writes nothing.
    pub fn sign_check(&self, note_id: i64) -> Result<SignCheck> {
        let note = self.require_draft(note_id)?;
        let earlier_id = previous_note_id(
            self.connection(),
            note.client_id,
            note.content.kind,
            &note.content.template,
            Some(note_id),
        )?;
        let earlier = earlier_id.map(|id| self.load_note(id)).transpose()?;
        // The note it was copied from may have been discarded since: then only the
        // previous note is compared.
        let copied_source = match note.copied_from {
            Some(copied) => self.load_note(copied.note_id).ok(),
            None => None,
        };
        let mut compared = Vec::new();
        if let Some(source) = &copied_source {
            compared.push(EarlierNote {
                session_date: source.content.session_date,
                content: &source.content,
                copied_from: true,
            });
        }
        if let Some(previous) = &earlier {
            compared.push(EarlierNote {
                session_date: previous.content.session_date,
                content: &previous.content,
                copied_from: false,
            });
        }
        let warnings = sign_warnings(&note.content, &compared, Local::now().date_naive());
        Ok(SignCheck { problems: note.problems, warnings })
    }

    /// Signs a draft with the signer from settings. From now on it never changes.
    ///
    /// Refused while a field problem remains ([`Error::NoteNotReadyToSign`]), and
    /// while the sign dialog has warnings unless `warnings_acknowledged` says the
    /// therapist saw them and chose to sign ([`Error::SignWarningsNotAcknowledged`]);
    /// the audit entry names the kinds of warning that were overridden.
    pub fn sign_note(&mut self, note_id: i64, warnings_acknowledged: bool) -> Result<Note> {
        let check = self.sign_check(note_id)?;
        let (signed_by, credentials) = self.signer()?.ok_or(Error::SignerNotSet)?;
        if !check.problems.is_empty() {
            return Err(Error::NoteNotReadyToSign { n_problems: check.problems.len() });
        }
        if !check.warnings.is_empty() && !warnings_acknowledged {
            return Err(Error::SignWarningsNotAcknowledged { n_warnings: check.warnings.len() });
        }
        let note = self.require_draft(note_id)?;
        let signed_at = now();
        let content_hash = note_hash(note_id, note.client_id, &note.content, &signed_by, &credentials, &signed_at)?;
        let mut overridden: Vec<&str> = check.warnings.iter().map(|warning| warning.kind.as_str()).collect();
        overridden.dedup();
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
                .with_detail(serde_json::json!({ "content_hash": content_hash, "warnings_overridden": overridden })),
        )?;
        transaction.commit()?;
        self.load_note(note_id)
    }

    fn insert_draft(&mut self, client_id: i64, content: &NoteContent, copied_from: Option<i64>) -> Result<Note> {
        let now = now();
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO note (client_id, kind, template, session_date, start_time, duration_minutes, modality,
                               service_code, diagnosis_codes, risk, sections, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            params_from_iter(content_params(client_id, content, &now)?),
        )?;
        let id = transaction.last_insert_rowid();
        if let Some(source) = copied_from {
            transaction.execute("UPDATE note SET copied_from_note_id = ?2 WHERE id = ?1", params![id, source])?;
        }
        save_revision(&transaction, id, content, &now)?;
        let mut event = NewEvent::new(EventKind::NoteCreated).about("note", id);
        if let Some(source) = copied_from {
            event = event.with_detail(serde_json::json!({ "copied_from_note_id": source }));
        }
        audit::append(&transaction, &event)?;
        transaction.commit()?;
        self.load_note(id)
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
                    n.imported_from, n.signed_as_note_id, n.signed_as_client_id,
                    n.copied_from_note_id, source.session_date, source.sections
             FROM note n JOIN client c ON c.id = n.client_id
                  LEFT JOIN note source ON source.id = n.copied_from_note_id
             WHERE n.id = ?1",
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
                    (
                        row.get::<_, Option<i64>>(23)?,
                        row.get::<_, Option<String>>(24)?,
                        row.get::<_, Option<String>>(25)?,
                    ),
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
        copied,
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
    let draft = status == NoteStatus::Draft;
    // Only a draft has problems to fix, and copied sections to edit.
    let problems = if draft { field_problems(&content) } else { Vec::new() };
    let copied_from = match (copied.0, copied.1) {
        (Some(note_id), Some(date)) => Some(CopiedFrom { note_id, session_date: parse_date(&date) }),
        _ => None,
    };
    let copied_sections = match (draft, copied.2) {
        (true, Some(source_json)) => {
            let source: BTreeMap<String, String> = from_json(&source_json)?;
            content
                .sections
                .iter()
                .filter(|(key, text)| !text.trim().is_empty() && source.get(*key) == Some(*text))
                .map(|(key, _)| key.clone())
                .collect()
        }
        _ => Vec::new(),
    };
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
        problems,
        copied_from,
        copied_sections,
    })
}

/// The client's newest note of this kind and template, other than `except`:
/// what "Start from last session" copies and the repeated-text check compares
/// with. Signed notes first; a draft only when no signed note exists. Empty
/// drafts never count.
fn previous_note_id(
    connection: &Connection,
    client_id: i64,
    kind: NoteKind,
    template: &str,
    except: Option<i64>,
) -> Result<Option<i64>> {
    Ok(connection
        .query_row(
            "SELECT n.id FROM note n
             WHERE n.client_id = ?1 AND n.kind = ?2 AND n.template = ?3 AND n.id IS NOT ?4
               AND EXISTS (SELECT 1 FROM json_each(n.sections) WHERE trim(value) <> '')
             ORDER BY n.status = 'signed' DESC, n.session_date DESC, n.id DESC
             LIMIT 1",
            params![client_id, kind.as_str(), template, except],
            |row| row.get(0),
        )
        .optional()?)
}

/// The first words of a note, in template order, on one line.
fn preview(template_id: &str, sections: &BTreeMap<String, String>) -> String {
    let order: Vec<&str> = templates::template(template_id)
        .map(|template| template.sections.iter().map(|section| section.key.as_str()).collect())
        .unwrap_or_default();
    let first =
        order.iter().filter_map(|key| sections.get(*key)).chain(sections.values()).find(|text| !text.trim().is_empty());
    let Some(text) = first else { return String::new() };
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= PREVIEW_CHARS {
        return line;
    }
    let cut: String = line.chars().take(PREVIEW_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head).to_owned();
    format!("{cut}…")
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
