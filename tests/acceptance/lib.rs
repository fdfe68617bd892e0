//! Shared helpers for Confidant's cross-crate acceptance tests.

use std::path::PathBuf;

/// The workspace root, where `Cargo.toml`, `crates/` and `src-tauri/` live.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits inside the workspace").to_path_buf()
}
