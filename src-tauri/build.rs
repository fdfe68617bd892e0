//! Build script: generates the Tauri context and the permissions for our own commands.

/// Every command the web view may call. Each gets an `allow-<name>` permission that
/// `capabilities/main.json` grants; a command missing here cannot be invoked at all.
const APP_COMMANDS: &[&str] = &[
    "app_info",
    "vault_status",
    "passphrase_rate",
    "vault_create",
    "recovery_kit_save",
    "recovery_kit_confirm",
    "recovery_kit_new",
    "onboarding_finish",
    "vault_unlock",
    "vault_recover",
    "vault_lock",
    "activity_report",
    "activity_recent",
    "settings_set_auto_lock",
    "vault_change_passphrase",
    "vault_set_device_binding",
];

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script failed");
}
