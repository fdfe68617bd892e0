//! Commands for the clinical record: each takes the session, calls the vault and
//! maps to DTOs. No logic lives here.

use confidant_vault::clients::{ClientChanges, NewClient};
use confidant_vault::disclosures::{NewConsent, NewDisclosure};
use confidant_vault::search::SearchQuery;
use confidant_vault::{Session, Vault};
use tauri::State;

use crate::dto::SecretInput;
use crate::error::CommandError;
use crate::record_dto::*;

type CommandResult<T> = Result<T, CommandError>;

fn client_dto(vault: &Vault, client: confidant_vault::clients::Client) -> confidant_vault::Result<ClientDto> {
    let retention_date = vault.retention_date(&client)?;
    Ok(ClientDto::new(client, retention_date))
}

/// Every client, active first.
#[tauri::command(async)]
#[specta::specta]
pub fn client_list(session: State<'_, Session>) -> CommandResult<Vec<ClientDto>> {
    Ok(session.with_vault(|vault| {
        // One policy read for the whole list.
        let policy = vault.retention_policy()?;
        let clients = vault.clients()?;
        Ok(clients
            .into_iter()
            .map(|client| {
                let retention_date = policy.retention_date(&client);
                ClientDto::new(client, retention_date)
            })
            .collect())
    })?)
}

/// Adds a client (code generated when absent).
#[tauri::command(async)]
#[specta::specta]
pub fn client_add(session: State<'_, Session>, client: ClientInput) -> CommandResult<ClientDto> {
    let new = NewClient {
        code: client.code,
        name: client.name,
        birth_date: client.birth_date,
        contact: client.contact,
        intake_date: client.intake_date,
    };
    Ok(session.with_vault(|vault| vault.add_client(new).and_then(|client| client_dto(vault, client)))?)
}

/// Changes a client's code, details or status.
#[tauri::command(async)]
#[specta::specta]
pub fn client_update(session: State<'_, Session>, code: String, changes: ClientInput) -> CommandResult<ClientDto> {
    let changes = ClientChanges {
        code: changes.code,
        name: changes.name,
        birth_date: changes.birth_date,
        contact: changes.contact,
        status: changes.status.map(Into::into),
        intake_date: changes.intake_date,
    };
    Ok(session.with_vault(|vault| vault.update_client(&code, changes).and_then(|client| client_dto(vault, client)))?)
}

/// Opens a client's chart (audited) with its notes, newest first; the place to
/// return to after the next unlock.
#[tauri::command(async)]
#[specta::specta]
pub fn chart_open(session: State<'_, Session>, code: String) -> CommandResult<(ClientDto, Vec<NoteSummaryDto>)> {
    let (client, notes) = session.open_chart(&code)?;
    let client = session.with_vault(|vault| client_dto(vault, client))?;
    Ok((client, notes.into_iter().map(NoteSummaryDto::from).collect()))
}

/// The note templates.
#[tauri::command(async)]
#[specta::specta]
pub fn template_list() -> Vec<TemplateDto> {
    confidant_vault::templates::templates().iter().map(TemplateDto::from).collect()
}

/// Starts a draft; the place to return to after the next unlock.
#[tauri::command(async)]
#[specta::specta]
pub fn note_create(
    session: State<'_, Session>,
    client_code: String,
    content: NoteContentDto,
) -> CommandResult<NoteDto> {
    Ok(session.create_note(&client_code, content.into(), false)?.into())
}

/// Starts a draft from the client's previous note of the same kind and template
/// (`content` gives the kind, template and session date; the rest is copied).
#[tauri::command(async)]
#[specta::specta]
pub fn note_create_from_previous(
    session: State<'_, Session>,
    client_code: String,
    content: NoteContentDto,
) -> CommandResult<NoteDto> {
    Ok(session.create_note(&client_code, content.into(), true)?.into())
}

/// Saves a draft again (autosave), whatever its fields hold; a signed note is
/// refused. Text whose save fails stays with the session (never lost).
#[tauri::command(async)]
#[specta::specta]
pub fn note_save(session: State<'_, Session>, note_id: i32, content: NoteContentDto) -> CommandResult<NoteDto> {
    Ok(session.save_draft(i64::from(note_id), content.into())?.into())
}

/// Opens a note (audited), with any text typed into it that is not saved yet;
/// psychotherapy notes need `session_reauthenticate` first.
#[tauri::command(async)]
#[specta::specta]
pub fn note_open(session: State<'_, Session>, note_id: i32) -> CommandResult<NoteDto> {
    Ok(NoteDto::opened(session.open_note(i64::from(note_id))?))
}

/// What the sign dialog checks: field problems (block) and warnings (may be overridden).
#[tauri::command(async)]
#[specta::specta]
pub fn note_sign_check(session: State<'_, Session>, note_id: i32) -> CommandResult<SignCheckDto> {
    Ok(session.with_vault(|vault| vault.sign_check(i64::from(note_id)))?.into())
}

/// A client's notes including psychotherapy notes (after re-authentication).
#[tauri::command(async)]
#[specta::specta]
pub fn note_list_with_psychotherapy(
    session: State<'_, Session>,
    client_code: String,
) -> CommandResult<Vec<NoteSummaryDto>> {
    Ok(session.with_vault(|vault| {
        vault.require_reauthentication()?;
        Ok(vault.notes_for_client(&client_code, true)?.into_iter().map(NoteSummaryDto::from).collect())
    })?)
}

/// Signs a draft: it never changes again. `warnings_acknowledged`: the therapist
/// read the sign dialog's warnings and chose to sign anyway.
#[tauri::command(async)]
#[specta::specta]
pub fn note_sign(session: State<'_, Session>, note_id: i32, warnings_acknowledged: bool) -> CommandResult<NoteDto> {
    Ok(session.with_vault(|vault| vault.sign_note(i64::from(note_id), warnings_acknowledged))?.into())
}

/// Adds an addendum to a signed note.
#[tauri::command(async)]
#[specta::specta]
pub fn note_add_addendum(
    session: State<'_, Session>,
    note_id: i32,
    reason: String,
    text: String,
) -> CommandResult<AddendumDto> {
    Ok(session.with_vault(|vault| vault.add_addendum(i64::from(note_id), &reason, &text))?.into())
}

/// The saved revisions of a draft, newest first.
#[tauri::command(async)]
#[specta::specta]
pub fn note_revisions(session: State<'_, Session>, note_id: i32) -> CommandResult<Vec<RevisionDto>> {
    Ok(session
        .with_vault(|vault| vault.note_revisions(i64::from(note_id)))?
        .into_iter()
        .map(RevisionDto::from)
        .collect())
}

/// Discards a draft (audited).
#[tauri::command(async)]
#[specta::specta]
pub fn note_delete_draft(session: State<'_, Session>, note_id: i32) -> CommandResult<()> {
    session.with_vault(|vault| vault.delete_draft(i64::from(note_id)))?;
    session.leave_place(true);
    Ok(())
}

/// Where the therapist was before the lock, and what happened to text a lock
/// could not save; asked once after unlocking.
#[tauri::command(async)]
#[specta::specta]
pub fn workspace_resume(session: State<'_, Session>) -> Option<ResumeDto> {
    session.resume().map(ResumeDto::from)
}

/// Enters the passphrase again, for psychotherapy notes (valid five minutes).
#[tauri::command(async)]
#[specta::specta]
pub fn session_reauthenticate(session: State<'_, Session>, passphrase: SecretInput) -> CommandResult<()> {
    let passphrase = passphrase.into_passphrase();
    Ok(session.with_vault(|vault| vault.reauthenticate(&passphrase))?)
}

/// Searches notes, addenda and client codes.
#[tauri::command(async)]
#[specta::specta]
pub fn search_notes(session: State<'_, Session>, query: SearchInput) -> CommandResult<Vec<SearchHitDto>> {
    let query = SearchQuery {
        text: query.text,
        client_code: query.client_code,
        kinds: query.kinds.into_iter().map(Into::into).collect(),
        from: query.from,
        to: query.to,
        include_psychotherapy: query.include_psychotherapy,
        limit: query.limit,
        hide_names: query.hide_names,
    };
    Ok(session.with_vault(|vault| vault.search(&query))?.into_iter().map(SearchHitDto::from).collect())
}

/// The signer written on signatures, if set.
#[tauri::command(async)]
#[specta::specta]
pub fn signer_get(session: State<'_, Session>) -> CommandResult<Option<SignerDto>> {
    Ok(session.with_vault(|vault| vault.signer())?.map(|(name, credentials)| SignerDto { name, credentials }))
}

/// Sets the signer's name and credentials.
#[tauri::command(async)]
#[specta::specta]
pub fn signer_set(session: State<'_, Session>, signer: SignerDto) -> CommandResult<()> {
    Ok(session.with_vault(|vault| vault.set_signer(&signer.name, &signer.credentials))?)
}

/// A client's consents.
#[tauri::command(async)]
#[specta::specta]
pub fn consent_list(session: State<'_, Session>, client_code: String) -> CommandResult<Vec<ConsentDto>> {
    Ok(session.with_vault(|vault| vault.consents(&client_code))?.into_iter().map(ConsentDto::from).collect())
}

/// Records a consent.
#[tauri::command(async)]
#[specta::specta]
pub fn consent_add(session: State<'_, Session>, client_code: String, consent: ConsentDto) -> CommandResult<ConsentDto> {
    let new = NewConsent {
        kind: consent.kind.into(),
        form_version: consent.form_version,
        signed_date: consent.signed_date,
        expires_date: consent.expires_date,
        scope: consent.scope,
        recipient: consent.recipient,
        purpose: consent.purpose,
    };
    Ok(session.with_vault(|vault| vault.add_consent(&client_code, new))?.into())
}

/// Revokes a consent.
#[tauri::command(async)]
#[specta::specta]
pub fn consent_revoke(
    session: State<'_, Session>,
    consent_id: i32,
    revoked_on: chrono::NaiveDate,
) -> CommandResult<ConsentDto> {
    Ok(session.with_vault(|vault| vault.revoke_consent(i64::from(consent_id), revoked_on))?.into())
}

/// A client's disclosures.
#[tauri::command(async)]
#[specta::specta]
pub fn disclosure_list(session: State<'_, Session>, client_code: String) -> CommandResult<Vec<DisclosureDto>> {
    Ok(session.with_vault(|vault| vault.disclosures(&client_code))?.into_iter().map(DisclosureDto::from).collect())
}

/// Records a disclosure.
#[tauri::command(async)]
#[specta::specta]
pub fn disclosure_add(
    session: State<'_, Session>,
    client_code: String,
    disclosure: DisclosureDto,
) -> CommandResult<DisclosureDto> {
    let new = NewDisclosure {
        disclosed_on: disclosure.disclosed_on,
        recipient_name: disclosure.recipient_name,
        recipient_address: disclosure.recipient_address,
        purpose: disclosure.purpose.into(),
        purpose_detail: disclosure.purpose_detail,
        description: disclosure.description,
        consent_id: disclosure.consent_id.map(i64::from),
        note_ids: disclosure.note_ids.into_iter().map(i64::from).collect(),
        client_informed: disclosure.client_informed,
        not_informed_reason: disclosure.not_informed_reason,
    };
    Ok(session.with_vault(|vault| vault.add_disclosure(&client_code, new))?.into())
}

/// The accounting of disclosures for the six years up to `to` (audited).
#[tauri::command(async)]
#[specta::specta]
pub fn disclosure_accounting(
    session: State<'_, Session>,
    client_code: String,
    to: chrono::NaiveDate,
) -> CommandResult<AccountingDto> {
    Ok(session.with_vault(|vault| vault.accounting_of_disclosures(&client_code, to))?.into())
}

/// The retention policy.
#[tauri::command(async)]
#[specta::specta]
pub fn retention_policy_get(session: State<'_, Session>) -> CommandResult<RetentionPolicyDto> {
    Ok(session.with_vault(|vault| vault.retention_policy())?.into())
}

/// Changes the retention policy.
#[tauri::command(async)]
#[specta::specta]
pub fn retention_policy_set(session: State<'_, Session>, policy: RetentionPolicyDto) -> CommandResult<()> {
    Ok(session.with_vault(|vault| vault.set_retention_policy(policy.into()))?)
}

/// Clients due for destruction as of `today`.
#[tauri::command(async)]
#[specta::specta]
pub fn retention_due(session: State<'_, Session>, today: chrono::NaiveDate) -> CommandResult<Vec<DueClientDto>> {
    Ok(session.with_vault(|vault| vault.due_for_destruction(today))?.into_iter().map(DueClientDto::from).collect())
}

/// Keeps one client's record until a date, with a reason.
#[tauri::command(async)]
#[specta::specta]
pub fn retention_override(
    session: State<'_, Session>,
    code: String,
    keep_until: chrono::NaiveDate,
    reason: String,
) -> CommandResult<()> {
    Ok(session.with_vault(|vault| vault.override_retention(&code, keep_until, &reason))?)
}

/// Destroys a client's whole record; `confirmation` must be its code.
#[tauri::command(async)]
#[specta::specta]
pub fn client_destroy(
    session: State<'_, Session>,
    code: String,
    confirmation: String,
) -> CommandResult<DestructionDto> {
    Ok(session.with_vault(|vault| vault.destroy_client(&code, &confirmation))?.into())
}
