//! The commands the web view can call: each one takes state, calls the vault and
//! maps the result to a DTO. No logic lives here.

use serde::Serialize;

use crate::error::CommandError;

/// What the first screen shows about this build.
#[derive(Debug, Serialize, specta::Type)]
pub struct AppInfo {
    /// The app's version, e.g. `0.1.0`.
    pub app_version: String,
    /// The SQLCipher version linked into the vault, e.g. `4.12.0 community`.
    pub sqlcipher_version: String,
}

/// Reports the app and SQLCipher versions.
#[tauri::command(async)]
#[specta::specta]
pub fn app_info() -> Result<AppInfo, CommandError> {
    Ok(AppInfo {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        sqlcipher_version: confidant_vault::sqlcipher_version()?,
    })
}
