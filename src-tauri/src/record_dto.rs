//! DTOs for the clinical record: the vault's types, shaped for the UI and typed
//! for the generated bindings. Conversions only; no logic.

use std::collections::BTreeMap;

use confidant_vault::clients::Client;
use confidant_vault::disclosures::{Accounting, Consent, Disclosure};
use confidant_vault::notes::{
    Addendum, FieldProblem, Note, NoteContent, NoteSummary, Revision, SignCheck, SignWarning,
};
use confidant_vault::retention::{DestructionRecord, DueClient, RetentionPolicy};
use confidant_vault::search::{SearchHit, SnippetPart};
use confidant_vault::templates::Template;
use serde::{Deserialize, Serialize};

/// Mirrors a vault enum as a typed, snake_case string union for the bindings,
/// with conversions both ways (the vault crate knows nothing of specta).
#[macro_export]
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $vault:path { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl From<$vault> for $name {
            fn from(value: $vault) -> Self {
                use $vault as Vault;
                match value { $(Vault::$variant => $name::$variant),+ }
            }
        }

        impl From<$name> for $vault {
            fn from(value: $name) -> Self {
                use $vault as Vault;
                match value { $($name::$variant => Vault::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// Active or discharged.
    ClientStatus <=> confidant_vault::clients::ClientStatus { Active, Discharged }
);
mirror_enum!(
    /// The kind of note.
    NoteKind <=> confidant_vault::notes::NoteKind { Progress, Intake, TreatmentPlan, Discharge, Contact, Psychotherapy }
);
mirror_enum!(
    /// In person, video or phone.
    Modality <=> confidant_vault::notes::Modality { InPerson, Video, Phone }
);
mirror_enum!(
    /// Draft or signed.
    NoteStatus <=> confidant_vault::notes::NoteStatus { Draft, Signed }
);
mirror_enum!(
    /// A field of the note editor, for putting a problem beside it.
    NoteField <=> confidant_vault::notes::NoteField {
        SessionDate, StartTime, DurationMinutes, ServiceCode, DiagnosisCodes, Risk, Section, Note
    }
);
mirror_enum!(
    /// What a sign-dialog warning is about.
    SignWarningKind <=> confidant_vault::notes::SignWarningKind {
        EmptySection, MinutesMissing, CodeDoesNotFitMinutes, RiskUnanswered, RepeatsEarlierNote, SessionInFuture
    }
);
mirror_enum!(
    /// Treatment, telehealth or release of information.
    ConsentKind <=> confidant_vault::disclosures::ConsentKind { Treatment, Telehealth, ReleaseOfInformation }
);
mirror_enum!(
    /// The purpose or legal basis of a disclosure.
    DisclosurePurpose <=> confidant_vault::disclosures::DisclosurePurpose {
        ClientAuthorization, CourtOrder, MandatedReport, DutyToWarn, Consultation, TransferOfCare, Other
    }
);

/// A client as the list and chart show it.
#[derive(Debug, Serialize, specta::Type)]
pub struct ClientDto {
    pub id: i32,
    pub code: String,
    pub name: Option<String>,
    pub birth_date: Option<String>,
    pub contact: Option<String>,
    pub status: ClientStatus,
    pub intake_date: Option<String>,
    pub last_service_date: Option<String>,
    pub n_notes: u32,
    /// Keep until (policy or override); absent before the first session.
    pub retention_date: Option<String>,
}

impl ClientDto {
    pub fn new(client: Client, retention_date: Option<chrono::NaiveDate>) -> Self {
        ClientDto {
            id: to_i32(client.id),
            code: client.code,
            name: client.name,
            birth_date: client.birth_date.map(|date| date.to_string()),
            contact: client.contact,
            status: client.status.into(),
            intake_date: client.intake_date.map(|date| date.to_string()),
            last_service_date: client.last_service_date.map(|date| date.to_string()),
            n_notes: client.n_notes,
            retention_date: retention_date.map(|date| date.to_string()),
        }
    }
}

/// A new client or changes to one, as the form sends them.
#[derive(Debug, Deserialize, specta::Type)]
pub struct ClientInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub contact: Option<String>,
    pub intake_date: Option<chrono::NaiveDate>,
    pub status: Option<ClientStatus>,
}

/// A note's content, both ways.
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub struct NoteContentDto {
    pub kind: NoteKind,
    pub template: String,
    pub session_date: chrono::NaiveDate,
    pub start_time: Option<String>,
    pub duration_minutes: Option<u32>,
    pub modality: Option<Modality>,
    pub service_code: Option<String>,
    pub diagnosis_codes: Vec<String>,
    pub risk: BTreeMap<String, String>,
    pub sections: BTreeMap<String, String>,
}

impl From<NoteContent> for NoteContentDto {
    fn from(content: NoteContent) -> Self {
        NoteContentDto {
            kind: content.kind.into(),
            template: content.template,
            session_date: content.session_date,
            start_time: content.start_time,
            duration_minutes: content.duration_minutes,
            modality: content.modality.map(Into::into),
            service_code: content.service_code,
            diagnosis_codes: content.diagnosis_codes,
            risk: content.risk,
            sections: content.sections,
        }
    }
}

impl From<NoteContentDto> for NoteContent {
    fn from(content: NoteContentDto) -> Self {
        NoteContent {
            kind: content.kind.into(),
            template: content.template,
            session_date: content.session_date,
            start_time: content.start_time,
            duration_minutes: content.duration_minutes,
            modality: content.modality.map(Into::into),
            service_code: content.service_code,
            diagnosis_codes: content.diagnosis_codes,
            risk: content.risk,
            sections: content.sections,
        }
    }
}

/// A signature.
#[derive(Debug, Serialize, specta::Type)]
pub struct SignatureDto {
    pub signed_by: String,
    pub credentials: String,
    pub signed_at: String,
    pub content_hash: String,
}

/// An addendum.
#[derive(Debug, Serialize, specta::Type)]
pub struct AddendumDto {
    pub id: i32,
    pub reason: String,
    pub text: String,
    pub author: String,
    pub author_credentials: String,
    pub created_at: String,
    pub content_hash: String,
}

impl From<Addendum> for AddendumDto {
    fn from(addendum: Addendum) -> Self {
        AddendumDto {
            id: to_i32(addendum.id),
            reason: addendum.reason,
            text: addendum.text,
            author: addendum.author,
            author_credentials: addendum.author_credentials,
            created_at: addendum.created_at,
            content_hash: addendum.content_hash,
        }
    }
}

/// A problem that blocks signing, shown beside its field.
#[derive(Debug, Serialize, specta::Type)]
pub struct FieldProblemDto {
    pub field: NoteField,
    /// The section key or risk item.
    pub key: Option<String>,
    pub message: String,
}

impl From<FieldProblem> for FieldProblemDto {
    fn from(problem: FieldProblem) -> Self {
        FieldProblemDto { field: problem.field.into(), key: problem.key, message: problem.message }
    }
}

/// A sign-dialog warning (the therapist may sign anyway).
#[derive(Debug, Serialize, specta::Type)]
pub struct SignWarningDto {
    pub kind: SignWarningKind,
    pub key: Option<String>,
    pub message: String,
}

impl From<SignWarning> for SignWarningDto {
    fn from(warning: SignWarning) -> Self {
        SignWarningDto { kind: warning.kind.into(), key: warning.key, message: warning.message }
    }
}

/// What the sign dialog shows.
#[derive(Debug, Serialize, specta::Type)]
pub struct SignCheckDto {
    pub problems: Vec<FieldProblemDto>,
    pub warnings: Vec<SignWarningDto>,
}

impl From<SignCheck> for SignCheckDto {
    fn from(check: SignCheck) -> Self {
        SignCheckDto {
            problems: check.problems.into_iter().map(Into::into).collect(),
            warnings: check.warnings.into_iter().map(Into::into).collect(),
        }
    }
}

/// The earlier note a draft was started from.
#[derive(Debug, Serialize, specta::Type)]
pub struct CopiedFromDto {
    pub note_id: i32,
    pub session_date: String,
}

/// A whole note.
#[derive(Debug, Serialize, specta::Type)]
pub struct NoteDto {
    pub id: i32,
    pub client_code: String,
    pub content: NoteContentDto,
    pub status: NoteStatus,
    pub signature: Option<SignatureDto>,
    pub addenda: Vec<AddendumDto>,
    pub created_at: String,
    pub updated_at: String,
    /// For a note that came in with a transfer file: the record it came from
    /// (client code, export time, app version).
    pub imported_from: Option<String>,
    /// What blocks signing, field by field (drafts only).
    pub problems: Vec<FieldProblemDto>,
    /// The note a draft was started from, if it was copied forward.
    pub copied_from: Option<CopiedFromDto>,
    /// Sections still word for word as copied.
    pub copied_sections: Vec<String>,
    /// Text typed into this draft that is not in the database yet (its save
    /// failed, e.g. on a full disk): the editor shows this instead of `content`.
    pub unsaved_content: Option<NoteContentDto>,
}

impl NoteDto {
    /// A note opened in the editor, with text not yet saved if there is some.
    pub fn opened((note, unsaved): (Note, Option<NoteContent>)) -> Self {
        NoteDto { unsaved_content: unsaved.map(Into::into), ..note.into() }
    }
}

impl From<Note> for NoteDto {
    fn from(note: Note) -> Self {
        NoteDto {
            id: to_i32(note.id),
            client_code: note.client_code,
            content: note.content.into(),
            status: note.status.into(),
            signature: note.signature.map(|signature| SignatureDto {
                signed_by: signature.signed_by,
                credentials: signature.credentials,
                signed_at: signature.signed_at,
                content_hash: signature.content_hash,
            }),
            addenda: note.addenda.into_iter().map(AddendumDto::from).collect(),
            created_at: note.created_at,
            updated_at: note.updated_at,
            imported_from: note.imported_from,
            problems: note.problems.into_iter().map(Into::into).collect(),
            copied_from: note.copied_from.map(|copied| CopiedFromDto {
                note_id: to_i32(copied.note_id),
                session_date: copied.session_date.to_string(),
            }),
            copied_sections: note.copied_sections,
            unsaved_content: None,
        }
    }
}

/// A line of the chart's timeline.
#[derive(Debug, Serialize, specta::Type)]
pub struct NoteSummaryDto {
    pub id: i32,
    pub kind: NoteKind,
    pub template: String,
    pub session_date: String,
    pub status: NoteStatus,
    pub n_addenda: u32,
    /// Whether it came in with a transfer file from another vault.
    pub imported: bool,
    pub start_time: Option<String>,
    pub duration_minutes: Option<u32>,
    pub service_code: Option<String>,
    /// The first words (record text: hidden in discreet mode).
    pub preview: String,
    /// Nothing written yet.
    pub empty: bool,
}

impl From<NoteSummary> for NoteSummaryDto {
    fn from(note: NoteSummary) -> Self {
        NoteSummaryDto {
            id: to_i32(note.id),
            kind: note.kind.into(),
            template: note.template,
            session_date: note.session_date.to_string(),
            status: note.status.into(),
            n_addenda: note.n_addenda,
            imported: note.imported,
            start_time: note.start_time,
            duration_minutes: note.duration_minutes,
            service_code: note.service_code,
            preview: note.preview,
            empty: note.empty,
        }
    }
}

/// A saved draft revision.
#[derive(Debug, Serialize, specta::Type)]
pub struct RevisionDto {
    pub id: i32,
    pub saved_at: String,
    pub content: NoteContentDto,
}

impl From<Revision> for RevisionDto {
    fn from(revision: Revision) -> Self {
        RevisionDto { id: to_i32(revision.id), saved_at: revision.saved_at, content: revision.content.into() }
    }
}

/// A template and its sections.
#[derive(Debug, Serialize, specta::Type)]
pub struct TemplateDto {
    pub id: String,
    pub name: String,
    pub kinds: Vec<NoteKind>,
    /// The kinds it is the first choice for.
    pub default_for: Vec<NoteKind>,
    pub sections: Vec<TemplateSectionDto>,
}

/// A template section.
#[derive(Debug, Serialize, specta::Type)]
pub struct TemplateSectionDto {
    pub key: String,
    pub heading: String,
    pub hint: String,
}

impl From<&Template> for TemplateDto {
    fn from(template: &Template) -> Self {
        TemplateDto {
            id: template.id.clone(),
            name: template.name.clone(),
            kinds: template.kinds.iter().map(|kind| (*kind).into()).collect(),
            default_for: template.default_for.iter().map(|kind| (*kind).into()).collect(),
            sections: template
                .sections
                .iter()
                .map(|section| TemplateSectionDto {
                    key: section.key.clone(),
                    heading: section.heading.clone(),
                    hint: section.hint.clone(),
                })
                .collect(),
        }
    }
}

/// What the search palette sends.
#[derive(Debug, Deserialize, specta::Type)]
pub struct SearchInput {
    pub text: String,
    pub client_code: Option<String>,
    pub kinds: Vec<NoteKind>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    pub include_psychotherapy: bool,
    pub limit: Option<u32>,
    /// Discreet mode: never a name in the snippets.
    pub hide_names: bool,
}

/// A piece of a snippet.
#[derive(Debug, Serialize, specta::Type)]
pub struct SnippetPartDto {
    pub text: String,
    pub matched: bool,
}

/// A search result.
#[derive(Debug, Serialize, specta::Type)]
pub struct SearchHitDto {
    pub note_id: i32,
    pub client_code: String,
    pub kind: NoteKind,
    pub session_date: String,
    pub status: NoteStatus,
    pub snippet: Vec<SnippetPartDto>,
}

impl From<SearchHit> for SearchHitDto {
    fn from(hit: SearchHit) -> Self {
        SearchHitDto {
            note_id: to_i32(hit.note_id),
            client_code: hit.client_code,
            kind: hit.kind.into(),
            session_date: hit.session_date.to_string(),
            status: hit.status.into(),
            snippet: hit
                .snippet
                .into_iter()
                .map(|SnippetPart { text, matched }| SnippetPartDto { text, matched })
                .collect(),
        }
    }
}

/// A consent, both ways (id and revoked date are ignored on input).
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub struct ConsentDto {
    pub id: Option<i32>,
    pub kind: ConsentKind,
    pub form_version: String,
    pub signed_date: chrono::NaiveDate,
    pub expires_date: Option<chrono::NaiveDate>,
    pub scope: Option<String>,
    pub recipient: Option<String>,
    pub revoked_date: Option<chrono::NaiveDate>,
    /// What a release is for.
    pub purpose: Option<String>,
}

impl From<Consent> for ConsentDto {
    fn from(consent: Consent) -> Self {
        ConsentDto {
            id: Some(to_i32(consent.id)),
            kind: consent.kind.into(),
            form_version: consent.form_version,
            signed_date: consent.signed_date,
            expires_date: consent.expires_date,
            scope: consent.scope,
            recipient: consent.recipient,
            revoked_date: consent.revoked_date,
            purpose: consent.purpose,
        }
    }
}

/// A disclosure, both ways (id is ignored on input).
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub struct DisclosureDto {
    pub id: Option<i32>,
    pub disclosed_on: chrono::NaiveDate,
    pub recipient_name: String,
    pub recipient_address: Option<String>,
    pub purpose: DisclosurePurpose,
    pub purpose_detail: Option<String>,
    pub description: String,
    pub consent_id: Option<i32>,
    pub note_ids: Vec<i32>,
    pub client_informed: bool,
    pub not_informed_reason: Option<String>,
    /// Recorded by the sending clinician (came in with a transfer file); ignored on input.
    #[serde(default)]
    pub imported: bool,
}

impl From<Disclosure> for DisclosureDto {
    fn from(disclosure: Disclosure) -> Self {
        DisclosureDto {
            id: Some(to_i32(disclosure.id)),
            disclosed_on: disclosure.disclosed_on,
            recipient_name: disclosure.recipient_name,
            recipient_address: disclosure.recipient_address,
            purpose: disclosure.purpose.into(),
            purpose_detail: disclosure.purpose_detail,
            description: disclosure.description,
            consent_id: disclosure.consent_id.map(to_i32),
            note_ids: disclosure.note_ids.into_iter().map(to_i32).collect(),
            client_informed: disclosure.client_informed,
            not_informed_reason: disclosure.not_informed_reason,
            imported: disclosure.imported,
        }
    }
}

/// The accounting of disclosures.
#[derive(Debug, Serialize, specta::Type)]
pub struct AccountingDto {
    pub client_code: String,
    pub from: String,
    pub to: String,
    pub disclosures: Vec<DisclosureDto>,
}

impl From<Accounting> for AccountingDto {
    fn from(accounting: Accounting) -> Self {
        AccountingDto {
            client_code: accounting.client_code,
            from: accounting.from.to_string(),
            to: accounting.to.to_string(),
            disclosures: accounting.disclosures.into_iter().map(DisclosureDto::from).collect(),
        }
    }
}

/// The retention policy, both ways.
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub struct RetentionPolicyDto {
    pub years_after_last_service: u32,
    pub age_of_majority: u32,
    pub years_after_majority: u32,
}

impl From<RetentionPolicy> for RetentionPolicyDto {
    fn from(policy: RetentionPolicy) -> Self {
        RetentionPolicyDto {
            years_after_last_service: policy.years_after_last_service,
            age_of_majority: policy.age_of_majority,
            years_after_majority: policy.years_after_majority,
        }
    }
}

impl From<RetentionPolicyDto> for RetentionPolicy {
    fn from(policy: RetentionPolicyDto) -> Self {
        RetentionPolicy {
            years_after_last_service: policy.years_after_last_service,
            age_of_majority: policy.age_of_majority,
            years_after_majority: policy.years_after_majority,
        }
    }
}

/// A client due for destruction.
#[derive(Debug, Serialize, specta::Type)]
pub struct DueClientDto {
    pub code: String,
    pub retention_date: String,
    pub overridden: bool,
    pub last_service_date: Option<String>,
}

impl From<DueClient> for DueClientDto {
    fn from(client: DueClient) -> Self {
        DueClientDto {
            code: client.code,
            retention_date: client.retention_date.to_string(),
            overridden: client.overridden,
            last_service_date: client.last_service_date.map(|date| date.to_string()),
        }
    }
}

/// What a destruction removed.
#[derive(Debug, Serialize, specta::Type)]
pub struct DestructionDto {
    pub client_code: String,
    pub first_session: Option<String>,
    pub last_session: Option<String>,
    pub n_notes: u32,
    pub n_addenda: u32,
    pub n_consents: u32,
    pub n_disclosures: u32,
    pub destroyed_at: String,
}

impl From<DestructionRecord> for DestructionDto {
    fn from(record: DestructionRecord) -> Self {
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        DestructionDto {
            client_code: record.client_code,
            first_session: record.first_session.map(|date| date.to_string()),
            last_session: record.last_session.map(|date| date.to_string()),
            n_notes: count(record.n_notes),
            n_addenda: count(record.n_addenda),
            n_consents: count(record.n_consents),
            n_disclosures: count(record.n_disclosures),
            destroyed_at: record.destroyed_at,
        }
    }
}

/// Where to return after an unlock, and what became of text a lock could not save.
#[derive(Debug, Serialize, specta::Type)]
pub struct ResumeDto {
    /// The chart that was open (client code), if any.
    pub client_code: Option<String>,
    /// The note that was open in it, if any.
    pub note_id: Option<i32>,
    /// Drafts whose unsaved text the unlock put back into the database.
    pub restored_note_ids: Vec<i32>,
    /// Drafts whose text is still waiting to be saved (the disk is still full).
    pub waiting_note_ids: Vec<i32>,
    /// Unsaved drafts of a client destroyed meanwhile.
    pub n_dropped: u32,
}

impl From<(Option<confidant_vault::Place>, confidant_vault::RescuedDrafts)> for ResumeDto {
    fn from((place, rescued): (Option<confidant_vault::Place>, confidant_vault::RescuedDrafts)) -> Self {
        ResumeDto {
            client_code: place.as_ref().map(|place| place.client_code.clone()),
            note_id: place.and_then(|place| place.note_id).map(to_i32),
            restored_note_ids: rescued.restored_note_ids.into_iter().map(to_i32).collect(),
            waiting_note_ids: rescued.waiting_note_ids.into_iter().map(to_i32).collect(),
            n_dropped: u32::try_from(rescued.n_dropped).unwrap_or(u32::MAX),
        }
    }
}

/// The signer written on signatures.
#[derive(Debug, Serialize, Deserialize, specta::Type)]
pub struct SignerDto {
    pub name: String,
    pub credentials: String,
}

/// Ids cross as 32-bit numbers (TypeScript numbers are exact to 2^53; specta
/// refuses i64 without a BigInt opt-in). Row ids will not reach 2^31.
pub fn to_i32(id: i64) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The UI's strings must be the vault's own (the CLI's JSON uses those too).
    fn same_name<T: Serialize, V: Serialize>(ours: T, vault: V) {
        assert_eq!(serde_json::to_value(ours).expect("ours"), serde_json::to_value(vault).expect("vault's"));
    }

    #[test]
    fn mirrored_enums_cross_with_the_vaults_names_both_ways() {
        use confidant_vault::notes::NoteKind as VaultKind;
        for kind in [
            VaultKind::Progress,
            VaultKind::Intake,
            VaultKind::TreatmentPlan,
            VaultKind::Discharge,
            VaultKind::Contact,
            VaultKind::Psychotherapy,
        ] {
            let ours = NoteKind::from(kind);
            same_name(ours, kind);
            assert_eq!(VaultKind::from(ours), kind);
        }
        use confidant_vault::disclosures::DisclosurePurpose as VaultPurpose;
        for purpose in [VaultPurpose::ClientAuthorization, VaultPurpose::DutyToWarn, VaultPurpose::TransferOfCare] {
            same_name(DisclosurePurpose::from(purpose), purpose);
        }
        same_name(
            Modality::from(confidant_vault::notes::Modality::InPerson),
            confidant_vault::notes::Modality::InPerson,
        );
    }

    #[test]
    fn every_template_reaches_the_ui_with_its_sections() {
        let templates: Vec<TemplateDto> =
            confidant_vault::templates::templates().iter().map(TemplateDto::from).collect();
        assert!(templates.len() >= 8);
        let soap = templates.iter().find(|template| template.id == "soap").expect("soap");
        assert_eq!(soap.sections.len(), 4);
        assert!(soap.kinds.contains(&NoteKind::Progress));
    }
}
