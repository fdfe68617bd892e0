//! `confidant`: the command line over the vault, for scripts, backups and support.
//!
//! Every command runs without a terminal when its secrets come from files or
//! environment variables, so scripts and tests can drive it. Exit codes are
//! documented in `confidant --help` and docs/cli.md.
#![forbid(unsafe_code)]
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod backup;
mod records;
mod secrets;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use confidant_vault::device::{DeviceKeychain, OsKeychain};
use confidant_vault::kdf::KdfPolicy;
use confidant_vault::{CreateOptions, Error, LockReason, Passphrase, Vault, VaultLocation};
use serde_json::json;

use crate::secrets::SecretSources;

const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  any other error
  2  usage error: bad arguments (including a malformed field, an unknown client,
     note or backup file, a client code already taken, a backup of another vault
     to replace this one), or a secret needed but no terminal
  3  wrong passphrase or recovery key (including a recovery key with a typo), or a
     transfer file's wrong passphrase / a file meant for another vault's key
  4  vault missing or damaged (including vault.keys missing beside vault.db)
  5  locked out after too many wrong attempts: wait and retry
  6  a transfer or backup file that is damaged, altered, malformed or of an
     unknown version
  7  the backup folder is unavailable: missing (drive not connected?),
     read-only or full

Secrets are read from the terminal without echo, or non-interactively from
--passphrase-file / CONFIDANT_PASSPHRASE, --new-passphrase-file /
CONFIDANT_NEW_PASSPHRASE and --recovery-file / CONFIDANT_RECOVERY_KEY.";

/// Confidant's command line.
#[derive(Debug, Parser)]
#[command(name = "confidant", version, about = "Encrypted clinical notebook: command line", after_help = AFTER_HELP)]
struct Cli {
    /// The vault folder (holding vault.db and vault.keys).
    #[arg(long, global = true, env = "CONFIDANT_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Read the passphrase from this file (first line) instead of the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new vault and print its recovery key (once).
    Init {
        /// Do not bind the vault to this computer's keychain.
        #[arg(long)]
        no_device_binding: bool,
        /// Aim for this many milliseconds per passphrase check (never below m=64 MiB, t=3).
        #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        kdf_target_ms: u64,
    },
    /// Show whether a vault exists, whether it is device-bound, failed attempts.
    Status,
    /// Change the passphrase.
    Passphrase {
        #[command(subcommand)]
        action: PassphraseAction,
    },
    /// Unlock with the recovery key and set a new passphrase.
    Recover {
        /// Read the recovery key from this file instead of the terminal.
        #[arg(long, value_name = "PATH")]
        recovery_file: Option<PathBuf>,
        /// Read the new passphrase from this file instead of the terminal.
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Re-encrypt the database under a new data key.
    RotateKey,
    /// Check the audit chain (and, later, every signed note).
    Verify,
    /// Clients: add, list, show.
    Client {
        #[command(subcommand)]
        action: records::ClientCommand,
    },
    /// Notes: add, list, show, sign, addendum.
    Note {
        #[command(subcommand)]
        action: records::NoteCommand,
    },
    /// Consents: add, list, revoke.
    Consent {
        #[command(subcommand)]
        action: records::ConsentCommand,
    },
    /// Disclosures: add, list, report (accounting of disclosures).
    Disclosure {
        #[command(subcommand)]
        action: records::DisclosureCommand,
    },
    /// Retention: records due for destruction, the policy, overrides.
    Retention {
        #[command(subcommand)]
        action: records::RetentionCommand,
    },
    /// The audit log, newest first (ids and kinds only, never record text).
    Audit {
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Search notes, addenda and client codes.
    Search(records::SearchArgs),
    /// Rebuild the search index from the notes.
    Reindex,
    /// The name and credentials written on signatures.
    Signer {
        #[command(subcommand)]
        action: records::SignerCommand,
    },
    /// Export one client's record to an encrypted `.confidant` transfer file.
    Export(transfer::ExportArgs),
    /// Check and import a `.confidant` transfer file as a new client.
    Import(transfer::ImportArgs),
    /// Save a chart or one note as PDF (NOT encrypted).
    Print(transfer::PrintArgs),
    /// This vault's age identity for receiving transfer files.
    Identity {
        #[command(subcommand)]
        action: transfer::IdentityCommand,
    },
    /// Write a verified, encrypted backup of the vault; `backup list` shows them.
    Backup(backup::BackupArgs),
    /// Restore a backup over the vault (after a safety copy) or into a new folder.
    Restore(backup::RestoreArgs),
    /// Fill the vault with deterministic, obviously synthetic demo clients and notes.
    Demo {
        /// How many clients.
        #[arg(long, default_value_t = 20)]
        clients: u32,
        /// How many notes in all.
        #[arg(long, default_value_t = 200)]
        notes: u32,
        /// Seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure key derivation, unlock and database costs on this machine.
    Bench {
        /// Repeat each timing this many times.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=50))]
        runs: u64,
        /// Also build demo vaults of this many notes (repeatable, e.g. 10000 and
        /// 100000) and time saving, charts and search against plain SQLite.
        #[arg(long = "records", value_name = "NOTES")]
        records: Vec<u32>,
        /// Also build a demo vault of this many notes (repeatable) and time backing
        /// it up against a plain and a durable copy of its file.
        #[arg(long = "backup", value_name = "NOTES")]
        backup: Vec<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// List the newest events.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum PassphraseAction {
    /// Set a new passphrase (the current one is asked first).
    Change {
        /// Read the new passphrase from this file instead of the terminal.
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
    },
}

/// What went wrong, with the exit code it maps to.
enum Failure {
    Usage(String),
    Vault(Error),
    Transfer(confidant_export::files::Error),
    Other(anyhow::Error),
}

impl From<confidant_export::files::Error> for Failure {
    fn from(error: confidant_export::files::Error) -> Self {
        match error {
            confidant_export::files::Error::Vault(error) => Failure::Vault(error),
            other => Failure::Transfer(other),
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Vault(error)
    }
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Vault(error) => exit_code_for(error),
            Failure::Transfer(error) => transfer_exit_code(error),
            Failure::Other(_) => 1,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::Usage(_) => "usage",
            Failure::Vault(error) => error.code(),
            Failure::Transfer(error) => error.code(),
            Failure::Other(_) => "other",
        }
    }

    fn message(&self) -> String {
        match self {
            Failure::Usage(message) => message.clone(),
            Failure::Vault(error) => error.to_string(),
            Failure::Transfer(error) => error.to_string(),
            Failure::Other(error) => format!("{error:#}"),
        }
    }
}

fn exit_code_for(error: &Error) -> u8 {
    match error {
        Error::WrongPassphrase
        | Error::WrongRecoveryKey
        | Error::RecoveryKeyTypo
        | Error::RecoveryKeyWrongLength { .. }
        | Error::RecoveryKeyMalformed { .. } => 3,
        Error::VaultNotFound
        | Error::KeyFileMissing
        | Error::KeyFileDamaged { .. }
        | Error::KeyFileTooNew { .. }
        | Error::DatabaseDamaged { .. }
        | Error::VaultTooNew { .. } => 4,
        Error::TooManyAttempts { .. } => 5,
        Error::TransferInvalid { .. } | Error::BackupDamaged { .. } => 6,
        Error::BackupFolderUnavailable { .. } => 7,
        Error::InvalidInput { .. }
        | Error::NotFound { .. }
        | Error::PathNotFound { .. }
        | Error::PathIsFolder { .. }
        | Error::PathNotFolder { .. }
        | Error::ClientCodeTaken { .. }
        | Error::DestructionNotConfirmed { .. }
        | Error::BackupOfAnotherVault => 2,
        _ => 1,
    }
}

fn transfer_exit_code(error: &confidant_export::files::Error) -> u8 {
    use confidant_export::transfer::TransferError;
    match error {
        confidant_export::files::Error::Vault(error) => exit_code_for(error),
        confidant_export::files::Error::Transfer(TransferError::WrongPassphrase | TransferError::NotForThisVault) => 3,
        confidant_export::files::Error::Transfer(TransferError::BadRecipient) => 2,
        confidant_export::files::Error::Transfer(_) => 6,
        _ => 1,
    }
}

fn main() -> ExitCode {
    confidant_hardening::disable_core_dumps();
    let cli = Cli::parse();
    let json_output = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if json_output {
                println!("{}", json!({ "error": { "code": failure.code(), "message": failure.message() } }));
            }
            eprintln!("confidant: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let location = match cli.vault.clone() {
        Some(folder) => VaultLocation::new(folder),
        None => VaultLocation::default_location()
            .ok_or_else(|| Failure::Usage("cannot find a data folder; pass --vault DIR".to_owned()))?,
    };
    let keychain: Arc<dyn DeviceKeychain> = Arc::new(OsKeychain);
    let sources = SecretSources::new(cli.passphrase_file.clone());
    match cli.command {
        Command::Init { no_device_binding, kdf_target_ms } => {
            let passphrase = sources.new_passphrase(None, "Choose a passphrase for the new vault")?;
            let options = CreateOptions {
                device_binding: !no_device_binding,
                kdf: KdfPolicy::Calibrate { target: Duration::from_millis(kdf_target_ms) },
            };
            let created = Vault::create(&location, &passphrase, options, keychain)?;
            let recovery_key = created.recovery_key.expose_formatted();
            // Print first: nothing after creation may lose the only copy of the key.
            if cli.json {
                println!("{}", json!({ "recovery_key": recovery_key.as_str(), "vault": location.folder() }));
            } else {
                println!("Vault created in {}", location.folder().display());
                println!();
                println!("Recovery key (shown once; write it down or print it and keep it safe):");
                println!();
                println!("    {}", recovery_key.as_str());
                println!();
                println!("Without your passphrase and without this recovery key, nobody can open the vault.");
            }
            let _ = created.vault.lock(LockReason::Quit);
        }
        Command::Status => {
            let status = Vault::status(&location)?;
            if cli.json {
                println!("{}", serde_json::to_string(&status).map_err(|error| Failure::Other(error.into()))?);
            } else if !status.exists {
                println!("No vault in {}", location.folder().display());
            } else {
                println!("Vault:            {}", location.folder().display());
                println!("Id:               {}", status.vault_id.unwrap_or_default());
                println!("Device binding:   {}", if status.device_bound { "on" } else { "off" });
                println!("Failed attempts:  {}", status.failed_attempts);
                if status.retry_after_seconds > 0 {
                    println!("Next attempt in:  {} s", status.retry_after_seconds);
                }
                if let Some(kdf) = status.kdf {
                    println!(
                        "Argon2id:         m = {} MiB, t = {}, p = {}",
                        kdf.memory_kib / 1024,
                        kdf.iterations,
                        kdf.parallelism
                    );
                }
            }
        }
        Command::Passphrase { action: PassphraseAction::Change { new_passphrase_file } } => {
            let current = sources.passphrase("Current passphrase")?;
            let mut vault = Vault::unlock(&location, &current, keychain)?;
            let new = sources.new_passphrase(new_passphrase_file, "New passphrase")?;
            let changed = vault.change_passphrase(&current, &new);
            let _ = vault.lock(LockReason::Quit);
            changed?;
            report(cli.json, "passphrase changed");
        }
        Command::Recover { recovery_file, new_passphrase_file } => {
            let recovery_key = sources.recovery_key(recovery_file)?;
            let new = sources.new_passphrase(new_passphrase_file, "New passphrase")?;
            let was_bound = Vault::status(&location).map(|status| status.device_bound).unwrap_or(false);
            let vault = Vault::recover(&location, &recovery_key, &new, keychain)?;
            let bound = vault.is_device_bound();
            let _ = vault.lock(LockReason::Quit);
            if cli.json {
                println!(
                    "{}",
                    json!({ "ok": true, "device_bound": bound, "device_binding_lost": was_bound && !bound })
                );
            } else {
                println!("Vault recovered; the new passphrase is set.");
                if was_bound && !bound {
                    println!(
                        "Device binding is now OFF: this computer's keychain was not available. Turn it on in settings."
                    );
                } else if bound {
                    println!("The vault is now bound to this computer's keychain.");
                }
            }
        }
        Command::RotateKey => {
            let passphrase = sources.passphrase("Passphrase")?;
            let mut vault = Vault::unlock(&location, &passphrase, keychain)?;
            let rotated = vault.rotate_data_key(&passphrase);
            let _ = vault.lock(LockReason::Quit);
            rotated?;
            report(cli.json, "data key rotated; the database is re-encrypted");
        }
        Command::Verify => {
            let passphrase = sources.passphrase("Passphrase")?;
            let vault = Vault::unlock(&location, &passphrase, keychain)?;
            let verified = vault.verify();
            let _ = vault.lock(LockReason::Quit);
            let report = verified?;
            if cli.json {
                println!("{}", serde_json::to_string(&report).map_err(|error| Failure::Other(error.into()))?);
            } else {
                match report.audit.first_broken_seq {
                    None => println!("Audit log intact: {} events, every link verified.", report.audit.n_events),
                    Some(seq) => println!("Audit log BROKEN at event {seq} (of {}).", report.audit.n_events),
                }
                let signatures = &report.signatures;
                println!(
                    "Signatures: {} signed notes and {} addenda re-hashed; {} notes and {} addenda do not match.",
                    signatures.n_signed_notes,
                    signatures.n_addenda,
                    signatures.altered_notes.len(),
                    signatures.altered_addenda.len()
                );
                for note_id in &signatures.altered_notes {
                    println!("  note #{note_id} was changed after it was signed");
                }
                for addendum_id in &signatures.altered_addenda {
                    println!("  addendum #{addendum_id} was changed after it was written");
                }
            }
            if !report.is_ok() {
                return Err(Failure::Other(anyhow::anyhow!(
                    "verification failed: the audit log or a signed record has been altered"
                )));
            }
        }
        Command::Client { action } => {
            with_vault(&location, &sources, keychain, |vault, _| records::client(vault, action, cli.json))?
        }
        Command::Note { action } => with_vault(&location, &sources, keychain, |vault, passphrase| {
            records::note(vault, passphrase, action, cli.json)
        })?,
        Command::Consent { action } => {
            with_vault(&location, &sources, keychain, |vault, _| records::consent(vault, action, cli.json))?
        }
        Command::Disclosure { action } => {
            with_vault(&location, &sources, keychain, |vault, _| records::disclosure(vault, action, cli.json))?
        }
        Command::Retention { action } => {
            with_vault(&location, &sources, keychain, |vault, _| records::retention(vault, action, cli.json))?
        }
        Command::Audit { action: AuditCommand::List { limit } } => {
            with_vault(&location, &sources, keychain, |vault, _| records::audit_list(vault, limit, cli.json))?
        }
        Command::Search(args) => with_vault(&location, &sources, keychain, |vault, passphrase| {
            records::search(vault, passphrase, args, cli.json)
        })?,
        Command::Export(args) => with_vault(&location, &sources, keychain, |vault, passphrase| {
            transfer::export(vault, passphrase, args, cli.json)
        })?,
        Command::Import(args) => {
            with_vault(&location, &sources, keychain, |vault, _| transfer::import(vault, args, cli.json))?
        }
        Command::Print(args) => {
            with_vault(&location, &sources, keychain, |vault, _| transfer::print(vault, args, cli.json))?
        }
        Command::Identity { action } => {
            with_vault(&location, &sources, keychain, |vault, _| transfer::identity(vault, action, cli.json))?
        }
        Command::Backup(args) => backup::backup(&location, &sources, keychain, args, cli.json)?,
        Command::Restore(args) => backup::restore(&location, &sources, keychain, args, cli.json)?,
        Command::Reindex => with_vault(&location, &sources, keychain, |vault, _| records::reindex(vault, cli.json))?,
        Command::Signer { action } => {
            with_vault(&location, &sources, keychain, |vault, _| records::signer(vault, action, cli.json))?
        }
        Command::Demo { clients, notes, seed } => with_vault(&location, &sources, keychain, |vault, _| {
            let summary = vault.fill_with_demo_data(clients, notes, seed)?;
            if cli.json {
                println!("{}", serde_json::to_string(&summary).map_err(|error| Failure::Other(error.into()))?);
            } else {
                println!(
                    "Added {} demo clients and {} demo notes ({} signed).",
                    summary.n_clients, summary.n_notes, summary.n_signed
                );
            }
            Ok(())
        })?,
        Command::Bench { runs, records, backup: backup_sizes } => {
            let runs = usize::try_from(runs).unwrap_or(5);
            let report = confidant_vault::bench::run(runs, Duration::from_secs(1))?;
            let mut records_reports = Vec::new();
            for n_notes in records {
                records_reports.push(confidant_vault::bench::run_records(n_notes, runs)?);
            }
            let mut backup_reports = Vec::new();
            for n_notes in backup_sizes {
                backup_reports.push(confidant_vault::bench::run_backup(n_notes, runs)?);
            }
            if cli.json {
                let all = json!({ "unlock": report, "records": records_reports, "backup": backup_reports });
                println!("{}", serde_json::to_string_pretty(&all).map_err(|error| Failure::Other(error.into()))?);
            } else {
                print_bench(&report);
                for records in &records_reports {
                    print_records_bench(records);
                }
                for backup_report in &backup_reports {
                    backup::print_bench(backup_report);
                }
            }
        }
    }
    Ok(())
}

fn print_bench(report: &confidant_vault::bench::BenchReport) {
    let kdf = &report.calibrated;
    println!(
        "Argon2id calibrated for 1 s: m = {} MiB, t = {}, p = {} (calibration took {:.0} ms)",
        kdf.memory_kib / 1024,
        kdf.iterations,
        kdf.parallelism,
        report.calibration_ms
    );
    let row = |name: &str, timing: &confidant_vault::bench::Timing| {
        println!(
            "{name:<34} median {:>9.2} ms   min {:>9.2}   max {:>9.2}   ({} runs)",
            timing.median_ms, timing.min_ms, timing.max_ms, timing.runs
        );
    };
    row("one derivation", &report.derivation);
    row("unlock (derive + open + check)", &report.unlock);
    row("open with the raw data key", &report.open_with_raw_key);
    for journal in &report.journal_modes {
        row(&format!("commit 2 KB row, {}", journal.mode), &journal.commit);
    }
}

/// Unlocks, runs one command, locks again (even when the command failed).
fn with_vault(
    location: &VaultLocation,
    sources: &SecretSources,
    keychain: Arc<dyn DeviceKeychain>,
    action: impl FnOnce(&mut Vault, &Passphrase) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let passphrase = sources.passphrase("Passphrase")?;
    let mut vault = Vault::unlock(location, &passphrase, keychain)?;
    let result = action(&mut vault, &passphrase);
    let _ = vault.lock(LockReason::Quit);
    result
}

fn print_records_bench(report: &confidant_vault::bench::RecordsReport) {
    println!();
    println!(
        "{} notes (filled in {:.1} s); SQLCipher vs plain SQLite, same run:",
        report.n_notes,
        report.fill_ms / 1000.0
    );
    let row = |name: &str, encrypted: &confidant_vault::bench::Timing, plain: &confidant_vault::bench::Timing| {
        let ratio = if plain.p99_ms > 0.0 { encrypted.p99_ms / plain.p99_ms } else { 0.0 };
        println!(
            "  {name:<30} p50 {:>8.2} ms  p99 {:>8.2} ms   | plain p50 {:>8.2}  p99 {:>8.2}   p99 ratio {:>5.2}",
            encrypted.median_ms, encrypted.p99_ms, plain.median_ms, plain.p99_ms, ratio
        );
    };
    row("save a note", &report.encrypted.save_note, &report.plain.save_note);
    row("open a chart", &report.encrypted.open_chart, &report.plain.open_chart);
    for ((label, encrypted), (_, plain)) in report.encrypted.search.iter().zip(&report.plain.search) {
        row(&format!("search: {label}"), encrypted, plain);
    }
    row("search: whole mix", &report.encrypted.search_mix, &report.plain.search_mix);
}

fn report(json_output: bool, message: &str) {
    if json_output {
        println!("{}", json!({ "ok": true, "message": message }));
    } else {
        println!("{}", capitalise(message));
    }
}

fn capitalise(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}
