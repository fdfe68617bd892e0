//! Errors as the web view sees them: `{ code, message }` with a stable code.
//!
//! The UI decides what to show from `code`; `message` is a fallback in plain
//! words. Neither ever holds record text or secrets.

use serde::Serialize;

/// A stable, machine-readable error kind. Renaming a variant breaks the UI's
/// message table, so treat these like a public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The app was built without encryption support.
    EncryptionUnavailable,
    /// A storage failure the user cannot fix from the UI.
    Internal,
}

/// The error every command returns.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// What went wrong, for the program.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
}

impl From<confidant_vault::Error> for CommandError {
    fn from(error: confidant_vault::Error) -> Self {
        let code = match &error {
            confidant_vault::Error::EncryptionUnavailable => ErrorCode::EncryptionUnavailable,
            _ => ErrorCode::Internal,
        };
        CommandError { code, message: error.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_errors_cross_as_code_and_message() {
        let error = CommandError::from(confidant_vault::Error::EncryptionUnavailable);
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(json["code"], "encryption_unavailable");
        assert!(json["message"].as_str().is_some_and(|m| m.contains("sqlcipher")));
    }
}
