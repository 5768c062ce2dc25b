//! `mqttgen docs SPEC -o DIR`: the contract as a static HTML site (see `mqttgen_codegen::docs`),
//! and the page `mqttgen export --html DIR` writes from an exported document.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mqttgen_codegen::spec::LoadOptions;
use mqttgen_codegen::{Generator, Settings};

use super::reading::ReadArgs;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};

/// Arguments of `mqttgen docs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The AsyncAPI document (YAML or JSON, 2.0–3.1).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// The folder of the site (created when missing): index.html, style.css, script.js.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Where `$ref`s may reach and how much may be read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Writes the site; exit 0 on success, 1 on spec errors (nothing written), 2 on I/O errors.
pub fn run(args: &Args) -> ExitCode {
    write_site(&args.spec, &args.read.options(), &args.output)
}

/// Loads `spec`, renders its page into `output` and says where it went.
pub fn write_site(spec: &Path, options: &LoadOptions, output: &Path) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let generator = Generator::new(Settings {
        load: options.clone(),
        ..Settings::default()
    });
    let loaded = generator.load(spec);
    if !loaded.diagnostics.is_empty() {
        let _ = write!(out, "{}", crate::render::render(&loaded, false));
    }
    if loaded.sources.files.is_empty() {
        return ExitCode::from(EXIT_USAGE);
    }
    let document = match (&loaded.document, loaded.has_errors()) {
        (Some(document), false) => document,
        _ => {
            let _ = writeln!(
                out,
                "mqttgen: {} has errors; no docs written",
                spec.display()
            );
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    let site = match mqttgen_codegen::docs::render(document) {
        Ok(site) => site,
        Err(e) => {
            let _ = writeln!(out, "mqttgen: template error: {e:#}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Err(e) = site.write_to(output) {
        let _ = writeln!(out, "mqttgen: cannot write {}: {e}", output.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let bytes = site.file("index.html").map_or(0, str::len);
    let _ = writeln!(
        out,
        "{}: wrote index.html ({} KiB), style.css, script.js",
        output.display(),
        bytes.div_ceil(1024)
    );
    ExitCode::from(EXIT_OK)
}
