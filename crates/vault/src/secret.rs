//! Types for secrets: zeroized on drop, `[redacted]` in Debug, never Clone or Serialize.
//!
//! Their bytes are reachable only through the loudly named `expose_secret` methods,
//! so a grep finds every place a secret is used.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// A 256-bit key: the data key, a key-encryption key, a device secret.
///
/// Boxed so that moving the value does not leave copies on the stack, and locked
/// into RAM (best effort) so it is not written to swap.
pub struct SecretKey(Box<Zeroizing<[u8; 32]>>);

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn random() -> crate::Result<Self> {
        let mut key = Self::zeroed();
        getrandom::fill(key.0.as_mut_slice()).map_err(|_| crate::Error::RandomnessUnavailable)?;
        Ok(key)
    }

    /// Takes ownership of key bytes, wiping the caller's copy.
    pub fn from_bytes(bytes: &mut [u8; 32]) -> Self {
        let mut key = Self::zeroed();
        key.0.copy_from_slice(bytes);
        bytes.zeroize();
        key
    }

    pub(crate) fn zeroed() -> Self {
        let key = SecretKey(Box::new(Zeroizing::new([0u8; 32])));
        confidant_hardening::lock_in_memory(key.0.as_slice());
        key
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }

    /// The raw key bytes. Every call site is a place a secret leaves this type.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as lowercase hex, in a buffer that is wiped when dropped.
    pub(crate) fn expose_secret_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_slice()))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("SecretKey([redacted])")
    }
}

/// A passphrase typed by the therapist. Wiped on drop; never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes ownership of the typed text; the `String` is moved, not copied.
    pub fn new(text: String) -> Self {
        Passphrase(Zeroizing::new(text))
    }

    /// The passphrase text. Every call site is a place a secret leaves this type.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Passphrase([redacted])")
    }
}

/// Lets a passphrase arrive straight from IPC or JSON into a wiping type.
impl<'de> serde::Deserialize<'de> for Passphrase {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Passphrase::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let mut bytes = [0x41u8; 32];
        let key = SecretKey::from_bytes(&mut bytes);
        assert_eq!(bytes, [0u8; 32], "the caller's copy is wiped");
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
        let passphrase = Passphrase::new("correct horse battery staple".to_owned());
        let printed = format!("{passphrase:?}");
        assert!(!printed.contains("horse"));
        assert_eq!(printed, "Passphrase([redacted])");
    }

    #[test]
    fn random_keys_differ() {
        let first = SecretKey::random().expect("random");
        let second = SecretKey::random().expect("random");
        assert_ne!(first.expose_secret(), second.expose_secret());
        assert_ne!(first.expose_secret(), &[0u8; 32]);
    }

    #[test]
    fn passphrases_deserialise_from_json_strings() {
        let passphrase: Passphrase = serde_json::from_str("\"a b c\"").expect("json string");
        assert_eq!(passphrase.expose_secret(), "a b c");
    }
}
