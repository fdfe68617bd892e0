//! The FHIR R4 document Bundle: its structure checked here, and checked again by
//! an independent validator (scripts/validate-fhir.py, Python `fhir.resources`)
//! when `CONFIDANT_FHIR_PYTHON` names the venv's python, as `make fhir-test` does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use confidant_export::fhir::fhir_bundle;
use confidant_export::fixtures::sample_record;
use confidant_vault::disclosures::ConsentKind;
use confidant_vault::notes::{Modality, NoteKind};
use serde_json::Value;

const N_SIGNED_NOTES: usize = 5;

fn resources(bundle: &Value) -> Vec<&Value> {
    bundle["entry"].as_array().expect("entries").iter().map(|entry| &entry["resource"]).collect()
}

fn of_type<'a>(bundle: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    resources(bundle).into_iter().filter(|resource| resource["resourceType"] == resource_type).collect()
}

/// Every `reference` string anywhere under `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("reference", Value::String(target)) => found.push(target.clone()),
                    _ => references(field, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// Every narrative `div` anywhere under `value`.
fn divs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("div", Value::String(div)) => found.push(div),
                    _ => divs(field, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| divs(item, found)),
        _ => {}
    }
}

fn attachment_text(document: &Value) -> String {
    let data = document["content"][0]["attachment"]["data"].as_str().expect("attachment data");
    String::from_utf8(BASE64.decode(data).expect("base64")).expect("utf-8")
}

fn coding_codes(concepts: &Value) -> Vec<&str> {
    concepts
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|concept| concept["coding"].as_array().into_iter().flatten())
        .filter_map(|coding| coding["code"].as_str())
        .collect()
}

#[test]
fn the_bundle_is_a_document_whose_references_all_resolve() {
    let record = sample_record(N_SIGNED_NOTES);
    let bundle = fhir_bundle(&record);

    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    assert_eq!(bundle["timestamp"], record.exported_at.as_str());
    assert_eq!(bundle["identifier"]["system"], "urn:ietf:rfc:3986");
    assert!(bundle["identifier"]["value"].as_str().expect("identifier").starts_with("urn:uuid:"));

    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(entries[0]["resource"]["resourceType"], "Composition", "a document starts with its Composition");
    let mut full_urls = BTreeSet::new();
    for entry in entries {
        let full_url = entry["fullUrl"].as_str().expect("every entry has a fullUrl");
        let uuid = full_url.strip_prefix("urn:uuid:").expect("fullUrl is a urn:uuid");
        assert_eq!(entry["resource"]["id"], uuid, "resource id matches its fullUrl");
        assert!(full_urls.insert(full_url), "fullUrl {full_url} appears twice");
    }

    let mut targets = Vec::new();
    references(&bundle, &mut targets);
    assert!(targets.len() > entries.len(), "resources point at each other");
    for target in &targets {
        assert!(full_urls.contains(target.as_str()), "reference {target} resolves to no entry");
    }
    // Everything in the document hangs off the Composition, directly or through a DocumentReference.
    let mut reachable = BTreeSet::from([entries[0]["fullUrl"].as_str().expect("fullUrl")]);
    let by_url: BTreeMap<&str, &Value> =
        entries.iter().map(|entry| (entry["fullUrl"].as_str().expect("fullUrl"), &entry["resource"])).collect();
    let mut queue = vec![&entries[0]["resource"]];
    while let Some(resource) = queue.pop() {
        let mut outgoing = Vec::new();
        references(resource, &mut outgoing);
        for target in outgoing {
            let (url, resource) = by_url.get_key_value(target.as_str()).expect("resolves");
            if reachable.insert(url) {
                queue.push(resource);
            }
        }
    }
    assert_eq!(reachable.len(), entries.len(), "an entry nothing in the document points to");
}

#[test]
fn one_encounter_and_one_document_per_note_and_one_condition_per_diagnosis() {
    let record = sample_record(N_SIGNED_NOTES);
    let bundle = fhir_bundle(&record);
    let n_notes = record.notes.len();
    assert_eq!(n_notes, N_SIGNED_NOTES + 1, "the fixture adds a draft");

    assert_eq!(of_type(&bundle, "Patient").len(), 1);
    assert_eq!(of_type(&bundle, "Encounter").len(), n_notes);
    assert_eq!(of_type(&bundle, "DocumentReference").len(), n_notes);
    assert_eq!(of_type(&bundle, "Consent").len(), record.consents.len());
    let conditions = of_type(&bundle, "Condition");
    assert_eq!(conditions.len(), record.diagnoses().len());
    let codes: Vec<&Value> = conditions.iter().map(|condition| &condition["code"]["coding"][0]).collect();
    assert_eq!(
        codes.iter().map(|coding| coding["code"].as_str().expect("code")).collect::<Vec<_>>(),
        record.diagnoses()
    );
    assert!(codes.iter().all(|coding| coding["system"] == "http://hl7.org/fhir/sid/icd-10-cm"));

    // The resource types come in the documented order.
    let order: Vec<&str> =
        resources(&bundle).iter().map(|resource| resource["resourceType"].as_str().expect("type")).collect();
    let mut kinds = order.clone();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["Composition", "Patient", "Practitioner", "Encounter", "Condition", "Consent", "DocumentReference"]
    );

    let composition = &resources(&bundle)[0];
    assert_eq!(composition["status"], "final");
    assert_eq!(composition["confidentiality"], "R");
    assert_eq!(composition["title"], "Clinical record — C-0007");
    assert_eq!(composition["type"]["coding"][0]["code"], "11503-0");
    let sections = composition["section"].as_array().expect("sections");
    assert_eq!(sections[0]["title"], "2025-01-06 · SOAP");
    let titles: Vec<&str> = sections.iter().filter_map(|section| section["title"].as_str()).collect();
    for title in ["Diagnoses", "Consents", "Accounting of disclosures"] {
        assert!(titles.contains(&title), "no {title} section in {titles:?}");
    }
}

#[test]
fn note_text_never_reaches_a_narrative_unescaped() {
    let bundle = fhir_bundle(&sample_record(N_SIGNED_NOTES));
    let mut all_divs = Vec::new();
    divs(&bundle, &mut all_divs);
    assert!(all_divs.len() > N_SIGNED_NOTES, "notes, encounters and consents carry narrative");
    for div in &all_divs {
        assert!(div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">") && div.ends_with("</div>"), "{div}");
        assert!(!div.to_lowercase().contains("<script"), "unescaped markup from a note: {div}");
    }
    let first_note = all_divs.iter().find(|div| div.contains("Zoë")).expect("the first note's section");
    assert!(first_note.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{first_note}");
    assert!(first_note.contains("&quot;work is calmer&quot;"), "{first_note}");
    assert!(first_note.contains("<h3>Subjective</h3>"), "template headings in template order");
    let subjective = first_note.find("<h3>Subjective</h3>").expect("subjective");
    let plan = first_note.find("<h3>Plan</h3>").expect("plan");
    assert!(subjective < plan);
    assert!(first_note.contains("Addendum: Correction"), "addenda are part of the note");
}

#[test]
fn each_document_carries_the_whole_note_with_its_signature_and_status() {
    let record = sample_record(N_SIGNED_NOTES);
    let bundle = fhir_bundle(&record);
    let documents = of_type(&bundle, "DocumentReference");

    let first = documents[0];
    assert_eq!(first["status"], "current");
    assert_eq!(first["docStatus"], "amended", "the first note has an addendum");
    assert_eq!(first["type"]["coding"][0]["code"], "11506-3");
    assert_eq!(first["content"][0]["attachment"]["contentType"], "text/plain; charset=utf-8");
    assert_eq!(first["date"], "2025-01-06T15:00:00Z", "signed at");
    let text = attachment_text(first);
    assert_eq!(first["content"][0]["attachment"]["size"], text.len());
    for expected in [
        "<script>alert(1)</script>",
        "Signed by Dana Reyes, PsyD, Licensed Psychologist at 2025-01-06T15:00:00Z",
        &format!("SHA-256: {:064x}", 1),
        "Addendum (Correction) by Dana Reyes, PsyD",
        "Session length was 45 minutes, not 50.",
        "Suicidal ideation: denied",
    ] {
        assert!(text.contains(expected), "attachment lacks {expected:?}:\n{text}");
    }
    let hash = first["identifier"]
        .as_array()
        .expect("identifiers")
        .iter()
        .find(|id| id["system"] == "urn:confidant:note-sha256");
    assert_eq!(hash.expect("hash identifier")["value"], format!("{:064x}", 1));
    assert!(first.get("authenticator").is_some(), "a signed note names who signed it");

    assert_eq!(documents[1]["docStatus"], "final");
    let draft = documents.last().expect("draft");
    assert_eq!(draft["docStatus"], "preliminary");
    assert!(draft.get("authenticator").is_none());
    assert!(attachment_text(draft).contains("DRAFT: not signed"));

    // Each document points at its own session.
    let encounters = of_type(&bundle, "Encounter");
    for (document, encounter) in documents.iter().zip(&encounters) {
        let target = document["context"]["encounter"][0]["reference"].as_str().expect("encounter");
        assert_eq!(target, format!("urn:uuid:{}", encounter["id"].as_str().expect("id")));
    }
    let encounter = encounters[0];
    assert_eq!(encounter["status"], "finished");
    assert_eq!(encounter["class"]["code"], "AMB");
    assert_eq!(encounter["period"]["start"], "2025-01-06");
    assert_eq!(
        encounter["length"],
        serde_json::json!({ "value": 50, "unit": "min", "system": "http://unitsofmeasure.org", "code": "min" })
    );
    assert_eq!(encounter["type"][0]["coding"][0]["system"], "http://www.ama-assn.org/go/cpt");
    assert_eq!(encounter["type"][0]["coding"][0]["code"], "90834");
    assert!(encounter["text"]["div"].as_str().expect("div").contains("14:00 (local time)"));
}

#[test]
fn patient_consents_and_diagnoses_map_to_their_codes() {
    let mut record = sample_record(2);
    record.consents[0].revoked_date = Some("2025-06-01".parse().expect("date"));
    let bundle = fhir_bundle(&record);

    let patient = &of_type(&bundle, "Patient")[0];
    assert_eq!(patient["identifier"][0]["value"], "C-0007");
    assert_eq!(patient["name"][0]["text"], "Zoë Müller-O'Brien");
    assert_eq!(patient["birthDate"], "1991-04-12");
    let telecom: Vec<(&str, &str)> = patient["telecom"]
        .as_array()
        .expect("telecom")
        .iter()
        .map(|point| (point["system"].as_str().expect("system"), point["value"].as_str().expect("value")))
        .collect();
    assert_eq!(telecom, [("email", "zoe@example.org"), ("phone", "555-0100")]);

    let consents = of_type(&bundle, "Consent");
    assert_eq!(consents[0]["status"], "inactive", "revoked");
    assert_eq!(consents[0]["scope"]["coding"][0]["code"], "treatment");
    assert_eq!(consents[0]["provision"]["period"]["end"], "2025-06-01");
    assert_eq!(consents[1]["status"], "active");
    assert_eq!(consents[1]["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(coding_codes(&consents[1]["category"]), ["59284-0", "64292-6"]);
    assert_eq!(consents[1]["policyRule"]["coding"][0]["code"], "hipaa-auth");
    assert_eq!(consents[1]["provision"]["actor"][0]["reference"]["display"], "Dr. Sam Lee, Riverside Counselling");
    for consent in &consents {
        assert!(consent.get("policyRule").is_some() || consent.get("policy").is_some(), "R4 ppc-1");
    }

    // Expired by the export date: inactive too.
    record.consents[1].kind = ConsentKind::Telehealth;
    record.consents[1].expires_date = Some("2026-11-22".parse().expect("date"));
    let consents_later = fhir_bundle(&record);
    assert_eq!(of_type(&consents_later, "Consent")[1]["status"], "inactive");

    let conditions = of_type(&bundle, "Condition");
    assert!(conditions.iter().all(|condition| coding_codes(&condition["category"]) == ["encounter-diagnosis"]));
    assert_eq!(conditions[0]["clinicalStatus"]["coding"][0]["code"], "active");
    assert_eq!(conditions[0]["verificationStatus"]["coding"][0]["code"], "confirmed");
}

#[test]
fn psychotherapy_notes_are_labelled_and_leave_only_when_asked_for() {
    let mut record = sample_record(2);
    let mut process_note = record.notes[0].clone();
    process_note.id = 99;
    process_note.content.kind = NoteKind::Psychotherapy;
    process_note.content.modality = Some(Modality::Video);
    record.notes.push(process_note);

    let without = fhir_bundle(&record);
    assert_eq!(of_type(&without, "DocumentReference").len(), 3, "not asked for: left out");
    assert_eq!(of_type(&without, "Encounter").len(), 3);

    record.scope.include_psychotherapy = true;
    let with = fhir_bundle(&record);
    let documents = of_type(&with, "DocumentReference");
    assert_eq!(documents.len(), 4);
    let labels = |document: &Value| -> Vec<String> {
        coding_codes(&document["securityLabel"]).into_iter().map(str::to_owned).collect()
    };
    assert_eq!(labels(documents[3]), ["R", "PSYTHPN", "PSY"]);
    assert_eq!(labels(documents[0]), ["R"], "other notes are restricted, not psychotherapy notes");
    assert_eq!(of_type(&with, "Encounter")[3]["class"]["code"], "VR", "video is a virtual encounter");
}

#[test]
fn the_same_record_gives_the_same_bundle_and_another_export_new_ids() {
    let record = sample_record(3);
    assert_eq!(fhir_bundle(&record), fhir_bundle(&record));
    let mut later = record.clone();
    later.exported_at = "2026-11-24T09:00:00Z".to_owned();
    assert_ne!(fhir_bundle(&record)["identifier"], fhir_bundle(&later)["identifier"]);
}

#[test]
fn without_a_recorded_practitioner_the_author_says_so() {
    let mut record = sample_record(1);
    record.practitioner = None;
    record.client.name = None;
    record.client.contact = Some("12 Mill St, Springfield".to_owned());
    let bundle = fhir_bundle(&record);
    let composition = &resources(&bundle)[0];
    let author = composition["author"][0]["reference"].as_str().expect("author");
    let practitioners = of_type(&bundle, "Practitioner");
    let named = |name: &str| practitioners.iter().find(|person| person["name"][0]["text"] == name).copied();
    let not_recorded = named("Not recorded").expect("a stand-in author");
    assert_eq!(author, format!("urn:uuid:{}", not_recorded["id"].as_str().expect("id")));
    assert!(named("Dana Reyes").is_some(), "the signer is still a Practitioner");
    let patient = &of_type(&bundle, "Patient")[0];
    assert!(patient.get("name").is_none());
    assert_eq!(patient["telecom"], serde_json::json!([{ "system": "other", "value": "12 Mill St, Springfield" }]));
}

// ---- the independent validator --------------------------------------------------

fn validator_python() -> Option<PathBuf> {
    let python = std::env::var_os("CONFIDANT_FHIR_PYTHON").filter(|value| !value.is_empty())?;
    let python = PathBuf::from(python);
    assert!(python.exists(), "CONFIDANT_FHIR_PYTHON={} does not exist; run scripts/fhir-venv.sh", python.display());
    Some(python)
}

/// Runs scripts/validate-fhir.py on the bundle: (succeeded, stdout, stderr).
fn validate(python: &Path, bundle: &Value) -> (bool, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate-fhir.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the validator");
    child.stdin.take().expect("stdin").write_all(bundle.to_string().as_bytes()).expect("write the bundle");
    let output = child.wait_with_output().expect("validator output");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (output.status.success(), text(output.stdout), text(output.stderr))
}

#[test]
fn an_independent_fhir_r4_validator_accepts_the_bundle_and_rejects_a_broken_one() {
    let Some(python) = validator_python() else {
        println!("skipped: set CONFIDANT_FHIR_PYTHON to the python of scripts/fhir-venv.sh (make fhir-test does)");
        return;
    };

    let record = sample_record(N_SIGNED_NOTES);
    let bundle = fhir_bundle(&record);
    let (valid, stdout, stderr) = validate(&python, &bundle);
    assert!(valid, "the validator rejected the bundle:\n{stdout}\n{stderr}");
    let n_entries = bundle["entry"].as_array().expect("entries").len();
    assert_eq!(stdout.trim(), format!("valid FHIR R4 Bundle: {n_entries} entries"));

    // Variants that take other paths through the mapping.
    let mut variant = sample_record(2);
    variant.practitioner = None;
    variant.client.name = None;
    variant.client.birth_date = None;
    variant.client.contact = Some("12 Mill St, Springfield".to_owned());
    variant.scope.include_psychotherapy = true;
    let mut process_note = variant.notes[0].clone();
    process_note.id = 99;
    process_note.content.kind = NoteKind::Psychotherapy;
    process_note.content.modality = Some(Modality::Phone);
    process_note.content.start_time = None;
    process_note.content.duration_minutes = None;
    process_note.content.service_code = None;
    variant.notes.push(process_note);
    variant.consents[0].revoked_date = Some("2025-06-01".parse().expect("date"));
    variant.disclosures.clear();
    let (valid, stdout, stderr) = validate(&python, &fhir_bundle(&variant));
    assert!(valid, "the validator rejected the variant:\n{stdout}\n{stderr}");

    // The validator can fail: R4 requires Composition.status.
    let mut broken = bundle.clone();
    broken["entry"][0]["resource"].as_object_mut().expect("composition").remove("status");
    let (valid, stdout, stderr) = validate(&python, &broken);
    assert!(!valid, "a Composition without status passed:\n{stdout}");
    assert!(stderr.contains("status"), "the message names the missing element:\n{stderr}");

    // …and it catches what the models alone let through: a dateTime with a time but no zone,
    // and markup in a narrative.
    let mut zoneless = bundle.clone();
    zoneless["entry"][0]["resource"]["date"] = Value::from("2026-11-23T17:00:00");
    assert!(!validate(&python, &zoneless).0, "a dateTime without a time zone passed");
    let mut scripted = bundle;
    scripted["entry"][0]["resource"]["section"][0]["text"]["div"] =
        Value::from("<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(1)</script></div>");
    assert!(!validate(&python, &scripted).0, "a narrative with <script> passed");
}
