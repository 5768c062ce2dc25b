//! `mqttgen generate SPEC -o DIR`: write a whole crate (or, with `--check`, report stale files).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mqttgen_codegen::output::{spec_label, write_crate, CrateWrite, Staleness, MANIFEST};
use mqttgen_codegen::{CrateOptions, GeneratedFile, Generator, Role, RuntimeDependency, Settings};

use super::reading::ReadArgs;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};

/// Which side of the spec to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// The application the spec describes: handles what it receives, publishes what it sends.
    #[default]
    App,
    /// The mirror (device simulator, test client): publishes what the app receives.
    Client,
}

/// Arguments of `mqttgen generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The AsyncAPI document (YAML or JSON, 2.0–3.1).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// The folder of the generated crate (created when missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Which side to generate.
    #[arg(long, value_enum, default_value_t = RoleArg::App)]
    pub role: RoleArg,
    /// Package name of the generated crate (default: from the spec's title and the role).
    #[arg(long, value_name = "NAME")]
    pub crate_name: Option<String>,
    /// Depend on a local checkout of the `mqttgen` runtime crate instead of the published version.
    #[arg(long, value_name = "DIR")]
    pub runtime_path: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that differ when the crate on disk is stale.
    #[arg(long)]
    pub check: bool,
    /// Overwrite files in the output folder that mqttgen did not write (without it, `generate`
    /// refuses and writes nothing when such a file is in the way).
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
    /// Where `$ref`s may reach and how much may be read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Generates the crate; exit 0 on success (or up to date), 1 on spec errors, on files in the way
/// that mqttgen did not write (nothing is written then) or on stale files with `--check`, 2 on
/// I/O errors.
pub fn run(args: &Args) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let role = match args.role {
        RoleArg::App => Role::App,
        RoleArg::Client => Role::Client,
    };
    let generator = Generator::new(Settings {
        role,
        load: args.read.options(),
    });
    let loaded = generator.load(&args.spec);
    if loaded.sources.files.is_empty() {
        let _ = write!(out, "{}", crate::render::render(&loaded, false));
        return ExitCode::from(EXIT_USAGE);
    }
    if !loaded.diagnostics.is_empty() {
        let _ = write!(out, "{}", crate::render::render(&loaded, false));
    }
    let document = match (&loaded.document, loaded.has_errors()) {
        (Some(doc), false) => doc,
        _ => {
            let _ = writeln!(
                out,
                "mqttgen: {} has errors; nothing generated",
                args.spec.display()
            );
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    let module = match generator.module(document) {
        Ok(module) => module,
        Err(errors) => {
            for e in &errors {
                let _ = writeln!(out, "error[{}]: {}", e.code, e.message);
            }
            return ExitCode::from(EXIT_ERRORS);
        }
    };
    for warning in &module.diagnostics {
        let _ = writeln!(out, "warning[{}]: {}", warning.code, warning.message);
    }
    let output_dir = absolute(&args.output);
    let options = CrateOptions {
        crate_name: args.crate_name.clone(),
        runtime: match &args.runtime_path {
            Some(path) => RuntimeDependency::Path(absolute(path)),
            None => RuntimeDependency::default(),
        },
        output_dir: output_dir.clone(),
        spec_label: spec_label(&args.spec, &output_dir),
        role_name: match role {
            Role::App => "app".to_string(),
            Role::Client => "client".to_string(),
        },
    };
    let files = match generator.crate_files(document, &module, &options) {
        Ok(files) => files,
        Err(e) => {
            let _ = writeln!(out, "mqttgen: template error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if args.check {
        return check(&args.output, &files, &mut out);
    }
    match write_crate(&args.output, &files, args.force) {
        Ok(CrateWrite::Done {
            report,
            removed,
            kept,
        }) => {
            let _ = writeln!(
                out,
                "{}: wrote {} file(s), {} unchanged",
                args.output.display(),
                report.written.len(),
                report.unchanged.len()
            );
            if !removed.is_empty() {
                let _ = writeln!(
                    out,
                    "removed {} file(s) mqttgen generated before and no longer generates:",
                    removed.len()
                );
                list(&mut out, &removed);
            }
            if !kept.is_empty() {
                let _ = writeln!(
                    out,
                    "kept {} file(s) no longer generated: they lost mqttgen's @generated header, so they are yours now:",
                    kept.len()
                );
                list(&mut out, &kept);
            }
            ExitCode::from(EXIT_OK)
        }
        Ok(CrateWrite::Refused(foreign)) => {
            let _ = writeln!(
                out,
                "mqttgen: {} holds {} file(s) that mqttgen did not write; nothing was written:",
                args.output.display(),
                foreign.len()
            );
            list(&mut out, &foreign);
            let _ = writeln!(
                out,
                "choose an empty folder or one mqttgen generated (`-o DIR`), or pass `--force` to overwrite them"
            );
            ExitCode::from(EXIT_ERRORS)
        }
        Err(e) => {
            let _ = writeln!(out, "mqttgen: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// `--check`: exit 0 when the folder holds exactly what would be generated, else 1 and the list.
fn check(dir: &Path, files: &[GeneratedFile], out: &mut impl Write) -> ExitCode {
    let staleness = match Staleness::new(dir, files) {
        Ok(staleness) => staleness,
        Err(e) => {
            let _ = writeln!(out, "mqttgen: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if staleness.is_fresh() {
        let _ = writeln!(out, "{}: up to date", dir.display());
        return ExitCode::from(EXIT_OK);
    }
    if !staleness.differ.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} generated file(s) are stale; run `mqttgen generate` again:",
            dir.display(),
            staleness.differ.len()
        );
        for file in &staleness.differ {
            let note = if staleness.foreign.contains(file) {
                " (not written by mqttgen: `generate` refuses to overwrite it without `--force`)"
            } else {
                ""
            };
            let _ = writeln!(out, "  {}{note}", file.display());
        }
    }
    if !staleness.obsolete.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} file(s) are no longer generated (listed in {MANIFEST}); `mqttgen generate` removes them:",
            dir.display(),
            staleness.obsolete.len()
        );
        list(out, &staleness.obsolete);
    }
    ExitCode::from(EXIT_ERRORS)
}

fn list(out: &mut impl Write, paths: &[PathBuf]) {
    for path in paths {
        let _ = writeln!(out, "  {}", path.display());
    }
}

fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
