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

/// Median, fastest and slowest of a set of timings, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    /// How many runs.
    pub runs: usize,
    /// Median.
    pub median_ms: f64,
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
        Timing {
            runs: samples.len(),
            median_ms: median,
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
        assert_eq!(timing, Timing { runs: 4, median_ms: 2.5, min_ms: 1.0, max_ms: 4.0 });
    }
}
