//! Backups and restore: thin commands over the session's backup methods, and
//! the background thread that backs up on schedule.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use confidant_vault::backup::{BackupContents, BackupInfo, FolderSuggestion, RestoreKey, RetentionPolicy};
use confidant_vault::{BackupOverview, Passphrase, RecoveryKey, Session};
use serde::Serialize;
use tauri::{AppHandle, Manager, State};

use crate::dto::SecretInput;
use crate::error::{CommandError, ErrorCode};
use crate::file_dialogs::{self, ChosenFiles, Dialog};

type CommandResult<T> = Result<T, CommandError>;

/// How often the background thread asks whether a backup is due.
const SCHEDULE_CHECK: Duration = Duration::from_secs(60);

/// Backup settings and how the last backups went.
#[derive(Debug, Serialize, specta::Type)]
pub struct BackupOverviewDto {
    /// The chosen folder; none = backups are off.
    pub folder: Option<String>,
    /// Daily backups kept.
    pub keep_daily: u32,
    /// Weekly backups kept.
    pub keep_weekly: u32,
    /// Monthly backups kept.
    pub keep_monthly: u32,
    /// Hours between automatic backups while there are changes.
    pub every_hours: u32,
    /// When the last backup was written and verified (RFC 3339).
    pub last_success_at: Option<String>,
    /// Its file name.
    pub last_backup_file: Option<String>,
    /// When the last attempt failed, if after the last success.
    pub last_failure_at: Option<String>,
    /// Why (the error code).
    pub last_failure_code: Option<ErrorCode>,
    /// Changes the newest backup does not have yet (known while unlocked).
    pub changes_since_backup: Option<bool>,
}

impl From<BackupOverview> for BackupOverviewDto {
    fn from(overview: BackupOverview) -> Self {
        let settings = overview.settings;
        BackupOverviewDto {
            folder: settings.folder.map(|folder| folder.display().to_string()),
            keep_daily: settings.keep.daily,
            keep_weekly: settings.keep.weekly,
            keep_monthly: settings.keep.monthly,
            every_hours: settings.every_hours,
            last_success_at: settings.last_success_at.map(|time| time.to_rfc3339()),
            last_backup_file: settings.last_backup_file,
            last_failure_at: settings.last_failure_at.map(|time| time.to_rfc3339()),
            last_failure_code: settings
                .last_failure_code
                .map(|code| serde_json::from_value(serde_json::Value::from(code)).unwrap_or(ErrorCode::Internal)),
            changes_since_backup: overview.changes_since_backup,
        }
    }
}

/// One backup file.
#[derive(Debug, Serialize, specta::Type)]
pub struct BackupFileDto {
    /// Full path (for preview and restore).
    pub path: String,
    /// File name.
    pub file_name: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Size in bytes.
    pub bytes: f64,
}

impl From<BackupInfo> for BackupFileDto {
    fn from(info: BackupInfo) -> Self {
        BackupFileDto {
            path: info.path.display().to_string(),
            file_name: info.file_name,
            created_at: info.created_at.to_rfc3339(),
            bytes: info.bytes as f64,
        }
    }
}

/// What a backup holds (after opening it with a key).
#[derive(Debug, Serialize, specta::Type)]
pub struct BackupContentsDto {
    /// The backup file.
    pub file: BackupFileDto,
    /// Clients.
    pub clients: u32,
    /// Notes.
    pub notes: u32,
    /// Signed notes (known after a preview or restore, not right after a backup).
    pub signed_notes: Option<u32>,
    /// The latest session date of any note.
    pub newest_session_date: Option<String>,
    /// Audit events, every link checked.
    pub audit_events: u32,
    /// After a restore over the vault: where its previous files were copied.
    pub safety_copy: Option<String>,
}

fn contents_dto(file: BackupFileDto, contents: BackupContents, safety_copy: Option<PathBuf>) -> BackupContentsDto {
    let count = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
    BackupContentsDto {
        file,
        clients: count(contents.clients),
        notes: count(contents.notes),
        signed_notes: contents.signed_notes.map(count),
        newest_session_date: contents.newest_session_date,
        audit_events: count(contents.audit_events),
        safety_copy: safety_copy.map(|path| path.display().to_string()),
    }
}

/// The secret that opens a backup: the passphrase it was made under, or the
/// recovery key and the new passphrase for the restored vault.
enum BackupSecret {
    Passphrase(Passphrase),
    RecoveryKey(RecoveryKey, Passphrase),
}

impl BackupSecret {
    fn new(
        passphrase: Option<SecretInput>,
        recovery_key: Option<SecretInput>,
        new_passphrase: Option<SecretInput>,
    ) -> CommandResult<Self> {
        match (recovery_key, passphrase) {
            (Some(recovery_key), _) => Ok(BackupSecret::RecoveryKey(
                RecoveryKey::parse(recovery_key.expose_secret())?,
                new_passphrase.map_or_else(|| Passphrase::new(String::new()), SecretInput::into_passphrase),
            )),
            (None, Some(passphrase)) => Ok(BackupSecret::Passphrase(passphrase.into_passphrase())),
            (None, None) => Err(confidant_vault::Error::WrongPassphrase.into()),
        }
    }

    fn key(&self) -> RestoreKey<'_> {
        match self {
            BackupSecret::Passphrase(passphrase) => RestoreKey::Passphrase(passphrase),
            BackupSecret::RecoveryKey(recovery_key, new_passphrase) => {
                RestoreKey::RecoveryKey { recovery_key, new_passphrase }
            }
        }
    }
}

/// A place backups could go.
#[derive(Debug, Serialize, specta::Type)]
pub struct FolderSuggestionDto {
    /// The folder (made when the therapist takes it).
    pub path: String,
    /// The external drive's name; none for a folder on this computer.
    pub drive: Option<String>,
    /// Whether the folder is there already.
    pub exists: bool,
}

impl From<FolderSuggestion> for FolderSuggestionDto {
    fn from(suggestion: FolderSuggestion) -> Self {
        FolderSuggestionDto {
            path: suggestion.path.display().to_string(),
            drive: suggestion.drive,
            exists: suggestion.exists,
        }
    }
}

/// A backup folder set, and how the first backup into it went.
#[derive(Debug, Serialize, specta::Type)]
pub struct BackupFolderSetDto {
    /// Settings and status now.
    pub overview: BackupOverviewDto,
    /// The backup made at once.
    pub first_backup: Option<BackupContentsDto>,
    /// Why it failed, if it did (the folder is kept).
    pub first_backup_problem: Option<CommandError>,
}

fn folder_set(
    (overview, first): (BackupOverview, confidant_vault::Result<confidant_vault::backup::BackupReport>),
) -> BackupFolderSetDto {
    let (first_backup, first_backup_problem) = match first {
        Ok(report) => (Some(contents_dto(report.info.into(), report.contents, None)), None),
        Err(error) => (None, Some(error.into())),
    };
    BackupFolderSetDto { overview: overview.into(), first_backup, first_backup_problem }
}

/// Backup settings and status (also while locked).
#[tauri::command(async)]
#[specta::specta]
pub fn backup_overview(session: State<'_, Session>) -> BackupOverviewDto {
    session.backup_overview().into()
}

/// Where backups could go, best first (external drives, then the home folder).
#[tauri::command(async)]
#[specta::specta]
pub fn backup_folder_suggestions(session: State<'_, Session>) -> Vec<FolderSuggestionDto> {
    session.suggest_backup_folders().into_iter().map(Into::into).collect()
}

/// Takes one of the suggestions: creates the folder, makes it the backup folder,
/// backs up at once. Only a folder Rust suggested is taken.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_folder_use_suggestion(session: State<'_, Session>, path: String) -> CommandResult<BackupFolderSetDto> {
    let suggestion = session
        .suggest_backup_folders()
        .into_iter()
        .find(|suggestion| suggestion.path == std::path::Path::new(&path))
        .ok_or_else(CommandError::file_not_chosen)?;
    Ok(folder_set(session.set_backup_folder(&suggestion.path, true)?))
}

/// Chooses the backup folder in a folder dialog, then backs up at once; `None`
/// when the dialog was cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_folder_choose(app: AppHandle, session: State<'_, Session>) -> CommandResult<Option<BackupFolderSetDto>> {
    let start =
        session.suggest_backup_folders().into_iter().next().and_then(|first| first.path.parent().map(PathBuf::from));
    let dialog = Dialog::PickFolder { title: "Choose the folder for backups", start };
    let Some(folder) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    Ok(Some(folder_set(session.set_backup_folder(&folder, false)?)))
}

/// How many backups are kept and how often they are made (the folder stays).
#[tauri::command(async)]
#[specta::specta]
pub fn backup_policy_set(
    session: State<'_, Session>,
    keep_daily: u32,
    keep_weekly: u32,
    keep_monthly: u32,
    every_hours: u32,
) -> CommandResult<BackupOverviewDto> {
    let keep = RetentionPolicy { daily: keep_daily, weekly: keep_weekly, monthly: keep_monthly };
    Ok(session.set_backup_policy(keep, every_hours)?.into())
}

/// Turns automatic backups off (the backups already made stay where they are).
#[tauri::command(async)]
#[specta::specta]
pub fn backup_turn_off(session: State<'_, Session>) -> CommandResult<BackupOverviewDto> {
    let settings = confidant_vault::backup::BackupSettings::read(session.location());
    Ok(session.set_backup_settings(None, settings.keep, settings.every_hours)?.into())
}

/// Picks a backup file in a file dialog (any folder, e.g. a drive from another
/// computer); `None` when cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_file_choose(app: AppHandle, chosen: State<'_, ChosenFiles>) -> CommandResult<Option<BackupFileDto>> {
    let dialog = Dialog::PickFile {
        title: "Choose a Confidant backup",
        filter: ("Confidant backups", &["cbak"]),
        start: dirs::home_dir(),
    };
    let Some(path) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    let info = confidant_vault::backup::read_backup_info(&path)?;
    chosen.grant(&path);
    Ok(Some(info.into()))
}

/// A backup the web view may name: one listed from the backup folder, or one the
/// therapist picked in the file dialog.
fn allowed_backup(session: &Session, chosen: &ChosenFiles, path: &str) -> CommandResult<PathBuf> {
    let path = PathBuf::from(path);
    let listed = session.backups(10_000).is_ok_and(|backups| backups.iter().any(|backup| backup.path == path));
    if listed || chosen.contains(&path) { Ok(path) } else { Err(CommandError::file_not_chosen()) }
}

/// Backs up now; returns the new backup and what it holds.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_now(session: State<'_, Session>) -> CommandResult<BackupContentsDto> {
    let report = session.back_up_now()?;
    Ok(contents_dto(report.info.into(), report.contents, None))
}

/// The newest backups of this vault in the chosen folder (also while locked).
#[tauri::command(async)]
#[specta::specta]
pub fn backup_list(session: State<'_, Session>) -> CommandResult<Vec<BackupFileDto>> {
    Ok(session.backups(30)?.into_iter().map(Into::into).collect())
}

/// Opens a backup with the passphrase of its day (or the recovery key) and says
/// what it holds. Changes nothing.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_preview(
    session: State<'_, Session>,
    chosen: State<'_, ChosenFiles>,
    path: String,
    passphrase: Option<SecretInput>,
    recovery_key: Option<SecretInput>,
) -> CommandResult<BackupContentsDto> {
    let path = allowed_backup(&session, &chosen, &path)?;
    let secret = BackupSecret::new(passphrase, recovery_key, None)?;
    let (info, contents) = session.preview_backup(&path, &secret.key())?;
    Ok(contents_dto(info.into(), contents, None))
}

/// Restores a backup over this vault (after a safety copy), or as the vault when
/// there is none yet; the restored vault is left unlocked.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_restore(
    session: State<'_, Session>,
    chosen: State<'_, ChosenFiles>,
    path: String,
    passphrase: Option<SecretInput>,
    recovery_key: Option<SecretInput>,
    new_passphrase: Option<SecretInput>,
) -> CommandResult<BackupContentsDto> {
    let path = allowed_backup(&session, &chosen, &path)?;
    let secret = BackupSecret::new(passphrase, recovery_key, new_passphrase)?;
    let info = confidant_vault::backup::read_backup_info(&path)?;
    let (contents, safety_copy) = session.restore_backup(&path, &secret.key())?;
    Ok(contents_dto(info.into(), contents, safety_copy))
}

/// Puts a backup's key file in place of a lost or damaged vault.keys.
#[tauri::command(async)]
#[specta::specta]
pub fn backup_restore_key_file(
    session: State<'_, Session>,
    chosen: State<'_, ChosenFiles>,
    path: String,
) -> CommandResult<()> {
    let path = allowed_backup(&session, &chosen, &path)?;
    Ok(session.restore_key_file(&path)?)
}

/// Starts the thread that backs up every so often while there are changes.
pub fn start_schedule(app: &AppHandle) {
    let app = app.clone();
    std::thread::Builder::new()
        .name("confidant-backup".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(SCHEDULE_CHECK);
                let now: DateTime<Utc> = Utc::now();
                // The outcome lands in backup.json and the audit log; the UI reads both.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    app.state::<Session>().back_up_on_schedule(now)
                }));
            }
        })
        .expect("the backup thread starts");
}
