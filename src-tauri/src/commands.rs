//! The commands the web view can call: each one takes state, calls the vault and
//! maps the result to a DTO. No logic lives here.

use confidant_vault::{LockReason, Session};
use tauri::{AppHandle, State};

use crate::clipboard::ClipboardGuard;
use crate::dto::{
    ActivityEventDto, AppInfo, PassphraseStrengthDto, RecoveryKitDto, SavedFileDto, SecretInput, VaultStatusDto,
};
use crate::error::CommandError;
use crate::file_dialogs::{self, Dialog};
use crate::lock_watch::LockHandshake;

type CommandResult<T> = Result<T, CommandError>;

/// Reports the app and SQLCipher versions.
#[tauri::command(async)]
#[specta::specta]
pub fn app_info() -> CommandResult<AppInfo> {
    Ok(AppInfo {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        sqlcipher_version: confidant_vault::sqlcipher_version()?,
    })
}

/// Whether a vault exists, is unlocked, is device-bound; failed attempts.
#[tauri::command(async)]
#[specta::specta]
pub fn vault_status(session: State<'_, Session>) -> CommandResult<VaultStatusDto> {
    Ok(session.status()?.into())
}

/// Rates a passphrase for the strength meter; nothing is stored.
#[tauri::command(async)]
#[specta::specta]
pub fn passphrase_rate(passphrase: SecretInput) -> PassphraseStrengthDto {
    confidant_vault::rate_passphrase(&passphrase.into_passphrase()).into()
}

/// Creates the vault and returns the recovery key, shown once.
#[tauri::command(async)]
#[specta::specta]
pub fn vault_create(session: State<'_, Session>, passphrase: SecretInput) -> CommandResult<RecoveryKitDto> {
    let recovery_key = session.create(passphrase.into_passphrase())?;
    Ok(RecoveryKitDto::from_formatted(&recovery_key))
}

/// Saves the recovery kit as a text file where the therapist chooses (a save
/// dialog); `None` when the dialog was cancelled.
#[tauri::command(async)]
#[specta::specta]
pub fn recovery_kit_save(app: AppHandle, session: State<'_, Session>) -> CommandResult<Option<SavedFileDto>> {
    let dialog = Dialog::SaveFile {
        title: "Save the recovery kit",
        file_name: "Confidant recovery kit.txt".to_owned(),
        filter: ("Text files", &["txt"]),
        start: file_dialogs::documents(),
    };
    let Some(path) = file_dialogs::ask(&app, dialog) else { return Ok(None) };
    session.save_recovery_kit(&path)?;
    Ok(Some(SavedFileDto { path: path.display().to_string() }))
}

/// Checks the last group of the recovery key, typed back by the therapist.
#[tauri::command(async)]
#[specta::specta]
pub fn recovery_kit_confirm(session: State<'_, Session>, last_group: SecretInput) -> CommandResult<()> {
    Ok(session.confirm_recovery_kit(last_group.expose_secret())?)
}

/// Replaces the recovery key (the old one stops working); the new kit is shown once.
#[tauri::command(async)]
#[specta::specta]
pub fn recovery_kit_new(session: State<'_, Session>) -> CommandResult<RecoveryKitDto> {
    let recovery_key = session.start_new_recovery_kit()?;
    Ok(RecoveryKitDto::from_formatted(&recovery_key))
}

/// Ends onboarding, binding the vault to this computer if asked.
#[tauri::command(async)]
#[specta::specta]
pub fn onboarding_finish(session: State<'_, Session>, device_binding: bool) -> CommandResult<()> {
    Ok(session.finish_onboarding(device_binding)?)
}

/// Unlocks with the passphrase.
#[tauri::command(async)]
#[specta::specta]
pub fn vault_unlock(session: State<'_, Session>, passphrase: SecretInput) -> CommandResult<()> {
    Ok(session.unlock(&passphrase.into_passphrase())?)
}

/// Unlocks with the recovery key and sets a new passphrase.
#[tauri::command(async)]
#[specta::specta]
pub fn vault_recover(
    session: State<'_, Session>,
    recovery_key: SecretInput,
    new_passphrase: SecretInput,
) -> CommandResult<()> {
    Ok(session.recover(recovery_key.expose_secret(), &new_passphrase.into_passphrase())?)
}

/// Locks now (the Lock button, Ctrl+L).
#[tauri::command(async)]
#[specta::specta]
pub fn vault_lock(session: State<'_, Session>, clipboard: State<'_, ClipboardGuard>) {
    session.lock(LockReason::User);
    clipboard.clear_now();
}

/// The web view saved what was typed before a lock Rust asked for (`LockPending`).
#[tauri::command(async)]
#[specta::specta]
pub fn lock_ready(handshake: State<'_, LockHandshake>, ticket: u32) {
    handshake.ready(ticket);
}

/// Copies text for the therapist; it is cleared from the clipboard after 30 s
/// and on lock.
#[tauri::command(async)]
#[specta::specta]
pub fn clipboard_copy(text: String, clipboard: State<'_, ClipboardGuard>) -> CommandResult<()> {
    let text = zeroize::Zeroizing::new(text);
    clipboard.copy(&text, std::time::Instant::now()).map_err(|_| CommandError::clipboard_unavailable())
}

/// The therapist copied with Ctrl+C inside the window: clear that too in time.
#[tauri::command(async)]
#[specta::specta]
pub fn clipboard_watch(clipboard: State<'_, ClipboardGuard>) -> CommandResult<()> {
    clipboard.report_copy();
    // The page reports the copy before WebKit writes the clipboard.
    std::thread::sleep(std::time::Duration::from_millis(200));
    clipboard.capture_reported_copy(std::time::Instant::now()).map_err(|_| CommandError::clipboard_unavailable())
}

/// The therapist is active: restart the idle clock. Async so it never waits on
/// the session lock on the main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn activity_report(session: State<'_, Session>) {
    session.record_activity();
}

/// The newest audit events (kinds and times only), newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn activity_recent(session: State<'_, Session>, limit: u32) -> CommandResult<Vec<ActivityEventDto>> {
    Ok(session.recent_activity(limit.min(200))?.into_iter().map(ActivityEventDto::from).collect())
}

/// Sets the auto-lock time (1–60 minutes).
#[tauri::command(async)]
#[specta::specta]
pub fn settings_set_auto_lock(session: State<'_, Session>, minutes: u32) -> CommandResult<()> {
    Ok(session.set_auto_lock_minutes(minutes)?)
}

/// Switches discreet mode (names hidden in lists and headers, a privacy screen
/// when the window is left).
#[tauri::command(async)]
#[specta::specta]
pub fn settings_set_discreet_mode(session: State<'_, Session>, enabled: bool) -> CommandResult<()> {
    Ok(session.with_vault(|vault| vault.set_discreet_mode(enabled))?)
}

/// The therapist read what discreet mode does: the explanation is not shown again.
#[tauri::command(async)]
#[specta::specta]
pub fn settings_discreet_mode_explained(session: State<'_, Session>) -> CommandResult<()> {
    Ok(session.with_vault(|vault| vault.set_discreet_mode_explained())?)
}

/// Changes the passphrase (the current one is checked first).
#[tauri::command(async)]
#[specta::specta]
pub fn vault_change_passphrase(
    session: State<'_, Session>,
    current: SecretInput,
    new_passphrase: SecretInput,
) -> CommandResult<()> {
    let (current, new) = (current.into_passphrase(), new_passphrase.into_passphrase());
    Ok(session.with_vault(|vault| vault.change_passphrase(&current, &new))?)
}

/// Switches device binding on or off (needs the passphrase).
#[tauri::command(async)]
#[specta::specta]
pub fn vault_set_device_binding(
    session: State<'_, Session>,
    passphrase: SecretInput,
    enabled: bool,
) -> CommandResult<()> {
    let passphrase = passphrase.into_passphrase();
    Ok(session.with_vault(|vault| vault.set_device_binding(&passphrase, enabled))?)
}
