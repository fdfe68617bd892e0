//! The vault's promises, as a therapist would state them: the passphrase and
//! keys never reach the disk, every bad input gets its own error and changes
//! nothing, the recovery key always gets you back in.

use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use confidant_vault::device::{DeviceKeychain, MemoryKeychain};
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, RecoveryKey, Vault, VaultLocation};

const PASSPHRASE: &str = "lantern orbit pickle meadow";
const NEW_PASSPHRASE: &str = "quiet harbour violet engine";

struct Fixture {
    _folder: tempfile::TempDir,
    location: VaultLocation,
    keychain: Arc<MemoryKeychain>,
    recovery_key: String,
}

fn passphrase(text: &str) -> Passphrase {
    Passphrase::new(text.to_owned())
}

fn options(device_binding: bool) -> CreateOptions {
    CreateOptions { device_binding, kdf: KdfPolicy::fast_for_tests() }
}

fn create_vault(device_binding: bool) -> Fixture {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let keychain = Arc::new(MemoryKeychain::new());
    let created = Vault::create(&location, &passphrase(PASSPHRASE), options(device_binding), keychain.clone())
        .expect("vault created");
    let recovery_key = created.recovery_key.expose_formatted().to_string();
    created.vault.lock(LockReason::User).expect("locked");
    Fixture { _folder: folder, location, keychain, recovery_key }
}

fn unlock(fixture: &Fixture, text: &str) -> confidant_vault::Result<Vault> {
    Vault::unlock(&fixture.location, &passphrase(text), fixture.keychain.clone())
}

fn read_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .expect("vault folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            (path.file_name().expect("name").to_string_lossy().into_owned(), std::fs::read(&path).expect("file"))
        })
        .collect();
    files.sort();
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn no_file_in_the_vault_folder_holds_the_passphrase_the_recovery_key_or_the_data_key() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path());
    let keychain = Arc::new(MemoryKeychain::new());
    let created = Vault::create(&location, &passphrase(PASSPHRASE), options(false), keychain).expect("created");
    let recovery_key = created.recovery_key.expose_formatted().to_string();
    let data_key = *created.vault.expose_data_key_for_tests().expose_secret();
    created.vault.lock(LockReason::Quit).expect("locked");

    let base64 = base64::engine::general_purpose::STANDARD;
    let mut needles: Vec<Vec<u8>> = vec![
        PASSPHRASE.as_bytes().to_vec(),
        hex::encode(PASSPHRASE).into_bytes(),
        base64.encode(PASSPHRASE).into_bytes(),
        recovery_key.clone().into_bytes(),
        recovery_key.replace('-', "").into_bytes(),
        data_key.to_vec(),
        hex::encode(data_key).into_bytes(),
        hex::encode_upper(data_key).into_bytes(),
        base64.encode(data_key).into_bytes(),
    ];
    needles.push(recovery_key.to_lowercase().into_bytes());
    let files = read_files(folder.path());
    assert!(files.iter().any(|(name, _)| name == "vault.db") && files.iter().any(|(name, _)| name == "vault.keys"));
    for (name, bytes) in &files {
        for needle in &needles {
            assert!(!contains(bytes, needle), "{name} contains a secret in the clear");
        }
    }
}

#[test]
fn the_right_passphrase_unlocks_and_the_audit_log_records_it() {
    let fixture = create_vault(true);
    let vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    let kinds: Vec<String> =
        vault.recent_audit_events(10).expect("events").into_iter().map(|event| event.kind).collect();
    assert_eq!(kinds, vec!["vault_unlocked", "vault_locked", "vault_created"]);
    assert!(vault.verify().expect("verify").is_ok());
}

#[test]
fn a_wrong_passphrase_is_refused_counted_and_leaves_the_database_byte_identical() {
    let fixture = create_vault(false);
    let database_before = std::fs::read(fixture.location.database_path()).expect("db");
    assert!(matches!(unlock(&fixture, "lantern orbit pickle meadoW"), Err(Error::WrongPassphrase)));
    assert_eq!(std::fs::read(fixture.location.database_path()).expect("db"), database_before);
    assert_eq!(Vault::status(&fixture.location).expect("status").failed_attempts, 1);

    // The failure is written to the audit log at the next successful unlock.
    let vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    let kinds: Vec<String> =
        vault.recent_audit_events(3).expect("events").into_iter().map(|event| event.kind).collect();
    assert_eq!(kinds, vec!["vault_unlocked", "unlock_failed", "vault_locked"]);
    vault.lock(LockReason::User).expect("locked");
    assert_eq!(Vault::status(&fixture.location).expect("status").failed_attempts, 0);
}

#[test]
fn after_five_failures_the_next_attempt_must_wait() {
    let fixture = create_vault(false);
    for _ in 0..5 {
        assert!(matches!(unlock(&fixture, "not the passphrase at all"), Err(Error::WrongPassphrase)));
    }
    match unlock(&fixture, PASSPHRASE) {
        Err(Error::TooManyAttempts { retry_after_seconds }) => assert!((1..=5).contains(&retry_after_seconds)),
        other => panic!("expected a wait, got {other:?}"),
    }
    let status = Vault::status(&fixture.location).expect("status");
    assert_eq!(status.failed_attempts, 5);
    assert!(status.retry_after_seconds > 0);
}

#[test]
fn the_recovery_key_sets_a_new_passphrase_and_the_old_one_stops_working() {
    let fixture = create_vault(false);
    let recovery_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    let vault = Vault::recover(&fixture.location, &recovery_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone())
        .expect("recovers");
    let kinds: Vec<String> =
        vault.recent_audit_events(3).expect("events").into_iter().map(|event| event.kind).collect();
    assert_eq!(kinds, vec!["vault_unlocked", "passphrase_changed", "recovery_key_used"]);
    vault.lock(LockReason::User).expect("locked");
    assert!(matches!(unlock(&fixture, PASSPHRASE), Err(Error::WrongPassphrase)));
    unlock(&fixture, NEW_PASSPHRASE).expect("the new passphrase works");
}

#[test]
fn recovery_keys_of_another_vault_or_with_a_typo_get_their_own_errors() {
    let fixture = create_vault(false);
    let other = create_vault(false);
    let keys_before = std::fs::read(fixture.location.key_file_path()).expect("keys");
    let other_key = RecoveryKey::parse(&other.recovery_key).expect("parses");
    let result = Vault::recover(&fixture.location, &other_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone());
    assert!(matches!(result, Err(Error::WrongRecoveryKey)));

    let mut typo = fixture.recovery_key.clone().into_bytes();
    typo[0] = if typo[0] == b'7' { b'8' } else { b'7' };
    let typo = String::from_utf8(typo).expect("ascii");
    assert!(matches!(RecoveryKey::parse(&typo), Err(Error::RecoveryKeyTypo)));
    // The typo never reached the vault: only the wrong key was counted.
    assert_ne!(std::fs::read(fixture.location.key_file_path()).expect("keys"), keys_before);
    assert_eq!(Vault::status(&fixture.location).expect("status").failed_attempts, 1);
}

#[test]
fn a_weak_new_passphrase_is_refused_before_anything_changes() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let result = Vault::create(&location, &passphrase("password1234"), options(false), Arc::new(MemoryKeychain::new()));
    assert!(matches!(result, Err(Error::WeakPassphrase { .. })));
    assert!(!location.folder().exists());
}

#[test]
fn a_damaged_key_file_is_reported_as_damage_and_left_alone() {
    let fixture = create_vault(false);
    let key_path = fixture.location.key_file_path();
    let original = std::fs::read(&key_path).expect("keys");
    let database_before = std::fs::read(fixture.location.database_path()).expect("db");

    let truncated = &original[..original.len() / 2];
    std::fs::write(&key_path, truncated).expect("truncate");
    assert!(matches!(unlock(&fixture, PASSPHRASE), Err(Error::KeyFileDamaged { .. })));
    assert_eq!(std::fs::read(&key_path).expect("keys"), truncated);

    // Flip one bit at many positions: each is damage, never "wrong passphrase".
    for position in (0..original.len()).step_by(97) {
        let mut flipped = original.clone();
        flipped[position] ^= 0x04;
        std::fs::write(&key_path, &flipped).expect("flip");
        match unlock(&fixture, PASSPHRASE) {
            Err(Error::KeyFileDamaged { .. }) => {}
            other => panic!("bit flip at byte {position}: expected KeyFileDamaged, got {other:?}"),
        }
        assert_eq!(std::fs::read(&key_path).expect("keys"), flipped, "the damaged file is left as it was");
    }
    assert_eq!(std::fs::read(fixture.location.database_path()).expect("db"), database_before);
    std::fs::write(&key_path, &original).expect("restore");
    unlock(&fixture, PASSPHRASE).expect("the restored key file works");
}

#[test]
fn a_damaged_database_page_is_reported_as_damage() {
    let fixture = create_vault(false);
    let database_path = fixture.location.database_path();
    let mut bytes = std::fs::read(&database_path).expect("db");
    assert!(bytes.len() >= 3 * 4096, "expected several pages, got {} bytes", bytes.len());
    bytes[2 * 4096 + 200] ^= 0x01;
    std::fs::write(&database_path, &bytes).expect("flip");
    match unlock(&fixture, PASSPHRASE) {
        Err(Error::DatabaseDamaged { damaged_pages }) => assert_eq!(damaged_pages, 1),
        other => panic!("expected DatabaseDamaged, got {other:?}"),
    }
    assert_eq!(std::fs::read(&database_path).expect("db"), bytes, "the damaged file is left as it was");
}

#[test]
fn a_device_bound_vault_needs_this_computers_keychain_and_the_recovery_key_rebinds_it() {
    let fixture = create_vault(true);
    let status = Vault::status(&fixture.location).expect("status");
    assert!(status.device_bound);
    let vault_id = status.vault_id.expect("id");

    // Another computer: the right passphrase, but no keychain entry.
    let new_computer = Arc::new(MemoryKeychain::new());
    let result = Vault::unlock(&fixture.location, &passphrase(PASSPHRASE), new_computer.clone());
    match result {
        Err(error @ Error::DeviceSecretMissing) => assert!(error.to_string().contains("recovery key")),
        other => panic!("expected DeviceSecretMissing, got {other:?}"),
    }
    let no_keychain = Arc::new(MemoryKeychain::unavailable());
    assert!(matches!(
        Vault::unlock(&fixture.location, &passphrase(PASSPHRASE), no_keychain),
        Err(Error::KeychainUnavailable { .. })
    ));
    assert_eq!(Vault::status(&fixture.location).expect("status").failed_attempts, 0, "not the user's mistake");

    let recovery_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    let vault = Vault::recover(&fixture.location, &recovery_key, &passphrase(NEW_PASSPHRASE), new_computer.clone())
        .expect("recovers");
    assert!(vault.is_device_bound(), "bound again, now to the new computer");
    assert!(new_computer.load(&vault_id).expect("load").is_some());
    vault.lock(LockReason::User).expect("locked");
    Vault::unlock(&fixture.location, &passphrase(NEW_PASSPHRASE), new_computer).expect("unlocks on the new computer");
}

#[test]
fn device_binding_can_be_switched_off_and_on() {
    let fixture = create_vault(true);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    vault.set_device_binding(&passphrase(PASSPHRASE), false).expect("unbound");
    assert!(!vault.is_device_bound());
    vault.lock(LockReason::User).expect("locked");
    assert!(!Vault::status(&fixture.location).expect("status").device_bound);
    let vault = Vault::unlock(&fixture.location, &passphrase(PASSPHRASE), Arc::new(MemoryKeychain::new()))
        .expect("an unbound vault opens without the keychain entry");
    vault.lock(LockReason::User).expect("locked");

    // And on again: from now on this computer's keychain is needed once more.
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    vault.set_device_binding(&passphrase(PASSPHRASE), true).expect("bound again");
    assert!(vault.is_device_bound());
    let vault_id = vault.vault_id().to_owned();
    vault.lock(LockReason::User).expect("locked");
    assert!(Vault::status(&fixture.location).expect("status").device_bound);
    assert!(fixture.keychain.load(&vault_id).expect("load").is_some(), "a new secret is in the keychain");
    let elsewhere = Vault::unlock(&fixture.location, &passphrase(PASSPHRASE), Arc::new(MemoryKeychain::new()));
    assert!(matches!(elsewhere, Err(Error::DeviceSecretMissing)), "{elsewhere:?}");
    unlock(&fixture, PASSPHRASE).expect("opens with this computer's keychain");
}

/// Edits `vault.keys` as a forger would: change the JSON, then recompute the
/// whole-file hash so it is not simply reported as damage.
fn forge_key_file(fixture: &Fixture, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let path = fixture.location.key_file_path();
    let mut value = key_file_json(fixture);
    edit(&mut value);
    let forged = confidant_vault::keyfile::KeyFile::rehash_for_tests(&serde_json::to_vec(&value).expect("json"))
        .expect("a forger can rehash");
    confidant_vault::keyfile::KeyFile::parse(&forged).expect("the forged file passes the whole-file hash");
    std::fs::write(&path, &forged).expect("write forged keys");
    forged
}

/// `vault.keys` as JSON.
fn key_file_json(fixture: &Fixture) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(fixture.location.key_file_path()).expect("keys")).expect("json")
}

/// The recovery key opens the vault (and sets a new passphrase).
fn recover_with_the_kit(fixture: &Fixture) {
    let recovery_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    Vault::recover(&fixture.location, &recovery_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone())
        .expect("the recovery key opens the vault")
        .lock(LockReason::User)
        .expect("locked");
}

fn slot<'a>(value: &'a mut serde_json::Value, kind: &str) -> &'a mut serde_json::Value {
    value["slots"].as_array_mut().expect("slots").iter_mut().find(|slot| slot["kind"] == kind).expect("the slot")
}

#[test]
fn a_re_hashed_key_file_that_switches_device_binding_off_does_not_open() {
    let fixture = create_vault(true);
    forge_key_file(&fixture, |value| slot(value, "passphrase")["device_bound"] = serde_json::Value::Bool(false));
    assert!(!Vault::status(&fixture.location).expect("status").device_bound, "the forged flag is read");
    // The thief's laptop has no keychain entry; nor does it help to have one.
    for keychain in [Arc::new(MemoryKeychain::new()), fixture.keychain.clone()] {
        match Vault::unlock(&fixture.location, &passphrase(PASSPHRASE), keychain) {
            Err(Error::WrongPassphrase) => {}
            other => panic!("a slot whose binding flag was switched off opened or failed oddly: {other:?}"),
        }
    }
    // The recovery key still gets the therapist in.
    recover_with_the_kit(&fixture);
}

#[test]
fn a_re_hashed_key_file_with_weaker_argon2_parameters_does_not_open_or_is_repaired() {
    let fixture = create_vault(false);
    let original = key_file_json(&fixture);
    let weaker = |slot: &mut serde_json::Value| {
        let kdf = &mut slot["kdf"];
        let memory = kdf["memory_kib"].as_u64().expect("memory_kib");
        kdf["memory_kib"] = serde_json::json!(memory / 2);
        kdf["iterations"] = serde_json::json!(1);
    };

    // The passphrase slot with cheaper parameters: guessing would be faster, but
    // the slot no longer opens at all.
    forge_key_file(&fixture, |value| weaker(slot(value, "passphrase")));
    assert!(matches!(unlock(&fixture, PASSPHRASE), Err(Error::WrongPassphrase)));
    let mut restored = original.clone();
    restored["unlock_failures"] = serde_json::json!({ "consecutive": 0, "last_failure_at": null, "unrecorded": [] });
    std::fs::write(
        fixture.location.key_file_path(),
        confidant_vault::keyfile::KeyFile::rehash_for_tests(&serde_json::to_vec(&restored).expect("json"))
            .expect("rehash"),
    )
    .expect("put back");

    // The recovery slot with cheaper parameters: the vault remembers the real
    // ones inside the encrypted database and repairs the file at the next unlock.
    forge_key_file(&fixture, |value| weaker(slot(value, "recovery")));
    let vault = unlock(&fixture, PASSPHRASE).expect("the passphrase slot is untouched");
    let events: Vec<String> =
        vault.recent_audit_events(3).expect("events").into_iter().map(|event| event.kind.as_str().to_owned()).collect();
    assert!(events.contains(&"key_file_repaired".to_owned()), "{events:?}");
    vault.lock(LockReason::User).expect("locked");
    let mut repaired = key_file_json(&fixture);
    let mut original = original;
    assert_eq!(
        slot(&mut repaired, "recovery")["kdf"],
        slot(&mut original, "recovery")["kdf"],
        "the real Argon2id parameters are back"
    );
    recover_with_the_kit(&fixture);
}

#[test]
fn changing_the_passphrase_needs_the_current_one() {
    let fixture = create_vault(true);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    let wrong = vault.change_passphrase(&passphrase("not my passphrase at all"), &passphrase(NEW_PASSPHRASE));
    assert!(matches!(wrong, Err(Error::WrongPassphrase)));
    vault.change_passphrase(&passphrase(PASSPHRASE), &passphrase(NEW_PASSPHRASE)).expect("changed");
    vault.lock(LockReason::User).expect("locked");
    assert!(matches!(unlock(&fixture, PASSPHRASE), Err(Error::WrongPassphrase)));
    unlock(&fixture, NEW_PASSPHRASE).expect("new passphrase works");
}

#[test]
fn rotating_the_data_key_keeps_both_the_passphrase_and_the_recovery_key_working() {
    let fixture = create_vault(false);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    let old_key = *vault.expose_data_key_for_tests().expose_secret();
    vault.set_auto_lock_minutes(7).expect("setting");
    vault.rotate_data_key(&passphrase(PASSPHRASE)).expect("rotated");
    assert_ne!(*vault.expose_data_key_for_tests().expose_secret(), old_key);
    vault.lock(LockReason::User).expect("locked");

    let vault = unlock(&fixture, PASSPHRASE).expect("passphrase still works");
    assert_eq!(vault.auto_lock_minutes().expect("setting"), 7, "the data survived re-encryption");
    assert!(vault.verify().expect("verify").is_ok());
    vault.lock(LockReason::User).expect("locked");
    let recovery_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    Vault::recover(&fixture.location, &recovery_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone())
        .expect("the recovery key still works after rotation");
}

#[test]
fn the_auto_lock_time_is_kept_between_one_and_sixty_minutes() {
    let fixture = create_vault(false);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    assert_eq!(vault.auto_lock_minutes().expect("default"), 10);
    assert!(matches!(vault.set_auto_lock_minutes(0), Err(Error::InvalidSetting { .. })));
    assert!(matches!(vault.set_auto_lock_minutes(61), Err(Error::InvalidSetting { .. })));
    vault.set_auto_lock_minutes(60).expect("sixty is allowed");
    assert_eq!(vault.auto_lock_minutes().expect("stored"), 60);
}

#[test]
fn creating_over_an_existing_vault_is_refused() {
    let fixture = create_vault(false);
    let result =
        Vault::create(&fixture.location, &passphrase(NEW_PASSPHRASE), options(false), fixture.keychain.clone());
    assert!(matches!(result, Err(Error::VaultAlreadyExists)));
    unlock(&fixture, PASSPHRASE).expect("the original vault is untouched");
}

#[test]
fn no_vault_gives_a_not_found_error() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path());
    assert!(matches!(
        Vault::unlock(&location, &passphrase(PASSPHRASE), Arc::new(MemoryKeychain::new())),
        Err(Error::VaultNotFound)
    ));
    assert!(!Vault::status(&location).expect("status").exists);
}

#[test]
fn a_second_program_cannot_open_a_vault_that_is_already_open() {
    let fixture = create_vault(false);
    let vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    assert!(matches!(unlock(&fixture, PASSPHRASE), Err(Error::VaultInUse)));
    vault.lock(LockReason::User).expect("locked");
    unlock(&fixture, PASSPHRASE).expect("opens once the first one is closed");
}

#[test]
fn a_key_file_pointing_at_another_recovery_key_is_repaired_at_unlock() {
    use confidant_vault::keyfile::{KeyFile, KeySlot};
    let fixture = create_vault(false);
    let attacker = create_vault(false);
    // Someone who can write the folder swaps in another vault's recovery slot,
    // recomputing the file's integrity hash, hoping the next rotation seals the
    // new data key to their recovery key.
    let key_path = fixture.location.key_file_path();
    let mut keys = KeyFile::read(&key_path).expect("keys");
    let foreign = KeyFile::read(&attacker.location.key_file_path()).expect("keys");
    let foreign_slot: KeySlot = foreign.recovery_slot().expect("slot").clone();
    keys.put_slot(foreign_slot);
    keys.write(&key_path).expect("tampered file written");

    let mut vault = unlock(&fixture, PASSPHRASE).expect("the passphrase slot still opens");
    let kinds: Vec<String> =
        vault.recent_audit_events(3).expect("events").into_iter().map(|event| event.kind).collect();
    assert_eq!(kinds[0], "vault_unlocked");
    assert_eq!(kinds[1], "key_file_repaired");
    vault.rotate_data_key(&passphrase(PASSPHRASE)).expect("rotated");
    vault.lock(LockReason::User).expect("locked");

    let attacker_key = RecoveryKey::parse(&attacker.recovery_key).expect("parses");
    let stolen =
        Vault::recover(&fixture.location, &attacker_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone());
    assert!(matches!(stolen, Err(Error::WrongRecoveryKey)), "the swapped-in recovery key opens nothing");
    let own_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    Vault::recover(&fixture.location, &own_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone())
        .expect("the therapist's own recovery key works again");
}

#[test]
fn a_failure_stamped_in_the_future_does_not_lock_the_therapist_out_for_ever() {
    use confidant_vault::keyfile::KeyFile;
    let fixture = create_vault(false);
    let key_path = fixture.location.key_file_path();
    let mut keys = KeyFile::read(&key_path).expect("keys");
    // Six failures recorded while the clock was a year ahead.
    for _ in 0..6 {
        keys.record_failure(chrono::Utc::now() + chrono::Duration::days(365));
    }
    keys.write(&key_path).expect("written");
    match unlock(&fixture, PASSPHRASE) {
        Err(Error::TooManyAttempts { retry_after_seconds }) => assert!(retry_after_seconds <= 10),
        other => panic!("expected a short wait, got {other:?}"),
    }
    let stamped = KeyFile::read(&key_path).expect("keys").unlock_failures.last_failure_at.expect("stamp");
    assert!(stamped <= chrono::Utc::now(), "the future stamp was moved to now");
}

#[test]
fn wrong_passphrases_in_settings_count_like_wrong_unlocks() {
    let fixture = create_vault(false);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    for _ in 0..5 {
        let result = vault.change_passphrase(&passphrase("not my passphrase at all"), &passphrase(NEW_PASSPHRASE));
        assert!(matches!(result, Err(Error::WrongPassphrase)));
    }
    let result = vault.change_passphrase(&passphrase(PASSPHRASE), &passphrase(NEW_PASSPHRASE));
    assert!(matches!(result, Err(Error::TooManyAttempts { .. })), "someone at an unlocked laptop cannot guess freely");
}

#[test]
fn a_lost_recovery_kit_can_be_replaced_and_the_old_key_stops_working() {
    let fixture = create_vault(false);
    let mut vault = unlock(&fixture, PASSPHRASE).expect("unlocks");
    assert!(!vault.recovery_kit_confirmed().expect("flag"), "the test fixture never confirmed its kit");
    let new_key = vault.replace_recovery_key().expect("replaced").expose_formatted().to_string();
    vault.confirm_recovery_kit().expect("confirmed");
    assert!(vault.recovery_kit_confirmed().expect("flag"));
    vault.lock(LockReason::User).expect("locked");
    let old_key = RecoveryKey::parse(&fixture.recovery_key).expect("parses");
    assert!(matches!(
        Vault::recover(&fixture.location, &old_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone()),
        Err(Error::WrongRecoveryKey)
    ));
    let new_key = RecoveryKey::parse(&new_key).expect("parses");
    Vault::recover(&fixture.location, &new_key, &passphrase(NEW_PASSPHRASE), fixture.keychain.clone())
        .expect("the new recovery key works");
}
