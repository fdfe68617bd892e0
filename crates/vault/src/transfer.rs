//! One client's record as it leaves the vault and comes back in: the structured
//! form written to `record.json` in an export (docs/export-format.md, with its
//! JSON Schema), built from the database and imported into another vault.
//!
//! Signatures survive the trip. A note's hash covers the row ids it was signed
//! under (docs/signing.md); those ids travel as `signed_as`, and an imported note
//! keeps them, so the receiving vault re-checks the same hash.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::disclosures::{ConsentKind, DisclosurePurpose};
use crate::notes::{NoteContent, NoteStatus};

/// The `format` of `record.json`.
pub const RECORD_FORMAT: &str = "confidant-record";
/// The `version` of `record.json` this build writes and reads.
pub const RECORD_VERSION: u32 = 1;

/// What an export holds and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportScope {
    /// Transfer of care, or a copy for the client (right of access).
    pub purpose: ExportPurpose,
    /// Drafts included.
    pub include_drafts: bool,
    /// Psychotherapy notes included.
    pub include_psychotherapy: bool,
    /// First session date included, if limited.
    pub from: Option<NaiveDate>,
    /// Last session date included, if limited.
    pub to: Option<NaiveDate>,
}

/// Why the file was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportPurpose {
    /// For another clinician taking over care.
    TransferOfCare,
    /// The client's own copy (45 CFR 164.524); never holds psychotherapy notes.
    ClientCopy,
}

/// The clinician whose vault made the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportPractitioner {
    /// Name as on signatures.
    pub name: String,
    /// Credentials.
    pub credentials: String,
}

/// The client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportClient {
    /// Pseudonymous code in the exporting vault.
    pub code: String,
    /// Full name, if recorded.
    pub name: Option<String>,
    /// Date of birth, if recorded.
    pub birth_date: Option<NaiveDate>,
    /// Contact details, if recorded.
    pub contact: Option<String>,
    /// `active` or `discharged`.
    pub status: String,
    /// First session.
    pub intake_date: Option<NaiveDate>,
}

/// The row ids a note was signed under (part of its hash, docs/signing.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAs {
    /// Note id in the vault where it was signed.
    pub note_id: i64,
    /// Client id in that vault.
    pub client_id: i64,
}

/// A signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSignature {
    /// Clinician's name.
    pub signed_by: String,
    /// Their credentials.
    pub credentials: String,
    /// When (RFC 3339, UTC).
    pub signed_at: String,
    /// SHA-256 (hex) of the canonical note.
    pub content_hash: String,
}

/// An addendum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportAddendum {
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
    /// SHA-256 (hex) of its canonical form.
    pub content_hash: String,
}

/// A note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportNote {
    /// Its id in the exporting vault (a disclosure's `note_ids` refer to it).
    pub id: i64,
    /// Draft or signed.
    pub status: NoteStatus,
    /// What the note says.
    pub content: NoteContent,
    /// Present when signed.
    pub signature: Option<ExportSignature>,
    /// The ids its hash covers; present when signed.
    pub signed_as: Option<SignedAs>,
    /// Addenda, oldest first.
    pub addenda: Vec<ExportAddendum>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Where it came from, if the exporting vault imported it itself.
    pub imported_from: Option<String>,
}

/// A consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConsent {
    /// Its id in the exporting vault (a disclosure's `consent_id` refers to it).
    pub id: i64,
    /// Which consent.
    pub kind: ConsentKind,
    /// Form version.
    pub form_version: String,
    /// Signed on.
    pub signed_date: NaiveDate,
    /// Expires on.
    pub expires_date: Option<NaiveDate>,
    /// What it covers.
    pub scope: Option<String>,
    /// Who may receive information.
    pub recipient: Option<String>,
    /// Revoked on.
    pub revoked_date: Option<NaiveDate>,
    /// What a release is for (absent in files from before it was asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDisclosure {
    /// When.
    pub disclosed_on: NaiveDate,
    /// To whom.
    pub recipient_name: String,
    /// Their address.
    pub recipient_address: Option<String>,
    /// Why.
    pub purpose: DisclosurePurpose,
    /// More on why.
    pub purpose_detail: Option<String>,
    /// What was disclosed.
    pub description: String,
    /// The consent that allowed it (an [`ExportConsent::id`]).
    pub consent_id: Option<i64>,
    /// The notes disclosed ([`ExportNote::id`]s; notes left out of the export are dropped).
    pub note_ids: Vec<i64>,
    /// Whether the client was told.
    pub client_informed: bool,
    /// Why not.
    pub not_informed_reason: Option<String>,
}

/// `record.json`: one client's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRecord {
    /// Always [`RECORD_FORMAT`].
    pub format: String,
    /// [`RECORD_VERSION`].
    pub version: u32,
    /// When the export was made (RFC 3339, UTC).
    pub exported_at: String,
    /// Version of the Confidant that made it.
    pub app_version: String,
    /// What is included.
    pub scope: ExportScope,
    /// The clinician, if the signer is set.
    pub practitioner: Option<ExportPractitioner>,
    /// The client.
    pub client: ExportClient,
    /// Notes, oldest session first.
    pub notes: Vec<ExportNote>,
    /// Consents.
    pub consents: Vec<ExportConsent>,
    /// Disclosures recorded before this export.
    pub disclosures: Vec<ExportDisclosure>,
}

impl ExportRecord {
    /// Distinct ICD-10 codes over the included notes, in first-seen order.
    pub fn diagnoses(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = Vec::new();
        for code in self.notes.iter().flat_map(|note| note.content.diagnosis_codes.iter()) {
            if !codes.contains(&code.as_str()) {
                codes.push(code);
            }
        }
        codes
    }

    /// First and last session dates, if any notes.
    pub fn date_span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let dates = self.notes.iter().map(|note| note.content.session_date);
        Some((dates.clone().min()?, dates.max()?))
    }
}

// ---- building and importing -------------------------------------------------

use chrono::{SecondsFormat, Utc};
use rusqlite::params;
use zeroize::Zeroizing;

use crate::audit::{self, EventKind, NewEvent};
use crate::clients::{Client, check_code, optional_detail};
use crate::disclosures::{NewDisclosure, name_of, optional, required};
use crate::notes::{NoteKind, addendum_hash, check_text, field_problems, normalise, note_hash, to_json};
use crate::vault::{Vault, get_setting, set_setting};
use crate::{Error, Result};

/// Most notes one record may hold (a client seen weekly for 40 years has ~2,100).
pub const MAX_NOTES: usize = 20_000;
/// Most addenda per note.
pub const MAX_ADDENDA_PER_NOTE: usize = 200;
/// Most consents or disclosures per record.
pub const MAX_CONSENTS_OR_DISCLOSURES: usize = 5_000;

/// Who receives an export, for the disclosure it records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportRecipient {
    /// Name of the receiving clinician or the client.
    pub name: String,
    /// Their address, if known.
    pub address: Option<String>,
    /// Whether the client was told about this disclosure (the accounting of
    /// disclosures records it; asked, never assumed).
    pub client_informed: bool,
    /// Why not, when the client was not told.
    pub not_informed_reason: Option<String>,
}

/// What an import would bring in, shown before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPreview {
    /// The client's code in the file.
    pub client_code: String,
    /// Whether a client in this vault already has that code (choose another).
    pub code_taken: bool,
    /// Notes in all.
    pub n_notes: u32,
    /// Signed notes (every signature re-checked).
    pub n_signed: u32,
    /// Drafts.
    pub n_drafts: u32,
    /// Psychotherapy notes.
    pub n_psychotherapy: u32,
    /// Addenda (every hash re-checked).
    pub n_addenda: u32,
    /// Consents.
    pub n_consents: u32,
    /// Disclosures.
    pub n_disclosures: u32,
    /// First session date.
    pub first_session: Option<NaiveDate>,
    /// Last session date.
    pub last_session: Option<NaiveDate>,
    /// When the file was made.
    pub exported_at: String,
    /// The Confidant version that made it.
    pub app_version: String,
    /// Transfer of care or client copy.
    pub purpose: ExportPurpose,
}

fn invalid(problem: impl Into<String>) -> Error {
    Error::TransferInvalid { problem: problem.into() }
}

fn timestamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Vault {
    /// One client's record for a transfer file. Reads only; [`Vault::record_export`]
    /// writes the disclosure once the file exists. Psychotherapy notes need the
    /// passphrase again and never go into a client copy.
    pub fn export_record(&self, client_code: &str, scope: &ExportScope) -> Result<ExportRecord> {
        if scope.purpose == ExportPurpose::ClientCopy && scope.include_psychotherapy {
            return Err(Error::InvalidInput {
                field: "export",
                problem: "a client copy never includes psychotherapy notes (45 CFR 164.524)".to_owned(),
            });
        }
        if let (Some(from), Some(to)) = (scope.from, scope.to)
            && from > to
        {
            return Err(Error::InvalidInput { field: "date range", problem: "the start is after the end".to_owned() });
        }
        if scope.include_psychotherapy {
            self.require_reauthentication()?;
        }
        let client = self.client_by_code(client_code)?;
        let mut statement = self.connection().prepare(
            "SELECT id FROM note WHERE client_id = ?1
               AND (kind != 'psychotherapy' OR ?2) AND (status = 'signed' OR ?3)
               AND (?4 IS NULL OR session_date >= ?4) AND (?5 IS NULL OR session_date <= ?5)
             ORDER BY session_date, id",
        )?;
        let ids = statement
            .query_map(
                params![
                    client.id,
                    scope.include_psychotherapy,
                    scope.include_drafts,
                    scope.from.map(|day| day.to_string()),
                    scope.to.map(|day| day.to_string())
                ],
                |row| row.get::<_, i64>(0),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut notes = Vec::with_capacity(ids.len());
        for id in &ids {
            let note = self.load_note(*id)?;
            let signed_as = note.signature.as_ref().map(|_| {
                let (note_id, client_id) = note.hash_ids();
                SignedAs { note_id, client_id }
            });
            notes.push(ExportNote {
                id: note.id,
                status: note.status,
                signature: note.signature.map(|signature| ExportSignature {
                    signed_by: signature.signed_by,
                    credentials: signature.credentials,
                    signed_at: signature.signed_at,
                    content_hash: signature.content_hash,
                }),
                signed_as,
                addenda: note
                    .addenda
                    .into_iter()
                    .map(|addendum| ExportAddendum {
                        reason: addendum.reason,
                        text: addendum.text,
                        author: addendum.author,
                        author_credentials: addendum.author_credentials,
                        created_at: addendum.created_at,
                        content_hash: addendum.content_hash,
                    })
                    .collect(),
                content: note.content,
                created_at: note.created_at,
                imported_from: note.imported_from,
            });
        }
        let consents = self
            .consents(&client.code)?
            .into_iter()
            .map(|consent| ExportConsent {
                id: consent.id,
                kind: consent.kind,
                form_version: consent.form_version,
                signed_date: consent.signed_date,
                expires_date: consent.expires_date,
                scope: consent.scope,
                recipient: consent.recipient,
                revoked_date: consent.revoked_date,
                purpose: consent.purpose,
            })
            .collect::<Vec<_>>();
        let disclosures = self
            .disclosures(&client.code)?
            .into_iter()
            .rev()
            .map(|disclosure| ExportDisclosure {
                disclosed_on: disclosure.disclosed_on,
                recipient_name: disclosure.recipient_name,
                recipient_address: disclosure.recipient_address,
                purpose: disclosure.purpose,
                purpose_detail: disclosure.purpose_detail,
                description: disclosure.description,
                consent_id: disclosure.consent_id,
                note_ids: disclosure.note_ids.into_iter().filter(|id| ids.contains(id)).collect(),
                client_informed: disclosure.client_informed,
                not_informed_reason: disclosure.not_informed_reason,
            })
            .collect();
        Ok(ExportRecord {
            format: RECORD_FORMAT.to_owned(),
            version: RECORD_VERSION,
            exported_at: timestamp(),
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            scope: scope.clone(),
            practitioner: self.signer()?.map(|(name, credentials)| ExportPractitioner { name, credentials }),
            client: ExportClient {
                code: client.code,
                name: client.name,
                birth_date: client.birth_date,
                contact: client.contact,
                status: name_of(&client.status),
                intake_date: client.intake_date,
            },
            notes,
            consents,
            disclosures,
        })
    }

    /// Records that `record` left the vault in a file with this SHA-256: a
    /// disclosure (transfer of care, or the client's own request) listing what
    /// was included, and an audit entry.
    pub fn record_export(
        &mut self,
        record: &ExportRecord,
        recipient: &ExportRecipient,
        file_sha256: &str,
    ) -> Result<crate::disclosures::Disclosure> {
        let scope = &record.scope;
        let n_signed = record.notes.iter().filter(|note| note.signature.is_some()).count();
        let n_drafts = record.notes.len() - n_signed;
        let n_psychotherapy = record.notes.iter().filter(|note| note.content.kind == NoteKind::Psychotherapy).count();
        let span = record.date_span().map(|(first, last)| format!(" from {first} to {last}")).unwrap_or_default();
        let mut description = format!(
            "Encrypted transfer file: {n_signed} signed notes{span}, {} consents, {} earlier disclosures",
            record.consents.len(),
            record.disclosures.len()
        );
        if n_drafts > 0 {
            description.push_str(&format!(", {n_drafts} drafts"));
        }
        if n_psychotherapy > 0 {
            description.push_str(&format!(", including {n_psychotherapy} psychotherapy notes"));
        }
        let (purpose, purpose_detail) = match scope.purpose {
            ExportPurpose::TransferOfCare => (crate::disclosures::DisclosurePurpose::TransferOfCare, None),
            ExportPurpose::ClientCopy => (
                crate::disclosures::DisclosurePurpose::Other,
                Some("client request: copy of the record (right of access, 45 CFR 164.524)".to_owned()),
            ),
        };
        let disclosure = self.add_disclosure(
            &record.client.code,
            NewDisclosure {
                disclosed_on: Utc::now().date_naive(),
                recipient_name: recipient.name.clone(),
                recipient_address: recipient.address.clone(),
                purpose,
                purpose_detail,
                description,
                consent_id: None,
                note_ids: record.notes.iter().map(|note| note.id).collect(),
                client_informed: recipient.client_informed,
                not_informed_reason: recipient.not_informed_reason.clone(),
            },
        )?;
        let client = self.client_by_code(&record.client.code)?;
        audit::append(
            self.connection(),
            &NewEvent::new(EventKind::RecordExported).about("client", client.id).with_detail(serde_json::json!({
                "notes": record.notes.len(),
                "drafts": n_drafts,
                "psychotherapy_notes": n_psychotherapy,
                "purpose": name_of(&scope.purpose),
                "disclosure_id": disclosure.id,
                "file_sha256": file_sha256,
            })),
        )?;
        Ok(disclosure)
    }

    /// Records that a chart (or one note) was printed or saved as PDF.
    pub fn record_printed(&mut self, client_code: &str, note_id: Option<i64>) -> Result<()> {
        let client = self.client_by_code(client_code)?;
        audit::append(
            self.connection(),
            &NewEvent::new(EventKind::RecordPrinted)
                .about("client", client.id)
                .with_detail(serde_json::json!({ "note_id": note_id })),
        )?;
        Ok(())
    }

    /// Checks a record from a transfer file without writing anything: format,
    /// every field, every reference, every signature and addendum hash.
    pub fn preview_import(&self, record: &ExportRecord) -> Result<ImportPreview> {
        check_record(record)?;
        let code_taken = self.client_by_code(&record.client.code).is_ok();
        let n_signed = record.notes.iter().filter(|note| note.signature.is_some()).count();
        let (first_session, last_session) = record.date_span().unzip();
        Ok(ImportPreview {
            client_code: record.client.code.clone(),
            code_taken,
            n_notes: count(record.notes.len()),
            n_signed: count(n_signed),
            n_drafts: count(record.notes.len() - n_signed),
            n_psychotherapy: count(
                record.notes.iter().filter(|note| note.content.kind == NoteKind::Psychotherapy).count(),
            ),
            n_addenda: count(record.notes.iter().map(|note| note.addenda.len()).sum()),
            n_consents: count(record.consents.len()),
            n_disclosures: count(record.disclosures.len()),
            first_session,
            last_session,
            exported_at: record.exported_at.clone(),
            app_version: record.app_version.clone(),
            purpose: record.scope.purpose,
        })
    }

    /// Imports a record as a new client (under `new_code`, or the file's code),
    /// in one transaction. Signed notes stay signed under their original hash and
    /// are marked as imported; drafts stay drafts.
    pub fn import_record(&mut self, record: &ExportRecord, new_code: Option<&str>) -> Result<Client> {
        check_record(record)?;
        let code = check_code(new_code.unwrap_or(&record.client.code))?;
        // Shown on each imported note: "C-0001, exported 2026-12-02 00:21 UTC by Confidant 0.1.0".
        let exported = chrono::DateTime::parse_from_rfc3339(&record.exported_at).map_or_else(
            |_| record.exported_at.clone(),
            |at| at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        let source = format!("{}, exported {exported} by Confidant {}", record.client.code, record.app_version);
        let now = timestamp();
        let transaction = self.connection_mut().transaction()?;
        let inserted = transaction.execute(
            "INSERT INTO client (code, name, birth_date, contact, status, intake_date, imported_from, created_at,
                                 updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![
                code,
                record.client.name,
                record.client.birth_date.map(|day| day.to_string()),
                record.client.contact,
                record.client.status,
                record.client.intake_date.map(|day| day.to_string()),
                source,
                now
            ],
        );
        if let Err(error) = inserted {
            return Err(match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::ClientCodeTaken { code },
                _ => Error::from(error),
            });
        }
        let client_id = transaction.last_insert_rowid();
        let mut note_ids = std::collections::HashMap::new();
        for note in &record.notes {
            let content = &note.content;
            let signature = note.signature.as_ref();
            transaction.execute(
                "INSERT INTO note (client_id, kind, template, session_date, start_time, duration_minutes, modality,
                                   service_code, diagnosis_codes, risk, sections, status, signed_at, signed_by,
                                   signer_credentials, content_hash, created_at, updated_at, imported_from,
                                   signed_as_note_id, signed_as_client_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
                params![
                    client_id,
                    content.kind.as_str(),
                    content.template,
                    content.session_date.to_string(),
                    content.start_time,
                    content.duration_minutes,
                    content.modality.map(|modality| name_of(&modality)),
                    content.service_code,
                    to_json(&content.diagnosis_codes)?,
                    to_json(&content.risk)?,
                    to_json(&content.sections)?,
                    name_of(&note.status),
                    signature.map(|signature| &signature.signed_at),
                    signature.map(|signature| &signature.signed_by),
                    signature.map(|signature| &signature.credentials),
                    signature.map(|signature| &signature.content_hash),
                    note.created_at,
                    now,
                    source,
                    note.signed_as.map(|ids| ids.note_id),
                    note.signed_as.map(|ids| ids.client_id),
                ],
            )?;
            let id = transaction.last_insert_rowid();
            note_ids.insert(note.id, id);
            for addendum in &note.addenda {
                transaction.execute(
                    "INSERT INTO addendum (note_id, reason, text, author, author_credentials, created_at, content_hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        id,
                        addendum.reason,
                        addendum.text,
                        addendum.author,
                        addendum.author_credentials,
                        addendum.created_at,
                        addendum.content_hash
                    ],
                )?;
            }
        }
        let mut consent_ids = std::collections::HashMap::new();
        for consent in &record.consents {
            transaction.execute(
                "INSERT INTO consent (client_id, kind, form_version, signed_date, expires_date, scope, recipient,
                                      revoked_date, created_at, purpose)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    client_id,
                    name_of(&consent.kind),
                    consent.form_version,
                    consent.signed_date.to_string(),
                    consent.expires_date.map(|day| day.to_string()),
                    consent.scope,
                    consent.recipient,
                    consent.revoked_date.map(|day| day.to_string()),
                    now,
                    consent.purpose
                ],
            )?;
            consent_ids.insert(consent.id, transaction.last_insert_rowid());
        }
        for disclosure in &record.disclosures {
            transaction.execute(
                "INSERT INTO disclosure (client_id, disclosed_on, recipient_name, recipient_address, purpose,
                                         purpose_detail, description, consent_id, client_informed, not_informed_reason,
                                         created_at, imported)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1)",
                params![
                    client_id,
                    disclosure.disclosed_on.to_string(),
                    disclosure.recipient_name,
                    disclosure.recipient_address,
                    name_of(&disclosure.purpose),
                    disclosure.purpose_detail,
                    disclosure.description,
                    disclosure.consent_id.and_then(|id| consent_ids.get(&id)),
                    disclosure.client_informed,
                    disclosure.not_informed_reason,
                    now
                ],
            )?;
            let disclosure_id = transaction.last_insert_rowid();
            for note_id in disclosure.note_ids.iter().filter_map(|id| note_ids.get(id)) {
                transaction.execute(
                    "INSERT OR IGNORE INTO disclosure_note (disclosure_id, note_id) VALUES (?1, ?2)",
                    params![disclosure_id, note_id],
                )?;
            }
        }
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::RecordImported).about("client", client_id).with_detail(serde_json::json!({
                "notes": record.notes.len(),
                "addenda": record.notes.iter().map(|note| note.addenda.len()).sum::<usize>(),
                "consents": record.consents.len(),
                "disclosures": record.disclosures.len(),
            })),
        )?;
        transaction.commit()?;
        self.client_by_id(client_id)
    }

    /// The vault's own age identity (`AGE-SECRET-KEY-1…`), kept in the encrypted
    /// database; `None` until one is stored.
    pub fn transfer_identity(&self) -> Result<Option<Zeroizing<String>>> {
        Ok(get_setting(self.connection(), TRANSFER_IDENTITY)?.map(Zeroizing::new))
    }

    /// Stores the vault's age identity; refuses to replace an existing one (files
    /// sent to the old public key would no longer open).
    pub fn store_transfer_identity(&mut self, identity: &str) -> Result<()> {
        if self.transfer_identity()?.is_some() {
            return Err(Error::InvalidSetting { name: "transfer identity", allowed: "set once per vault" });
        }
        let transaction = self.connection_mut().transaction()?;
        set_setting(&transaction, TRANSFER_IDENTITY, identity)?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "transfer_identity" })),
        )?;
        transaction.commit()?;
        Ok(())
    }
}

const TRANSFER_IDENTITY: &str = "transfer_age_identity";

fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Everything an import checks before writing: format and version, sizes, each
/// note's fields (the same rules as writing one), statuses, references and
/// every signature and addendum hash. Needs no vault (the fuzz target calls it).
pub fn check_record(record: &ExportRecord) -> Result<()> {
    if record.format != RECORD_FORMAT {
        return Err(invalid("record.json is not a Confidant record"));
    }
    if record.version != RECORD_VERSION {
        return Err(invalid(format!(
            "record.json is version {}; this Confidant reads version {RECORD_VERSION} — update Confidant",
            record.version
        )));
    }
    if record.notes.len() > MAX_NOTES {
        return Err(invalid(format!("{} notes; at most {MAX_NOTES} are accepted", record.notes.len())));
    }
    if record.consents.len() > MAX_CONSENTS_OR_DISCLOSURES || record.disclosures.len() > MAX_CONSENTS_OR_DISCLOSURES {
        return Err(invalid(format!("at most {MAX_CONSENTS_OR_DISCLOSURES} consents and disclosures are accepted")));
    }
    check_code(&record.client.code).map_err(|_| invalid("the client code is not valid"))?;
    optional_detail("name", record.client.name.clone()).map_err(|_| invalid("the client's name is too long"))?;
    optional_detail("contact", record.client.contact.clone())
        .map_err(|_| invalid("the client's contact details are too long"))?;
    if !["active", "discharged"].contains(&record.client.status.as_str()) {
        return Err(invalid("the client's status is neither active nor discharged"));
    }
    let mut seen = std::collections::HashSet::new();
    for (position, note) in record.notes.iter().enumerate() {
        let label = format!("note {} (number {} in the file)", note.id, position + 1);
        if !seen.insert(note.id) {
            return Err(invalid(format!("{label}: the id appears twice")));
        }
        // The storage rules any saved draft keeps; a signed note also has no field
        // problem (a code that cannot be valid never gets signed).
        let checked = normalise(note.content.clone()).map_err(|error| invalid(format!("{label}: {error}")))?;
        if checked != note.content {
            return Err(invalid(format!("{label}: its codes are not in the form a saved note has")));
        }
        if note.status == NoteStatus::Signed && !field_problems(&note.content).is_empty() {
            return Err(invalid(format!("{label}: a signed note with a field no signed note can have")));
        }
        match (&note.status, &note.signature, note.signed_as) {
            (NoteStatus::Draft, None, None) => {
                if !note.addenda.is_empty() {
                    return Err(invalid(format!("{label}: a draft cannot have addenda")));
                }
            }
            (NoteStatus::Signed, Some(signature), Some(signed_as)) => {
                let recomputed = note_hash(
                    signed_as.note_id,
                    signed_as.client_id,
                    &note.content,
                    &signature.signed_by,
                    &signature.credentials,
                    &signature.signed_at,
                )?;
                if recomputed != signature.content_hash {
                    return Err(invalid(format!("{label}: the signature does not match the note — it was altered")));
                }
                if note.addenda.len() > MAX_ADDENDA_PER_NOTE {
                    return Err(invalid(format!("{label}: more than {MAX_ADDENDA_PER_NOTE} addenda")));
                }
                for (index, addendum) in note.addenda.iter().enumerate() {
                    check_text("addendum reason", &addendum.reason, 1, 2_000)
                        .and_then(|()| check_text("addendum text", &addendum.text, 1, crate::notes::MAX_ADDENDUM_CHARS))
                        .map_err(|error| invalid(format!("{label}, addendum {}: {error}", index + 1)))?;
                    let recomputed = addendum_hash(
                        signed_as.note_id,
                        &signature.content_hash,
                        &addendum.reason,
                        &addendum.text,
                        &addendum.author,
                        &addendum.author_credentials,
                        &addendum.created_at,
                    )?;
                    if recomputed != addendum.content_hash {
                        return Err(invalid(format!(
                            "{label}, addendum {}: its hash does not match — it was altered",
                            index + 1
                        )));
                    }
                }
            }
            _ => return Err(invalid(format!("{label}: the status does not match its signature"))),
        }
    }
    let consent_ids: std::collections::HashSet<i64> = record.consents.iter().map(|consent| consent.id).collect();
    if consent_ids.len() != record.consents.len() {
        return Err(invalid("two consents share an id"));
    }
    for (index, consent) in record.consents.iter().enumerate() {
        required("consent form version", &consent.form_version, 200)
            .and_then(|_| optional("consent scope", consent.scope.clone(), 2_000))
            .and_then(|_| optional("consent recipient", consent.recipient.clone(), 1_000))
            .map_err(|error| invalid(format!("consent {}: {error}", index + 1)))?;
    }
    for (index, disclosure) in record.disclosures.iter().enumerate() {
        let label = format!("disclosure {}", index + 1);
        required("recipient", &disclosure.recipient_name, 500)
            .and_then(|_| optional("recipient address", disclosure.recipient_address.clone(), 1_000))
            .and_then(|_| required("description", &disclosure.description, 5_000))
            .and_then(|_| optional("purpose detail", disclosure.purpose_detail.clone(), 2_000))
            .map_err(|error| invalid(format!("{label}: {error}")))?;
        if disclosure.consent_id.is_some_and(|id| !consent_ids.contains(&id)) {
            return Err(invalid(format!("{label}: it names a consent the file does not hold")));
        }
        if disclosure.note_ids.iter().any(|id| !seen.contains(id)) {
            return Err(invalid(format!("{label}: it names a note the file does not hold")));
        }
        if !disclosure.client_informed && disclosure.not_informed_reason.is_none() {
            return Err(invalid(format!("{label}: the client was not told and no reason is recorded")));
        }
    }
    Ok(())
}
