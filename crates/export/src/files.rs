//! Exporting to, importing from and printing to files: the whole flow the CLI
//! and the desktop app share, so their commands stay thin.
//!
//! Files are written next to their final name and renamed into place, so a
//! crash never leaves half a file under the chosen name. The only bytes written
//! are the encrypted transfer file — or, for printing, the PDF the therapist
//! asked for, knowing it is not encrypted.

use std::io::Write;
use std::path::{Path, PathBuf};

use confidant_vault::Vault;
use confidant_vault::transfer::{ExportRecipient, ExportRecord, ExportScope, ImportPreview};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::pdf::{self, PdfError};
use crate::transfer::{self, Opened, Protection, TransferError, Unlock};

/// Anything exporting, importing or printing can run into.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// From the vault (locked, not found, reauthentication, invalid record…).
    #[error(transparent)]
    Vault(#[from] confidant_vault::Error),
    /// From the transfer file.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// The PDF could not be rendered.
    #[error("the PDF could not be made: {0}")]
    Pdf(#[from] PdfError),
}

impl Error {
    /// A stable, machine-readable name.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Vault(error) => error.code(),
            Error::Transfer(error) => error.code(),
            Error::Pdf(_) => "pdf_failed",
        }
    }

    /// A failed file operation, with its real cause (a missing folder, a folder
    /// for a file, no permission, a full or read-only disk).
    fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Vault(confidant_vault::Error::from_io(action, source))
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256 (hex), also in the audit entry.
    pub sha256: String,
    /// Notes included.
    pub n_notes: u32,
    /// The disclosure recorded for it.
    pub disclosure_id: i64,
}

/// The file name an export suggests: `<client-code>-<date>.confidant`.
pub fn suggested_file_name(client_code: &str, today: chrono::NaiveDate) -> String {
    format!("{client_code}-{today}.confidant")
}

/// The file name "Save as PDF" suggests: `<code>-chart-<date>.pdf`, or
/// `<code>-note-<id>.pdf` for one note.
pub fn suggested_pdf_name(client_code: &str, note_id: Option<i64>, today: chrono::NaiveDate) -> String {
    match note_id {
        Some(note_id) => format!("{client_code}-note-{note_id}.pdf"),
        None => format!("{client_code}-chart-{today}.pdf"),
    }
}

/// Builds every member of the transfer file for `record`, in memory.
pub fn build_file(record: &ExportRecord, protection: &Protection<'_>) -> Result<Vec<u8>, Error> {
    let chart = Zeroizing::new(pdf::chart_pdf(record)?.bytes);
    let bundle =
        Zeroizing::new(serde_json::to_vec_pretty(&crate::fhir::fhir_bundle(record)).map_err(|_| TransferError::Build)?);
    Ok(transfer::seal(record, &chart, &bundle, protection)?)
}

/// Exports one client's record to `path` and records the disclosure and audit
/// entry. Nothing is recorded if the file could not be written, and the file is
/// removed again if the disclosure could not be recorded.
pub fn export_to_file(
    vault: &mut Vault,
    client_code: &str,
    scope: &ExportScope,
    recipient: &ExportRecipient,
    protection: &Protection<'_>,
    path: &Path,
) -> Result<ExportSummary, Error> {
    let record = vault.export_record(client_code, scope)?;
    let file = build_file(&record, protection)?;
    let sha256 = hex::encode(Sha256::digest(&file));
    write_atomically(path, &file)?;
    match vault.record_export(&record, recipient, &sha256) {
        Ok(disclosure) => Ok(ExportSummary {
            path: path.to_owned(),
            bytes: file.len() as u64,
            sha256,
            n_notes: u32::try_from(record.notes.len()).unwrap_or(u32::MAX),
            disclosure_id: disclosure.id,
        }),
        Err(error) => {
            let _ = std::fs::remove_file(path);
            Err(error.into())
        }
    }
}

/// Reads a transfer file (at most [`transfer::MAX_FILE_BYTES`]).
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let size = std::fs::metadata(path).map_err(Error::io("read the transfer file"))?.len();
    if size > transfer::MAX_FILE_BYTES {
        return Err(
            TransferError::TooLarge { what: "the file".to_owned(), limit_mib: transfer::MAX_FILE_BYTES >> 20 }.into()
        );
    }
    std::fs::read(path).map_err(Error::io("read the transfer file"))
}

/// Opens and checks a transfer file and says what importing it would bring in.
/// Writes nothing.
pub fn preview_file(vault: &Vault, path: &Path, unlock: &Unlock<'_>) -> Result<(Opened, ImportPreview), Error> {
    let opened = transfer::open(&read_file(path)?, unlock)?;
    let preview = vault.preview_import(&opened.record)?;
    Ok((opened, preview))
}

/// Imports a transfer file as a new client (`new_code` when the file's code is
/// taken), in one transaction: all or nothing.
pub fn import_file(
    vault: &mut Vault,
    path: &Path,
    unlock: &Unlock<'_>,
    new_code: Option<&str>,
) -> Result<confidant_vault::clients::Client, Error> {
    let opened = transfer::open(&read_file(path)?, unlock)?;
    Ok(vault.import_record(&opened.record, new_code)?)
}

/// What a print wrote.
#[derive(Clone, Serialize)]
pub struct PrintSummary {
    /// Where the PDF is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Characters the PDF's font could not draw ([`pdf::Pdf::unprintable`]):
    /// record text, for the therapist's eyes only, never for a log.
    pub unprintable: Vec<char>,
}

impl std::fmt::Debug for PrintSummary {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PrintSummary")
            .field("path", &self.path)
            .field("bytes", &self.bytes)
            .field("unprintable", &self.unprintable.len())
            .finish()
    }
}

/// Renders a chart (or one note of it) as PDF to `path` — unencrypted, where the
/// therapist chose — and audits it as printed. Psychotherapy notes and drafts
/// are left out of a chart; a single note may be any note the vault lets you open.
pub fn print_to_file(
    vault: &mut Vault,
    client_code: &str,
    note_id: Option<i64>,
    path: &Path,
) -> Result<PrintSummary, Error> {
    let mut scope = ExportScope {
        purpose: confidant_vault::transfer::ExportPurpose::TransferOfCare,
        include_drafts: false,
        include_psychotherapy: false,
        from: None,
        to: None,
    };
    let rendered = match note_id {
        Some(note_id) => {
            // Opening checks the note exists and, for a psychotherapy note, that
            // the passphrase was entered again.
            let note = vault.open_note(note_id)?;
            if !note.client_code.eq_ignore_ascii_case(client_code.trim()) {
                return Err(confidant_vault::Error::NotFound { what: "note", id: note_id.to_string() }.into());
            }
            scope.include_drafts = true;
            scope.include_psychotherapy = note.content.kind == confidant_vault::notes::NoteKind::Psychotherapy;
            let record = vault.export_record(client_code, &scope)?;
            let index = record
                .notes
                .iter()
                .position(|candidate| candidate.id == note_id)
                .ok_or_else(|| confidant_vault::Error::NotFound { what: "note", id: note_id.to_string() })?;
            pdf::note_pdf(&record, index)?
        }
        None => pdf::printed_chart_pdf(&vault.export_record(client_code, &scope)?)?,
    };
    let pdf::Pdf { bytes, unprintable } = rendered;
    let bytes = Zeroizing::new(bytes);
    write_atomically(path, &bytes)?;
    vault.record_printed(client_code, note_id)?;
    Ok(PrintSummary { path: path.to_owned(), bytes: bytes.len() as u64, unprintable })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it
/// into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let folder = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temporary =
        tempfile::NamedTempFile::new_in(folder).map_err(Error::io("create the file in the chosen folder"))?;
    temporary.write_all(bytes).map_err(Error::io("write the file"))?;
    temporary.as_file().sync_all().map_err(Error::io("write the file"))?;
    temporary.persist(path).map_err(|error| Error::io("save the file")(error.error))?;
    Ok(())
}
