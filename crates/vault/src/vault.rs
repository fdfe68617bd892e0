//! The vault: create, unlock, lock, change passphrase, rotate the data key.
//!
//! An unlocked vault is a [`Vault`] value holding the open database and the data
//! key; locking drops it, which closes the connection and wipes the key. There is
//! no other "unlocked" state anywhere.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::audit::{self, ChainReport, EventKind, NewEvent};
use crate::device::DeviceKeychain;
use crate::kdf::{self, KdfParams, KdfPolicy};
use crate::keyfile::{self, KeyFile, RecoveryHeader};
use crate::recovery::RecoveryKey;
use crate::secret::{Passphrase, SecretKey};
use crate::storage::{self, OpenMode};
use crate::strength;
use crate::{Error, Result};

/// File name of the encrypted database inside the vault folder.
pub const DATABASE_FILE: &str = "vault.db";
/// File name of the key file inside the vault folder.
pub const KEY_FILE: &str = "vault.keys";
/// File name of the lock file that keeps two programs from opening one vault.
pub const LOCK_FILE: &str = "vault.lock";
/// Present only while a vault is being created: a `vault.db` without
/// `vault.keys` is then an unfinished creation, otherwise a lost key file.
const CREATING_MARKER: &str = "vault.creating";
/// Failures allowed in a row before each further attempt must wait.
pub const FREE_ATTEMPTS: u32 = 5;
/// The longest wait between attempts.
const MAXIMUM_BACKOFF_SECONDS: u64 = 300;

/// How long entering the passphrase again keeps psychotherapy notes open.
pub const REAUTHENTICATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Auto-lock after this many idle minutes unless the therapist chose otherwise.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 10;

/// Where a vault lives: a folder holding `vault.db` and `vault.keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLocation {
    folder: PathBuf,
}

impl VaultLocation {
    /// The vault in `folder` (which need not exist yet).
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        VaultLocation { folder: folder.into() }
    }

    /// The default vault folder: `CONFIDANT_VAULT` if set, else the platform's data
    /// folder (`~/.local/share/confidant/vault` on Linux). The app and the CLI agree.
    pub fn default_location() -> Option<Self> {
        if let Some(folder) = std::env::var_os("CONFIDANT_VAULT").filter(|value| !value.is_empty()) {
            return Some(VaultLocation::new(folder));
        }
        dirs::data_dir().map(|data| VaultLocation::new(data.join("confidant").join("vault")))
    }

    /// The vault folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Path of the encrypted database.
    pub fn database_path(&self) -> PathBuf {
        self.folder.join(DATABASE_FILE)
    }

    /// Path of the key file.
    pub fn key_file_path(&self) -> PathBuf {
        self.folder.join(KEY_FILE)
    }

    /// Whether a vault (its key file) exists here.
    pub fn exists(&self) -> bool {
        self.key_file_path().exists()
    }
}

/// Choices made when a vault is created.
#[derive(Debug, Clone, Copy)]
pub struct CreateOptions {
    /// Mix a secret from this computer's keychain into the passphrase slot.
    pub device_binding: bool,
    /// How to choose Argon2id parameters.
    pub kdf: KdfPolicy,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions { device_binding: true, kdf: KdfPolicy::default() }
    }
}

/// Why the vault was locked, as recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The therapist pressed Lock or Ctrl+L.
    User,
    /// No activity for the auto-lock time.
    Idle,
    /// The computer went to sleep.
    Suspend,
    /// The screen was locked.
    ScreenLocked,
    /// The app quit.
    Quit,
}

impl LockReason {
    /// The stable name stored in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::User => "user",
            LockReason::Idle => "idle",
            LockReason::Suspend => "suspend",
            LockReason::ScreenLocked => "screen_locked",
            LockReason::Quit => "quit",
        }
    }
}

/// What can be known about a vault without unlocking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    /// Whether there is a vault in the folder.
    pub exists: bool,
    /// The vault's random id.
    pub vault_id: Option<String>,
    /// When the vault was created.
    pub created_at: Option<DateTime<Utc>>,
    /// Whether unlocking needs this computer's keychain.
    pub device_bound: bool,
    /// Wrong attempts in a row.
    pub failed_attempts: u32,
    /// Seconds until the next attempt is allowed (0 = now).
    pub retry_after_seconds: u64,
    /// Argon2id parameters of the passphrase slot.
    pub kdf: Option<KdfParams>,
}

/// A freshly created vault and its recovery key, to be shown once.
#[derive(Debug)]
pub struct CreatedVault {
    /// The open vault.
    pub vault: Vault,
    /// The recovery key: show it, then drop it.
    pub recovery_key: RecoveryKey,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The audit chain.
    pub audit: ChainReport,
    /// Signed notes and addenda, re-hashed.
    pub signatures: crate::notes::SignatureReport,
}

impl VerifyReport {
    /// Whether everything checked out.
    pub fn is_ok(&self) -> bool {
        self.audit.is_intact() && self.signatures.altered_notes.is_empty() && self.signatures.altered_addenda.is_empty()
    }
}

/// An unlocked vault. Dropping it locks: the connection closes, the key is wiped.
pub struct Vault {
    location: VaultLocation,
    connection: Connection,
    data_key: SecretKey,
    keys: KeyFile,
    keychain: Arc<dyn DeviceKeychain>,
    /// Held while the vault is open: a second app window or a CLI command cannot
    /// open it and overwrite vault.keys behind this one's back.
    _exclusive: VaultFileLock,
    /// When the passphrase was last entered again (psychotherapy notes need it).
    reauthenticated_at: Option<std::time::Instant>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Vault")
            .field("location", &self.location)
            .field("vault_id", &self.keys.vault_id)
            .finish_non_exhaustive()
    }
}

/// An exclusive advisory lock on `vault.lock` in the vault folder.
#[derive(Debug)]
pub(crate) struct VaultFileLock {
    _file: std::fs::File,
}

impl VaultFileLock {
    pub(crate) fn acquire(location: &VaultLocation) -> Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(location.folder().join(LOCK_FILE))
            .map_err(Error::io("open vault.lock"))?;
        restrict_permissions(&location.folder().join(LOCK_FILE), 0o600);
        match file.try_lock() {
            Ok(()) => Ok(VaultFileLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::VaultInUse),
            Err(std::fs::TryLockError::Error(error)) => Err(Error::Io { action: "lock vault.lock", source: error }),
        }
    }
}

/// The setting under which the database remembers the recovery slot's header.
const REMEMBERED_RECOVERY_HEADER: &str = "recovery_slot_header";
/// The setting under which the database remembers the passphrase slot's parameters.
const REMEMBERED_PASSPHRASE_KDF: &str = "passphrase_slot_kdf";
/// The setting recording whether the therapist confirmed the recovery kit.
const RECOVERY_KIT_CONFIRMED: &str = "recovery_kit_confirmed";

impl Vault {
    /// Creates a vault in an empty folder and returns it unlocked, with the
    /// recovery key to show once.
    pub fn create(
        location: &VaultLocation,
        passphrase: &Passphrase,
        options: CreateOptions,
        keychain: Arc<dyn DeviceKeychain>,
    ) -> Result<CreatedVault> {
        strength::require_strong(passphrase)?;
        if location.exists() {
            return Err(Error::VaultAlreadyExists);
        }
        std::fs::create_dir_all(location.folder()).map_err(Error::io("create the vault folder"))?;
        restrict_folder_permissions(location.folder());
        let exclusive = VaultFileLock::acquire(location)?;
        set_aside_incomplete_database(location)?;
        let marker = location.folder().join(CREATING_MARKER);
        File::create(&marker).map_err(Error::io("create the vault"))?;
        let passphrase_kdf = options.kdf.resolve()?;
        // The recovery key carries 160 random bits: the floor is plenty.
        let recovery_kdf = if passphrase_kdf.memory_kib < kdf::MINIMUM_PARAMS.memory_kib {
            passphrase_kdf
        } else {
            kdf::MINIMUM_PARAMS
        };
        let vault_id = hex::encode(*keyfile::random_bytes::<16>()?);
        let data_key = SecretKey::random()?;
        let recovery_key = RecoveryKey::generate()?;
        let device_secret = if options.device_binding {
            let secret = SecretKey::random()?;
            keychain.store(&vault_id, &secret)?;
            Some(secret)
        } else {
            None
        };

        let mut keys = KeyFile::new(vault_id);
        keys.put_slot(keys.seal_passphrase_slot(&data_key, passphrase, passphrase_kdf, device_secret.as_ref())?);
        keys.put_slot(keys.seal_recovery_slot(&data_key, &recovery_key, recovery_kdf)?);

        let database_path = location.database_path();
        let key_path = location.key_file_path();
        let created = (|| {
            let connection = storage::open(&database_path, &data_key, OpenMode::Create)?;
            remember_key_file(&connection, &keys)?;
            set_setting(&connection, RECOVERY_KIT_CONFIRMED, "false")?;
            audit::append(
                &connection,
                &NewEvent::new(EventKind::VaultCreated).with_detail(serde_json::json!({
                    "device_bound": options.device_binding,
                    "kdf_memory_kib": passphrase_kdf.memory_kib,
                    "kdf_iterations": passphrase_kdf.iterations,
                })),
            )?;
            keys.write(&key_path)?;
            let _ = std::fs::remove_file(&marker);
            Ok(connection)
        })();
        let connection = match created {
            Ok(connection) => connection,
            Err(error) => {
                // Leave the folder as it was, so creating again works.
                let _ = std::fs::remove_file(&key_path);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", database_path.display()));
                }
                if options.device_binding {
                    let _ = keychain.delete(&keys.vault_id);
                }
                let _ = std::fs::remove_file(&marker);
                return Err(error);
            }
        };
        let vault = Vault {
            location: location.clone(),
            connection,
            data_key,
            keys,
            keychain,
            _exclusive: exclusive,
            reauthenticated_at: None,
        };
        Ok(CreatedVault { vault, recovery_key })
    }

    /// What can be known about the vault in `location` without unlocking it.
    pub fn status(location: &VaultLocation) -> Result<VaultStatus> {
        if !location.exists() && key_file_lost(location) {
            return Err(Error::KeyFileMissing);
        }
        if !location.exists() {
            return Ok(VaultStatus {
                exists: false,
                vault_id: None,
                created_at: None,
                device_bound: false,
                failed_attempts: 0,
                retry_after_seconds: 0,
                kdf: None,
            });
        }
        let keys = KeyFile::read(&location.key_file_path())?;
        Ok(VaultStatus {
            exists: true,
            vault_id: Some(keys.vault_id.clone()),
            created_at: Some(keys.created_at),
            device_bound: keys.is_device_bound(),
            failed_attempts: keys.unlock_failures.consecutive,
            retry_after_seconds: retry_after_seconds(&keys, Utc::now()),
            kdf: keys.passphrase_kdf(),
        })
    }

    /// Unlocks with the passphrase (and this computer's keychain when bound).
    pub fn unlock(
        location: &VaultLocation,
        passphrase: &Passphrase,
        keychain: Arc<dyn DeviceKeychain>,
    ) -> Result<Vault> {
        let (mut keys, exclusive) = begin_unlock(location)?;
        let device_secret = if keys.is_device_bound() {
            Some(keychain.load(&keys.vault_id)?.ok_or(Error::DeviceSecretMissing)?)
        } else {
            None
        };
        let data_key = open_counting_failures(&mut keys, &location.key_file_path(), |keys| {
            keys.open_passphrase_slot(passphrase, device_secret.as_ref())
        })?;
        let (connection, data_key) = open_database(location, &mut keys, data_key, |keys| {
            keys.open_pending_passphrase_slot(passphrase, device_secret.as_ref())
        })?;
        let mut vault = Vault {
            location: location.clone(),
            connection,
            data_key,
            keys,
            keychain,
            _exclusive: exclusive,
            reauthenticated_at: None,
        };
        let repairs = vault.repair_key_file()?;
        vault.record_unlock("passphrase", &repairs)?;
        Ok(vault)
    }

    /// Unlocks with the recovery key and sets a new passphrase. When the vault
    /// was device-bound, it is bound to this computer's keychain (or, if there is
    /// none, unbound, which the audit log and the returned vault's status show).
    pub fn recover(
        location: &VaultLocation,
        recovery_key: &RecoveryKey,
        new_passphrase: &Passphrase,
        keychain: Arc<dyn DeviceKeychain>,
    ) -> Result<Vault> {
        strength::require_strong(new_passphrase)?;
        let (mut keys, exclusive) = begin_unlock(location)?;
        let data_key =
            open_counting_failures(&mut keys, &location.key_file_path(), |keys| keys.open_recovery_slot(recovery_key))?;
        let (connection, data_key) =
            open_database(location, &mut keys, data_key, |keys| keys.open_pending_recovery_slot(recovery_key))?;
        let was_bound = keys.is_device_bound();
        let mut vault = Vault {
            location: location.clone(),
            connection,
            data_key,
            keys,
            keychain,
            _exclusive: exclusive,
            reauthenticated_at: None,
        };
        let mut events = vault.repair_key_file()?;
        // The database's copy of the parameters, not the file's: a key file edited
        // to weaken them must not weaken the new slot.
        let passphrase_kdf = vault.passphrase_kdf()?;
        let device_secret = if was_bound { Some(SecretKey::random()?) } else { None };
        let slot =
            vault.keys.seal_passphrase_slot(&vault.data_key, new_passphrase, passphrase_kdf, device_secret.as_ref())?;
        vault.keys.put_slot(slot);
        events.push(NewEvent::new(EventKind::RecoveryKeyUsed));
        events.push(
            NewEvent::new(EventKind::PassphraseChanged).with_detail(serde_json::json!({ "via": "recovery_key" })),
        );
        vault.record_unlock("recovery_key", &events)?;
        // Stored only after vault.keys refers to it: a failed write leaves the old
        // keychain entry (and the old computer's binding) untouched.
        if let Some(secret) = device_secret
            && vault.keychain.store(&vault.keys.vault_id, &secret).is_err()
        {
            let slot = vault.keys.seal_passphrase_slot(&vault.data_key, new_passphrase, passphrase_kdf, None)?;
            vault.keys.put_slot(slot);
            vault.keys.write(&vault.location.key_file_path())?;
            let _ = audit::append(
                &vault.connection,
                &NewEvent::new(EventKind::DeviceBindingChanged)
                    .with_detail(serde_json::json!({ "enabled": false, "why": "keychain_unavailable" })),
            );
        }
        Ok(vault)
    }

    /// Locks: records why, closes the database and wipes the key. The vault is
    /// closed even when recording fails; the error only reports the lost record.
    pub fn lock(self, reason: LockReason) -> Result<()> {
        let recorded = audit::append(
            &self.connection,
            &NewEvent::new(EventKind::VaultLocked).with_detail(serde_json::json!({ "reason": reason.as_str() })),
        );
        drop(self);
        recorded.map(|_| ())
    }

    /// Changes the passphrase after checking the current one. Only the key slot
    /// changes; the database is untouched.
    pub fn change_passphrase(&mut self, current: &Passphrase, new: &Passphrase) -> Result<()> {
        strength::require_strong(new)?;
        let device_secret = self.check_passphrase(current)?;
        let kdf = self.passphrase_kdf()?;
        let slot = self.keys.seal_passphrase_slot(&self.data_key, new, kdf, device_secret.as_ref())?;
        self.keys.put_slot(slot);
        self.write_keys_with_event(NewEvent::new(EventKind::PassphraseChanged))
    }

    /// Re-encrypts the database under a new data key and rewraps both slots.
    ///
    /// Safe against a crash or a full disk at any point: the new slots are saved
    /// as "pending" before the database changes, and they replace the old ones only
    /// after a fresh connection has opened and checked every page with the new key.
    /// Unlocking tries both until then.
    pub fn rotate_data_key(&mut self, passphrase: &Passphrase) -> Result<()> {
        let device_secret = self.check_passphrase(passphrase)?;
        let new_key = SecretKey::random()?;
        let kdf = self.passphrase_kdf()?;
        let recovery = self.remembered_recovery_header()?;
        let pending = vec![
            self.keys.seal_passphrase_slot(&new_key, passphrase, kdf, device_secret.as_ref())?,
            self.keys.rewrap_recovery_slot(&new_key, recovery.kdf, recovery.salt, recovery.public_key)?,
        ];
        let key_path = self.location.key_file_path();
        self.keys.pending_rotation = pending;
        self.keys.write(&key_path)?;
        // SQLCipher 4.20 can report success for a rekey whose commit failed, so
        // only a fresh connection tells which key the file is under now.
        let rekeyed = storage::apply_key(&self.connection, &new_key, "rekey")
            .and_then(|()| Ok(self.connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?));
        let database_path = self.location.database_path();
        match storage::open(&database_path, &new_key, OpenMode::Existing) {
            Ok(fresh) => {
                self.connection = fresh;
                self.data_key = new_key;
                self.keys.promote_pending_rotation();
                self.write_keys_with_event(NewEvent::new(EventKind::DataKeyRotated))
            }
            Err(new_key_error) => match storage::open(&database_path, &self.data_key, OpenMode::Existing) {
                Ok(old) => {
                    // Still under the old key: forget the new one.
                    self.connection = old;
                    self.keys.pending_rotation.clear();
                    self.keys.write(&key_path)?;
                    Err(rekeyed.err().unwrap_or(new_key_error))
                }
                // Neither key opens it cleanly: keep both slot sets for the next unlock.
                Err(_) => Err(rekeyed.err().unwrap_or(new_key_error)),
            },
        }
    }

    /// Switches device binding on or off (needs the passphrase to rewrap its slot).
    pub fn set_device_binding(&mut self, passphrase: &Passphrase, enabled: bool) -> Result<()> {
        let old_secret = self.check_passphrase(passphrase)?;
        if enabled == self.keys.is_device_bound() {
            return Ok(());
        }
        let new_secret = if enabled { Some(self.new_device_secret()?) } else { None };
        let kdf = self.passphrase_kdf()?;
        let slot = self.keys.seal_passphrase_slot(&self.data_key, passphrase, kdf, new_secret.as_ref())?;
        self.keys.put_slot(slot);
        self.write_keys_with_event(
            NewEvent::new(EventKind::DeviceBindingChanged).with_detail(serde_json::json!({ "enabled": enabled })),
        )?;
        if !enabled && old_secret.is_some() {
            // The slot no longer needs it; a failure here leaves only an unused entry.
            let _ = self.keychain.delete(&self.keys.vault_id);
        }
        Ok(())
    }

    /// Makes a new recovery key (the old one stops working) and returns it, to be
    /// shown once. For a kit that was lost or never saved.
    pub fn replace_recovery_key(&mut self) -> Result<RecoveryKey> {
        let recovery_key = RecoveryKey::generate()?;
        let kdf = self.remembered_recovery_header()?.kdf;
        let slot = self.keys.seal_recovery_slot(&self.data_key, &recovery_key, kdf)?;
        self.keys.put_slot(slot);
        let transaction = self.connection.transaction()?;
        remember_key_file(&transaction, &self.keys)?;
        set_setting(&transaction, RECOVERY_KIT_CONFIRMED, "false")?;
        audit::append(&transaction, &NewEvent::new(EventKind::RecoveryKeyReplaced))?;
        self.keys.write(&self.location.key_file_path())?;
        // The key file already holds the new slot; a failed commit loses only the record.
        let _ = transaction.commit();
        Ok(recovery_key)
    }

    /// Whether the therapist has confirmed saving the current recovery kit.
    pub fn recovery_kit_confirmed(&self) -> Result<bool> {
        Ok(get_setting(&self.connection, RECOVERY_KIT_CONFIRMED)?.is_none_or(|value| value == "true"))
    }

    /// Records that the recovery kit was saved (the last group was typed back).
    pub fn confirm_recovery_kit(&mut self) -> Result<()> {
        let transaction = self.connection.transaction()?;
        set_setting(&transaction, RECOVERY_KIT_CONFIRMED, "true")?;
        audit::append(&transaction, &NewEvent::new(EventKind::RecoveryKitConfirmed))?;
        transaction.commit()?;
        Ok(())
    }

    /// Enters the passphrase again, for psychotherapy notes: valid for
    /// [`REAUTHENTICATION_WINDOW`]. Wrong answers count toward the backoff.
    pub fn reauthenticate(&mut self, passphrase: &Passphrase) -> Result<()> {
        self.check_passphrase(passphrase)?;
        self.reauthenticated_at = Some(std::time::Instant::now());
        Ok(())
    }

    /// Fails with [`Error::ReauthenticationRequired`] unless the passphrase was
    /// entered again within the last few minutes.
    pub fn require_reauthentication(&self) -> Result<()> {
        match self.reauthenticated_at {
            Some(at) if at.elapsed() <= REAUTHENTICATION_WINDOW => Ok(()),
            _ => Err(Error::ReauthenticationRequired),
        }
    }

    /// Whether unlocking needs this computer's keychain.
    pub fn is_device_bound(&self) -> bool {
        self.keys.is_device_bound()
    }

    /// The vault's random id.
    pub fn vault_id(&self) -> &str {
        &self.keys.vault_id
    }

    /// Where the vault lives.
    pub fn location(&self) -> &VaultLocation {
        &self.location
    }

    /// Discreet mode: client names hidden in lists and headers (one press shows
    /// them), a privacy screen when the window is left. On unless the therapist
    /// switched it off.
    pub fn discreet_mode(&self) -> Result<bool> {
        Ok(get_setting(&self.connection, "discreet_mode")?.is_none_or(|value| value != "false"))
    }

    /// Switches discreet mode on or off.
    pub fn set_discreet_mode(&mut self, enabled: bool) -> Result<()> {
        let transaction = self.connection.transaction()?;
        set_setting(&transaction, "discreet_mode", if enabled { "true" } else { "false" })?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "discreet_mode", "value": enabled })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Whether the therapist has read what discreet mode does (shown once).
    pub fn discreet_mode_explained(&self) -> Result<bool> {
        Ok(get_setting(&self.connection, "discreet_mode_explained")?.is_some_and(|value| value == "true"))
    }

    /// Records that the explanation of discreet mode was read.
    pub fn set_discreet_mode_explained(&mut self) -> Result<()> {
        set_setting(&self.connection, "discreet_mode_explained", "true")
    }

    /// Minutes of inactivity before the app locks.
    pub fn auto_lock_minutes(&self) -> Result<u32> {
        let stored = get_setting(&self.connection, "auto_lock_minutes")?;
        Ok(stored.and_then(|value| value.parse().ok()).unwrap_or(DEFAULT_AUTO_LOCK_MINUTES))
    }

    /// Sets the auto-lock time, 1 to 60 minutes.
    pub fn set_auto_lock_minutes(&mut self, minutes: u32) -> Result<()> {
        if !(1..=60).contains(&minutes) {
            return Err(Error::InvalidSetting { name: "auto-lock time", allowed: "between 1 and 60 minutes" });
        }
        let transaction = self.connection.transaction()?;
        set_setting(&transaction, "auto_lock_minutes", &minutes.to_string())?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged)
                .with_detail(serde_json::json!({ "setting": "auto_lock_minutes", "value": minutes })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// Checks the audit chain and re-hashes every signed note and addendum.
    pub fn verify(&self) -> Result<VerifyReport> {
        Ok(VerifyReport { audit: audit::verify_chain(&self.connection)?, signatures: self.verify_signatures()? })
    }

    /// A vault over an UNENCRYPTED database in `folder`: the benchmark's baseline
    /// (synthetic data only), and for tests that must read the file's bytes (e.g.
    /// to prove destruction left nothing behind). Same code paths, no encryption.
    /// Never available to the app.
    #[cfg(feature = "plaintext-baseline")]
    pub fn create_unencrypted_baseline(folder: &Path) -> Result<Vault> {
        std::fs::create_dir_all(folder).map_err(Error::io("create the test folder"))?;
        let location = VaultLocation::new(folder);
        let exclusive = VaultFileLock::acquire(&location)?;
        let connection = storage::open_plain(&location.database_path())?;
        Ok(Vault {
            location,
            connection,
            data_key: SecretKey::random()?,
            keys: KeyFile::new(hex::encode(*keyfile::random_bytes::<16>()?)),
            keychain: Arc::new(crate::device::MemoryKeychain::new()),
            _exclusive: exclusive,
            reauthenticated_at: None,
        })
    }

    /// Runs raw SQL, as someone with the key and the `sqlcipher` tool could.
    #[cfg(feature = "test-util")]
    pub fn execute_raw_sql_for_tests(&self, sql: &str) -> Result<()> {
        Ok(self.connection.execute_batch(sql)?)
    }

    /// The newest audit events, newest first.
    pub fn recent_audit_events(&self, limit: u32) -> Result<Vec<audit::AuditEvent>> {
        audit::recent(&self.connection, limit)
    }

    /// The data key, so tests can check it never reaches the disk in the clear.
    #[cfg(feature = "test-util")]
    pub fn expose_data_key_for_tests(&self) -> &SecretKey {
        &self.data_key
    }

    /// The data key, for backups made under the same key.
    pub(crate) fn data_key(&self) -> &SecretKey {
        &self.data_key
    }

    /// The key slots as they stand, for backups (which carry them).
    pub(crate) fn keys_mut(&mut self) -> &mut KeyFile {
        &mut self.keys
    }

    /// The open database, for the record modules of this crate.
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The open database, for writes in a transaction.
    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// The signer's name and credentials from settings, for signatures.
    pub fn signer(&self) -> Result<Option<(String, String)>> {
        let name = get_setting(&self.connection, "signer_name")?.filter(|name| !name.trim().is_empty());
        let credentials = get_setting(&self.connection, "signer_credentials")?.unwrap_or_default();
        Ok(name.map(|name| (name, credentials)))
    }

    /// Sets the name and credentials written on every signature (e.g. "Dana Reyes",
    /// "PsyD, Licensed Psychologist").
    pub fn set_signer(&mut self, name: &str, credentials: &str) -> Result<()> {
        let (name, credentials) = (name.trim(), credentials.trim());
        if name.is_empty() || name.chars().count() > 200 || credentials.chars().count() > 200 {
            return Err(Error::InvalidSetting { name: "signer", allowed: "a name of 1 to 200 characters" });
        }
        let transaction = self.connection.transaction()?;
        set_setting(&transaction, "signer_name", name)?;
        set_setting(&transaction, "signer_credentials", credentials)?;
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::SettingChanged).with_detail(serde_json::json!({ "setting": "signer" })),
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The passphrase slot's Argon2id parameters, as the database remembers them.
    fn passphrase_kdf(&self) -> Result<KdfParams> {
        let remembered = get_setting(&self.connection, REMEMBERED_PASSPHRASE_KDF)?
            .and_then(|json| serde_json::from_str::<KdfParams>(&json).ok());
        remembered
            .or_else(|| self.keys.passphrase_kdf())
            .ok_or(Error::KeyFileDamaged { reason: "a key slot is missing" })
    }

    fn remembered_recovery_header(&self) -> Result<RecoveryHeader> {
        get_setting(&self.connection, REMEMBERED_RECOVERY_HEADER)?
            .and_then(|json| serde_json::from_str::<RecoveryHeader>(&json).ok())
            .or_else(|| self.keys.recovery_header())
            .ok_or(Error::KeyFileDamaged { reason: "a key slot is missing" })
    }

    /// Compares vault.keys with what the encrypted database remembers about the
    /// recovery slot. If the file points at another recovery key (edited, or
    /// restored from an older backup), the slot is rebuilt for the remembered key.
    fn repair_key_file(&mut self) -> Result<Vec<NewEvent>> {
        let remembered = get_setting(&self.connection, REMEMBERED_RECOVERY_HEADER)?
            .and_then(|json| serde_json::from_str::<RecoveryHeader>(&json).ok());
        let Some(remembered) = remembered else {
            remember_key_file(&self.connection, &self.keys)?;
            return Ok(Vec::new());
        };
        if self.keys.recovery_header().as_ref() == Some(&remembered) {
            return Ok(Vec::new());
        }
        let slot = self.keys.rewrap_recovery_slot(
            &self.data_key,
            remembered.kdf,
            remembered.salt.clone(),
            remembered.public_key.clone(),
        )?;
        self.keys.put_slot(slot);
        Ok(vec![NewEvent::new(EventKind::KeyFileRepaired).with_detail(serde_json::json!({ "slot": "recovery" }))])
    }

    /// Re-authentication: the passphrase must open the current slot. Wrong
    /// answers count toward the same backoff as the lock screen's. Returns the
    /// device secret in use, if any.
    fn check_passphrase(&mut self, passphrase: &Passphrase) -> Result<Option<SecretKey>> {
        let key_path = self.location.key_file_path();
        refuse_while_backing_off(&mut self.keys, &key_path)?;
        let device_secret = if self.keys.is_device_bound() {
            Some(self.keychain.load(&self.keys.vault_id)?.ok_or(Error::DeviceSecretMissing)?)
        } else {
            None
        };
        open_counting_failures(&mut self.keys, &key_path, |keys| {
            keys.open_passphrase_slot(passphrase, device_secret.as_ref())
        })?;
        if self.keys.unlock_failures.consecutive > 0 {
            for failed_at in self.keys.take_failures().unrecorded {
                let _ = audit::append(&self.connection, &NewEvent::new(EventKind::UnlockFailed).at(failed_at));
            }
            self.keys.write(&key_path)?;
        }
        Ok(device_secret)
    }

    fn new_device_secret(&self) -> Result<SecretKey> {
        let secret = SecretKey::random()?;
        self.keychain.store(&self.keys.vault_id, &secret)?;
        Ok(secret)
    }

    /// Writes vault.keys and records `event` in one step: the audit row is staged
    /// in a transaction that commits after the file is in place. If the file write
    /// fails nothing is recorded; if only the commit fails, the change stands.
    fn write_keys_with_event(&mut self, event: NewEvent) -> Result<()> {
        let transaction = self.connection.transaction()?;
        remember_key_file(&transaction, &self.keys)?;
        audit::append(&transaction, &event)?;
        self.keys.write(&self.location.key_file_path())?;
        let _ = transaction.commit();
        Ok(())
    }

    /// Writes the unlock (and any failures before it) to the audit log and resets
    /// the failure counter.
    fn record_unlock(&mut self, method: &str, extra: &[NewEvent]) -> Result<()> {
        let failures = self.keys.take_failures();
        let transaction = self.connection.transaction()?;
        for failed_at in &failures.unrecorded {
            audit::append(&transaction, &NewEvent::new(EventKind::UnlockFailed).at(*failed_at))?;
        }
        let dropped = failures.consecutive as usize;
        if dropped > failures.unrecorded.len() {
            let detail = serde_json::json!({ "not_individually_recorded": dropped - failures.unrecorded.len() });
            audit::append(&transaction, &NewEvent::new(EventKind::UnlockFailed).with_detail(detail))?;
        }
        for event in extra {
            audit::append(&transaction, event)?;
        }
        audit::append(
            &transaction,
            &NewEvent::new(EventKind::VaultUnlocked).with_detail(serde_json::json!({ "method": method })),
        )?;
        remember_key_file(&transaction, &self.keys)?;
        self.keys.write(&self.location.key_file_path())?;
        transaction.commit()?;
        Ok(())
    }
}

pub(crate) fn get_setting(connection: &Connection, name: &str) -> Result<Option<String>> {
    Ok(connection.query_row("SELECT value FROM setting WHERE name = ?1", [name], |row| row.get(0)).optional()?)
}

pub(crate) fn set_setting(connection: &Connection, name: &str, value: &str) -> Result<()> {
    connection.execute(
        "INSERT INTO setting (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [name, value],
    )?;
    Ok(())
}

/// Stores the slot headers inside the encrypted database, where nobody without
/// the data key can change them.
fn remember_key_file(connection: &Connection, keys: &KeyFile) -> Result<()> {
    if let Some(header) = keys.recovery_header() {
        set_setting(connection, REMEMBERED_RECOVERY_HEADER, &to_json(&header)?)?;
    }
    if let Some(kdf) = keys.passphrase_kdf() {
        set_setting(connection, REMEMBERED_PASSPHRASE_KDF, &to_json(&kdf)?)?;
    }
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|_| Error::KeyFileDamaged { reason: "cannot encode slot header" })
}

/// Takes the vault's exclusive lock, then reads vault.keys (so no other program
/// changes it meanwhile) and refuses the attempt during a backoff.
fn begin_unlock(location: &VaultLocation) -> Result<(KeyFile, VaultFileLock)> {
    let key_path = location.key_file_path();
    if !key_path.exists() {
        return Err(Error::VaultNotFound);
    }
    let exclusive = VaultFileLock::acquire(location)?;
    // A creation that finished but could not remove its marker.
    let _ = std::fs::remove_file(location.folder().join(CREATING_MARKER));
    let mut keys = KeyFile::read(&key_path)?;
    refuse_while_backing_off(&mut keys, &key_path)?;
    Ok((keys, exclusive))
}

/// Opens a slot; a wrong passphrase or recovery key is counted (and saved in
/// vault.keys, for the backoff and the audit log) before the error returns.
fn open_counting_failures(
    keys: &mut KeyFile,
    key_path: &Path,
    open: impl FnOnce(&KeyFile) -> Result<SecretKey>,
) -> Result<SecretKey> {
    match open(keys) {
        Err(error @ (Error::WrongPassphrase | Error::WrongRecoveryKey)) => {
            keys.record_failure(Utc::now());
            keys.write(key_path)?;
            Err(error)
        }
        other => other,
    }
}

/// A `vault.db` without `vault.keys` and without the creation marker: the key
/// file was deleted or lost, and only a backup's key file opens the database.
fn key_file_lost(location: &VaultLocation) -> bool {
    location.database_path().exists()
        && !location.key_file_path().exists()
        && !location.folder().join(CREATING_MARKER).exists()
}

/// A `vault.db` without `vault.keys` beside the creation marker is what a
/// creation that stopped half-way leaves: nobody can open it. Move it aside
/// (never delete) and start afresh. Without the marker the key file was lost:
/// refuse, so a new vault never buries the old one.
fn set_aside_incomplete_database(location: &VaultLocation) -> Result<()> {
    let database_path = location.database_path();
    if !database_path.exists() {
        return Ok(());
    }
    if key_file_lost(location) {
        return Err(Error::KeyFileMissing);
    }
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", database_path.display()));
        if from.exists() {
            let to = location.folder().join(format!("vault.db.incomplete-{stamp}{suffix}"));
            std::fs::rename(&from, &to).map_err(Error::io("move an incomplete vault.db aside"))?;
        }
    }
    Ok(())
}

/// Opens the database with `data_key`; if that fails because a key rotation was
/// interrupted after re-encrypting, opens it with the pending slot's key instead
/// and completes the rotation in the key file.
fn open_database(
    location: &VaultLocation,
    keys: &mut KeyFile,
    data_key: SecretKey,
    open_pending: impl Fn(&KeyFile) -> Option<Result<SecretKey>>,
) -> Result<(Connection, SecretKey)> {
    let database_path = location.database_path();
    match storage::open(&database_path, &data_key, OpenMode::Existing) {
        Ok(connection) => {
            keys.pending_rotation.clear();
            Ok((connection, data_key))
        }
        Err(Error::DatabaseDamaged { damaged_pages: 0 }) if !keys.pending_rotation.is_empty() => {
            let Some(Ok(pending_key)) = open_pending(keys) else {
                return Err(Error::DatabaseDamaged { damaged_pages: 0 });
            };
            let connection = storage::open(&database_path, &pending_key, OpenMode::Existing)?;
            keys.promote_pending_rotation();
            Ok((connection, pending_key))
        }
        Err(error) => Err(error),
    }
}

fn backoff_seconds(consecutive_failures: u32) -> u64 {
    if consecutive_failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (consecutive_failures - FREE_ATTEMPTS).min(16);
    (5u64 << doublings).min(MAXIMUM_BACKOFF_SECONDS)
}

fn retry_after_seconds(keys: &KeyFile, now: DateTime<Utc>) -> u64 {
    let wait = backoff_seconds(keys.unlock_failures.consecutive);
    let Some(last_failure) = keys.unlock_failures.last_failure_at else { return 0 };
    let elapsed = (now - last_failure).num_seconds().max(0);
    wait.saturating_sub(elapsed.unsigned_abs())
}

/// Refuses an attempt during the backoff. A last failure stamped in the future
/// (the clock was wrong then) is moved to now, so the wait ends normally.
fn refuse_while_backing_off(keys: &mut KeyFile, key_path: &Path) -> Result<()> {
    let now = Utc::now();
    if keys.unlock_failures.last_failure_at.is_some_and(|last| last > now) {
        keys.unlock_failures.last_failure_at = Some(now);
        keys.write(key_path)?;
    }
    let retry_after_seconds = retry_after_seconds(keys, now);
    if retry_after_seconds > 0 {
        return Err(Error::TooManyAttempts { retry_after_seconds });
    }
    Ok(())
}

/// Only the therapist's account may list or read the vault folder.
fn restrict_folder_permissions(folder: &Path) {
    restrict_permissions(folder, 0o700);
}

/// Best effort `chmod` (Unix only): a failure leaves the umask's default.
pub(crate) fn restrict_permissions(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A fresh vault for the crate's unit tests: fast Argon2id, no binding, in
/// `folder/vault`, opened with [`test_support::PASSPHRASE`].
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub(crate) const PASSPHRASE: &str = "lantern orbit pickle meadow";

    pub(crate) fn new_vault(folder: &Path) -> Vault {
        let options = CreateOptions { device_binding: false, kdf: crate::kdf::KdfPolicy::fast_for_tests() };
        let keychain = Arc::new(crate::device::MemoryKeychain::new());
        let location = VaultLocation::new(folder.join("vault"));
        Vault::create(&location, &Passphrase::new(PASSPHRASE.to_owned()), options, keychain).expect("vault").vault
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_five_failures_and_doubles_up_to_five_minutes() {
        let waits: Vec<u64> = (0..12).map(backoff_seconds).collect();
        assert_eq!(waits, vec![0, 0, 0, 0, 0, 5, 10, 20, 40, 80, 160, 300]);
        assert_eq!(backoff_seconds(u32::MAX), 300);
    }

    use super::test_support::{PASSPHRASE, new_vault};

    #[test]
    fn the_passphrase_asked_again_is_good_for_five_minutes_and_no_longer() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut vault = new_vault(folder.path());
        assert!(matches!(vault.require_reauthentication(), Err(Error::ReauthenticationRequired)), "not yet asked");
        let wrong = vault.reauthenticate(&Passphrase::new("not my passphrase at all".to_owned()));
        assert!(matches!(wrong, Err(Error::WrongPassphrase)));
        assert!(vault.require_reauthentication().is_err(), "a wrong answer opens nothing");

        vault.reauthenticate(&Passphrase::new(PASSPHRASE.to_owned())).expect("right passphrase");
        vault.require_reauthentication().expect("just entered");
        let now = std::time::Instant::now();
        let ago = |seconds| now.checked_sub(std::time::Duration::from_secs(seconds)).expect("an instant in the past");
        vault.reauthenticated_at = Some(ago(REAUTHENTICATION_WINDOW.as_secs() - 5));
        vault.require_reauthentication().expect("still within five minutes");
        vault.reauthenticated_at = Some(ago(REAUTHENTICATION_WINDOW.as_secs() + 1));
        assert!(matches!(vault.require_reauthentication(), Err(Error::ReauthenticationRequired)), "expired");

        // Locking forgets it: the next unlock starts without.
        vault.reauthenticate(&Passphrase::new(PASSPHRASE.to_owned())).expect("right passphrase");
        let location = vault.location().clone();
        vault.lock(LockReason::User).expect("lock");
        let keychain = Arc::new(crate::device::MemoryKeychain::new());
        let vault = Vault::unlock(&location, &Passphrase::new(PASSPHRASE.to_owned()), keychain).expect("unlock");
        assert!(vault.require_reauthentication().is_err(), "a new unlock asks again");
    }

    /// "Saved" means on disk only with a WAL synced at every commit: pinned here,
    /// and shown in practice by the power-cut test (tests/acceptance/faults.rs).
    #[test]
    fn every_commit_is_synced_to_disk_in_wal_mode() {
        let folder = tempfile::tempdir().expect("temp dir");
        let vault = new_vault(folder.path());
        let journal: String = vault.connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).expect("journal");
        assert_eq!(journal, "wal");
        let synchronous: i64 = vault.connection.query_row("PRAGMA synchronous", [], |row| row.get(0)).expect("sync");
        assert_eq!(synchronous, 2, "synchronous = FULL");
        let location = vault.location().clone();
        vault.lock(LockReason::User).expect("lock");
        let keychain = Arc::new(crate::device::MemoryKeychain::new());
        let vault = Vault::unlock(&location, &Passphrase::new(PASSPHRASE.to_owned()), keychain).expect("unlock");
        let synchronous: i64 = vault.connection.query_row("PRAGMA synchronous", [], |row| row.get(0)).expect("sync");
        assert_eq!(synchronous, 2, "and after unlocking an existing vault");
    }
}
