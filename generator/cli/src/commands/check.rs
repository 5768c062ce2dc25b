//! `mqttgen check SPEC...`: load, print diagnostics and a one-line summary per document.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use mqttgen_codegen::spec::Loaded;
use mqttgen_codegen::{Generator, Settings};

use super::reading::ReadArgs;
use super::{Format, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};

/// Arguments of `mqttgen check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// AsyncAPI documents (YAML or JSON, 2.0–3.1).
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Where `$ref`s may reach and how much may be read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Checks every document; exit 0 without errors, 1 with errors, 2 when a file cannot be read.
pub fn run(args: &Args) -> ExitCode {
    let mut any_errors = false;
    let mut io_error = false;
    let mut reports = Vec::new();
    let stdout = std::io::stdout();
    // Colours only for a terminal, and never when NO_COLOR is set.
    let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stdout.lock();
    let generator = Generator::new(Settings {
        load: args.read.options(),
        ..Settings::default()
    });
    for path in &args.specs {
        // With payload rules the generated code cannot enforce, at the schema that uses them.
        let loaded = generator.check(path);
        if loaded.sources.files.is_empty() {
            io_error = true;
        }
        any_errors |= loaded.has_errors();
        match args.format {
            Format::Human => {
                let _ = write!(out, "{}", crate::render::render(&loaded, colour));
                let _ = writeln!(out, "{}", summary(&path.display().to_string(), &loaded));
            }
            Format::Json => reports.push(json_report(&path.display().to_string(), &loaded)),
        }
        if args
            .specs
            .last()
            .is_some_and(|last| std::ptr::eq(path, last))
        {
            // The process ends after the last document: freeing its tree and model node by
            // node would only cost time (a few percent of a large check).
            std::mem::forget(loaded);
        }
    }
    if args.format == Format::Json {
        let all = serde_json::json!({ "documents": reports });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&all).unwrap_or_default()
        );
    }
    let _ = out.flush();
    if io_error {
        ExitCode::from(EXIT_USAGE)
    } else if any_errors {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::from(EXIT_OK)
    }
}

/// `path: AsyncAPI 2.6.0, 1 server, 4 channels, 4 operations, 3 messages; 0 errors, 1 warning`.
pub fn summary(name: &str, loaded: &Loaded) -> String {
    let counts = loaded.counts();
    let problems = format!(
        "{} {}, {} {}",
        counts.errors,
        plural(counts.errors, "error"),
        counts.warnings,
        plural(counts.warnings, "warning")
    );
    match &loaded.document {
        Some(doc) => format!(
            "{name}: AsyncAPI {}, {} {}, {} {}, {} {}, {} {}; {problems}",
            if doc.asyncapi_version.is_empty() {
                "?"
            } else {
                &doc.asyncapi_version
            },
            doc.servers.len(),
            plural(doc.servers.len(), "server"),
            doc.channels.len(),
            plural(doc.channels.len(), "channel"),
            doc.operations.len(),
            plural(doc.operations.len(), "operation"),
            doc.messages.len(),
            plural(doc.messages.len(), "message"),
        ),
        None => format!("{name}: not loaded; {problems}"),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// One document's `check --format json` object.
pub fn json_report(name: &str, loaded: &Loaded) -> serde_json::Value {
    let counts = loaded.counts();
    let summary = loaded.document.as_ref().map(|doc| {
        serde_json::json!({
            "asyncapi": doc.asyncapi_version,
            "servers": doc.servers.len(),
            "channels": doc.channels.len(),
            "operations": doc.operations.len(),
            "messages": doc.messages.len(),
        })
    });
    serde_json::json!({
        "path": name,
        "errors": counts.errors,
        "warnings": counts.warnings,
        "summary": summary,
        "diagnostics": loaded.to_json(),
    })
}
