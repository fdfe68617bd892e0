//! Measurements behind docs/benchmarks.md, run by `confidant bench`: how long
//! calibration, unlocking and opening with the raw key take on this machine, what
//! each journal mode costs per committed note, record operations on large demo
//! vaults, and a backup against a plain copy of the same file. Returns numbers;
//! prints nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::backup::{self, RestoreKey, RetentionPolicy};
use crate::device::MemoryKeychain;
use crate::kdf::{self, KdfParams, KdfPolicy};
use crate::recovery::RecoveryKey;
use crate::secret::{Passphrase, SecretKey};
use crate::storage::{self, OpenMode};
use crate::vault::{CreateOptions, LockReason, Vault, VaultLocation};
use crate::{Error, Result};

/// Median, 99th percentile, fastest and slowest of a set of timings, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// How many runs.
    pub runs: usize,
    /// Median.
    pub median_ms: f64,
    /// 99th percentile (nearest rank).
    pub p99_ms: f64,
    /// Fastest run.
    pub min_ms: f64,
    /// Slowest run.
    pub max_ms: f64,
}

impl Timing {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let to_ms = |duration: &Duration| duration.as_secs_f64() * 1000.0;
        let median = if samples.is_empty() {
            0.0
        } else if samples.len() % 2 == 1 {
            to_ms(&samples[samples.len() / 2])
        } else {
            (to_ms(&samples[samples.len() / 2 - 1]) + to_ms(&samples[samples.len() / 2])) / 2.0
        };
        let p99 = if samples.is_empty() {
            0.0
        } else {
            let rank = ((samples.len() as f64) * 0.99).ceil() as usize;
            to_ms(&samples[rank.clamp(1, samples.len()) - 1])
        };
        Timing {
            runs: samples.len(),
            median_ms: median,
            p99_ms: p99,
            min_ms: samples.first().map(to_ms).unwrap_or_default(),
            max_ms: samples.last().map(to_ms).unwrap_or_default(),
        }
    }
}

/// The cost of one journal mode: a note-sized row committed in its own transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalTiming {
    /// e.g. `WAL + synchronous=FULL`.
    pub mode: String,
    /// Per-commit timings.
    pub commit: Timing,
}

/// Everything `confidant bench` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// Parameters calibration chose for a 1 s target.
    pub calibrated: KdfParams,
    /// How long calibration itself took.
    pub calibration_ms: f64,
    /// One Argon2id derivation with the calibrated parameters.
    pub derivation: Timing,
    /// A whole unlock (derivation, unwrap, open, integrity check, audit event).
    pub unlock: Timing,
    /// Opening the database with the raw data key (no KDF), incl. the integrity check.
    pub open_with_raw_key: Timing,
    /// Per-commit cost of each journal mode.
    pub journal_modes: Vec<JournalTiming>,
}

/// Runs every measurement in a temporary folder. `runs` repeats each timing.
pub fn run(runs: usize, target: Duration) -> Result<BenchReport> {
    let runs = runs.max(1);
    let started = Instant::now();
    let calibrated = kdf::calibrate(target)?;
    let calibration_ms = started.elapsed().as_secs_f64() * 1000.0;

    let derivation = Timing::of((0..runs).map(|_| kdf::time_derivation(&calibrated)).collect::<Result<Vec<_>>>()?);

    let folder = tempfile::tempdir().map_err(Error::io("create a temporary folder"))?;
    let location = VaultLocation::new(folder.path().join("vault"));
    let passphrase = Passphrase::new("benchmark lantern orbit pickle meadow".to_owned());
    let keychain = Arc::new(MemoryKeychain::new());
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::Fixed(calibrated) };
    Vault::create(&location, &passphrase, options, keychain.clone())?.vault.lock(LockReason::Quit)?;
    let mut unlock_samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let vault = Vault::unlock(&location, &passphrase, keychain.clone())?;
        unlock_samples.push(started.elapsed());
        vault.lock(LockReason::Quit)?;
    }

    let key = SecretKey::random()?;
    let raw_path = folder.path().join("raw.db");
    drop(storage::open(&raw_path, &key, OpenMode::Create)?);
    let mut open_samples = Vec::with_capacity(runs * 5);
    for _ in 0..runs * 5 {
        let started = Instant::now();
        let connection = storage::open(&raw_path, &key, OpenMode::Existing)?;
        open_samples.push(started.elapsed());
        drop(connection);
    }

    let mut journal_modes = Vec::new();
    for (journal, synchronous) in [("WAL", "FULL"), ("WAL", "NORMAL"), ("DELETE", "FULL")] {
        let path = folder.path().join(format!("journal-{journal}-{synchronous}.db"));
        let connection = storage::open(&path, &key, OpenMode::Create)?;
        connection.execute_batch(&format!(
            "PRAGMA journal_mode = {journal}; PRAGMA synchronous = {synchronous};
             CREATE TABLE bench_note (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
        ))?;
        let body = "x".repeat(2048);
        let mut samples = Vec::with_capacity(200);
        for _ in 0..200 {
            let started = Instant::now();
            connection.execute("INSERT INTO bench_note (body) VALUES (?1)", [&body])?;
            samples.push(started.elapsed());
        }
        journal_modes.push(JournalTiming {
            mode: format!("{journal} + synchronous={synchronous}"),
            commit: Timing::of(samples),
        });
    }

    Ok(BenchReport {
        calibrated,
        calibration_ms,
        derivation,
        unlock: Timing::of(unlock_samples),
        open_with_raw_key: Timing::of(open_samples),
        journal_modes,
    })
}

/// The record operations measured on one vault.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordTimings {
    /// Saving a new note (one transaction, FTS triggers included).
    pub save_note: Timing,
    /// Listing a chart of at least 500 notes.
    pub open_chart: Timing,
    /// Each query of the mix, top 20 with snippets.
    pub search: Vec<(String, Timing)>,
    /// All queries of the mix together.
    pub search_mix: Timing,
}

/// The same operations on an encrypted vault and on the unencrypted baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordsReport {
    /// Notes in each vault.
    pub n_notes: u32,
    /// Time to fill one vault with demo data.
    pub fill_ms: f64,
    /// SQLCipher.
    pub encrypted: RecordTimings,
    /// Plain SQLite, the physical limit.
    pub plain: RecordTimings,
}

/// The query mix: rare word, common word, 2- and 3-letter prefixes, a phrase, and
/// a common word within one client.
pub const QUERY_MIX: &[(&str, &str, bool)] = &[
    ("rare word", "marmalade", false),
    ("common word", "anxious", false),
    ("2-letter prefix", "co", false),
    ("3-letter prefix", "wor", false),
    ("phrase", "\"weekly sessions\"", false),
    ("common word, one client", "sleep", true),
];

/// Builds two vaults of `n_notes` demo notes (encrypted and plain) and measures
/// saving, opening a chart and searching in each, in the same run.
#[cfg(feature = "plaintext-baseline")]
pub fn run_records(n_notes: u32, runs: usize) -> Result<RecordsReport> {
    let folder = tempfile::tempdir().map_err(Error::io("create a temporary folder"))?;
    let mut encrypted = DemoVault::build(&folder.path().join("encrypted"), n_notes)?;
    let mut plain = Vault::create_unencrypted_baseline(&folder.path().join("plain"))?;
    plain.fill_with_demo_data(demo_clients(n_notes), n_notes, DEMO_SEED)?;
    let encrypted_timings = measure_records(&mut encrypted.vault, runs)?;
    let plain_timings = measure_records(&mut plain, runs)?;
    Ok(RecordsReport { n_notes, fill_ms: encrypted.fill_ms, encrypted: encrypted_timings, plain: plain_timings })
}

/// A backup against a plain copy of the same database, measured in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupBenchReport {
    /// Notes in the vault.
    pub n_notes: u32,
    /// Time to fill the vault with demo data.
    pub fill_ms: f64,
    /// `vault.db`, checkpointed: what both the backup and the copies copy.
    pub database_bytes: u64,
    /// One backup file (the database plus its description and key slots).
    pub backup_bytes: u64,
    /// `Vault::back_up_to`: checkpoint, copy, description, `sync_all`, verification,
    /// rename, folder sync, rotation, audit event.
    pub backup: Timing,
    /// `std::fs::copy` of `vault.db` into the same folder (it stays in the page cache).
    pub copy: Timing,
    /// The same copy, then `sync_all` of the file and its folder: on disk, as a backup is.
    pub durable_copy: Timing,
    /// `backup::preview_backup` with the recovery key: one Argon2id derivation
    /// (the recovery slot's floor parameters) plus the same check-through a backup
    /// runs on the file it has just written.
    pub preview_with_recovery_key: Timing,
    /// One Argon2id derivation at the recovery slot's parameters, to take out of the preview.
    pub recovery_key_derivation: Timing,
    /// Preview median less derivation median: the verification's share of a backup.
    pub verification_ms: f64,
    /// The verification's steps, each on a fresh read-only connection to a backup file.
    pub verification_steps: VerificationSteps,
    /// Backup median over copy median.
    pub backup_to_copy: f64,
    /// Backup median over durable-copy median.
    pub backup_to_durable_copy: f64,
}

/// The statements a backup's verification runs (`backup.rs`, `verify_database`),
/// timed one by one, and `cipher_integrity_check` as an alternative to `quick_check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationSteps {
    /// `PRAGMA quick_check`: every page decrypted and authenticated, b-tree structure checked.
    pub quick_check: Timing,
    /// `audit::verify_chain`: every audit event re-hashed.
    pub audit_chain: Timing,
    /// The counts shown after a backup (clients, notes, signed notes, newest session date).
    pub counts: Timing,
    /// `PRAGMA cipher_integrity_check`: every page's HMAC only (what unlocking checks).
    pub cipher_integrity_check: Timing,
    /// Audit events in the demo vault.
    pub audit_events: u64,
}

/// Builds a demo vault of `n_notes` notes and, `runs` times each, interleaved,
/// times a backup into a temporary folder, a plain copy of `vault.db` into the
/// same folder and a durable copy (copy + `sync_all`). Files are removed between
/// runs outside the timings, and a plain copy is synced outside its timing, so no
/// run pays for the previous one's write-back.
pub fn run_backup(n_notes: u32, runs: usize) -> Result<BackupBenchReport> {
    let runs = runs.max(1);
    let folder = tempfile::tempdir().map_err(Error::io("create a temporary folder"))?;
    let mut demo = DemoVault::build(&folder.path().join("vault"), n_notes)?;
    let backups = folder.path().join("backups");
    std::fs::create_dir(&backups).map_err(Error::io("create the backup folder"))?;
    let keychain = MemoryKeychain::new();
    let keep = RetentionPolicy::default();

    // A first, untimed backup checkpoints the fill's write-ahead log into vault.db
    // and warms the page cache, so every timed run starts from the same state.
    demo.vault.back_up_to(&backups, keep)?;
    empty_folder(&backups)?;
    let database_path = demo.vault.location().database_path();
    let database_bytes = std::fs::metadata(&database_path).map_err(Error::io("read vault.db"))?.len();
    let copy_path = backups.join("vault-copy.db");

    let mut backup_samples = Vec::with_capacity(runs);
    let mut preview_samples = Vec::with_capacity(runs);
    let mut copy_samples = Vec::with_capacity(runs);
    let mut durable_samples = Vec::with_capacity(runs);
    let mut backup_bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let report = demo.vault.back_up_to(&backups, keep)?;
        backup_samples.push(started.elapsed());
        backup_bytes = report.info.bytes;

        let key = RestoreKey::RecoveryKey { recovery_key: &demo.recovery_key, new_passphrase: &demo.passphrase };
        let started = Instant::now();
        backup::preview_backup(&report.info.path, &key, &keychain)?;
        preview_samples.push(started.elapsed());
        empty_folder(&backups)?;

        let started = Instant::now();
        std::fs::copy(&database_path, &copy_path).map_err(Error::io("copy vault.db"))?;
        copy_samples.push(started.elapsed());
        sync_file_and_folder(&copy_path)?;
        empty_folder(&backups)?;

        let started = Instant::now();
        std::fs::copy(&database_path, &copy_path).map_err(Error::io("copy vault.db"))?;
        sync_file_and_folder(&copy_path)?;
        durable_samples.push(started.elapsed());
        empty_folder(&backups)?;
    }
    let derivation_samples =
        (0..runs).map(|_| kdf::time_derivation(&kdf::MINIMUM_PARAMS)).collect::<Result<Vec<_>>>()?;
    let last = demo.vault.back_up_to(&backups, keep)?;
    std::fs::copy(&database_path, &copy_path).map_err(Error::io("copy vault.db"))?;
    let verification_steps = time_verification_steps(&last.info.path, &copy_path, demo.vault.data_key(), runs)?;
    empty_folder(&backups)?;

    let backup = Timing::of(backup_samples);
    let copy = Timing::of(copy_samples);
    let durable_copy = Timing::of(durable_samples);
    let preview_with_recovery_key = Timing::of(preview_samples);
    let recovery_key_derivation = Timing::of(derivation_samples);
    let ratio = |numerator: f64, denominator: f64| if denominator > 0.0 { numerator / denominator } else { 0.0 };
    Ok(BackupBenchReport {
        n_notes,
        fill_ms: demo.fill_ms,
        database_bytes,
        backup_bytes,
        verification_ms: (preview_with_recovery_key.median_ms - recovery_key_derivation.median_ms).max(0.0),
        backup_to_copy: ratio(backup.median_ms, copy.median_ms),
        backup_to_durable_copy: ratio(backup.median_ms, durable_copy.median_ms),
        verification_steps,
        backup,
        copy,
        durable_copy,
        preview_with_recovery_key,
        recovery_key_derivation,
    })
}

/// Times each statement of a backup's verification on the backup at `backup_path`;
/// `cipher_integrity_check` runs on `database_copy` (the same pages without the
/// trailer: it reads every page of the file, and the trailer is not one).
fn time_verification_steps(
    backup_path: &Path,
    database_copy: &Path,
    data_key: &SecretKey,
    runs: usize,
) -> Result<VerificationSteps> {
    use rusqlite::{Connection, OpenFlags};
    // The way `backup.rs` opens a backup: read-only, immutable (SQLite never reads
    // the trailer after the last page). The benchmark's temporary paths need no escaping.
    let open_file = |path: &Path| -> Result<Connection> {
        storage::initialize_sqlcipher();
        let connection = Connection::open_with_flags(
            format!("file:{}?mode=ro&immutable=1", path.display()),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        storage::cipher_version(&connection)?;
        storage::apply_key(&connection, data_key, "key")?;
        Ok(connection)
    };
    let time_on = |path: &Path, step: &dyn Fn(&Connection) -> Result<()>| -> Result<Timing> {
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            // A fresh connection each time: no page decrypted by an earlier step is cached.
            let connection = open_file(path)?;
            let started = Instant::now();
            step(&connection)?;
            samples.push(started.elapsed());
        }
        Ok(Timing::of(samples))
    };
    let rows = |connection: &Connection, sql: &str| -> Result<Vec<String>> {
        let mut statement = connection.prepare(sql)?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    };
    let quick_check = time_on(backup_path, &|connection| {
        let verdict = rows(connection, "PRAGMA quick_check")?;
        if verdict != ["ok"] {
            return Err(Error::BackupDamaged { reason: "the benchmark's backup fails quick_check" });
        }
        Ok(())
    })?;
    let audit_chain = time_on(backup_path, &|connection| {
        crate::audit::verify_chain(connection)?;
        Ok(())
    })?;
    let counts = time_on(backup_path, &|connection| {
        for sql in [
            "SELECT count(*) FROM client",
            "SELECT count(*) FROM note",
            "SELECT count(*) FROM note WHERE status = 'signed'",
            "SELECT max(session_date) IS NOT NULL FROM note",
        ] {
            connection.query_row(sql, [], |row| row.get::<_, i64>(0))?;
        }
        Ok(())
    })?;
    let cipher_integrity_check = time_on(database_copy, &|connection| {
        if !rows(connection, "PRAGMA cipher_integrity_check")?.is_empty() {
            return Err(Error::BackupDamaged { reason: "the benchmark's copy fails cipher_integrity_check" });
        }
        Ok(())
    })?;
    let audit_events = crate::audit::verify_chain(&open_file(backup_path)?)?.n_events;
    Ok(VerificationSteps { quick_check, audit_chain, counts, cipher_integrity_check, audit_events })
}

/// The demo data every large-vault measurement uses.
const DEMO_SEED: u64 = 42;

/// 500 notes for client C-0001, the rest spread over one client per 200 notes.
fn demo_clients(n_notes: u32) -> u32 {
    (n_notes / 200).max(2)
}

/// An encrypted vault (floor KDF parameters) filled with demo data.
struct DemoVault {
    vault: Vault,
    passphrase: Passphrase,
    recovery_key: RecoveryKey,
    fill_ms: f64,
}

impl DemoVault {
    fn build(folder: &Path, n_notes: u32) -> Result<DemoVault> {
        let location = VaultLocation::new(folder);
        let passphrase = Passphrase::new("benchmark lantern orbit pickle meadow".to_owned());
        let options = CreateOptions { device_binding: false, kdf: KdfPolicy::Fixed(kdf::MINIMUM_PARAMS) };
        let created = Vault::create(&location, &passphrase, options, Arc::new(MemoryKeychain::new()))?;
        let mut vault = created.vault;
        let started = Instant::now();
        vault.fill_with_demo_data(demo_clients(n_notes), n_notes, DEMO_SEED)?;
        let fill_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(DemoVault { vault, passphrase, recovery_key: created.recovery_key, fill_ms })
    }
}

/// Removes every file in `folder` (the benchmark's own backup folder).
fn empty_folder(folder: &Path) -> Result<()> {
    for entry in std::fs::read_dir(folder).map_err(Error::io("list the backup folder"))?.flatten() {
        std::fs::remove_file(entry.path()).map_err(Error::io("remove a benchmark file"))?;
    }
    Ok(())
}

/// `sync_all` of a file and of the folder holding it (its directory entry).
fn sync_file_and_folder(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|file| file.sync_all()).map_err(Error::io("sync the copy"))?;
    if let Some(folder) = path.parent() {
        crate::keyfile::sync_folder(folder).map_err(Error::io("sync the backup folder"))?;
    }
    Ok(())
}

#[cfg(feature = "plaintext-baseline")]
fn measure_records(vault: &mut Vault, runs: usize) -> Result<RecordTimings> {
    use crate::search::SearchQuery;
    let mut random = crate::demo::DemoRandom(7);
    let session_date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let mut save_samples = Vec::new();
    for _ in 0..(runs * 20).max(100) {
        let content = crate::demo::demo_note(&mut random, session_date);
        let started = Instant::now();
        vault.create_note("C-0002", content)?;
        save_samples.push(started.elapsed());
    }
    let mut chart_samples = Vec::new();
    for _ in 0..runs.max(5) {
        let started = Instant::now();
        let chart = vault.notes_for_client("C-0001", false)?;
        chart_samples.push(started.elapsed());
        drop(chart);
    }
    let mut search = Vec::new();
    let mut mix_samples = Vec::new();
    for (label, text, one_client) in QUERY_MIX {
        let query = SearchQuery {
            text: (*text).to_owned(),
            client_code: one_client.then(|| "C-0002".to_owned()),
            limit: Some(20),
            ..SearchQuery::default()
        };
        let mut samples = Vec::new();
        for _ in 0..runs.max(5) * 4 {
            let started = Instant::now();
            vault.search(&query)?;
            samples.push(started.elapsed());
        }
        mix_samples.extend(samples.iter().copied());
        search.push(((*label).to_owned(), Timing::of(samples)));
    }
    Ok(RecordTimings {
        save_note: Timing::of(save_samples),
        open_chart: Timing::of(chart_samples),
        search,
        search_mix: Timing::of(mix_samples),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_set_is_the_mean_of_the_middle_two() {
        let timing = Timing::of(vec![
            Duration::from_millis(4),
            Duration::from_millis(1),
            Duration::from_millis(2),
            Duration::from_millis(3),
        ]);
        assert_eq!(timing, Timing { runs: 4, median_ms: 2.5, p99_ms: 4.0, min_ms: 1.0, max_ms: 4.0 });
    }

    #[test]
    fn the_backup_benchmark_times_a_real_backup_of_the_same_database_it_copies() {
        let report = run_backup(300, 2).expect("benchmark");
        assert!(report.database_bytes > 0 && report.database_bytes.is_multiple_of(4096));
        // The backup is the database plus its description and key slots, no more.
        assert!(report.backup_bytes > report.database_bytes);
        assert!(report.backup_bytes < report.database_bytes + 64 * 1024);
        assert_eq!(report.backup.runs, 2);
        assert!(report.backup.median_ms > 0.0 && report.copy.median_ms > 0.0 && report.durable_copy.median_ms > 0.0);
        assert!(report.backup_to_copy > 0.0 && report.backup_to_durable_copy > 0.0);
        assert!(report.verification_steps.audit_events >= 1);
    }
}
