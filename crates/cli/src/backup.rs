//! `backup`, `backup list` and `restore`: thin wrappers over
//! `confidant_vault::backup`, keeping `backup.json` up to date the way the app does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Local, Utc};
use clap::{Args, Subcommand};
use confidant_vault::backup::{
    self, BackupContents, BackupInfo, BackupSettings, ListedBackup, RestoreKey, RestoreTarget,
};
use confidant_vault::device::DeviceKeychain;
use confidant_vault::{Error, LockReason, Passphrase, Vault, VaultLocation, rate_passphrase};
use serde_json::json;

use crate::Failure;
use crate::secrets::SecretSources;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    action: Option<BackupCommand>,
    /// Write the backup into this folder instead of the one chosen in the app's Settings.
    #[arg(long, value_name = "DIR")]
    to: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum BackupCommand {
    /// List the backups in a folder, newest first (no passphrase needed).
    List {
        /// The folder (default: the one chosen in the app's Settings).
        #[arg(value_name = "DIR")]
        folder: Option<PathBuf>,
        /// Also list backups of other vaults.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (`.cbak`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Restore as a new vault in this folder (e.g. on a new computer) instead of
    /// into the --vault folder.
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
    /// Open the backup with the recovery key in this file and set a new passphrase.
    #[arg(long, value_name = "PATH")]
    recovery_file: Option<PathBuf>,
    /// Open the backup with the recovery key (env CONFIDANT_RECOVERY_KEY, or asked).
    #[arg(long)]
    recovery: bool,
    /// With the recovery key: the restored vault's new passphrase (env CONFIDANT_NEW_PASSPHRASE, or asked).
    #[arg(long, value_name = "PATH")]
    new_passphrase_file: Option<PathBuf>,
    /// Only open and check the backup and show what it holds; change nothing.
    #[arg(long, conflicts_with = "keys_only")]
    dry_run: bool,
    /// Only put the backup's key file in place of a missing or damaged vault.keys;
    /// the database (with any newer notes) stays.
    #[arg(long, conflicts_with_all = ["into", "recovery_file", "recovery", "new_passphrase_file"])]
    keys_only: bool,
}

/// Which folder a backup goes to, and whether it is the one in backup.json.
struct Destination {
    folder: PathBuf,
    is_configured: bool,
}

/// `confidant backup [--to DIR]` and `confidant backup list [DIR]`.
pub fn backup(
    location: &VaultLocation,
    sources: &SecretSources,
    keychain: Arc<dyn DeviceKeychain>,
    args: BackupArgs,
    json_output: bool,
) -> Result<(), Failure> {
    match args.action {
        Some(BackupCommand::List { folder, all }) => list(location, folder, all, json_output),
        None => back_up(location, sources, keychain, args.to, json_output),
    }
}

fn back_up(
    location: &VaultLocation,
    sources: &SecretSources,
    keychain: Arc<dyn DeviceKeychain>,
    to: Option<PathBuf>,
    json_output: bool,
) -> Result<(), Failure> {
    let settings = BackupSettings::read(location);
    let destination = destination(&settings, to)?;
    let passphrase = sources.passphrase("Passphrase")?;
    let mut vault = Vault::unlock(location, &passphrase, keychain)?;
    // Taken before the backup: the backup event itself is not a change.
    let (through, result) = match vault.last_change() {
        Ok(through) => (through, vault.back_up_to(&destination.folder, settings.keep)),
        Err(error) => (0, Err(error)),
    };
    let _ = vault.lock(LockReason::Quit);

    // backup.json describes the chosen folder (the app decides from it whether a
    // backup is due): a backup elsewhere neither counts as one nor clears a failure.
    let mut recorded = false;
    if destination.is_configured {
        let mut status = BackupSettings::read(location);
        status.record(&result, through, Utc::now());
        match status.write(location) {
            Ok(()) => recorded = true,
            // The backup's outcome matters more than the status file: report it, warn.
            Err(error) => eprintln!("confidant: warning: could not record the outcome in backup.json: {error}"),
        }
    }
    let report = result?;

    if json_output {
        println!(
            "{}",
            json!({
                "backup": info_json(&report.info),
                "contents": report.contents,
                "removed": report.removed,
                "took_ms": report.took.as_millis() as u64,
                "recorded_in_settings": recorded,
            })
        );
    } else {
        println!("Backed up to {} ({}).", report.info.path.display(), human_size(report.info.bytes));
        println!("{}", describe_contents(&report.contents));
        if !report.removed.is_empty() {
            let keep = settings.keep;
            println!(
                "Removed {} older backup{} (keeping {} daily, {} weekly, {} monthly): {}",
                report.removed.len(),
                if report.removed.len() == 1 { "" } else { "s" },
                keep.daily,
                keep.weekly,
                keep.monthly,
                report.removed.join(", ")
            );
        }
        if !destination.is_configured && settings.folder.is_some() {
            println!("This folder is not the one chosen in Settings; the app's backup status is unchanged.");
        }
    }
    Ok(())
}

fn destination(settings: &BackupSettings, to: Option<PathBuf>) -> Result<Destination, Failure> {
    let configured = settings.folder.as_deref();
    match to {
        Some(folder) => {
            let is_configured = configured.is_some_and(|configured| same_folder(configured, &folder));
            Ok(Destination { folder, is_configured })
        }
        None => {
            configured.map(|folder| Destination { folder: folder.to_owned(), is_configured: true }).ok_or_else(|| {
                Failure::Usage(
                    "no backup folder is chosen; pass --to DIR, or choose a folder in the app's Settings".to_owned(),
                )
            })
        }
    }
}

fn same_folder(first: &Path, second: &Path) -> bool {
    match (std::fs::canonicalize(first), std::fs::canonicalize(second)) {
        (Ok(first), Ok(second)) => first == second,
        _ => first == second,
    }
}

fn list(location: &VaultLocation, folder: Option<PathBuf>, all: bool, json_output: bool) -> Result<(), Failure> {
    let folder = match folder {
        Some(folder) => folder,
        None => BackupSettings::read(location).folder.ok_or_else(|| {
            Failure::Usage(
                "no backup folder is chosen; pass the folder, or choose one in the app's Settings".to_owned(),
            )
        })?,
    };
    // Without vault.keys (or without a vault here, on a new computer) every
    // vault's backups are listed: the one to restore is among them.
    let this_vault = Vault::status(location).ok().and_then(|status| status.vault_id);
    let only = if all { None } else { this_vault.as_deref() };
    let listed = backup::list_backups(&folder, only)?;
    if json_output {
        let entries: Vec<serde_json::Value> = listed
            .iter()
            .map(|listed| match listed {
                ListedBackup::Readable(info) => {
                    let mut entry = info_json(info);
                    entry["damaged"] = json!(false);
                    entry["this_vault"] = json!(this_vault.as_deref().map(|id| id == info.vault_id));
                    entry
                }
                ListedBackup::Damaged { path, error } => json!({
                    "path": path,
                    "file_name": file_name(path),
                    "damaged": true,
                    "code": error.code(),
                    "problem": damage_reason(error),
                }),
            })
            .collect();
        println!("{}", serde_json::Value::Array(entries));
        return Ok(());
    }
    if listed.is_empty() {
        println!("No backups in {}.", folder.display());
        return Ok(());
    }
    println!("Backups in {}, newest first:", folder.display());
    for listed in &listed {
        match listed {
            ListedBackup::Readable(info) => {
                let other = this_vault.as_deref().is_some_and(|id| id != info.vault_id);
                println!(
                    "  {}  {:>10}  {}{}",
                    local_time(info.created_at),
                    human_size(info.bytes),
                    info.file_name,
                    if other { "  (another vault)" } else { "" }
                );
            }
            ListedBackup::Damaged { path, error } => {
                println!("  {:<19}  {:>10}  {}: {}", "DAMAGED", "", file_name(path), damage_reason(error));
            }
        }
    }
    Ok(())
}

/// `confidant restore FILE [--into DIR] [--dry-run | --keys-only]`.
pub fn restore(
    location: &VaultLocation,
    sources: &SecretSources,
    keychain: Arc<dyn DeviceKeychain>,
    args: RestoreArgs,
    json_output: bool,
) -> Result<(), Failure> {
    if args.keys_only {
        return restore_keys(location, &args.file, json_output);
    }
    let info = backup::read_backup_info(&args.file)?;
    let with_recovery_key = args.recovery || args.recovery_file.is_some();
    if !with_recovery_key && args.new_passphrase_file.is_some() {
        return Err(Failure::Usage(
            "--new-passphrase-file goes with the recovery key: add --recovery-file PATH".to_owned(),
        ));
    }
    let passphrase;
    let recovery_key;
    let new_passphrase;
    let key = if with_recovery_key {
        recovery_key = sources.recovery_key(args.recovery_file.clone())?;
        new_passphrase = if args.dry_run {
            // A preview opens the recovery slot only; no passphrase is set.
            Passphrase::new(String::new())
        } else {
            let new = sources.new_passphrase(args.new_passphrase_file.clone(), "New passphrase")?;
            // Checked before any file moves: the restore sets it only at the very end.
            let strength = rate_passphrase(&new);
            if !strength.acceptable {
                return Err(Failure::Vault(Error::WeakPassphrase {
                    reason: strength.advice.unwrap_or_else(|| "choose a longer passphrase".to_owned()),
                }));
            }
            new
        };
        RestoreKey::RecoveryKey { recovery_key: &recovery_key, new_passphrase: &new_passphrase }
    } else {
        passphrase = sources.passphrase(&format!(
            "Passphrase the vault had on {} (when the backup was made)",
            info.created_at.with_timezone(&Local).format("%Y-%m-%d")
        ))?;
        RestoreKey::Passphrase(&passphrase)
    };

    if args.dry_run {
        let (info, contents) = backup::preview_backup(&args.file, &key, keychain.as_ref())?;
        if json_output {
            println!("{}", json!({ "backup": info_json(&info), "contents": contents, "dry_run": true }));
        } else {
            println!("{}: made {}, {}.", info.file_name, local_time(info.created_at), human_size(info.bytes));
            println!("{}", describe_contents(&contents));
            println!("Nothing was changed.");
        }
        return Ok(());
    }

    // Without --into, the backup goes into the --vault folder: over the vault
    // there (after a safety copy), or as a new vault when there is none yet.
    let (into, target) = match &args.into {
        Some(folder) => (VaultLocation::new(folder), RestoreTarget::NewVault),
        None if location.exists() || location.database_path().exists() => {
            (location.clone(), RestoreTarget::ReplaceExisting)
        }
        None => (location.clone(), RestoreTarget::NewVault),
    };
    let restored = backup::restore_backup(&args.file, &into, &key, target, keychain)?;
    let device_bound = restored.vault.is_device_bound();
    let _ = restored.vault.lock(LockReason::Quit);
    let contents = restored.contents;
    let safety_copy = restored.safety_copy;
    if json_output {
        println!(
            "{}",
            json!({
                "backup": info_json(&info),
                "contents": contents,
                "vault": into.folder(),
                "replaced_existing": target == RestoreTarget::ReplaceExisting,
                "safety_copy": safety_copy,
                "device_bound": device_bound,
            })
        );
    } else {
        println!("Restored the backup of {} into {}.", local_time(info.created_at), into.folder().display());
        println!("{}", describe_contents(&contents));
        if let Some(safety_copy) = &safety_copy {
            println!(
                "The vault it replaced was copied first to {} (a whole vault: open it with --vault to look inside).",
                safety_copy.display()
            );
        }
        if with_recovery_key {
            println!("The new passphrase is set.");
        }
    }
    Ok(())
}

fn restore_keys(location: &VaultLocation, file: &Path, json_output: bool) -> Result<(), Failure> {
    let info = backup::read_backup_info(file)?;
    backup::restore_key_file(file, location)?;
    if json_output {
        println!("{}", json!({ "backup": info_json(&info), "restored": "vault.keys", "vault": location.folder() }));
    } else {
        println!("vault.keys restored from the backup of {}.", local_time(info.created_at));
        println!(
            "Unlock with the passphrase the vault had then, or with the recovery key. The notes written since \
             stay. If the data key was rotated after that backup, the vault will not open: restore the whole \
             backup instead."
        );
    }
    Ok(())
}

fn info_json(info: &BackupInfo) -> serde_json::Value {
    json!({
        "path": info.path,
        "file_name": info.file_name,
        "vault_id": info.vault_id,
        "created_at": info.created_at.to_rfc3339(),
        "schema_version": info.schema_version,
        "bytes": info.bytes,
    })
}

fn describe_contents(contents: &BackupContents) -> String {
    match contents.signed_notes {
        Some(signed) => format!(
            "{} clients, {} notes ({signed} signed), newest session {}; audit log of {} events verified.",
            contents.clients,
            contents.notes,
            contents.newest_session_date.as_deref().unwrap_or("—"),
            contents.audit_events
        ),
        None => format!(
            "{} clients, {} notes; audit log of {} events verified.",
            contents.clients, contents.notes, contents.audit_events
        ),
    }
}

/// The reason alone for a damaged backup (the full message adds advice meant for a restore).
fn damage_reason(error: &Error) -> String {
    match error {
        Error::BackupDamaged { reason } => (*reason).to_owned(),
        other => other.to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

fn local_time(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

pub fn print_bench(report: &confidant_vault::bench::BackupBenchReport) {
    println!();
    println!(
        "Backup of {} notes (vault filled in {:.1} s): vault.db {}, backup file {}; medians of {} runs:",
        report.n_notes,
        report.fill_ms / 1000.0,
        human_size(report.database_bytes),
        human_size(report.backup_bytes),
        report.backup.runs
    );
    let row = |name: &str, timing: &confidant_vault::bench::Timing| {
        println!(
            "  {name:<44} median {:>9.1} ms   min {:>9.1}   max {:>9.1}",
            timing.median_ms, timing.min_ms, timing.max_ms
        );
    };
    row("backup (copy, sync, verify, rename, rotate)", &report.backup);
    row("plain copy of vault.db", &report.copy);
    row("durable copy (copy + sync_all)", &report.durable_copy);
    row("preview with the recovery key", &report.preview_with_recovery_key);
    row("  of which one Argon2id derivation", &report.recovery_key_derivation);
    println!("  {:<44} ~{:.1} ms", "verification (preview less derivation)", report.verification_ms);
    let steps = &report.verification_steps;
    row("  step: PRAGMA quick_check", &steps.quick_check);
    row(&format!("  step: audit chain ({} events)", steps.audit_events), &steps.audit_chain);
    row("  step: counts", &steps.counts);
    row("  alternative: PRAGMA cipher_integrity_check", &steps.cipher_integrity_check);
    println!(
        "  ratio backup / copy {:.2}, backup / durable copy {:.2} (target ≤ 1.5× a plain copy)",
        report.backup_to_copy, report.backup_to_durable_copy
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(300 * 1024 * 1024), "300.0 MiB");
    }
}
