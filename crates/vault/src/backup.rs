//! Encrypted backups of the whole vault, their rotation, and restoring them.
//!
//! A backup is one self-contained file, `confidant-<vault>-<UTC time>.cbak`:
//!
//! ```text
//! [the SQLCipher database, byte for byte, still encrypted under the data key]
//! [trailer: JSON — format, version, vault id, times, sizes, and vault.keys]
//! [trailer length: u64, little-endian][magic: "CONFIDANT-BACKUP"]
//! ```
//!
//! The database part is made by checkpointing the write-ahead log into
//! `vault.db` and copying its (encrypted) pages while this process holds the
//! only connection and the vault's lock file: nothing is decrypted, so there is
//! no plaintext intermediate, and it costs about as much as copying the file.
//! The key slots ride along, so the file restores with the passphrase of the
//! day it was made or with the recovery key. `sqlcipher` opens the database
//! part with the raw key, like the vault itself (no lock-in).
//!
//! A backup is written as a hidden `.partial` file, verified (it opens with the
//! key, passes SQLite's integrity check, its audit chain holds) and only then
//! renamed: every `.cbak` file in the folder has passed verification.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Local, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::audit::{self, EventKind, NewEvent};
use crate::device::DeviceKeychain;
use crate::keyfile::{self, KeyFile};
use crate::storage::{self, SCHEMA_VERSION};
use crate::vault::{VaultFileLock, restrict_permissions};
use crate::{Error, Passphrase, RecoveryKey, Result, SecretKey, Vault, VaultLocation};

/// File extension of backup files.
pub const BACKUP_EXTENSION: &str = "cbak";
/// The settings and status file beside the vault (no record content; readable
/// while the vault is locked, so a damaged vault can still find its backups).
pub const SETTINGS_FILE: &str = "backup.json";
/// Backup file names start with this.
const FILE_PREFIX: &str = "confidant-";
const MAGIC: &[u8; 16] = b"CONFIDANT-BACKUP";
const FORMAT_NAME: &str = "confidant-backup";
const FORMAT_VERSION: u32 = 1;
/// The trailer holds a small JSON document and the key file; anything larger is not ours.
const MAX_TRAILER_BYTES: u64 = 256 * 1024;
/// SQLCipher's page size: a database part that is not a whole number of pages is damaged.
const PAGE_BYTES: u64 = 4096;
/// Audit events that change nothing worth backing up (reading, searching, locking).
const NOT_A_CHANGE: &[&str] = &[
    "vault_unlocked",
    "unlock_failed",
    "vault_locked",
    "chart_viewed",
    "note_viewed",
    "psychotherapy_note_opened",
    "search_run",
    "accounting_produced",
    "record_printed",
    "backup_made",
];

/// How many backups to keep: the newest of each of the last `daily` days,
/// `weekly` weeks and `monthly` months that have one (like restic's `forget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Days to keep one backup for.
    pub daily: u32,
    /// ISO weeks to keep one backup for.
    pub weekly: u32,
    /// Months to keep one backup for.
    pub monthly: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { daily: 7, weekly: 4, monthly: 12 }
    }
}

/// Default time between automatic backups while there are changes.
pub const DEFAULT_EVERY_HOURS: u32 = 4;

/// Where backups go, how many to keep, and how the last ones went. Lives in
/// `backup.json` beside the vault; holds a folder path, times, counts and error
/// codes, never record content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupSettings {
    /// The folder the therapist chose; `None` = backups are off.
    pub folder: Option<PathBuf>,
    /// Rotation.
    pub keep: RetentionPolicy,
    /// Automatic backups at most this often while there are changes (1–24 hours).
    pub every_hours: u32,
    /// When the last backup was written and verified.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Its file name.
    pub last_backup_file: Option<String>,
    /// When the last attempt failed, if it failed after the last success.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// The stable error code of that failure.
    pub last_failure_code: Option<String>,
    /// The last audit event (sequence number) that the newest backup includes.
    pub backed_up_through: Option<i64>,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            folder: None,
            keep: RetentionPolicy::default(),
            every_hours: DEFAULT_EVERY_HOURS,
            last_success_at: None,
            last_backup_file: None,
            last_failure_at: None,
            last_failure_code: None,
            backed_up_through: None,
        }
    }
}

impl BackupSettings {
    /// Reads `backup.json` of the vault in `location`; defaults when there is none.
    /// A damaged file reads as the defaults (backups off), which the app shows.
    pub fn read(location: &VaultLocation) -> BackupSettings {
        std::fs::read(location.folder().join(SETTINGS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes `backup.json` atomically.
    pub fn write(&self, location: &VaultLocation) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|_| Error::InvalidInput { field: "backup settings", problem: "cannot encode".into() })?;
        bytes.push(b'\n');
        keyfile::write_atomically(&location.folder().join(SETTINGS_FILE), &bytes, "write backup.json")
    }

    /// Records how a backup to the chosen folder went: a success moves the "last
    /// good backup" and what it includes (`through`: the vault's last change before
    /// it) and clears the failure; a failure is kept with its code until the next
    /// success. The app's schedule and the command line share this.
    pub fn record(&mut self, outcome: &Result<BackupReport>, through: i64, now: DateTime<Utc>) {
        match outcome {
            Ok(report) => {
                self.last_success_at = Some(report.info.created_at);
                self.last_backup_file = Some(report.info.file_name.clone());
                self.backed_up_through = Some(through);
                self.last_failure_at = None;
                self.last_failure_code = None;
            }
            Err(error) => {
                self.last_failure_at = Some(now);
                self.last_failure_code = Some(error.code().to_owned());
            }
        }
    }

    /// Checks the choices a person can make.
    pub fn validate(&self) -> Result<()> {
        if !(1..=24).contains(&self.every_hours) {
            return Err(Error::InvalidSetting { name: "backup interval", allowed: "between 1 and 24 hours" });
        }
        let keep = self.keep;
        if keep.daily + keep.weekly + keep.monthly == 0 || keep.daily > 366 || keep.weekly > 520 || keep.monthly > 600 {
            return Err(Error::InvalidSetting {
                name: "backups to keep",
                allowed: "at least one, at most 366 daily, 520 weekly and 600 monthly",
            });
        }
        if let Some(folder) = &self.folder
            && !folder.is_absolute()
        {
            return Err(Error::InvalidSetting {
                name: "backup folder",
                allowed: "a full path, e.g. /media/usb/backups",
            });
        }
        Ok(())
    }
}

/// What a backup file says about itself, readable without any key.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupInfo {
    /// Where the file is.
    pub path: PathBuf,
    /// Its name.
    pub file_name: String,
    /// The vault it belongs to.
    pub vault_id: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The schema version of its database.
    pub schema_version: i64,
    /// The file's size.
    pub bytes: u64,
}

/// What is inside a backup, known after opening it with a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupContents {
    /// Clients.
    pub clients: u64,
    /// Notes (drafts and signed).
    pub notes: u64,
    /// Signed notes (counted by the full check of a preview or restore, not right after a backup).
    pub signed_notes: Option<u64>,
    /// The latest session date of any note (YYYY-MM-DD; also from the full check).
    pub newest_session_date: Option<String>,
    /// Audit events, all of whose links were checked.
    pub audit_events: u64,
}

/// A backup that was written and verified.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The new backup.
    pub info: BackupInfo,
    /// What it holds.
    pub contents: BackupContents,
    /// Older backups removed by the rotation (file names).
    pub removed: Vec<String>,
    /// How long writing and verifying took.
    pub took: Duration,
}

/// How to open a backup for restoring.
#[derive(Debug)]
pub enum RestoreKey<'a> {
    /// The passphrase the vault had when the backup was made.
    Passphrase(&'a Passphrase),
    /// The recovery key, and the new passphrase to set.
    RecoveryKey {
        /// The recovery key from the kit.
        recovery_key: &'a RecoveryKey,
        /// The passphrase the restored vault will have.
        new_passphrase: &'a Passphrase,
    },
}

/// Where a restore goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTarget {
    /// A folder with no vault in it (a new laptop, or a side-by-side look).
    NewVault,
    /// The vault already in the folder; its files are first copied aside.
    ReplaceExisting,
}

/// A restored vault, unlocked.
#[derive(Debug)]
pub struct Restored {
    /// The vault, open.
    pub vault: Vault,
    /// What the backup held.
    pub contents: BackupContents,
    /// Where the replaced vault's files were copied first, if any.
    pub safety_copy: Option<PathBuf>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    format: String,
    version: u32,
    vault_id: String,
    created_at: DateTime<Utc>,
    app_version: String,
    schema_version: i64,
    database_bytes: u64,
    /// The vault's `vault.keys`, verbatim.
    keys: String,
}

#[cfg(feature = "test-util")]
thread_local! {
    static DAMAGE_NEXT_BACKUP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The next backup made on this thread is damaged on the drive between writing
/// and checking it, as a failing USB stick would: for tests of that check.
#[cfg(feature = "test-util")]
pub fn damage_next_backup_for_tests() {
    DAMAGE_NEXT_BACKUP.with(|flag| flag.set(true));
}

#[cfg(feature = "test-util")]
fn damage_if_asked(path: &Path) {
    if DAMAGE_NEXT_BACKUP.with(|flag| flag.replace(false)) {
        let mut bytes = std::fs::read(path).expect("the backup just written");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x40;
        std::fs::write(path, bytes).expect("damage the backup");
    }
}

impl Vault {
    /// Writes a verified backup of this vault into `folder`, then removes older
    /// backups of this vault that `keep` no longer asks for. The folder must
    /// exist: a missing folder is usually an unplugged drive, and creating it
    /// would put the backup on the laptop's own disk.
    pub fn back_up_to(&mut self, folder: &Path, keep: RetentionPolicy) -> Result<BackupReport> {
        let started = Instant::now();
        check_backup_folder(folder)?;
        let created_at = Utc::now();
        let vault_id = self.vault_id().to_owned();
        let file_name = unused_file_name(folder, &vault_id, created_at);
        let final_path = folder.join(&file_name);
        let partial_path = folder.join(format!(".{file_name}.partial"));
        let written = self.write_backup(&partial_path, created_at).and_then(|written| {
            #[cfg(feature = "test-util")]
            damage_if_asked(&partial_path);
            verify_written(&partial_path, &written, self.data_key()).map_err(|_| Error::BackupDamaged {
                reason: "the copy just written does not verify; check the drive",
            })?;
            std::fs::rename(&partial_path, &final_path).map_err(folder_error)?;
            keyfile::sync_folder(folder).map_err(folder_error)?;
            Ok((written.file_bytes, written.contents))
        });
        let (bytes, contents) = match written {
            Ok(done) => done,
            Err(error) => {
                let _ = std::fs::remove_file(&partial_path);
                return Err(error);
            }
        };
        let removed = rotate(folder, &vault_id, keep, &file_name);
        audit::append(
            self.connection(),
            &NewEvent::new(EventKind::BackupMade).with_detail(serde_json::json!({
                "bytes": bytes,
                "notes": contents.notes,
                "removed": removed.len(),
            })),
        )?;
        let info =
            BackupInfo { path: final_path, file_name, vault_id, created_at, schema_version: SCHEMA_VERSION, bytes };
        Ok(BackupReport { info, contents, removed, took: started.elapsed() })
    }

    /// The sequence number of the newest audit event that changed the record
    /// (reads, searches and locks do not count): backups are due after changes.
    pub fn last_change(&self) -> Result<i64> {
        let placeholders = NOT_A_CHANGE.iter().map(|kind| format!("'{kind}'")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT coalesce(max(seq), 0) FROM audit_event WHERE kind NOT IN ({placeholders})");
        Ok(self.connection().query_row(&sql, [], |row| row.get(0))?)
    }

    /// Copies the checkpointed database (in the kernel, like `cp`) and appends the
    /// trailer; syncs the file.
    fn write_backup(&mut self, partial_path: &Path, created_at: DateTime<Utc>) -> Result<Written> {
        // Everything committed moves from the write-ahead log into vault.db. This
        // process holds the only connection (and vault.lock), so nothing writes
        // between here and the end of the copy.
        let busy: i64 = self.connection().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
        if busy != 0 {
            return Err(Error::VaultInUse);
        }
        let keys = String::from_utf8(self.keys_mut().to_bytes()?)
            .map_err(|_| Error::KeyFileDamaged { reason: "cannot encode" })?;
        let contents = live_contents(self.connection())?;
        let mut source = File::open(self.location().database_path()).map_err(Error::io("read vault.db"))?;
        let database_bytes = source.metadata().map_err(Error::io("read vault.db"))?.len();
        let mut out = OpenOptions::new().write(true).create_new(true).open(partial_path).map_err(folder_error)?;
        restrict_permissions(partial_path, 0o600);
        let copied = std::io::copy(&mut source, &mut out).map_err(folder_error)?;
        if copied != database_bytes {
            return Err(Error::Io { action: "copy vault.db", source: std::io::Error::other("vault.db changed size") });
        }
        let trailer = Trailer {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            vault_id: self.vault_id().to_owned(),
            created_at,
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema_version: SCHEMA_VERSION,
            database_bytes,
            keys,
        };
        let json = serde_json::to_vec(&trailer)
            .map_err(|_| Error::BackupDamaged { reason: "cannot encode the backup's description" })?;
        out.write_all(&json).map_err(folder_error)?;
        out.write_all(&(json.len() as u64).to_le_bytes()).map_err(folder_error)?;
        out.write_all(MAGIC).map_err(folder_error)?;
        out.sync_all().map_err(folder_error)?;
        Ok(Written {
            file_bytes: database_bytes + json.len() as u64 + 8 + MAGIC.len() as u64,
            database_bytes,
            source: self.location().database_path(),
            contents,
        })
    }
}

/// Read size for copying and hashing.
const COPY_CHUNK: usize = 1 << 20;

/// What writing a backup produced, for its verification.
struct Written {
    file_bytes: u64,
    database_bytes: u64,
    /// The database file copied (unchanged since: this process holds the only
    /// connection until the backup is verified).
    source: PathBuf,
    contents: BackupContents,
}

/// The verification right after writing, sized to run on every backup: the
/// database part is read back from the file and must equal, byte for byte, the
/// database it was copied from (whose pages SQLCipher authenticates on every read
/// and which passed the full integrity check at unlock); the trailer must read;
/// and the copy must open with the key, at this schema, with an intact audit
/// chain of the expected length. The full check of every page and of the b-trees
/// runs when a backup is previewed or restored ([`verify_database`]).
fn verify_written(path: &Path, written: &Written, data_key: &SecretKey) -> Result<()> {
    let mut file = open_backup_file(path)?;
    let (trailer, _) = read_trailer(&mut file)?;
    if trailer.database_bytes != written.database_bytes {
        return Err(Error::BackupDamaged { reason: "the file is truncated" });
    }
    file.seek(SeekFrom::Start(0)).map_err(Error::io("read the backup file"))?;
    let mut copy = file.take(written.database_bytes);
    let mut original = File::open(&written.source).map_err(Error::io("read vault.db"))?.take(written.database_bytes);
    let (mut left, mut right) = (vec![0u8; COPY_CHUNK], vec![0u8; COPY_CHUNK]);
    loop {
        let read = read_full(&mut copy, &mut left).map_err(Error::io("read the backup file"))?;
        let expected = read_full(&mut original, &mut right).map_err(Error::io("read vault.db"))?;
        if read != expected || left[..read] != right[..expected] {
            return Err(Error::BackupDamaged { reason: "the file does not hold what was written" });
        }
        if read == 0 {
            break;
        }
    }
    let connection = open_read_only(path, data_key)?;
    let damaged = |_| Error::BackupDamaged { reason: "its database does not open with this key" };
    connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)).map_err(damaged)?;
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(damaged)?;
    if version != SCHEMA_VERSION {
        return Err(Error::BackupDamaged { reason: "its schema version is not this vault's" });
    }
    let chain = audit::verify_chain(&connection)
        .map_err(|_| Error::BackupDamaged { reason: "its audit log cannot be read" })?;
    if !chain.is_intact() || chain.n_events != written.contents.audit_events {
        return Err(Error::BackupDamaged { reason: "its audit log does not verify" });
    }
    Ok(())
}

/// Reads until `buffer` is full or the input ends; returns how much was read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// The counts a backup report shows, from the open vault before copying (the
/// copy is byte for byte the same database); served by indexes, no table scan.
fn live_contents(connection: &Connection) -> Result<BackupContents> {
    let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).map(|count| count.max(0) as u64);
    Ok(BackupContents {
        clients: count("SELECT count(*) FROM client")?,
        notes: count("SELECT count(*) FROM note")?,
        signed_notes: None,
        newest_session_date: None,
        audit_events: count("SELECT count(*) FROM audit_event")?,
    })
}

/// Reads what a backup file says about itself (no key needed).
pub fn read_backup_info(path: &Path) -> Result<BackupInfo> {
    let mut file = open_backup_file(path)?;
    let (trailer, bytes) = read_trailer(&mut file)?;
    Ok(BackupInfo {
        path: path.to_owned(),
        file_name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        vault_id: trailer.vault_id,
        created_at: trailer.created_at,
        schema_version: trailer.schema_version,
        bytes,
    })
}

/// One file in a backup folder: a readable backup or a damaged one.
#[derive(Debug)]
pub enum ListedBackup {
    /// A backup whose description reads.
    Readable(BackupInfo),
    /// A `.cbak` file that is not readable as a backup.
    Damaged {
        /// Where it is.
        path: PathBuf,
        /// Why not.
        error: Error,
    },
}

/// The backups in `folder`, newest first; `vault_id` keeps only that vault's.
pub fn list_backups(folder: &Path, vault_id: Option<&str>) -> Result<Vec<ListedBackup>> {
    check_folder_exists(folder)?;
    let entries = std::fs::read_dir(folder).map_err(folder_error)?;
    let mut listed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(FILE_PREFIX) || path.extension().is_none_or(|extension| extension != BACKUP_EXTENSION) {
            continue;
        }
        match read_backup_info(&path) {
            Ok(info) if vault_id.is_none_or(|id| id == info.vault_id) => listed.push(ListedBackup::Readable(info)),
            Ok(_) => {}
            Err(error) => listed.push(ListedBackup::Damaged { path, error }),
        }
    }
    listed.sort_by_key(|listed| std::cmp::Reverse(sort_key(listed)));
    Ok(listed)
}

fn sort_key(listed: &ListedBackup) -> (Option<DateTime<Utc>>, PathBuf) {
    match listed {
        ListedBackup::Readable(info) => (Some(info.created_at), info.path.clone()),
        ListedBackup::Damaged { path, .. } => (None, path.clone()),
    }
}

/// The newest readable backup of `vault_id` in `folder`, if any.
pub fn newest_backup(folder: &Path, vault_id: &str) -> Result<Option<BackupInfo>> {
    Ok(list_backups(folder, Some(vault_id))?.into_iter().find_map(|listed| match listed {
        ListedBackup::Readable(info) => Some(info),
        ListedBackup::Damaged { .. } => None,
    }))
}

/// Opens a backup with a key and checks it through (integrity, audit chain):
/// what a restore would bring back. Changes nothing.
pub fn preview_backup(
    path: &Path,
    key: &RestoreKey<'_>,
    keychain: &dyn DeviceKeychain,
) -> Result<(BackupInfo, BackupContents)> {
    let info = read_backup_info(path)?;
    let opened = open_backup(path, key, keychain)?;
    let contents = verify_database(path, &opened.data_key, Some(&opened.trailer.vault_id))?;
    Ok((info, contents))
}

/// Restores a backup into `into` and returns the vault unlocked.
///
/// The backup is checked through before anything in `into` changes. Replacing
/// an existing vault first copies its files into `before-restore-<time>/` in
/// the vault folder, so a wrong choice can be undone.
pub fn restore_backup(
    path: &Path,
    into: &VaultLocation,
    key: &RestoreKey<'_>,
    target: RestoreTarget,
    keychain: Arc<dyn DeviceKeychain>,
) -> Result<Restored> {
    if let RestoreKey::RecoveryKey { new_passphrase, .. } = key {
        // Checked before anything changes: the unlock at the end would refuse it.
        crate::strength::require_strong(new_passphrase)?;
    }
    let opened = open_backup(path, key, keychain.as_ref())?;
    let contents = verify_database(path, &opened.data_key, Some(&opened.trailer.vault_id))?;
    let safety_copy = {
        let _exclusive = prepare_target(into, target, &opened.trailer.vault_id)?;
        let safety_copy = if target == RestoreTarget::ReplaceExisting { Some(copy_aside(into)?) } else { None };
        put_files_in_place(path, into, &opened)?;
        safety_copy
    };
    let vault = match key {
        RestoreKey::Passphrase(passphrase) => Vault::unlock(into, passphrase, keychain)?,
        RestoreKey::RecoveryKey { recovery_key, new_passphrase } => {
            Vault::recover(into, recovery_key, new_passphrase, keychain)?
        }
    };
    audit::append(
        vault.connection(),
        &NewEvent::new(EventKind::BackupRestored).with_detail(serde_json::json!({
            "backup_created_at": opened.trailer.created_at.to_rfc3339(),
            "replaced_existing": safety_copy.is_some(),
            "notes": contents.notes,
        })),
    )?;
    Ok(Restored { vault, contents, safety_copy })
}

/// Replaces a missing or damaged `vault.keys` with the key slots carried by a
/// backup of the same vault, keeping the (newer) database. The damaged file is
/// kept as `vault.keys.damaged-<time>`. Unlock afterwards with the passphrase of
/// the day the backup was made, or the recovery key. If the data key was
/// rotated after that backup, the vault will not open: restore the whole backup.
pub fn restore_key_file(path: &Path, into: &VaultLocation) -> Result<()> {
    let mut file = open_backup_file(path)?;
    let (trailer, _) = read_trailer(&mut file)?;
    let keys = KeyFile::parse(trailer.keys.as_bytes())?;
    if !into.database_path().exists() {
        return Err(Error::VaultNotFound);
    }
    let _exclusive = VaultFileLock::acquire(into)?;
    let key_path = into.key_file_path();
    if let Ok(current) = KeyFile::read(&key_path)
        && current.vault_id != keys.vault_id
    {
        return Err(Error::BackupOfAnotherVault);
    }
    if key_path.exists() {
        let aside = into.folder().join(format!("vault.keys.damaged-{}", stamp(Utc::now())));
        std::fs::rename(&key_path, aside).map_err(Error::io("move the damaged vault.keys aside"))?;
    }
    keyfile::write_atomically(&key_path, trailer.keys.as_bytes(), "write vault.keys")
}

/// The backup file's key slots, opened with the key given: the data key.
struct OpenedBackup {
    trailer: Trailer,
    data_key: SecretKey,
}

fn open_backup(path: &Path, key: &RestoreKey<'_>, keychain: &dyn DeviceKeychain) -> Result<OpenedBackup> {
    let mut file = open_backup_file(path)?;
    let (trailer, _) = read_trailer(&mut file)?;
    if trailer.schema_version > SCHEMA_VERSION {
        return Err(Error::VaultTooNew { found: trailer.schema_version, supported: SCHEMA_VERSION });
    }
    let keys = KeyFile::parse(trailer.keys.as_bytes())
        .map_err(|_| Error::BackupDamaged { reason: "its key slots are damaged" })?;
    if keys.vault_id != trailer.vault_id {
        return Err(Error::BackupDamaged { reason: "its key slots belong to another vault" });
    }
    let data_key = match key {
        RestoreKey::Passphrase(passphrase) => {
            let device_secret = if keys.is_device_bound() {
                Some(keychain.load(&keys.vault_id)?.ok_or(Error::DeviceSecretMissing)?)
            } else {
                None
            };
            keys.open_passphrase_slot(passphrase, device_secret.as_ref())?
        }
        RestoreKey::RecoveryKey { recovery_key, .. } => keys.open_recovery_slot(recovery_key)?,
    };
    Ok(OpenedBackup { trailer, data_key })
}

fn open_backup_file(path: &Path) -> Result<File> {
    // A missing file is a path that does not exist (an unplugged drive), not a
    // record that was deleted: the UI says "check the drive", not "refresh".
    File::open(path).map_err(Error::io("read the backup file"))
}

/// Reads and checks the trailer; returns it and the file's size.
fn read_trailer(file: &mut File) -> Result<(Trailer, u64)> {
    const TAIL: u64 = 8 + 16;
    let length = file.metadata().map_err(Error::io("read the backup file"))?.len();
    if length < TAIL + PAGE_BYTES {
        return Err(Error::BackupDamaged { reason: "the file is too short to be a backup" });
    }
    let mut tail = [0u8; TAIL as usize];
    file.seek(SeekFrom::End(-(TAIL as i64))).map_err(Error::io("read the backup file"))?;
    file.read_exact(&mut tail).map_err(Error::io("read the backup file"))?;
    if &tail[8..] != MAGIC {
        return Err(Error::BackupDamaged { reason: "it is not a confidant backup, or its end is missing" });
    }
    let trailer_bytes = u64::from_le_bytes(tail[..8].try_into().unwrap_or_default());
    if trailer_bytes == 0 || trailer_bytes > MAX_TRAILER_BYTES || trailer_bytes + TAIL > length {
        return Err(Error::BackupDamaged { reason: "its description has an impossible size" });
    }
    let mut json = vec![0u8; trailer_bytes as usize];
    file.seek(SeekFrom::End(-((trailer_bytes + TAIL) as i64))).map_err(Error::io("read the backup file"))?;
    file.read_exact(&mut json).map_err(Error::io("read the backup file"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&json).map_err(|_| Error::BackupDamaged { reason: "its description is damaged" })?;
    if value.get("format").and_then(|format| format.as_str()) != Some(FORMAT_NAME) {
        return Err(Error::BackupDamaged { reason: "it is not a confidant backup" });
    }
    match value.get("version").and_then(|version| version.as_u64()) {
        Some(version) if version == u64::from(FORMAT_VERSION) => {}
        Some(version) if version > u64::from(FORMAT_VERSION) => {
            return Err(Error::BackupDamaged {
                reason: "it was made by a newer version of confidant; update confidant",
            });
        }
        _ => return Err(Error::BackupDamaged { reason: "its format version is unknown" }),
    }
    let trailer: Trailer =
        serde_json::from_value(value).map_err(|_| Error::BackupDamaged { reason: "its description is damaged" })?;
    if trailer.database_bytes + trailer_bytes + TAIL != length {
        return Err(Error::BackupDamaged { reason: "the file is truncated or has extra bytes" });
    }
    if trailer.database_bytes == 0 || !trailer.database_bytes.is_multiple_of(PAGE_BYTES) {
        return Err(Error::BackupDamaged { reason: "its database part has an impossible size" });
    }
    Ok((trailer, length))
}

/// Opens the database part of a backup read-only and checks it through: every
/// page decrypts and authenticates, SQLite's quick check passes, the audit chain
/// holds, the schema is one this build reads. Returns what it holds.
fn verify_database(path: &Path, data_key: &SecretKey, vault_id: Option<&str>) -> Result<BackupContents> {
    let mut file = open_backup_file(path)?;
    let (trailer, _) = read_trailer(&mut file)?;
    drop(file);
    if vault_id.is_some_and(|id| id != trailer.vault_id) {
        return Err(Error::BackupOfAnotherVault);
    }
    let connection = open_read_only(path, data_key)?;
    let damaged = |_| Error::BackupDamaged { reason: "its database does not open with this key; the file is damaged" };
    connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)).map_err(damaged)?;
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::VaultTooNew { found: version, supported: SCHEMA_VERSION });
    }
    let verdict: Vec<String> = {
        let mut statement = connection.prepare("PRAGMA quick_check").map_err(damaged)?;
        statement.query_map([], |row| row.get(0)).map_err(damaged)?.collect::<rusqlite::Result<_>>().map_err(damaged)?
    };
    if verdict != ["ok"] {
        return Err(Error::BackupDamaged { reason: "its database fails the integrity check" });
    }
    let chain = audit::verify_chain(&connection)
        .map_err(|_| Error::BackupDamaged { reason: "its audit log cannot be read" })?;
    if !chain.is_intact() {
        return Err(Error::BackupDamaged { reason: "its audit log does not verify" });
    }
    let count = |sql: &str| connection.query_row(sql, [], |row| row.get::<_, i64>(0)).map(|count| count.max(0) as u64);
    Ok(BackupContents {
        clients: count("SELECT count(*) FROM client")?,
        notes: count("SELECT count(*) FROM note")?,
        signed_notes: Some(count("SELECT count(*) FROM note WHERE status = 'signed'")?),
        newest_session_date: connection
            .query_row("SELECT max(session_date) FROM note", [], |row| row.get::<_, Option<String>>(0))
            .optional()?
            .flatten(),
        audit_events: chain.n_events,
    })
}

/// The database part of a backup file, opened read-only and immutable (no
/// journal or lock files appear beside it); the trailer after the last page is
/// never read by SQLite.
fn open_read_only(path: &Path, data_key: &SecretKey) -> Result<Connection> {
    storage::initialize_sqlcipher();
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
    let connection = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    storage::cipher_version(&connection)?;
    storage::apply_key(&connection, data_key, "key")?;
    Ok(connection)
}

/// Percent-encodes a path for an SQLite URI.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Checks the destination and takes its lock file.
fn prepare_target(into: &VaultLocation, target: RestoreTarget, vault_id: &str) -> Result<VaultFileLock> {
    match target {
        RestoreTarget::NewVault => {
            if into.exists() || into.database_path().exists() {
                return Err(Error::VaultAlreadyExists);
            }
            std::fs::create_dir_all(into.folder()).map_err(Error::io("create the vault folder"))?;
            restrict_permissions(into.folder(), 0o700);
        }
        RestoreTarget::ReplaceExisting => {
            if !into.exists() && !into.database_path().exists() {
                return Err(Error::VaultNotFound);
            }
        }
    }
    let exclusive = VaultFileLock::acquire(into)?;
    if target == RestoreTarget::ReplaceExisting
        && let Ok(current) = KeyFile::read(&into.key_file_path())
        && current.vault_id != vault_id
    {
        return Err(Error::BackupOfAnotherVault);
    }
    Ok(exclusive)
}

/// Copies the vault's files into `before-restore-<time>/` inside its folder.
fn copy_aside(into: &VaultLocation) -> Result<PathBuf> {
    let aside = into.folder().join(format!("before-restore-{}", stamp(Utc::now())));
    std::fs::create_dir(&aside).map_err(Error::io("make the safety copy before restoring"))?;
    restrict_permissions(&aside, 0o700);
    for name in ["vault.db", "vault.db-wal", "vault.db-shm", "vault.keys", SETTINGS_FILE] {
        let from = into.folder().join(name);
        if from.exists() {
            let to = aside.join(name);
            std::fs::copy(&from, &to).map_err(Error::io("make the safety copy before restoring"))?;
            File::open(&to)
                .and_then(|file| file.sync_all())
                .map_err(Error::io("make the safety copy before restoring"))?;
        }
    }
    keyfile::sync_folder(&aside).map_err(Error::io("make the safety copy before restoring"))?;
    Ok(aside)
}

/// Writes the backup's database and key file into the vault folder: the
/// database first as `vault.db.restoring`, synced, then renamed over `vault.db`.
fn put_files_in_place(path: &Path, into: &VaultLocation, opened: &OpenedBackup) -> Result<()> {
    let action = "write the restored vault.db";
    let staging = into.folder().join("vault.db.restoring");
    let mut source = open_backup_file(path)?.take(opened.trailer.database_bytes);
    let mut out = File::create(&staging).map_err(Error::io(action))?;
    restrict_permissions(&staging, 0o600);
    let copied = std::io::copy(&mut source, &mut out).map_err(Error::io(action))?;
    if copied != opened.trailer.database_bytes {
        let _ = std::fs::remove_file(&staging);
        return Err(Error::BackupDamaged { reason: "the file is truncated" });
    }
    out.sync_all().map_err(Error::io(action))?;
    drop(out);
    for stale in ["vault.db-wal", "vault.db-shm"] {
        match std::fs::remove_file(into.folder().join(stale)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(Error::io("remove the replaced vault's journal")(error)),
        }
    }
    std::fs::rename(&staging, into.database_path()).map_err(Error::io(action))?;
    keyfile::write_atomically(&into.key_file_path(), opened.trailer.keys.as_bytes(), "write the restored vault.keys")?;
    keyfile::sync_folder(into.folder()).map_err(Error::io(action))?;
    Ok(())
}

/// Removes backups of `vault_id` that the policy no longer keeps; never the one
/// just written, never files of other vaults or files it cannot read. Also
/// clears `.partial` leftovers of this vault from an interrupted backup.
/// Returns the names removed.
fn rotate(folder: &Path, vault_id: &str, keep: RetentionPolicy, just_written: &str) -> Vec<String> {
    let Ok(listed) = list_backups(folder, Some(vault_id)) else { return Vec::new() };
    let backups: Vec<BackupInfo> = listed
        .into_iter()
        .filter_map(|listed| match listed {
            ListedBackup::Readable(info) => Some(info),
            ListedBackup::Damaged { .. } => None,
        })
        .collect();
    let times: Vec<DateTime<Utc>> = backups.iter().map(|info| info.created_at).collect();
    let kept = backups_to_keep(&times, keep);
    let mut removed = Vec::new();
    for (index, info) in backups.iter().enumerate() {
        if kept[index] || info.file_name == just_written {
            continue;
        }
        if std::fs::remove_file(&info.path).is_ok() {
            removed.push(info.file_name.clone());
        }
    }
    let partial_prefix = format!(".{FILE_PREFIX}{}-", short_id(vault_id));
    if let Ok(entries) = std::fs::read_dir(folder) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&partial_prefix)
                && name.ends_with(".partial")
                && name != format!(".{just_written}.partial")
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    removed
}

/// A calendar period a backup falls in: (year, day / week / month).
type Bucket = dyn Fn(&DateTime<Local>) -> (i32, u32);

/// The newest backups are always kept, whatever the policy: a bad change
/// followed by a backup on lock must not push out the good one made an hour ago.
pub const ALWAYS_KEEP_NEWEST: usize = 3;

/// Which of `times` (newest first) the policy keeps: the three newest always,
/// then the newest of each distinct local day, ISO week and month, up to the
/// policy's counts.
pub fn backups_to_keep(times: &[DateTime<Utc>], keep: RetentionPolicy) -> Vec<bool> {
    let mut kept = vec![false; times.len()];
    for newest in kept.iter_mut().take(ALWAYS_KEEP_NEWEST) {
        *newest = true;
    }
    let local: Vec<DateTime<Local>> = times.iter().map(|time| time.with_timezone(&Local)).collect();
    let buckets: [(u32, &Bucket); 3] = [
        (keep.daily, &|time| (time.year(), time.ordinal())),
        (keep.weekly, &|time| (time.iso_week().year(), time.iso_week().week())),
        (keep.monthly, &|time| (time.year(), time.month())),
    ];
    for (count, bucket) in buckets {
        let mut last = None;
        let mut taken = 0;
        for (index, time) in local.iter().enumerate() {
            if taken >= count {
                break;
            }
            let this = bucket(time);
            if last != Some(this) {
                kept[index] = true;
                last = Some(this);
                taken += 1;
            }
        }
    }
    kept
}

fn short_id(vault_id: &str) -> &str {
    vault_id.get(..8).unwrap_or(vault_id)
}

fn stamp(time: DateTime<Utc>) -> String {
    time.format("%Y%m%dT%H%M%SZ").to_string()
}

fn unused_file_name(folder: &Path, vault_id: &str, created_at: DateTime<Utc>) -> String {
    let base = format!("{FILE_PREFIX}{}-{}", short_id(vault_id), stamp(created_at));
    let mut name = format!("{base}.{BACKUP_EXTENSION}");
    let mut counter = 1;
    while folder.join(&name).exists() {
        counter += 1;
        name = format!("{base}-{counter}.{BACKUP_EXTENSION}");
    }
    name
}

/// The folder's metadata, or why it cannot hold backups.
fn check_folder_exists(folder: &Path) -> Result<std::fs::Metadata> {
    match std::fs::metadata(folder) {
        Ok(metadata) if metadata.is_dir() => Ok(metadata),
        Ok(_) => Err(Error::BackupFolderUnavailable { problem: "is a file, not a folder; choose a folder" }),
        Err(_) => Err(Error::BackupFolderUnavailable { problem: "does not exist (is the drive connected?)" }),
    }
}

/// Whether the folder can take a backup now: it exists, and a small file can be
/// written, synced and removed there (permission bits say nothing on a read-only
/// drive or for root; only writing tells).
pub fn check_backup_folder(folder: &Path) -> Result<()> {
    // Write-protected by its mode (which does not stop root), or by its drive.
    if check_folder_exists(folder)?.permissions().readonly() {
        return Err(Error::BackupFolderUnavailable { problem: "is read-only; choose a folder you can write to" });
    }
    let probe = tempfile::Builder::new().prefix(".confidant-write-check-").tempfile_in(folder).map_err(folder_error)?;
    let mut file = probe.as_file();
    std::io::Write::write_all(&mut file, b"confidant").map_err(folder_error)?;
    file.sync_all().map_err(folder_error)?;
    probe.close().map_err(folder_error)?;
    Ok(())
}

/// A place backups could go, as onboarding and Settings offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FolderSuggestion {
    /// The folder (created when the therapist takes the suggestion).
    pub path: PathBuf,
    /// The drive's name when it is a removable or external drive.
    pub drive: Option<String>,
    /// Whether the folder is there already.
    pub exists: bool,
}

/// The folder name Confidant suggests on a drive or in the home folder.
pub const SUGGESTED_FOLDER_NAME: &str = "Confidant backups";

/// Where backups could go, best first: a folder on each external drive the
/// desktop mounted for `user` (under /media/<user>/ or /run/media/<user>/, from
/// `mount_table`, the text of /proc/mounts), then one in `home` (better than
/// nothing, but it goes with the laptop if the laptop goes).
pub fn suggest_backup_folders(mount_table: &str, user: Option<&str>, home: Option<&Path>) -> Vec<FolderSuggestion> {
    let prefixes: Vec<String> =
        user.map(|user| vec![format!("/media/{user}/"), format!("/run/media/{user}/")]).unwrap_or_default();
    let mut suggestions: Vec<FolderSuggestion> = mount_table
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        // /proc/mounts writes spaces in paths as \040.
        .map(|mount_point| PathBuf::from(mount_point.replace("\\040", " ")))
        .filter(|mount_point| {
            let text = mount_point.to_string_lossy();
            prefixes.iter().any(|prefix| text.starts_with(prefix.as_str()))
        })
        .map(|mount_point| {
            let path = mount_point.join(SUGGESTED_FOLDER_NAME);
            FolderSuggestion {
                drive: mount_point.file_name().map(|name| name.to_string_lossy().into_owned()),
                exists: path.is_dir(),
                path,
            }
        })
        .collect();
    suggestions.dedup_by(|first, second| first.path == second.path);
    if let Some(home) = home {
        let path = home.join(SUGGESTED_FOLDER_NAME);
        suggestions.push(FolderSuggestion { exists: path.is_dir(), path, drive: None });
    }
    suggestions
}

/// Maps a file error in the backup folder to what the therapist can do about it.
fn folder_error(error: std::io::Error) -> Error {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::StorageFull | ErrorKind::FileTooLarge | ErrorKind::QuotaExceeded => {
            Error::BackupFolderUnavailable { problem: "is full; free some space or choose another drive" }
        }
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            Error::BackupFolderUnavailable { problem: "is read-only; choose a folder you can write to" }
        }
        ErrorKind::NotFound => Error::BackupFolderUnavailable { problem: "does not exist (is the drive connected?)" },
        _ => Error::Io { action: "write the backup", source: error },
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn external_drives_are_suggested_first_and_the_home_folder_last() {
        let mounts = "/dev/nvme0n1p2 / ext4 rw 0 0\n\
                      proc /proc proc rw 0 0\n\
                      /dev/sdb1 /media/dana/BACKUP\\040DRIVE exfat rw 0 0\n\
                      /dev/sdc1 /run/media/dana/USB vfat rw 0 0\n\
                      /dev/sdd1 /media/sam/THEIRS vfat rw 0 0\n\
                      /dev/sde1 /mnt/data ext4 rw 0 0\n\
                      tmpfs /run/user/1000 tmpfs rw 0 0\n";
        let suggestions = suggest_backup_folders(mounts, Some("dana"), Some(Path::new("/home/dana")));
        let paths: Vec<&Path> = suggestions.iter().map(|suggestion| suggestion.path.as_path()).collect();
        assert_eq!(
            paths,
            [
                Path::new("/media/dana/BACKUP DRIVE/Confidant backups"),
                Path::new("/run/media/dana/USB/Confidant backups"),
                Path::new("/home/dana/Confidant backups"),
            ]
        );
        assert_eq!(suggestions[0].drive.as_deref(), Some("BACKUP DRIVE"));
        assert_eq!(suggestions[2].drive, None);
    }

    #[test]
    fn a_folder_is_checked_by_writing_to_it() {
        let folder = tempfile::tempdir().expect("temp dir");
        check_backup_folder(folder.path()).expect("writable");
        assert_eq!(std::fs::read_dir(folder.path()).expect("list").count(), 0, "the probe leaves nothing behind");
        let missing = check_backup_folder(&folder.path().join("unplugged")).expect_err("missing");
        assert!(missing.to_string().contains("does not exist"), "{missing}");
        let file = folder.path().join("a file");
        std::fs::write(&file, b"x").expect("file");
        assert!(check_backup_folder(&file).expect_err("a file").to_string().contains("not a folder"));
    }

    fn day(offset_days: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).single().expect("valid date") - chrono::Duration::days(offset_days)
    }

    #[test]
    fn rotation_keeps_seven_days_four_weeks_twelve_months() {
        // Two backups a day for 400 days, newest first.
        let times: Vec<DateTime<Utc>> =
            (0..800).map(|half_days| day(0) - chrono::Duration::hours(12 * half_days)).collect();
        let kept = backups_to_keep(&times, RetentionPolicy::default());
        let kept_times: Vec<DateTime<Utc>> =
            times.iter().zip(&kept).filter(|(_, keep)| **keep).map(|(time, _)| *time).collect();
        // 7 days + up to 4 weeks + 12 months overlap; never more than their sum.
        assert!(kept_times.len() <= ALWAYS_KEEP_NEWEST + 7 + 4 + 12, "kept {}", kept_times.len());
        assert!(kept_times.len() >= 12, "kept {}", kept_times.len());
        assert!(kept[..ALWAYS_KEEP_NEWEST].iter().all(|kept| *kept), "the newest are always kept");
        let oldest_kept = *kept_times.last().expect("some kept");
        assert!(day(0) - oldest_kept > chrono::Duration::days(300), "a year of monthly backups is kept");
        assert!(day(0) - oldest_kept < chrono::Duration::days(400), "nothing older than the twelve months");
    }

    #[test]
    fn rotation_with_few_backups_keeps_them_all() {
        let times = vec![day(0), day(1), day(2)];
        assert_eq!(backups_to_keep(&times, RetentionPolicy::default()), vec![true, true, true]);
    }

    #[test]
    fn uri_paths_are_escaped() {
        assert_eq!(uri_path(Path::new("/a b/c?d#e%f")), "/a%20b/c%3Fd%23e%25f");
    }
}
