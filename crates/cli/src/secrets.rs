//! Where the CLI gets secrets: a file, an environment variable or the terminal
//! (without echo), in that order. Every secret goes straight into a wiping type.

use std::io::IsTerminal;
use std::path::PathBuf;

use confidant_vault::{Passphrase, RecoveryKey};
use zeroize::Zeroizing;

use crate::Failure;

/// The secret sources given on the command line.
pub struct SecretSources {
    passphrase_file: Option<PathBuf>,
}

impl SecretSources {
    pub fn new(passphrase_file: Option<PathBuf>) -> Self {
        SecretSources { passphrase_file }
    }

    /// The current passphrase.
    pub fn passphrase(&self, prompt: &str) -> Result<Passphrase, Failure> {
        read_secret(self.passphrase_file.clone(), "CONFIDANT_PASSPHRASE", prompt, false).map(Passphrase::new)
    }

    /// A new passphrase (typed twice at a terminal). For `init`, the global
    /// `--passphrase-file` / `CONFIDANT_PASSPHRASE` is the new passphrase.
    pub fn new_passphrase(&self, file: Option<PathBuf>, prompt: &str) -> Result<Passphrase, Failure> {
        let (file, variable) = match file {
            Some(file) => (Some(file), "CONFIDANT_NEW_PASSPHRASE"),
            None if prompt.starts_with("Choose") => (self.passphrase_file.clone(), "CONFIDANT_PASSPHRASE"),
            None => (None, "CONFIDANT_NEW_PASSPHRASE"),
        };
        read_secret(file, variable, prompt, true).map(Passphrase::new)
    }

    /// The recovery key.
    pub fn recovery_key(&self, file: Option<PathBuf>) -> Result<RecoveryKey, Failure> {
        let text = Zeroizing::new(read_secret(file, "CONFIDANT_RECOVERY_KEY", "Recovery key", false)?);
        RecoveryKey::parse(&text).map_err(Failure::from)
    }
}

pub fn read_secret(file: Option<PathBuf>, variable: &str, prompt: &str, confirm: bool) -> Result<String, Failure> {
    if let Some(path) = file {
        let contents = Zeroizing::new(
            std::fs::read_to_string(&path)
                .map_err(|error| Failure::Usage(format!("cannot read {}: {error}", path.display())))?,
        );
        return Ok(contents.lines().next().unwrap_or_default().to_owned());
    }
    if let Ok(value) = std::env::var(variable) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Usage(format!("{prompt}: no terminal to ask; pass it in a file or in {variable}")));
    }
    let first = rpassword::prompt_password(format!("{prompt}: "))
        .map_err(|error| Failure::Usage(format!("cannot read from the terminal: {error}")))?;
    if confirm {
        let second = Zeroizing::new(
            rpassword::prompt_password("Type it again: ")
                .map_err(|error| Failure::Usage(format!("cannot read from the terminal: {error}")))?,
        );
        if *second != first {
            let _ = Zeroizing::new(first);
            return Err(Failure::Usage("the two entries differ; nothing was changed".to_owned()));
        }
    }
    Ok(first)
}
