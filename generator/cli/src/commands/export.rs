//! `mqttgen export`: the AsyncAPI document of a crate written code-first (or generated).
//!
//! Convention: the crate has a binary named `asyncapi` whose `main` is
//! `mqttgen::asyncapi::cli_main(service)`. `mqttgen export` builds and runs it with Cargo and
//! passes the options through, so the document always comes from the code as it compiles now.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use super::EXIT_USAGE;

/// Output format of the exported document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Arguments of `mqttgen export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The crate's Cargo.toml (default: the one Cargo finds from the current folder).
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The package, in a workspace.
    #[arg(short, long, value_name = "NAME")]
    pub package: Option<String>,
    /// The binary that prints the document.
    #[arg(long, default_value = "asyncapi", value_name = "NAME")]
    pub bin: String,
    /// yaml or json (default: from --output's extension, else yaml).
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// AsyncAPI version of the document: 3.0.0 (default) or 3.1.0.
    #[arg(long, value_name = "VERSION")]
    pub asyncapi_version: Option<String>,
    /// Write the document to FILE (only when it changed) instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "check")]
    pub output: Option<PathBuf>,
    /// Compare the document with FILE; exit 1 and print the differences when they differ
    /// (a drift check for CI).
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Also write the document's HTML page (as `mqttgen docs` does) into DIR.
    #[arg(long, value_name = "DIR", conflicts_with = "check")]
    pub html: Option<PathBuf>,
}

impl Args {
    /// The `cargo` command line this export runs.
    pub fn cargo_args(&self) -> Vec<String> {
        let mut args = vec!["run".to_string(), "--quiet".to_string()];
        if let Some(path) = &self.manifest_path {
            args.push("--manifest-path".into());
            args.push(path.display().to_string());
        }
        if let Some(package) = &self.package {
            args.push("--package".into());
            args.push(package.clone());
        }
        args.push("--bin".into());
        args.push(self.bin.clone());
        args.push("--".into());
        if let Some(format) = self.format {
            args.push("--format".into());
            args.push(match format {
                ExportFormat::Yaml => "yaml".into(),
                ExportFormat::Json => "json".into(),
            });
        }
        if let Some(version) = &self.asyncapi_version {
            args.push("--version".into());
            args.push(version.clone());
        }
        if let Some(output) = &self.output {
            args.push("--output".into());
            args.push(absolute(output));
        }
        if let Some(check) = &self.check {
            args.push("--check".into());
            args.push(absolute(check));
        }
        args
    }
}

fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Runs the crate's `asyncapi` binary through Cargo; its exit code is ours. With `--html`, the
/// exported document is written to `--output` (else to a temporary file, and not printed) and
/// then rendered as `mqttgen docs` renders a spec.
pub fn run(args: &Args) -> ExitCode {
    let Some(html) = &args.html else {
        return export(args);
    };
    let temporary = std::env::temp_dir().join(format!(
        "mqttgen-export-{}.{}",
        std::process::id(),
        if args.format == Some(ExportFormat::Json) {
            "json"
        } else {
            "yaml"
        }
    ));
    let document = args.output.clone().unwrap_or_else(|| temporary.clone());
    let with_output = Args {
        output: Some(document.clone()),
        html: None,
        manifest_path: args.manifest_path.clone(),
        package: args.package.clone(),
        bin: args.bin.clone(),
        format: args.format,
        asyncapi_version: args.asyncapi_version.clone(),
        check: None,
    };
    let exported = export(&with_output);
    if exported != ExitCode::SUCCESS {
        return exported;
    }
    let written = super::docs::write_site(
        &document,
        &mqttgen_codegen::spec::LoadOptions::default(),
        html,
    );
    if args.output.is_none() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

fn export(args: &Args) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(args.cargo_args())
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            eprintln!(
                "mqttgen export: cannot run {}: {e}",
                PathBuf::from(cargo).display()
            );
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprint!("{stderr}");
    if stderr.contains("no bin target named") {
        eprintln!(
            "hint: add a binary named `{}` to the crate whose main is \
             `mqttgen::asyncapi::cli_main(service())` (see the README, \"Export\")",
            args.bin
        );
        return ExitCode::from(EXIT_USAGE);
    }
    match output.status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::from(1),
    }
}
