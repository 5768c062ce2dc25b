//! The `asyncapi` binary of a user's crate: `cargo run --bin asyncapi -- [options]`.
//!
//! ```text
//! --format yaml|json       output format (default: from --output's extension, else yaml)
//! --version 3.0.0|3.1.0    AsyncAPI version (default 3.0.0)
//! --output FILE            write to FILE (only when the content changed) instead of stdout
//! --check FILE             compare with FILE instead of writing; exit 1 with the differences
//! ```

use super::compare::check_file;
use super::model::{AsyncApiVersion, Document};
use super::service::Service;
use super::yaml::Format;
use super::ExportError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Anything `cli_main` can export: a [`Document`], a [`Service`] or a `Result` of a document.
pub trait IntoDocument {
    /// The document, or why it cannot be exported.
    fn into_document(self) -> Result<Document, ExportError>;
}

impl IntoDocument for Document {
    fn into_document(self) -> Result<Document, ExportError> {
        Ok(self)
    }
}

impl IntoDocument for Result<Document, ExportError> {
    fn into_document(self) -> Result<Document, ExportError> {
        self
    }
}

impl IntoDocument for &Service {
    fn into_document(self) -> Result<Document, ExportError> {
        self.document()
    }
}

impl IntoDocument for Service {
    fn into_document(self) -> Result<Document, ExportError> {
        self.document()
    }
}

/// Options of the `asyncapi` binary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CliOptions {
    /// Output format; `None` picks it from `output`'s extension, else YAML.
    pub format: Option<Format>,
    /// AsyncAPI version; `None` keeps the document's.
    pub version: Option<AsyncApiVersion>,
    /// File to write.
    pub output: Option<PathBuf>,
    /// File to compare with.
    pub check: Option<PathBuf>,
}

const USAGE: &str =
    "usage: asyncapi [--format yaml|json] [--version 3.0.0|3.1.0] [--output FILE | --check FILE]";

impl CliOptions {
    /// Parses the arguments after the program name.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<CliOptions, String> {
        let mut options = CliOptions::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.to_owned());
            }
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
            };
            match flag.as_str() {
                "--format" | "-f" => {
                    options.format = Some(match value()?.as_str() {
                        "yaml" | "yml" => Format::Yaml,
                        "json" => Format::Json,
                        other => return Err(format!("unknown format `{other}`; use yaml or json")),
                    })
                }
                "--version" => {
                    let v = value()?;
                    options.version = Some(AsyncApiVersion::parse(&v).ok_or_else(|| {
                        format!("unsupported AsyncAPI version `{v}`; use 3.0.0 or 3.1.0")
                    })?)
                }
                "--output" | "-o" => options.output = Some(value()?.into()),
                "--check" => options.check = Some(value()?.into()),
                other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            }
        }
        if options.output.is_some() && options.check.is_some() {
            return Err(format!("--output and --check exclude each other\n{USAGE}"));
        }
        Ok(options)
    }
}

/// Runs the export with `options`; returns what to print on stdout.
pub fn run(document: Document, options: &CliOptions) -> Result<String, String> {
    let mut document = document;
    if let Some(version) = options.version {
        document.version = version;
    }
    if let Some(path) = &options.check {
        check_file(&document, path)?;
        return Ok(String::new());
    }
    let format = options
        .format
        .or_else(|| options.output.as_deref().map(Format::for_path))
        .unwrap_or_default();
    let text = document.render(format).map_err(|e| e.to_string())?;
    match &options.output {
        Some(path) => {
            if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(path, &text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            Ok(String::new())
        }
        None => Ok(text),
    }
}

/// The whole `main` of an `asyncapi` binary: parses `std::env::args`, prints or writes the
/// document, reports errors on stderr with exit code 1 (2 for bad arguments).
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let service = mqttgen::asyncapi::Service::new("Thermostat", "1.0.0");
///     mqttgen::asyncapi::cli_main(&service)
/// }
/// ```
pub fn cli_main(document: impl IntoDocument) -> ExitCode {
    let options = match CliOptions::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = document
        .into_document()
        .map_err(|e| e.to_string())
        .and_then(|doc| run(doc, &options));
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_options() {
        let o = CliOptions::parse(args(&[
            "--format",
            "json",
            "--version=3.1.0",
            "-o",
            "x.json",
        ]))
        .unwrap();
        assert_eq!(o.format, Some(Format::Json));
        assert_eq!(o.version, Some(AsyncApiVersion::V3_1_0));
        assert_eq!(o.output, Some(PathBuf::from("x.json")));
        assert!(CliOptions::parse(args(&["--version", "2.6.0"])).is_err());
        assert!(CliOptions::parse(args(&["--format"])).is_err());
        assert!(CliOptions::parse(args(&["--bogus"])).is_err());
    }
}
