//! Surviving faults: a process killed with SIGKILL while saving, a disk that
//! fills up mid-save, and a copy of the files taken mid-write (what a power cut
//! or a sync tool leaves). After each, the vault opens, its integrity check and
//! audit chain pass, and every save that returned is there — or, for a torn
//! copy, it is reported damaged; never silently wrong.
//!
//! A power cut goes further than SIGKILL, which leaves the kernel's page cache
//! to finish the writes: the power-cut disk (`power_cut.rs`, ADR 0013) drops
//! every write not yet synced, so only what `fsync` made durable survives.
//!
//! `CONFIDANT_KILL_ROUNDS` sets the kill -9 rounds (20 by default; `make soak`
//! runs 100), `CONFIDANT_POWER_CUT_ROUNDS` the power cuts (5).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use confidant_acceptance_tests::SmallFilesystem;
use confidant_acceptance_tests::power_cut::PowerCutDisk;
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::notes::{NoteContent, NoteKind, NoteStatus};
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, RecoveryKey, Vault, VaultLocation};

const PASSPHRASE: &str = "lantern orbit pickle meadow";

fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE.to_owned())
}

fn new_vault(folder: &Path) -> VaultLocation {
    new_vault_and_recovery_key(folder).0
}

fn new_vault_and_recovery_key(folder: &Path) -> (VaultLocation, RecoveryKey) {
    let location = VaultLocation::new(folder);
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let created = Vault::create(&location, &passphrase(), options, Arc::new(MemoryKeychain::new())).expect("vault");
    let recovery_key = RecoveryKey::parse(&created.recovery_key.expose_formatted()).expect("recovery key");
    let mut vault = created.vault;
    vault.set_signer("Dana Reyes", "PsyD").expect("signer");
    vault.add_client(NewClient::default()).expect("client");
    vault.lock(LockReason::User).expect("lock");
    (location, recovery_key)
}

fn unlock(location: &VaultLocation) -> Result<Vault, Error> {
    Vault::unlock(location, &passphrase(), Arc::new(MemoryKeychain::new()))
}

/// A small xorshift generator: random enough for kill timings, no dependency.
struct Random(u64);

impl Random {
    fn seeded() -> Random {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9);
        eprintln!("fault tests: random seed {seed}");
        Random(seed | 1)
    }

    fn below(&mut self, limit: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % limit
    }
}

/// What the save loop acknowledged: the newest sequence number per note, and
/// which notes it reported signed.
#[derive(Debug, Default)]
struct Acknowledged {
    newest: BTreeMap<i64, u64>,
    signed: Vec<i64>,
    lines: usize,
}

impl Acknowledged {
    fn read(line: &str, into: &mut Acknowledged) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
            ["saved", id, sequence] => {
                into.newest.insert(id.parse().expect("id"), sequence.parse().expect("sequence"));
            }
            ["signed", id] => into.signed.push(id.parse().expect("id")),
            ["rotated", _] => {}
            _ => panic!("unexpected line from the save loop: {line}"),
        }
        into.lines += 1;
    }
}

fn sequence_of(content: &NoteContent) -> u64 {
    let text = content.sections.values().next().expect("a section");
    text.split_whitespace().nth(1).and_then(|number| number.parse().ok()).expect("seq N at the start")
}

/// Every save the loop acknowledged is in `vault`, every note it signed is
/// signed, and the whole vault verifies. `after` names the fault for messages.
fn assert_every_acknowledged_save_is_there(vault: &mut Vault, acknowledged: &Acknowledged, round: u32, after: &str) {
    for (id, sequence) in &acknowledged.newest {
        let note = vault.open_note(*id).unwrap_or_else(|error| panic!("round {round}: note {id}: {error}"));
        assert!(
            sequence_of(&note.content) >= *sequence,
            "round {round}: note {id} lost a save that said Saved before the {after} ({} < {sequence})",
            sequence_of(&note.content)
        );
    }
    for id in &acknowledged.signed {
        assert_eq!(vault.open_note(*id).expect("note").status, NoteStatus::Signed, "round {round}: note {id}");
    }
    let report = vault.verify().expect("verify");
    assert!(report.is_ok(), "round {round}: {report:?}");
}

/// Starts the save loop on `location`; its stdout is read on a thread.
fn start_save_loop(location: &VaultLocation) -> (std::process::Child, std::thread::JoinHandle<Acknowledged>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant-save-loop"))
        .arg(location.folder())
        .env("CONFIDANT_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the save loop");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut acknowledged = Acknowledged::default();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // A line cut by the kill is not an acknowledgement.
            if line.split_whitespace().count() >= 2 {
                Acknowledged::read(&line, &mut acknowledged);
            }
        }
        acknowledged
    });
    (child, reader)
}

/// A key rotation cut short by SIGKILL at a random moment — often while the
/// database is being re-encrypted, with both slot sets in `vault.keys` — is
/// finished at the next unlock: the passphrase and the recovery key both open
/// the vault, nothing is pending any more, and every page checks.
#[test]
fn a_key_rotation_killed_midway_finishes_at_the_next_unlock() {
    let folder = tempfile::tempdir().expect("temp dir");
    let (location, recovery_key) = new_vault_and_recovery_key(&folder.path().join("vault"));
    {
        // Some records, so re-encrypting takes a while and is worth interrupting.
        let mut vault = unlock(&location).expect("unlock");
        let client = vault.clients().expect("clients").remove(0).code;
        for index in 0..40 {
            let mut content = note_content();
            content.sections.insert("note".to_owned(), format!("seq {index} {}", "filler ".repeat(400)));
            vault.create_note(&client, content).expect("note");
        }
        vault.lock(LockReason::User).expect("lock");
    }
    let mut random = Random::seeded();
    let (mut rounds, mut caught_midway) = (0, 0);
    while rounds < 10 || caught_midway < 3 {
        rounds += 1;
        assert!(rounds <= 60, "in {rounds} rounds no kill landed mid-rotation");
        let mut child = Command::new(env!("CARGO_BIN_EXE_confidant-save-loop"))
            .arg(location.folder())
            .arg("rotate")
            .env("CONFIDANT_PASSPHRASE", PASSPHRASE)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the rotation loop");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        lines.next().expect("a first rotation").expect("line");
        std::thread::sleep(Duration::from_millis(random.below(60)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let keys = std::fs::read_to_string(location.key_file_path()).expect("keys");
        if keys.contains("pending_rotation") {
            caught_midway += 1;
        }

        let vault = unlock(&location).unwrap_or_else(|error| panic!("round {rounds}: {error}"));
        assert!(vault.verify().expect("verify").is_ok(), "round {rounds}");
        vault.lock(LockReason::User).expect("lock");
        let keys = std::fs::read_to_string(location.key_file_path()).expect("keys");
        assert!(!keys.contains("pending_rotation"), "round {rounds}: the rotation was finished at unlock");
        let recovered = Vault::recover(&location, &recovery_key, &passphrase(), Arc::new(MemoryKeychain::new()))
            .unwrap_or_else(|error| panic!("round {rounds}: the recovery key: {error}"));
        recovered.lock(LockReason::User).expect("lock");
    }
    eprintln!("rotation: {rounds} kills, {caught_midway} after the pending slots were saved, each finished at unlock");
}

/// The narrowest moment of a rotation, made on purpose: the database is already
/// under the new key, but the app stopped before `vault.keys` made the new slots
/// the main ones (they are only "pending"). The next unlock must open it with
/// the pending slots and finish the rotation.
#[test]
fn a_rotation_stopped_after_re_encrypting_is_finished_at_the_next_unlock() {
    let folder = tempfile::tempdir().expect("temp dir");
    let (location, recovery_key) = new_vault_and_recovery_key(&folder.path().join("vault"));
    let before: serde_json::Value =
        serde_json::from_slice(&std::fs::read(location.key_file_path()).expect("keys")).expect("json");
    let mut vault = unlock(&location).expect("unlock");
    vault.rotate_data_key(&passphrase()).expect("rotated");
    vault.lock(LockReason::User).expect("lock");
    let after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(location.key_file_path()).expect("keys")).expect("json");

    // vault.keys as it stood just before the promotion: old slots, new ones pending.
    let mut interrupted = before.clone();
    interrupted["pending_rotation"] = after["slots"].clone();
    let bytes = confidant_vault::keyfile::KeyFile::rehash_for_tests(&serde_json::to_vec(&interrupted).expect("json"))
        .expect("key file");
    std::fs::write(location.key_file_path(), bytes).expect("write");
    assert!(
        matches!(
            Vault::unlock(&location, &passphrase(), Arc::new(MemoryKeychain::new()))
                .map(|vault| vault.lock(LockReason::User)),
            Ok(Ok(()))
        ),
        "the passphrase opens the vault through the pending slot"
    );
    let finished: serde_json::Value =
        serde_json::from_slice(&std::fs::read(location.key_file_path()).expect("keys")).expect("json");
    assert!(finished.get("pending_rotation").is_none(), "the rotation was finished");
    assert_eq!(finished["slots"], after["slots"], "the new slots are the main ones now");
    let vault = Vault::recover(&location, &recovery_key, &passphrase(), Arc::new(MemoryKeychain::new()))
        .expect("the recovery key opens it too");
    assert!(vault.verify().expect("verify").is_ok());
}

fn note_content() -> NoteContent {
    NoteContent {
        kind: NoteKind::Progress,
        template: "free".to_owned(),
        session_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"),
        start_time: None,
        duration_minutes: None,
        modality: None,
        service_code: None,
        diagnosis_codes: Vec::new(),
        risk: BTreeMap::new(),
        sections: BTreeMap::new(),
    }
}

/// Waits until the loop has acknowledged something (it is really saving); a
/// loop that ended first is reported with what it printed.
fn wait_for_first_save(child: &mut std::process::Child, location: &VaultLocation) {
    let started = Instant::now();
    let wal = format!("{}-wal", location.database_path().display());
    while std::fs::metadata(&wal).map(|metadata| metadata.len()).unwrap_or(0) == 0 {
        if let Some(status) = child.try_wait().expect("the save loop's status") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            panic!("the save loop ended before saving ({status}):\n{stderr}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the save loop has not saved within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn killing_the_app_while_it_saves_loses_no_acknowledged_note() {
    let rounds: u32 = std::env::var("CONFIDANT_KILL_ROUNDS").ok().and_then(|value| value.parse().ok()).unwrap_or(20);
    let folder = tempfile::tempdir().expect("temp dir");
    let location = new_vault(&folder.path().join("vault"));
    let mut random = Random::seeded();
    let mut total_acknowledged = 0;
    for round in 1..=rounds {
        let (mut child, reader) = start_save_loop(&location);
        wait_for_first_save(&mut child, &location);
        std::thread::sleep(Duration::from_millis(20 + random.below(250)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let acknowledged = reader.join().expect("reader");
        assert!(acknowledged.lines > 0, "round {round}: the loop saved nothing before the kill");
        total_acknowledged += acknowledged.lines;

        // Unlocking runs the integrity check; it must pass.
        let mut vault = unlock(&location).unwrap_or_else(|error| panic!("round {round}: {error}"));
        assert_every_acknowledged_save_is_there(&mut vault, &acknowledged, round, "kill");
        vault.lock(LockReason::User).expect("lock");
    }
    eprintln!("kill -9: {rounds} rounds, {total_acknowledged} acknowledged saves, none lost");
}

#[test]
fn a_full_disk_while_saving_is_a_clear_error_and_the_saved_notes_stay() {
    let folder = tempfile::tempdir().expect("temp dir");
    let disk = SmallFilesystem::mount(folder.path().join("small-disk"), 3 * 1024 * 1024);
    let location = new_vault(&disk.path().join("vault"));
    let mut vault = unlock(&location).expect("unlock");
    let client = vault.clients().expect("clients").remove(0).code;
    let mut saved = Vec::new();
    let error = loop {
        let mut content = note_content();
        content.sections.insert("note".to_owned(), format!("seq {} {}", saved.len(), "filler text ".repeat(2000)));
        match vault.create_note(&client, content) {
            Ok(note) => saved.push(note.id),
            Err(error) => break error,
        }
        assert!(saved.len() < 2000, "the small disk never filled up");
    };
    assert_eq!(error.code(), "disk_full", "{error}");
    assert!(error.to_string().contains("free some space"), "{error}");
    assert!(saved.len() > 5, "some notes were saved before the disk filled");

    // Listing still works; opening a note records a view in the audit log, which
    // needs a little space, so on a full disk it too says "disk full" (never
    // shows a record it cannot log).
    assert_eq!(vault.notes_for_client(&client, false).expect("list").len(), saved.len());
    if let Err(error) = vault.open_note(saved[0]) {
        assert_eq!(error.code(), "disk_full");
    }
    drop(vault);

    // Space is freed (the disk grows), the vault opens and everything is there.
    let grown = Command::new("mount").args(["-o", "remount,size=64m"]).arg(disk.path()).status().expect("remount");
    assert!(grown.success());
    let mut vault = unlock(&location).expect("the vault opens once there is space");
    for (index, id) in saved.iter().enumerate() {
        assert_eq!(sequence_of(&vault.open_note(*id).expect("note").content), index as u64);
    }
    assert!(vault.verify().expect("verify").is_ok());
}

#[test]
fn a_copy_taken_mid_write_opens_or_is_reported_damaged_never_silently_wrong() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = new_vault(&folder.path().join("vault"));
    let (mut child, reader) = start_save_loop(&location);
    wait_for_first_save(&mut child, &location);
    let mut random = Random::seeded();
    let mut copies = Vec::new();
    for index in 0..12 {
        std::thread::sleep(Duration::from_millis(10 + random.below(120)));
        let copy = folder.path().join(format!("copy-{index}"));
        std::fs::create_dir(&copy).expect("copy folder");
        // Like a sync tool or a power cut: each file as it is at that moment.
        for name in ["vault.keys", "vault.db", "vault.db-wal"] {
            let from = location.folder().join(name);
            if from.exists() {
                std::fs::copy(&from, copy.join(name)).expect("copy");
            }
        }
        copies.push(copy);
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    reader.join().expect("reader");

    let (mut opened, mut damaged) = (0, 0);
    for copy in &copies {
        match unlock(&VaultLocation::new(copy)) {
            Ok(mut vault) => {
                let report = vault.verify().expect("verify");
                assert!(report.is_ok(), "{}: opened but does not verify: {report:?}", copy.display());
                for client in vault.clients().expect("clients") {
                    for summary in vault.notes_for_client(&client.code, true).expect("notes") {
                        let note = vault.open_note(summary.id).expect("every note reads");
                        sequence_of(&note.content);
                    }
                }
                opened += 1;
            }
            Err(Error::DatabaseDamaged { .. }) => damaged += 1,
            Err(other) => panic!("{}: neither opened nor reported damaged: {other}", copy.display()),
        }
    }
    eprintln!("copies taken mid-write: {opened} opened and verified, {damaged} reported damaged");
    // A WAL database copied file by file mostly opens (SQLite ignores a torn WAL
    // tail): if none did, the test exercised nothing but the damage report.
    assert!(opened > 0, "no copy opened ({damaged} damaged of {})", copies.len());
}

/// The power-cut disk really drops what was not synced, and keeps what was:
/// without this control the test below could pass on a layer that loses nothing.
#[test]
fn the_power_cut_disk_loses_unsynced_writes_and_keeps_synced_ones() {
    use std::io::Write;
    let folder = tempfile::tempdir().expect("temp dir");
    let backing = folder.path().join("disk");
    let disk = PowerCutDisk::mount(&backing, &folder.path().join("mounted"));
    let mut synced = std::fs::File::create(disk.path().join("synced")).expect("create");
    synced.write_all(b"kept: fsync returned").expect("write");
    synced.sync_all().expect("fsync");
    synced.write_all(b" / lost: written after the fsync").expect("write");
    let mut unsynced = std::fs::File::create(disk.path().join("unsynced")).expect("create");
    unsynced.write_all(&vec![7; 10_000]).expect("write");
    drop(unsynced);
    assert_eq!(std::fs::read(disk.path().join("unsynced")).expect("read back").len(), 10_000, "reads see writes");
    assert!(disk.cut() >= 3, "the unsynced pages were held back");
    assert!(std::fs::read(disk.path().join("synced")).is_err(), "a dead disk answers nothing");
    drop(synced);
    disk.unmount();
    assert_eq!(std::fs::read(backing.join("synced")).expect("synced"), b"kept: fsync returned");
    assert_eq!(std::fs::read(backing.join("unsynced")).expect("created").len(), 0, "closed is not synced");
}

/// "Saved" means on disk: the power goes at a random moment while notes are
/// saved, and every save that returned is there when the laptop restarts —
/// which holds only with `synchronous = FULL` (the last commits of a WAL are not
/// synced with NORMAL, and nothing is with OFF).
#[test]
fn a_power_cut_while_saving_loses_no_acknowledged_note() {
    let rounds: u32 =
        std::env::var("CONFIDANT_POWER_CUT_ROUNDS").ok().and_then(|value| value.parse().ok()).unwrap_or(5);
    let folder = tempfile::tempdir().expect("temp dir");
    let backing = folder.path().join("disk");
    new_vault(&backing.join("vault"));
    let mut random = Random::seeded();
    let mut total = (0, 0);
    for round in 1..=rounds {
        let disk = PowerCutDisk::mount(&backing, &folder.path().join("mounted"));
        let location = VaultLocation::new(disk.path().join("vault"));
        let (mut child, reader) = start_save_loop(&location);
        wait_for_first_save(&mut child, &location);
        std::thread::sleep(Duration::from_millis(50 + random.below(400)));
        let lost_pages = disk.cut();
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let acknowledged = reader.join().expect("reader");
        disk.unmount();
        assert!(acknowledged.lines > 0, "round {round}: the loop saved nothing before the power cut");
        total = (total.0 + acknowledged.lines, total.1 + lost_pages);

        // The laptop restarts: the folder holds only what was synced.
        let mut vault = unlock(&VaultLocation::new(backing.join("vault")))
            .unwrap_or_else(|error| panic!("round {round}: after the power cut: {error}"));
        assert_every_acknowledged_save_is_there(&mut vault, &acknowledged, round, "power cut");
        vault.lock(LockReason::User).expect("lock");
    }
    eprintln!(
        "power cut: {rounds} rounds, {} acknowledged saves, none lost; {} unsynced pages dropped",
        total.0, total.1
    );
}
