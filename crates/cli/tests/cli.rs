//! The `confidant` command line as a script would use it: no terminal, secrets
//! from files, JSON out, documented exit codes.

mod common;

use common::{NEW_PASSPHRASE, PASSPHRASE, Workspace, json_of, path};

#[test]
fn init_prints_the_recovery_key_once_and_status_reports_the_vault() {
    let workspace = Workspace::new();
    let recovery_key = workspace.init();
    assert_eq!(recovery_key.len(), 44, "nine groups of four: {recovery_key}");
    let status = workspace.run(&["--json", "status"]);
    assert_eq!(status.status.code(), Some(0));
    let json = json_of(&status);
    assert_eq!(json["exists"], true);
    assert_eq!(json["device_bound"], false);
    assert_eq!(json["kdf"]["memory_kib"], 65536, "never below the 64 MiB floor");
    assert!(!String::from_utf8_lossy(&status.stdout).contains(&recovery_key));
}

#[test]
fn verify_succeeds_with_the_passphrase_and_wrong_ones_exit_3() {
    let workspace = Workspace::new();
    workspace.init();
    let right = workspace.secret_file("right", PASSPHRASE);
    let wrong = workspace.secret_file("wrong", "not the passphrase");
    let verified = workspace.run(&["--json", "--passphrase-file", path(&right), "verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stderr));
    assert!(json_of(&verified)["audit"]["n_events"].as_u64().is_some_and(|n| n >= 2));

    let refused = workspace.run(&["--json", "--passphrase-file", path(&wrong), "verify"]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(json_of(&refused)["error"]["code"], "wrong_passphrase");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("wrong passphrase"));
}

#[test]
fn five_wrong_passphrases_lock_out_with_exit_5() {
    let workspace = Workspace::new();
    workspace.init();
    let wrong = workspace.secret_file("wrong", "not the passphrase");
    for _ in 0..5 {
        assert_eq!(workspace.run(&["--passphrase-file", path(&wrong), "verify"]).status.code(), Some(3));
    }
    let right = workspace.secret_file("right", PASSPHRASE);
    let locked_out = workspace.run(&["--json", "--passphrase-file", path(&right), "verify"]);
    assert_eq!(locked_out.status.code(), Some(5));
    assert_eq!(json_of(&locked_out)["error"]["code"], "too_many_attempts");
}

#[test]
fn recover_sets_a_new_passphrase_and_reports_typos_as_typos() {
    let workspace = Workspace::new();
    let recovery_key = workspace.init();
    let new = workspace.secret_file("new", NEW_PASSPHRASE);

    let mut typo = recovery_key.clone().into_bytes();
    typo[1] = if typo[1] == b'Z' { b'Y' } else { b'Z' };
    let typo_file = workspace.secret_file("typo", &String::from_utf8(typo).expect("ascii"));
    let refused =
        workspace.run(&["--json", "recover", "--recovery-file", path(&typo_file), "--new-passphrase-file", path(&new)]);
    assert_eq!(refused.status.code(), Some(3));
    assert_eq!(json_of(&refused)["error"]["code"], "recovery_key_typo");

    let key_file = workspace.secret_file("recovery", &recovery_key);
    let recovered =
        workspace.run(&["--json", "recover", "--recovery-file", path(&key_file), "--new-passphrase-file", path(&new)]);
    assert_eq!(recovered.status.code(), Some(0), "{}", String::from_utf8_lossy(&recovered.stderr));

    let old = workspace.secret_file("old", PASSPHRASE);
    assert_eq!(workspace.run(&["--passphrase-file", path(&old), "verify"]).status.code(), Some(3));
    assert_eq!(workspace.run(&["--passphrase-file", path(&new), "verify"]).status.code(), Some(0));
}

#[test]
fn passphrase_change_and_key_rotation_work_without_a_terminal() {
    let workspace = Workspace::new();
    workspace.init();
    let current = workspace.secret_file("current", PASSPHRASE);
    let new = workspace.secret_file("new", NEW_PASSPHRASE);
    let rotated = workspace.run(&["--passphrase-file", path(&current), "rotate-key"]);
    assert_eq!(rotated.status.code(), Some(0), "{}", String::from_utf8_lossy(&rotated.stderr));
    let changed = workspace.run(&[
        "--passphrase-file",
        path(&current),
        "passphrase",
        "change",
        "--new-passphrase-file",
        path(&new),
    ]);
    assert_eq!(changed.status.code(), Some(0), "{}", String::from_utf8_lossy(&changed.stderr));
    assert_eq!(workspace.run(&["--passphrase-file", path(&new), "verify"]).status.code(), Some(0));
}

#[test]
fn a_missing_or_damaged_vault_exits_4_and_a_missing_secret_exits_2() {
    let workspace = Workspace::new();
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let missing = workspace.run(&["--json", "--passphrase-file", path(&passphrase), "verify"]);
    assert_eq!(missing.status.code(), Some(4));
    assert_eq!(json_of(&missing)["error"]["code"], "vault_not_found");

    workspace.init();
    let no_secret = workspace.run(&["verify"]);
    assert_eq!(no_secret.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_secret.stderr).contains("no terminal"));

    let keys = workspace.vault().join("vault.keys");
    let mut bytes = std::fs::read(&keys).expect("keys");
    bytes.truncate(bytes.len() / 3);
    std::fs::write(&keys, &bytes).expect("truncate");
    let damaged = workspace.run(&["--json", "--passphrase-file", path(&passphrase), "verify"]);
    assert_eq!(damaged.status.code(), Some(4));
    assert_eq!(json_of(&damaged)["error"]["code"], "key_file_damaged");
    assert_eq!(std::fs::read(&keys).expect("keys"), bytes, "the damaged file is left as it was");
}

#[test]
fn a_weak_passphrase_is_refused_at_init_with_advice() {
    let workspace = Workspace::new();
    let weak = workspace.secret_file("weak", "short");
    let output = workspace.run(&["--json", "--passphrase-file", path(&weak), "init", "--no-device-binding"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json_of(&output)["error"]["code"], "weak_passphrase");
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"));
    assert!(!workspace.vault().exists());
}

#[test]
fn clients_and_notes_from_the_command_line_write_sign_amend_and_verify() {
    let workspace = Workspace::new();
    workspace.init();
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let with_passphrase = |args: &[&str]| {
        let mut full = vec!["--json", "--passphrase-file", path(&passphrase)];
        full.extend_from_slice(args);
        workspace.run(&full)
    };

    let added = with_passphrase(&["client", "add"]);
    assert_eq!(added.status.code(), Some(0), "{}", String::from_utf8_lossy(&added.stderr));
    assert_eq!(json_of(&added)["code"], "C-0001");

    let bad_cpt = with_passphrase(&[
        "note",
        "add",
        "--client",
        "C-0001",
        "--template",
        "soap",
        "--date",
        "2026-11-13",
        "--cpt",
        "123",
        "--section",
        "subjective=Wakes at night",
    ]);
    // Saved as a draft, like the app's: the code is named as what blocks signing.
    assert_eq!(bad_cpt.status.code(), Some(0), "{}", String::from_utf8_lossy(&bad_cpt.stderr));
    assert_eq!(json_of(&bad_cpt)["problems"][0]["field"], "service_code");
    let stderr = String::from_utf8_lossy(&bad_cpt.stderr);
    assert!(stderr.contains("to fix before signing: A CPT code is five characters"), "{stderr}");
    assert!(!stderr.contains("Wakes at night"), "messages never echo note text");
    let bad_id = json_of(&bad_cpt)["id"].as_i64().expect("id").to_string();
    let refused = with_passphrase(&["note", "sign", &bad_id, "--accept-warnings"]);
    assert_eq!(json_of(&refused)["error"]["code"], "signer_not_set");

    let note = with_passphrase(&[
        "note",
        "add",
        "--client",
        "C-0001",
        "--template",
        "soap",
        "--date",
        "2026-11-20",
        "--cpt",
        "90837",
        "--icd",
        "F41.1",
        "--section",
        "subjective=Reports better sleep",
        "--section",
        "plan=Continue weekly",
    ]);
    assert_eq!(note.status.code(), Some(0), "{}", String::from_utf8_lossy(&note.stderr));
    let note_id = json_of(&note)["id"].as_i64().expect("id").to_string();

    let unsigned = with_passphrase(&["note", "sign", &note_id]);
    assert_eq!(unsigned.status.code(), Some(1));
    assert_eq!(json_of(&unsigned)["error"]["code"], "signer_not_set");
    assert_eq!(
        with_passphrase(&["signer", "set", "--name", "Dana Reyes", "--credentials", "LCSW"]).status.code(),
        Some(0)
    );
    // No minutes, two empty sections, no risk screening: the warnings are printed
    // and the note stays a draft until they are accepted.
    let warned = with_passphrase(&["note", "sign", &note_id]);
    assert_eq!(warned.status.code(), Some(1));
    assert_eq!(json_of(&warned)["error"]["code"], "sign_warnings_not_acknowledged");
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(stderr.contains("warning: Objective is empty.") && stderr.contains("session length"), "{stderr}");
    let signed = with_passphrase(&["note", "sign", &note_id, "--accept-warnings"]);
    assert_eq!(signed.status.code(), Some(0), "{}", String::from_utf8_lossy(&signed.stderr));
    assert_eq!(json_of(&signed)["content_hash"].as_str().map(str::len), Some(64));

    let addendum =
        with_passphrase(&["note", "addendum", &note_id, "--reason", "Correction", "--text", "Session was 45 minutes."]);
    assert_eq!(addendum.status.code(), Some(0), "{}", String::from_utf8_lossy(&addendum.stderr));

    let shown = with_passphrase(&["note", "show", &note_id]);
    let shown = json_of(&shown);
    assert_eq!(shown["status"], "signed");
    assert_eq!(shown["content"]["sections"]["subjective"], "Reports better sleep");
    assert_eq!(shown["addenda"][0]["reason"], "Correction");

    let listed = json_of(&with_passphrase(&["note", "list", "--client", "C-0001"]));
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "the signed note and the draft with the bad code");
    let chart = json_of(&with_passphrase(&["client", "show", "C-0001"]));
    assert_eq!(chart["client"]["last_service_date"], "2026-11-20");

    let verified = json_of(&with_passphrase(&["verify"]));
    assert_eq!(verified["signatures"]["n_signed_notes"], 1);
    assert_eq!(verified["signatures"]["n_addenda"], 1);

    let found = json_of(&with_passphrase(&["search", "bett"]));
    assert_eq!(found[0]["note_id"].as_i64().map(|id| id.to_string()), Some(note_id.clone()));
    assert!(found[0]["snippet"].as_array().is_some_and(|parts| parts.iter().any(|part| part["matched"] == true)));
    let filtered = json_of(&with_passphrase(&["search", "better", "--kind", "intake"]));
    assert_eq!(filtered.as_array().map(Vec::len), Some(0));
    assert_eq!(json_of(&with_passphrase(&["reindex"]))["indexed_notes"], 2);

    let consent = with_passphrase(&[
        "consent",
        "add",
        "--client",
        "C-0001",
        "--kind",
        "release_of_information",
        "--version",
        "2026-01",
        "--signed",
        "2026-11-01",
        "--recipient",
        "Dr. Lee",
    ]);
    assert_eq!(consent.status.code(), Some(0), "{}", String::from_utf8_lossy(&consent.stderr));
    let consent_id = json_of(&consent)["id"].as_i64().expect("id").to_string();
    let disclosure = with_passphrase(&[
        "disclosure",
        "add",
        "--client",
        "C-0001",
        "--date",
        "2026-11-21",
        "--recipient",
        "Dr. Lee",
        "--purpose",
        "client_authorization",
        "--description",
        "Treatment summary",
        "--consent",
        &consent_id,
        "--note",
        &note_id,
    ]);
    assert_eq!(disclosure.status.code(), Some(0), "{}", String::from_utf8_lossy(&disclosure.stderr));
    let report = json_of(&with_passphrase(&["disclosure", "report", "--client", "C-0001", "--to", "2026-11-23"]));
    assert_eq!(report["disclosures"][0]["recipient_name"], "Dr. Lee");
    assert_eq!(report["from"], "2020-11-23");
    let bad_purpose = with_passphrase(&[
        "disclosure",
        "add",
        "--client",
        "C-0001",
        "--date",
        "2026-11-21",
        "--recipient",
        "X",
        "--purpose",
        "gossip",
        "--description",
        "Y",
    ]);
    assert_eq!(bad_purpose.status.code(), Some(2));

    let audit = json_of(&with_passphrase(&["audit", "list", "--limit", "5"]));
    assert!(
        audit
            .as_array()
            .is_some_and(|events| events.iter().all(|event| !event.to_string().contains("Reports better sleep")))
    );
    // Still in treatment: never due, whatever the dates say.
    let due = json_of(&with_passphrase(&["retention", "due", "--as-of", "2033-12-01"]));
    assert_eq!(due.as_array().map(Vec::len), Some(0), "an active client is not due for destruction");
    let discharged = with_passphrase(&["client", "edit", "C-0001", "--status", "discharged"]);
    assert_eq!(discharged.status.code(), Some(0), "{}", String::from_utf8_lossy(&discharged.stderr));
    let due = json_of(&with_passphrase(&["retention", "due", "--as-of", "2033-12-01"]));
    assert_eq!(due[0]["code"], "C-0001", "seven years after the 2026 session");
    assert_eq!(
        json_of(&with_passphrase(&["retention", "due", "--as-of", "2030-01-01"])).as_array().map(Vec::len),
        Some(0)
    );
    let unconfirmed = with_passphrase(&["client", "destroy", "C-0001"]);
    assert_eq!(unconfirmed.status.code(), Some(2), "no terminal: --confirm is required");
    let wrong = with_passphrase(&["client", "destroy", "C-0001", "--confirm", "C-0002"]);
    assert_eq!(json_of(&wrong)["error"]["code"], "destruction_not_confirmed");
    let destroyed = with_passphrase(&["client", "destroy", "C-0001", "--confirm", "C-0001"]);
    assert_eq!(destroyed.status.code(), Some(0), "{}", String::from_utf8_lossy(&destroyed.stderr));
    assert_eq!(json_of(&destroyed)["n_notes"], 2);
    assert_eq!(json_of(&with_passphrase(&["search", "better"])).as_array().map(Vec::len), Some(0));

    let demo = json_of(&with_passphrase(&["demo", "--clients", "3", "--notes", "30", "--seed", "7"]));
    assert_eq!((demo["n_clients"].as_u64(), demo["n_notes"].as_u64()), (Some(3), Some(30)));
    let clients = json_of(&with_passphrase(&["client", "list", "--names"]));
    assert!(clients.as_array().is_some_and(|list| {
        list.iter().any(|client| client["name"].as_str().is_some_and(|name| name.starts_with("Demo Client")))
    }));
    assert_eq!(json_of(&with_passphrase(&["verify"]))["signatures"]["altered_notes"].as_array().map(Vec::len), Some(0));

    let missing = with_passphrase(&["note", "show", "999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(json_of(&missing)["error"]["code"], "not_found");
    let bad_section =
        with_passphrase(&["note", "add", "--client", "C-0001", "--template", "soap", "--section", "no-equals-sign"]);
    assert_eq!(bad_section.status.code(), Some(2));
}

#[test]
fn print_names_the_characters_its_font_cannot_draw() {
    let workspace = Workspace::new();
    workspace.init();
    let passphrase = workspace.secret_file("passphrase", PASSPHRASE);
    let run = |json: bool, args: &[&str]| {
        let mut full = if json { vec!["--json"] } else { vec![] };
        full.extend_from_slice(&["--passphrase-file", path(&passphrase)]);
        full.extend_from_slice(args);
        let output = workspace.run(&full);
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        output
    };
    run(true, &["client", "add", "--name", "王芳 (Wang Fang)"]);
    let pdf = workspace.path("chart.pdf");

    let printed = run(false, &["print", "--client", "C-0001", "--out", path(&pdf)]);
    let stdout = String::from_utf8_lossy(&printed.stdout);
    assert!(stdout.contains("NOT encrypted"), "{stdout}");
    assert!(stdout.contains("show as empty boxes: 王 芳."), "{stdout}");
    assert!(pdf.exists());

    let printed = run(true, &["print", "--client", "C-0001", "--out", path(&pdf)]);
    assert_eq!(json_of(&printed)["printed"]["unprintable"], serde_json::json!(["王", "芳"]));
}
