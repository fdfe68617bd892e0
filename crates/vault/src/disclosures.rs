//! Consents (treatment, telehealth, release of information) and disclosures with
//! the fields of 45 CFR 164.528, and the per-client accounting of disclosures
//! covering the last six years.

use chrono::{Months, NaiveDate, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::audit::{self, EventKind, NewEvent};
use crate::vault::Vault;
use crate::{Error, Result};

/// The kinds of consent a practice records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentKind {
    /// Informed consent to treatment.
    Treatment,
    /// Consent to telehealth.
    Telehealth,
    /// Authorisation to release information to a named recipient.
    ReleaseOfInformation,
}

/// Why information was disclosed (45 CFR 164.528(b)(2)(iv)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosurePurpose {
    /// The client authorised it in writing.
    ClientAuthorization,
    /// A court order or subpoena.
    CourtOrder,
    /// A mandated report (abuse, neglect).
    MandatedReport,
    /// Duty to warn or protect.
    DutyToWarn,
    /// Consultation with another professional.
    Consultation,
    /// Transfer of care to another clinician.
    TransferOfCare,
    /// Anything else (say what in `purpose_detail`).
    Other,
}

/// A consent as entered.
#[derive(Debug, Clone, Deserialize)]
pub struct NewConsent {
    /// Which consent.
    pub kind: ConsentKind,
    /// The form's version, e.g. "2026-01".
    pub form_version: String,
    /// When the client signed it.
    pub signed_date: NaiveDate,
    /// When it expires, if ever.
    #[serde(default)]
    pub expires_date: Option<NaiveDate>,
    /// What it covers.
    #[serde(default)]
    pub scope: Option<String>,
    /// Who may receive information (release of information).
    #[serde(default)]
    pub recipient: Option<String>,
    /// What the release is for, e.g. "coordination of care".
    #[serde(default)]
    pub purpose: Option<String>,
}

/// A consent as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// Row id.
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
    /// What a release is for.
    pub purpose: Option<String>,
    /// Revoked on.
    pub revoked_date: Option<NaiveDate>,
}

impl Consent {
    /// Whether it is in force on `day`: signed, not expired, not revoked.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.signed_date <= day
            && self.expires_date.is_none_or(|expires| day <= expires)
            && self.revoked_date.is_none_or(|revoked| day < revoked)
    }
}

/// A disclosure as entered.
#[derive(Debug, Clone, Deserialize)]
pub struct NewDisclosure {
    /// When.
    pub disclosed_on: NaiveDate,
    /// To whom.
    pub recipient_name: String,
    /// Their address, if known.
    #[serde(default)]
    pub recipient_address: Option<String>,
    /// Why.
    pub purpose: DisclosurePurpose,
    /// More on why (required for `other`).
    #[serde(default)]
    pub purpose_detail: Option<String>,
    /// What was disclosed.
    pub description: String,
    /// The consent that allowed it (required for client authorisation).
    #[serde(default)]
    pub consent_id: Option<i64>,
    /// The notes disclosed.
    #[serde(default)]
    pub note_ids: Vec<i64>,
    /// Whether the client was told.
    pub client_informed: bool,
    /// Why not, when they were not told.
    #[serde(default)]
    pub not_informed_reason: Option<String>,
}

/// A disclosure as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disclosure {
    /// Row id.
    pub id: i64,
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
    /// The consent that allowed it.
    pub consent_id: Option<i64>,
    /// The notes disclosed.
    pub note_ids: Vec<i64>,
    /// Whether the client was told.
    pub client_informed: bool,
    /// Why not.
    pub not_informed_reason: Option<String>,
    /// Made by the sending clinician (it came in with a transfer file), not here.
    pub imported: bool,
}

/// The accounting of disclosures a client may ask for (45 CFR 164.528).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// The client's code.
    pub client_code: String,
    /// First day covered (six years before `to`).
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// Disclosures in that period, oldest first.
    pub disclosures: Vec<Disclosure>,
}

impl Vault {
    /// Records a consent for a client.
    pub fn add_consent(&mut self, client_code: &str, consent: NewConsent) -> Result<Consent> {
        let client = self.client_by_code(client_code)?;
        let form_version = required("form version", &consent.form_version, 100)?;
        let scope = optional("scope", consent.scope, 2_000)?;
        let recipient = optional("recipient", consent.recipient, 500)?;
        let purpose = optional("purpose", consent.purpose, 500)?;
        if consent.expires_date.is_some_and(|expires| expires < consent.signed_date) {
            return Err(Error::InvalidInput {
                field: "expiry date",
                problem: "must not be before the signed date".to_owned(),
            });
        }
        if consent.kind == ConsentKind::ReleaseOfInformation && recipient.is_none() {
            return Err(Error::InvalidInput {
                field: "recipient",
                problem: "a release of information names who may receive it".to_owned(),
            });
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO consent (client_id, kind, form_version, signed_date, expires_date, scope, recipient, created_at,
                                  purpose)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                client.id,
                name_of(&consent.kind),
                form_version,
                consent.signed_date.to_string(),
                consent.expires_date.map(|date| date.to_string()),
                scope,
                recipient,
                now(),
                purpose
            ],
        )?;
        let id = transaction.last_insert_rowid();
        audit::append(&transaction, &NewEvent::new(EventKind::ConsentRecorded).about("consent", id))?;
        transaction.commit()?;
        self.consent(id)
    }

    /// A client's consents, newest first.
    pub fn consents(&self, client_code: &str) -> Result<Vec<Consent>> {
        let client = self.client_by_code(client_code)?;
        let mut statement = self
            .connection()
            .prepare(&format!("{CONSENT_SELECT} WHERE client_id = ?1 ORDER BY signed_date DESC, id DESC"))?;
        let consents = statement.query_map([client.id], row_to_consent)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(consents)
    }

    /// Revokes a consent from `revoked_on`.
    pub fn revoke_consent(&mut self, consent_id: i64, revoked_on: NaiveDate) -> Result<Consent> {
        let consent = self.consent(consent_id)?;
        if consent.revoked_date.is_some() {
            return Err(Error::InvalidInput { field: "consent", problem: "is already revoked".to_owned() });
        }
        if revoked_on < consent.signed_date {
            return Err(Error::InvalidInput {
                field: "revocation date",
                problem: "must not be before the signed date".to_owned(),
            });
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "UPDATE consent SET revoked_date = ?2 WHERE id = ?1",
            params![consent_id, revoked_on.to_string()],
        )?;
        audit::append(&transaction, &NewEvent::new(EventKind::ConsentRevoked).about("consent", consent_id))?;
        transaction.commit()?;
        self.consent(consent_id)
    }

    /// Records a disclosure: to whom, why, what, and whether the client was told.
    pub fn add_disclosure(&mut self, client_code: &str, disclosure: NewDisclosure) -> Result<Disclosure> {
        let client = self.client_by_code(client_code)?;
        let recipient_name = required("recipient", &disclosure.recipient_name, 500)?;
        let recipient_address = optional("recipient address", disclosure.recipient_address, 1_000)?;
        let description = required("description", &disclosure.description, 5_000)?;
        let purpose_detail = optional("purpose detail", disclosure.purpose_detail, 2_000)?;
        let not_informed_reason = optional("reason the client was not told", disclosure.not_informed_reason, 2_000)?;
        if disclosure.purpose == DisclosurePurpose::Other && purpose_detail.is_none() {
            return Err(Error::InvalidInput {
                field: "purpose detail",
                problem: "say what the purpose was".to_owned(),
            });
        }
        if !disclosure.client_informed && not_informed_reason.is_none() {
            return Err(Error::InvalidInput {
                field: "reason the client was not told",
                problem: "record why the client was not told".to_owned(),
            });
        }
        if let Some(consent_id) = disclosure.consent_id {
            let consent = self.consent(consent_id)?;
            let belongs: Option<i64> = self
                .connection()
                .query_row(
                    "SELECT id FROM consent WHERE id = ?1 AND client_id = ?2",
                    params![consent_id, client.id],
                    |row| row.get(0),
                )
                .optional()?;
            if belongs.is_none() {
                return Err(Error::InvalidInput { field: "consent", problem: "belongs to another client".to_owned() });
            }
            if !consent.is_active_on(disclosure.disclosed_on) {
                return Err(Error::InvalidInput {
                    field: "consent",
                    problem: "was not in force on the disclosure date (expired, revoked or not yet signed)".to_owned(),
                });
            }
        } else if disclosure.purpose == DisclosurePurpose::ClientAuthorization {
            return Err(Error::InvalidInput {
                field: "consent",
                problem: "a disclosure on the client's authorisation links the release-of-information consent"
                    .to_owned(),
            });
        }
        for note_id in &disclosure.note_ids {
            let note = self.load_note(*note_id)?;
            if note.client_id != client.id {
                return Err(Error::InvalidInput {
                    field: "notes",
                    problem: format!("note {note_id} belongs to another client"),
                });
            }
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO disclosure (client_id, disclosed_on, recipient_name, recipient_address, purpose, purpose_detail,
                                     description, consent_id, client_informed, not_informed_reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                client.id,
                disclosure.disclosed_on.to_string(),
                recipient_name,
                recipient_address,
                name_of(&disclosure.purpose),
                purpose_detail,
                description,
                disclosure.consent_id,
                disclosure.client_informed,
                if disclosure.client_informed { None } else { not_informed_reason },
                now()
            ],
        )?;
        let id = transaction.last_insert_rowid();
        for note_id in &disclosure.note_ids {
            transaction.execute(
                "INSERT OR IGNORE INTO disclosure_note (disclosure_id, note_id) VALUES (?1, ?2)",
                params![id, note_id],
            )?;
        }
        audit::append(&transaction, &NewEvent::new(EventKind::DisclosureRecorded).about("disclosure", id))?;
        transaction.commit()?;
        self.disclosure(id)
    }

    /// A client's disclosures, newest first.
    pub fn disclosures(&self, client_code: &str) -> Result<Vec<Disclosure>> {
        let client = self.client_by_code(client_code)?;
        let mut statement = self
            .connection()
            .prepare("SELECT id FROM disclosure WHERE client_id = ?1 ORDER BY disclosed_on DESC, id DESC")?;
        let ids =
            statement.query_map([client.id], |row| row.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        ids.into_iter().map(|id| self.disclosure(id)).collect()
    }

    /// The accounting of disclosures for the six years up to `to` (audited):
    /// the disclosures made here, not those a sending clinician recorded.
    pub fn accounting_of_disclosures(&mut self, client_code: &str, to: NaiveDate) -> Result<Accounting> {
        let client = self.client_by_code(client_code)?;
        let from = to.checked_sub_months(Months::new(72)).unwrap_or(NaiveDate::MIN);
        let mut disclosures: Vec<Disclosure> = self
            .disclosures(client_code)?
            .into_iter()
            .filter(|disclosure| !disclosure.imported)
            .filter(|disclosure| from <= disclosure.disclosed_on && disclosure.disclosed_on <= to)
            .collect();
        disclosures.reverse();
        audit::append(self.connection(), &NewEvent::new(EventKind::AccountingProduced).about("client", client.id))?;
        Ok(Accounting { client_code: client.code, from, to, disclosures })
    }

    fn consent(&self, id: i64) -> Result<Consent> {
        self.connection()
            .query_row(&format!("{CONSENT_SELECT} WHERE id = ?1"), [id], row_to_consent)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "consent", id: id.to_string() })
    }

    fn disclosure(&self, id: i64) -> Result<Disclosure> {
        let mut disclosure = self
            .connection()
            .query_row(
                "SELECT id, disclosed_on, recipient_name, recipient_address, purpose, purpose_detail, description,
                        consent_id, client_informed, not_informed_reason, imported
                 FROM disclosure WHERE id = ?1",
                [id],
                |row| {
                    Ok(Disclosure {
                        id: row.get(0)?,
                        disclosed_on: date(&row.get::<_, String>(1)?),
                        recipient_name: row.get(2)?,
                        recipient_address: row.get(3)?,
                        purpose: parse_name(&row.get::<_, String>(4)?).unwrap_or(DisclosurePurpose::Other),
                        purpose_detail: row.get(5)?,
                        description: row.get(6)?,
                        consent_id: row.get(7)?,
                        note_ids: Vec::new(),
                        client_informed: row.get(8)?,
                        not_informed_reason: row.get(9)?,
                        imported: row.get(10)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "disclosure", id: id.to_string() })?;
        let mut statement = self
            .connection()
            .prepare("SELECT note_id FROM disclosure_note WHERE disclosure_id = ?1 ORDER BY note_id")?;
        disclosure.note_ids = statement.query_map([id], |row| row.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(disclosure)
    }
}

const CONSENT_SELECT: &str =
    "SELECT id, kind, form_version, signed_date, expires_date, scope, recipient, revoked_date, purpose FROM consent";

fn row_to_consent(row: &rusqlite::Row<'_>) -> rusqlite::Result<Consent> {
    Ok(Consent {
        id: row.get(0)?,
        kind: parse_name(&row.get::<_, String>(1)?).unwrap_or(ConsentKind::Treatment),
        form_version: row.get(2)?,
        signed_date: date(&row.get::<_, String>(3)?),
        expires_date: row.get::<_, Option<String>>(4)?.map(|text| date(&text)),
        scope: row.get(5)?,
        recipient: row.get(6)?,
        revoked_date: row.get::<_, Option<String>>(7)?.map(|text| date(&text)),
        purpose: row.get(8)?,
    })
}

pub(crate) fn name_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

fn parse_name<T: for<'de> Deserialize<'de>>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::from(name)).ok()
}

pub(crate) fn required(field: &'static str, text: &str, maximum: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::InvalidInput { field, problem: "cannot be empty".to_owned() });
    }
    if text.chars().count() > maximum {
        return Err(Error::InvalidInput { field, problem: format!("use at most {maximum} characters") });
    }
    Ok(text.to_owned())
}

pub(crate) fn optional(field: &'static str, text: Option<String>, maximum: usize) -> Result<Option<String>> {
    match text.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => required(field, text, maximum).map(Some),
        None => Ok(None),
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}
