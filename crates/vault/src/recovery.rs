//! The recovery key: 160 random bits, written as nine groups of four characters
//! from Crockford's base32 alphabet (no I, L, O or U), the last group a checksum
//! so that a mistyped key is reported as a typo, not as a wrong key.

use std::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result};

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Random bytes in a recovery key (160 bits).
const KEY_BYTES: usize = 20;
/// Characters carrying the key (160 bits / 5 bits per character).
const KEY_CHARS: usize = 32;
/// Characters of checksum (20 bits of SHA-256).
const CHECK_CHARS: usize = 4;
/// Characters per group as printed.
const GROUP: usize = 4;
/// Total characters, without separators.
pub const RECOVERY_KEY_CHARS: usize = KEY_CHARS + CHECK_CHARS;

/// A recovery key. Wiped on drop; printed only through [`RecoveryKey::expose_formatted`].
pub struct RecoveryKey(Box<Zeroizing<[u8; KEY_BYTES]>>);

impl RecoveryKey {
    /// A fresh recovery key from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let mut bytes = Box::new(Zeroizing::new([0u8; KEY_BYTES]));
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| Error::RandomnessUnavailable)?;
        Ok(RecoveryKey(bytes))
    }

    /// Reads a recovery key as the therapist typed it: any case, with or without
    /// dashes or spaces; `I`/`L` read as 1 and `O` as 0.
    pub fn parse(typed: &str) -> Result<Self> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(RECOVERY_KEY_CHARS));
        for character in typed.chars() {
            if character == '-' || character.is_whitespace() {
                continue;
            }
            let position = symbols.len();
            if position >= RECOVERY_KEY_CHARS {
                // Stop early: no reallocation leaves copies of a long paste behind.
                return Err(Error::RecoveryKeyWrongLength {
                    found: typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).count(),
                    expected: RECOVERY_KEY_CHARS,
                });
            }
            match symbol_value(character) {
                Some(value) => symbols.push(value),
                None => return Err(Error::RecoveryKeyMalformed { group: position / GROUP + 1 }),
            }
        }
        if symbols.len() != RECOVERY_KEY_CHARS {
            return Err(Error::RecoveryKeyWrongLength { found: symbols.len(), expected: RECOVERY_KEY_CHARS });
        }
        let mut bytes = Box::new(Zeroizing::new([0u8; KEY_BYTES]));
        unpack(&symbols[..KEY_CHARS], bytes.as_mut_slice());
        let key = RecoveryKey(bytes);
        if checksum_symbols(key.expose_secret()) != symbols[KEY_CHARS..] {
            return Err(Error::RecoveryKeyTypo);
        }
        Ok(key)
    }

    /// The key as printed on the recovery kit: `XXXX-XXXX-…` (nine groups).
    pub fn expose_formatted(&self) -> Zeroizing<String> {
        let mut symbols = Zeroizing::new(vec![0u8; KEY_CHARS]);
        pack(self.expose_secret(), &mut symbols);
        symbols.extend_from_slice(&checksum_symbols(self.expose_secret()));
        let mut text = Zeroizing::new(String::with_capacity(RECOVERY_KEY_CHARS + RECOVERY_KEY_CHARS / GROUP));
        for (index, value) in symbols.iter().enumerate() {
            if index > 0 && index % GROUP == 0 {
                text.push('-');
            }
            text.push(char::from(ALPHABET[usize::from(*value)]));
        }
        text
    }

    /// The key's raw bytes, for key derivation only.
    pub(crate) fn expose_secret(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("RecoveryKey([redacted])")
    }
}

fn symbol_value(character: char) -> Option<u8> {
    let upper = match character.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET.iter().position(|&symbol| char::from(symbol) == upper).and_then(|index| u8::try_from(index).ok())
}

/// Splits bytes into 5-bit symbols, most significant bit first.
fn pack(bytes: &[u8], symbols: &mut [u8]) {
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut out = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            symbols[out] = ((buffer >> bits) & 0x1f) as u8;
            out += 1;
        }
    }
    buffer.zeroize();
}

/// Joins 5-bit symbols back into bytes (the inverse of [`pack`]).
fn unpack(symbols: &[u8], bytes: &mut [u8]) {
    let mut buffer: u32 = 0;
    let mut bits = 0;
    let mut out = 0;
    for &symbol in symbols {
        buffer = (buffer << 5) | u32::from(symbol);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            bytes[out] = ((buffer >> bits) & 0xff) as u8;
            out += 1;
        }
    }
    buffer.zeroize();
}

/// The four check symbols: the first 20 bits of SHA-256 over the key.
fn checksum_symbols(bytes: &[u8; KEY_BYTES]) -> [u8; CHECK_CHARS] {
    let digest = Sha256::digest(bytes);
    let first = (u32::from(digest[0]) << 16) | (u32::from(digest[1]) << 8) | u32::from(digest[2]);
    let mut symbols = [0u8; CHECK_CHARS];
    for (index, symbol) in symbols.iter_mut().enumerate() {
        *symbol = ((first >> (19 - 5 * index - 4)) & 0x1f) as u8;
    }
    symbols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_key_reads_back_the_same() {
        let key = RecoveryKey::generate().expect("random");
        let printed = key.expose_formatted();
        assert_eq!(printed.len(), 36 + 8, "nine groups of four with dashes: {}", printed.len());
        assert_eq!(printed.split('-').count(), 9);
        let typed = printed.to_lowercase().replace('-', " ");
        let read = RecoveryKey::parse(&typed).expect("parses");
        assert_eq!(read.expose_secret(), key.expose_secret());
    }

    #[test]
    fn ambiguous_letters_are_read_as_digits() {
        let key = RecoveryKey::generate().expect("random");
        let printed = key.expose_formatted().replace('1', "l").replace('0', "O");
        assert_eq!(RecoveryKey::parse(&printed).expect("parses").expose_secret(), key.expose_secret());
    }

    #[test]
    fn one_wrong_character_is_reported_as_a_typo() {
        let key = RecoveryKey::generate().expect("random");
        let printed = key.expose_formatted().to_string();
        let mut typo_seen = 0;
        // Change each key character in turn: every single substitution is caught.
        for position in (0..printed.len()).filter(|&index| printed.as_bytes()[index] != b'-') {
            let mut changed = printed.clone().into_bytes();
            changed[position] = if changed[position] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).expect("ascii");
            match RecoveryKey::parse(&changed) {
                Err(Error::RecoveryKeyTypo) => typo_seen += 1,
                other => panic!("position {position}: expected a typo error, got {other:?}"),
            }
        }
        assert_eq!(typo_seen, 36);
    }

    #[test]
    fn wrong_length_and_foreign_characters_are_named() {
        let key = RecoveryKey::generate().expect("random");
        let printed = key.expose_formatted().to_string();
        let short = &printed[..printed.len() - 5];
        assert!(matches!(RecoveryKey::parse(short), Err(Error::RecoveryKeyWrongLength { found: 32, expected: 36 })));
        let foreign = format!("{}U{}", &printed[..5], &printed[6..]);
        assert!(matches!(RecoveryKey::parse(&foreign), Err(Error::RecoveryKeyMalformed { group: 2 })));
    }
}
