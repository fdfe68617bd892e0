//! The clinical record as a therapist relies on it: clients under codes, notes
//! that follow their template, drafts that keep history, signatures that hold.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use confidant_vault::clients::NewClient;
use confidant_vault::device::MemoryKeychain;
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::notes::{NoteContent, NoteField, NoteKind, NoteStatus, SignWarningKind};
use confidant_vault::{CreateOptions, Error, Passphrase, Vault, VaultLocation};

struct Open {
    _folder: tempfile::TempDir,
    vault: Vault,
}

fn open_vault() -> Open {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let passphrase = Passphrase::new("lantern orbit pickle meadow".to_owned());
    let mut vault =
        Vault::create(&location, &passphrase, options, Arc::new(MemoryKeychain::new())).expect("vault").vault;
    vault.set_signer("Dana Reyes", "PsyD, Licensed Psychologist").expect("signer");
    Open { _folder: folder, vault }
}

fn soap(subjective: &str) -> NoteContent {
    let mut sections = BTreeMap::new();
    sections.insert("subjective".to_owned(), subjective.to_owned());
    sections.insert("plan".to_owned(), "Continue weekly sessions.".to_owned());
    NoteContent {
        kind: NoteKind::Progress,
        template: "soap".to_owned(),
        session_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
        start_time: Some("14:00".to_owned()),
        duration_minutes: Some(53),
        modality: None,
        service_code: Some("90837".to_owned()),
        diagnosis_codes: vec!["f41.1".to_owned()],
        risk: BTreeMap::from([("suicidal_ideation".to_owned(), "denied".to_owned())]),
        sections,
    }
}

#[test]
fn clients_get_sequential_codes_and_codes_stay_unique() {
    let mut open = open_vault();
    let first = open.vault.add_client(NewClient::default()).expect("client");
    let second =
        open.vault.add_client(NewClient { name: Some("Sam Doe".to_owned()), ..NewClient::default() }).expect("client");
    assert_eq!((first.code.as_str(), second.code.as_str()), ("C-0001", "C-0002"));
    let taken = open.vault.add_client(NewClient { code: Some("c-0002".to_owned()), ..NewClient::default() });
    assert!(matches!(taken, Err(Error::ClientCodeTaken { .. })), "codes are unique regardless of case");
    let invalid = open.vault.add_client(NewClient { code: Some("has space".to_owned()), ..NewClient::default() });
    assert!(matches!(invalid, Err(Error::InvalidInput { field: "client code", .. })));
    assert_eq!(open.vault.clients().expect("list").len(), 2);
}

#[test]
fn a_signed_note_cannot_change_through_the_api_or_raw_sql_and_verify_catches_tampering() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let note = open.vault.create_note(&client.code, soap("Reports better sleep.")).expect("draft");
    assert_eq!(note.content.diagnosis_codes, ["F41.1"], "codes are normalised");
    let signed = open.vault.sign_note(note.id, true).expect("signed");
    assert_eq!(signed.status, NoteStatus::Signed);
    let signature = signed.signature.expect("signature");
    assert_eq!(signature.signed_by, "Dana Reyes");
    assert_eq!(signature.content_hash.len(), 64);

    assert!(matches!(open.vault.save_draft(note.id, soap("Changed later.")), Err(Error::SignedNoteIsImmutable)));
    assert!(matches!(open.vault.delete_draft(note.id), Err(Error::SignedNoteIsImmutable)));
    let raw_update =
        open.vault.execute_raw_sql_for_tests(&format!("UPDATE note SET sections = '{{}}' WHERE id = {}", note.id));
    assert!(raw_update.is_err_and(|error| error.to_string().contains("never changes")));
    let raw_delete = open.vault.execute_raw_sql_for_tests(&format!("DELETE FROM note WHERE id = {}", note.id));
    assert!(raw_delete.is_err());
    assert!(open.vault.verify().expect("verify").is_ok());

    // Someone with the key drops the trigger and edits the note: verify names it.
    open.vault
        .execute_raw_sql_for_tests(&format!(
            "DROP TRIGGER note_signed_never_changes;
             UPDATE note SET sections = '{{\"subjective\":\"Forged.\"}}' WHERE id = {};",
            note.id
        ))
        .expect("tampered");
    let report = open.vault.verify().expect("verify");
    assert_eq!(report.signatures.altered_notes, vec![note.id]);
    assert!(!report.is_ok());
}

#[test]
fn addenda_correct_signed_notes_and_carry_their_own_hash() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let draft = open.vault.create_note(&client.code, soap("Reports better sleep.")).expect("draft");
    let refused = open.vault.add_addendum(draft.id, "typo", "fix");
    assert!(matches!(refused, Err(Error::InvalidInput { field: "addendum", .. })), "drafts are edited, not amended");
    open.vault.sign_note(draft.id, true).expect("signed");
    let addendum =
        open.vault.add_addendum(draft.id, "Date correction", "The session was on 19 November.").expect("added");
    assert_eq!(addendum.content_hash.len(), 64);
    let note = open.vault.open_note(draft.id).expect("note");
    assert_eq!(note.addenda.len(), 1);
    let report = open.vault.verify().expect("verify");
    assert_eq!((report.signatures.n_signed_notes, report.signatures.n_addenda), (1, 1));
    assert!(report.is_ok());
    let raw = open.vault.execute_raw_sql_for_tests("UPDATE addendum SET text = 'Other text.'");
    assert!(raw.is_err(), "addenda never change either");

    open.vault
        .execute_raw_sql_for_tests("DROP TRIGGER addendum_never_changes; UPDATE addendum SET text = 'Other text.';")
        .expect("tampered");
    assert_eq!(open.vault.verify().expect("verify").signatures.altered_addenda, vec![addendum.id]);
}

#[test]
fn drafts_keep_their_last_twenty_revisions() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let note = open.vault.create_note(&client.code, soap("Version 0")).expect("draft");
    for version in 1..=24 {
        open.vault.save_draft(note.id, soap(&format!("Version {version}"))).expect("saved");
    }
    let revisions = open.vault.note_revisions(note.id).expect("revisions");
    assert_eq!(revisions.len(), 20);
    assert_eq!(revisions[0].content.sections["subjective"], "Version 24");
    assert_eq!(revisions[19].content.sections["subjective"], "Version 5");
    open.vault.delete_draft(note.id).expect("deleted");
    assert!(matches!(open.vault.open_note(note.id), Err(Error::NotFound { what: "note", .. })));
    let kinds: Vec<String> = open.vault.recent_audit_events(1).expect("events").into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["draft_deleted"]);
}

#[test]
fn psychotherapy_notes_stay_out_of_the_chart_unless_asked_for() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    open.vault.create_note(&client.code, soap("Progress.")).expect("progress note");
    let mut process = soap("Process material.");
    process.kind = NoteKind::Psychotherapy;
    open.vault.create_note(&client.code, process).expect("psychotherapy note");
    assert_eq!(open.vault.notes_for_client(&client.code, false).expect("chart").len(), 1);
    let chart = open.vault.notes_for_client(&client.code, true).expect("chart");
    assert_eq!(chart.len(), 2);
    assert!(chart.iter().all(|note| !note.imported), "written here, not imported");
    assert_eq!(open.vault.client_by_code(&client.code).expect("client").n_notes, 1);
}

#[test]
fn opening_a_psychotherapy_note_needs_the_passphrase_again() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let mut process = soap("Process material.");
    process.kind = NoteKind::Psychotherapy;
    let note = open.vault.create_note(&client.code, process).expect("psychotherapy note");
    assert!(matches!(open.vault.open_note(note.id), Err(Error::ReauthenticationRequired)));
    let wrong = open.vault.reauthenticate(&Passphrase::new("not my passphrase at all".to_owned()));
    assert!(matches!(wrong, Err(Error::WrongPassphrase)));
    open.vault.reauthenticate(&Passphrase::new("lantern orbit pickle meadow".to_owned())).expect("passphrase again");
    assert_eq!(open.vault.open_note(note.id).expect("opens").id, note.id);
    let event = open.vault.recent_audit_events(1).expect("events").remove(0);
    assert_eq!(event.kind, "psychotherapy_note_opened");
}

#[test]
fn a_client_code_can_be_corrected_without_breaking_signatures() {
    use confidant_vault::clients::{ClientChanges, ClientStatus};
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let note = open.vault.create_note(&client.code, soap("Something worth keeping.")).expect("note");
    open.vault.sign_note(note.id, true).expect("signed");
    let changes = ClientChanges {
        code: Some("C-0142".to_owned()),
        status: Some(ClientStatus::Discharged),
        ..ClientChanges::default()
    };
    let updated = open.vault.update_client(&client.code, changes).expect("updated");
    assert_eq!((updated.code.as_str(), updated.status), ("C-0142", ClientStatus::Discharged));
    assert!(open.vault.verify().expect("verify").is_ok(), "signatures hash the client id, not the code");
    let found =
        open.vault.search(&confidant_vault::search::SearchQuery { text: "C-0142".to_owned(), ..Default::default() });
    assert_eq!(found.expect("search").len(), 1, "the index follows the new code");
    let another = open.vault.add_client(NewClient::default()).expect("another client");
    assert_eq!(another.code, "C-0143", "new codes continue after the highest");
    let clash = open
        .vault
        .update_client(&another.code, ClientChanges { code: Some("c-0142".to_owned()), ..ClientChanges::default() });
    assert!(matches!(clash, Err(Error::ClientCodeTaken { .. })));
}

#[test]
fn a_draft_keeps_whatever_was_typed_and_field_problems_only_block_signing() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let cases: Vec<(NoteContent, NoteField)> = vec![
        (NoteContent { service_code: Some("9O834".to_owned()), ..soap("x") }, NoteField::ServiceCode),
        (
            NoteContent { diagnosis_codes: vec!["F41.1".to_owned(), "banana".to_owned()], ..soap("x") },
            NoteField::DiagnosisCodes,
        ),
        (NoteContent { start_time: Some("2pm".to_owned()), ..soap("x") }, NoteField::StartTime),
        (NoteContent { duration_minutes: Some(0), ..soap("x") }, NoteField::DurationMinutes),
        (soap(&"x".repeat(100_001)), NoteField::Section),
    ];
    for (content, expected_field) in cases {
        let draft = open.vault.create_note(&client.code, content.clone()).expect("a draft saves whatever was typed");
        assert_eq!(
            draft.problems.iter().map(|problem| problem.field).collect::<Vec<_>>(),
            [expected_field],
            "the problem is named on its field"
        );
        assert!(
            draft
                .problems
                .iter()
                .all(|problem| !problem.message.contains("banana") && !problem.message.contains("xxxx"))
        );
        // Saving again keeps the text, and the signature is refused, not the save.
        let saved = open.vault.save_draft(draft.id, content.clone()).expect("saved again");
        assert_eq!(saved.content.sections, content.sections);
        assert!(matches!(open.vault.sign_note(draft.id, true), Err(Error::NoteNotReadyToSign { n_problems: 1 })));
        assert_eq!(open.vault.open_note(draft.id).expect("still a draft").status, NoteStatus::Draft);
    }
    // Only what no save can hold is refused: an unknown template or section, or
    // text beyond the storage limit (ten times what a signed note may hold).
    let refused: Vec<(NoteContent, &str)> = vec![
        (NoteContent { template: "sbar".to_owned(), ..soap("x") }, "template"),
        (NoteContent { kind: NoteKind::Discharge, ..soap("x") }, "template"),
        (soap(&"x".repeat(1_000_001)), "sections"),
    ];
    for (content, expected_field) in refused {
        match open.vault.create_note(&client.code, content) {
            Err(Error::InvalidInput { field, problem }) => {
                assert_eq!(field, expected_field, "{problem}");
                assert!(!problem.contains("xxxx"), "the error never echoes note text");
            }
            other => panic!("expected InvalidInput for {expected_field}, got {other:?}"),
        }
    }
    let mut unknown_section = soap("x");
    unknown_section.sections.insert("gossip".to_owned(), "y".to_owned());
    assert!(matches!(
        open.vault.create_note(&client.code, unknown_section),
        Err(Error::InvalidInput { field: "sections", .. })
    ));
    assert!(matches!(open.vault.create_note("C-9999", soap("x")), Err(Error::NotFound { what: "client", .. })));
}

#[test]
fn the_sign_check_lists_gaps_and_signing_past_them_is_deliberate_and_audited() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let mut only_subjective = soap("Client reports panic attacks at work twice this week.");
    only_subjective.sections.remove("plan");
    only_subjective.duration_minutes = Some(20);
    only_subjective.service_code = Some("90834".to_owned());
    only_subjective.risk.clear();
    let draft = open.vault.create_note(&client.code, only_subjective).expect("draft");
    let check = open.vault.sign_check(draft.id).expect("check");
    assert!(check.problems.is_empty());
    let kinds: Vec<SignWarningKind> = check.warnings.iter().map(|warning| warning.kind).collect();
    assert_eq!(
        kinds,
        [
            SignWarningKind::EmptySection,
            SignWarningKind::EmptySection,
            SignWarningKind::EmptySection,
            SignWarningKind::CodeDoesNotFitMinutes,
            SignWarningKind::RiskUnanswered,
        ]
    );
    assert!(matches!(open.vault.sign_note(draft.id, false), Err(Error::SignWarningsNotAcknowledged { n_warnings: 5 })));
    let signed = open.vault.sign_note(draft.id, true).expect("signed after the warnings were read");
    assert_eq!(signed.status, NoteStatus::Signed);
    let event = &open.vault.recent_audit_events(1).expect("audit")[0];
    assert!(
        event.detail.contains("code_does_not_fit_minutes") && event.detail.contains("empty_section"),
        "the audit names what was overridden: {}",
        event.detail
    );

    // The next note starts from this one; the copied sections say so until edited.
    let next = open
        .vault
        .create_note_from_previous(
            &client.code,
            NoteKind::Progress,
            "soap",
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
        )
        .expect("copied forward");
    assert_eq!(next.copied_sections, ["subjective"]);
    assert_eq!(next.copied_from.map(|copied| copied.note_id), Some(signed.id));
    assert!(
        next.content.risk.is_empty() && next.content.duration_minutes.is_none(),
        "this session's fields start empty"
    );
    let check = open.vault.sign_check(next.id).expect("check");
    let repeated: Vec<&str> = check
        .warnings
        .iter()
        .filter(|warning| warning.kind == SignWarningKind::RepeatsEarlierNote)
        .map(|warning| warning.message.as_str())
        .collect();
    assert_eq!(repeated, ["Subjective was copied from the note of 20 Nov 2026 and not edited."]);
    let mut edited = next.content.clone();
    edited.sections.insert("subjective".to_owned(), "Fewer panic attacks this week; used breathing.".to_owned());
    let edited = open.vault.save_draft(next.id, edited).expect("edited");
    assert!(edited.copied_sections.is_empty(), "an edited section is no longer marked as copied");
}

#[test]
fn a_stray_empty_draft_is_no_session_and_discarding_it_is_audited() {
    let mut open = open_vault();
    let client = open.vault.add_client(NewClient::default()).expect("client");
    let signed = open.vault.create_note(&client.code, soap("Session one.")).expect("note");
    open.vault.sign_note(signed.id, true).expect("signed");
    let stray = NoteContent {
        session_date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        sections: BTreeMap::new(),
        ..soap("")
    };
    let stray = open.vault.create_note(&client.code, stray).expect("stray draft");
    let listed = open.vault.client_by_code(&client.code).expect("client");
    assert_eq!(listed.n_notes, 1, "the empty draft is not counted");
    assert_eq!(listed.last_service_date, NaiveDate::from_ymd_opt(2026, 11, 20), "nor does it move the last session");
    assert!(open.vault.notes_for_client(&client.code, false).expect("chart")[0].empty);
    open.vault.delete_draft(stray.id).expect("discarded");
    let event = &open.vault.recent_audit_events(1).expect("audit")[0];
    assert!(event.detail.contains(r#""was_empty":true"#), "{}", event.detail);
}

#[test]
fn signing_needs_a_signer_and_some_content() {
    let folder = tempfile::tempdir().expect("temp dir");
    let location = VaultLocation::new(folder.path().join("vault"));
    let options = CreateOptions { device_binding: false, kdf: KdfPolicy::fast_for_tests() };
    let passphrase = Passphrase::new("lantern orbit pickle meadow".to_owned());
    let mut vault =
        Vault::create(&location, &passphrase, options, Arc::new(MemoryKeychain::new())).expect("vault").vault;
    let client = vault.add_client(NewClient::default()).expect("client");
    let note = vault.create_note(&client.code, soap("Something.")).expect("draft");
    assert!(matches!(vault.sign_note(note.id, true), Err(Error::SignerNotSet)));
    vault.set_signer("Dana Reyes", "LCSW").expect("signer");
    let mut empty = soap("   ");
    empty.sections.insert("plan".to_owned(), String::new());
    let blank = vault.create_note(&client.code, empty).expect("blank draft");
    assert!(matches!(vault.sign_note(blank.id, true), Err(Error::NoteNotReadyToSign { n_problems: 1 })));
    vault.sign_note(note.id, true).expect("signed once a signer is set");
}

mod search {
    use super::*;
    use confidant_vault::search::SearchQuery;

    fn find(vault: &Vault, text: &str) -> Vec<i64> {
        vault
            .search(&SearchQuery { text: text.to_owned(), ..SearchQuery::default() })
            .expect("search")
            .iter()
            .map(|hit| hit.note_id)
            .collect()
    }

    #[test]
    fn words_prefixes_phrases_addenda_and_codes_are_found_with_marked_snippets() {
        let mut open = open_vault();
        let client = open.vault.add_client(NewClient::default()).expect("client");
        let note = open
            .vault
            .create_note(&client.code, soap("Reports insomnia since the move; panic attacks at work."))
            .expect("note");
        open.vault.sign_note(note.id, true).expect("signed");
        open.vault
            .add_addendum(note.id, "Clarification", "Attacks stopped after the medication review.")
            .expect("addendum");

        assert_eq!(find(&open.vault, "insomnia"), vec![note.id]);
        assert_eq!(find(&open.vault, "insom"), vec![note.id], "the last word is a prefix");
        assert_eq!(find(&open.vault, "\"panic attacks\""), vec![note.id]);
        assert!(find(&open.vault, "\"attacks panic\"").is_empty(), "a phrase keeps its order");
        assert_eq!(find(&open.vault, "medication"), vec![note.id], "addenda are searched");
        assert_eq!(find(&open.vault, "C-0001"), vec![note.id], "client codes are searched");
        assert!(find(&open.vault, "nothingmatches").is_empty());

        let hits =
            open.vault.search(&SearchQuery { text: "insomnia".to_owned(), ..SearchQuery::default() }).expect("search");
        assert!(hits[0].snippet.iter().any(|part| part.matched && part.text.eq_ignore_ascii_case("insomnia")));
        let event = open.vault.recent_audit_events(1).expect("events").remove(0);
        assert_eq!(event.kind, "search_run");
        assert!(!event.detail.contains("insomnia"), "the audit log never holds the query");
    }

    #[test]
    fn psychotherapy_notes_are_found_only_when_asked_and_filters_narrow() {
        let mut open = open_vault();
        let first = open.vault.add_client(NewClient::default()).expect("client");
        let second = open.vault.add_client(NewClient::default()).expect("client");
        let progress = open.vault.create_note(&first.code, soap("Discussed grief.")).expect("note");
        let mut process = soap("Grief and transference material.");
        process.kind = NoteKind::Psychotherapy;
        let psychotherapy = open.vault.create_note(&first.code, process).expect("note");
        let mut later = soap("Grief again, in the spring.");
        later.session_date = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let other = open.vault.create_note(&second.code, later).expect("note");

        let mut everything = find(&open.vault, "grief");
        everything.sort_unstable();
        assert_eq!(everything, vec![progress.id, other.id]);
        let ask = SearchQuery { text: "grief".to_owned(), include_psychotherapy: true, ..SearchQuery::default() };
        assert!(matches!(open.vault.search(&ask), Err(Error::ReauthenticationRequired)));
        open.vault
            .reauthenticate(&Passphrase::new("lantern orbit pickle meadow".to_owned()))
            .expect("passphrase again");
        let asked = open.vault.search(&ask).expect("search");
        assert!(asked.iter().any(|hit| hit.note_id == psychotherapy.id));

        let by_client = open
            .vault
            .search(&SearchQuery {
                text: "grief".to_owned(),
                client_code: Some(second.code.clone()),
                ..SearchQuery::default()
            })
            .expect("search");
        assert_eq!(by_client.iter().map(|hit| hit.note_id).collect::<Vec<_>>(), vec![other.id]);
        let by_date = open
            .vault
            .search(&SearchQuery {
                text: "grief".to_owned(),
                to: Some(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")),
                ..SearchQuery::default()
            })
            .expect("search");
        assert_eq!(by_date.iter().map(|hit| hit.note_id).collect::<Vec<_>>(), vec![progress.id]);
        let by_kind = open
            .vault
            .search(&SearchQuery { text: "grief".to_owned(), kinds: vec![NoteKind::Intake], ..SearchQuery::default() })
            .expect("search");
        assert!(by_kind.is_empty());
    }

    #[test]
    fn the_index_follows_edits_and_deletes_and_can_be_rebuilt() {
        let mut open = open_vault();
        let client = open.vault.add_client(NewClient::default()).expect("client");
        let note = open.vault.create_note(&client.code, soap("Mentions a marmalade allergy.")).expect("note");
        open.vault.save_draft(note.id, soap("Mentions a peanut allergy.")).expect("edited");
        assert!(find(&open.vault, "marmalade").is_empty(), "the old text is gone from the index");
        assert_eq!(find(&open.vault, "peanut"), vec![note.id]);
        open.vault.delete_draft(note.id).expect("deleted");
        assert!(find(&open.vault, "peanut").is_empty(), "a deleted draft is gone from the index");

        let kept = open.vault.create_note(&client.code, soap("Walks every morning.")).expect("note");
        assert_eq!(open.vault.rebuild_search_index().expect("rebuilt"), 1);
        assert_eq!(find(&open.vault, "morning"), vec![kept.id]);
    }
}

mod disclosures {
    use super::*;
    use confidant_vault::disclosures::{ConsentKind, DisclosurePurpose, NewConsent, NewDisclosure};

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn release(signed: &str) -> NewConsent {
        NewConsent {
            kind: ConsentKind::ReleaseOfInformation,
            form_version: "2026-01".to_owned(),
            signed_date: date(signed),
            expires_date: Some(date("2027-12-31")),
            scope: Some("Treatment summary".to_owned()),
            recipient: Some("Dr. Lee, primary care".to_owned()),
            purpose: Some("Coordination of care".to_owned()),
        }
    }

    fn disclosure(on: &str, consent_id: Option<i64>) -> NewDisclosure {
        NewDisclosure {
            disclosed_on: date(on),
            recipient_name: "Dr. Lee".to_owned(),
            recipient_address: Some("12 Main St".to_owned()),
            purpose: DisclosurePurpose::ClientAuthorization,
            purpose_detail: None,
            description: "Treatment summary".to_owned(),
            consent_id,
            note_ids: Vec::new(),
            client_informed: true,
            not_informed_reason: None,
        }
    }

    #[test]
    fn disclosures_need_their_legal_basis_and_the_accounting_covers_six_years() {
        let mut open = open_vault();
        let client = open.vault.add_client(NewClient::default()).expect("client");
        let consent = open.vault.add_consent(&client.code, release("2026-01-10")).expect("consent");
        assert!(consent.is_active_on(date("2026-06-01")));

        let without_consent = open.vault.add_disclosure(&client.code, disclosure("2026-02-01", None));
        assert!(matches!(without_consent, Err(Error::InvalidInput { field: "consent", .. })));
        let before_signing = open.vault.add_disclosure(&client.code, disclosure("2025-12-01", Some(consent.id)));
        assert!(matches!(before_signing, Err(Error::InvalidInput { field: "consent", .. })));
        let mut untold = disclosure("2026-02-01", Some(consent.id));
        untold.client_informed = false;
        assert!(matches!(
            open.vault.add_disclosure(&client.code, untold),
            Err(Error::InvalidInput { field: "reason the client was not told", .. })
        ));

        let note = open.vault.create_note(&client.code, soap("Summary.")).expect("note");
        let mut with_note = disclosure("2026-02-01", Some(consent.id));
        with_note.note_ids = vec![note.id];
        let recorded = open.vault.add_disclosure(&client.code, with_note).expect("recorded");
        assert_eq!(recorded.note_ids, vec![note.id]);
        let mut court = disclosure("2019-06-01", None);
        court.purpose = DisclosurePurpose::CourtOrder;
        open.vault.add_disclosure(&client.code, court).expect("old court order");

        let accounting = open.vault.accounting_of_disclosures(&client.code, date("2026-11-23")).expect("report");
        assert_eq!(accounting.from, date("2020-11-23"));
        assert_eq!(accounting.disclosures.len(), 1, "the 2019 disclosure is older than six years");
        assert_eq!(accounting.disclosures[0].recipient_name, "Dr. Lee");

        open.vault.revoke_consent(consent.id, date("2026-03-01")).expect("revoked");
        let after_revocation = open.vault.add_disclosure(&client.code, disclosure("2026-04-01", Some(consent.id)));
        assert!(matches!(after_revocation, Err(Error::InvalidInput { field: "consent", .. })));
        assert_eq!(open.vault.consents(&client.code).expect("consents")[0].revoked_date, Some(date("2026-03-01")));
    }

    #[test]
    fn a_release_of_information_names_its_recipient() {
        let mut open = open_vault();
        let client = open.vault.add_client(NewClient::default()).expect("client");
        let mut nameless = release("2026-01-10");
        nameless.recipient = None;
        assert!(matches!(
            open.vault.add_consent(&client.code, nameless),
            Err(Error::InvalidInput { field: "recipient", .. })
        ));
        let treatment = NewConsent { kind: ConsentKind::Treatment, recipient: None, ..release("2026-01-10") };
        open.vault.add_consent(&client.code, treatment).expect("treatment consent needs no recipient");
    }
}

mod destruction {
    use super::*;
    use confidant_vault::LockReason;
    use confidant_vault::disclosures::{ConsentKind, DisclosurePurpose, NewConsent, NewDisclosure};
    use confidant_vault::search::SearchQuery;

    const MARKER: &str = "zanzibarquokka";
    const KEPT_MARKER: &str = "okapiwombat";

    fn files_contain(folder: &std::path::Path, needle: &str) -> Vec<String> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(folder).expect("folder") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("file");
            if bytes.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle.as_bytes())) {
                found.push(path.file_name().expect("name").to_string_lossy().into_owned());
            }
        }
        found
    }

    #[test]
    fn destroying_a_client_leaves_its_words_nowhere_in_the_files() {
        let folder = tempfile::tempdir().expect("temp dir");
        let mut vault = Vault::create_unencrypted_baseline(folder.path()).expect("plain test vault");
        vault.set_signer("Dana Reyes", "LCSW").expect("signer");
        let doomed = vault
            .add_client(NewClient { name: Some(format!("{MARKER} Smith")), ..NewClient::default() })
            .expect("client");
        let kept = vault.add_client(NewClient::default()).expect("client");

        let note = vault.create_note(&doomed.code, soap(&format!("Talked about {MARKER} at length."))).expect("note");
        for version in 0..3 {
            vault.save_draft(note.id, soap(&format!("Draft {version}: {MARKER} again."))).expect("draft");
        }
        vault.sign_note(note.id, true).expect("signed");
        vault.add_addendum(note.id, "Correction", &format!("The {MARKER} detail was wrong.")).expect("addendum");
        let draft = vault.create_note(&doomed.code, soap(&format!("Unsigned {MARKER} draft."))).expect("draft");
        let consent = vault
            .add_consent(
                &doomed.code,
                NewConsent {
                    kind: ConsentKind::ReleaseOfInformation,
                    form_version: "1".to_owned(),
                    signed_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                    expires_date: None,
                    scope: Some(format!("{MARKER} records")),
                    recipient: Some("Dr. Lee".to_owned()),
                    purpose: Some(format!("{MARKER} purpose")),
                },
            )
            .expect("consent");
        vault
            .add_disclosure(
                &doomed.code,
                NewDisclosure {
                    disclosed_on: NaiveDate::from_ymd_opt(2026, 2, 1).expect("date"),
                    recipient_name: "Dr. Lee".to_owned(),
                    recipient_address: None,
                    purpose: DisclosurePurpose::ClientAuthorization,
                    purpose_detail: None,
                    description: format!("{MARKER} summary"),
                    consent_id: Some(consent.id),
                    note_ids: vec![note.id, draft.id],
                    client_informed: true,
                    not_informed_reason: None,
                },
            )
            .expect("disclosure");
        vault.create_note(&kept.code, soap(&format!("Kept client mentions {KEPT_MARKER}."))).expect("kept note");
        assert_eq!(
            vault.search(&SearchQuery { text: MARKER.to_owned(), ..SearchQuery::default() }).expect("search").len(),
            2
        );

        let refused = vault.destroy_client(&doomed.code, "C-9999");
        assert!(matches!(refused, Err(Error::DestructionNotConfirmed { .. })));
        let record = vault.destroy_client(&doomed.code, &doomed.code.to_lowercase()).expect("destroyed");
        assert_eq!((record.n_notes, record.n_addenda, record.n_consents, record.n_disclosures), (2, 1, 1, 1));

        assert!(
            vault
                .search(&SearchQuery { text: MARKER.to_owned(), ..SearchQuery::default() })
                .expect("search")
                .is_empty()
        );
        assert!(matches!(vault.client_by_code(&doomed.code), Err(Error::NotFound { .. })));
        let events = vault.recent_audit_events(2).expect("events");
        let event = events.iter().find(|event| event.kind == "client_destroyed").expect("destruction record");
        assert!(event.detail.contains(&doomed.code) && !event.detail.contains(MARKER), "a record without PHI");
        vault.lock(LockReason::Quit).expect("closed");

        assert_eq!(files_contain(folder.path(), MARKER), Vec::<String>::new(), "not in any row, free page or the WAL");
        assert_eq!(files_contain(folder.path(), KEPT_MARKER), vec!["vault.db".to_owned()], "the check can see text");
    }
}

#[test]
fn discreet_mode_is_on_until_the_therapist_turns_it_off() {
    let mut open = open_vault();
    assert!(open.vault.discreet_mode().expect("setting"), "codes, not names, by default");
    open.vault.set_discreet_mode(false).expect("switched off");
    assert!(!open.vault.discreet_mode().expect("setting"));
    let event = open.vault.recent_audit_events(1).expect("events").remove(0);
    assert_eq!(event.kind, "setting_changed");
}

#[test]
fn in_discreet_mode_search_snippets_never_show_a_name() {
    use confidant_vault::search::SearchQuery;
    let mut open = open_vault();
    let client = open
        .vault
        .add_client(NewClient { name: Some("Maria Gonzalez".to_owned()), ..NewClient::default() })
        .expect("client");
    open.vault.create_note(&client.code, soap("Talked about her sister's wedding.")).expect("note");
    let snippet = |text: &str, hide_names: bool| -> String {
        let hits = open
            .vault
            .search(&SearchQuery { text: text.to_owned(), hide_names, ..SearchQuery::default() })
            .expect("search");
        assert_eq!(hits.len(), 1, "{text}");
        hits[0].snippet.iter().map(|part| part.text.as_str()).collect()
    };
    assert!(snippet("Gonzalez", false).contains("Maria Gonzalez"), "outside discreet mode the name may show");
    let hidden = snippet("Gonzalez", true);
    assert!(!hidden.contains("Maria") && !hidden.contains("Gonzalez"), "{hidden}");
    assert!(hidden.contains("code or name matches"), "{hidden}");
    assert!(snippet("wedding", true).contains("wedding"), "matches in the note still show");
}
