//! Argon2id key derivation, with parameters calibrated to this machine.
//!
//! The parameters are stored in each key slot and authenticated as associated
//! data, so a copied key file cannot be edited to make guessing cheaper.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::secret::SecretKey;
use crate::{Error, Result};

/// Argon2id cost parameters, as stored in a key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    /// Always `argon2id`; a field so a later algorithm can be told apart.
    pub algorithm: KdfAlgorithm,
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes over memory.
    pub iterations: u32,
    /// Lanes computed in parallel.
    pub parallelism: u32,
}

/// The key derivation functions a slot may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KdfAlgorithm {
    /// Argon2id, version 0x13 (RFC 9106).
    Argon2id,
}

/// The floor for a passphrase slot: m = 64 MiB, t = 3, p = 4.
pub const MINIMUM_PARAMS: KdfParams =
    KdfParams { algorithm: KdfAlgorithm::Argon2id, memory_kib: 64 * 1024, iterations: 3, parallelism: 4 };

/// The most memory a slot may ask for: a crafted key file must not exhaust RAM.
/// Calibration never goes above it either.
pub const MAXIMUM_MEMORY_KIB: u32 = 1024 * 1024;

/// The most memory calibration picks, leaving room on an 8 GiB laptop.
const CALIBRATION_MAX_MEMORY_KIB: u32 = 1024 * 1024;

/// How to choose parameters for a new passphrase slot.
#[derive(Debug, Clone, Copy)]
pub enum KdfPolicy {
    /// Measure this machine and aim for about this long per derivation.
    Calibrate {
        /// Target time for one derivation (KeePassXC's default: one second).
        target: Duration,
    },
    /// Use exactly these parameters (at least [`MINIMUM_PARAMS`] outside tests).
    Fixed(KdfParams),
}

impl Default for KdfPolicy {
    fn default() -> Self {
        KdfPolicy::Calibrate { target: Duration::from_secs(1) }
    }
}

impl KdfPolicy {
    /// Tiny parameters so tests run fast. Never available in release builds.
    #[cfg(any(test, feature = "test-util"))]
    pub fn fast_for_tests() -> Self {
        KdfPolicy::Fixed(KdfParams {
            algorithm: KdfAlgorithm::Argon2id,
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        })
    }

    /// Resolves the policy to concrete parameters (this may take a second or two).
    pub fn resolve(self) -> Result<KdfParams> {
        match self {
            KdfPolicy::Calibrate { target } => calibrate(target),
            KdfPolicy::Fixed(params) => {
                check_bounds(&params)?;
                Ok(params)
            }
        }
    }
}

/// Rejects parameters a slot may not use: below the floor, or absurdly large.
pub(crate) fn check_bounds(params: &KdfParams) -> Result<()> {
    let too_small = params.memory_kib < MINIMUM_PARAMS.memory_kib
        || params.iterations < MINIMUM_PARAMS.iterations
        || params.parallelism < 1;
    if too_small && !cfg!(any(test, feature = "test-util")) {
        return Err(Error::KeyFileDamaged { reason: "key derivation parameters below the minimum" });
    }
    if params.memory_kib > MAXIMUM_MEMORY_KIB
        || params.iterations > 16
        || params.parallelism > 16
        || params.parallelism == 0
    {
        return Err(Error::KeyFileDamaged { reason: "key derivation parameters out of range" });
    }
    Ok(())
}

/// Stretches `secret` with Argon2id into a 256-bit key.
pub fn derive(params: &KdfParams, secret: &[u8], salt: &[u8]) -> Result<SecretKey> {
    check_bounds(params)?;
    let argon_params = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|_| Error::KeyFileDamaged { reason: "invalid key derivation parameters" })?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
    let mut output = SecretKey::zeroed();
    argon
        .hash_password_into(secret, salt, output.as_mut_bytes())
        .map_err(|_| Error::KeyFileDamaged { reason: "key derivation failed" })?;
    Ok(output)
}

/// Times one derivation with `params`.
pub fn time_derivation(params: &KdfParams) -> Result<Duration> {
    let salt = [0x5au8; 16];
    let started = Instant::now();
    derive(params, b"calibration", &salt)?;
    Ok(started.elapsed())
}

/// Picks parameters that take about `target` here: t = 3 and p = 4 fixed, memory
/// grown from 64 MiB (memory hardness costs an attacker's GPUs more than passes).
pub fn calibrate(target: Duration) -> Result<KdfParams> {
    let mut params = MINIMUM_PARAMS;
    let mut elapsed = time_derivation(&params)?;
    // Two refinement steps: time scales close to linearly with memory.
    for _ in 0..2 {
        if elapsed.as_secs_f64() <= 0.0 {
            break;
        }
        let scale = target.as_secs_f64() / elapsed.as_secs_f64();
        let wanted = (f64::from(params.memory_kib) * scale).round();
        let memory_kib = round_memory(wanted);
        if memory_kib == params.memory_kib {
            break;
        }
        params.memory_kib = memory_kib;
        elapsed = time_derivation(&params)?;
    }
    Ok(params)
}

/// Rounds to a multiple of 16 MiB within [64 MiB, 1 GiB].
fn round_memory(wanted_kib: f64) -> u32 {
    let step = 16.0 * 1024.0;
    let rounded = (wanted_kib / step).round() * step;
    let clamped = rounded.clamp(f64::from(MINIMUM_PARAMS.memory_kib), f64::from(CALIBRATION_MAX_MEMORY_KIB));
    // The clamp keeps the value inside u32.
    clamped as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_input_gives_the_same_key_and_another_salt_another_key() {
        let KdfPolicy::Fixed(params) = KdfPolicy::fast_for_tests() else { unreachable!() };
        let first = derive(&params, b"passphrase", b"0123456789abcdef").expect("derive");
        let again = derive(&params, b"passphrase", b"0123456789abcdef").expect("derive");
        let other_salt = derive(&params, b"passphrase", b"0123456789abcdeF").expect("derive");
        assert_eq!(first.expose_secret(), again.expose_secret());
        assert_ne!(first.expose_secret(), other_salt.expose_secret());
    }

    #[test]
    fn memory_is_rounded_and_kept_between_the_floor_and_the_ceiling() {
        assert_eq!(round_memory(1000.0), 64 * 1024);
        assert_eq!(round_memory(300.0 * 1024.0), 304 * 1024);
        assert_eq!(round_memory(9e9), 1024 * 1024);
    }

    #[test]
    fn absurd_parameters_from_a_crafted_file_are_refused() {
        let greedy = KdfParams { memory_kib: u32::MAX, ..MINIMUM_PARAMS };
        assert!(matches!(check_bounds(&greedy), Err(Error::KeyFileDamaged { .. })));
        let no_lanes = KdfParams { parallelism: 0, ..MINIMUM_PARAMS };
        assert!(check_bounds(&no_lanes).is_err());
    }
}
