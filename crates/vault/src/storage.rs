//! Opening the SQLCipher database with the raw data key, and its schema migrations.
//!
//! Raw-key mode (`x'…'`) skips SQLCipher's own PBKDF2: the data key is already
//! random. The key statement is built in a wiping buffer and run with
//! `execute_batch`, because `pragma_update` would keep an unwiped copy.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use zeroize::Zeroizing;

use crate::secret::SecretKey;
use crate::{Error, Result};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_vault.sql"),
    include_str!("../migrations/0002_records.sql"),
    include_str!("../migrations/0003_search.sql"),
    include_str!("../migrations/0004_consents_disclosures.sql"),
    include_str!("../migrations/0005_retention.sql"),
    include_str!("../migrations/0006_search_filters.sql"),
    include_str!("../migrations/0007_transfer.sql"),
    include_str!("../migrations/0008_writing_desk.sql"),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The version of SQLCipher this build links, e.g. `4.12.0 community`.
///
/// Fails with [`Error::EncryptionUnavailable`] when the linked SQLite is a plain
/// build, which would silently ignore `PRAGMA key` and write plaintext.
pub fn sqlcipher_version() -> Result<String> {
    initialize_sqlcipher();
    let connection = Connection::open_in_memory()?;
    cipher_version(&connection)
}

/// Runs SQLCipher's one-time global set-up on one thread before any other use.
///
/// SQLCipher 4.20 initialises itself inside the first `sqlite3_open`; a second
/// thread keying a database meanwhile fails with "sqlcipher not initialized"
/// (seen here about once in 200 parallel vault creations). Every path into
/// SQLCipher goes through this first.
pub(crate) fn initialize_sqlcipher() {
    static INITIALIZED: std::sync::Once = std::sync::Once::new();
    INITIALIZED.call_once(|| {
        // The connection is only for the side effect of initialising; an error
        // here will surface again, with context, at the caller's own open.
        let _ = Connection::open_in_memory().and_then(|connection| {
            connection.query_row("PRAGMA cipher_version", [], |row| row.get::<_, Option<String>>(0))
        });
    });
}

/// Asks a connection which SQLCipher it runs; `None` from SQLite means no encryption.
pub(crate) fn cipher_version(connection: &Connection) -> Result<String> {
    connection
        .query_row("PRAGMA cipher_version", [], |row| row.get::<_, String>(0))
        .optional()?
        .ok_or(Error::EncryptionUnavailable)
}

/// Whether a new database may be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenMode {
    /// The database must exist.
    Existing,
    /// Create the database (it must not exist yet).
    Create,
}

/// Opens `path` with `data_key`, checks every page's authentication code and
/// brings the schema up to date.
///
/// The data key came out of an authenticated key slot, so a database that will
/// not open with it is damaged, not locked with another key.
pub(crate) fn open(path: &Path, data_key: &SecretKey, mode: OpenMode) -> Result<Connection> {
    let flags = match mode {
        OpenMode::Existing => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        OpenMode::Create => {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        }
    };
    if mode == OpenMode::Existing && !path.exists() {
        return Err(Error::DatabaseDamaged { damaged_pages: 0 });
    }
    initialize_sqlcipher();
    let connection = Connection::open_with_flags(path, flags)?;
    // SQLite creates files 0644 (the folder is 0700, but a copied folder may not
    // be): the database is the account's alone, and its WAL and shared-memory
    // files inherit this mode. Vaults made before this are mended on opening.
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            crate::vault::restrict_permissions(&file, 0o600);
        }
    }
    cipher_version(&connection)?;
    apply_key(&connection, data_key, "key")?;
    // The first read decrypts page 1: a wrong key or a damaged header shows here.
    if let Err(error) = connection.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0)) {
        return Err(classify_open_error(error));
    }
    if mode == OpenMode::Existing {
        check_integrity(&connection)?;
    }
    connection.execute_batch(CONNECTION_SETTINGS)?;
    migrate(&connection)?;
    Ok(connection)
}

/// Settings for every connection, encrypted or not. The 64 MiB page cache keeps
/// decrypted pages of a large vault in RAM (never on disk) so repeated searches
/// do not decrypt the same pages again.
const CONNECTION_SETTINGS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = FULL;
     PRAGMA foreign_keys = ON;
     PRAGMA secure_delete = ON;
     PRAGMA temp_store = MEMORY;
     PRAGMA cache_size = -65536;";

/// Opens (or creates) an UNENCRYPTED database with the same settings and schema:
/// the benchmark's baseline, and for tests that grep file bytes. Never in the app.
#[cfg(feature = "plaintext-baseline")]
pub(crate) fn open_plain(path: &Path) -> Result<Connection> {
    initialize_sqlcipher();
    let connection = Connection::open(path)?;
    connection.execute_batch(CONNECTION_SETTINGS)?;
    migrate(&connection)?;
    Ok(connection)
}

/// Runs `PRAGMA key` (or `rekey`) with the key as a raw hex blob.
pub(crate) fn apply_key(connection: &Connection, data_key: &SecretKey, pragma: &str) -> Result<()> {
    let hex = data_key.expose_secret_hex();
    let mut statement = Zeroizing::new(String::with_capacity(96));
    statement.push_str("PRAGMA cipher_log_level = NONE; PRAGMA ");
    statement.push_str(pragma);
    statement.push_str(" = \"x'");
    statement.push_str(&hex);
    statement.push_str("'\";");
    connection.execute_batch(&statement)?;
    Ok(())
}

/// Every page carries an HMAC; a flipped bit anywhere is found here, at unlock,
/// instead of when the therapist opens the damaged note.
fn check_integrity(connection: &Connection) -> Result<()> {
    let mut statement = connection.prepare("PRAGMA cipher_integrity_check")?;
    let problems = statement.query_map([], |row| row.get::<_, String>(0))?.count();
    if problems > 0 {
        return Err(Error::DatabaseDamaged { damaged_pages: problems });
    }
    Ok(())
}

fn classify_open_error(error: rusqlite::Error) -> Error {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            Error::DatabaseDamaged { damaged_pages: 0 }
        }
        _ => Error::from(error),
    }
}

/// Applies pending migrations in one transaction; refuses a newer database.
fn migrate(connection: &Connection) -> Result<()> {
    let current: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::VaultTooNew { found: current, supported: SCHEMA_VERSION });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    let transaction = connection.unchecked_transaction()?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(current).unwrap_or(0)) {
        transaction.execute_batch(migration)?;
        transaction.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
    }
    transaction.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_sqlcipher_4() {
        let version = sqlcipher_version().expect("sqlcipher is linked");
        assert!(version.starts_with('4'), "expected SQLCipher 4.x, got {version}");
    }

    #[test]
    fn a_new_database_gets_the_latest_schema_and_is_unreadable_without_the_key() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("vault.db");
        let key = SecretKey::random().expect("random");
        let connection = open(&path, &key, OpenMode::Create).expect("created");
        let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("version");
        assert_eq!(version, SCHEMA_VERSION);
        drop(connection);
        let bytes = std::fs::read(&path).expect("database file");
        assert!(!bytes.starts_with(b"SQLite format 3"), "the header must be encrypted");
        let other_key = SecretKey::random().expect("random");
        assert!(matches!(open(&path, &other_key, OpenMode::Existing), Err(Error::DatabaseDamaged { .. })));
    }

    #[test]
    fn many_threads_can_open_encrypted_databases_at_once() {
        let folder = tempfile::tempdir().expect("temp dir");
        let threads: Vec<_> = (0..4)
            .map(|thread_idx| {
                let folder = folder.path().to_path_buf();
                std::thread::spawn(move || {
                    for round_idx in 0..10 {
                        let key = SecretKey::random().expect("random");
                        let path = folder.join(format!("db-{thread_idx}-{round_idx}"));
                        open(&path, &key, OpenMode::Create).expect("opens");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no thread failed");
        }
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("vault.db");
        let key = SecretKey::random().expect("random");
        let connection = open(&path, &key, OpenMode::Create).expect("created");
        connection.execute_batch("PRAGMA user_version = 99").expect("bump");
        drop(connection);
        match open(&path, &key, OpenMode::Existing) {
            Err(Error::VaultTooNew { found: 99, supported }) => assert_eq!(supported, SCHEMA_VERSION),
            other => panic!("expected VaultTooNew, got {other:?}"),
        }
    }
}
