//! Confidant's core library: the encrypted vault and everything stored in it.
//!
//! This crate knows nothing of Tauri, the web view or the terminal: it returns
//! values and typed errors and never prints. The desktop shell (`src-tauri`) and
//! the command line (`crates/cli`) are thin layers over it.
#![forbid(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod audit;
pub mod backup;
pub mod bench;
pub mod clients;
pub mod demo;
pub mod device;
pub mod disclosures;
mod error;
pub mod kdf;
pub mod keyfile;
mod note_checks;
pub mod notes;
mod recovery;
pub mod retention;
pub mod search;
mod secret;
mod session;
pub mod spelling;
mod storage;
mod strength;
pub mod templates;
pub mod transfer;
pub mod unsaved;
mod vault;

pub use error::{Error, Result};
pub use recovery::{RECOVERY_KEY_CHARS, RecoveryKey};
pub use secret::{Passphrase, SecretKey};
pub use session::{BackupOccasion, BackupOverview, Place, RescuedDrafts, Session, SessionStatus};
pub use storage::{SCHEMA_VERSION, sqlcipher_version};
pub use strength::{MINIMUM_PASSPHRASE_CHARS, PassphraseStrength, rate_passphrase};
pub use vault::{
    CreateOptions, CreatedVault, DATABASE_FILE, DEFAULT_AUTO_LOCK_MINUTES, KEY_FILE, LockReason, Vault, VaultLocation,
    VaultStatus, VerifyReport,
};
