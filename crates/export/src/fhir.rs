//! The FHIR R4 document Bundle (`fhir-bundle.json`): one client's record as a
//! `Composition` followed by every resource it points to, so that a receiving
//! system that speaks FHIR can file it. docs/fhir.md maps each record field to its
//! FHIR element and lists the codes; `make fhir-test` validates the output.
//!
//! The Bundle is a pure function of the record: every id is derived from the
//! client code, the export time and what the resource stands for, so the same
//! record always gives the same bytes.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, SecondsFormat};
use confidant_vault::disclosures::ConsentKind;
use confidant_vault::notes::{Modality, NoteKind, NoteStatus};
use confidant_vault::transfer::{ExportConsent, ExportDisclosure, ExportNote, ExportPurpose, ExportRecord};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::wording;

/// A FHIR R4 `Bundle` of type `document`: Composition first, then Patient,
/// Practitioner, an Encounter per session (note), a Condition per diagnosis
/// (ICD-10-CM, system http://hl7.org/fhir/sid/icd-10-cm), Consent resources, and
/// each note as a DocumentReference (text/plain attachment, base64) and as a
/// Composition section (narrative text, escaped XHTML div).
///
/// Psychotherapy notes appear only when the record's scope asked for them (and
/// never in a client's own copy), whatever the record holds.
pub fn fhir_bundle(record: &ExportRecord) -> Value {
    let ids = Ids { client_code: &record.client.code, exported_at: &record.exported_at };
    let notes: Vec<&ExportNote> = record.notes.iter().filter(|note| is_exported(record, note)).collect();
    let patient_url = ids.url("patient");
    let practitioners = Practitioners::collect(record, &notes, &ids);
    let diagnoses = Diagnoses::collect(&notes, &ids);
    let consent_urls: Vec<String> =
        record.consents.iter().map(|consent| ids.url(&format!("consent:{}", consent.id))).collect();
    let export_date = wording::export_date(record);

    let mut entries = Vec::new();
    let composition = composition(record, &notes, &ids, &patient_url, &practitioners, &diagnoses, &consent_urls);
    entries.push(entry(&ids.url("composition"), composition));
    entries.push(entry(&patient_url, patient(record)));
    for practitioner in &practitioners.people {
        entries.push(entry(&practitioner.url, practitioner.resource()));
    }
    for note in &notes {
        let encounter = encounter(note, &patient_url, practitioners.author_of(note), &diagnoses);
        entries.push(entry(&ids.url(&format!("encounter:{}", note.id)), encounter));
    }
    for diagnosis in &diagnoses.list {
        entries.push(entry(&diagnosis.url, condition(diagnosis, &patient_url, &ids)));
    }
    for (consent, url) in record.consents.iter().zip(&consent_urls) {
        entries.push(entry(url, consent_resource(consent, &patient_url, export_date)));
    }
    for note in &notes {
        let document = document_reference(record, note, &ids, &patient_url, &practitioners);
        entries.push(entry(&ids.url(&format!("note:{}", note.id)), document));
    }

    json!({
        "resourceType": "Bundle",
        "id": uuid_of(&ids.url("bundle")),
        "identifier": { "system": "urn:ietf:rfc:3986", "value": ids.url("bundle") },
        "type": "document",
        "timestamp": instant(&record.exported_at),
        "entry": entries,
    })
}

// ---- code systems -------------------------------------------------------------

const LOINC: &str = "http://loinc.org";
const ICD_10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
const CPT: &str = "http://www.ama-assn.org/go/cpt";
const UCUM: &str = "http://unitsofmeasure.org";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
const PARTICIPATION_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const CONSENT_SCOPE: &str = "http://terminology.hl7.org/CodeSystem/consentscope";
const CONSENT_POLICY: &str = "http://terminology.hl7.org/CodeSystem/consentpolicycodes";
const CONSENT_ACTION: &str = "http://terminology.hl7.org/CodeSystem/consentaction";
const XHTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// Identifier systems of our own (URIs, as FHIR requires; not resolvable).
const CLIENT_CODE_SYSTEM: &str = "urn:confidant:client-code";
const NOTE_ID_SYSTEM: &str = "urn:confidant:note-id";
const NOTE_HASH_SYSTEM: &str = "urn:confidant:note-sha256";

/// Name of the Practitioner made when the record does not say who exported it:
/// R4 requires at least one `Composition.author`, and a bare display would not
/// be a resource the document holds.
const NOT_RECORDED: &str = "Not recorded";

// ---- ids ----------------------------------------------------------------------

/// Derives the `urn:uuid:` of each resource from the record, so output is reproducible.
#[derive(Debug, Clone, Copy)]
struct Ids<'a> {
    client_code: &'a str,
    exported_at: &'a str,
}

impl Ids<'_> {
    /// `urn:uuid:` of the first 128 bits of SHA-256("confidant:<client code>:<exported at>:<what>"),
    /// stamped as an RFC 9562 version 8 (custom) UUID: it is not random, and says so.
    fn url(&self, what: &str) -> String {
        let digest = Sha256::digest(format!("confidant:{}:{}:{what}", self.client_code, self.exported_at).as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex = hex::encode(bytes);
        format!("urn:uuid:{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
    }
}

/// The resource id that goes with a `urn:uuid:` fullUrl: the UUID itself.
fn uuid_of(url: &str) -> &str {
    url.trim_start_matches("urn:uuid:")
}

fn entry(url: &str, mut resource: Value) -> Value {
    resource["id"] = Value::from(uuid_of(url));
    json!({ "fullUrl": url, "resource": resource })
}

fn reference(url: &str) -> Value {
    json!({ "reference": url })
}

/// A CodeableConcept of one coding.
fn concept(system: &str, code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }] })
}

// ---- which notes --------------------------------------------------------------

/// Psychotherapy notes leave only when asked for, and never in the client's own
/// copy (45 CFR 164.524(a)(1)(i)); the vault already filters, this makes sure.
fn is_exported(record: &ExportRecord, note: &ExportNote) -> bool {
    note.content.kind != NoteKind::Psychotherapy
        || (record.scope.include_psychotherapy && record.scope.purpose != ExportPurpose::ClientCopy)
}

// ---- practitioners ------------------------------------------------------------

#[derive(Debug)]
struct Practitioner {
    name: String,
    credentials: String,
    url: String,
    /// The "Not recorded" stand-in, never anyone's signature.
    is_placeholder: bool,
}

impl Practitioner {
    fn resource(&self) -> Value {
        let name = if self.name.trim().is_empty() { NOT_RECORDED } else { self.name.as_str() };
        let mut resource = json!({ "resourceType": "Practitioner", "name": [{ "text": name }] });
        if !self.credentials.trim().is_empty() {
            resource["qualification"] = json!([{ "code": { "text": self.credentials } }]);
        }
        resource
    }
}

/// The exporting clinician (or "Not recorded") first, then everyone who signed an
/// exported note, one Practitioner per name.
#[derive(Debug)]
struct Practitioners {
    people: Vec<Practitioner>,
}

impl Practitioners {
    fn collect(record: &ExportRecord, notes: &[&ExportNote], ids: &Ids<'_>) -> Self {
        let mut practitioners = Practitioners { people: Vec::new() };
        match &record.practitioner {
            Some(practitioner) => practitioners.add(&practitioner.name, &practitioner.credentials, ids),
            None => practitioners.people.push(Practitioner {
                name: NOT_RECORDED.to_owned(),
                credentials: String::new(),
                url: ids.url("practitioner:not-recorded"),
                is_placeholder: true,
            }),
        }
        for signature in notes.iter().filter_map(|note| note.signature.as_ref()) {
            practitioners.add(&signature.signed_by, &signature.credentials, ids);
        }
        practitioners
    }

    fn add(&mut self, name: &str, credentials: &str, ids: &Ids<'_>) {
        if self.by_name(name).is_none() {
            let url = ids.url(&format!("practitioner:{name}"));
            let (name, credentials) = (name.to_owned(), credentials.to_owned());
            self.people.push(Practitioner { name, credentials, url, is_placeholder: false });
        }
    }

    fn by_name(&self, name: &str) -> Option<&Practitioner> {
        self.people.iter().find(|person| !person.is_placeholder && person.name == name)
    }

    /// The Composition's author: the exporting clinician, or "Not recorded".
    fn composition_author(&self) -> &Practitioner {
        &self.people[0]
    }

    /// Who wrote a note: its signer, or for a draft the exporting clinician.
    fn author_of(&self, note: &ExportNote) -> &Practitioner {
        note.signature
            .as_ref()
            .and_then(|signature| self.by_name(&signature.signed_by))
            .unwrap_or_else(|| self.composition_author())
    }
}

// ---- diagnoses ----------------------------------------------------------------

#[derive(Debug)]
struct Diagnosis<'a> {
    code: &'a str,
    /// The first exported note that records it (notes are oldest first).
    first_note: &'a ExportNote,
    /// Recorded in at least one signed note; only drafts make it provisional.
    in_signed_note: bool,
    url: String,
}

/// Distinct ICD-10-CM codes over the exported notes, in first-seen order.
#[derive(Debug)]
struct Diagnoses<'a> {
    list: Vec<Diagnosis<'a>>,
}

impl<'a> Diagnoses<'a> {
    fn collect(notes: &[&'a ExportNote], ids: &Ids<'_>) -> Self {
        let mut list: Vec<Diagnosis<'a>> = Vec::new();
        for note in notes {
            let signed = note.status == NoteStatus::Signed;
            for code in note.content.diagnosis_codes.iter().map(|code| code.trim()).filter(|code| !code.is_empty()) {
                match list.iter_mut().find(|diagnosis| diagnosis.code == code) {
                    Some(diagnosis) => diagnosis.in_signed_note |= signed,
                    None => list.push(Diagnosis {
                        code,
                        first_note: note,
                        in_signed_note: signed,
                        url: ids.url(&format!("condition:{code}")),
                    }),
                }
            }
        }
        Diagnoses { list }
    }

    fn url_of(&self, code: &str) -> Option<&str> {
        self.list.iter().find(|diagnosis| diagnosis.code == code.trim()).map(|diagnosis| diagnosis.url.as_str())
    }
}

// ---- resources ----------------------------------------------------------------

fn composition(
    record: &ExportRecord,
    notes: &[&ExportNote],
    ids: &Ids<'_>,
    patient_url: &str,
    practitioners: &Practitioners,
    diagnoses: &Diagnoses<'_>,
    consent_urls: &[String],
) -> Value {
    let mut sections: Vec<Value> = notes
        .iter()
        .map(|note| {
            let (code, display) = note_type(note.content.kind);
            json!({
                "title": note_title(note),
                "code": concept(LOINC, code, display),
                "author": [reference(&practitioners.author_of(note).url)],
                "text": { "status": "generated", "div": note_div(note) },
                "entry": [reference(&ids.url(&format!("note:{}", note.id)))],
            })
        })
        .collect();
    if !diagnoses.list.is_empty() {
        let items: String = diagnoses
            .list
            .iter()
            .map(|diagnosis| {
                let status = if diagnosis.in_signed_note { "" } else { " (in a draft only)" };
                format!(
                    "<li>{} (ICD-10-CM), first recorded {}{status}</li>",
                    escape(diagnosis.code),
                    diagnosis.first_note.content.session_date
                )
            })
            .collect();
        sections.push(json!({
            "title": "Diagnoses",
            "text": { "status": "generated", "div": xhtml(&format!("<ul>{items}</ul>")) },
            "entry": diagnoses.list.iter().map(|diagnosis| reference(&diagnosis.url)).collect::<Vec<_>>(),
        }));
    }
    if !record.consents.is_empty() {
        let items: String =
            record.consents.iter().map(|consent| format!("<li>{}</li>", escape(&consent_summary(consent)))).collect();
        sections.push(json!({
            "title": "Consents",
            "text": { "status": "generated", "div": xhtml(&format!("<ul>{items}</ul>")) },
            "entry": consent_urls.iter().map(|url| reference(url)).collect::<Vec<_>>(),
        }));
    }
    if !record.disclosures.is_empty() {
        // Narrative only: the accounting is for the next clinician to read (R4's
        // AuditEvent would be its structured home, should a receiver ever need one).
        let items: String = record
            .disclosures
            .iter()
            .map(|disclosure| format!("<li>{}</li>", escape(&disclosure_summary(disclosure))))
            .collect();
        sections.push(json!({
            "title": "Accounting of disclosures",
            "text": { "status": "generated", "div": xhtml(&format!("<ul>{items}</ul>")) },
        }));
    }

    let mut composition = json!({
        "resourceType": "Composition",
        "status": "final",
        "type": concept(LOINC, "11503-0", "Medical records"),
        "subject": reference(patient_url),
        "date": instant(&record.exported_at),
        "author": [reference(&practitioners.composition_author().url)],
        "title": format!("Clinical record — {}", record.client.code),
        "confidentiality": "R",
    });
    let session_dates = notes.iter().map(|note| note.content.session_date);
    if let (Some(first), Some(last)) = (session_dates.clone().min(), session_dates.max()) {
        composition["event"] = json!([{ "period": { "start": first.to_string(), "end": last.to_string() } }]);
    }
    composition["section"] = Value::Array(sections);
    composition
}

fn patient(record: &ExportRecord) -> Value {
    let client = &record.client;
    let mut patient = json!({
        "resourceType": "Patient",
        "identifier": [{ "system": CLIENT_CODE_SYSTEM, "value": client.code }],
    });
    if let Some(name) = client.name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        patient["name"] = json!([{ "text": name }]);
    }
    if let Some(contact) = client.contact.as_deref().map(str::trim).filter(|contact| !contact.is_empty()) {
        patient["telecom"] = telecom(contact);
    }
    if let Some(birth_date) = client.birth_date {
        patient["birthDate"] = Value::from(birth_date.to_string());
    }
    patient
}

/// The free-text contact as `ContactPoint`s: split into emails and phone numbers
/// when every comma- or semicolon-separated part is clearly one; otherwise the
/// whole text as one `other`, rather than guess (an address has commas too).
fn telecom(contact: &str) -> Value {
    let parts: Vec<&str> = contact.split([',', ';']).map(str::trim).filter(|part| !part.is_empty()).collect();
    let systems: Vec<Option<&str>> = parts.iter().map(|part| contact_system(part)).collect();
    if !parts.is_empty() && systems.iter().all(Option::is_some) {
        parts
            .iter()
            .zip(systems)
            .map(|(part, system)| json!({ "system": system, "value": part }))
            .collect::<Vec<_>>()
            .into()
    } else {
        json!([{ "system": "other", "value": contact }])
    }
}

fn contact_system(part: &str) -> Option<&'static str> {
    let is_email = !part.contains(char::is_whitespace)
        && part.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    let n_digits = part.chars().filter(char::is_ascii_digit).count();
    let is_phone = n_digits >= 7 && part.chars().all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
    if is_email {
        Some("email")
    } else if is_phone {
        Some("phone")
    } else {
        None
    }
}

fn encounter(note: &ExportNote, patient_url: &str, author: &Practitioner, diagnoses: &Diagnoses<'_>) -> Value {
    let content = &note.content;
    let (class_code, class_display) = match content.modality {
        Some(Modality::Video | Modality::Phone) => ("VR", "virtual"),
        Some(Modality::InPerson) | None => ("AMB", "ambulatory"),
    };
    let mut encounter = json!({
        "resourceType": "Encounter",
        // The local start time has no time zone in the record, and a FHIR dateTime
        // with a time must have one: the period keeps the date, the text the time.
        "text": { "status": "generated", "div": xhtml(&format!("<p>{}</p>", escape(&session_summary(note)))) },
        "status": "finished",
        "class": { "system": ACT_CODE, "code": class_code, "display": class_display },
    });
    if let Some(service_code) = content.service_code.as_deref().map(str::trim).filter(|code| !code.is_empty()) {
        encounter["type"] =
            json!([{ "coding": [{ "system": CPT, "code": service_code }], "text": format!("CPT {service_code}") }]);
    }
    encounter["subject"] = reference(patient_url);
    encounter["participant"] = json!([{ "individual": reference(&author.url) }]);
    encounter["period"] = json!({ "start": content.session_date.to_string() });
    if let Some(minutes) = content.duration_minutes {
        encounter["length"] = json!({ "value": minutes, "unit": "min", "system": UCUM, "code": "min" });
    }
    let diagnosis: Vec<Value> = content
        .diagnosis_codes
        .iter()
        .filter_map(|code| diagnoses.url_of(code))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|url| json!({ "condition": reference(url) }))
        .collect();
    if !diagnosis.is_empty() {
        encounter["diagnosis"] = Value::Array(diagnosis);
    }
    encounter
}

fn condition(diagnosis: &Diagnosis<'_>, patient_url: &str, ids: &Ids<'_>) -> Value {
    let (verification, verification_display) =
        if diagnosis.in_signed_note { ("confirmed", "Confirmed") } else { ("provisional", "Provisional") };
    json!({
        "resourceType": "Condition",
        "clinicalStatus": concept(CONDITION_CLINICAL, "active", "Active"),
        "verificationStatus": concept(CONDITION_VERIFICATION, verification, verification_display),
        "category": [concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")],
        "code": { "coding": [{ "system": ICD_10_CM, "code": diagnosis.code }], "text": diagnosis.code },
        "subject": reference(patient_url),
        "encounter": reference(&ids.url(&format!("encounter:{}", diagnosis.first_note.id))),
        "recordedDate": diagnosis.first_note.content.session_date.to_string(),
    })
}

fn consent_resource(consent: &ExportConsent, patient_url: &str, export_date: Option<NaiveDate>) -> Value {
    let expired = consent.expires_date.zip(export_date).is_some_and(|(expires, today)| expires < today);
    let status = if consent.revoked_date.is_some() || expired { "inactive" } else { "active" };
    let consent_document = concept(LOINC, "59284-0", "Consent Document");
    let (scope, category, policy_rule) = match consent.kind {
        ConsentKind::ReleaseOfInformation => (
            concept(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
            json!([consent_document, concept(LOINC, "64292-6", "Release of information consent")]),
            concept(CONSENT_POLICY, "hipaa-auth", "HIPAA Authorization"),
        ),
        ConsentKind::Treatment | ConsentKind::Telehealth => (
            concept(CONSENT_SCOPE, "treatment", "Treatment"),
            json!([consent_document]),
            concept(ACT_CODE, "OPTIN", "opt-in"),
        ),
    };
    // The consent stops applying at whichever comes first: expiry or revocation.
    let end = match (consent.expires_date, consent.revoked_date) {
        (Some(expires), Some(revoked)) => Some(std::cmp::min(expires, revoked)),
        (expires, revoked) => expires.or(revoked),
    };
    let mut period = json!({ "start": consent.signed_date.to_string() });
    if let Some(end) = end {
        period["end"] = Value::from(end.to_string());
    }
    let mut provision = json!({ "type": "permit", "period": period });
    if consent.kind == ConsentKind::ReleaseOfInformation {
        if let Some(recipient) = consent.recipient.as_deref().map(str::trim).filter(|recipient| !recipient.is_empty()) {
            provision["actor"] = json!([{
                "role": concept(PARTICIPATION_TYPE, "IRCP", "information recipient"),
                "reference": { "display": recipient },
            }]);
        }
        provision["action"] = json!([concept(CONSENT_ACTION, "disclose", "Disclose")]);
    }
    json!({
        "resourceType": "Consent",
        "text": { "status": "generated", "div": xhtml(&format!("<p>{}</p>", escape(&consent_summary(consent)))) },
        "status": status,
        "scope": scope,
        "category": category,
        "patient": reference(patient_url),
        "dateTime": consent.signed_date.to_string(),
        "performer": [reference(patient_url)],
        "policyRule": policy_rule,
        "provision": provision,
    })
}

fn document_reference(
    record: &ExportRecord,
    note: &ExportNote,
    ids: &Ids<'_>,
    patient_url: &str,
    practitioners: &Practitioners,
) -> Value {
    let (type_code, type_display) = note_type(note.content.kind);
    let author = practitioners.author_of(note);
    let mut identifiers = vec![json!({ "system": NOTE_ID_SYSTEM, "value": note.id.to_string() })];
    let (doc_status, date, description) = match &note.signature {
        Some(signature) => {
            if !signature.content_hash.is_empty() {
                identifiers.push(json!({
                    // FHIR's Attachment.hash is a SHA-1; the signature's SHA-256 goes here.
                    "type": { "text": "SHA-256 of the signed note's canonical form (docs/signing.md)" },
                    "system": NOTE_HASH_SYSTEM,
                    "value": signature.content_hash,
                }));
            }
            // An addendum amends a signed note without changing it.
            let status = if note.addenda.is_empty() { "final" } else { "amended" };
            let description =
                format!("{}; SHA-256 {}", signature_line(note).unwrap_or_default(), signature.content_hash);
            (status, instant(&signature.signed_at), description)
        }
        None => ("preliminary", instant(&note.created_at), "Draft: not signed".to_owned()),
    };
    // DocumentReference.securityLabel is a CodeableConcept (Meta.security is a Coding).
    let mut security_labels = vec![concept(CONFIDENTIALITY, "R", "restricted")];
    if note.content.kind == NoteKind::Psychotherapy {
        security_labels.push(concept(ACT_CODE, "PSYTHPN", "psychotherapy note information sensitivity"));
        security_labels.push(concept(ACT_CODE, "PSY", "psychiatry disorder information sensitivity"));
    }
    let text = note_plain_text(record, note);
    let mut document = json!({
        "resourceType": "DocumentReference",
        "identifier": identifiers,
        "status": "current",
        "docStatus": doc_status,
        "type": {
            "coding": [{ "system": LOINC, "code": type_code, "display": type_display }],
            "text": wording::kind_label(note.content.kind),
        },
        "subject": reference(patient_url),
        "date": date,
        "author": [reference(&author.url)],
    });
    if note.signature.is_some() {
        document["authenticator"] = reference(&author.url);
    }
    document["description"] = Value::from(description);
    document["securityLabel"] = Value::Array(security_labels);
    document["content"] = json!([{
        "attachment": {
            "contentType": "text/plain; charset=utf-8",
            "data": BASE64.encode(text.as_bytes()),
            "size": text.len(),
            "title": note_title(note),
            "creation": instant(&note.created_at),
        }
    }]);
    document["context"] = json!({
        "encounter": [reference(&ids.url(&format!("encounter:{}", note.id)))],
        "period": { "start": note.content.session_date.to_string() },
    });
    document
}

// ---- codes and labels ---------------------------------------------------------

/// LOINC document type of each note kind (docs/fhir.md says why each).
fn note_type(kind: NoteKind) -> (&'static str, &'static str) {
    match kind {
        NoteKind::Progress => ("11506-3", "Progress note"),
        NoteKind::Intake => ("34117-2", "History and physical note"),
        NoteKind::TreatmentPlan => ("18776-5", "Plan of care note"),
        NoteKind::Discharge => ("18842-5", "Discharge summary"),
        NoteKind::Contact | NoteKind::Psychotherapy => ("34109-9", "Note"),
    }
}

/// "2025-01-06 · SOAP"
fn note_title(note: &ExportNote) -> String {
    format!("{} · {}", note.content.session_date, wording::template_name(&note.content))
}

/// The note's non-empty sections as (heading, text), in the template's order.
fn note_sections(note: &ExportNote) -> Vec<(String, &str)> {
    wording::sections(&note.content).into_iter().filter(|(_, text)| !text.trim().is_empty()).collect()
}

/// "2025-01-06 at 14:00 (local time), 50 min, in person, CPT 90834"
fn session_summary(note: &ExportNote) -> String {
    let content = &note.content;
    let mut parts = vec![match &content.start_time {
        Some(time) => format!("{} at {time} (local time)", content.session_date),
        None => content.session_date.to_string(),
    }];
    if let Some(minutes) = content.duration_minutes {
        parts.push(format!("{minutes} min"));
    }
    if let Some(modality) = content.modality {
        parts.push(wording::modality_label(modality).to_lowercase());
    }
    if let Some(code) = &content.service_code {
        parts.push(format!("CPT {code}"));
    }
    parts.join(", ")
}

fn signature_line(note: &ExportNote) -> Option<String> {
    note.signature.as_ref().map(|signature| {
        format!(
            "Signed by {} at {}",
            with_credentials(&signature.signed_by, &signature.credentials),
            signature.signed_at
        )
    })
}

fn with_credentials(name: &str, credentials: &str) -> String {
    if credentials.trim().is_empty() { name.to_owned() } else { format!("{name}, {credentials}") }
}

fn consent_summary(consent: &ExportConsent) -> String {
    let kind = match consent.kind {
        ConsentKind::Treatment => "Consent to treatment",
        ConsentKind::Telehealth => "Consent to telehealth",
        ConsentKind::ReleaseOfInformation => "Authorisation to release information",
    };
    let mut summary = format!("{kind} (form {}), signed {}", consent.form_version, consent.signed_date);
    if let Some(expires) = consent.expires_date {
        summary.push_str(&format!(", expires {expires}"));
    }
    if let Some(revoked) = consent.revoked_date {
        summary.push_str(&format!(", revoked {revoked}"));
    }
    if let Some(recipient) = &consent.recipient {
        summary.push_str(&format!(". Recipient: {recipient}"));
    }
    if let Some(scope) = &consent.scope {
        summary.push_str(&format!(". Covers: {scope}"));
    }
    if let Some(purpose) = &consent.purpose {
        summary.push_str(&format!(". Purpose: {purpose}"));
    }
    summary
}

fn disclosure_summary(disclosure: &ExportDisclosure) -> String {
    let purpose = serde_json::to_value(disclosure.purpose)
        .ok()
        .and_then(|value| value.as_str().map(|text| text.replace('_', " ")))
        .unwrap_or_default();
    let mut summary = format!("{} to {}", disclosure.disclosed_on, disclosure.recipient_name);
    if let Some(address) = &disclosure.recipient_address {
        summary.push_str(&format!(" ({address})"));
    }
    summary.push_str(&format!(": {purpose}"));
    if let Some(detail) = &disclosure.purpose_detail {
        summary.push_str(&format!(" ({detail})"));
    }
    summary.push_str(&format!(". {}.", disclosure.description.trim_end_matches('.')));
    match (&disclosure.client_informed, &disclosure.not_informed_reason) {
        (true, _) => summary.push_str(" Client informed."),
        (false, Some(reason)) => summary.push_str(&format!(" Client not informed: {reason}.")),
        (false, None) => summary.push_str(" Client not informed."),
    }
    summary
}

// ---- the note as plain text and as XHTML ---------------------------------------

/// The attachment: what the note says, who signed it and the hash, and its addenda.
fn note_plain_text(record: &ExportRecord, note: &ExportNote) -> String {
    let content = &note.content;
    let mut text = format!("{} · {}\n", wording::kind_label(content.kind), wording::template_name(&note.content));
    text.push_str(&format!("Client: {}\n", record.client.code));
    text.push_str(&format!("Session: {}\n", session_summary(note)));
    if !content.diagnosis_codes.is_empty() {
        text.push_str(&format!("Diagnoses (ICD-10-CM): {}\n", content.diagnosis_codes.join(", ")));
    }
    if let Some(source) = &note.imported_from {
        text.push_str(&format!("Imported from: {source}\n"));
    }
    for (heading, body) in note_sections(note) {
        text.push_str(&format!("\n{heading}\n{}\n", body.trim_end()));
    }
    let risk = wording::risk_findings(&note.content);
    if !risk.is_empty() {
        text.push_str("\nRisk screening\n");
        for (label, finding) in risk {
            text.push_str(&format!("{label}: {finding}\n"));
        }
    }
    match (&note.signature, signature_line(note)) {
        (Some(signature), Some(line)) => {
            text.push_str(&format!("\n{line}\nSHA-256: {}\n", signature.content_hash));
        }
        _ => text.push_str("\nDRAFT: not signed\n"),
    }
    for addendum in &note.addenda {
        text.push_str(&format!(
            "\nAddendum ({}) by {} at {}\n{}\nSHA-256: {}\n",
            addendum.reason,
            with_credentials(&addendum.author, &addendum.author_credentials),
            addendum.created_at,
            addendum.text.trim_end(),
            addendum.content_hash,
        ));
    }
    text
}

/// The Composition section's narrative: the same content as escaped XHTML.
fn note_div(note: &ExportNote) -> String {
    let content = &note.content;
    let mut html = format!(
        "<p><b>{}</b> ({}): {}.</p>",
        escape(wording::kind_label(content.kind)),
        escape(&wording::template_name(&note.content)),
        escape(&session_summary(note))
    );
    if !content.diagnosis_codes.is_empty() {
        html.push_str(&format!("<p>Diagnoses (ICD-10-CM): {}</p>", escape(&content.diagnosis_codes.join(", "))));
    }
    match signature_line(note) {
        Some(line) => html.push_str(&format!("<p>{}.</p>", escape(&line))),
        None => html.push_str("<p><b>Draft</b>: not signed.</p>"),
    }
    for (heading, body) in note_sections(note) {
        html.push_str(&format!("<h3>{}</h3>{}", escape(&heading), paragraphs(body)));
    }
    let risk = wording::risk_findings(&note.content);
    if !risk.is_empty() {
        let items: String =
            risk.iter().map(|(label, finding)| format!("<li>{}: {}</li>", escape(label), escape(finding))).collect();
        html.push_str(&format!("<h3>Risk screening</h3><ul>{items}</ul>"));
    }
    for addendum in &note.addenda {
        html.push_str(&format!(
            "<h3>Addendum: {}</h3><p>By {} at {}.</p>{}",
            escape(&addendum.reason),
            escape(&with_credentials(&addendum.author, &addendum.author_credentials)),
            escape(&addendum.created_at),
            paragraphs(&addendum.text)
        ));
    }
    xhtml(&html)
}

fn xhtml(inner: &str) -> String {
    format!("<div xmlns=\"{XHTML_NAMESPACE}\">{inner}</div>")
}

/// Text as `<p>`s, one per blank-line-separated paragraph, line breaks kept.
fn paragraphs(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| {
            let lines: Vec<String> = paragraph.lines().map(escape).collect();
            format!("<p>{}</p>", lines.join("<br/>"))
        })
        .collect()
}

/// Escapes text for XHTML content and attributes, and drops the control
/// characters XML 1.0 cannot hold at all (a stray one would make the div invalid).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            other => escaped.push(other),
        }
    }
    escaped
}

// ---- time ---------------------------------------------------------------------

fn parse_instant(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// An RFC 3339 time from the vault as a FHIR `instant` (`2025-01-06T15:00:00Z`);
/// anything unparseable is passed through for the validator to catch.
fn instant(text: &str) -> String {
    parse_instant(text).map_or_else(|| text.to_owned(), |time| time.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_note_text_is_escaped_and_xml_control_characters_dropped() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("bell\u{7} tab\t"), "bell tab\t");
        assert_eq!(paragraphs("one\ntwo\n\n\nthree <b>"), "<p>one<br/>two</p><p>three &lt;b&gt;</p>");
    }

    #[test]
    fn ids_are_uuid_shaped_and_depend_on_client_time_and_resource() {
        let ids = Ids { client_code: "C-0007", exported_at: "2026-11-23T17:00:00Z" };
        let url = ids.url("note:1");
        assert_eq!(url, ids.url("note:1"));
        assert_ne!(url, ids.url("note:2"));
        assert_ne!(url, Ids { client_code: "C-0008", ..ids }.url("note:1"));
        let uuid = uuid_of(&url);
        assert_eq!(uuid.len(), 36);
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{uuid}");
        assert_eq!(&uuid[14..15], "8", "version 8: not random");
        assert!("89ab".contains(&uuid[19..20]), "RFC 4122 variant");
    }

    #[test]
    fn contact_is_split_only_when_every_part_is_an_email_or_a_phone_number() {
        assert_eq!(
            telecom("zoe@example.org, 555-0100"),
            json!([{ "system": "email", "value": "zoe@example.org" }, { "system": "phone", "value": "555-0100" }])
        );
        assert_eq!(telecom("12 Mill St, 555-0100"), json!([{ "system": "other", "value": "12 Mill St, 555-0100" }]));
    }

    #[test]
    fn times_become_fhir_instants() {
        assert_eq!(instant("2025-01-06T15:00:00+00:00"), "2025-01-06T15:00:00Z");
        assert_eq!(instant("2025-01-06T15:00:00.250-05:00"), "2025-01-06T15:00:00.250-05:00");
        assert_eq!(instant("yesterday"), "yesterday");
    }
}
