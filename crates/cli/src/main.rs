//! `confidant`: the command line over the vault, for scripts, backups and support.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

/// Confidant's command line.
#[derive(Debug, Parser)]
#[command(name = "confidant", version, about = "Encrypted notebook for therapists: command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the app and SQLCipher versions.
    Version,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            let sqlcipher = confidant_vault::sqlcipher_version()?;
            #[allow(clippy::print_stdout)]
            {
                println!("confidant {} (sqlcipher {sqlcipher})", env!("CARGO_PKG_VERSION"));
            }
        }
    }
    Ok(())
}
