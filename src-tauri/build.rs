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
    "clipboard_copy",
    "clipboard_watch",
    "activity_recent",
    "settings_set_auto_lock",
    "settings_set_discreet_mode",
    "vault_change_passphrase",
    "vault_set_device_binding",
    "client_list",
    "client_add",
    "client_update",
    "chart_open",
    "template_list",
    "note_create",
    "note_save",
    "note_open",
    "note_list_with_psychotherapy",
    "note_sign",
    "note_add_addendum",
    "note_revisions",
    "note_delete_draft",
    "session_reauthenticate",
    "search_notes",
    "signer_get",
    "signer_set",
    "consent_list",
    "consent_add",
    "consent_revoke",
    "disclosure_list",
    "disclosure_add",
    "disclosure_accounting",
    "retention_policy_get",
    "retention_policy_set",
    "retention_due",
    "retention_override",
    "client_destroy",
];

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script failed");
}
