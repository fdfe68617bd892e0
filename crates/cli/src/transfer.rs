//! `export`, `import`, `print` and `identity`: thin wrappers over
//! `confidant_export::files`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use confidant_export::files;
use confidant_export::transfer::{self, Protection, Unlock};
use confidant_vault::transfer::{ExportPurpose, ExportRecipient, ExportScope};
use confidant_vault::{Passphrase, Vault};
use serde_json::json;
use zeroize::Zeroizing;

use crate::Failure;
use crate::secrets::read_secret;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The client's code.
    #[arg(long)]
    client: String,
    /// Where to write the `.confidant` file (default: <CODE>-<date>.confidant here).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Encrypt with the passphrase in this file (first line). The vault's own
    /// passphrase is the global --passphrase-file.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["recipient", "generate_passphrase"])]
    file_passphrase_file: Option<PathBuf>,
    /// Encrypt for this age public key (age1…), e.g. the receiving vault's.
    #[arg(long, value_name = "AGE_PUBLIC_KEY", conflicts_with = "generate_passphrase")]
    recipient: Option<String>,
    /// Encrypt with a new seven-word passphrase, printed once: send it by another channel.
    #[arg(long)]
    generate_passphrase: bool,
    /// Who receives it (recorded as a disclosure).
    #[arg(long, value_name = "NAME")]
    recipient_name: String,
    /// Their address.
    #[arg(long, value_name = "ADDRESS")]
    recipient_address: Option<String>,
    /// The client was not told about this disclosure, and why (recorded in the
    /// accounting of disclosures; without it, the client was told).
    #[arg(long, value_name = "REASON")]
    client_not_informed: Option<String>,
    /// A copy for the client (right of access): never psychotherapy notes.
    #[arg(long, conflicts_with = "include_psychotherapy")]
    client_copy: bool,
    /// Include drafts.
    #[arg(long)]
    include_drafts: bool,
    /// Include psychotherapy notes (asks nothing more: the passphrase was just entered).
    #[arg(long)]
    include_psychotherapy: bool,
    /// First session date to include (YYYY-MM-DD).
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last session date to include (YYYY-MM-DD).
    #[arg(long)]
    to: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The `.confidant` file.
    file: PathBuf,
    /// Open it with the passphrase in this file (first line).
    #[arg(long, value_name = "PATH", conflicts_with = "identity")]
    file_passphrase_file: Option<PathBuf>,
    /// Open it with this vault's own identity (for files sent to `identity show`'s key).
    #[arg(long)]
    identity: bool,
    /// Import under this code (when the file's code is taken here).
    #[arg(long, value_name = "CODE")]
    code: Option<String>,
    /// Only check the file and show what it holds; import nothing.
    #[arg(long)]
    preview: bool,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The client's code.
    #[arg(long)]
    client: String,
    /// Only this note.
    #[arg(long, value_name = "ID")]
    note: Option<i64>,
    /// Where to write the PDF. It is NOT encrypted.
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Show this vault's age public key (made on first use) to give to colleagues.
    Show,
}

pub fn export(vault: &mut Vault, passphrase: &Passphrase, args: ExportArgs, json_output: bool) -> Result<(), Failure> {
    let scope = ExportScope {
        purpose: if args.client_copy { ExportPurpose::ClientCopy } else { ExportPurpose::TransferOfCare },
        include_drafts: args.include_drafts,
        include_psychotherapy: args.include_psychotherapy,
        from: args.from,
        to: args.to,
    };
    if scope.include_psychotherapy {
        vault.reauthenticate(passphrase)?;
    }
    let secret: Zeroizing<String>;
    let mut generated = None;
    let protection = if let Some(key) = &args.recipient {
        Protection::Recipient(key)
    } else if args.generate_passphrase {
        generated = Some(transfer::generate_passphrase().map_err(files::Error::from)?);
        Protection::Passphrase(generated.as_deref().map(String::as_str).unwrap_or_default())
    } else {
        secret = Zeroizing::new(read_secret(
            args.file_passphrase_file.clone(),
            "CONFIDANT_FILE_PASSPHRASE",
            "Passphrase for the transfer file",
            true,
        )?);
        if secret.chars().count() < 12 {
            return Err(Failure::Usage("the file's passphrase needs at least 12 characters".to_owned()));
        }
        Protection::Passphrase(&secret)
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(files::suggested_file_name(&args.client, chrono::Local::now().date_naive())));
    let recipient = ExportRecipient {
        name: args.recipient_name,
        address: args.recipient_address,
        client_informed: args.client_not_informed.is_none(),
        not_informed_reason: args.client_not_informed,
    };
    let summary = files::export_to_file(vault, &args.client, &scope, &recipient, &protection, &out)?;
    if json_output {
        println!("{}", json!({ "export": summary, "generated_passphrase": generated.as_deref().map(String::as_str) }));
    } else {
        println!(
            "Exported {} notes to {} ({} bytes, SHA-256 {}). Recorded as disclosure #{}.",
            summary.n_notes,
            summary.path.display(),
            summary.bytes,
            summary.sha256,
            summary.disclosure_id
        );
        if let Some(words) = &generated {
            println!("Passphrase (send it by another channel than the file): {}", words.as_str());
        }
    }
    Ok(())
}

pub fn import(vault: &mut Vault, args: ImportArgs, json_output: bool) -> Result<(), Failure> {
    let identity;
    let secret;
    let unlock = if args.identity {
        identity = vault.transfer_identity()?.ok_or_else(|| {
            Failure::Usage("this vault has no identity yet; run `confidant identity show` and share its key".to_owned())
        })?;
        Unlock::Identity(&identity)
    } else {
        secret = Zeroizing::new(read_secret(
            args.file_passphrase_file.clone(),
            "CONFIDANT_FILE_PASSPHRASE",
            "Passphrase of the transfer file",
            false,
        )?);
        Unlock::Passphrase(&secret)
    };
    let (_, preview) = files::preview_file(vault, &args.file, &unlock)?;
    if args.preview {
        if json_output {
            println!("{}", json!({ "preview": preview }));
        } else {
            println!(
                "{}: {} notes ({} signed, {} drafts, {} psychotherapy), {} addenda, {} consents, {} disclosures; \
                 sessions {} to {}; every member and signature checked.{}",
                preview.client_code,
                preview.n_notes,
                preview.n_signed,
                preview.n_drafts,
                preview.n_psychotherapy,
                preview.n_addenda,
                preview.n_consents,
                preview.n_disclosures,
                preview.first_session.map(|day| day.to_string()).unwrap_or_else(|| "—".to_owned()),
                preview.last_session.map(|day| day.to_string()).unwrap_or_else(|| "—".to_owned()),
                if preview.code_taken { " The code is taken here: pass --code NEW." } else { "" }
            );
        }
        return Ok(());
    }
    let client = files::import_file(vault, &args.file, &unlock, args.code.as_deref())?;
    if json_output {
        println!("{}", json!({ "imported": { "code": client.code, "notes": preview.n_notes } }));
    } else {
        println!("Imported {} as {} with {} notes.", preview.client_code, client.code, preview.n_notes);
    }
    Ok(())
}

pub fn print(vault: &mut Vault, args: PrintArgs, json_output: bool) -> Result<(), Failure> {
    let summary = files::print_to_file(vault, &args.client, args.note, &args.out)?;
    if json_output {
        println!("{}", json!({ "printed": summary }));
    } else {
        println!(
            "Wrote {} ({} bytes). This PDF is NOT encrypted: keep it safe and delete it when done.",
            summary.path.display(),
            summary.bytes
        );
        if !summary.unprintable.is_empty() {
            let shown: Vec<String> = summary.unprintable.iter().map(char::to_string).collect();
            println!(
                "Some characters have no font on this computer the PDF can use, and show as empty boxes: {}. \
                 The record is unchanged; an export keeps every character.",
                shown.join(" ")
            );
        }
    }
    Ok(())
}

pub fn identity(vault: &mut Vault, action: IdentityCommand, json_output: bool) -> Result<(), Failure> {
    let IdentityCommand::Show = action;
    let secret = match vault.transfer_identity()? {
        Some(secret) => secret,
        None => {
            let (secret, _) = transfer::new_identity();
            vault.store_transfer_identity(&secret)?;
            secret
        }
    };
    let public = transfer::public_key(&secret).map_err(files::Error::from)?;
    if json_output {
        println!("{}", json!({ "public_key": public }));
    } else {
        println!("{public}");
    }
    Ok(())
}
