//! The errors the vault reports: one variant per situation a user can act on.
//!
//! Messages are lowercase, hold no record content (ids and counts only) and say
//! what to do next.

/// Everything that can go wrong in the vault, by what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The linked SQLite library is not SQLCipher, so it would silently ignore the key.
    #[error("this build of confidant has no sqlcipher support; reinstall confidant")]
    EncryptionUnavailable,
    /// The operating system gave us no random bytes.
    #[error("the operating system's random number source is unavailable; restart the computer and try again")]
    RandomnessUnavailable,
    /// There is no vault in the chosen folder.
    #[error("no vault found in this folder; create one, or choose the folder that holds vault.keys")]
    VaultNotFound,
    /// Creating a vault where one exists would destroy it.
    #[error("a vault already exists in this folder; unlock it, or choose an empty folder")]
    VaultAlreadyExists,
    /// The passphrase does not open the vault.
    #[error("wrong passphrase; check caps lock and keyboard layout, or use your recovery key")]
    WrongPassphrase,
    /// The recovery key is well formed but does not open this vault.
    #[error("this recovery key does not open this vault; check that the recovery kit belongs to this vault")]
    WrongRecoveryKey,
    /// The recovery key's checksum does not match: a character was mistyped.
    #[error("the recovery key has a typo; compare each group with your recovery kit")]
    RecoveryKeyTypo,
    /// The recovery key has too few or too many characters.
    #[error("the recovery key has {found} characters, but a recovery key has {expected} (nine groups of four)")]
    RecoveryKeyWrongLength {
        /// Characters typed, separators not counted.
        found: usize,
        /// Characters a recovery key has.
        expected: usize,
    },
    /// A character that cannot appear in a recovery key.
    #[error(
        "group {group} of the recovery key has a character that is not used in recovery keys; compare it with your recovery kit"
    )]
    RecoveryKeyMalformed {
        /// The group (1–9) holding the unexpected character.
        group: usize,
    },
    /// The new passphrase is too easy to guess.
    #[error("this passphrase is too easy to guess: {reason}")]
    WeakPassphrase {
        /// What to change, e.g. "use at least 12 characters".
        reason: String,
    },
    /// Too many wrong attempts in a row: wait before the next one.
    #[error("too many wrong attempts; wait {retry_after_seconds} s before trying again, or use your recovery key")]
    TooManyAttempts {
        /// Seconds until the next attempt is allowed.
        retry_after_seconds: u64,
    },
    /// vault.keys cannot be read or fails its integrity check.
    #[error("the key file vault.keys is damaged ({reason}); restore vault.keys from a backup")]
    KeyFileDamaged {
        /// What is wrong, without any key material.
        reason: &'static str,
    },
    /// vault.keys was written by a newer Confidant.
    #[error("the key file was written by a newer version of confidant (format {version}); update confidant to open it")]
    KeyFileTooNew {
        /// The format version found.
        version: u32,
    },
    /// The key is right but the database fails its integrity check.
    #[error("the vault database is damaged ({damaged_pages} damaged pages); restore it from a backup")]
    DatabaseDamaged {
        /// How many pages failed their authentication check (0 when unknown).
        damaged_pages: usize,
    },
    /// The database was written by a newer Confidant.
    #[error(
        "the vault was written by a newer version of confidant (schema {found}, this version knows {supported}); update confidant to open it"
    )]
    VaultTooNew {
        /// The schema version in the file.
        found: i64,
        /// The newest schema this build knows.
        supported: i64,
    },
    /// Device binding is on, but this computer's keychain has no secret for the vault.
    #[error(
        "this vault is bound to the keychain of the computer it was set up on, and this computer's keychain has no key for it; unlock with your recovery key to bind it to this computer"
    )]
    DeviceSecretMissing,
    /// The keychain could not be reached.
    #[error("the system keychain is not available ({detail}); unlock the keychain, or use your recovery key")]
    KeychainUnavailable {
        /// The keychain's own description of the problem (no secrets).
        detail: String,
    },
    /// Another Confidant (window or command) has this vault open.
    #[error("the vault is open in another confidant window or command; lock or close that one first")]
    VaultInUse,
    /// The vault is locked; the operation needs it unlocked.
    #[error("the vault is locked; unlock it first")]
    Locked,
    /// No vault creation is waiting for its recovery kit to be confirmed.
    #[error("there is no new vault waiting for its recovery kit; create a vault first")]
    NoOnboarding,
    /// The group typed back does not match the recovery key's last group.
    #[error("that does not match the last group of your recovery key; look at the recovery kit again")]
    RecoveryKitMismatch,
    /// A client, note or other record that does not exist.
    #[error("no {what} with id {id}")]
    NotFound {
        /// The kind of record, e.g. "client".
        what: &'static str,
        /// The id or code asked for (never a name).
        id: String,
    },
    /// A client code that another client already has.
    #[error("client code {code} is already taken; choose another")]
    ClientCodeTaken {
        /// The pseudonymous code.
        code: String,
    },
    /// A field with a value it cannot hold. Never includes the value itself.
    #[error("{field}: {problem}")]
    InvalidInput {
        /// The field, e.g. "service code".
        field: &'static str,
        /// What is wrong and what is expected.
        problem: String,
    },
    /// A note that is signed and therefore never changes.
    #[error("this note is signed and can no longer change; add an addendum to correct it")]
    SignedNoteIsImmutable,
    /// Psychotherapy notes need the passphrase entered again.
    #[error("psychotherapy notes need your passphrase again; enter it to continue")]
    ReauthenticationRequired,
    /// Destroying a client needs its code typed back exactly.
    #[error("to destroy client {code}, type its code to confirm")]
    DestructionNotConfirmed {
        /// The client's code.
        code: String,
    },
    /// Signing needs the clinician's name (and credentials) from settings.
    #[error("set your name and credentials in settings before signing")]
    SignerNotSet,
    /// A draft with field problems (a code that cannot be valid, an empty note)
    /// cannot be signed; the draft itself is saved.
    #[error("{n_problems} field(s) of this note need correcting before it can be signed; the draft is saved")]
    NoteNotReadyToSign {
        /// How many field problems remain.
        n_problems: usize,
    },
    /// The sign dialog's warnings were not acknowledged.
    #[error("the sign dialog has {n_warnings} warning(s) to look at first; sign anyway only after reading them")]
    SignWarningsNotAcknowledged {
        /// How many warnings there are.
        n_warnings: usize,
    },
    /// A setting outside its allowed range.
    #[error("{name} must be {allowed}")]
    InvalidSetting {
        /// The setting's name.
        name: &'static str,
        /// The allowed values, e.g. "between 1 and 60 minutes".
        allowed: &'static str,
    },
    /// A transfer file's record is not one this vault can import. Names ids and
    /// fields only, never record text.
    #[error("this transfer file cannot be imported: {problem}; nothing was changed")]
    TransferInvalid {
        /// What is wrong, e.g. "note 3: the signature does not match the note".
        problem: String,
    },
    /// Another Confidant app is already running on this vault folder.
    #[error("confidant is already open for this vault in another window; switch to that window, or quit it first")]
    AppAlreadyRunning,
    /// `vault.db` is there but `vault.keys` is gone: only a backup's key file
    /// (or a whole backup) opens the vault again.
    #[error(
        "the key file vault.keys is missing beside vault.db; restore the key file or the whole vault from a backup (the recovery key alone cannot open it)"
    )]
    KeyFileMissing,
    /// The disk (or the file-size limit) ran out while writing. What was saved
    /// before is intact: SQLite rolls the unfinished write back.
    #[error("the disk is full: could not {action}; free some space and try again (what was saved before is intact)")]
    DiskFull {
        /// What we were doing, e.g. "save to the vault database".
        action: &'static str,
    },
    /// The backup folder cannot take a backup (missing, read-only or full).
    #[error("the backup folder {problem}; backups are paused until it is fixed (your vault keeps working)")]
    BackupFolderUnavailable {
        /// What is wrong, e.g. "does not exist (is the drive connected?)".
        problem: &'static str,
    },
    /// A backup file is not a Confidant backup, or it is damaged.
    #[error("this backup file cannot be used: {reason}; choose another backup (nothing was changed)")]
    BackupDamaged {
        /// What is wrong, e.g. "the file is truncated".
        reason: &'static str,
    },
    /// A backup of a different vault was offered to replace this one.
    #[error("this backup belongs to another vault; restore it into a new folder instead (nothing was changed)")]
    BackupOfAnotherVault,
    /// A file or folder that is not there (a mistyped path, an unplugged drive).
    #[error("could not {action}: the file or folder does not exist; check the path, and that the drive is connected")]
    PathNotFound {
        /// What we were doing, e.g. "read the backup".
        action: &'static str,
    },
    /// A folder where a file was expected.
    #[error("could not {action}: that is a folder, not a file; choose the file itself")]
    PathIsFolder {
        /// What we were doing.
        action: &'static str,
    },
    /// A file (or nothing) where a folder was expected.
    #[error("could not {action}: that is not a folder; choose a folder")]
    PathNotFolder {
        /// What we were doing.
        action: &'static str,
    },
    /// The operating system refused access.
    #[error("could not {action}: permission denied; choose a place you can write to, or fix its permissions")]
    PermissionDenied {
        /// What we were doing.
        action: &'static str,
    },
    /// The disk or folder is read-only.
    #[error("could not {action}: the disk is read-only; choose another place, or check the drive's write protection")]
    ReadOnly {
        /// What we were doing.
        action: &'static str,
    },
    /// A file operation failed for another reason (unreadable media, a device error).
    #[error("could not {action}: {source}; check that the disk is working and try again")]
    Io {
        /// What we were doing, e.g. "write vault.keys".
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A database error with no better classification. Holds no record text.
    #[error("the vault database reported an error: {0}")]
    Database(rusqlite::Error),
}

impl Error {
    /// A stable, machine-readable name for the error, shared by the CLI's JSON
    /// output and the desktop app. Never rename one: scripts and the UI match on it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EncryptionUnavailable => "encryption_unavailable",
            Error::RandomnessUnavailable => "randomness_unavailable",
            Error::VaultNotFound => "vault_not_found",
            Error::VaultAlreadyExists => "vault_already_exists",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::WrongRecoveryKey => "wrong_recovery_key",
            Error::RecoveryKeyTypo => "recovery_key_typo",
            Error::RecoveryKeyWrongLength { .. } => "recovery_key_wrong_length",
            Error::RecoveryKeyMalformed { .. } => "recovery_key_malformed",
            Error::WeakPassphrase { .. } => "weak_passphrase",
            Error::TooManyAttempts { .. } => "too_many_attempts",
            Error::KeyFileDamaged { .. } => "key_file_damaged",
            Error::KeyFileTooNew { .. } => "key_file_too_new",
            Error::DatabaseDamaged { .. } => "database_damaged",
            Error::VaultTooNew { .. } => "vault_too_new",
            Error::DeviceSecretMissing => "device_secret_missing",
            Error::KeychainUnavailable { .. } => "keychain_unavailable",
            Error::VaultInUse => "vault_in_use",
            Error::Locked => "locked",
            Error::NoOnboarding => "no_onboarding",
            Error::RecoveryKitMismatch => "recovery_kit_mismatch",
            Error::NotFound { .. } => "not_found",
            Error::ClientCodeTaken { .. } => "client_code_taken",
            Error::InvalidInput { .. } => "invalid_input",
            Error::SignedNoteIsImmutable => "signed_note_is_immutable",
            Error::SignerNotSet => "signer_not_set",
            Error::NoteNotReadyToSign { .. } => "note_not_ready_to_sign",
            Error::SignWarningsNotAcknowledged { .. } => "sign_warnings_not_acknowledged",
            Error::DestructionNotConfirmed { .. } => "destruction_not_confirmed",
            Error::ReauthenticationRequired => "reauthentication_required",
            Error::InvalidSetting { .. } => "invalid_setting",
            Error::TransferInvalid { .. } => "transfer_invalid",
            Error::KeyFileMissing => "key_file_missing",
            Error::AppAlreadyRunning => "app_already_running",
            Error::DiskFull { .. } => "disk_full",
            Error::BackupFolderUnavailable { .. } => "backup_folder_unavailable",
            Error::BackupDamaged { .. } => "backup_damaged",
            Error::BackupOfAnotherVault => "backup_of_another_vault",
            Error::PathNotFound { .. } => "path_not_found",
            Error::PathIsFolder { .. } => "path_is_folder",
            Error::PathNotFolder { .. } => "path_not_folder",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::ReadOnly { .. } => "read_only",
            Error::Io { .. } => "io",
            Error::Database(_) => "database",
        }
    }

    /// Seconds to wait before retrying, for [`Error::TooManyAttempts`].
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Error::TooManyAttempts { retry_after_seconds } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// Names the real cause of a failed file operation: a missing path, a folder
    /// for a file, no permission, a read-only or full disk; anything else is
    /// [`Error::Io`] with the operating system's words.
    pub fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::from_io(action, source)
    }

    /// [`Error::io`] for an error already in hand.
    pub fn from_io(action: &'static str, source: std::io::Error) -> Error {
        use std::io::ErrorKind;
        match source.kind() {
            ErrorKind::StorageFull | ErrorKind::FileTooLarge | ErrorKind::QuotaExceeded => Error::DiskFull { action },
            ErrorKind::NotFound => Error::PathNotFound { action },
            ErrorKind::IsADirectory => Error::PathIsFolder { action },
            ErrorKind::NotADirectory => Error::PathNotFolder { action },
            ErrorKind::PermissionDenied => Error::PermissionDenied { action },
            ErrorKind::ReadOnlyFilesystem => Error::ReadOnly { action },
            _ => Error::Io { action, source },
        }
    }
}

impl From<rusqlite::Error> for Error {
    /// SQLite says "database or disk is full" for a full disk and for a file
    /// that hit the size limit; both become [`Error::DiskFull`].
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull { action: "save to the vault database" },
            _ => Error::Database(error),
        }
    }
}

/// Result with the vault's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::io::ErrorKind;

    use super::*;

    #[test]
    fn a_failed_file_operation_names_its_real_cause() {
        let cases = [
            (ErrorKind::NotFound, "path_not_found", "does not exist"),
            (ErrorKind::IsADirectory, "path_is_folder", "is a folder"),
            (ErrorKind::NotADirectory, "path_not_folder", "not a folder"),
            (ErrorKind::PermissionDenied, "permission_denied", "permission denied"),
            (ErrorKind::ReadOnlyFilesystem, "read_only", "read-only"),
            (ErrorKind::StorageFull, "disk_full", "disk is full"),
            (ErrorKind::InvalidData, "io", "disk is working"),
        ];
        for (kind, code, words) in cases {
            let error = Error::from_io("read the backup", std::io::Error::from(kind));
            assert_eq!(error.code(), code, "{kind:?}");
            let message = error.to_string();
            assert!(message.contains(words) && message.contains("read the backup"), "{kind:?}: {message}");
            assert!(!message.contains("free space") || code == "disk_full", "only a full disk blames space: {message}");
        }
    }
}
