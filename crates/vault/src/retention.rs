//! Retention and destruction: when a client's record may be destroyed (by default
//! seven years after the last service; for minors three years after the age of
//! majority, whichever is later; both configurable), the "due for destruction"
//! list, and destruction itself — every row and index entry gone, the file
//! rewritten, and a record of the destruction without PHI.

use chrono::{Months, NaiveDate, SecondsFormat, Utc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::audit::{self, EventKind, NewEvent};
use crate::clients::{Client, ClientStatus};
use crate::vault::Vault;
use crate::{Error, Result};

/// How long records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Years after the last service (APA: 7).
    pub years_after_last_service: u32,
    /// Age of majority (usually 18).
    pub age_of_majority: u32,
    /// Years after the client reaches majority (APA: 3).
    pub years_after_majority: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { years_after_last_service: 7, age_of_majority: 18, years_after_majority: 3 }
    }
}

impl RetentionPolicy {
    /// The date until which a client's record must be kept: the date set by hand
    /// (with a reason) if there is one, else the policy's.
    pub fn retention_date(&self, client: &Client) -> Option<NaiveDate> {
        if client.retention_override_date.is_some() {
            return client.retention_override_date;
        }
        let last_service = client.last_service_date.or(client.intake_date)?;
        let after_service = add_years(last_service, self.years_after_last_service);
        let after_majority =
            client.birth_date.map(|birth| add_years(birth, self.age_of_majority + self.years_after_majority));
        Some(after_majority.map_or(after_service, |majority| majority.max(after_service)))
    }
}

fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(years * 12)).unwrap_or(NaiveDate::MAX)
}

/// A client whose retention period has ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueClient {
    /// Code.
    pub code: String,
    /// Keep until.
    pub retention_date: NaiveDate,
    /// Whether the date was set by hand.
    pub overridden: bool,
    /// Last session.
    pub last_service_date: Option<NaiveDate>,
}

/// What a destruction removed (no PHI): also written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestructionRecord {
    /// The client's code.
    pub client_code: String,
    /// First session date.
    pub first_session: Option<NaiveDate>,
    /// Last session date.
    pub last_session: Option<NaiveDate>,
    /// Notes removed.
    pub n_notes: u64,
    /// Addenda removed.
    pub n_addenda: u64,
    /// Consents removed.
    pub n_consents: u64,
    /// Disclosures removed.
    pub n_disclosures: u64,
    /// When (RFC 3339).
    pub destroyed_at: String,
}

impl Vault {
    /// The retention policy in force.
    pub fn retention_policy(&self) -> Result<RetentionPolicy> {
        let stored: Option<String> = self
            .connection()
            .query_row("SELECT value FROM setting WHERE name = 'retention_policy'", [], |row| row.get(0))
            .ok();
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default())
    }

    /// Changes the retention policy (years 1–30, majority 14–25).
    pub fn set_retention_policy(&mut self, policy: RetentionPolicy) -> Result<()> {
        if !(1..=30).contains(&policy.years_after_last_service)
            || !(0..=30).contains(&policy.years_after_majority)
            || !(14..=25).contains(&policy.age_of_majority)
        {
            return Err(Error::InvalidSetting {
                name: "retention policy",
                allowed: "1 to 30 years after last service, 0 to 30 after majority, majority at 14 to 25",
            });
        }
        let json = serde_json::to_string(&policy).unwrap_or_default();
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "INSERT INTO setting (name, value) VALUES ('retention_policy', ?1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged).with_detail(serde_json::json!({ "setting": "retention_policy" })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The date until which this client's record is kept (override or policy).
    pub fn retention_date(&self, client: &Client) -> Result<Option<NaiveDate>> {
        Ok(self.retention_policy()?.retention_date(client))
    }

    /// Sets a client's retention date by hand; a reason is required (e.g. a legal hold).
    pub fn override_retention(&mut self, client_code: &str, keep_until: NaiveDate, reason: &str) -> Result<()> {
        let client = self.client_by_code(client_code)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1_000 {
            return Err(Error::InvalidInput {
                field: "reason",
                problem: "say why, in at most 1000 characters".to_owned(),
            });
        }
        let transaction = self.connection_mut().transaction()?;
        transaction.execute(
            "UPDATE client SET retention_override_date = ?2, retention_override_reason = ?3 WHERE id = ?1",
            params![client.id, keep_until.to_string(), reason],
        )?;
        audit::append(&transaction, &NewEvent::new(EventKind::RetentionOverridden).about("client", client.id))?;
        transaction.commit()?;
        Ok(())
    }

    /// Clients whose retention date is on or before `today`, oldest first.
    pub fn due_for_destruction(&self, today: NaiveDate) -> Result<Vec<DueClient>> {
        let policy = self.retention_policy()?;
        let mut due: Vec<DueClient> = self
            .clients()?
            .into_iter()
            // A client still in treatment is never due, whatever the dates say:
            // discharge first, then the retention clock decides.
            .filter(|client| client.status == ClientStatus::Discharged)
            .filter_map(|client| {
                let retention_date = policy.retention_date(&client).filter(|date| *date <= today)?;
                Some(DueClient {
                    code: client.code,
                    retention_date,
                    overridden: client.retention_override_date.is_some(),
                    last_service_date: client.last_service_date,
                })
            })
            .collect();
        due.sort_by_key(|client| client.retention_date);
        Ok(due)
    }

    /// Destroys a client's whole record. `confirmation` must be the client's code.
    /// Deletes every row and search-index entry, merges the index, rewrites the
    /// file (`VACUUM`, with `secure_delete` on) and empties the WAL, then writes a
    /// destruction record without PHI to the audit log.
    pub fn destroy_client(&mut self, client_code: &str, confirmation: &str) -> Result<DestructionRecord> {
        let client = self.client_by_code(client_code)?;
        if !confirmation.trim().eq_ignore_ascii_case(&client.code) {
            return Err(Error::DestructionNotConfirmed { code: client.code });
        }
        let count = |sql: &str| -> Result<u64> {
            Ok(self.connection().query_row(sql, [client.id], |row| row.get::<_, i64>(0))?.max(0).unsigned_abs())
        };
        let n_notes = count("SELECT count(*) FROM note WHERE client_id = ?1")?;
        let n_addenda =
            count("SELECT count(*) FROM addendum a JOIN note n ON n.id = a.note_id WHERE n.client_id = ?1")?;
        let n_consents = count("SELECT count(*) FROM consent WHERE client_id = ?1")?;
        let n_disclosures = count("SELECT count(*) FROM disclosure WHERE client_id = ?1")?;
        let span: (Option<String>, Option<String>) = self.connection().query_row(
            "SELECT min(session_date), max(session_date) FROM note WHERE client_id = ?1",
            [client.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let parse = |text: Option<String>| text.and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok());
        let record = DestructionRecord {
            client_code: client.code.clone(),
            first_session: parse(span.0),
            last_session: parse(span.1),
            n_notes,
            n_addenda,
            n_consents,
            n_disclosures,
            destroyed_at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        };

        let transaction = self.connection_mut().transaction()?;
        transaction.execute("INSERT INTO client_destruction (client_id) VALUES (?1)", [client.id])?;
        for statement in [
            "DELETE FROM disclosure_note WHERE disclosure_id IN (SELECT id FROM disclosure WHERE client_id = ?1)",
            "DELETE FROM disclosure_note WHERE note_id IN (SELECT id FROM note WHERE client_id = ?1)",
            "DELETE FROM disclosure WHERE client_id = ?1",
            "DELETE FROM consent WHERE client_id = ?1",
            "DELETE FROM addendum WHERE note_id IN (SELECT id FROM note WHERE client_id = ?1)",
            "DELETE FROM note WHERE client_id = ?1",
            "DELETE FROM client WHERE id = ?1",
            "DELETE FROM client_destruction WHERE client_id = ?1",
        ] {
            transaction.execute(statement, [client.id])?;
        }
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::ClientDestroyed).with_detail(serde_json::to_value(&record).unwrap_or_default()),
        )?;
        transaction.commit()?;
        // Old index segments still hold the deleted words until merged; VACUUM then
        // rewrites every page, and the checkpoint empties the WAL.
        self.connection().execute_batch(
            "INSERT INTO note_fts (note_fts) VALUES ('optimize');
             VACUUM;
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::ClientStatus;

    fn client(birth: Option<&str>, last_service: Option<&str>) -> Client {
        let date = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date");
        Client {
            id: 1,
            code: "C-0001".to_owned(),
            name: None,
            birth_date: birth.map(date),
            contact: None,
            status: ClientStatus::Discharged,
            intake_date: None,
            last_service_date: last_service.map(date),
            n_notes: 1,
            retention_override_date: None,
        }
    }

    #[test]
    fn adults_are_kept_seven_years_after_the_last_service() {
        let policy = RetentionPolicy::default();
        let adult = client(Some("1980-05-01"), Some("2020-03-15"));
        assert_eq!(policy.retention_date(&adult), NaiveDate::from_ymd_opt(2027, 3, 15));
    }

    #[test]
    fn minors_are_kept_until_three_years_after_majority_when_that_is_later() {
        let policy = RetentionPolicy::default();
        // Last seen at 10 in 2020: 2027 by the 7-year rule, but majority (2028) + 3 = 2031.
        let minor = client(Some("2010-06-30"), Some("2020-03-15"));
        assert_eq!(policy.retention_date(&minor), NaiveDate::from_ymd_opt(2031, 6, 30));
        // Seen at 17: 7 years after service (2034) is later than majority + 3 (2031).
        let teenager = client(Some("2010-06-30"), Some("2027-03-15"));
        assert_eq!(policy.retention_date(&teenager), NaiveDate::from_ymd_opt(2034, 3, 15));
    }

    #[test]
    fn the_numbers_are_configurable_and_a_client_without_sessions_has_no_date() {
        let policy = RetentionPolicy { years_after_last_service: 10, age_of_majority: 21, years_after_majority: 5 };
        assert_eq!(policy.retention_date(&client(None, Some("2020-01-01"))), NaiveDate::from_ymd_opt(2030, 1, 1));
        assert_eq!(
            policy.retention_date(&client(Some("2015-01-01"), Some("2020-01-01"))),
            NaiveDate::from_ymd_opt(2041, 1, 1)
        );
        assert_eq!(policy.retention_date(&client(None, None)), None);
    }

    #[test]
    fn a_date_set_by_hand_wins_over_the_policy() {
        let mut held = client(None, Some("2010-01-01"));
        held.retention_override_date = NaiveDate::from_ymd_opt(2040, 1, 1);
        assert_eq!(RetentionPolicy::default().retention_date(&held), NaiveDate::from_ymd_opt(2040, 1, 1));
    }
}
