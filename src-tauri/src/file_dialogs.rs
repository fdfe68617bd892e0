//! Native file dialogs, opened from Rust: the backup folder, a backup or a
//! transfer file to open, where to save an export, a PDF or the recovery kit.
//! The web view never types a path and has no file-system reach of its own: a
//! command that reads a file takes only a path the therapist picked here in this
//! run ([`ChosenFiles`]) or one listed from the backup folder.
//!
//! The end-to-end tests answer dialogs through a folder instead of a window
//! (`CONFIDANT_TEST_DIALOG_DIR`), in builds with the `test-dialogs` feature only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;

/// What to ask the therapist for.
#[derive(Debug, Clone)]
pub enum Dialog {
    /// A folder (for backups).
    PickFolder {
        /// The window title.
        title: &'static str,
        /// Where it opens.
        start: Option<PathBuf>,
    },
    /// A file to open.
    PickFile {
        /// The window title.
        title: &'static str,
        /// The filter's name and extensions, e.g. ("Confidant backups", ["cbak"]).
        filter: (&'static str, &'static [&'static str]),
        /// Where it opens.
        start: Option<PathBuf>,
    },
    /// Where to save a new file.
    SaveFile {
        /// The window title.
        title: &'static str,
        /// The suggested name.
        file_name: String,
        /// The filter's name and extensions.
        filter: (&'static str, &'static [&'static str]),
        /// Where it opens.
        start: Option<PathBuf>,
    },
}

/// Shows the dialog on top of the app window and waits for the answer; `None`
/// when the therapist cancelled. Blocks: call from async commands only.
pub fn ask(app: &AppHandle, dialog: Dialog) -> Option<PathBuf> {
    #[cfg(feature = "test-dialogs")]
    if let Some(answer) = test_hook::answer(&dialog) {
        return answer;
    }
    let mut builder = app.dialog().file();
    if let Some(window) = app.get_webview_window("main") {
        builder = builder.set_parent(&window);
    }
    let picked = match dialog {
        Dialog::PickFolder { title, start } => with_start(builder.set_title(title), start).blocking_pick_folder(),
        Dialog::PickFile { title, filter, start } => {
            with_start(builder.set_title(title).add_filter(filter.0, filter.1), start).blocking_pick_file()
        }
        Dialog::SaveFile { title, file_name, filter, start } => {
            with_start(builder.set_title(title).set_file_name(file_name).add_filter(filter.0, filter.1), start)
                .blocking_save_file()
        }
    };
    picked.and_then(|path| path.into_path().ok())
}

fn with_start<R: tauri::Runtime>(
    builder: tauri_plugin_dialog::FileDialogBuilder<R>,
    start: Option<PathBuf>,
) -> tauri_plugin_dialog::FileDialogBuilder<R> {
    match start.filter(|folder| folder.is_dir()) {
        Some(folder) => builder.set_directory(folder),
        None => builder,
    }
}

/// Where save dialogs open: Documents, else home.
pub fn documents() -> Option<PathBuf> {
    dirs::document_dir().filter(|folder| folder.is_dir()).or_else(dirs::home_dir)
}

/// The files the therapist picked through a dialog in this run of the app.
#[derive(Debug, Default)]
pub struct ChosenFiles(Mutex<HashSet<PathBuf>>);

impl ChosenFiles {
    /// Remembers a file the therapist picked.
    pub fn grant(&self, path: &Path) {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(path.to_path_buf());
    }

    /// The path, if the therapist picked it; else a refusal (the web view named a
    /// file nobody chose).
    pub fn require(&self, path: &str) -> Result<PathBuf, CommandError> {
        let path = PathBuf::from(path);
        if self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&path) {
            Ok(path)
        } else {
            Err(CommandError::file_not_chosen())
        }
    }

    /// Whether the therapist picked this path.
    pub fn contains(&self, path: &Path) -> bool {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(path)
    }
}

#[cfg(feature = "test-dialogs")]
mod test_hook {
    //! The e2e tests' stand-in for the dialog window: each dialog writes what
    //! it asks to `<dir>/asked.json` and takes its answer from `<dir>/answer`
    //! (a path, or nothing to cancel), waiting up to 20 s for the file.

    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::Dialog;

    pub fn answer(dialog: &Dialog) -> Option<Option<PathBuf>> {
        let folder = PathBuf::from(std::env::var_os("CONFIDANT_TEST_DIALOG_DIR")?);
        let (kind, title, file_name) = match dialog {
            Dialog::PickFolder { title, .. } => ("pick_folder", *title, None),
            Dialog::PickFile { title, .. } => ("pick_file", *title, None),
            Dialog::SaveFile { title, file_name, .. } => ("save_file", *title, Some(file_name.clone())),
        };
        let asked = serde_json::json!({ "kind": kind, "title": title, "file_name": file_name });
        let _ = std::fs::write(folder.join("asked.json"), asked.to_string());
        let answer_file = folder.join("answer");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(answer) = std::fs::read_to_string(&answer_file) {
                let _ = std::fs::remove_file(&answer_file);
                let answer = answer.trim();
                return Some((!answer.is_empty()).then(|| PathBuf::from(answer)));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_picked_in_a_dialog_can_be_named() {
        let chosen = ChosenFiles::default();
        assert!(chosen.require("/etc/passwd").is_err(), "nothing picked yet");
        chosen.grant(Path::new("/home/dana/Downloads/C-0007.confidant"));
        assert!(chosen.require("/home/dana/Downloads/C-0007.confidant").is_ok());
        let refused = chosen.require("/home/dana/Downloads/../.ssh/id_ed25519").expect_err("not picked");
        assert_eq!(serde_json::to_value(&refused).expect("json")["code"], "file_not_chosen");
    }
}
