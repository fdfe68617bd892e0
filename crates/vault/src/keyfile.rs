//! `vault.keys`: the small JSON file beside the database that holds the key slots.
//!
//! Each slot wraps the data key (DEK) with XChaCha20-Poly1305 under a key derived
//! from one secret: the passphrase (Argon2id, optionally mixed with a device secret
//! from the OS keychain) or the recovery key (Argon2id, then X25519, so the DEK can
//! be rewrapped for recovery without the recovery key at hand). Every slot's header
//! is associated data, so its parameters cannot be changed undetected. The whole
//! file carries a SHA-256 integrity field, so accidental damage is reported as
//! damage rather than as a wrong passphrase. It is always replaced atomically.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::kdf::{self, KdfParams};
use crate::recovery::RecoveryKey;
use crate::secret::{Passphrase, SecretKey};
use crate::{Error, Result};

/// The `format` field: tells a vault.keys file from any other JSON.
pub const FORMAT_NAME: &str = "confidant-vault-keys";
/// The newest key file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Key files are tiny; anything larger is not ours.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;
/// Unlock failures remembered for the audit log until the next successful unlock.
const MAX_UNRECORDED_FAILURES: usize = 100;

/// The parsed contents of `vault.keys`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    format: String,
    version: u32,
    /// Random id of this vault (hex), also bound into every slot.
    pub vault_id: String,
    /// When the vault was created.
    pub created_at: DateTime<Utc>,
    /// The key slots; exactly one passphrase slot and one recovery slot.
    pub slots: Vec<KeySlot>,
    /// Wrong passphrases and recovery keys since the last successful unlock.
    pub unlock_failures: UnlockFailures,
    /// Slots for a new data key while a rotation is under way: if the app stops
    /// after the database was re-encrypted but before this file was replaced,
    /// these slots still open it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_rotation: Vec<KeySlot>,
    /// SHA-256 (hex) of this file with this field empty.
    integrity: String,
}

/// One way into the vault.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeySlot {
    /// Opened by the passphrase (and, when device-bound, this computer's keychain).
    Passphrase {
        /// Argon2id parameters.
        kdf: KdfParams,
        /// Argon2id salt (base64, 16 bytes).
        salt: String,
        /// Whether the key mixes in a secret from the OS keychain.
        device_bound: bool,
        /// XChaCha20 nonce (base64, 24 bytes).
        nonce: String,
        /// The encrypted data key (base64, 48 bytes).
        wrapped_key: String,
    },
    /// Opened by the recovery key.
    Recovery {
        /// Argon2id parameters for stretching the recovery key.
        kdf: KdfParams,
        /// Argon2id salt (base64, 16 bytes).
        salt: String,
        /// X25519 public key derived from the recovery key (base64).
        public_key: String,
        /// Ephemeral X25519 public key of this wrapping (base64).
        ephemeral_public_key: String,
        /// XChaCha20 nonce (base64, 24 bytes).
        nonce: String,
        /// The encrypted data key (base64, 48 bytes).
        wrapped_key: String,
    },
}

/// What identifies the recovery slot's key: remembered inside the encrypted
/// database too, so a key file edited to point at another public key is noticed
/// and repaired instead of trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryHeader {
    /// Argon2id parameters for the recovery key.
    pub kdf: KdfParams,
    /// Argon2id salt (base64).
    pub salt: String,
    /// X25519 public key (base64).
    pub public_key: String,
}

/// Failed unlock attempts, kept here because the database cannot be opened yet.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockFailures {
    /// Failures in a row since the last success.
    pub consecutive: u32,
    /// When the last failure happened.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Failures not yet written to the audit log (the newest 100).
    pub unrecorded: Vec<DateTime<Utc>>,
}

/// What a slot's associated data covers: everything but the nonce and ciphertext.
#[derive(Serialize)]
struct SlotAssociatedData<'a> {
    format: &'a str,
    version: u32,
    vault_id: &'a str,
    kind: &'a str,
    kdf: &'a KdfParams,
    salt: &'a str,
    device_bound: bool,
    public_key: &'a str,
}

impl KeyFile {
    /// A new key file for a fresh vault, with no slots yet.
    pub fn new(vault_id: String) -> Self {
        KeyFile {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            vault_id,
            created_at: Utc::now(),
            slots: Vec::new(),
            unlock_failures: UnlockFailures::default(),
            pending_rotation: Vec::new(),
            integrity: String::new(),
        }
    }

    /// Reads and checks `vault.keys`.
    pub fn read(path: &Path) -> Result<Self> {
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Err(Error::VaultNotFound),
            Err(error) => return Err(Error::Io { action: "read vault.keys", source: error }),
        };
        if metadata.len() > MAX_KEY_FILE_BYTES {
            return Err(Error::KeyFileDamaged { reason: "file too large" });
        }
        let bytes = std::fs::read(path).map_err(Error::io("read vault.keys"))?;
        Self::parse(&bytes)
    }

    /// Parses and checks the bytes of a key file.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| Error::KeyFileDamaged { reason: "not valid json" })?;
        if value.get("format").and_then(|format| format.as_str()) != Some(FORMAT_NAME) {
            return Err(Error::KeyFileDamaged { reason: "not a confidant key file" });
        }
        match value.get("version").and_then(|version| version.as_u64()) {
            Some(version) if version == u64::from(FORMAT_VERSION) => {}
            Some(version) if version > u64::from(FORMAT_VERSION) => {
                return Err(Error::KeyFileTooNew { version: u32::try_from(version).unwrap_or(u32::MAX) });
            }
            _ => return Err(Error::KeyFileDamaged { reason: "unknown format version" }),
        }
        let mut file: KeyFile =
            serde_json::from_value(value).map_err(|_| Error::KeyFileDamaged { reason: "unexpected contents" })?;
        let expected = file.compute_integrity()?;
        if file.integrity != expected {
            return Err(Error::KeyFileDamaged { reason: "integrity check failed" });
        }
        if file.passphrase_slot().is_none() || file.recovery_slot().is_none() {
            return Err(Error::KeyFileDamaged { reason: "a key slot is missing" });
        }
        Ok(file)
    }

    /// SHA-256 over the file's own serialisation with `integrity` empty. Serialised
    /// from the struct (fixed field order), never through a JSON map, so the hash
    /// does not depend on serde_json's map ordering features.
    fn compute_integrity(&mut self) -> Result<String> {
        let saved = std::mem::take(&mut self.integrity);
        let bytes = serde_json::to_vec(&*self);
        self.integrity = saved;
        let bytes = bytes.map_err(|_| Error::KeyFileDamaged { reason: "cannot encode" })?;
        Ok(hex::encode(Sha256::digest(&bytes)))
    }

    /// Writes the file atomically: temporary file, fsync, rename, fsync the folder.
    pub fn write(&mut self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        write_atomically(path, &bytes, "write vault.keys")
    }

    /// The file's bytes, with the integrity field brought up to date.
    pub fn to_bytes(&mut self) -> Result<Vec<u8>> {
        self.integrity = self.compute_integrity()?;
        let mut bytes =
            serde_json::to_vec_pretty(self).map_err(|_| Error::KeyFileDamaged { reason: "cannot encode" })?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// What a forger who knows the published format can do: take edited key-file
    /// bytes and make the whole-file hash match again. The hash only tells
    /// damage from a wrong passphrase; the slots' AEAD must stop the edit.
    #[cfg(feature = "test-util")]
    pub fn rehash_for_tests(bytes: &[u8]) -> Result<Vec<u8>> {
        let mut file: KeyFile =
            serde_json::from_slice(bytes).map_err(|_| Error::KeyFileDamaged { reason: "unexpected contents" })?;
        file.to_bytes()
    }

    /// The passphrase slot.
    pub fn passphrase_slot(&self) -> Option<&KeySlot> {
        self.slots.iter().find(|slot| matches!(slot, KeySlot::Passphrase { .. }))
    }

    /// The recovery slot.
    pub fn recovery_slot(&self) -> Option<&KeySlot> {
        self.slots.iter().find(|slot| matches!(slot, KeySlot::Recovery { .. }))
    }

    /// The recovery slot's header: KDF parameters, salt and public key.
    pub fn recovery_header(&self) -> Option<RecoveryHeader> {
        match self.recovery_slot() {
            Some(KeySlot::Recovery { kdf, salt, public_key, .. }) => {
                Some(RecoveryHeader { kdf: *kdf, salt: salt.clone(), public_key: public_key.clone() })
            }
            _ => None,
        }
    }

    /// The passphrase slot's Argon2id parameters.
    pub fn passphrase_kdf(&self) -> Option<KdfParams> {
        match self.passphrase_slot() {
            Some(KeySlot::Passphrase { kdf, .. }) => Some(*kdf),
            _ => None,
        }
    }

    /// Whether the passphrase slot mixes in a keychain secret.
    pub fn is_device_bound(&self) -> bool {
        matches!(self.passphrase_slot(), Some(KeySlot::Passphrase { device_bound: true, .. }))
    }

    /// Replaces the slot of the same kind (or adds it).
    pub fn put_slot(&mut self, slot: KeySlot) {
        let same_kind = |existing: &KeySlot| std::mem::discriminant(existing) == std::mem::discriminant(&slot);
        self.slots.retain(|existing| !same_kind(existing));
        self.slots.push(slot);
        self.slots.sort_by_key(|slot| matches!(slot, KeySlot::Recovery { .. }));
    }

    /// Notes a failed attempt (to be written to the audit log at the next unlock).
    pub fn record_failure(&mut self, now: DateTime<Utc>) {
        let failures = &mut self.unlock_failures;
        failures.consecutive = failures.consecutive.saturating_add(1);
        failures.last_failure_at = Some(now);
        failures.unrecorded.push(now);
        if failures.unrecorded.len() > MAX_UNRECORDED_FAILURES {
            let excess = failures.unrecorded.len() - MAX_UNRECORDED_FAILURES;
            failures.unrecorded.drain(..excess);
        }
    }

    /// Clears the failure counter, returning the failures to write to the audit log.
    pub fn take_failures(&mut self) -> UnlockFailures {
        std::mem::take(&mut self.unlock_failures)
    }

    fn associated_data(&self, slot: &KeySlot) -> Result<Vec<u8>> {
        let data = match slot {
            KeySlot::Passphrase { kdf, salt, device_bound, .. } => SlotAssociatedData {
                format: FORMAT_NAME,
                version: FORMAT_VERSION,
                vault_id: &self.vault_id,
                kind: "passphrase",
                kdf,
                salt,
                device_bound: *device_bound,
                public_key: "",
            },
            KeySlot::Recovery { kdf, salt, public_key, .. } => SlotAssociatedData {
                format: FORMAT_NAME,
                version: FORMAT_VERSION,
                vault_id: &self.vault_id,
                kind: "recovery",
                kdf,
                salt,
                device_bound: false,
                public_key,
            },
        };
        serde_json::to_vec(&data).map_err(|_| Error::KeyFileDamaged { reason: "cannot encode slot header" })
    }

    /// Builds a passphrase slot wrapping `data_key`.
    pub fn seal_passphrase_slot(
        &self,
        data_key: &SecretKey,
        passphrase: &Passphrase,
        kdf: KdfParams,
        device_secret: Option<&SecretKey>,
    ) -> Result<KeySlot> {
        let salt = BASE64.encode(random_bytes::<16>()?);
        let nonce = random_bytes::<24>()?;
        let mut slot = KeySlot::Passphrase {
            kdf,
            salt: salt.clone(),
            device_bound: device_secret.is_some(),
            nonce: BASE64.encode(*nonce),
            wrapped_key: String::new(),
        };
        let wrapping_key = self.passphrase_wrapping_key(&kdf, &salt, passphrase, device_secret)?;
        let wrapped = seal(&wrapping_key, &nonce, data_key, &self.associated_data(&slot)?)?;
        if let KeySlot::Passphrase { wrapped_key, .. } = &mut slot {
            *wrapped_key = BASE64.encode(wrapped);
        }
        Ok(slot)
    }

    /// Opens the passphrase slot. A wrong passphrase (or device secret) gives
    /// [`Error::WrongPassphrase`].
    pub fn open_passphrase_slot(
        &self,
        passphrase: &Passphrase,
        device_secret: Option<&SecretKey>,
    ) -> Result<SecretKey> {
        let slot = self.passphrase_slot().ok_or(Error::KeyFileDamaged { reason: "a key slot is missing" })?;
        self.open_passphrase_slot_in(slot, passphrase, device_secret)
    }

    /// Opens the passphrase slot of an interrupted rotation, if there is one.
    pub fn open_pending_passphrase_slot(
        &self,
        passphrase: &Passphrase,
        device_secret: Option<&SecretKey>,
    ) -> Option<Result<SecretKey>> {
        let slot = self.pending_rotation.iter().find(|slot| matches!(slot, KeySlot::Passphrase { .. }))?;
        Some(self.open_passphrase_slot_in(slot, passphrase, device_secret))
    }

    /// Opens the recovery slot of an interrupted rotation, if there is one.
    pub fn open_pending_recovery_slot(&self, recovery_key: &RecoveryKey) -> Option<Result<SecretKey>> {
        let slot = self.pending_rotation.iter().find(|slot| matches!(slot, KeySlot::Recovery { .. }))?;
        Some(self.open_recovery_slot_in(slot, recovery_key))
    }

    /// Makes the slots of an interrupted rotation the current ones.
    pub fn promote_pending_rotation(&mut self) {
        for slot in std::mem::take(&mut self.pending_rotation) {
            self.put_slot(slot);
        }
    }

    fn open_passphrase_slot_in(
        &self,
        slot: &KeySlot,
        passphrase: &Passphrase,
        device_secret: Option<&SecretKey>,
    ) -> Result<SecretKey> {
        let KeySlot::Passphrase { kdf, salt, nonce, wrapped_key, .. } = slot else {
            return Err(Error::KeyFileDamaged { reason: "a key slot is missing" });
        };
        let wrapping_key = self.passphrase_wrapping_key(kdf, salt, passphrase, device_secret)?;
        open(&wrapping_key, nonce, wrapped_key, &self.associated_data(slot)?).ok_or(Error::WrongPassphrase)
    }

    fn passphrase_wrapping_key(
        &self,
        kdf: &KdfParams,
        salt: &str,
        passphrase: &Passphrase,
        device_secret: Option<&SecretKey>,
    ) -> Result<SecretKey> {
        let salt = decode_fixed::<16>(salt)?;
        let stretched = kdf::derive(kdf, passphrase.expose_secret().as_bytes(), salt.as_slice())?;
        // Two-secret derivation: without the keychain secret the passphrase alone
        // is useless, even to someone who copied vault.keys.
        let extract_salt = device_secret.map(|secret| secret.expose_secret().as_slice());
        let hkdf = Hkdf::<Sha256>::new(extract_salt, stretched.expose_secret());
        let mut wrapping_key = SecretKey::zeroed();
        let info = format!("confidant v1 passphrase slot {}", self.vault_id);
        hkdf.expand(info.as_bytes(), wrapping_key.as_mut_bytes())
            .map_err(|_| Error::KeyFileDamaged { reason: "key expansion failed" })?;
        Ok(wrapping_key)
    }

    /// Builds a recovery slot wrapping `data_key` to the recovery key's public key.
    pub fn seal_recovery_slot(
        &self,
        data_key: &SecretKey,
        recovery_key: &RecoveryKey,
        kdf: KdfParams,
    ) -> Result<KeySlot> {
        let salt = BASE64.encode(random_bytes::<16>()?);
        let secret = recovery_secret(&kdf, &salt, recovery_key)?;
        let public_key = x25519_dalek::PublicKey::from(&secret);
        self.rewrap_recovery_slot(data_key, kdf, salt, BASE64.encode(public_key.as_bytes()))
    }

    /// Wraps a (new) data key for the existing recovery public key: rotating the
    /// data key needs no recovery key at hand.
    pub fn reseal_recovery_slot(&self, data_key: &SecretKey) -> Result<KeySlot> {
        match self.recovery_slot() {
            Some(KeySlot::Recovery { kdf, salt, public_key, .. }) => {
                self.rewrap_recovery_slot(data_key, *kdf, salt.clone(), public_key.clone())
            }
            _ => Err(Error::KeyFileDamaged { reason: "a key slot is missing" }),
        }
    }

    /// Wraps `data_key` to a recovery public key given explicitly (the copy the
    /// encrypted database remembers), not the one in this file.
    pub(crate) fn rewrap_recovery_slot(
        &self,
        data_key: &SecretKey,
        kdf: KdfParams,
        salt: String,
        public_key: String,
    ) -> Result<KeySlot> {
        let recipient = x25519_dalek::PublicKey::from(*decode_fixed::<32>(&public_key)?);
        let mut ephemeral_bytes = random_bytes::<32>()?;
        let ephemeral = x25519_dalek::StaticSecret::from(*ephemeral_bytes);
        ephemeral_bytes.fill(0);
        let ephemeral_public = x25519_dalek::PublicKey::from(&ephemeral);
        let shared = ephemeral.diffie_hellman(&recipient);
        if !shared.was_contributory() {
            return Err(Error::KeyFileDamaged { reason: "the recovery public key is invalid" });
        }
        let nonce = random_bytes::<24>()?;
        let mut slot = KeySlot::Recovery {
            kdf,
            salt,
            public_key,
            ephemeral_public_key: BASE64.encode(ephemeral_public.as_bytes()),
            nonce: BASE64.encode(*nonce),
            wrapped_key: String::new(),
        };
        let wrapping_key = recovery_wrapping_key(shared.as_bytes(), ephemeral_public.as_bytes(), recipient.as_bytes())?;
        let wrapped = seal(&wrapping_key, &nonce, data_key, &self.associated_data(&slot)?)?;
        if let KeySlot::Recovery { wrapped_key, .. } = &mut slot {
            *wrapped_key = BASE64.encode(wrapped);
        }
        Ok(slot)
    }

    /// Opens the recovery slot; a recovery key of another vault gives
    /// [`Error::WrongRecoveryKey`].
    pub fn open_recovery_slot(&self, recovery_key: &RecoveryKey) -> Result<SecretKey> {
        let slot = self.recovery_slot().ok_or(Error::KeyFileDamaged { reason: "a key slot is missing" })?;
        self.open_recovery_slot_in(slot, recovery_key)
    }

    fn open_recovery_slot_in(&self, slot: &KeySlot, recovery_key: &RecoveryKey) -> Result<SecretKey> {
        let KeySlot::Recovery { kdf, salt, public_key, ephemeral_public_key, nonce, wrapped_key } = slot else {
            return Err(Error::KeyFileDamaged { reason: "a key slot is missing" });
        };
        let secret = recovery_secret(kdf, salt, recovery_key)?;
        let derived_public = x25519_dalek::PublicKey::from(&secret);
        if BASE64.encode(derived_public.as_bytes()) != *public_key {
            return Err(Error::WrongRecoveryKey);
        }
        let ephemeral_public = x25519_dalek::PublicKey::from(*decode_fixed::<32>(ephemeral_public_key)?);
        let shared = secret.diffie_hellman(&ephemeral_public);
        if !shared.was_contributory() {
            return Err(Error::KeyFileDamaged { reason: "the recovery slot is invalid" });
        }
        let wrapping_key =
            recovery_wrapping_key(shared.as_bytes(), ephemeral_public.as_bytes(), derived_public.as_bytes())?;
        open(&wrapping_key, nonce, wrapped_key, &self.associated_data(slot)?).ok_or(Error::WrongRecoveryKey)
    }
}

fn recovery_secret(kdf: &KdfParams, salt: &str, recovery_key: &RecoveryKey) -> Result<x25519_dalek::StaticSecret> {
    let salt = decode_fixed::<16>(salt)?;
    let stretched = kdf::derive(kdf, recovery_key.expose_secret(), salt.as_slice())?;
    Ok(x25519_dalek::StaticSecret::from(*stretched.expose_secret()))
}

fn recovery_wrapping_key(shared: &[u8; 32], ephemeral_public: &[u8; 32], recipient: &[u8; 32]) -> Result<SecretKey> {
    let mut salt = Vec::with_capacity(64);
    salt.extend_from_slice(ephemeral_public);
    salt.extend_from_slice(recipient);
    let hkdf = Hkdf::<Sha256>::new(Some(&salt), shared);
    let mut wrapping_key = SecretKey::zeroed();
    hkdf.expand(b"confidant v1 recovery slot", wrapping_key.as_mut_bytes())
        .map_err(|_| Error::KeyFileDamaged { reason: "key expansion failed" })?;
    Ok(wrapping_key)
}

fn seal(wrapping_key: &SecretKey, nonce: &[u8; 24], data_key: &SecretKey, associated_data: &[u8]) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(wrapping_key.expose_secret().into());
    cipher
        .encrypt(&XNonce::from(*nonce), Payload { msg: data_key.expose_secret(), aad: associated_data })
        .map_err(|_| Error::KeyFileDamaged { reason: "key wrapping failed" })
}

/// Decrypts a wrapped key; `None` when the wrapping key or associated data is wrong.
fn open(wrapping_key: &SecretKey, nonce: &str, wrapped_key: &str, associated_data: &[u8]) -> Option<SecretKey> {
    let nonce = decode_fixed::<24>(nonce).ok()?;
    let wrapped = BASE64.decode(wrapped_key).ok()?;
    let cipher = XChaCha20Poly1305::new(wrapping_key.expose_secret().into());
    let plain =
        Zeroizing::new(cipher.decrypt(&XNonce::from(*nonce), Payload { msg: &wrapped, aad: associated_data }).ok()?);
    let mut bytes: [u8; 32] = plain.as_slice().try_into().ok()?;
    Some(SecretKey::from_bytes(&mut bytes))
}

fn decode_fixed<const N: usize>(text: &str) -> Result<Zeroizing<[u8; N]>> {
    let bytes = Zeroizing::new(BASE64.decode(text).map_err(|_| Error::KeyFileDamaged { reason: "bad base64 field" })?);
    let array: [u8; N] =
        bytes.as_slice().try_into().map_err(|_| Error::KeyFileDamaged { reason: "field has the wrong length" })?;
    Ok(Zeroizing::new(array))
}

pub(crate) fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
    let mut bytes = Zeroizing::new([0u8; N]);
    getrandom::fill(bytes.as_mut_slice()).map_err(|_| Error::RandomnessUnavailable)?;
    Ok(bytes)
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new
/// file, never a mix: write a temporary file, fsync it, rename, fsync the folder.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], action: &'static str) -> Result<()> {
    let folder = path.parent().ok_or(Error::Io { action, source: std::io::Error::other("no parent folder") })?;
    let mut temporary =
        tempfile::Builder::new().prefix(".confidant-").suffix(".tmp").tempfile_in(folder).map_err(Error::io(action))?;
    temporary.write_all(bytes).map_err(Error::io(action))?;
    temporary.as_file().sync_all().map_err(Error::io(action))?;
    temporary.persist(path).map_err(|error| Error::from_io(action, error.error))?;
    sync_folder(folder).map_err(Error::io(action))?;
    Ok(())
}

#[cfg(unix)]
pub(crate) fn sync_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::File::open(folder)?.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn sync_folder(_folder: &Path) -> std::io::Result<()> {
    Ok(())
}
