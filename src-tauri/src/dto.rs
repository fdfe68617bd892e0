//! What crosses the IPC boundary: plain data shaped for the UI, and the one type
//! secrets arrive in. Nothing here holds a key.

use confidant_vault::audit::AuditEvent;
use confidant_vault::{Passphrase, PassphraseStrength, SessionStatus};
use serde::{Deserialize, Serialize};

/// A secret typed in the web view (passphrase, recovery key): deserialised
/// straight into a wiping type, never echoed back, never printed.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(transparent)]
pub struct SecretInput(#[specta(type = String)] Passphrase);

impl SecretInput {
    /// The secret as a passphrase.
    pub fn into_passphrase(self) -> Passphrase {
        self.0
    }

    /// The secret's text, for parsing (e.g. a recovery key).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// What the first screen shows about this build.
#[derive(Debug, Serialize, specta::Type)]
pub struct AppInfo {
    /// The app's version, e.g. `0.1.0`.
    pub app_version: String,
    /// The SQLCipher version linked into the vault, e.g. `4.20.0 community`.
    pub sqlcipher_version: String,
}

/// The vault as the lock screen sees it.
#[derive(Debug, Serialize, specta::Type)]
pub struct VaultStatusDto {
    /// Whether a vault exists (else: onboarding).
    pub exists: bool,
    /// Whether it is unlocked.
    pub unlocked: bool,
    /// Whether unlocking needs this computer's keychain.
    pub device_bound: bool,
    /// Wrong attempts in a row.
    pub failed_attempts: u32,
    /// Seconds before the next attempt is allowed.
    pub retry_after_seconds: u32,
    /// Auto-lock minutes, while unlocked.
    pub auto_lock_minutes: Option<u32>,
    /// Whether a new vault still waits for its recovery kit or binding choice.
    pub onboarding: bool,
    /// Whether the current recovery kit was confirmed as saved (while unlocked).
    pub recovery_kit_confirmed: Option<bool>,
    /// Whether discreet mode is on (while unlocked).
    pub discreet_mode: Option<bool>,
    /// Whether its explanation was read (while unlocked).
    pub discreet_mode_explained: Option<bool>,
    /// The vault folder, for the settings page.
    pub vault_folder: String,
}

impl From<SessionStatus> for VaultStatusDto {
    fn from(status: SessionStatus) -> Self {
        VaultStatusDto {
            exists: status.exists,
            unlocked: status.unlocked,
            device_bound: status.device_bound,
            failed_attempts: status.failed_attempts,
            retry_after_seconds: u32::try_from(status.retry_after_seconds).unwrap_or(u32::MAX),
            auto_lock_minutes: status.auto_lock_minutes,
            onboarding: status.onboarding,
            recovery_kit_confirmed: status.recovery_kit_confirmed,
            discreet_mode: status.discreet_mode,
            discreet_mode_explained: status.discreet_mode_explained,
            vault_folder: status.vault_folder.display().to_string(),
        }
    }
}

/// How strong a passphrase is.
#[derive(Debug, Serialize, specta::Type)]
pub struct PassphraseStrengthDto {
    /// 0 (guessable) to 4 (very strong).
    pub score: u8,
    /// Whether the vault accepts it.
    pub acceptable: bool,
    /// What to change.
    pub advice: Option<String>,
}

impl From<PassphraseStrength> for PassphraseStrengthDto {
    fn from(strength: PassphraseStrength) -> Self {
        PassphraseStrengthDto { score: strength.score, acceptable: strength.acceptable, advice: strength.advice }
    }
}

/// The recovery key, shown once on the recovery kit. The only secret that
/// crosses into the web view, because the therapist must see it.
#[derive(Serialize, specta::Type)]
pub struct RecoveryKitDto {
    /// The nine groups of four characters.
    pub groups: Vec<String>,
}

impl std::fmt::Debug for RecoveryKitDto {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RecoveryKitDto([redacted])")
    }
}

impl Drop for RecoveryKitDto {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.groups.zeroize();
    }
}

impl RecoveryKitDto {
    /// Splits `XXXX-XXXX-…` into its groups.
    pub fn from_formatted(formatted: &str) -> Self {
        RecoveryKitDto { groups: formatted.split('-').map(str::to_owned).collect() }
    }
}

/// Where a file was saved.
#[derive(Debug, Serialize, specta::Type)]
pub struct SavedFileDto {
    /// Full path, to show the therapist.
    pub path: String,
}

/// One audit event for the activity list: what and when, never record text.
#[derive(Debug, Serialize, specta::Type)]
pub struct ActivityEventDto {
    /// Position in the log.
    pub seq: u32,
    /// RFC 3339 time (UTC).
    pub occurred_at: String,
    /// Event kind, e.g. `vault_unlocked`.
    pub kind: String,
    /// Small JSON detail (ids, counts, reasons).
    pub detail: String,
}

impl From<AuditEvent> for ActivityEventDto {
    fn from(event: AuditEvent) -> Self {
        ActivityEventDto {
            seq: u32::try_from(event.seq).unwrap_or(u32::MAX),
            occurred_at: event.occurred_at,
            kind: event.kind,
            detail: event.detail,
        }
    }
}

/// Sent when Rust locked the vault on its own (idle, sleep, screen lock).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct VaultLocked {
    /// `idle`, `suspend`, `screen_locked` or `user`.
    pub reason: String,
}

/// Sent every second during the last 30 s before the idle lock.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LockWarning {
    /// Seconds left.
    pub seconds_left: u32,
}

/// Sent just before Rust locks on its own (idle, sleep, screen lock, quit): the
/// web view saves what is typed, then answers with `lock_ready(ticket)`. Rust
/// locks when it answers or after a short wait, whichever comes first.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct LockPending {
    /// To answer with.
    pub ticket: u32,
    /// `idle`, `suspend`, `screen_locked` or `quit`.
    pub reason: String,
}
