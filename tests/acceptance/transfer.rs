//! Handing a client's file to another clinician: export from vault A, import into
//! vault B with every field and hash intact — and every malformed, tampered or
//! hostile file rejected with its own message while vault B stays byte-for-byte
//! unchanged.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use confidant_export::files;
use confidant_export::transfer::{self, Protection, Unlock};
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::disclosures::{ConsentKind, DisclosurePurpose, NewConsent};
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::notes::{NoteContent, NoteKind};
use confidant_vault::transfer::{ExportPurpose, ExportRecipient, ExportRecord, ExportScope};
use confidant_vault::{CreateOptions, Passphrase, Vault, VaultLocation};

const PASSPHRASE: &str = "lantern orbit pickle meadow";
const FILE_PASSPHRASE: &str = "abandon ability able about above absent absorb";

struct Open {
    folder: tempfile::TempDir,
    vault: Vault,
}

fn open_vault(signer: &str) -> Open {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let mut vault =
        Vault::create(&location, &Passphrase::new(PASSPHRASE.to_owned()), options, Arc::new(MemoryKeychain::new()))
            .expect("vault")
            .vault;
    vault.set_signer(signer, "PsyD").expect("signer");
    Open { folder, vault }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

fn note(kind: NoteKind, template: &str, date: &str, sections: &[(&str, &str)]) -> NoteContent {
    NoteContent {
        kind,
        template: template.to_owned(),
        session_date: day(date),
        start_time: Some("09:30".to_owned()),
        duration_minutes: Some(50),
        modality: None,
        service_code: Some("90834".to_owned()),
        diagnosis_codes: vec!["F41.1".to_owned()],
        risk: BTreeMap::from([("suicidal_ideation".to_owned(), "denied".to_owned())]),
        sections: sections.iter().map(|(key, text)| ((*key).to_owned(), (*text).to_owned())).collect(),
    }
}

/// Vault A's client C-0001: two signed SOAP notes (one with an addendum), a draft,
/// a psychotherapy note, a consent and a disclosure.
fn vault_a() -> Open {
    let mut open = open_vault("Dana Reyes");
    let vault = &mut open.vault;
    // A client before ours, so row ids differ between the two vaults.
    vault.add_client(NewClient::default()).expect("client");
    let client = vault
        .add_client(NewClient {
            name: Some("Zoë Müller".to_owned()),
            birth_date: Some(day("1990-02-03")),
            ..NewClient::default()
        })
        .expect("client");
    let first = vault
        .create_note(
            &client.code,
            note(NoteKind::Progress, "soap", "2026-10-01", &[("subjective", "First session: sleep poor.")]),
        )
        .expect("note");
    vault.sign_note(first.id, true).expect("sign");
    vault.add_addendum(first.id, "Correction", "Session was 45 minutes.").expect("addendum");
    let second = vault
        .create_note(&client.code, note(NoteKind::Progress, "soap", "2026-10-08", &[("subjective", "Sleep better.")]))
        .expect("note");
    vault.sign_note(second.id, true).expect("sign");
    vault
        .create_note(&client.code, note(NoteKind::Progress, "soap", "2026-10-15", &[("subjective", "Draft words.")]))
        .expect("draft");
    let psychotherapy = vault
        .create_note(
            &client.code,
            note(NoteKind::Psychotherapy, "free", "2026-10-15", &[("note", "Process note: transference.")]),
        )
        .expect("psychotherapy note");
    vault.sign_note(psychotherapy.id, true).expect("sign");
    let consent = vault
        .add_consent(
            &client.code,
            NewConsent {
                kind: ConsentKind::ReleaseOfInformation,
                form_version: "ROI-3".to_owned(),
                signed_date: day("2026-09-30"),
                expires_date: None,
                scope: Some("Progress notes".to_owned()),
                recipient: Some("Dr. Lee".to_owned()),
                purpose: Some("Coordination of care".to_owned()),
            },
        )
        .expect("consent");
    vault
        .add_disclosure(
            &client.code,
            confidant_vault::disclosures::NewDisclosure {
                disclosed_on: day("2026-10-09"),
                recipient_name: "Dr. Lee".to_owned(),
                recipient_address: None,
                purpose: DisclosurePurpose::ClientAuthorization,
                purpose_detail: None,
                description: "First two notes".to_owned(),
                consent_id: Some(consent.id),
                note_ids: vec![first.id, second.id],
                client_informed: true,
                not_informed_reason: None,
            },
        )
        .expect("disclosure");
    open
}

fn transfer_scope() -> ExportScope {
    ExportScope {
        purpose: ExportPurpose::TransferOfCare,
        include_drafts: true,
        include_psychotherapy: false,
        from: None,
        to: None,
    }
}

fn recipient() -> ExportRecipient {
    ExportRecipient { name: "Dr. Sam Lee".to_owned(), address: None, client_informed: true, not_informed_reason: None }
}

/// Every byte of the vault folder, to show a rejected import changed nothing.
fn vault_bytes(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder.join("vault"))
        .expect("vault folder")
        .map(|entry| {
            let entry = entry.expect("entry");
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).expect("read"))
        })
        .collect()
}

/// Comparable view of a record: everything but the export time and local ids.
fn essence(record: &ExportRecord) -> serde_json::Value {
    let mut value = serde_json::to_value(record).expect("json");
    value["exported_at"] = serde_json::Value::Null;
    // The exporting clinician: whoever's vault made the file.
    value["practitioner"] = serde_json::Value::Null;
    value["client"]["code"] = serde_json::Value::Null;
    for note in value["notes"].as_array_mut().expect("notes") {
        note["id"] = serde_json::Value::Null;
        note["imported_from"] = serde_json::Value::Null;
    }
    for consent in value["consents"].as_array_mut().expect("consents") {
        consent["id"] = serde_json::Value::Null;
    }
    for disclosure in value["disclosures"].as_array_mut().expect("disclosures") {
        disclosure["consent_id"] = serde_json::Value::Null;
        disclosure["note_ids"] = serde_json::Value::Null;
    }
    value
}

#[test]
fn round_trip_keeps_every_field_and_hash_and_records_the_disclosure() {
    let mut a = vault_a();
    let path = a.folder.path().join("C-0002-2026-11-23.confidant");
    let summary = files::export_to_file(
        &mut a.vault,
        "C-0002",
        &transfer_scope(),
        &recipient(),
        &Protection::Passphrase(FILE_PASSPHRASE),
        &path,
    )
    .expect("export");
    assert_eq!(summary.n_notes, 3, "two signed notes and the draft; the psychotherapy note stays behind");

    // The export is a disclosure of its own, with what was included.
    let disclosures = a.vault.disclosures("C-0002").expect("disclosures");
    let newest = &disclosures[0];
    assert_eq!(newest.purpose, DisclosurePurpose::TransferOfCare);
    assert_eq!(newest.recipient_name, "Dr. Sam Lee");
    assert!(newest.description.contains("2 signed notes") && newest.description.contains("1 drafts"));
    assert_eq!(newest.note_ids.len(), 3);
    let events = a.vault.recent_audit_events(5).expect("audit");
    assert!(events.iter().any(|event| event.kind == "record_exported"));

    // The file holds no plaintext: the note's words are nowhere in its bytes.
    let bytes = std::fs::read(&path).expect("file");
    assert!(!bytes.windows(11).any(|window| window == b"Sleep bette"));

    let mut b = open_vault("Sam Lee");
    b.vault.add_client(NewClient::default()).expect("B's own first client");
    b.vault.add_client(NewClient::default()).expect("B's own C-0002");
    let (opened, preview) =
        files::preview_file(&b.vault, &path, &Unlock::Passphrase(FILE_PASSPHRASE)).expect("preview");
    assert_eq!(opened.manifest.client_code, "C-0002");
    let exported = opened.record;
    assert!(preview.code_taken, "B already has a C-0002: choose a new code");
    assert_eq!((preview.n_notes, preview.n_signed, preview.n_drafts, preview.n_addenda), (3, 2, 1, 1));
    assert_eq!((preview.first_session, preview.last_session), (Some(day("2026-10-01")), Some(day("2026-10-15"))));
    let taken = files::import_file(&mut b.vault, &path, &Unlock::Passphrase(FILE_PASSPHRASE), None);
    assert_eq!(taken.expect_err("code clash").code(), "client_code_taken");

    let client =
        files::import_file(&mut b.vault, &path, &Unlock::Passphrase(FILE_PASSPHRASE), Some("T-0001")).expect("import");
    assert_eq!(client.code, "T-0001");
    let imported = b.vault.export_record("T-0001", &transfer_scope()).expect("record in B");
    assert_eq!(essence(&imported), essence(&exported), "every field, signature and hash arrived unchanged");
    for note in &imported.notes {
        let from = note.imported_from.as_deref().expect("marked as imported");
        let exported_at = chrono::DateTime::parse_from_rfc3339(&exported.exported_at).expect("export time");
        let when = exported_at.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC");
        assert_eq!(from, format!("C-0002, exported {when} by Confidant {}", env!("CARGO_PKG_VERSION")));
    }
    // The chart marks them (the timeline's "Imported" badge).
    let chart = b.vault.notes_for_client("T-0001", true).expect("chart");
    assert_eq!(chart.len(), 3);
    assert!(chart.iter().all(|note| note.imported));
    let report = b.vault.verify_signatures().expect("verify");
    assert!(report.altered_notes.is_empty() && report.altered_addenda.is_empty());
    assert_eq!((report.n_signed_notes, report.n_addenda), (2, 1));

    // B can add to an imported signed note, and the signature still checks.
    let signed = imported.notes.iter().find(|note| note.signature.is_some()).expect("signed");
    let local_id = b
        .vault
        .notes_for_client("T-0001", false)
        .expect("notes")
        .into_iter()
        .find(|summary| summary.session_date == signed.content.session_date && summary.n_addenda > 0)
        .expect("imported note")
        .id;
    b.vault.add_addendum(local_id, "Late entry", "Received by transfer.").expect("addendum in B");
    let report = b.vault.verify_signatures().expect("verify");
    assert!(report.altered_notes.is_empty() && report.altered_addenda.is_empty());
    assert_eq!(report.n_addenda, 2);
    // And a signed imported note still never changes.
    assert!(b.vault.save_draft(local_id, signed.content.clone()).is_err());
}

#[test]
fn a_client_copy_leaves_psychotherapy_notes_out_and_records_the_request() {
    let mut a = vault_a();
    let scope = ExportScope { purpose: ExportPurpose::ClientCopy, include_drafts: false, ..transfer_scope() };
    let refused = a.vault.export_record("C-0002", &ExportScope { include_psychotherapy: true, ..scope.clone() });
    assert_eq!(refused.expect_err("never in a client copy").code(), "invalid_input");
    let path = a.folder.path().join("copy.confidant");
    files::export_to_file(
        &mut a.vault,
        "C-0002",
        &scope,
        &recipient(),
        &Protection::Passphrase(FILE_PASSPHRASE),
        &path,
    )
    .expect("export");
    let disclosure = &a.vault.disclosures("C-0002").expect("disclosures")[0];
    assert_eq!(disclosure.purpose, DisclosurePurpose::Other);
    assert!(disclosure.purpose_detail.as_deref().is_some_and(|detail| detail.contains("164.524")));
    let opened =
        transfer::open(&std::fs::read(&path).expect("file"), &Unlock::Passphrase(FILE_PASSPHRASE)).expect("open");
    assert!(opened.record.notes.iter().all(|note| note.content.kind != NoteKind::Psychotherapy));
    assert_eq!(opened.record.notes.len(), 2, "signed notes only; drafts are off by default");
}

#[test]
fn psychotherapy_notes_need_the_passphrase_again_and_a_date_range_narrows_the_export() {
    let mut a = vault_a();
    let with_psychotherapy = ExportScope { include_psychotherapy: true, ..transfer_scope() };
    assert_eq!(
        a.vault.export_record("C-0002", &with_psychotherapy).expect_err("reauth").code(),
        "reauthentication_required"
    );
    a.vault.reauthenticate(&Passphrase::new(PASSPHRASE.to_owned())).expect("reauth");
    let record = a.vault.export_record("C-0002", &with_psychotherapy).expect("record");
    assert_eq!(record.notes.iter().filter(|note| note.content.kind == NoteKind::Psychotherapy).count(), 1);
    let ranged = ExportScope { from: Some(day("2026-10-05")), to: Some(day("2026-10-10")), ..transfer_scope() };
    let record = a.vault.export_record("C-0002", &ranged).expect("record");
    assert_eq!(record.notes.len(), 1);
    assert!(record.disclosures[0].note_ids.iter().all(|id| record.notes.iter().any(|note| note.id == *id)));
}

#[test]
fn an_export_for_a_vaults_public_key_opens_only_with_that_vaults_identity() {
    let mut a = vault_a();
    let mut b = open_vault("Sam Lee");
    let (secret, public) = transfer::new_identity();
    b.vault.store_transfer_identity(&secret).expect("identity");
    assert!(b.vault.store_transfer_identity(&transfer::new_identity().0).is_err(), "never replaced");
    let path = a.folder.path().join("for-b.confidant");
    files::export_to_file(
        &mut a.vault,
        "C-0002",
        &transfer_scope(),
        &recipient(),
        &Protection::Recipient(&public),
        &path,
    )
    .expect("export");
    let stored = b.vault.transfer_identity().expect("read").expect("stored");
    assert_eq!(transfer::public_key(&stored).expect("public"), public);
    files::preview_file(&b.vault, &path, &Unlock::Identity(&stored)).expect("B opens it");

    let (other, _) = transfer::new_identity();
    let error = files::preview_file(&b.vault, &path, &Unlock::Identity(&other)).expect_err("not for that key");
    assert_eq!(error.code(), "transfer_not_for_this_vault");
    let error = files::preview_file(&b.vault, &path, &Unlock::Passphrase(FILE_PASSPHRASE)).expect_err("no passphrase");
    assert_eq!(error.code(), "transfer_wrong_unlock_method");
}

// ---- the malformed corpus -------------------------------------------------------

/// A valid export's archive members, decrypted, for tampering.
fn members_of(file: &[u8]) -> Vec<(String, Vec<u8>)> {
    let archive = transfer::decrypt(file, &Unlock::Passphrase(FILE_PASSPHRASE)).expect("decrypt");
    transfer::read_members(&archive)
        .expect("members")
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), bytes.to_vec()))
        .collect()
}

fn member(members: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    members.iter().find(|(member, _)| member == name).expect("member").1.clone()
}

fn reseal(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let order = ["manifest.json", "chart.pdf", "record.json", "fhir-bundle.json"];
    let mut sorted: Vec<&(String, Vec<u8>)> = members.iter().collect();
    sorted.sort_by_key(|(name, _)| order.iter().position(|known| known == name).unwrap_or(order.len()));
    let list: Vec<(&str, &[u8])> = sorted.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
    transfer::encrypt(&raw_tar(&list), &Protection::Passphrase(FILE_PASSPHRASE)).expect("encrypt")
}

/// A tar archive written by hand, so names like `../x` and lying sizes survive.
fn raw_tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in members {
        out.extend(raw_header(name, bytes.len() as u64, b'0'));
        out.extend_from_slice(bytes);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend([0u8; 1024]);
    out
}

fn raw_header(name: &str, size: u64, kind: u8) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000600\0");
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = kind;
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|byte| u32::from(*byte)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    header
}

fn edit_json(members: &mut [(String, Vec<u8>)], name: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let member = members.iter_mut().find(|(member, _)| member == name).expect("member");
    let mut value: serde_json::Value = serde_json::from_slice(&member.1).expect("json");
    edit(&mut value);
    member.1 = serde_json::to_vec(&value).expect("json");
}

/// Recomputes the manifest's size and hash for `name`, as a careful forger would.
fn rehash(members: &mut [(String, Vec<u8>)], name: &str) {
    use sha2::Digest as _;
    let bytes = members.iter().find(|(member, _)| member == name).expect("member").1.clone();
    edit_json(members, "manifest.json", |manifest| {
        for entry in manifest["members"].as_array_mut().expect("members") {
            if entry["name"] == name {
                entry["size"] = serde_json::json!(bytes.len());
                entry["sha256"] = serde_json::json!(hex::encode(sha2::Sha256::digest(&bytes)));
            }
        }
    });
}

#[test]
fn every_malformed_file_is_rejected_with_its_own_message_and_the_vault_unchanged() {
    let mut a = vault_a();
    let good_path = a.folder.path().join("good.confidant");
    files::export_to_file(
        &mut a.vault,
        "C-0002",
        &transfer_scope(),
        &recipient(),
        &Protection::Passphrase(FILE_PASSPHRASE),
        &good_path,
    )
    .expect("export");
    let good = std::fs::read(&good_path).expect("file");
    let members = members_of(&good);

    let mut corpus: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "transfer_damaged"),
        ("not age at all", b"%PDF-1.7 just a pdf".to_vec(), "transfer_not_age"),
        ("empty", Vec::new(), "transfer_not_age"),
    ];
    let mut flipped = good.clone();
    let last = flipped.len() - 40;
    flipped[last] ^= 0x01;
    corpus.push(("a flipped bit in the payload", flipped, "transfer_damaged"));

    let mut altered = members.clone();
    edit_json(&mut altered, "record.json", |record| record["client"]["name"] = serde_json::json!("Someone Else"));
    corpus.push(("record changed, manifest not", reseal(&altered), "transfer_member_mismatch"));

    let mut lying = members.clone();
    edit_json(&mut lying, "manifest.json", |manifest| manifest["counts"]["notes"] = serde_json::json!(99));
    corpus.push(("a manifest that lies about counts", reseal(&lying), "transfer_count_mismatch"));

    let mut forged = members.clone();
    edit_json(&mut forged, "record.json", |record| {
        record["notes"][0]["content"]["sections"]["subjective"] = serde_json::json!("Rewritten after signing.");
    });
    rehash(&mut forged, "record.json");
    corpus.push(("a signed note altered, hashes recomputed", reseal(&forged), "transfer_invalid"));

    let mut newer = members.clone();
    edit_json(&mut newer, "manifest.json", |manifest| manifest["version"] = serde_json::json!(2));
    corpus.push(("unknown version", reseal(&newer), "transfer_unknown_version"));

    let mut newer_record = members.clone();
    edit_json(&mut newer_record, "record.json", |record| record["version"] = serde_json::json!(7));
    rehash(&mut newer_record, "record.json");
    corpus.push(("unknown record version", reseal(&newer_record), "transfer_invalid"));

    let mut duplicate = members.clone();
    duplicate.push(("record.json".to_owned(), member(&members, "record.json")));
    corpus.push(("duplicate member names", reseal(&duplicate), "transfer_duplicate_member"));

    let mut traversal = members.clone();
    traversal.push(("../../.bashrc".to_owned(), b"echo owned".to_vec()));
    corpus.push(("a ../ member name", reseal(&traversal), "transfer_unexpected_member"));

    let mut absolute = members.clone();
    absolute.iter_mut().find(|(name, _)| name == "chart.pdf").expect("chart").0 = "/tmp/chart.pdf".to_owned();
    corpus.push(("an absolute member name", reseal(&absolute), "transfer_unexpected_member"));

    let mut missing = members.clone();
    missing.retain(|(name, _)| name != "fhir-bundle.json");
    corpus.push(("a missing member", reseal(&missing), "transfer_missing_member"));

    let mut garbage_manifest = members.clone();
    garbage_manifest.iter_mut().find(|(name, _)| name == "manifest.json").expect("manifest").1 = b"{not json".to_vec();
    corpus.push(("a manifest that is not JSON", reseal(&garbage_manifest), "transfer_malformed_manifest"));

    // A header claiming an 8 GiB member: refused before reading a byte of it.
    let mut absurd = raw_header("record.json", (8 << 30) - 1, b'0');
    absurd.extend([0u8; 1024]);
    corpus.push((
        "an absurd member size",
        transfer::encrypt(&absurd, &Protection::Passphrase(FILE_PASSPHRASE)).expect("encrypt"),
        "transfer_too_large",
    ));
    // A symlink named like a member.
    let mut link = raw_header("record.json", 0, b'2');
    link.extend([0u8; 1024]);
    corpus.push((
        "a symlink member",
        transfer::encrypt(&link, &Protection::Passphrase(FILE_PASSPHRASE)).expect("encrypt"),
        "transfer_not_a_file",
    ));
    let garbage_archive = transfer::encrypt(&[0xAB; 3000], &Protection::Passphrase(FILE_PASSPHRASE)).expect("encrypt");
    corpus.push(("an archive that is not tar", garbage_archive, "transfer_malformed_archive"));

    let mut b = open_vault("Sam Lee");
    b.vault.add_client(NewClient::default()).expect("B's own client");
    let before = vault_bytes(b.folder.path());
    let mut messages = BTreeMap::new();
    for (label, bytes, code) in &corpus {
        let path = b.folder.path().join("incoming.confidant");
        std::fs::write(&path, bytes).expect("write");
        let error = files::import_file(&mut b.vault, &path, &Unlock::Passphrase(FILE_PASSPHRASE), Some("X-1"))
            .expect_err(label);
        assert_eq!(error.code(), *code, "{label}: {error}");
        assert!(!error.to_string().contains("Rewritten") && !error.to_string().contains("Zoë"), "{label}: no PHI");
        messages.insert(error.to_string(), *label);
        assert_eq!(vault_bytes(b.folder.path()), before, "{label}: the vault is byte-for-byte unchanged");
    }
    // A wrong passphrase says so.
    let error = files::import_file(&mut b.vault, &good_path, &Unlock::Passphrase("wrong words"), None)
        .expect_err("wrong passphrase");
    assert_eq!(error.code(), "transfer_wrong_passphrase");
    assert_eq!(vault_bytes(b.folder.path()), before);
    assert!(messages.len() >= 12, "distinct messages: {messages:#?}");
}

#[test]
fn generated_passphrases_are_seven_distinct_list_words() {
    let first = transfer::generate_passphrase().expect("passphrase");
    let second = transfer::generate_passphrase().expect("passphrase");
    assert_eq!(first.split(' ').count(), 7);
    assert_ne!(*first, *second);
    assert!(first.chars().all(|c| c.is_ascii_lowercase() || c == ' '));
}

/// Runs `program args…` with `input` on stdin; returns stdout (nothing touches disk).
fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{program} (make test installs it): {error}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("run");
    writer.join().expect("writer");
    assert!(output.status.success(), "{program}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

#[test]
fn debians_age_tool_opens_an_export_for_a_public_key_and_pdftotext_reads_its_chart() {
    let mut a = vault_a();
    let (secret, public) = transfer::new_identity();
    let path = a.folder.path().join("for-age.confidant");
    files::export_to_file(
        &mut a.vault,
        "C-0002",
        &transfer_scope(),
        &recipient(),
        &Protection::Recipient(&public),
        &path,
    )
    .expect("export");
    // A throw-away test identity, written only for the age tool to read.
    let identity_path = a.folder.path().join("test-identity.txt");
    std::fs::write(&identity_path, format!("{}\n", secret.as_str())).expect("identity file");
    let archive =
        pipe("age", &["-d", "-i", identity_path.to_str().expect("path")], &std::fs::read(&path).expect("file"));
    let members = transfer::read_members(&archive).expect("a tar of the four members");
    assert_eq!(
        members.keys().copied().collect::<Vec<_>>(),
        ["chart.pdf", "fhir-bundle.json", "manifest.json", "record.json"]
    );
    let text = String::from_utf8(pipe("pdftotext", &["-", "-"], &members["chart.pdf"])).expect("utf-8");
    assert!(text.contains("Sleep better."), "the chart shows the note text");
    assert!(text.contains("Session was 45 minutes."), "and the addendum");
    assert!(text.contains("Confidential"));
}

/// A client with many signed notes exported, both ways, and imported: 20 notes
/// in every `cargo test`; the benchmark in docs/benchmarks.md is 500 notes, five
/// runs each, with `CONFIDANT_BENCH=1 cargo test --release -p
/// confidant-acceptance-tests --test transfer -- --nocapture export_and_import`.
#[test]
fn export_and_import_of_a_client_with_many_notes() {
    let benchmark = std::env::var_os("CONFIDANT_BENCH").is_some();
    let (notes, runs) = if benchmark { (500u32, 5) } else { (20, 1) };
    let mut a = open_vault("Dana Reyes");
    let client = a.vault.add_client(NewClient::default()).expect("client");
    let paragraph = "Talked about the week at work and the argument with her sister; practised naming the feeling \
                     before answering. Sleep 6–7 hours most nights. ";
    for index in 0..notes {
        let date = day("2016-01-04") + chrono::Duration::weeks(i64::from(index) / 2);
        let body = paragraph.repeat(6);
        let mut content = note(
            NoteKind::Progress,
            "soap",
            &date.to_string(),
            &[("subjective", &body), ("plan", "Continue weekly CBT.")],
        );
        content.session_date = date;
        let created = a.vault.create_note(&client.code, content).expect("note");
        a.vault.sign_note(created.id, true).expect("sign");
    }
    let (secret, public) = transfer::new_identity();
    let median = |mut samples: Vec<f64>| {
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    };
    let mut report = Vec::new();
    for (label, protection) in [
        ("recipient key", Protection::Recipient(&public)),
        ("passphrase (scrypt 2^18)", Protection::Passphrase(FILE_PASSPHRASE)),
    ] {
        let mut samples = Vec::new();
        let mut size = 0;
        for run in 0..runs {
            let path = a.folder.path().join(format!("bench-{run}.confidant"));
            let start = std::time::Instant::now();
            let summary =
                files::export_to_file(&mut a.vault, &client.code, &transfer_scope(), &recipient(), &protection, &path)
                    .expect("export");
            samples.push(start.elapsed().as_secs_f64() * 1000.0);
            size = summary.bytes;
        }
        report.push(format!(
            "export, {label}: median {:.0} ms over {runs} runs, file {} KiB",
            median(samples),
            size / 1024
        ));
    }
    let mut stages = Vec::new();
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let record = a.vault.export_record(&client.code, &transfer_scope()).expect("record");
        let read = start.elapsed().as_secs_f64() * 1000.0;
        let start = std::time::Instant::now();
        let pdf = confidant_export::pdf::chart_pdf(&record).expect("pdf").bytes;
        let pdf_ms = start.elapsed().as_secs_f64() * 1000.0;
        let start = std::time::Instant::now();
        let bundle = serde_json::to_vec(&confidant_export::fhir::fhir_bundle(&record)).expect("fhir");
        let fhir_ms = start.elapsed().as_secs_f64() * 1000.0;
        stages.push((read, pdf_ms, fhir_ms, pdf.len(), bundle.len()));
    }
    let stage = |pick: fn(&(f64, f64, f64, usize, usize)) -> f64| median(stages.iter().map(pick).collect());
    report.push(format!(
        "stages: read record {:.0} ms, chart.pdf {:.0} ms ({} KiB), FHIR bundle {:.0} ms ({} KiB)",
        stage(|s| s.0),
        stage(|s| s.1),
        stages[0].3 / 1024,
        stage(|s| s.2),
        stages[0].4 / 1024
    ));
    let mut b = open_vault("Sam Lee");
    let path = a.folder.path().join("bench-import.confidant");
    files::export_to_file(
        &mut a.vault,
        &client.code,
        &transfer_scope(),
        &recipient(),
        &Protection::Recipient(&public),
        &path,
    )
    .expect("export");
    let file = std::fs::read(&path).expect("file");
    let mut samples = Vec::new();
    for run in 0..runs {
        let start = std::time::Instant::now();
        let opened = transfer::open(&file, &Unlock::Identity(&secret)).expect("open");
        b.vault.preview_import(&opened.record).expect("preview");
        b.vault.import_record(&opened.record, Some(&format!("B-{run}"))).expect("import");
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    report.push(format!(
        "import (decrypt, check every member and hash, preview, one transaction): median {:.0} ms",
        median(samples)
    ));
    println!("\n{}", report.join("\n"));
}
