//! The `mqttgen` command line: one module per subcommand.
//!
//! To add a subcommand: add a module with an `Args` struct (clap `Args` derive) and a
//! `run(args) -> ExitCode` function, then one variant in [`Command`] and one arm in [`run`].

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

pub mod check;
pub mod diff;
pub mod docs;
pub mod export;
pub mod generate;
pub mod reading;

/// Exit code when there were no errors.
pub const EXIT_OK: u8 = 0;
/// Exit code when a document has errors.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// AsyncAPI documents in, typed Rust MQTT services out.
#[derive(Debug, Parser)]
#[command(name = "mqttgen", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate AsyncAPI documents and print located diagnostics.
    Check(check::Args),
    /// Generate a whole crate from an AsyncAPI document.
    Generate(generate::Args),
    /// Write the contract as a static HTML site (index.html, style.css, script.js).
    Docs(docs::Args),
    /// Export the AsyncAPI document of a crate (runs its `asyncapi` binary through Cargo).
    Export(export::Args),
    /// Compare two versions of a contract: who breaks, by direction (exit 1 on breaking changes).
    Diff(diff::Args),
}

/// Output format for diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human text with source snippets.
    #[default]
    Human,
    /// One JSON object per run, for machines.
    Json,
}

/// Parses the command line and runs the subcommand. Usage errors exit with 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Generate(args) => {
            crate::memory::without_huge_pages();
            generate::run(&args)
        }
        Command::Export(args) => export::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Docs(args) => {
            crate::memory::without_huge_pages();
            docs::run(&args)
        }
    }
}
