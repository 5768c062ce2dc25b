//! The files of a generated crate, and the single file build.rs includes.

use std::path::{Path, PathBuf};

use minijinja::context;
use serde::Serialize;

use super::{generated_header, templates};
use crate::markdown::{code_span, plain_inline};
use crate::model::{Action, Document, Qos};

/// A file to write, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the output folder (`Cargo.toml`, `src/lib.rs`, ...).
    pub path: PathBuf,
    /// Full contents.
    pub contents: String,
}

/// A crate dependency of generated code, as it will appear in its Cargo.toml.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dependency {
    /// Crate name.
    pub name: String,
    /// TOML value: `"1"` or `{ version = "1", features = ["derive"] }`.
    pub spec: String,
}

impl Dependency {
    /// A dependency from a name and a TOML value.
    pub fn new(name: impl Into<String>, spec: impl Into<String>) -> Self {
        Dependency {
            name: name.into(),
            spec: spec.into(),
        }
    }
}

/// Where a generated crate finds the `mqttgen` runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeDependency {
    /// A version requirement on the published crate.
    Version(String),
    /// A local checkout of the runtime crate (`--runtime-path`); written relative to the output
    /// folder when possible so the generated crate can move with its repository.
    Path(PathBuf),
}

impl Default for RuntimeDependency {
    fn default() -> Self {
        RuntimeDependency::Version(env!("CARGO_PKG_VERSION").to_string())
    }
}

/// How to lay out a generated crate.
#[derive(Debug, Clone, Default)]
pub struct CrateOptions {
    /// Package name; derived from the spec's title when absent.
    pub crate_name: Option<String>,
    /// The runtime dependency.
    pub runtime: RuntimeDependency,
    /// The output folder (used to make `--runtime-path` relative).
    pub output_dir: PathBuf,
    /// How the spec is named in headers (`specs/streetlights.yaml`).
    pub spec_label: String,
    /// `app` or `client`.
    pub role_name: String,
}

/// How generated files name their spec: its path relative to `output_dir` (both with symlinks
/// resolved), so the bytes are the same in every checkout and from every working directory. The
/// path is written with `/`.
pub fn spec_label(spec: &Path, output_dir: &Path) -> String {
    let spec = crate::reader::reading::real_path(spec);
    let output_dir = crate::reader::reading::real_path(output_dir);
    relative_path(&spec, &output_dir)
        .unwrap_or(spec)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The file build.rs writes to `OUT_DIR`: the header and the module body.
pub fn module_file(module_source: &str, spec_label: &str) -> String {
    format!("{}\n{module_source}", generated_header(spec_label))
}

/// Every file of a generated crate: `Cargo.toml`, `src/lib.rs` and `README.md`.
pub fn crate_files(
    doc: &Document,
    module_source: &str,
    dependencies: &[Dependency],
    options: &CrateOptions,
) -> Result<Vec<GeneratedFile>, minijinja::Error> {
    let crate_name = options
        .crate_name
        .clone()
        .unwrap_or_else(|| default_crate_name(doc, &options.role_name));
    let mut deps: Vec<Dependency> = dependencies.to_vec();
    deps.retain(|d| d.name != "mqttgen");
    deps.push(Dependency::new(
        "mqttgen",
        runtime_spec(&options.runtime, &options.output_dir),
    ));
    deps.sort();
    deps.dedup_by(|a, b| a.name == b.name);

    let cargo_toml = templates::render(
        "Cargo.toml",
        context! {
            mqttgen_version => env!("CARGO_PKG_VERSION"),
            spec_file => crate::markdown::comment(&options.spec_label),
            crate_name => crate_name,
            crate_version => crate_version(&doc.info.version),
            description => toml_escape(&format!("Typed MQTT {} for {}", options.role_name, doc.info.title)),
            dependencies => deps,
        },
    )?;
    let readme = templates::render("README.md", readme_context(doc, &crate_name, options))?;
    let lib = format!(
        "{}//! {} {} — generated MQTT {} (see README.md).\n\n{module_source}",
        generated_header(&options.spec_label),
        crate::markdown::single_line(&doc.info.title),
        crate::markdown::single_line(&doc.info.version),
        options.role_name,
    );
    Ok(vec![
        GeneratedFile {
            path: PathBuf::from("Cargo.toml"),
            contents: cargo_toml,
        },
        GeneratedFile {
            path: PathBuf::from("README.md"),
            contents: readme,
        },
        GeneratedFile {
            path: PathBuf::from("src/lib.rs"),
            contents: lib,
        },
    ])
}

/// `streetlights-app` from the title `Streetlights` and role `app`.
fn default_crate_name(doc: &Document, role: &str) -> String {
    let mut name: String = doc
        .info
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-');
    let name = if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api-{name}")
    } else {
        name.to_string()
    };
    format!("{}-{role}", name.trim_end_matches('-'))
}

/// A semver version for the crate: the spec's `info.version` when it is one, else `0.1.0`.
fn crate_version(version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    if numeric {
        version.to_string()
    } else {
        "0.1.0".to_string()
    }
}

fn runtime_spec(runtime: &RuntimeDependency, output_dir: &Path) -> String {
    match runtime {
        RuntimeDependency::Version(v) => format!("\"{}\"", toml_escape(v)),
        RuntimeDependency::Path(path) => {
            let shown = relative_path(path, output_dir).unwrap_or_else(|| path.clone());
            format!(
                "{{ path = \"{}\" }}",
                toml_escape(&shown.to_string_lossy().replace('\\', "/"))
            )
        }
    }
}

/// `target` relative to `from` when both are absolute (or both relative), else `None`.
fn relative_path(target: &Path, from: &Path) -> Option<PathBuf> {
    if target.is_absolute() != from.is_absolute() {
        return None;
    }
    let target: Vec<_> = target.components().collect();
    let from: Vec<_> = from.components().collect();
    let common = target.iter().zip(&from).take_while(|(a, b)| a == b).count();
    if common == 0
        && target
            .first()
            .is_some_and(|c| matches!(c, std::path::Component::RootDir))
    {
        return None;
    }
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for part in &target[common..] {
        rel.push(part.as_os_str());
    }
    Some(rel)
}

/// The inside of a TOML basic string, on one line (line breaks become spaces).
fn toml_escape(s: &str) -> String {
    crate::markdown::toml_basic(&crate::markdown::single_line(s))
}

#[derive(Serialize)]
struct OperationRow {
    method: String,
    address: String,
    messages: String,
    qos: u8,
    retain: bool,
}

#[derive(Serialize)]
struct ServerRow {
    name: String,
    host: String,
    protocol: String,
    protocol_version: String,
}

fn readme_context(doc: &Document, crate_name: &str, options: &CrateOptions) -> minijinja::Value {
    let handled = if options.role_name == "client" {
        Action::Send
    } else {
        Action::Receive
    };
    let mut handlers = Vec::new();
    let mut publishers = Vec::new();
    for op in &doc.operations {
        let Some(action) = op.action else { continue };
        let channel = doc.channels.get(op.channel);
        let row = OperationRow {
            method: code_span(&op.id),
            address: channel
                .and_then(|c| c.address.as_ref())
                .map(|a| code_span(&a.raw))
                .unwrap_or_else(|| "(dynamic)".to_string()),
            messages: op
                .messages
                .iter()
                .filter_map(|&m| doc.messages.get(m))
                .map(|m| code_span(&m.name))
                .collect::<Vec<_>>()
                .join(", "),
            qos: op
                .mqtt
                .as_ref()
                .and_then(|b| b.qos)
                .unwrap_or(Qos::AtMostOnce) as u8,
            retain: op.mqtt.as_ref().and_then(|b| b.retain).unwrap_or(false),
        };
        if action == handled {
            handlers.push(row);
        } else {
            publishers.push(row);
        }
    }
    let servers: Vec<ServerRow> = doc
        .servers
        .iter()
        .map(|s| ServerRow {
            name: code_span(&s.name),
            host: code_span(&s.host),
            protocol: plain_inline(&s.protocol),
            protocol_version: plain_inline(&s.protocol_version.clone().unwrap_or_default()),
        })
        .collect();
    context! {
        mqttgen_version => env!("CARGO_PKG_VERSION"),
        spec_file => crate::markdown::comment(&options.spec_label),
        spec_code => code_span(&options.spec_label),
        crate_name => crate_name,
        title => plain_inline(&doc.info.title),
        api_version => plain_inline(&doc.info.version),
        description => doc.info.description.as_deref().map(crate::markdown::inert),
        role => options.role_name,
        role_name => if options.role_name == "client" { "client" } else { "service" },
        handlers => handlers,
        publishers => publishers,
        servers => servers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Info;

    fn doc() -> Document {
        Document {
            info: Info {
                title: "Street Lights: API".into(),
                version: "1.2.3".into(),
                description: None,
            },
            ..Document::default()
        }
    }

    #[test]
    fn crate_name_version_and_runtime_path() {
        let options = CrateOptions {
            runtime: RuntimeDependency::Path(PathBuf::from("/repo/runtime")),
            output_dir: PathBuf::from("/repo/target/gen/app"),
            spec_label: "specs/x.yaml".into(),
            role_name: "app".into(),
            crate_name: None,
        };
        let files = crate_files(
            &doc(),
            "pub struct X;\n",
            &[Dependency::new("serde_json", "\"1\"")],
            &options,
        )
        .unwrap();
        let cargo = &files[0].contents;
        assert!(
            cargo.contains("name = \"street-lights-api-app\""),
            "{cargo}"
        );
        assert!(cargo.contains("version = \"1.2.3\""), "{cargo}");
        assert!(
            cargo.contains("mqttgen = { path = \"../../../runtime\" }"),
            "{cargo}"
        );
        assert!(cargo.contains("serde_json = \"1\""), "{cargo}");
        assert!(cargo.starts_with("# This file is @generated by mqttgen"));
        assert!(files[2]
            .contents
            .starts_with("// This file is @generated by mqttgen"));
        assert!(files[2].contents.ends_with("pub struct X;\n"));
    }

    #[test]
    fn odd_versions_and_titles_still_make_a_valid_package() {
        let mut d = doc();
        d.info.title = "3D ☃ printer".into();
        d.info.version = "version.from.tag".into();
        let files = crate_files(
            &d,
            "",
            &[],
            &CrateOptions {
                role_name: "client".into(),
                ..CrateOptions::default()
            },
        )
        .unwrap();
        assert!(
            files[0]
                .contents
                .contains("name = \"api-3d-printer-client\""),
            "{}",
            files[0].contents
        );
        assert!(files[0].contents.contains("version = \"0.1.0\""));
    }
}
