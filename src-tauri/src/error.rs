//! Errors as the web view sees them: `{ code, message }` with a stable code.
//!
//! The UI decides what to show from `code`; `message` is a fallback in plain
//! words. Neither ever holds record text or secrets. The codes are the vault's
//! own (`confidant_vault::Error::code`), so the CLI's JSON and the UI agree.

use serde::{Deserialize, Serialize};

/// A stable, machine-readable error kind. Renaming a variant breaks the UI's
/// message table, so treat these like a public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The app was built without encryption support.
    EncryptionUnavailable,
    /// No random numbers from the OS.
    RandomnessUnavailable,
    /// No vault in the folder.
    VaultNotFound,
    /// A vault is already there.
    VaultAlreadyExists,
    /// Wrong passphrase.
    WrongPassphrase,
    /// The recovery key belongs to another vault.
    WrongRecoveryKey,
    /// The recovery key has a typo.
    RecoveryKeyTypo,
    /// The recovery key is too short or too long.
    RecoveryKeyWrongLength,
    /// The recovery key has a character recovery keys never use.
    RecoveryKeyMalformed,
    /// The passphrase is too easy to guess.
    WeakPassphrase,
    /// Too many wrong attempts: wait.
    TooManyAttempts,
    /// vault.keys is damaged.
    KeyFileDamaged,
    /// vault.keys is from a newer version.
    KeyFileTooNew,
    /// vault.db is damaged.
    DatabaseDamaged,
    /// vault.db is from a newer version.
    VaultTooNew,
    /// This computer's keychain has no key for a device-bound vault.
    DeviceSecretMissing,
    /// The keychain cannot be reached.
    KeychainUnavailable,
    /// Another Confidant has the vault open.
    VaultInUse,
    /// The vault is locked.
    Locked,
    /// No new vault is waiting for its recovery kit.
    NoOnboarding,
    /// The typed group does not match the recovery key.
    RecoveryKitMismatch,
    /// A client, note or record that does not exist.
    NotFound,
    /// Another client has that code.
    ClientCodeTaken,
    /// A field with a value it cannot hold.
    InvalidInput,
    /// A signed note never changes.
    SignedNoteIsImmutable,
    /// Signing needs the signer's name in settings.
    SignerNotSet,
    /// Destroying a client needs its code typed back.
    DestructionNotConfirmed,
    /// Psychotherapy notes need the passphrase again.
    ReauthenticationRequired,
    /// A setting out of range.
    InvalidSetting,
    /// A transfer file's record cannot be imported (altered, invalid).
    TransferInvalid,
    /// A file could not be read or written.
    Io,
    /// The database reported an error.
    Database,
    /// Anything else.
    Internal,
    /// The system clipboard cannot be reached (a code the shell adds).
    ClipboardUnavailable,
    /// The web view named a file the therapist did not pick (a code the shell adds).
    FileNotChosen,
    /// Not an age-encrypted transfer file.
    TransferNotAge,
    /// The transfer file's passphrase is wrong.
    TransferWrongPassphrase,
    /// The transfer file was encrypted for another key.
    TransferNotForThisVault,
    /// Opened with a passphrase instead of a key, or the reverse.
    TransferWrongUnlockMethod,
    /// The file asks for too much work to open.
    TransferExcessiveWork,
    /// Truncated or altered ciphertext.
    TransferDamaged,
    /// Beyond the documented size limits.
    TransferTooLarge,
    /// A member the format does not have (or a path trick).
    TransferUnexpectedMember,
    /// A member twice.
    TransferDuplicateMember,
    /// A member missing.
    TransferMissingMember,
    /// A link or device instead of a file.
    TransferNotAFile,
    /// The archive is broken.
    TransferMalformedArchive,
    /// manifest.json is broken.
    TransferMalformedManifest,
    /// A newer format version.
    TransferUnknownVersion,
    /// A member differs from the manifest.
    TransferMemberMismatch,
    /// The manifest's counts differ from the record.
    TransferCountMismatch,
    /// record.json is broken.
    TransferMalformedRecord,
    /// Not an age public key.
    TransferBadRecipient,
    /// The PDF could not be made.
    PdfFailed,
    /// vault.keys is missing beside vault.db.
    KeyFileMissing,
    /// Another Confidant app has this vault folder.
    AppAlreadyRunning,
    /// The disk is full.
    DiskFull,
    /// The backup folder is missing, read-only or full.
    BackupFolderUnavailable,
    /// A backup file is damaged or not a backup.
    BackupDamaged,
    /// A backup of another vault.
    BackupOfAnotherVault,
    /// A draft with field problems cannot be signed (it is saved).
    NoteNotReadyToSign,
    /// The sign dialog's warnings were not acknowledged.
    SignWarningsNotAcknowledged,
    /// A file or folder that does not exist.
    PathNotFound,
    /// A folder where a file was expected.
    PathIsFolder,
    /// Not a folder where one was expected.
    PathNotFolder,
    /// The operating system refused access.
    PermissionDenied,
    /// A read-only disk.
    ReadOnly,
}

/// The error every command returns.
#[derive(Debug, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// What went wrong, for the program.
    pub code: ErrorCode,
    /// What went wrong, for a person.
    pub message: String,
    /// For `too_many_attempts`: seconds until the next try.
    pub retry_after_seconds: Option<u32>,
}

impl CommandError {
    /// A command was given a file nobody picked in a dialog.
    pub fn file_not_chosen() -> Self {
        CommandError {
            code: ErrorCode::FileNotChosen,
            message: "choose the file again".to_owned(),
            retry_after_seconds: None,
        }
    }

    /// Copying failed: no clipboard to talk to.
    pub fn clipboard_unavailable() -> Self {
        CommandError {
            code: ErrorCode::ClipboardUnavailable,
            message: "the clipboard cannot be reached".to_owned(),
            retry_after_seconds: None,
        }
    }
}

impl From<confidant_export::files::Error> for CommandError {
    fn from(error: confidant_export::files::Error) -> Self {
        match error {
            confidant_export::files::Error::Vault(error) => error.into(),
            other => CommandError {
                code: serde_json::from_value(serde_json::Value::from(other.code())).unwrap_or(ErrorCode::Internal),
                message: other.to_string(),
                retry_after_seconds: None,
            },
        }
    }
}

impl From<confidant_vault::Error> for CommandError {
    fn from(error: confidant_vault::Error) -> Self {
        let code = serde_json::from_value(serde_json::Value::from(error.code())).unwrap_or(ErrorCode::Internal);
        CommandError {
            code,
            message: error.to_string(),
            retry_after_seconds: error.retry_after_seconds().map(|seconds| u32::try_from(seconds).unwrap_or(u32::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confidant_vault::Error;

    #[test]
    fn every_vault_error_crosses_with_its_own_stable_code() {
        let errors = vec![
            Error::EncryptionUnavailable,
            Error::RandomnessUnavailable,
            Error::VaultNotFound,
            Error::VaultAlreadyExists,
            Error::WrongPassphrase,
            Error::WrongRecoveryKey,
            Error::RecoveryKeyTypo,
            Error::RecoveryKeyWrongLength { found: 3, expected: 36 },
            Error::RecoveryKeyMalformed { group: 2 },
            Error::WeakPassphrase { reason: "use at least 12 characters".to_owned() },
            Error::TooManyAttempts { retry_after_seconds: 20 },
            Error::KeyFileDamaged { reason: "integrity check failed" },
            Error::KeyFileTooNew { version: 9 },
            Error::DatabaseDamaged { damaged_pages: 1 },
            Error::VaultTooNew { found: 9, supported: 1 },
            Error::DeviceSecretMissing,
            Error::KeychainUnavailable { detail: "no service".to_owned() },
            Error::VaultInUse,
            Error::Locked,
            Error::NoOnboarding,
            Error::RecoveryKitMismatch,
            Error::NotFound { what: "client", id: "C-0001".to_owned() },
            Error::ClientCodeTaken { code: "C-0001".to_owned() },
            Error::InvalidInput { field: "service code", problem: "use five characters".to_owned() },
            Error::SignedNoteIsImmutable,
            Error::SignerNotSet,
            Error::DestructionNotConfirmed { code: "C-0001".to_owned() },
            Error::ReauthenticationRequired,
            Error::InvalidSetting { name: "auto-lock time", allowed: "between 1 and 60 minutes" },
            Error::TransferInvalid { problem: "note 3: the signature does not match the note".to_owned() },
            Error::Io { action: "write vault.keys", source: std::io::Error::other("disk full") },
            Error::KeyFileMissing,
            Error::AppAlreadyRunning,
            Error::DiskFull { action: "save to the vault database" },
            Error::BackupFolderUnavailable { problem: "is full" },
            Error::BackupDamaged { reason: "the file is truncated" },
            Error::BackupOfAnotherVault,
            Error::NoteNotReadyToSign { n_problems: 1 },
            Error::SignWarningsNotAcknowledged { n_warnings: 2 },
            Error::PathNotFound { action: "read the backup" },
            Error::PathIsFolder { action: "read the transfer file" },
            Error::PathNotFolder { action: "use the backup folder" },
            Error::PermissionDenied { action: "write the file" },
            Error::ReadOnly { action: "write the file" },
        ];
        for error in errors {
            let vault_code = error.code();
            let crossed = serde_json::to_value(CommandError::from(error)).expect("serialises");
            assert_eq!(crossed["code"], vault_code, "the UI sees the vault's own code");
            assert_ne!(crossed["code"], "internal", "{vault_code} has no ErrorCode variant");
            assert!(crossed["message"].as_str().is_some_and(|message| !message.is_empty()));
        }
    }

    #[test]
    fn every_transfer_error_crosses_with_its_own_stable_code() {
        use confidant_export::transfer::TransferError as T;
        let errors = vec![
            T::NotATransferFile,
            T::WrongPassphrase,
            T::NotForThisVault,
            T::WrongUnlockMethod { expected: "a passphrase" },
            T::ExcessiveWork { required: 22 },
            T::Damaged,
            T::TooLarge { what: "record.json".to_owned(), limit_mib: 128 },
            T::UnexpectedMember { name: "../x".to_owned() },
            T::DuplicateMember { name: "record.json".to_owned() },
            T::MissingMember { name: "chart.pdf" },
            T::NotAFile { name: "record.json".to_owned() },
            T::MalformedArchive,
            T::MalformedManifest,
            T::UnknownVersion { version: 2 },
            T::MemberMismatch { name: "chart.pdf".to_owned() },
            T::CountMismatch { what: "notes", claimed: 3, found: 2 },
            T::MalformedRecord,
            T::BadRecipient,
        ];
        for error in errors {
            let code = error.code();
            let crossed = serde_json::to_value(CommandError::from(confidant_export::files::Error::from(error)))
                .expect("serialises");
            assert_eq!(crossed["code"], code);
            assert_ne!(crossed["code"], "internal", "{code} has no ErrorCode variant");
        }
    }

    #[test]
    fn a_lockout_says_how_long_to_wait() {
        let crossed = CommandError::from(Error::TooManyAttempts { retry_after_seconds: 40 });
        assert_eq!(crossed.code, ErrorCode::TooManyAttempts);
        assert_eq!(crossed.retry_after_seconds, Some(40));
    }
}
