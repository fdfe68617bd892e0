//! Backups and restore: an app-made backup restores to byte-equal notes with a
//! valid audit chain; no note text appears anywhere in the backup folder; a
//! missing, read-only or full backup folder is a clear error that changes
//! nothing; damaged backups are refused before anything is touched; a lost
//! `vault.keys` comes back from a backup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use confidant_acceptance_tests::{SmallFilesystem, files_under};
use confidant_vault::backup::{
    self, BackupSettings, ListedBackup, RestoreKey, RestoreTarget, RetentionPolicy, restore_backup,
};
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::notes::{Note, NoteContent, NoteKind};
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, RecoveryKey, Vault, VaultLocation};

const PASSPHRASE: &str = "lantern orbit pickle meadow";
const NEW_PASSPHRASE: &str = "quiet harbour violet engine";
const MARKER: &str = "Zanzibarquokka";

struct Setup {
    folder: tempfile::TempDir,
    location: VaultLocation,
    backups: PathBuf,
    vault: Vault,
    recovery_key: String,
    keychain: Arc<MemoryKeychain>,
}

fn passphrase(text: &str) -> Passphrase {
    Passphrase::new(text.to_owned())
}

fn content(date: &str, text: &str) -> NoteContent {
    NoteContent {
        kind: NoteKind::Progress,
        template: "soap".to_owned(),
        session_date: date.parse::<NaiveDate>().expect("date"),
        start_time: Some("09:30".to_owned()),
        duration_minutes: Some(50),
        modality: None,
        service_code: Some("90834".to_owned()),
        diagnosis_codes: vec!["F41.1".to_owned()],
        risk: BTreeMap::new(),
        sections: BTreeMap::from([("subjective".to_owned(), text.to_owned())]),
    }
}

/// A vault with a client, a signed note (with an addendum) and a draft, each
/// holding the marker word, and an empty backup folder.
fn setup() -> Setup {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let keychain = Arc::new(MemoryKeychain::new());
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let created = Vault::create(&location, &passphrase(PASSPHRASE), options, keychain.clone()).expect("vault");
    let mut vault = created.vault;
    vault.set_signer("Dana Reyes", "PsyD").expect("signer");
    let client =
        vault.add_client(NewClient { name: Some(format!("Ada {MARKER}")), ..NewClient::default() }).expect("client");
    let signed =
        vault.create_note(&client.code, content("2026-10-01", &format!("Slept poorly; {MARKER}."))).expect("note");
    vault.sign_note(signed.id, true).expect("sign");
    vault.add_addendum(signed.id, "Correction", &format!("45 minutes, {MARKER}.")).expect("addendum");
    vault.create_note(&client.code, content("2026-10-08", &format!("Draft about {MARKER}."))).expect("draft");
    let backups = folder.path().join("backups");
    std::fs::create_dir(&backups).expect("backup folder");
    Setup {
        location,
        backups,
        vault,
        recovery_key: created.recovery_key.expose_formatted().to_string(),
        keychain,
        folder,
    }
}

fn all_notes(vault: &mut Vault) -> Vec<Note> {
    let mut notes = Vec::new();
    for client in vault.clients().expect("clients") {
        for summary in vault.notes_for_client(&client.code, true).expect("notes") {
            notes.push(vault.open_note(summary.id).expect("note"));
        }
    }
    notes
}

fn tree_bytes(folder: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(folder).into_iter().map(|path| (path.clone(), std::fs::read(&path).expect("read"))).collect()
}

#[test]
fn a_backup_restores_to_byte_equal_notes_with_a_valid_audit_chain() {
    let mut setup = setup();
    let before = all_notes(&mut setup.vault);
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    assert!(report.info.file_name.ends_with(".cbak"));
    assert_eq!(report.contents.notes, 2);
    assert_eq!(report.contents.audit_events, setup.vault.recent_audit_events(1000).expect("audit").len() as u64 - 1);
    assert!(report.removed.is_empty());

    // A marker word from the notes is nowhere in the backup folder's files.
    for path in files_under(&setup.backups) {
        let bytes = std::fs::read(&path).expect("read backup");
        assert!(!contains(&bytes, MARKER.as_bytes()), "{} holds note text in the clear", path.display());
        assert!(!contains(&bytes, b"SQLite format 3"), "{} holds a plaintext database", path.display());
    }
    // Nothing but the backup itself (no journal, no partial file) is left there.
    assert_eq!(files_under(&setup.backups), vec![report.info.path.clone()]);

    // Restore into a new folder (a new laptop) with the passphrase.
    let elsewhere = VaultLocation::new(setup.folder.path().join("new-laptop"));
    let restored = restore_backup(
        &report.info.path,
        &elsewhere,
        &RestoreKey::Passphrase(&passphrase(PASSPHRASE)),
        RestoreTarget::NewVault,
        Arc::new(MemoryKeychain::new()),
    )
    .expect("restore");
    assert_eq!(restored.contents.notes, 2);
    assert_eq!(restored.contents.signed_notes, Some(1), "the full check on restore counts signed notes");
    assert!(restored.safety_copy.is_none());
    let mut vault = restored.vault;
    assert_eq!(all_notes(&mut vault), before, "every note, signature and addendum comes back as it was");
    let verified = vault.verify().expect("verify");
    assert!(verified.is_ok(), "audit chain and signatures verify after the restore: {verified:?}");
    let kinds: Vec<String> = vault.recent_audit_events(5).expect("audit").into_iter().map(|event| event.kind).collect();
    assert!(kinds.contains(&"backup_restored".to_owned()), "the restore is audited: {kinds:?}");
}

#[test]
fn a_backup_restores_with_the_recovery_key_and_a_new_passphrase() {
    let mut setup = setup();
    let before = all_notes(&mut setup.vault);
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    let elsewhere = VaultLocation::new(setup.folder.path().join("restored"));
    let recovery_key = RecoveryKey::parse(&setup.recovery_key).expect("recovery key");
    let restored = restore_backup(
        &report.info.path,
        &elsewhere,
        &RestoreKey::RecoveryKey { recovery_key: &recovery_key, new_passphrase: &passphrase(NEW_PASSPHRASE) },
        RestoreTarget::NewVault,
        Arc::new(MemoryKeychain::new()),
    )
    .expect("restore");
    let mut vault = restored.vault;
    assert_eq!(all_notes(&mut vault), before);
    vault.lock(LockReason::User).expect("lock");
    Vault::unlock(&elsewhere, &passphrase(NEW_PASSPHRASE), Arc::new(MemoryKeychain::new()))
        .expect("the new passphrase opens the restored vault");
}

#[test]
fn replacing_the_vault_keeps_a_safety_copy_and_brings_back_the_backup() {
    let mut setup = setup();
    let before = all_notes(&mut setup.vault);
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    let client = setup.vault.clients().expect("clients").remove(0);
    setup.vault.create_note(&client.code, content("2026-10-15", "Written after the backup.")).expect("note");

    // The open vault holds the lock: a restore over it is refused.
    let refused = restore_backup(
        &report.info.path,
        &setup.location,
        &RestoreKey::Passphrase(&passphrase(PASSPHRASE)),
        RestoreTarget::ReplaceExisting,
        setup.keychain.clone(),
    );
    assert!(matches!(refused, Err(Error::VaultInUse)), "{refused:?}");
    setup.vault.lock(LockReason::User).expect("lock");

    let restored = restore_backup(
        &report.info.path,
        &setup.location,
        &RestoreKey::Passphrase(&passphrase(PASSPHRASE)),
        RestoreTarget::ReplaceExisting,
        setup.keychain.clone(),
    )
    .expect("restore");
    let safety = restored.safety_copy.clone().expect("a safety copy");
    assert!(safety.join("vault.db").exists() && safety.join("vault.keys").exists());
    let mut vault = restored.vault;
    assert_eq!(all_notes(&mut vault), before);
    assert!(vault.verify().expect("verify").is_ok());
    drop(vault);

    // The safety copy is a whole vault: it opens, with the note written after the backup.
    let safety_location = VaultLocation::new(&safety);
    let mut previous = Vault::unlock(&safety_location, &passphrase(PASSPHRASE), setup.keychain.clone()).expect("opens");
    assert_eq!(all_notes(&mut previous).len(), before.len() + 1);
}

#[test]
fn a_missing_read_only_or_full_backup_folder_is_a_clear_error_and_the_vault_keeps_working() {
    let mut setup = setup();
    let missing = setup.folder.path().join("unplugged-drive");
    let error = setup.vault.back_up_to(&missing, RetentionPolicy::default()).expect_err("no folder");
    assert_eq!(error.code(), "backup_folder_unavailable");
    assert!(error.to_string().contains("does not exist"), "{error}");
    assert!(!missing.exists(), "a missing folder is not created (it would land on the laptop's disk)");

    let read_only = setup.folder.path().join("read-only");
    std::fs::create_dir(&read_only).expect("folder");
    set_mode(&read_only, 0o555);
    let error = setup.vault.back_up_to(&read_only, RetentionPolicy::default()).expect_err("read-only");
    assert_eq!(error.code(), "backup_folder_unavailable");
    assert!(error.to_string().contains("read-only"), "{error}");
    set_mode(&read_only, 0o755);
    assert!(files_under(&read_only).is_empty());

    let full = SmallFilesystem::mount(setup.folder.path().join("full-drive"), 64 * 1024);
    let error = setup.vault.back_up_to(full.path(), RetentionPolicy::default()).expect_err("full");
    assert_eq!(error.code(), "backup_folder_unavailable");
    assert!(error.to_string().contains("full"), "{error}");
    assert!(files_under(full.path()).is_empty(), "no partial file is left on the full drive");

    // The vault kept working throughout.
    let client = setup.vault.clients().expect("clients").remove(0);
    setup.vault.create_note(&client.code, content("2026-10-20", "Still writing.")).expect("a note saves");
    assert!(setup.vault.verify().expect("verify").is_ok());
}

#[test]
fn damaged_backups_are_refused_before_anything_changes() {
    let mut setup = setup();
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    setup.vault.lock(LockReason::User).expect("lock");
    let good = std::fs::read(&report.info.path).expect("read");
    let database_bytes = good.len() - trailer_length(&good);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "backup_damaged"),
        ("flipped database byte", flip(&good, database_bytes / 2), "backup_damaged"),
        ("flipped description byte", flip(&good, database_bytes + 40), "backup_damaged"),
        ("not a backup", b"hello, this is a text file".repeat(400), "backup_damaged"),
        ("empty", Vec::new(), "backup_damaged"),
    ];
    let vault_before = tree_bytes(setup.location.folder());
    for (label, bytes, code) in cases {
        let path = setup.folder.path().join(format!("{}.cbak", label.replace(' ', "-")));
        std::fs::write(&path, &bytes).expect("write");
        for target in [RestoreTarget::ReplaceExisting, RestoreTarget::NewVault] {
            let into = match target {
                RestoreTarget::ReplaceExisting => setup.location.clone(),
                RestoreTarget::NewVault => VaultLocation::new(setup.folder.path().join("never-made")),
            };
            let result = restore_backup(
                &path,
                &into,
                &RestoreKey::Passphrase(&passphrase(PASSPHRASE)),
                target,
                setup.keychain.clone(),
            );
            let error = result.expect_err(label);
            assert_eq!(error.code(), code, "{label}: {error}");
        }
        assert_eq!(tree_bytes(setup.location.folder()), vault_before, "{label}: the vault is unchanged");
        assert!(!setup.folder.path().join("never-made").exists(), "{label}: no new vault folder");
    }

    let wrong = restore_backup(
        &report.info.path,
        &setup.location,
        &RestoreKey::Passphrase(&passphrase("not the passphrase at all")),
        RestoreTarget::ReplaceExisting,
        setup.keychain.clone(),
    );
    assert!(matches!(wrong, Err(Error::WrongPassphrase)), "{wrong:?}");
    assert_eq!(tree_bytes(setup.location.folder()), vault_before);
}

#[test]
fn a_lost_key_file_comes_back_from_a_backup_and_newer_notes_stay() {
    let mut setup = setup();
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    let client = setup.vault.clients().expect("clients").remove(0);
    setup.vault.create_note(&client.code, content("2026-11-01", "After the backup.")).expect("note");
    let expected = all_notes(&mut setup.vault);
    setup.vault.lock(LockReason::User).expect("lock");

    std::fs::remove_file(setup.location.key_file_path()).expect("lose vault.keys");
    let status = Vault::status(&setup.location).expect_err("no key file");
    assert_eq!(status.code(), "key_file_missing");
    assert!(status.to_string().contains("backup"), "the message points to backups: {status}");
    let unlock = Vault::unlock(&setup.location, &passphrase(PASSPHRASE), setup.keychain.clone()).expect_err("no keys");
    assert!(matches!(unlock, Error::VaultNotFound | Error::KeyFileMissing), "{unlock:?}");
    // Creating a vault here must not bury the old database.
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let create = Vault::create(&setup.location, &passphrase(PASSPHRASE), options, setup.keychain.clone());
    assert_eq!(create.expect_err("refused").code(), "key_file_missing");

    backup::restore_key_file(&report.info.path, &setup.location).expect("key file restored");
    let mut vault = Vault::unlock(&setup.location, &passphrase(PASSPHRASE), setup.keychain.clone()).expect("opens");
    assert_eq!(all_notes(&mut vault), expected, "the notes written after the backup are still there");
}

#[test]
fn a_damaged_key_file_says_to_use_a_backup() {
    let setup = setup();
    setup.vault.lock(LockReason::User).ok();
    std::fs::write(setup.location.key_file_path(), b"{ not json").expect("damage");
    let error = Vault::unlock(&setup.location, &passphrase(PASSPHRASE), setup.keychain.clone()).expect_err("damaged");
    assert_eq!(error.code(), "key_file_damaged");
    assert!(error.to_string().contains("backup"), "{error}");
}

#[test]
fn a_damaged_database_is_reported_at_unlock_and_the_newest_backup_restores_it() {
    let mut setup = setup();
    let before = all_notes(&mut setup.vault);
    setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("first backup");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("second backup");
    setup.vault.lock(LockReason::User).expect("lock");
    let mut bytes = std::fs::read(setup.location.database_path()).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(setup.location.database_path(), bytes).expect("damage");

    let error = Vault::unlock(&setup.location, &passphrase(PASSPHRASE), setup.keychain.clone()).expect_err("damaged");
    assert_eq!(error.code(), "database_damaged");
    let vault_id = Vault::status(&setup.location).expect("status").vault_id.expect("id");
    let newest = backup::newest_backup(&setup.backups, &vault_id).expect("list").expect("a backup");
    assert_eq!(newest.path, report.info.path, "the newest backup is offered");
    let restored = restore_backup(
        &newest.path,
        &setup.location,
        &RestoreKey::Passphrase(&passphrase(PASSPHRASE)),
        RestoreTarget::ReplaceExisting,
        setup.keychain.clone(),
    )
    .expect("restore");
    let mut vault = restored.vault;
    assert_eq!(all_notes(&mut vault), before);
}

#[test]
fn backups_are_listed_newest_first_and_settings_round_trip() {
    let mut setup = setup();
    // Four backups on one day: the three newest stay, the oldest goes.
    let first = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    for _ in 0..2 {
        let kept = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
        assert!(kept.removed.is_empty());
    }
    let rotated = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    assert_eq!(rotated.removed, vec![first.info.file_name.clone()], "beyond the three newest, one a day");
    assert!(!first.info.path.exists());
    for path in confidant_acceptance_tests::files_under(&setup.backups) {
        if path != rotated.info.path {
            std::fs::remove_file(path).expect("clear");
        }
    }
    // The same day again, with the earlier backup kept out of the rotation's sight.
    let first = rotated;
    let hidden = setup.backups.join("kept-by-hand");
    std::fs::rename(&first.info.path, &hidden).expect("hide");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    std::fs::rename(&hidden, &first.info.path).expect("unhide");
    std::fs::write(setup.backups.join("confidant-00000000-20200101T000000Z.cbak"), b"junk").expect("junk");
    let listed = backup::list_backups(&setup.backups, None).expect("list");
    let names: Vec<String> = listed
        .iter()
        .map(|listed| match listed {
            ListedBackup::Readable(info) => info.file_name.clone(),
            ListedBackup::Damaged { path, .. } => format!("damaged {}", path.display()),
        })
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], second.info.file_name);
    assert_eq!(names[1], first.info.file_name);
    assert!(names[2].starts_with("damaged"));

    let settings = BackupSettings {
        folder: Some(setup.backups.clone()),
        every_hours: 2,
        keep: RetentionPolicy { daily: 3, weekly: 2, monthly: 6 },
        ..BackupSettings::default()
    };
    settings.validate().expect("valid");
    settings.write(&setup.location).expect("write");
    assert_eq!(BackupSettings::read(&setup.location), settings);
    let relative = BackupSettings { folder: Some(PathBuf::from("backups")), ..BackupSettings::default() };
    assert_eq!(relative.validate().expect_err("relative").code(), "invalid_setting");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    copy[at] ^= 0x01;
    copy
}

/// Bytes after the database part: the JSON description, its length, the magic.
fn trailer_length(bytes: &[u8]) -> usize {
    let length_at = bytes.len() - 24;
    let json = u64::from_le_bytes(bytes[length_at..length_at + 8].try_into().expect("eight bytes"));
    json as usize + 24
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A session on a new vault in `folder`, unlocked, onboarding done.
fn unlocked_session(folder: &Path) -> confidant_vault::Session {
    let session = confidant_vault::Session::new(
        VaultLocation::new(folder.join("vault")),
        Arc::new(MemoryKeychain::new()),
        KdfPolicy::fast_for_tests(),
        None,
    );
    let key = session.create(passphrase(PASSPHRASE)).expect("created");
    session.confirm_recovery_kit(key.rsplit('-').next().expect("group")).expect("confirmed");
    session.finish_onboarding(false).expect("onboarded");
    session
}

#[test]
fn a_backup_folder_that_cannot_work_is_refused_when_chosen_and_a_suggested_one_is_made_and_used_at_once() {
    let folder = tempfile::tempdir().expect("temp dir");
    let session = unlocked_session(folder.path());

    // Missing (an unplugged drive): refused, and not created on the laptop's disk.
    let unplugged = folder.path().join("unplugged");
    let error = session.set_backup_folder(&unplugged, false).expect_err("missing");
    assert!(error.to_string().contains("does not exist"), "{error}");
    assert!(!unplugged.exists());
    // Inside the vault folder: a lost laptop would take both.
    let inside = folder.path().join("vault").join("backups");
    std::fs::create_dir(&inside).expect("folder");
    assert!(session.set_backup_folder(&inside, false).expect_err("inside").to_string().contains("inside the vault"));
    // A write-protected drive: refused at once, not "Saved" and failing later.
    let read_only = SmallFilesystem::mount_read_only(folder.path().join("write-protected"));
    let error = session.set_backup_folder(read_only.path(), false).expect_err("read-only");
    assert_eq!(error.code(), "backup_folder_unavailable");
    assert!(error.to_string().contains("read-only"), "{error}");
    assert!(session.backup_overview().settings.folder.is_none(), "nothing was saved");

    // Taking a suggestion makes the folder and backs up into it at once.
    let suggested = folder.path().join("home").join(backup::SUGGESTED_FOLDER_NAME);
    std::fs::create_dir(folder.path().join("home")).expect("home");
    let (overview, first) = session.set_backup_folder(&suggested, true).expect("set");
    let report = first.expect("the first backup");
    assert_eq!(overview.settings.folder.as_deref(), Some(suggested.as_path()));
    assert_eq!(files_under(&suggested), vec![report.info.path.clone()]);
    assert_eq!(overview.changes_since_backup, Some(false), "backed up from the first minute");
}

#[test]
fn a_backup_that_fails_its_check_is_removed_and_the_older_ones_stay() {
    let mut setup = setup();
    let good = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    let before = files_under(&setup.backups);
    confidant_vault::backup::damage_next_backup_for_tests();
    let error = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect_err("damaged on the drive");
    assert!(matches!(error, Error::BackupDamaged { .. }), "{error:?}");
    assert!(error.to_string().contains("does not verify"), "{error}");
    assert_eq!(files_under(&setup.backups), before, "the bad copy is gone, nothing else changed");
    assert!(good.info.path.exists());
    // The next backup is checked and kept as usual.
    setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("the next backup");
    assert_eq!(files_under(&setup.backups).len(), before.len() + 1);
}

/// On a shared computer only the therapist's account may read the vault and its
/// backups: the folder 0700, every file the app writes 0600 (what the umask
/// would otherwise allow is irrelevant).
#[cfg(unix)]
#[test]
fn the_vault_folder_and_every_file_the_app_writes_are_private_to_the_account() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    let mut setup = setup();
    let report = setup.vault.back_up_to(&setup.backups, RetentionPolicy::default()).expect("backup");
    assert_eq!(mode(setup.location.folder()), 0o700, "the vault folder");
    for file in files_under(setup.location.folder()) {
        let bits = mode(&file);
        assert_eq!(bits & 0o077, 0, "{} is readable by others ({bits:o})", file.display());
    }
    assert_eq!(mode(&report.info.path), 0o600, "the backup file");
}
