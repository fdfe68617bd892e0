//! What the command-line tests share: a temporary folder with a vault in it,
//! secrets written to files, and the real `confidant` binary run as a script
//! would run it (no terminal, no secrets in the environment).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSPHRASE: &str = "lantern orbit pickle meadow";
pub const NEW_PASSPHRASE: &str = "quiet harbour violet engine";

pub struct Workspace {
    pub folder: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace { folder: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    pub fn vault(&self) -> PathBuf {
        self.path("vault")
    }

    pub fn secret_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, format!("{text}\n")).expect("secret file");
        path
    }

    /// Runs `confidant --vault <vault> ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_on(&self.vault(), args)
    }

    /// Runs `confidant --vault <vault> ARGS` on another vault folder.
    pub fn run_on(&self, vault: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_confidant"))
            .arg("--vault")
            .arg(vault)
            .args(args)
            .env_remove("CONFIDANT_PASSPHRASE")
            .env_remove("CONFIDANT_NEW_PASSPHRASE")
            .env_remove("CONFIDANT_RECOVERY_KEY")
            .env_remove("CONFIDANT_VAULT")
            .stdin(Stdio::null())
            .output()
            .expect("confidant runs")
    }

    /// Creates a vault with the floor KDF parameters and no device binding;
    /// returns the recovery key.
    pub fn init(&self) -> String {
        let passphrase = self.secret_file("passphrase", PASSPHRASE);
        let output = self.run(&[
            "--json",
            "--passphrase-file",
            path(&passphrase),
            "init",
            "--no-device-binding",
            "--kdf-target-ms",
            "50",
        ]);
        assert_eq!(output.status.code(), Some(0), "init failed: {}", String::from_utf8_lossy(&output.stderr));
        json_of(&output)["recovery_key"].as_str().expect("recovery key in the JSON").to_owned()
    }
}

pub fn path(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

pub fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("stdout is not JSON: {}", String::from_utf8_lossy(&output.stdout)))
}
