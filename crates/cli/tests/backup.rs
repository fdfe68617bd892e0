//! `confidant backup`, `backup list` and `restore` as a script would use them:
//! the real binary, no terminal, secrets from files, JSON out, exit codes.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{NEW_PASSPHRASE, PASSPHRASE, Workspace, json_of, path};

/// Backup-specific steps on the shared workspace.
impl Workspace {
    /// Runs with the vault's passphrase file and `--json`.
    fn run_unlocked(&self, args: &[&str]) -> Output {
        let passphrase = self.secret_file("passphrase", PASSPHRASE);
        let mut full = vec!["--json", "--passphrase-file", path(&passphrase)];
        full.extend_from_slice(args);
        self.run(&full)
    }

    /// A vault (floor KDF parameters, no device binding) with one client and two
    /// notes, one signed; returns the recovery key.
    fn init_with_notes(&self) -> String {
        let recovery_key = self.init();
        succeeded(&self.run_unlocked(&["client", "add"]));
        succeeded(&self.run_unlocked(&["signer", "set", "--name", "Dana Reyes", "--credentials", "LCSW"]));
        let signed = self.add_note("2026-11-20", "Reports better sleep");
        succeeded(&self.run_unlocked(&["note", "sign", &signed, "--accept-warnings"]));
        self.add_note("2026-11-27", "Draft about the move");
        recovery_key
    }

    /// Writes a SOAP draft for C-0001 with `text` as its subjective section;
    /// returns its id.
    fn add_note(&self, date: &str, text: &str) -> String {
        let subjective = format!("subjective={text}");
        let note = self.run_unlocked(&[
            "note",
            "add",
            "--client",
            "C-0001",
            "--template",
            "soap",
            "--date",
            date,
            "--section",
            &subjective,
        ]);
        succeeded(&note);
        json_of(&note)["id"].as_i64().expect("id").to_string()
    }

    /// A note saved after the backup (it must not survive a restore).
    fn write_a_note_after_the_backup(&self) {
        self.add_note("2026-11-28", "Written after the backup");
    }

    fn backup_folder(&self) -> PathBuf {
        let folder = self.path("usb-drive");
        std::fs::create_dir_all(&folder).expect("backup folder");
        folder
    }

    /// Makes a backup into the backup folder; returns its path.
    fn back_up(&self) -> PathBuf {
        let folder = self.backup_folder();
        let output = self.run_unlocked(&["backup", "--to", path(&folder)]);
        succeeded(&output);
        PathBuf::from(json_of(&output)["backup"]["path"].as_str().expect("backup path"))
    }
}

fn succeeded(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `folder` with a hash of its bytes (a short diff when a test fails).
fn tree_bytes(folder: &Path) -> BTreeMap<PathBuf, u64> {
    let mut files = BTreeMap::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let mut hasher = DefaultHasher::new();
                std::fs::read(&path).expect("read").hash(&mut hasher);
                files.insert(path, hasher.finish());
            }
        }
    }
    files
}

fn subjectives(workspace: &Workspace, vault: &Path, passphrase_file: &Path) -> Vec<String> {
    let listed = workspace
        .run_on(vault, &["--json", "--passphrase-file", path(passphrase_file), "note", "list", "--client", "C-0001"]);
    succeeded(&listed);
    let mut texts: Vec<String> = json_of(&listed)
        .as_array()
        .expect("notes")
        .iter()
        .map(|note| {
            let id = note["id"].as_i64().expect("id").to_string();
            let shown =
                workspace.run_on(vault, &["--json", "--passphrase-file", path(passphrase_file), "note", "show", &id]);
            succeeded(&shown);
            json_of(&shown)["content"]["sections"]["subjective"].as_str().expect("text").to_owned()
        })
        .collect();
    texts.sort();
    texts
}

#[test]
fn backup_to_a_folder_lists_it_and_records_nothing_for_an_unchosen_folder() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let folder = workspace.backup_folder();

    // The text form names the file, its size and the counts.
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let text = workspace.run(&["--passphrase-file", path(&passphrase), "backup", "--to", path(&folder)]);
    succeeded(&text);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("Backed up to") && stdout.contains(path(&folder)) && stdout.contains("KiB"), "{stdout}");
    assert!(stdout.contains("2 notes;"), "{stdout}");

    let made = workspace.run_unlocked(&["backup", "--to", path(&folder)]);
    succeeded(&made);
    let json = json_of(&made);
    assert_eq!(json["contents"]["notes"], 2);
    assert!(json["contents"]["signed_notes"].is_null(), "counted only by the full check of a preview");
    assert_eq!(json["recorded_in_settings"], false, "--to a folder not chosen in Settings leaves backup.json alone");
    let file = PathBuf::from(json["backup"]["path"].as_str().expect("path"));
    assert!(file.starts_with(&folder) && file.extension().is_some_and(|extension| extension == "cbak"));
    assert_eq!(std::fs::metadata(&file).expect("file").len(), json["backup"]["bytes"].as_u64().expect("bytes"));
    assert!(!workspace.vault().join("backup.json").exists());

    // Listing needs no passphrase; newest first; damaged files are marked with their reason.
    std::fs::write(folder.join("confidant-00000000-20200101T000000Z.cbak"), b"not a backup").expect("junk");
    let n_files = std::fs::read_dir(&folder).expect("folder").count();
    let listed = workspace.run(&["--json", "backup", "list", path(&folder)]);
    succeeded(&listed);
    let entries = json_of(&listed);
    let entries = entries.as_array().expect("array");
    assert_eq!(entries.len(), n_files, "{entries:?}");
    assert_eq!(entries[0]["file_name"], json["backup"]["file_name"], "newest first");
    assert_eq!(entries[0]["damaged"], false);
    assert_eq!(entries[0]["this_vault"], true);
    let damaged = entries.last().expect("entries");
    assert_eq!(damaged["damaged"], true);
    assert_eq!(damaged["code"], "backup_damaged");
    let listed_text = workspace.run(&["backup", "list", path(&folder)]);
    succeeded(&listed_text);
    let stdout = String::from_utf8_lossy(&listed_text.stdout);
    assert!(stdout.contains("DAMAGED") && stdout.contains("too short"), "{stdout}");
    let newest = entries[0]["file_name"].as_str().expect("name");
    assert!(stdout.find(newest) < stdout.find("DAMAGED"), "newest first: {stdout}");
}

#[test]
fn backup_without_a_folder_is_a_usage_error_and_the_chosen_folder_records_the_outcome() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let none = workspace.run_unlocked(&["backup"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("--to DIR") && stderr(&none).contains("Settings"), "{}", stderr(&none));
    assert!(workspace.run(&["backup", "list"]).status.code() == Some(2));

    // The folder chosen in the app's Settings (backup.json), as the app writes it.
    let folder = workspace.backup_folder();
    let settings = serde_json::json!({ "folder": folder, "keep": { "daily": 7, "weekly": 4, "monthly": 12 } });
    std::fs::write(workspace.vault().join("backup.json"), settings.to_string()).expect("settings");
    let made = workspace.run_unlocked(&["backup"]);
    succeeded(&made);
    assert_eq!(json_of(&made)["recorded_in_settings"], true);
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(workspace.vault().join("backup.json")).expect("read")).expect("json");
    assert_eq!(status["last_backup_file"], json_of(&made)["backup"]["file_name"]);
    assert!(status["last_success_at"].is_string());
    assert!(status["backed_up_through"].as_i64().is_some_and(|seq| seq > 0));
    assert_eq!(status["every_hours"], 4, "the other settings are kept");

    // The drive is unplugged: a clear message, exit 7, recorded as a failure.
    std::fs::remove_dir_all(&folder).expect("unplug");
    let failed = workspace.run_unlocked(&["backup"]);
    assert_eq!(failed.status.code(), Some(7), "{}", stderr(&failed));
    assert_eq!(json_of(&failed)["error"]["code"], "backup_folder_unavailable");
    assert!(stderr(&failed).contains("does not exist (is the drive connected?)"), "{}", stderr(&failed));
    assert!(!folder.exists(), "a missing folder is not created");
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(workspace.vault().join("backup.json")).expect("read")).expect("json");
    assert_eq!(status["last_failure_code"], "backup_folder_unavailable");
    assert!(status["last_success_at"].is_string(), "the last success is still known");
}

#[test]
fn backup_to_a_missing_folder_says_so_and_creates_nothing() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let missing = workspace.path("unplugged-drive");
    let output = workspace.run_unlocked(&["backup", "--to", path(&missing)]);
    assert_eq!(output.status.code(), Some(7));
    assert_eq!(json_of(&output)["error"]["code"], "backup_folder_unavailable");
    assert!(
        stderr(&output).contains("the backup folder does not exist (is the drive connected?)"),
        "{}",
        stderr(&output)
    );
    assert!(!missing.exists());
    // The vault keeps working.
    succeeded(&workspace.run_unlocked(&["verify"]));
}

#[test]
fn restore_into_a_new_folder_with_the_passphrase_or_the_recovery_key() {
    let workspace = Workspace::new();
    let recovery_key = workspace.init_with_notes();
    let file = workspace.back_up();
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let expected = subjectives(&workspace, &workspace.vault(), &passphrase);
    assert_eq!(expected.len(), 2);

    // A dry run opens and checks it, and changes nothing.
    let preview = workspace.run_unlocked(&["restore", path(&file), "--dry-run"]);
    succeeded(&preview);
    assert_eq!(json_of(&preview)["contents"]["notes"], 2);
    assert_eq!(json_of(&preview)["dry_run"], true);

    // With the passphrase of the day.
    let laptop = workspace.path("new-laptop");
    let restored = workspace.run_unlocked(&["restore", path(&file), "--into", path(&laptop)]);
    succeeded(&restored);
    let json = json_of(&restored);
    assert_eq!(json["contents"]["notes"], 2);
    assert_eq!(json["replaced_existing"], false);
    assert!(json["safety_copy"].is_null());
    assert_eq!(subjectives(&workspace, &laptop, &passphrase), expected);
    succeeded(&workspace.run_on(&laptop, &["--passphrase-file", path(&passphrase), "verify"]));

    // With the recovery key and a new passphrase (a new laptop, passphrase forgotten).
    let recovery_file = workspace.secret_file("recovery", &recovery_key);
    let new_passphrase = workspace.secret_file("new-passphrase", NEW_PASSPHRASE);
    let other = workspace.path("other-laptop");
    let restored = workspace.run(&[
        "restore",
        path(&file),
        "--into",
        path(&other),
        "--recovery-file",
        path(&recovery_file),
        "--new-passphrase-file",
        path(&new_passphrase),
    ]);
    succeeded(&restored);
    let stdout = String::from_utf8_lossy(&restored.stdout);
    assert!(stdout.contains("2 notes (1 signed)") && stdout.contains("new passphrase is set"), "{stdout}");
    assert_eq!(subjectives(&workspace, &other, &new_passphrase), expected);
    let old = workspace.run_on(&other, &["--passphrase-file", path(&passphrase), "verify"]);
    assert_eq!(old.status.code(), Some(3), "the old passphrase no longer opens the restored copy");

    // Without --into, a --vault folder with no vault yet receives the backup as its vault.
    let fresh = workspace.path("fresh-default");
    let restored =
        workspace.run_on(&fresh, &["--json", "--passphrase-file", path(&passphrase), "restore", path(&file)]);
    succeeded(&restored);
    assert_eq!(json_of(&restored)["replaced_existing"], false);
    assert!(json_of(&restored)["safety_copy"].is_null());
    assert_eq!(subjectives(&workspace, &fresh, &passphrase), expected);

    // An existing vault is never a "new folder".
    let again = workspace.run_unlocked(&["restore", path(&file), "--into", path(&laptop)]);
    assert_eq!(json_of(&again)["error"]["code"], "vault_already_exists");
    // A wrong passphrase: exit 3, nothing made.
    let wrong = workspace.secret_file("wrong", "not the passphrase at all");
    let refused = workspace.run(&[
        "--json",
        "--passphrase-file",
        path(&wrong),
        "restore",
        path(&file),
        "--into",
        path(&workspace.path("never")),
    ]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(!workspace.path("never").exists());
}

#[test]
fn restore_over_the_vault_keeps_a_safety_copy_and_brings_back_the_backup() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let expected = subjectives(&workspace, &workspace.vault(), &passphrase);
    let file = workspace.back_up();
    workspace.write_a_note_after_the_backup();

    let restored = workspace.run(&["--passphrase-file", path(&passphrase), "restore", path(&file)]);
    succeeded(&restored);
    let stdout = String::from_utf8_lossy(&restored.stdout);
    assert!(stdout.contains("copied first to"), "the safety copy is reported: {stdout}");
    let safety = workspace
        .vault()
        .read_dir()
        .expect("vault folder")
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("before-restore-")))
        .expect("a safety copy folder");
    assert!(stdout.contains(path(&safety)), "{stdout}");
    assert_eq!(subjectives(&workspace, &workspace.vault(), &passphrase), expected);

    // The safety copy is a whole vault holding the note written after the backup.
    let before = subjectives(&workspace, &safety, &passphrase);
    assert_eq!(before.len(), expected.len() + 1);
    assert!(before.contains(&"Written after the backup".to_owned()));
}

#[test]
fn a_damaged_backup_is_refused_clearly_and_the_vault_is_unchanged() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let file = workspace.back_up();
    let mut bytes = std::fs::read(&file).expect("read");
    let middle = bytes.len() / 3;
    bytes[middle] ^= 0x01;
    let damaged = workspace.path("damaged.cbak");
    std::fs::write(&damaged, &bytes).expect("write");
    let truncated = workspace.path("truncated.cbak");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");

    let vault_before = tree_bytes(&workspace.vault());
    for file in [&damaged, &truncated] {
        for extra in [&[][..], &["--dry-run"][..], &["--into", path(&workspace.path("never"))][..]] {
            let mut args = vec!["restore", path(file)];
            args.extend_from_slice(extra);
            let output = workspace.run_unlocked(&args);
            assert_eq!(output.status.code(), Some(6), "{args:?}: {}", stderr(&output));
            assert_eq!(json_of(&output)["error"]["code"], "backup_damaged");
            assert!(stderr(&output).contains("this backup file cannot be used"), "{}", stderr(&output));
            assert!(stderr(&output).contains("nothing was changed"), "{}", stderr(&output));
        }
    }
    assert_eq!(tree_bytes(&workspace.vault()), vault_before, "the vault is unchanged");
    assert!(!workspace.path("never").exists());
    let missing = workspace.run_unlocked(&["restore", path(&workspace.path("no-such.cbak"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(json_of(&missing)["error"]["code"], "path_not_found", "a missing file, not a deleted record");
}

#[test]
fn a_lost_key_file_comes_back_with_keys_only_and_the_newer_notes_stay() {
    let workspace = Workspace::new();
    workspace.init_with_notes();
    let file = workspace.back_up();
    workspace.write_a_note_after_the_backup();
    std::fs::remove_file(workspace.vault().join("vault.keys")).expect("lose vault.keys");
    let lost = workspace.run_unlocked(&["verify"]);
    assert_eq!(lost.status.code(), Some(4));

    // The backup list still works without vault.keys (and shows every vault's backups).
    let listed = workspace.run(&["--json", "backup", "list", path(&workspace.backup_folder())]);
    succeeded(&listed);
    assert_eq!(json_of(&listed).as_array().map(Vec::len), Some(1));

    let restored = workspace.run(&["restore", path(&file), "--keys-only"]);
    succeeded(&restored);
    assert!(String::from_utf8_lossy(&restored.stdout).contains("vault.keys restored"));
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let notes = subjectives(&workspace, &workspace.vault(), &passphrase);
    assert_eq!(notes.len(), 3, "the note written after the backup is still there: {notes:?}");
}

#[test]
fn a_weak_new_passphrase_is_refused_before_anything_is_restored() {
    let workspace = Workspace::new();
    let recovery_key = workspace.init_with_notes();
    let file = workspace.back_up();
    let recovery_file = workspace.secret_file("recovery", &recovery_key);
    let weak = workspace.secret_file("weak", "short");
    let vault_before = tree_bytes(&workspace.vault());
    let output = workspace.run(&[
        "--json",
        "restore",
        path(&file),
        "--recovery-file",
        path(&recovery_file),
        "--new-passphrase-file",
        path(&weak),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_of(&output)["error"]["code"], "weak_passphrase");
    assert_eq!(tree_bytes(&workspace.vault()), vault_before);
}
