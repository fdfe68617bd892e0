//! Measurements behind docs/benchmarks.md, run by `confidant bench`: how long
//! calibration, unlocking and opening with the raw key take on this machine, and
//! what each journal mode costs per committed note. Returns numbers; prints nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::device::MemoryKeychain;
use crate::kdf::{self, KdfParams, KdfPolicy};
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
    let location = VaultLocation::new(folder.path().join("encrypted"));
    let passphrase = Passphrase::new("benchmark lantern orbit pickle meadow".to_owned());
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::Fixed(kdf::MINIMUM_PARAMS) };
    let mut encrypted = Vault::create(&location, &passphrase, options, Arc::new(MemoryKeychain::new()))?.vault;
    let mut plain = Vault::create_unencrypted_baseline(&folder.path().join("plain"))?;
    let n_clients = (n_notes / 200).max(2);
    let started = Instant::now();
    encrypted.fill_with_demo_data(n_clients, n_notes, 42)?;
    let fill_ms = started.elapsed().as_secs_f64() * 1000.0;
    plain.fill_with_demo_data(n_clients, n_notes, 42)?;
    let encrypted_timings = measure_records(&mut encrypted, runs)?;
    let plain_timings = measure_records(&mut plain, runs)?;
    Ok(RecordsReport { n_notes, fill_ms, encrypted: encrypted_timings, plain: plain_timings })
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
}
