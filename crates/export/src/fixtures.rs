//! Sample records for tests and benchmarks (feature `fixtures`). Invented people
//! and text only.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use confidant_vault::disclosures::{ConsentKind, DisclosurePurpose};
use confidant_vault::notes::{Modality, NoteContent, NoteKind, NoteStatus};
use confidant_vault::transfer::{
    ExportAddendum, ExportClient, ExportConsent, ExportDisclosure, ExportNote, ExportPractitioner, ExportPurpose,
    ExportRecord, ExportScope, ExportSignature, RECORD_FORMAT, RECORD_VERSION, SignedAs,
};

fn day(text: &str) -> NaiveDate {
    text.parse().expect("fixture date")
}

fn soap(date: &str, subjective: &str, diagnosis: &[&str]) -> NoteContent {
    let mut sections = BTreeMap::new();
    sections.insert("subjective".to_owned(), subjective.to_owned());
    sections.insert("objective".to_owned(), "Alert, oriented, good eye contact. Affect congruent.".to_owned());
    sections
        .insert("assessment".to_owned(), "Generalised anxiety improving; sleep better. No change in risk.".to_owned());
    sections.insert("plan".to_owned(), "Continue weekly CBT. Practise the breathing exercise daily.".to_owned());
    let mut risk = BTreeMap::new();
    risk.insert("suicidal_ideation".to_owned(), "denied".to_owned());
    NoteContent {
        kind: NoteKind::Progress,
        template: "soap".to_owned(),
        session_date: day(date),
        start_time: Some("14:00".to_owned()),
        duration_minutes: Some(50),
        modality: Some(Modality::InPerson),
        service_code: Some("90834".to_owned()),
        diagnosis_codes: diagnosis.iter().map(|code| (*code).to_owned()).collect(),
        risk,
        sections,
    }
}

fn signed(id: i64, content: NoteContent, addenda: Vec<ExportAddendum>) -> ExportNote {
    let signed_at = format!("{}T15:00:00Z", content.session_date);
    ExportNote {
        id,
        status: NoteStatus::Signed,
        created_at: format!("{}T14:55:00Z", content.session_date),
        content,
        signature: Some(ExportSignature {
            signed_by: "Dana Reyes".to_owned(),
            credentials: "PsyD, Licensed Psychologist".to_owned(),
            signed_at,
            // Fixtures are not re-hashed; the vault's tests check real hashes.
            content_hash: format!("{id:064x}"),
        }),
        signed_as: Some(SignedAs { note_id: id, client_id: 7 }),
        addenda,
        imported_from: None,
    }
}

/// A client with `n_notes` signed SOAP notes (one a week), a draft, an addendum,
/// two consents and a disclosure — with text that trips naive renderers:
/// accents, quotes, `<script>`, a very long word and a long paragraph.
pub fn sample_record(n_notes: usize) -> ExportRecord {
    let start = day("2025-01-06");
    let mut notes = Vec::with_capacity(n_notes + 1);
    for index in 0..n_notes {
        let date = (start + chrono::Duration::weeks(index as i64)).to_string();
        let subjective = if index == 0 {
            "Zoë (she/her) says \"work is calmer\"; café shifts now 3×/week. Mentions <script>alert(1)</script> \
             as a joke from her brother. Supercalifragilisticexpialidociouslyextraordinarilylongwordwithoutspaces."
                .to_owned()
        } else {
            format!(
                "Session {n}. Reports {mood} mood this week. {paragraph}",
                n = index + 1,
                mood = ["steadier", "lower", "brighter", "mixed"][index % 4],
                paragraph = "Talked about the argument with her sister and how she stayed calm; practised \
                             naming the feeling before answering. Sleep 6–7 hours most nights. "
                    .repeat(1 + index % 3),
            )
        };
        let addenda = if index == 0 {
            vec![ExportAddendum {
                reason: "Correction".to_owned(),
                text: "Session length was 45 minutes, not 50.".to_owned(),
                author: "Dana Reyes".to_owned(),
                author_credentials: "PsyD".to_owned(),
                created_at: format!("{date}T18:00:00Z"),
                content_hash: "ab".repeat(32),
            }]
        } else {
            Vec::new()
        };
        notes.push(signed(index as i64 + 1, soap(&date, &subjective, &["F41.1", "Z63.0"][..1 + index % 2]), addenda));
    }
    let draft_date = (start + chrono::Duration::weeks(n_notes as i64)).to_string();
    notes.push(ExportNote {
        id: n_notes as i64 + 1,
        status: NoteStatus::Draft,
        content: soap(&draft_date, "Draft: still writing this one.", &["F41.1"]),
        signature: None,
        signed_as: None,
        addenda: Vec::new(),
        created_at: format!("{draft_date}T14:55:00Z"),
        imported_from: None,
    });
    ExportRecord {
        format: RECORD_FORMAT.to_owned(),
        version: RECORD_VERSION,
        exported_at: "2026-11-23T17:00:00Z".to_owned(),
        app_version: "0.1.0".to_owned(),
        scope: ExportScope {
            purpose: ExportPurpose::TransferOfCare,
            include_drafts: true,
            include_psychotherapy: false,
            from: None,
            to: None,
        },
        practitioner: Some(ExportPractitioner {
            name: "Dana Reyes".to_owned(),
            credentials: "PsyD, Licensed Psychologist".to_owned(),
        }),
        client: ExportClient {
            code: "C-0007".to_owned(),
            name: Some("Zoë Müller-O'Brien".to_owned()),
            birth_date: Some(day("1991-04-12")),
            contact: Some("zoe@example.org, 555-0100".to_owned()),
            status: "active".to_owned(),
            intake_date: Some(start),
        },
        notes,
        consents: vec![
            ExportConsent {
                id: 1,
                kind: ConsentKind::Treatment,
                form_version: "2025-01".to_owned(),
                signed_date: start,
                expires_date: None,
                scope: None,
                recipient: None,
                revoked_date: None,
                purpose: None,
            },
            ExportConsent {
                id: 2,
                kind: ConsentKind::ReleaseOfInformation,
                form_version: "ROI-3".to_owned(),
                signed_date: day("2026-11-01"),
                expires_date: Some(day("2027-11-01")),
                scope: Some("Treatment summary and progress notes".to_owned()),
                recipient: Some("Dr. Sam Lee, Riverside Counselling".to_owned()),
                revoked_date: None,
                purpose: Some("Coordination of care".to_owned()),
            },
        ],
        disclosures: vec![ExportDisclosure {
            disclosed_on: day("2026-11-23"),
            recipient_name: "Dr. Sam Lee".to_owned(),
            recipient_address: Some("Riverside Counselling, 12 Mill St".to_owned()),
            purpose: DisclosurePurpose::TransferOfCare,
            purpose_detail: None,
            description: "Transfer of care: the full record".to_owned(),
            consent_id: Some(2),
            note_ids: (1..=n_notes as i64).collect(),
            client_informed: true,
            not_informed_reason: None,
        }],
    }
}
