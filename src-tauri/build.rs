//! Build script: generates the Tauri context and the permissions for our own commands.

/// Every command the web view may call. Each gets an `allow-<name>` permission that
/// `capabilities/main.json` grants; a command missing here cannot be invoked at all.
const APP_COMMANDS: &[&str] = &["app_info"];

fn main() {
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(APP_COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build script failed");
}
