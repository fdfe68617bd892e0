//! The Confidant desktop shell: window, security settings and the command list.
//!
//! All behaviour lives in `confidant-vault`; this crate only wires it to Tauri.

mod backup_commands;
mod clipboard;
mod commands;
mod dto;
mod error;
mod file_dialogs;
mod lock_watch;
mod record_commands;
mod record_dto;
mod spelling_commands;
mod transfer_commands;

use std::sync::Arc;
use std::time::Duration;

use confidant_vault::device::OsKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::{LockReason, Session, VaultLocation};
use tauri::{Manager, RunEvent, WebviewUrl, WebviewWindowBuilder, WindowEvent};

/// The typed command and event list; also the source of `ui/src/lib/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::vault_status,
            commands::passphrase_rate,
            commands::vault_create,
            commands::recovery_kit_save,
            commands::recovery_kit_confirm,
            commands::recovery_kit_new,
            commands::onboarding_finish,
            commands::vault_unlock,
            commands::vault_recover,
            commands::vault_lock,
            commands::activity_report,
            commands::clipboard_copy,
            commands::clipboard_watch,
            commands::activity_recent,
            commands::settings_set_auto_lock,
            commands::settings_set_discreet_mode,
            commands::vault_change_passphrase,
            commands::vault_set_device_binding,
            record_commands::client_list,
            record_commands::client_add,
            record_commands::client_update,
            record_commands::chart_open,
            record_commands::template_list,
            record_commands::note_create,
            record_commands::note_save,
            record_commands::note_open,
            record_commands::note_list_with_psychotherapy,
            record_commands::note_sign,
            record_commands::note_add_addendum,
            record_commands::note_revisions,
            record_commands::note_delete_draft,
            record_commands::session_reauthenticate,
            record_commands::search_notes,
            record_commands::signer_get,
            record_commands::signer_set,
            record_commands::consent_list,
            record_commands::consent_add,
            record_commands::consent_revoke,
            record_commands::disclosure_list,
            record_commands::disclosure_add,
            record_commands::disclosure_accounting,
            record_commands::retention_policy_get,
            record_commands::retention_policy_set,
            record_commands::retention_due,
            record_commands::retention_override,
            record_commands::client_destroy,
            transfer_commands::transfer_export,
            transfer_commands::transfer_import_preview,
            transfer_commands::transfer_import,
            transfer_commands::transfer_identity_show,
            transfer_commands::print_pdf,
            backup_commands::backup_overview,
            backup_commands::backup_now,
            backup_commands::backup_list,
            backup_commands::backup_preview,
            backup_commands::backup_restore,
            backup_commands::backup_restore_key_file,
            record_commands::note_create_from_previous,
            record_commands::note_sign_check,
            record_commands::workspace_resume,
            commands::lock_ready,
            commands::settings_discreet_mode_explained,
            backup_commands::backup_folder_suggestions,
            backup_commands::backup_folder_use_suggestion,
            backup_commands::backup_folder_choose,
            backup_commands::backup_policy_set,
            backup_commands::backup_turn_off,
            backup_commands::backup_file_choose,
            transfer_commands::transfer_file_choose,
            spelling_commands::spelling_check,
            spelling_commands::spelling_suggest,
            spelling_commands::spelling_add_word,
            spelling_commands::spelling_words,
            spelling_commands::spelling_remove_word,
            spelling_commands::spelling_languages,
            spelling_commands::spelling_set_languages,
        ])
        .events(tauri_specta::collect_events![dto::VaultLocked, dto::LockWarning, dto::LockPending])
        // Every DTO goes one way only; one TypeScript type per Rust type.
        .disable_serde_phases()
}

/// The session over the vault folder: `CONFIDANT_VAULT` or the platform data folder.
///
/// Two environment variables exist for testing and support; they can make the app
/// lock sooner or unlock faster, never weaker than the floor:
/// `CONFIDANT_IDLE_LOCK_SECONDS` (lock after this many idle seconds, at least 2)
/// and `CONFIDANT_KDF_TARGET_MS` (calibrate Argon2id to this time for new vaults;
/// never below m = 64 MiB, t = 3).
fn session_from_environment() -> Session {
    let location = VaultLocation::default_location()
        .unwrap_or_else(|| VaultLocation::new(std::env::temp_dir().join("confidant-vault")));
    let idle_override = std::env::var("CONFIDANT_IDLE_LOCK_SECONDS")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .map(|seconds| Duration::from_secs(seconds.max(2)));
    let kdf_target = std::env::var("CONFIDANT_KDF_TARGET_MS")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .map_or(Duration::from_secs(1), |milliseconds| Duration::from_millis(milliseconds.clamp(1, 10_000)));
    Session::new(location, Arc::new(OsKeychain), KdfPolicy::Calibrate { target: kdf_target }, idle_override)
}

/// The clipboard guard; `CONFIDANT_CLIPBOARD_CLEAR_SECONDS` can only shorten
/// the 30 s (for tests).
fn clipboard_from_environment() -> clipboard::ClipboardGuard {
    let clear_after = std::env::var("CONFIDANT_CLIPBOARD_CLEAR_SECONDS")
        .ok()
        .and_then(|value| value.parse::<u64>().ok())
        .map_or(clipboard::CLEAR_AFTER, |seconds| Duration::from_secs(seconds.max(1)).min(clipboard::CLEAR_AFTER));
    clipboard::ClipboardGuard::system(clear_after)
}

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/lib/bindings.ts";

/// Renders the TypeScript bindings for the current command list.
pub fn export_bindings(path: &std::path::Path) -> Result<(), specta_typescript::Error> {
    specta_builder().export(
        specta_typescript::Typescript::default()
            .header("// Generated by `make bindings` from src-tauri; do not edit by hand.\n"),
        path,
    )
}

/// True for the URLs of the UI bundled into the binary; every other navigation is refused.
fn is_bundled_ui(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    confidant_hardening::disable_core_dumps();
    let builder = specta_builder();
    let handler = builder.invoke_handler();
    // Start-up probe for `make bench-desktop` (docs/benchmarks.md), silent unless
    // CONFIDANT_STARTUP_PROBE is set: one stdout line when the page has loaded, when
    // the UI asks for the vault status, and when the first screen (the lock screen)
    // has mounted and asks for `app_info`. Command names only, never data.
    let probe = std::env::var_os("CONFIDANT_STARTUP_PROBE").is_some();
    let app = tauri::Builder::default()
        .manage(session_from_environment())
        .manage(clipboard_from_environment())
        .manage(lock_watch::LockHandshake::default())
        .manage(file_dialogs::ChosenFiles::default())
        // Native file dialogs, called from Rust only: none of the plugin's own
        // commands is in the capability, so the web view cannot open one itself.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(move |invoke| {
            match invoke.message.command() {
                "vault_status" if probe => println!("startup-probe: vault-status"),
                "app_info" if probe => println!("startup-probe: ready"),
                _ => {}
            }
            handler(invoke)
        })
        .on_page_load(move |_, payload| {
            if probe && payload.event() == tauri::webview::PageLoadEvent::Finished {
                println!("startup-probe: page-load-finished");
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            // The title is fixed: it never names a client.
            WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title("Confidant")
                .inner_size(1280.0, 800.0)
                .min_inner_size(900.0, 600.0)
                .on_navigation(is_bundled_ui)
                .build()?;
            // One app per vault: a second one shows "already open" instead of the lock screen.
            let _ = app.state::<Session>().claim_instance();
            lock_watch::start(app.handle());
            backup_commands::start_schedule(app.handle());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("the desktop shell failed to start");
    app.run(|app, event| match event {
        // Closing the window: the web view saves what is typed first, then the
        // vault locks (and backs up), then the app quits.
        RunEvent::WindowEvent { event: WindowEvent::CloseRequested { api, .. }, .. }
            if app.state::<Session>().is_unlocked() =>
        {
            api.prevent_close();
            let app = app.clone();
            std::thread::spawn(move || {
                lock_watch::lock_after_saving(&app, LockReason::Quit);
                app.exit(0);
            });
        }
        RunEvent::Exit => {
            app.state::<Session>().lock(LockReason::Quit);
            app.state::<clipboard::ClipboardGuard>().clear_now();
        }
        _ => {}
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_is_pinned_to_the_bundled_ui() {
        let allowed = |s: &str| is_bundled_ui(&tauri::Url::parse(s).expect("valid url"));
        assert!(allowed("tauri://localhost/index.html"));
        assert!(allowed("http://tauri.localhost/"));
        assert!(!allowed("https://example.com/"));
        assert!(!allowed("http://tauri.localhost.evil.example/"));
        assert!(!allowed("file:///etc/passwd"));
    }

    /// The committed bindings must match the Rust command list: regenerate with
    /// `make bindings` (CONFIDANT_UPDATE_BINDINGS=1) after changing a command.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let committed_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        if std::env::var_os("CONFIDANT_UPDATE_BINDINGS").is_some() {
            export_bindings(&committed_path).expect("bindings written");
            return;
        }
        let fresh_dir = std::env::temp_dir().join(format!("confidant-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&fresh_dir).expect("temp dir");
        let fresh_path = fresh_dir.join("bindings.ts");
        export_bindings(&fresh_path).expect("bindings rendered");
        let fresh = std::fs::read_to_string(&fresh_path).expect("fresh bindings");
        let _ = std::fs::remove_dir_all(&fresh_dir);
        let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
        assert!(fresh == committed, "ui/src/lib/bindings.ts is stale: run `make bindings` and commit the result");
    }
}
