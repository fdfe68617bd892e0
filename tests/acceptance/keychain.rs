//! One real round trip through the operating system's keychain (Secret Service
//! on Linux). Ignored by plain `cargo test`: `make keychain-test` runs it inside
//! a private D-Bus session with a throw-away gnome-keyring.

use std::sync::Arc;

use confidant_vault::device::{DeviceKeychain, OsKeychain};
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, Vault, VaultLocation};

#[test]
#[ignore = "needs a Secret Service: run with `make keychain-test`"]
fn a_device_bound_vault_round_trips_through_the_real_keychain() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let passphrase = Passphrase::new("lantern orbit pickle meadow".to_owned());
    let keychain: Arc<dyn DeviceKeychain> = Arc::new(OsKeychain);
    let options = CreateOptions { device_binding: true, kdf: KdfPolicy::fast_for_tests() };
    let created = Vault::create(&location, &passphrase, options, keychain.clone()).expect("created with binding");
    let vault_id = created.vault.vault_id().to_owned();
    created.vault.lock(LockReason::User).expect("locked");

    assert!(keychain.load(&vault_id).expect("keychain reachable").is_some(), "the device secret is in the keychain");
    let vault = Vault::unlock(&location, &passphrase, keychain.clone()).expect("unlocks with the keychain secret");
    vault.lock(LockReason::User).expect("locked");

    keychain.delete(&vault_id).expect("entry removed");
    assert!(matches!(Vault::unlock(&location, &passphrase, keychain), Err(Error::DeviceSecretMissing)));
}
