//! Every failed file operation names its real cause, on real files: a file that is
//! not there, a folder given for a file, a read-only drive, a full disk, a file that
//! cannot be read — never "check the free space" for all of them. Nothing is
//! written or recorded when one fails.

use std::path::Path;
use std::sync::Arc;

use confidant_acceptance_tests::SmallFilesystem;
use confidant_export::files;
use confidant_export::transfer::{Protection, Unlock};
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::transfer::{ExportPurpose, ExportRecipient, ExportScope};
use confidant_vault::{CreateOptions, Passphrase, Vault, VaultLocation};

fn vault(folder: &Path) -> Vault {
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let mut vault = Vault::create(
        &VaultLocation::new(folder.join("vault")),
        &Passphrase::new("lantern orbit pickle meadow".to_owned()),
        options,
        Arc::new(MemoryKeychain::new()),
    )
    .expect("vault")
    .vault;
    vault.add_client(NewClient::default()).expect("client");
    vault
}

fn export(vault: &mut Vault, path: &Path) -> Result<files::ExportSummary, files::Error> {
    let scope = ExportScope {
        purpose: ExportPurpose::TransferOfCare,
        include_drafts: false,
        include_psychotherapy: false,
        from: None,
        to: None,
    };
    let recipient =
        ExportRecipient { name: "Dr. Lee".to_owned(), address: None, client_informed: true, not_informed_reason: None };
    files::export_to_file(vault, "C-0001", &scope, &recipient, &Protection::Passphrase("a long file passphrase"), path)
}

fn disclosures(vault: &Vault) -> usize {
    vault.disclosures("C-0001").expect("disclosures").len()
}

#[test]
fn reading_names_a_missing_file_a_folder_and_an_unreadable_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    let vault = vault(folder.path());
    let unlock = Unlock::Passphrase("whatever it was");
    let code = |path: &Path| files::preview_file(&vault, path, &unlock).expect_err("refused").code();
    assert_eq!(code(&folder.path().join("Downloads").join("C-0007.confidant")), "path_not_found");
    assert_eq!(code(folder.path()), "path_is_folder");
    // The kernel refuses to read this file: an input/output error, not a missing one.
    assert_eq!(code(Path::new("/proc/self/mem")), "io");
    let message = files::preview_file(&vault, folder.path(), &unlock).expect_err("refused").to_string();
    assert!(message.contains("that is a folder, not a file"), "{message}");
    assert!(!message.contains("space"), "a folder is not a full disk: {message}");
}

#[test]
fn writing_names_a_missing_folder_a_read_only_drive_and_a_full_disk_and_records_nothing() {
    let folder = tempfile::tempdir().expect("temp dir");
    let mut vault = vault(folder.path());

    let missing = export(&mut vault, &folder.path().join("unplugged").join("out.confidant")).expect_err("missing");
    assert_eq!(missing.code(), "path_not_found");
    assert!(missing.to_string().contains("the drive is connected"), "{missing}");

    let read_only = SmallFilesystem::mount_read_only(folder.path().join("write-protected"));
    let refused = export(&mut vault, &read_only.path().join("out.confidant")).expect_err("read-only");
    assert_eq!(refused.code(), "read_only");

    let full = SmallFilesystem::mount(folder.path().join("full"), 16 * 1024);
    let too_big = export(&mut vault, &full.path().join("out.confidant")).expect_err("full");
    assert_eq!(too_big.code(), "disk_full");
    assert_eq!(std::fs::read_dir(full.path()).expect("list").count(), 0, "no partial file is left");

    assert_eq!(disclosures(&vault), 0, "a failed export records no disclosure");
    // And where it can be written, it is (the same export, a writable folder).
    export(&mut vault, &folder.path().join("out.confidant")).expect("exported");
    assert_eq!(disclosures(&vault), 1);
}
