//! `mqttgen diff OLD NEW`: the CLI glue of [`mqttgen_codegen::diff`] (all logic is in the library).

use std::io::Write;
use std::process::ExitCode;

use clap::ValueEnum;
use mqttgen_codegen::diff::input::{load, Source};
use mqttgen_codegen::diff::render::{self, Format as RenderFormat};
use mqttgen_codegen::diff::{diff, FailOn as LibFailOn, Side};

use super::reading::ReadArgs;
use super::EXIT_USAGE;

/// Output format of `mqttgen diff`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain text.
    #[default]
    Human,
    /// One JSON object.
    Json,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// Which changes make the exit code 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Wire- or API-breaking changes.
    #[default]
    Breaking,
    /// Any change, docs-only included.
    Any,
    /// Never.
    None,
}

/// Arguments of `mqttgen diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old contract: a file, or `REV:path` read with `git show` (`origin/main:specs/x.yaml`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new contract: a file, or `REV:path`.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with 1 when a change at or above this level is found.
    #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
    pub fail_on: FailOn,
    /// Where `$ref`s may reach and how much may be read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Compares OLD and NEW: exit 0 (nothing at or above `--fail-on`), 1 (something), 2 (a document
/// cannot be read or does not load: its diagnostics are printed as `check` prints them).
pub fn run(args: &Args) -> ExitCode {
    let options = args.read.options();
    let (old_source, new_source) = (Source::parse(&args.old), Source::parse(&args.new));
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| load(&old_source, &options));
        let new = load(&new_source, &options);
        (old.join().expect("loading does not panic"), new)
    });
    let mut out = std::io::stdout().lock();
    // A document that does not load gets `check`'s diagnostics, in the chosen format.
    let mut broken = Vec::new();
    let mut failed = false;
    for (source, loaded) in [(&old_source, &old), (&new_source, &new)] {
        if loaded.document.is_none() || loaded.has_errors() {
            failed = true;
            let name = source.name();
            if args.format == Format::Json {
                broken.push(super::check::json_report(&name, loaded));
            } else {
                let _ = write!(out, "{}", crate::render::render(loaded, false));
                let _ = writeln!(out, "{}", super::check::summary(&name, loaded));
            }
        }
    }
    let message = "mqttgen diff: cannot compare documents that do not load";
    let (Some(old_side), Some(new_side), true) = (Side::of(&old), Side::of(&new), !failed) else {
        if args.format == Format::Json {
            let all = serde_json::json!({ "error": message, "documents": broken });
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&all).unwrap_or_default()
            );
        } else {
            let _ = writeln!(out, "{message}");
        }
        return ExitCode::from(EXIT_USAGE);
    };
    let report = diff(old_side, new_side);
    let format = match args.format {
        Format::Human => RenderFormat::Human,
        Format::Json => RenderFormat::Json,
        Format::Markdown => RenderFormat::Markdown,
    };
    let text = render::render(&report, &old_source.name(), &new_source.name(), format);
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    let code = report.exit_code(match args.fail_on {
        FailOn::Breaking => LibFailOn::Breaking,
        FailOn::Any => LibFailOn::Any,
        FailOn::None => LibFailOn::None,
    });
    // The process ends here: freeing both documents' trees and models node by node would only
    // cost time (a few percent of a large diff).
    std::mem::forget((report, old, new));
    ExitCode::from(code)
}
