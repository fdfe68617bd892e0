//! Real round trips through the operating system's keychain (Secret Service on
//! Linux), through `OsKeychain` itself. The test sets up what it needs: run
//! outside a throw-away Secret Service, it runs itself again inside one
//! (`scripts/with-test-keychain.sh`: a private D-Bus session with an unlocked
//! gnome-keyring whose files live in a temporary folder), never the user's own.

use std::process::Command;
use std::sync::Arc;

use confidant_acceptance_tests::workspace_root;
use confidant_vault::device::{DeviceKeychain, KEYCHAIN_SERVICE, OsKeychain};
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, Vault, VaultLocation};

/// Runs `test` inside the throw-away Secret Service; returns false when this
/// call started it there (the caller is then done).
fn inside_test_keychain(test: &str) -> bool {
    if std::env::var_os("CONFIDANT_INSIDE_TEST_BUS").is_some() {
        return true;
    }
    let output = Command::new("bash")
        .arg(workspace_root().join("scripts/with-test-keychain.sh"))
        .arg(std::env::current_exe().expect("this test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .output()
        .expect("run scripts/with-test-keychain.sh (needs dbus-run-session and gnome-keyring)");
    // Its own "test result" line would count the test twice in make test's summary.
    assert!(
        output.status.success(),
        "{test} failed inside the throw-away Secret Service ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

#[test]
fn a_device_bound_vault_round_trips_through_the_real_keychain() {
    if !inside_test_keychain("a_device_bound_vault_round_trips_through_the_real_keychain") {
        return;
    }
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let passphrase = Passphrase::new("lantern orbit pickle meadow".to_owned());
    let keychain: Arc<dyn DeviceKeychain> = Arc::new(OsKeychain);
    let options = CreateOptions { device_binding: true, kdf: KdfPolicy::fast_for_tests() };
    let created = Vault::create(&location, &passphrase, options, keychain.clone()).expect("created with binding");
    let vault_id = created.vault.vault_id().to_owned();
    created.vault.lock(LockReason::User).expect("locked");

    assert!(keychain.load(&vault_id).expect("keychain reachable").is_some(), "the device secret is in the keychain");
    // What the Secret Service holds is the secret OsKeychain stored, under our service name.
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, &format!("vault-{vault_id}")).expect("entry");
    assert_eq!(entry.get_secret().expect("the raw entry").len(), 32);
    let vault = Vault::unlock(&location, &passphrase, keychain.clone()).expect("unlocks with the keychain secret");
    vault.lock(LockReason::User).expect("locked");

    // An entry of the wrong length (edited by another program) is an error, not a key.
    let real = entry.get_secret().expect("the raw entry");
    entry.set_secret(b"short").expect("overwrite");
    assert!(matches!(keychain.load(&vault_id), Err(Error::KeychainUnavailable { .. })));
    entry.set_secret(&real).expect("put back");

    keychain.delete(&vault_id).expect("entry removed");
    keychain.delete(&vault_id).expect("removing a missing entry is fine");
    assert!(keychain.load(&vault_id).expect("reachable").is_none());
    assert!(matches!(Vault::unlock(&location, &passphrase, keychain), Err(Error::DeviceSecretMissing)));
}
