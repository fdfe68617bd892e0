//! Device binding: a random per-vault secret kept in the OS keychain and mixed
//! into the passphrase slot, so a copied vault folder cannot be opened on another
//! computer even with the passphrase. Moving to a new computer = unlock once with
//! the recovery key, which binds the vault to the new keychain.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::secret::SecretKey;
use crate::{Error, Result};

/// The keychain service name under which device secrets are stored.
pub const KEYCHAIN_SERVICE: &str = "Confidant vault device key";

/// Where device secrets live. The real one is [`OsKeychain`]; tests use [`MemoryKeychain`].
pub trait DeviceKeychain: Send + Sync + std::fmt::Debug {
    /// The secret for `vault_id`, or `None` if this keychain has none.
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>>;
    /// Stores (or replaces) the secret for `vault_id`.
    fn store(&self, vault_id: &str, secret: &SecretKey) -> Result<()>;
    /// Removes the secret for `vault_id`; removing a missing one is fine.
    fn delete(&self, vault_id: &str) -> Result<()>;
}

fn account(vault_id: &str) -> String {
    format!("vault-{vault_id}")
}

/// The operating system's keychain: Secret Service on Linux, Keychain on macOS,
/// Credential Manager on Windows.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeychain;

impl OsKeychain {
    fn entry(vault_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(KEYCHAIN_SERVICE, &account(vault_id)).map_err(keychain_unavailable)
    }
}

fn keychain_unavailable(error: keyring::Error) -> Error {
    Error::KeychainUnavailable { detail: error.to_string() }
}

impl DeviceKeychain for OsKeychain {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>> {
        match Self::entry(vault_id)?.get_secret() {
            Ok(bytes) => {
                let bytes = zeroize::Zeroizing::new(bytes);
                let mut array: [u8; 32] = bytes.as_slice().try_into().map_err(|_| Error::KeychainUnavailable {
                    detail: "the keychain entry has an unexpected length".to_owned(),
                })?;
                Ok(Some(SecretKey::from_bytes(&mut array)))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keychain_unavailable(error)),
        }
    }

    fn store(&self, vault_id: &str, secret: &SecretKey) -> Result<()> {
        Self::entry(vault_id)?.set_secret(secret.expose_secret()).map_err(keychain_unavailable)
    }

    fn delete(&self, vault_id: &str) -> Result<()> {
        match Self::entry(vault_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(keychain_unavailable(error)),
        }
    }
}

/// An in-process keychain for tests and for computers without one.
#[derive(Debug, Default)]
pub struct MemoryKeychain {
    secrets: Mutex<HashMap<String, SecretKey>>,
    unavailable: bool,
}

impl MemoryKeychain {
    /// An empty keychain.
    pub fn new() -> Self {
        Self::default()
    }

    /// A keychain that fails every call, like a locked or absent Secret Service.
    pub fn unavailable() -> Self {
        MemoryKeychain { secrets: Mutex::default(), unavailable: true }
    }

    fn check(&self) -> Result<()> {
        if self.unavailable {
            return Err(Error::KeychainUnavailable { detail: "no keychain service is running".to_owned() });
        }
        Ok(())
    }
}

impl DeviceKeychain for MemoryKeychain {
    fn load(&self, vault_id: &str) -> Result<Option<SecretKey>> {
        self.check()?;
        let secrets = self.secrets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(secrets.get(vault_id).map(|secret| {
            let mut copy = *secret.expose_secret();
            SecretKey::from_bytes(&mut copy)
        }))
    }

    fn store(&self, vault_id: &str, secret: &SecretKey) -> Result<()> {
        self.check()?;
        let mut copy = *secret.expose_secret();
        let mut secrets = self.secrets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        secrets.insert(vault_id.to_owned(), SecretKey::from_bytes(&mut copy));
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> Result<()> {
        self.check()?;
        let mut secrets = self.secrets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        secrets.remove(vault_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_keychain_keeps_one_secret_per_vault() {
        let keychain = MemoryKeychain::new();
        assert!(keychain.load("a").expect("load").is_none());
        let secret = SecretKey::random().expect("random");
        keychain.store("a", &secret).expect("store");
        assert_eq!(keychain.load("a").expect("load").expect("present").expose_secret(), secret.expose_secret());
        keychain.delete("a").expect("delete");
        assert!(keychain.load("a").expect("load").is_none());
        assert!(matches!(MemoryKeychain::unavailable().load("a"), Err(Error::KeychainUnavailable { .. })));
    }
}
