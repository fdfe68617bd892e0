//! Shared helpers for Confidant's cross-crate acceptance tests.

use std::path::PathBuf;

pub mod power_cut;

/// The workspace root, where `Cargo.toml`, `crates/` and `src-tauri/` live.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits inside the workspace").to_path_buf()
}

/// Every file under `folder` (recursively), sorted.
pub fn files_under(folder: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A tmpfs of a fixed size: a disk that fills up. Needs root (CI and the
/// development machines run the tests as root). Where it cannot be mounted the
/// test fails and says why: a disk-full case never skips silently.
#[derive(Debug)]
pub struct SmallFilesystem {
    path: PathBuf,
}

impl SmallFilesystem {
    /// Mounts a tmpfs of `bytes` at `path` (created if missing).
    pub fn mount(path: PathBuf, bytes: u64) -> SmallFilesystem {
        std::fs::create_dir_all(&path).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0755"), "tmpfs"])
            .arg(&path)
            .status();
        assert!(
            status.as_ref().is_ok_and(std::process::ExitStatus::success),
            "cannot mount a tmpfs at {} ({status:?}): the disk-full and read-only tests need root, as CI has",
            path.display()
        );
        SmallFilesystem { path }
    }

    /// Mounts a tmpfs at `path` and makes it read-only (a write-protected drive).
    pub fn mount_read_only(path: PathBuf) -> SmallFilesystem {
        let mounted = SmallFilesystem::mount(path, 1 << 20);
        let remounted = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&mounted.path)
            .status()
            .is_ok_and(|status| status.success());
        assert!(remounted, "a tmpfs mounted here could not be made read-only");
        mounted
    }

    /// The mount point.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}
