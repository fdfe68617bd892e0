//! Transfer files and printing: thin commands over `confidant_export::files`.

use chrono::NaiveDate;
use confidant_export::files;
use confidant_export::transfer::{self, Protection, Unlock};
use confidant_vault::Session;
use confidant_vault::transfer::{ExportRecipient, ExportScope, ImportPreview};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use crate::dto::SecretInput;
use crate::error::CommandError;
use crate::file_dialogs::{self, ChosenFiles, Dialog};
use crate::mirror_enum;

type CommandResult<T> = Result<T, CommandError>;

mirror_enum!(
    /// Transfer of care, or the client's own copy.
    ExportPurpose <=> confidant_vault::transfer::ExportPurpose { TransferOfCare, ClientCopy }
);
mirror_enum!(
    /// How a transfer file opens: the sender's passphrase, or this vault's key.
    UnlockMethod <=> confidant_export::transfer::UnlockMethod { Passphrase, Identity }
);

/// How the export file is protected.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProtectionDto {
    /// A new seven-word passphrase, returned once to show the therapist.
    GeneratedPassphrase,
    /// A passphrase the therapist typed.
    Passphrase {
        /// The passphrase.
        passphrase: SecretInput,
    },
    /// The receiving vault's age public key (`age1…`).
    Recipient {
        /// The key.
        public_key: String,
    },
}

/// What to export and for whom.
#[derive(Debug, Deserialize, specta::Type)]
pub struct ExportRequestDto {
    /// The client's code.
    pub client_code: String,
    /// Transfer of care or client copy.
    pub purpose: ExportPurpose,
    /// Include drafts.
    pub include_drafts: bool,
    /// Include psychotherapy notes (needs the passphrase again).
    pub include_psychotherapy: bool,
    /// First session date.
    pub from: Option<NaiveDate>,
    /// Last session date.
    pub to: Option<NaiveDate>,
    /// Who receives it.
    pub recipient_name: String,
    /// Their address.
    pub recipient_address: Option<String>,
    /// Whether the client was told about this disclosure.
    pub client_informed: bool,
    /// Why not, when they were not.
    pub not_informed_reason: Option<String>,
    /// How to protect it.
    pub protection: ProtectionDto,
}

/// A transfer file the therapist picked to import.
#[derive(Debug, Serialize, specta::Type)]
pub struct ChosenTransferDto {
    /// Its path (to name it in the preview and import).
    pub path: String,
    /// Its file name, to show.
    pub file_name: String,
    /// How it opens, read from its header.
    pub unlock: UnlockMethod,
}

/// What an export wrote.
#[derive(Debug, Serialize, specta::Type)]
pub struct ExportResultDto {
    /// The file.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u32,
    /// Its SHA-256.
    pub sha256: String,
    /// Notes included.
    pub n_notes: u32,
    /// The generated passphrase, shown once (only for `generated_passphrase`).
    pub generated_passphrase: Option<String>,
}

/// How to open a transfer file.
#[derive(Debug, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UnlockDto {
    /// The passphrase it was sent with.
    Passphrase {
        /// The passphrase.
        passphrase: SecretInput,
    },
    /// This vault's own identity.
    Identity,
}

/// What an import would bring in.
#[derive(Debug, Serialize, specta::Type)]
pub struct ImportPreviewDto {
    /// The client's code in the file.
    pub client_code: String,
    /// Whether that code is taken here.
    pub code_taken: bool,
    /// Notes.
    pub n_notes: u32,
    /// Signed notes.
    pub n_signed: u32,
    /// Drafts.
    pub n_drafts: u32,
    /// Psychotherapy notes.
    pub n_psychotherapy: u32,
    /// Addenda.
    pub n_addenda: u32,
    /// Consents.
    pub n_consents: u32,
    /// Disclosures.
    pub n_disclosures: u32,
    /// First session.
    pub first_session: Option<NaiveDate>,
    /// Last session.
    pub last_session: Option<NaiveDate>,
    /// When the file was made.
    pub exported_at: String,
    /// Made by this Confidant version.
    pub app_version: String,
    /// Why it was made.
    pub purpose: ExportPurpose,
}

impl From<ImportPreview> for ImportPreviewDto {
    fn from(preview: ImportPreview) -> Self {
        ImportPreviewDto {
            client_code: preview.client_code,
            code_taken: preview.code_taken,
            n_notes: preview.n_notes,
            n_signed: preview.n_signed,
            n_drafts: preview.n_drafts,
            n_psychotherapy: preview.n_psychotherapy,
            n_addenda: preview.n_addenda,
            n_consents: preview.n_consents,
            n_disclosures: preview.n_disclosures,
            first_session: preview.first_session,
            last_session: preview.last_session,
            exported_at: preview.exported_at,
            app_version: preview.app_version,
            purpose: preview.purpose.into(),
        }
    }
}

/// Runs `action` on the unlocked vault; errors keep their stable codes.
fn with_vault<T>(
    session: &Session,
    action: impl FnOnce(&mut confidant_vault::Vault) -> Result<T, files::Error>,
) -> CommandResult<T> {
    session.with_vault(|vault| Ok(action(vault)))?.map_err(CommandError::from)
}

/// Runs `action` with the way to open a transfer file: the passphrase given, or
/// this vault's own identity (read here, never sent to the web view).
fn with_unlock<T>(
    session: &Session,
    unlock: &UnlockDto,
    action: impl FnOnce(&Unlock<'_>) -> CommandResult<T>,
) -> CommandResult<T> {
    match unlock {
        UnlockDto::Passphrase { passphrase } => action(&Unlock::Passphrase(passphrase.expose_secret())),
        UnlockDto::Identity => {
            let identity = session
                .with_vault(|vault| vault.transfer_identity())?
                .ok_or_else(|| CommandError::from(files::Error::Transfer(transfer::TransferError::NotForThisVault)))?;
            action(&Unlock::Identity(&identity))
        }
    }
}

/// Picks a transfer file (`.confidant`) in a file dialog and says how it
/// opens; `None` when cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn transfer_file_choose(
    app: AppHandle,
    chosen: State<'_, ChosenFiles>,
) -> CommandResult<Option<ChosenTransferDto>> {
    let dialog = Dialog::PickFile {
        title: "Choose the file you were sent",
        filter: ("Confidant transfer files", &["confidant"]),
        start: dirs::download_dir().or_else(dirs::home_dir),
    };
    let Some(path) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    let unlock = transfer::unlock_method(&files::read_file(&path)?).map_err(files::Error::from)?;
    chosen.grant(&path);
    Ok(Some(ChosenTransferDto {
        file_name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
        path: path.display().to_string(),
        unlock: unlock.into(),
    }))
}

/// Exports a client's record to an encrypted transfer file and records the disclosure.
#[tauri::command(async)]
#[specta::specta]
pub fn transfer_export(
    app: AppHandle,
    session: State<'_, Session>,
    request: ExportRequestDto,
) -> CommandResult<Option<ExportResultDto>> {
    let generated = match request.protection {
        ProtectionDto::GeneratedPassphrase => {
            Some(transfer::generate_passphrase().map_err(|error| CommandError::from(files::Error::from(error)))?)
        }
        _ => None,
    };
    let protection = match (&request.protection, &generated) {
        (ProtectionDto::Passphrase { passphrase }, _) => Protection::Passphrase(passphrase.expose_secret()),
        (ProtectionDto::Recipient { public_key }, _) => Protection::Recipient(public_key),
        (ProtectionDto::GeneratedPassphrase, Some(words)) => Protection::Passphrase(words),
        (ProtectionDto::GeneratedPassphrase, None) => unreachable!("generated above"),
    };
    if let Protection::Passphrase(text) = protection
        && text.chars().count() < 12
    {
        return Err(CommandError::from(confidant_vault::Error::InvalidInput {
            field: "file passphrase",
            problem: "use at least 12 characters, or let Confidant generate one".to_owned(),
        }));
    }
    let scope = ExportScope {
        purpose: request.purpose.into(),
        include_drafts: request.include_drafts,
        include_psychotherapy: request.include_psychotherapy,
        from: request.from,
        to: request.to,
    };
    let recipient = ExportRecipient {
        name: request.recipient_name,
        address: request.recipient_address,
        client_informed: request.client_informed,
        not_informed_reason: request.not_informed_reason,
    };
    let dialog = Dialog::SaveFile {
        title: "Save the encrypted file",
        file_name: files::suggested_file_name(&request.client_code, chrono::Local::now().date_naive()),
        filter: ("Confidant transfer files", &["confidant"]),
        start: file_dialogs::documents(),
    };
    let Some(path) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    let summary = with_vault(&session, |vault| {
        files::export_to_file(vault, &request.client_code, &scope, &recipient, &protection, &path)
    })?;
    Ok(Some(ExportResultDto {
        path: summary.path.to_string_lossy().into_owned(),
        bytes: u32::try_from(summary.bytes).unwrap_or(u32::MAX),
        sha256: summary.sha256,
        n_notes: summary.n_notes,
        generated_passphrase: generated.map(|words| words.as_str().to_owned()),
    }))
}

/// Opens and checks a transfer file; writes nothing.
#[tauri::command(async)]
#[specta::specta]
pub fn transfer_import_preview(
    session: State<'_, Session>,
    chosen: State<'_, ChosenFiles>,
    path: String,
    unlock: UnlockDto,
) -> CommandResult<ImportPreviewDto> {
    let path = chosen.require(&path)?;
    with_unlock(&session, &unlock, |unlock| {
        with_vault(&session, |vault| Ok(files::preview_file(vault, &path, unlock)?.1.into()))
    })
}

/// Imports a transfer file as a new client; returns its code.
#[tauri::command(async)]
#[specta::specta]
pub fn transfer_import(
    session: State<'_, Session>,
    chosen: State<'_, ChosenFiles>,
    path: String,
    unlock: UnlockDto,
    new_code: Option<String>,
) -> CommandResult<String> {
    let path = chosen.require(&path)?;
    let new_code = new_code.filter(|code| !code.trim().is_empty());
    with_unlock(&session, &unlock, |unlock| {
        with_vault(&session, |vault| Ok(files::import_file(vault, &path, unlock, new_code.as_deref())?.code))
    })
}

/// This vault's age public key (`age1…`), made on first use.
#[tauri::command(async)]
#[specta::specta]
pub fn transfer_identity_show(session: State<'_, Session>) -> CommandResult<String> {
    with_vault(&session, |vault| {
        let secret = match vault.transfer_identity()? {
            Some(secret) => secret,
            None => {
                let (secret, _) = transfer::new_identity();
                vault.store_transfer_identity(&secret)?;
                secret
            }
        };
        Ok(transfer::public_key(&secret)?)
    })
}

/// What "Save as PDF" wrote.
#[derive(Debug, Serialize, specta::Type)]
pub struct PrintedDto {
    /// Where the PDF is.
    pub path: String,
    /// Characters the PDF's font could not draw (empty boxes on paper), each as a
    /// one-character string; empty when everything printed.
    pub unprintable: Vec<String>,
}

/// Saves a chart (or one note) as an unencrypted PDF where the therapist chooses
/// in a save dialog; `None` when cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn print_pdf(
    app: AppHandle,
    session: State<'_, Session>,
    client_code: String,
    note_id: Option<i32>,
) -> CommandResult<Option<PrintedDto>> {
    let note_id = note_id.map(i64::from);
    let dialog = Dialog::SaveFile {
        title: "Save as PDF (not encrypted)",
        file_name: files::suggested_pdf_name(&client_code, note_id, chrono::Local::now().date_naive()),
        filter: ("PDF documents", &["pdf"]),
        start: file_dialogs::documents(),
    };
    let Some(path) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    with_vault(&session, |vault| {
        let summary = files::print_to_file(vault, &client_code, note_id, &path)?;
        Ok(Some(PrintedDto {
            path: summary.path.to_string_lossy().into_owned(),
            unprintable: summary.unprintable.iter().map(char::to_string).collect(),
        }))
    })
}
