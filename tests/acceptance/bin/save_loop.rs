//! Test helper for the fault tests: unlocks the vault in the folder given as the
//! first argument (passphrase in `CONFIDANT_PASSPHRASE`) and saves notes as fast
//! as it can — a new draft, then edits of it, then a signature — printing one
//! line after each save returns (or, with a second argument `rotate`, rotates
//! the data key in a loop, printing `rotated <n>`):
//!
//! ```text
//! saved <note id> <sequence number>
//! signed <note id>
//! ```
//!
//! The test kills it with SIGKILL at a random moment and checks that every
//! acknowledged save is in the vault. Never shipped: only the tests use it.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use confidant_vault::device::MemoryKeychain;
use confidant_vault::notes::{NoteContent, NoteKind};
use confidant_vault::{Passphrase, Vault, VaultLocation};

fn main() {
    let folder = std::env::args_os().nth(1).expect("usage: confidant-save-loop VAULT_DIR");
    let passphrase = Passphrase::new(std::env::var("CONFIDANT_PASSPHRASE").expect("CONFIDANT_PASSPHRASE"));
    let location = VaultLocation::new(folder);
    let mut vault = Vault::unlock(&location, &passphrase, Arc::new(MemoryKeychain::new())).expect("unlock");
    let mut out = std::io::stdout().lock();
    if std::env::args().nth(2).as_deref() == Some("rotate") {
        // Rotate the data key again and again (the interrupted-rotation test).
        for round in 1.. {
            vault.rotate_data_key(&passphrase).expect("rotate");
            writeln!(out, "rotated {round}").expect("stdout");
            out.flush().expect("stdout");
        }
    }
    let client = vault.clients().expect("clients").into_iter().next().expect("a client").code;
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_micros() as u64)
        .unwrap_or(0);
    let mut sequence = start;
    loop {
        sequence += 1;
        let note = vault.create_note(&client, content(sequence)).expect("create");
        writeln!(out, "saved {} {sequence}", note.id).expect("stdout");
        out.flush().expect("stdout");
        for _ in 0..3 {
            sequence += 1;
            vault.save_draft(note.id, content(sequence)).expect("save");
            writeln!(out, "saved {} {sequence}", note.id).expect("stdout");
            out.flush().expect("stdout");
        }
        vault.sign_note(note.id, true).expect("sign");
        writeln!(out, "signed {}", note.id).expect("stdout");
        out.flush().expect("stdout");
    }
}

/// A note whose text carries its sequence number (and some bulk, so pages fill).
fn content(sequence: u64) -> NoteContent {
    NoteContent {
        kind: NoteKind::Progress,
        template: "soap".to_owned(),
        session_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("date"),
        start_time: None,
        duration_minutes: Some(50),
        modality: None,
        service_code: None,
        diagnosis_codes: Vec::new(),
        risk: BTreeMap::new(),
        sections: BTreeMap::from([("subjective".to_owned(), format!("seq {sequence} {}", "words ".repeat(200)))]),
    }
}
