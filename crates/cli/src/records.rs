//! `confidant client …`, `note …` and `signer …`: the clinical record from the
//! command line. Each command unlocks, does one thing, and locks again.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;
use confidant_vault::clients::NewClient;
use confidant_vault::notes::{Modality, NoteContent, NoteKind};
use confidant_vault::{Passphrase, Vault};
use serde::Serialize;

use crate::Failure;

/// `confidant client …`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Add a client; prints its code.
    Add {
        /// The code (default: the next C-NNNN).
        #[arg(long)]
        code: Option<String>,
        /// Full name (optional; the app shows codes by default).
        #[arg(long)]
        name: Option<String>,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        birth_date: Option<NaiveDate>,
        /// Phone, e-mail or address.
        #[arg(long)]
        contact: Option<String>,
        /// Intake date, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        intake_date: Option<NaiveDate>,
    },
    /// List clients (codes, status, last service; names only with --names).
    List {
        /// Show names too.
        #[arg(long)]
        names: bool,
    },
    /// Show one client and their notes (opening the chart is audited).
    Show {
        /// The client's code.
        code: String,
    },
    /// Change a client's code, details or status.
    Edit {
        /// The client's code.
        code: String,
        /// A new code.
        #[arg(long)]
        new_code: Option<String>,
        /// A new name ("" clears it).
        #[arg(long)]
        name: Option<String>,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        birth_date: Option<NaiveDate>,
        /// Contact details ("" clears them).
        #[arg(long)]
        contact: Option<String>,
        /// active or discharged.
        #[arg(long)]
        status: Option<String>,
        /// Intake date, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        intake_date: Option<NaiveDate>,
    },
    /// Destroy a client's whole record (end of retention). Cannot be undone.
    Destroy {
        /// The client's code.
        code: String,
        /// The code again, to confirm (asked for on a terminal when absent).
        #[arg(long, value_name = "CODE")]
        confirm: Option<String>,
    },
}

/// `confidant retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Clients whose retention period has ended.
    Due {
        /// Check as of this date (default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
    },
    /// Show or change the retention policy.
    Policy {
        /// Years kept after the last service.
        #[arg(long)]
        years: Option<u32>,
        /// Age of majority.
        #[arg(long)]
        majority_age: Option<u32>,
        /// Years kept after the client reaches majority.
        #[arg(long)]
        years_after_majority: Option<u32>,
    },
    /// Keep one client's record until a date (e.g. a legal hold); needs a reason.
    Override {
        /// The client's code.
        code: String,
        /// Keep until, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        until: NaiveDate,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `confidant note …`
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a draft note; prints its id.
    Add {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// Template id (soap, dap, birp, girp, free, intake, treatment_plan, discharge).
        #[arg(long)]
        template: String,
        /// Kind: progress, intake, treatment_plan, discharge, contact, psychotherapy.
        #[arg(long, default_value = "progress")]
        kind: String,
        /// Session date, YYYY-MM-DD (default: today).
        #[arg(long, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Start time, HH:MM.
        #[arg(long, value_name = "HH:MM")]
        start: Option<String>,
        /// Duration in minutes.
        #[arg(long, value_name = "MINUTES")]
        duration: Option<u32>,
        /// in_person, video or phone.
        #[arg(long)]
        modality: Option<String>,
        /// CPT service code, e.g. 90837.
        #[arg(long)]
        cpt: Option<String>,
        /// ICD-10 diagnosis code (repeatable).
        #[arg(long)]
        icd: Vec<String>,
        /// A section as NAME=TEXT (repeatable).
        #[arg(long = "section", value_name = "NAME=TEXT")]
        sections: Vec<String>,
        /// A JSON file with the sections: {"subjective": "…", "plan": "…"}.
        #[arg(long, value_name = "PATH", conflicts_with = "sections")]
        file: Option<PathBuf>,
    },
    /// List a client's notes, newest first.
    List {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// Include psychotherapy notes.
        #[arg(long)]
        include_psychotherapy: bool,
    },
    /// Show a note with its signature and addenda (audited).
    Show {
        /// Note id.
        id: i64,
    },
    /// Sign a draft: it never changes again. Field problems (a code that cannot
    /// be valid) refuse; the sign dialog's warnings (empty sections, minutes, a
    /// time code that does not fit, unanswered risk items, text repeated from the
    /// previous note) are printed and refuse unless --accept-warnings is given.
    Sign {
        /// Note id.
        id: i64,
        /// Sign although there are warnings (recorded in the audit log).
        #[arg(long)]
        accept_warnings: bool,
    },
    /// Add an addendum to a signed note.
    Addendum {
        /// Note id.
        id: i64,
        /// Why the addendum is needed.
        #[arg(long)]
        reason: String,
        /// What it says.
        #[arg(long)]
        text: String,
    },
}

/// `confidant signer …`
#[derive(Debug, Subcommand)]
pub enum SignerCommand {
    /// Set the name and credentials written on signatures.
    Set {
        /// Full name.
        #[arg(long)]
        name: String,
        /// Credentials, e.g. "PsyD, Licensed Psychologist".
        #[arg(long, default_value = "")]
        credentials: String,
    },
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value).map_err(|error| Failure::Other(error.into()))?;
    println!("{text}");
    Ok(())
}

pub fn client(vault: &mut Vault, command: ClientCommand, json: bool) -> Result<(), Failure> {
    match command {
        ClientCommand::Add { code, name, birth_date, contact, intake_date } => {
            let client = vault.add_client(NewClient { code, name, birth_date, contact, intake_date })?;
            if json { print_json(&client)? } else { println!("{}", client.code) }
        }
        ClientCommand::List { names } => {
            let clients = vault.clients()?;
            if json {
                let shown: Vec<_> = clients
                    .into_iter()
                    .map(|mut client| {
                        if !names {
                            client.name = None;
                        }
                        client
                    })
                    .collect();
                print_json(&shown)?;
            } else {
                for client in clients {
                    let last = client.last_service_date.map(|date| date.to_string()).unwrap_or_else(|| "—".to_owned());
                    let name = if names { client.name.unwrap_or_default() } else { String::new() };
                    println!(
                        "{:<12} {:<10} last service {:<10}  {:>4} notes  {name}",
                        client.code,
                        format!("{:?}", client.status).to_lowercase(),
                        last,
                        client.n_notes
                    );
                }
            }
        }
        ClientCommand::Show { code } => {
            let client = vault.open_client(&code)?;
            let notes = vault.notes_for_client(&client.code, false)?;
            if json {
                print_json(&serde_json::json!({ "client": client, "notes": notes }))?;
            } else {
                println!("{}  ({:?})", client.code, client.status);
                for note in notes {
                    println!(
                        "  #{:<6} {}  {:<14} {:<8} {:?}",
                        note.id,
                        note.session_date,
                        note.kind.as_str(),
                        note.template,
                        note.status
                    );
                }
            }
        }
        ClientCommand::Edit { code, new_code, name, birth_date, contact, status, intake_date } => {
            let changes = confidant_vault::clients::ClientChanges {
                code: new_code,
                name,
                birth_date,
                contact,
                status: status.map(|status| parse_name("status", &status)).transpose()?,
                intake_date,
            };
            let client = vault.update_client(&code, changes)?;
            if json { print_json(&client)? } else { println!("{}", client.code) }
        }
        ClientCommand::Destroy { code, confirm } => {
            let confirmation = match confirm {
                Some(confirmation) => confirmation,
                None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
                    println!(
                        "This destroys every note, addendum, consent and disclosure of {code}. It cannot be undone."
                    );
                    print!("Type the client's code to confirm: ");
                    std::io::Write::flush(&mut std::io::stdout()).map_err(|error| Failure::Other(error.into()))?;
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map_err(|error| Failure::Other(error.into()))?;
                    line.trim().to_owned()
                }
                None => return Err(Failure::Usage(format!("pass --confirm {code} to destroy without a terminal"))),
            };
            let record = vault.destroy_client(&code, &confirmation)?;
            if json {
                print_json(&record)?;
            } else {
                println!(
                    "Destroyed {}: {} notes, {} addenda, {} consents, {} disclosures.",
                    record.client_code, record.n_notes, record.n_addenda, record.n_consents, record.n_disclosures
                );
            }
        }
    }
    Ok(())
}

pub fn retention(vault: &mut Vault, command: RetentionCommand, json: bool) -> Result<(), Failure> {
    match command {
        RetentionCommand::Due { as_of } => {
            let due = vault.due_for_destruction(as_of.unwrap_or_else(|| chrono::Local::now().date_naive()))?;
            if json {
                print_json(&due)?;
            } else if due.is_empty() {
                println!("No records are due for destruction.");
            } else {
                for client in due {
                    println!(
                        "{:<12} keep until {}{}",
                        client.code,
                        client.retention_date,
                        if client.overridden { " (set by hand)" } else { "" }
                    );
                }
            }
        }
        RetentionCommand::Policy { years, majority_age, years_after_majority } => {
            let mut policy = vault.retention_policy()?;
            if years.is_some() || majority_age.is_some() || years_after_majority.is_some() {
                policy.years_after_last_service = years.unwrap_or(policy.years_after_last_service);
                policy.age_of_majority = majority_age.unwrap_or(policy.age_of_majority);
                policy.years_after_majority = years_after_majority.unwrap_or(policy.years_after_majority);
                vault.set_retention_policy(policy)?;
            }
            if json {
                print_json(&policy)?;
            } else {
                println!(
                    "Keep {} years after the last service; for minors, until {} years after age {} if that is later.",
                    policy.years_after_last_service, policy.years_after_majority, policy.age_of_majority
                );
            }
        }
        RetentionCommand::Override { code, until, reason } => {
            vault.override_retention(&code, until, &reason)?;
            if json {
                print_json(&serde_json::json!({ "ok": true }))?
            } else {
                println!("{code} is kept until {until}.")
            }
        }
    }
    Ok(())
}

pub fn audit_list(vault: &mut Vault, limit: u32, json: bool) -> Result<(), Failure> {
    let events = vault.recent_audit_events(limit.clamp(1, 10_000))?;
    if json {
        return print_json(&events);
    }
    for event in events {
        let object = match (&event.object_kind, &event.object_id) {
            (Some(kind), Some(id)) => format!("{kind} {id}"),
            _ => String::new(),
        };
        println!("{:>6}  {}  {:<24} {:<14} {}", event.seq, event.occurred_at, event.kind, object, event.detail);
    }
    Ok(())
}

pub fn note(vault: &mut Vault, passphrase: &Passphrase, command: NoteCommand, json: bool) -> Result<(), Failure> {
    match command {
        NoteCommand::Add { client, template, kind, date, start, duration, modality, cpt, icd, sections, file } => {
            let kind: NoteKind = parse_name("kind", &kind)?;
            let modality: Option<Modality> = modality.map(|name| parse_name("modality", &name)).transpose()?;
            let sections = match file {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|error| Failure::Usage(format!("cannot read {}: {error}", path.display())))?;
                    serde_json::from_str::<BTreeMap<String, String>>(&text).map_err(|_| {
                        Failure::Usage(format!("{} is not a JSON object of section name to text", path.display()))
                    })?
                }
                None => sections
                    .iter()
                    .map(|pair| {
                        pair.split_once('=')
                            .map(|(name, text)| (name.trim().to_owned(), text.to_owned()))
                            .ok_or_else(|| Failure::Usage("--section takes NAME=TEXT".to_owned()))
                    })
                    .collect::<Result<_, _>>()?,
            };
            let content = NoteContent {
                kind,
                template,
                session_date: date.unwrap_or_else(|| chrono::Local::now().date_naive()),
                start_time: start,
                duration_minutes: duration,
                modality,
                service_code: cpt,
                diagnosis_codes: icd,
                risk: BTreeMap::new(),
                sections,
            };
            // Saved as typed, like the app's drafts: what blocks signing is listed.
            let note = vault.create_note(&client, content)?;
            for problem in &note.problems {
                eprintln!("to fix before signing: {}", problem.message);
            }
            if json {
                print_json(&serde_json::json!({ "id": note.id, "problems": note.problems }))?
            } else {
                println!("{}", note.id)
            }
        }
        NoteCommand::List { client, include_psychotherapy } => {
            let notes = vault.notes_for_client(&client, include_psychotherapy)?;
            if json {
                print_json(&notes)?;
            } else {
                for note in notes {
                    println!(
                        "#{:<6} {}  {:<14} {:<8} {:?}",
                        note.id,
                        note.session_date,
                        note.kind.as_str(),
                        note.template,
                        note.status
                    );
                }
            }
        }
        NoteCommand::Show { id } => {
            let note = match vault.open_note(id) {
                // The passphrase given for this command counts as entering it again.
                Err(confidant_vault::Error::ReauthenticationRequired) => {
                    vault.reauthenticate(passphrase)?;
                    vault.open_note(id)?
                }
                other => other?,
            };
            if json {
                print_json(&note)?;
            } else {
                println!(
                    "Note #{} · {} · {} · {} · {:?}",
                    note.id, note.client_code, note.content.session_date, note.content.template, note.status
                );
                for (name, text) in &note.content.sections {
                    println!("\n[{name}]\n{text}");
                }
                if let Some(signature) = &note.signature {
                    println!(
                        "\nSigned by {} ({}) at {}\nSHA-256 {}",
                        signature.signed_by, signature.credentials, signature.signed_at, signature.content_hash
                    );
                }
                for addendum in &note.addenda {
                    println!(
                        "\nAddendum #{} by {} at {} — {}\n{}",
                        addendum.id, addendum.author, addendum.created_at, addendum.reason, addendum.text
                    );
                }
            }
        }
        NoteCommand::Sign { id, accept_warnings } => {
            let check = vault.sign_check(id)?;
            for problem in &check.problems {
                eprintln!("must fix: {}", problem.message);
            }
            for warning in &check.warnings {
                eprintln!("warning: {}", warning.message);
            }
            let note = vault.sign_note(id, accept_warnings)?;
            let signature = note.signature.ok_or_else(|| Failure::Other(anyhow::anyhow!("the note was not signed")))?;
            if json {
                print_json(&signature)?;
            } else {
                println!("Signed note #{id}; SHA-256 {}", signature.content_hash);
            }
        }
        NoteCommand::Addendum { id, reason, text } => {
            let addendum = vault.add_addendum(id, &reason, &text)?;
            if json { print_json(&addendum)? } else { println!("Addendum #{} added to note #{id}", addendum.id) }
        }
    }
    Ok(())
}

pub fn signer(vault: &mut Vault, command: SignerCommand, json: bool) -> Result<(), Failure> {
    match command {
        SignerCommand::Set { name, credentials } => {
            vault.set_signer(&name, &credentials)?;
            if json { print_json(&serde_json::json!({ "ok": true }))? } else { println!("Signer set.") }
        }
    }
    Ok(())
}

/// `confidant search …`
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Words to find; "quoted words" are a phrase; the last word is a prefix.
    pub query: String,
    /// Only this client's notes.
    #[arg(long)]
    pub client: Option<String>,
    /// Only this kind (repeatable).
    #[arg(long)]
    pub kind: Vec<String>,
    /// Sessions on or after this date.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Sessions on or before this date.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Include psychotherapy notes.
    #[arg(long)]
    pub include_psychotherapy: bool,
    /// How many results (1–100).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

pub fn search(vault: &mut Vault, passphrase: &Passphrase, args: SearchArgs, json: bool) -> Result<(), Failure> {
    let kinds = args.kind.iter().map(|kind| parse_name("kind", kind)).collect::<Result<Vec<NoteKind>, _>>()?;
    let query = confidant_vault::search::SearchQuery {
        text: args.query,
        client_code: args.client,
        kinds,
        from: args.from,
        to: args.to,
        include_psychotherapy: args.include_psychotherapy,
        limit: Some(args.limit),
        hide_names: false,
    };
    if query.include_psychotherapy || query.kinds.contains(&NoteKind::Psychotherapy) {
        vault.reauthenticate(passphrase)?;
    }
    let hits = vault.search(&query)?;
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        println!("No notes match.");
    }
    for hit in hits {
        let snippet: String = hit
            .snippet
            .iter()
            .map(|part| if part.matched { format!("[{}]", part.text) } else { part.text.clone() })
            .collect();
        println!(
            "#{:<6} {} {} {:<14} {}",
            hit.note_id,
            hit.client_code,
            hit.session_date,
            hit.kind.as_str(),
            snippet.replace('\n', " ")
        );
    }
    Ok(())
}

pub fn reindex(vault: &mut Vault, json: bool) -> Result<(), Failure> {
    let indexed = vault.rebuild_search_index()?;
    if json {
        print_json(&serde_json::json!({ "indexed_notes": indexed }))
    } else {
        println!("Search index rebuilt: {indexed} notes.");
        Ok(())
    }
}

/// `confidant consent …`
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a consent.
    Add {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// treatment, telehealth or release_of_information.
        #[arg(long)]
        kind: String,
        /// The form's version.
        #[arg(long)]
        version: String,
        /// Signed on, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        signed: NaiveDate,
        /// Expires on, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        expires: Option<NaiveDate>,
        /// What it covers.
        #[arg(long)]
        scope: Option<String>,
        /// Who may receive information (release of information).
        #[arg(long)]
        recipient: Option<String>,
        /// What a release is for, e.g. "coordination of care".
        #[arg(long)]
        purpose: Option<String>,
    },
    /// List a client's consents.
    List {
        /// The client's code.
        #[arg(long)]
        client: String,
    },
    /// Revoke a consent.
    Revoke {
        /// Consent id.
        id: i64,
        /// Revoked on, YYYY-MM-DD (default: today).
        #[arg(long, value_name = "DATE")]
        date: Option<NaiveDate>,
    },
}

/// `confidant disclosure …`
#[derive(Debug, Subcommand)]
pub enum DisclosureCommand {
    /// Record a disclosure (45 CFR 164.528).
    Add {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// Disclosed on, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        date: NaiveDate,
        /// Recipient's name.
        #[arg(long)]
        recipient: String,
        /// Recipient's address.
        #[arg(long)]
        address: Option<String>,
        /// client_authorization, court_order, mandated_report, duty_to_warn, consultation, transfer_of_care, other.
        #[arg(long)]
        purpose: String,
        /// More on the purpose (required for other).
        #[arg(long)]
        purpose_detail: Option<String>,
        /// What was disclosed.
        #[arg(long)]
        description: String,
        /// The consent that allowed it.
        #[arg(long)]
        consent: Option<i64>,
        /// A note that was disclosed (repeatable).
        #[arg(long = "note")]
        notes: Vec<i64>,
        /// Why the client was not told (omit when they were told).
        #[arg(long)]
        not_informed_reason: Option<String>,
    },
    /// List a client's disclosures.
    List {
        /// The client's code.
        #[arg(long)]
        client: String,
    },
    /// The accounting of disclosures: the six years up to a date.
    Report {
        /// The client's code.
        #[arg(long)]
        client: String,
        /// Last day covered (default: today).
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
    },
}

pub fn consent(vault: &mut Vault, command: ConsentCommand, json: bool) -> Result<(), Failure> {
    use confidant_vault::disclosures::NewConsent;
    match command {
        ConsentCommand::Add { client, kind, version, signed, expires, scope, recipient, purpose } => {
            let consent = vault.add_consent(
                &client,
                NewConsent {
                    kind: parse_name("consent kind", &kind)?,
                    form_version: version,
                    signed_date: signed,
                    expires_date: expires,
                    scope,
                    recipient,
                    purpose,
                },
            )?;
            if json { print_json(&consent)? } else { println!("{}", consent.id) }
        }
        ConsentCommand::List { client } => {
            let consents = vault.consents(&client)?;
            if json {
                print_json(&consents)?;
            } else {
                for consent in consents {
                    let state = match consent.revoked_date {
                        Some(revoked) => format!("revoked {revoked}"),
                        None => consent
                            .expires_date
                            .map(|date| format!("until {date}"))
                            .unwrap_or_else(|| "no expiry".to_owned()),
                    };
                    println!(
                        "#{:<5} {:<24} v{:<10} signed {}  {state}",
                        consent.id,
                        format!("{:?}", consent.kind),
                        consent.form_version,
                        consent.signed_date
                    );
                }
            }
        }
        ConsentCommand::Revoke { id, date } => {
            let consent = vault.revoke_consent(id, date.unwrap_or_else(|| chrono::Local::now().date_naive()))?;
            if json { print_json(&consent)? } else { println!("Consent #{id} revoked.") }
        }
    }
    Ok(())
}

pub fn disclosure(vault: &mut Vault, command: DisclosureCommand, json: bool) -> Result<(), Failure> {
    use confidant_vault::disclosures::NewDisclosure;
    match command {
        DisclosureCommand::Add {
            client,
            date,
            recipient,
            address,
            purpose,
            purpose_detail,
            description,
            consent,
            notes,
            not_informed_reason,
        } => {
            let disclosure = vault.add_disclosure(
                &client,
                NewDisclosure {
                    disclosed_on: date,
                    recipient_name: recipient,
                    recipient_address: address,
                    purpose: parse_name("purpose", &purpose)?,
                    purpose_detail,
                    description,
                    consent_id: consent,
                    note_ids: notes,
                    client_informed: not_informed_reason.is_none(),
                    not_informed_reason,
                },
            )?;
            if json { print_json(&disclosure)? } else { println!("{}", disclosure.id) }
        }
        DisclosureCommand::List { client } => {
            let disclosures = vault.disclosures(&client)?;
            if json { print_json(&disclosures)? } else { print_disclosures(&disclosures) }
        }
        DisclosureCommand::Report { client, to } => {
            let accounting =
                vault.accounting_of_disclosures(&client, to.unwrap_or_else(|| chrono::Local::now().date_naive()))?;
            if json {
                print_json(&accounting)?;
            } else {
                println!(
                    "Accounting of disclosures for {} — {} to {}",
                    accounting.client_code, accounting.from, accounting.to
                );
                if accounting.disclosures.is_empty() {
                    println!("No disclosures in this period.");
                }
                print_disclosures(&accounting.disclosures);
            }
        }
    }
    Ok(())
}

fn print_disclosures(disclosures: &[confidant_vault::disclosures::Disclosure]) {
    for disclosure in disclosures {
        println!(
            "#{:<5} {}  to {}{}  purpose {:?}  — {}{}",
            disclosure.id,
            disclosure.disclosed_on,
            disclosure.recipient_name,
            disclosure.recipient_address.as_deref().map(|address| format!(", {address}")).unwrap_or_default(),
            disclosure.purpose,
            disclosure.description,
            if disclosure.client_informed { String::new() } else { "  (client not told)".to_owned() }
        );
    }
}

fn parse_name<T: for<'de> serde::Deserialize<'de>>(what: &str, name: &str) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::from(name.trim()))
        .map_err(|_| Failure::Usage(format!("unknown {what} {name:?}; see `confidant note add --help`")))
}
