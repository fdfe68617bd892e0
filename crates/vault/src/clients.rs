//! Clients: a pseudonymous code shown by default (`C-0001`), optional identifying
//! details, status and dates. Names are optional; codes are what the UI shows.

use chrono::{NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::audit::{self, EventKind, NewEvent};
use crate::vault::Vault;
use crate::{Error, Result};

/// Longest client code.
const MAX_CODE_CHARS: usize = 20;
/// Longest name or contact detail.
const MAX_DETAIL_CHARS: usize = 500;

/// Whether the client is in treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatus {
    /// In treatment.
    Active,
    /// Treatment ended.
    Discharged,
}

impl ClientStatus {
    fn parse(text: &str) -> Self {
        if text == "discharged" { ClientStatus::Discharged } else { ClientStatus::Active }
    }
}

/// What the therapist enters for a new client; everything but the code is optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewClient {
    /// The code; generated (`C-0001`, `C-0002`, …) when absent.
    pub code: Option<String>,
    /// Full name (hidden in discreet mode).
    pub name: Option<String>,
    /// Date of birth (for the minors retention rule).
    pub birth_date: Option<NaiveDate>,
    /// Phone, e-mail or address.
    pub contact: Option<String>,
    /// First session.
    pub intake_date: Option<NaiveDate>,
}

/// A client as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// Row id.
    pub id: i64,
    /// Pseudonymous code.
    pub code: String,
    /// Full name, if recorded.
    pub name: Option<String>,
    /// Date of birth, if recorded.
    pub birth_date: Option<NaiveDate>,
    /// Contact details, if recorded.
    pub contact: Option<String>,
    /// In treatment or discharged.
    pub status: ClientStatus,
    /// First session.
    pub intake_date: Option<NaiveDate>,
    /// Latest session date among the client's notes (empty drafts not counted).
    pub last_service_date: Option<NaiveDate>,
    /// Number of notes (psychotherapy notes and empty drafts not counted).
    pub n_notes: u32,
    /// A retention date set by hand (with a reason), overriding the policy.
    pub retention_override_date: Option<NaiveDate>,
}

/// Changes to a client; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientChanges {
    /// A new code (unique).
    pub code: Option<String>,
    /// A new name (empty clears it).
    pub name: Option<String>,
    /// A new birth date.
    pub birth_date: Option<NaiveDate>,
    /// New contact details (empty clears them).
    pub contact: Option<String>,
    /// Active or discharged.
    pub status: Option<ClientStatus>,
    /// A new intake date.
    pub intake_date: Option<NaiveDate>,
}

impl Vault {
    /// Changes a client's code, details or status (audited, ids only).
    pub fn update_client(&mut self, client_code: &str, changes: ClientChanges) -> Result<Client> {
        let client = self.client_by_code(client_code)?;
        let code = match changes.code {
            Some(code) => check_code(&code)?,
            None => client.code.clone(),
        };
        let name = match changes.name {
            Some(name) => optional_detail("name", Some(name))?,
            None => client.name.clone(),
        };
        let contact = match changes.contact {
            Some(contact) => optional_detail("contact", Some(contact))?,
            None => client.contact.clone(),
        };
        let status = changes.status.unwrap_or(client.status);
        let birth_date = changes.birth_date.or(client.birth_date);
        let intake_date = changes.intake_date.or(client.intake_date);
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let transaction = self.connection_mut().transaction()?;
        let updated = transaction.execute(
            "UPDATE client SET code = ?2, name = ?3, birth_date = ?4, contact = ?5, status = ?6, intake_date = ?7,
                 updated_at = ?8
             WHERE id = ?1",
            params![
                client.id,
                code,
                name,
                birth_date.map(|d| d.to_string()),
                contact,
                if status == ClientStatus::Discharged { "discharged" } else { "active" },
                intake_date.map(|d| d.to_string()),
                now
            ],
        );
        if let Err(error) = updated {
            return Err(match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::ClientCodeTaken { code },
                _ => Error::from(error),
            });
        }
        audit::append(&transaction, &NewEvent::new(EventKind::ClientUpdated).about("client", client.id))?;
        transaction.commit()?;
        self.client_by_id(client.id)
    }

    /// Adds a client; the code must be unique (case-insensitive).
    pub fn add_client(&mut self, new: NewClient) -> Result<Client> {
        let name = optional_detail("name", new.name)?;
        let contact = optional_detail("contact", new.contact)?;
        let transaction = self.connection_mut().transaction()?;
        let code = match new.code {
            Some(code) => check_code(&code)?,
            None => next_code(&transaction)?,
        };
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let inserted = transaction.execute(
            "INSERT INTO client (code, name, birth_date, contact, intake_date, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                code,
                name,
                new.birth_date.map(|d| d.to_string()),
                contact,
                new.intake_date.map(|d| d.to_string()),
                now
            ],
        );
        if let Err(error) = inserted {
            return Err(match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ConstraintViolation) => Error::ClientCodeTaken { code },
                _ => Error::from(error),
            });
        }
        let id = transaction.last_insert_rowid();
        audit::append(&transaction, &NewEvent::new(EventKind::ClientCreated).about("client", id))?;
        transaction.commit()?;
        self.client_by_id(id)
    }

    /// Every client (active first, then by code), without opening any chart.
    pub fn clients(&self) -> Result<Vec<Client>> {
        let mut statement = self.connection().prepare(&format!("{CLIENT_SELECT} ORDER BY c.status, c.code"))?;
        let clients = statement.query_map([], row_to_client)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(clients)
    }

    /// Opens a client's chart by code; the opening is audited.
    pub fn open_client(&mut self, code: &str) -> Result<Client> {
        let client = self.client_by_code(code)?;
        audit::append(self.connection(), &NewEvent::new(EventKind::ChartViewed).about("client", client.id))?;
        Ok(client)
    }

    /// The client with this code (not audited: used to resolve a code).
    pub fn client_by_code(&self, code: &str) -> Result<Client> {
        self.connection()
            .query_row(&format!("{CLIENT_SELECT} WHERE c.code = ?1"), [code.trim()], row_to_client)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "client", id: code.trim().to_owned() })
    }

    pub(crate) fn client_by_id(&self, id: i64) -> Result<Client> {
        self.connection()
            .query_row(&format!("{CLIENT_SELECT} WHERE c.id = ?1"), [id], row_to_client)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "client", id: id.to_string() })
    }
}

/// A client row with its last session and note count. A draft nobody has
/// written in yet (a stray Ctrl+N) is no session: it moves neither.
const CLIENT_SELECT: &str = "SELECT c.id, c.code, c.name, c.birth_date, c.contact, c.status, c.intake_date,
        (SELECT max(n.session_date) FROM note n WHERE n.client_id = c.id AND (n.status = 'signed'
             OR EXISTS (SELECT 1 FROM json_each(n.sections) WHERE trim(value) <> ''))),
        (SELECT count(*) FROM note n WHERE n.client_id = c.id AND n.kind <> 'psychotherapy' AND (n.status = 'signed'
             OR EXISTS (SELECT 1 FROM json_each(n.sections) WHERE trim(value) <> ''))),
        c.retention_override_date
    FROM client c";

fn row_to_client(row: &rusqlite::Row<'_>) -> rusqlite::Result<Client> {
    let date = |text: Option<String>| text.and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok());
    Ok(Client {
        id: row.get(0)?,
        code: row.get(1)?,
        name: row.get(2)?,
        birth_date: date(row.get(3)?),
        contact: row.get(4)?,
        status: ClientStatus::parse(&row.get::<_, String>(5)?),
        intake_date: date(row.get(6)?),
        last_service_date: date(row.get(7)?),
        n_notes: row.get(8)?,
        retention_override_date: date(row.get(9)?),
    })
}

/// The next free `C-NNNN` code.
fn next_code(connection: &Connection) -> Result<String> {
    let highest: Option<i64> = connection.query_row(
        "SELECT max(CAST(substr(code, 3) AS INTEGER)) FROM client WHERE code LIKE 'C-%' AND substr(code, 3) GLOB '[0-9]*'",
        [],
        |row| row.get(0),
    )?;
    Ok(format!("C-{:04}", highest.unwrap_or(0) + 1))
}

pub(crate) fn check_code(code: &str) -> Result<String> {
    let code = code.trim();
    let valid = !code.is_empty()
        && code.chars().count() <= MAX_CODE_CHARS
        && code.chars().all(|character| character.is_ascii_alphanumeric() || character == '-' || character == '_');
    if !valid {
        return Err(Error::InvalidInput {
            field: "client code",
            problem: format!("use 1 to {MAX_CODE_CHARS} letters, digits, dashes or underscores, e.g. C-0142"),
        });
    }
    Ok(code.to_owned())
}

pub(crate) fn optional_detail(field: &'static str, value: Option<String>) -> Result<Option<String>> {
    let value = value.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
    if value.as_ref().is_some_and(|text| text.chars().count() > MAX_DETAIL_CHARS) {
        return Err(Error::InvalidInput { field, problem: format!("use at most {MAX_DETAIL_CHARS} characters") });
    }
    Ok(value)
}
