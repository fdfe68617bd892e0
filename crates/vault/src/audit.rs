//! The audit log: append-only, hash-chained events inside the encrypted database.
//!
//! Each event's hash covers its own fields and the previous event's hash, so
//! editing, removing or reordering any event breaks the chain from there on;
//! SQL triggers refuse UPDATE and DELETE outright. Events hold ids and counts,
//! never record text.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Result;

/// The `previous_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The vault was created.
    VaultCreated,
    /// The vault was unlocked (detail: method).
    VaultUnlocked,
    /// A wrong passphrase or recovery key was tried (recorded at the next unlock).
    UnlockFailed,
    /// The vault was locked (detail: reason).
    VaultLocked,
    /// The passphrase was changed.
    PassphraseChanged,
    /// The data key was rotated (database re-encrypted).
    DataKeyRotated,
    /// The recovery key was used to unlock.
    RecoveryKeyUsed,
    /// Device binding was switched on or off (detail: enabled).
    DeviceBindingChanged,
    /// A setting changed (detail: its name and new value).
    SettingChanged,
    /// vault.keys disagreed with what the database remembers and was repaired.
    KeyFileRepaired,
    /// A new recovery key replaced the old one.
    RecoveryKeyReplaced,
    /// The therapist confirmed the recovery kit was saved.
    RecoveryKitConfirmed,
    /// A client was added (object: client id).
    ClientCreated,
    /// A client's details changed (object: client id).
    ClientUpdated,
    /// A client's chart was opened (object: client id).
    ChartViewed,
    /// A note was created (object: note id).
    NoteCreated,
    /// A draft was saved again (object: note id).
    NoteEdited,
    /// A note was opened (object: note id).
    NoteViewed,
    /// A psychotherapy note was opened, after re-entering the passphrase (object: note id).
    PsychotherapyNoteOpened,
    /// A note was signed (object: note id; detail: content hash).
    NoteSigned,
    /// An addendum was added to a signed note (object: note id; detail: addendum id).
    AddendumAdded,
    /// A draft was deleted (object: note id).
    DraftDeleted,
    /// A search ran (detail: number of results; never the query).
    SearchRun,
    /// A consent was recorded (object: consent id).
    ConsentRecorded,
    /// A consent was revoked (object: consent id).
    ConsentRevoked,
    /// A disclosure was recorded (object: disclosure id).
    DisclosureRecorded,
    /// The accounting of disclosures was produced (object: client id).
    AccountingProduced,
    /// A client's retention date was set by hand (object: client id).
    RetentionOverridden,
    /// A client's record was destroyed (detail: code, date span, counts; no PHI).
    ClientDestroyed,
    /// A client's record was exported to a transfer file (object: client id; detail: counts, file hash).
    RecordExported,
    /// A client's record was imported from a transfer file (object: client id; detail: counts).
    RecordImported,
    /// A chart or note was printed or saved as PDF (object: client id; detail: note id, pages).
    RecordPrinted,
    /// A backup was written and verified (detail: bytes, notes, backups rotated away).
    BackupMade,
    /// The vault was restored from a backup (detail: the backup's time, counts).
    BackupRestored,
}

impl EventKind {
    /// The stable name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::VaultCreated => "vault_created",
            EventKind::VaultUnlocked => "vault_unlocked",
            EventKind::UnlockFailed => "unlock_failed",
            EventKind::VaultLocked => "vault_locked",
            EventKind::PassphraseChanged => "passphrase_changed",
            EventKind::DataKeyRotated => "data_key_rotated",
            EventKind::RecoveryKeyUsed => "recovery_key_used",
            EventKind::DeviceBindingChanged => "device_binding_changed",
            EventKind::SettingChanged => "setting_changed",
            EventKind::KeyFileRepaired => "key_file_repaired",
            EventKind::RecoveryKeyReplaced => "recovery_key_replaced",
            EventKind::RecoveryKitConfirmed => "recovery_kit_confirmed",
            EventKind::ClientCreated => "client_created",
            EventKind::ClientUpdated => "client_updated",
            EventKind::ChartViewed => "chart_viewed",
            EventKind::NoteCreated => "note_created",
            EventKind::NoteEdited => "note_edited",
            EventKind::NoteViewed => "note_viewed",
            EventKind::PsychotherapyNoteOpened => "psychotherapy_note_opened",
            EventKind::NoteSigned => "note_signed",
            EventKind::AddendumAdded => "addendum_added",
            EventKind::DraftDeleted => "draft_deleted",
            EventKind::SearchRun => "search_run",
            EventKind::ConsentRecorded => "consent_recorded",
            EventKind::ConsentRevoked => "consent_revoked",
            EventKind::DisclosureRecorded => "disclosure_recorded",
            EventKind::AccountingProduced => "accounting_produced",
            EventKind::RetentionOverridden => "retention_overridden",
            EventKind::ClientDestroyed => "client_destroyed",
            EventKind::RecordExported => "record_exported",
            EventKind::RecordImported => "record_imported",
            EventKind::RecordPrinted => "record_printed",
            EventKind::BackupMade => "backup_made",
            EventKind::BackupRestored => "backup_restored",
        }
    }
}

/// One event to append. `detail` is a small JSON object of ids, counts and flags.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// When it happened (defaults to now).
    pub occurred_at: DateTime<Utc>,
    /// The kind of object concerned, e.g. `client`.
    pub object_kind: Option<String>,
    /// The object's id.
    pub object_id: Option<String>,
    /// Ids, counts and flags; never record text.
    pub detail: serde_json::Value,
}

impl NewEvent {
    /// An event of `kind`, now, with no object and no detail.
    pub fn new(kind: EventKind) -> Self {
        NewEvent { kind, occurred_at: Utc::now(), object_kind: None, object_id: None, detail: serde_json::json!({}) }
    }

    /// Adds detail fields.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// Names the object concerned (ids only).
    pub fn about(mut self, object_kind: &str, object_id: i64) -> Self {
        self.object_kind = Some(object_kind.to_owned());
        self.object_id = Some(object_id.to_string());
        self
    }

    /// Sets when the event happened.
    pub fn at(mut self, occurred_at: DateTime<Utc>) -> Self {
        self.occurred_at = occurred_at;
        self
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Position in the log, from 1.
    pub seq: i64,
    /// RFC 3339 time, UTC.
    pub occurred_at: String,
    /// Event kind name.
    pub kind: String,
    /// Kind of object concerned.
    pub object_kind: Option<String>,
    /// Id of the object concerned.
    pub object_id: Option<String>,
    /// JSON detail.
    pub detail: String,
    /// Hash of the previous event.
    pub previous_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Events checked.
    pub n_events: u64,
    /// The first event whose hash or link does not match, if any.
    pub first_broken_seq: Option<i64>,
}

impl ChainReport {
    /// Whether every link holds.
    pub fn is_intact(&self) -> bool {
        self.first_broken_seq.is_none()
    }
}

/// Appends an event inside the caller's transaction, linking it to the last one.
pub fn append(connection: &Connection, event: &NewEvent) -> Result<i64> {
    let last: Option<(i64, String)> = connection
        .query_row("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (seq, previous_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let occurred_at = event.occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let detail = event.detail.to_string();
    let hash = event_hash(
        seq,
        &occurred_at,
        event.kind.as_str(),
        event.object_kind.as_deref(),
        event.object_id.as_deref(),
        &detail,
        &previous_hash,
    );
    connection.execute(
        "INSERT INTO audit_event (seq, occurred_at, kind, object_kind, object_id, detail, previous_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, occurred_at, event.kind.as_str(), event.object_kind, event.object_id, detail, previous_hash, hash],
    )?;
    Ok(seq)
}

/// The newest `limit` events, newest first.
pub fn recent(connection: &Connection, limit: u32) -> Result<Vec<AuditEvent>> {
    let mut statement = connection.prepare(
        "SELECT seq, occurred_at, kind, object_kind, object_id, detail, previous_hash, hash
         FROM audit_event ORDER BY seq DESC LIMIT ?1",
    )?;
    let events = statement.query_map([limit], row_to_event)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(events)
}

/// Re-hashes every event in order and names the first broken link.
pub fn verify_chain(connection: &Connection) -> Result<ChainReport> {
    let mut statement = connection.prepare(
        "SELECT seq, occurred_at, kind, object_kind, object_id, detail, previous_hash, hash
         FROM audit_event ORDER BY seq",
    )?;
    let mut rows = statement.query([])?;
    let mut expected_previous = GENESIS_HASH.to_owned();
    let mut expected_seq = 1;
    let mut n_events = 0;
    while let Some(row) = rows.next()? {
        let event = row_to_event(row)?;
        n_events += 1;
        let recomputed = event_hash(
            event.seq,
            &event.occurred_at,
            &event.kind,
            event.object_kind.as_deref(),
            event.object_id.as_deref(),
            &event.detail,
            &event.previous_hash,
        );
        if event.seq != expected_seq || event.previous_hash != expected_previous || event.hash != recomputed {
            return Ok(ChainReport { n_events, first_broken_seq: Some(event.seq) });
        }
        expected_previous = event.hash;
        expected_seq += 1;
    }
    Ok(ChainReport { n_events, first_broken_seq: None })
}

fn row_to_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.get(0)?,
        occurred_at: row.get(1)?,
        kind: row.get(2)?,
        object_kind: row.get(3)?,
        object_id: row.get(4)?,
        detail: row.get(5)?,
        previous_hash: row.get(6)?,
        hash: row.get(7)?,
    })
}

/// SHA-256 over the event's fields, each length-prefixed so no two different
/// events share a byte string.
fn event_hash(
    seq: i64,
    occurred_at: &str,
    kind: &str,
    object_kind: Option<&str>,
    object_id: Option<&str>,
    detail: &str,
    previous_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"confidant audit v1\n");
    let seq = seq.to_string();
    for field in
        [Some(seq.as_str()), Some(occurred_at), Some(kind), object_kind, object_id, Some(detail), Some(previous_hash)]
    {
        match field {
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(u64::MAX.to_be_bytes()),
        }
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with_three_events() -> Connection {
        let connection = Connection::open_in_memory().expect("memory db");
        connection.execute_batch(include_str!("../migrations/0001_vault.sql")).expect("schema");
        for kind in [EventKind::VaultCreated, EventKind::VaultUnlocked, EventKind::VaultLocked] {
            append(&connection, &NewEvent::new(kind)).expect("append");
        }
        connection
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let connection = log_with_three_events();
        let report = verify_chain(&connection).expect("verify");
        assert_eq!(report, ChainReport { n_events: 3, first_broken_seq: None });
        let newest = recent(&connection, 1).expect("recent");
        assert_eq!(newest[0].kind, "vault_locked");
    }

    #[test]
    fn the_log_refuses_updates_and_deletes() {
        let connection = log_with_three_events();
        let update = connection.execute("UPDATE audit_event SET kind = 'vault_created' WHERE seq = 2", []);
        assert!(update.is_err_and(|error| error.to_string().contains("append-only")));
        let delete = connection.execute("DELETE FROM audit_event WHERE seq = 3", []);
        assert!(delete.is_err());
        assert_eq!(verify_chain(&connection).expect("verify").n_events, 3);
    }

    #[test]
    fn a_tampered_event_is_named_as_the_first_broken_link() {
        let connection = log_with_three_events();
        // Someone with the key drops the triggers and edits the middle event.
        connection
            .execute_batch(
                "DROP TRIGGER audit_event_is_append_only_update;
                 UPDATE audit_event SET detail = '{\"method\":\"forged\"}' WHERE seq = 2;",
            )
            .expect("tamper");
        let report = verify_chain(&connection).expect("verify");
        assert_eq!(report.first_broken_seq, Some(2));
    }

    #[test]
    fn a_removed_event_breaks_the_chain() {
        let connection = log_with_three_events();
        connection
            .execute_batch("DROP TRIGGER audit_event_is_append_only_delete; DELETE FROM audit_event WHERE seq = 2;")
            .expect("tamper");
        assert_eq!(verify_chain(&connection).expect("verify").first_broken_seq, Some(3));
    }
}
