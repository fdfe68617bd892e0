//! Surviving faults: a process killed with SIGKILL while saving, a disk that
//! fills up mid-save, and a copy of the files taken mid-write (what a power cut
//! or a sync tool leaves). After each, the vault opens, its integrity check and
//! audit chain pass, and every save that returned is there — or, for a torn
//! copy, it is reported damaged; never silently wrong.
//!
//! `CONFIDANT_KILL_ROUNDS` sets the kill -9 rounds (20 by default; `make soak`
//! runs 100).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use confidant_acceptance_tests::SmallFilesystem;
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::notes::{NoteContent, NoteKind, NoteStatus};
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, Vault, VaultLocation};

const PASSPHRASE: &str = "lantern orbit pickle meadow";

fn passphrase() -> Passphrase {
    Passphrase::new(PASSPHRASE.to_owned())
}

fn new_vault(folder: &Path) -> VaultLocation {
    let location = VaultLocation::new(folder);
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let mut vault =
        Vault::create(&location, &passphrase(), options, Arc::new(MemoryKeychain::new())).expect("vault").vault;
    vault.set_signer("Dana Reyes", "PsyD").expect("signer");
    vault.add_client(NewClient::default()).expect("client");
    vault.lock(LockReason::User).expect("lock");
    location
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
            _ => panic!("unexpected line from the save loop: {line}"),
        }
        into.lines += 1;
    }
}

fn sequence_of(content: &NoteContent) -> u64 {
    let text = content.sections.values().next().expect("a section");
    text.split_whitespace().nth(1).and_then(|number| number.parse().ok()).expect("seq N at the start")
}

/// Starts the save loop on `location`; its stdout is read on a thread.
fn start_save_loop(location: &VaultLocation) -> (std::process::Child, std::thread::JoinHandle<Acknowledged>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_confidant-save-loop"))
        .arg(location.folder())
        .env("CONFIDANT_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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

/// Waits until the loop has acknowledged something (it is really saving).
fn wait_for_first_save(location: &VaultLocation) {
    let started = Instant::now();
    let wal = format!("{}-wal", location.database_path().display());
    while std::fs::metadata(&wal).map(|metadata| metadata.len()).unwrap_or(0) == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the save loop never started saving");
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
        wait_for_first_save(&location);
        std::thread::sleep(Duration::from_millis(20 + random.below(250)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let acknowledged = reader.join().expect("reader");
        assert!(acknowledged.lines > 0, "round {round}: the loop saved nothing before the kill");
        total_acknowledged += acknowledged.lines;

        // Unlocking runs the integrity check; it must pass.
        let mut vault = unlock(&location).unwrap_or_else(|error| panic!("round {round}: {error}"));
        for (id, sequence) in &acknowledged.newest {
            let note = vault.open_note(*id).unwrap_or_else(|error| panic!("round {round}: note {id}: {error}"));
            assert!(
                sequence_of(&note.content) >= *sequence,
                "round {round}: note {id} lost an acknowledged save ({} < {sequence})",
                sequence_of(&note.content)
            );
        }
        for id in &acknowledged.signed {
            assert_eq!(vault.open_note(*id).expect("note").status, NoteStatus::Signed, "round {round}: note {id}");
        }
        let report = vault.verify().expect("verify");
        assert!(report.is_ok(), "round {round}: {report:?}");
        vault.lock(LockReason::User).expect("lock");
    }
    eprintln!("kill -9: {rounds} rounds, {total_acknowledged} acknowledged saves, none lost");
}

#[test]
fn a_full_disk_while_saving_is_a_clear_error_and_the_saved_notes_stay() {
    let folder = tempfile::tempdir().expect("temp dir");
    let Some(disk) = SmallFilesystem::mount(folder.path().join("small-disk"), 3 * 1024 * 1024) else { return };
    let location = new_vault(&disk.path().join("vault"));
    let mut vault = unlock(&location).expect("unlock");
    let client = vault.clients().expect("clients").remove(0).code;
    let mut saved = Vec::new();
    let error = loop {
        let mut content = NoteContent {
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
        };
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
    wait_for_first_save(&location);
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
    assert_eq!(opened + damaged, copies.len());
}
