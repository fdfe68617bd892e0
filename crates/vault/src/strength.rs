//! Passphrase strength: refuse passphrases that are short or easy to guess, and
//! say why in words the therapist can act on.

use serde::Serialize;

use crate::secret::Passphrase;
use crate::{Error, Result};

/// Fewest characters a vault passphrase may have.
pub const MINIMUM_PASSPHRASE_CHARS: usize = 12;
/// Longest passphrase accepted (Argon2 takes any length; this only bounds input).
pub const MAXIMUM_PASSPHRASE_CHARS: usize = 1024;
/// Lowest zxcvbn score (0–4) accepted: 3 = "safely unguessable" offline with a slow hash.
const MINIMUM_SCORE: u8 = 3;

/// How good a passphrase is, for the strength meter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassphraseStrength {
    /// zxcvbn score, 0 (guessable) to 4 (very strong).
    pub score: u8,
    /// Whether the vault accepts it.
    pub acceptable: bool,
    /// What to change, when it is not acceptable or could be better.
    pub advice: Option<String>,
}

/// Rates a passphrase without storing it anywhere.
pub fn rate_passphrase(passphrase: &Passphrase) -> PassphraseStrength {
    let text = passphrase.expose_secret();
    let n_chars = text.chars().count();
    if n_chars > MAXIMUM_PASSPHRASE_CHARS {
        return PassphraseStrength {
            score: 4,
            acceptable: false,
            advice: Some(format!("use at most {MAXIMUM_PASSPHRASE_CHARS} characters")),
        };
    }
    let entropy = zxcvbn::zxcvbn(text, &["confidant", "therapy", "therapist", "vault", "client", "notes"]);
    let score = u8::from(entropy.score());
    let feedback = entropy.feedback().map(|feedback| {
        let mut parts = Vec::new();
        if let Some(warning) = feedback.warning() {
            parts.push(warning.to_string());
        }
        parts.extend(feedback.suggestions().iter().map(ToString::to_string));
        parts.join(" ")
    });
    if n_chars < MINIMUM_PASSPHRASE_CHARS {
        return PassphraseStrength {
            score,
            acceptable: false,
            advice: Some(format!(
                "use at least {MINIMUM_PASSPHRASE_CHARS} characters ({n_chars} so far); four or five unrelated words work well"
            )),
        };
    }
    if score < MINIMUM_SCORE {
        let advice = feedback
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| "add another word or two that are not related".to_owned());
        return PassphraseStrength { score, acceptable: false, advice: Some(advice) };
    }
    PassphraseStrength { score, acceptable: true, advice: None }
}

/// Fails with [`Error::WeakPassphrase`] unless the passphrase is acceptable.
pub fn require_strong(passphrase: &Passphrase) -> Result<()> {
    let strength = rate_passphrase(passphrase);
    if strength.acceptable {
        return Ok(());
    }
    Err(Error::WeakPassphrase { reason: strength.advice.unwrap_or_else(|| "choose a longer passphrase".to_owned()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> PassphraseStrength {
        rate_passphrase(&Passphrase::new(text.to_owned()))
    }

    #[test]
    fn short_passphrases_are_refused_with_the_length_rule() {
        let strength = rate("Xk9!");
        assert!(!strength.acceptable);
        assert!(strength.advice.expect("advice").contains("at least 12 characters"));
    }

    #[test]
    fn long_but_predictable_passphrases_are_refused_with_advice() {
        let strength = rate("password1234");
        assert!(!strength.acceptable);
        assert!(strength.advice.is_some_and(|advice| !advice.is_empty()));
    }

    #[test]
    fn several_unrelated_words_are_accepted() {
        let strength = rate("lantern orbit pickle meadow");
        assert!(strength.acceptable, "{strength:?}");
        assert!(require_strong(&Passphrase::new("lantern orbit pickle meadow".to_owned())).is_ok());
    }
}
