//! Deterministic, obviously synthetic demo data: clients and therapy-like notes
//! for trying the app and for benchmarks. Same seed, same vault. Nothing here is
//! or resembles a real person; every client is named "Demo Client N".

use chrono::{Duration, NaiveDate, SecondsFormat, Utc};
use rusqlite::params;

use crate::Result;
use crate::audit::{self, EventKind, NewEvent};
use crate::notes::{NoteContent, NoteKind, note_hash, to_json};
use crate::vault::Vault;

/// A small, fast, deterministic generator (SplitMix64); not for secrets.
pub(crate) struct DemoRandom(pub(crate) u64);

impl DemoRandom {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FEELINGS: &[&str] = &[
    "anxious",
    "calmer",
    "tired",
    "hopeful",
    "irritable",
    "low",
    "restless",
    "steadier",
    "overwhelmed",
    "relieved",
    "frustrated",
    "content",
    "worried",
    "numb",
    "energised",
];
const TOPICS: &[&str] = &[
    "work deadlines",
    "sleep",
    "a conflict with a sibling",
    "the move",
    "exams",
    "their manager",
    "a friendship",
    "money worries",
    "a recent diagnosis",
    "parenting",
    "the holidays",
    "a breakup",
    "commuting",
    "retirement plans",
    "volunteering",
    "a new hobby",
    "grief for a grandparent",
    "social media",
    "the weekend",
    "a job interview",
];
const OBSERVATIONS: &[&str] = &[
    "Appeared well groomed and engaged.",
    "Speech normal in rate and volume.",
    "Affect congruent with mood.",
    "Made good eye contact throughout.",
    "Fidgeted when discussing family.",
    "Tearful at times, recovered quickly.",
    "Thought process linear and goal directed.",
    "Arrived on time and prepared.",
];
const INTERVENTIONS: &[&str] = &[
    "cognitive restructuring",
    "breathing exercises",
    "behavioural activation",
    "sleep hygiene review",
    "values clarification",
    "exposure planning",
    "mindfulness practice",
    "problem solving",
    "role play",
    "psychoeducation about panic",
    "a thought record",
];
const RARE_WORDS: &[&str] = &[
    "marmalade",
    "lighthouse",
    "accordion",
    "origami",
    "tortoise",
    "glacier",
    "harpsichord",
    "kumquat",
    "zeppelin",
    "quokka",
    "saxophone",
    "trampoline",
];

/// What `fill` made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    /// Clients added.
    pub n_clients: u32,
    /// Notes added.
    pub n_notes: u32,
    /// Of which signed.
    pub n_signed: u32,
}

impl Vault {
    /// Adds `n_clients` demo clients and `n_notes` notes spread over them (the
    /// first client gets at least 500 when there are enough notes, for chart
    /// benchmarks), about four in five signed, from `seed`.
    pub fn fill_with_demo_data(&mut self, n_clients: u32, n_notes: u32, seed: u64) -> Result<DemoSummary> {
        let n_clients = n_clients.max(1);
        let mut random = DemoRandom(seed);
        if self.signer()?.is_none() {
            self.set_signer("Demo Clinician", "Demo credentials")?;
        }
        let (signed_by, credentials) = self.signer()?.unwrap_or_default();
        let start = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap_or_default();
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);

        let first_client_id = {
            let transaction = self.connection_mut().transaction()?;
            let first_number: i64 = transaction.query_row(
                "SELECT coalesce(max(CAST(substr(code, 3) AS INTEGER)), 0) + 1 FROM client
                 WHERE code LIKE 'C-%' AND substr(code, 3) GLOB '[0-9]*'",
                [],
                |row| row.get(0),
            )?;
            let mut first_id = 0;
            for client_idx in 0..i64::from(n_clients) {
                transaction.execute(
                    "INSERT INTO client (code, name, status, intake_date, created_at, updated_at)
                     VALUES (?1, ?2, 'active', ?3, ?4, ?4)",
                    params![
                        format!("C-{:04}", first_number + client_idx),
                        format!("Demo Client {}", first_number + client_idx),
                        start.to_string(),
                        now
                    ],
                )?;
                if client_idx == 0 {
                    first_id = transaction.last_insert_rowid();
                }
            }
            transaction.commit()?;
            first_id
        };

        let mut n_signed = 0;
        let mut note_idx = 0;
        while note_idx < n_notes {
            let transaction = self.connection_mut().transaction()?;
            for _ in 0..1000.min(n_notes - note_idx) {
                let client_offset = if note_idx < 500.min(n_notes / 2) { 0 } else { random.below(n_clients as usize) };
                let client_id = first_client_id + client_offset as i64;
                let session_date = start
                    + Duration::days(i64::from(note_idx) * 3 / i64::from(n_clients).max(1) + random.below(3) as i64);
                let content = demo_note(&mut random, session_date);
                transaction.execute(
                    "INSERT INTO note (client_id, kind, template, session_date, start_time, duration_minutes, modality,
                                       service_code, diagnosis_codes, risk, sections, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'in_person', ?7, ?8, '{}', ?9, ?10, ?10)",
                    params![
                        client_id,
                        content.kind.as_str(),
                        content.template,
                        content.session_date.to_string(),
                        content.start_time,
                        content.duration_minutes,
                        content.service_code,
                        to_json(&content.diagnosis_codes)?,
                        to_json(&content.sections)?,
                        now
                    ],
                )?;
                let note_id = transaction.last_insert_rowid();
                if random.below(5) != 0 {
                    let hash = note_hash(note_id, client_id, &content, &signed_by, &credentials, &now)?;
                    transaction.execute(
                        "UPDATE note SET status = 'signed', signed_at = ?2, signed_by = ?3, signer_credentials = ?4,
                             content_hash = ?5 WHERE id = ?1",
                        params![note_id, now, signed_by, credentials, hash],
                    )?;
                    n_signed += 1;
                }
                note_idx += 1;
            }
            transaction.commit()?;
        }
        audit::append(
            self.connection(),
            &NewEvent::new(EventKind::SettingChanged).with_detail(
                serde_json::json!({ "demo_data": { "clients": n_clients, "notes": n_notes, "seed": seed } }),
            ),
        )?;
        Ok(DemoSummary { n_clients, n_notes, n_signed })
    }
}

/// One synthetic SOAP progress note.
pub(crate) fn demo_note(random: &mut DemoRandom, session_date: NaiveDate) -> NoteContent {
    let mut sections = std::collections::BTreeMap::new();
    let rare = if random.below(20) == 0 { format!(" Mentioned a {}.", random.pick(RARE_WORDS)) } else { String::new() };
    sections.insert(
        "subjective".to_owned(),
        format!(
            "[Demo] Client reported feeling {} about {} this week, and {} about {}.{rare}",
            random.pick(FEELINGS),
            random.pick(TOPICS),
            random.pick(FEELINGS),
            random.pick(TOPICS)
        ),
    );
    sections.insert("objective".to_owned(), format!("{} {}", random.pick(OBSERVATIONS), random.pick(OBSERVATIONS)));
    sections.insert(
        "assessment".to_owned(),
        format!(
            "Progress toward goals is steady; practising {} helps with {}.",
            random.pick(INTERVENTIONS),
            random.pick(TOPICS)
        ),
    );
    sections.insert(
        "plan".to_owned(),
        format!("Continue weekly sessions. Homework: {} before the next appointment.", random.pick(INTERVENTIONS)),
    );
    NoteContent {
        kind: NoteKind::Progress,
        template: "soap".to_owned(),
        session_date,
        start_time: Some(format!("{:02}:00", 9 + random.below(8))),
        duration_minutes: Some(50),
        // Stored as 'in_person' by `fill_with_demo_data`: the signed hash covers it.
        modality: Some(crate::notes::Modality::InPerson),
        service_code: Some("90834".to_owned()),
        diagnosis_codes: vec!["F41.1".to_owned()],
        risk: std::collections::BTreeMap::new(),
        sections,
    }
}
