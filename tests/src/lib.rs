//! Shared helpers for the end-to-end tests: where the public corpus is, which of its documents
//! to load, and one cargo workspace of generated crates built in a single `cargo` run.
//!
//! The generated workspace lives at `<workspace>/target/generated-crates/workspaces/<name>/` and
//! builds into `<workspace>/target/generated-crates/target`, so repeated runs are incremental and
//! never wait on the outer build's lock. Files are written only when their content changed.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../generator/tests/support/inputs.rs"]
mod inputs;

/// The root of the mqttgen workspace; whether CI runs (`CI=true`), where missing test data is a
/// failure; and the public AsyncAPI corpus (`$MQTTGEN_CORPUS`, else
/// `<workspace>/../shared/specs/public`, `None` after saying so when absent outside CI).
pub use inputs::{corpus as corpus_dir, under_ci, workspace_root};

/// One AsyncAPI document of the corpus.
#[derive(Clone, Debug)]
pub struct CorpusDocument {
    /// A readable, unique label: the file name, or `folder/sub/asyncapi.yaml` for multi-file
    /// documents.
    pub label: String,
    /// The entry file.
    pub path: PathBuf,
    /// The corpus folder: the ref root of every corpus document (the multi-file documents share
    /// a `common/` folder next to their own).
    pub ref_root: PathBuf,
}

impl CorpusDocument {
    /// A cargo package name for this document (`corpus-<label, sanitised>`), unique per label.
    pub fn crate_name(&self) -> String {
        crate_name("corpus", &self.label)
    }

    /// Loads the document with the corpus folder as its ref root.
    pub fn load(&self) -> mqttgen_codegen::spec::Loaded {
        mqttgen_codegen::spec::load_file_with(
            &self.path,
            &mqttgen_codegen::spec::LoadOptions::with_ref_root(&self.ref_root),
        )
    }
}

/// `prefix-<label>` with every character that cargo does not accept in a package name replaced
/// by `-` (lower case, no repeated dashes).
pub fn crate_name(prefix: &str, label: &str) -> String {
    let mut out = format!("{prefix}-");
    let mut dash = true;
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    out.trim_end_matches('-').to_string()
}

fn is_document_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Every document of the corpus, sorted by label: top-level `.yaml`/`.yml`/`.json` files, and in
/// each folder (a multi-file document) every `asyncapi.yaml`/`asyncapi.yml`/`asyncapi.json`
/// below it, skipping `common/` folders (shared fragments).
pub fn corpus_documents(dir: &Path) -> Vec<CorpusDocument> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            collect_entry_files(dir, &path, &name, &mut out);
        } else if is_document_file(&path) {
            out.push(CorpusDocument {
                label: name,
                path,
                ref_root: dir.to_path_buf(),
            });
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

fn collect_entry_files(corpus: &Path, dir: &Path, label: &str, out: &mut Vec<CorpusDocument>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "common" {
                collect_entry_files(corpus, &path, &format!("{label}/{name}"), out);
            }
        } else if matches!(
            name.as_str(),
            "asyncapi.yaml" | "asyncapi.yml" | "asyncapi.json"
        ) {
            out.push(CorpusDocument {
                label: format!("{label}/{name}"),
                path,
                ref_root: corpus.to_path_buf(),
            });
        }
    }
}

/// One member crate of a [`GeneratedWorkspace`].
#[derive(Clone, Debug, Default)]
pub struct CrateSpec {
    /// Package name (also the folder name).
    pub name: String,
    /// Files relative to the crate folder (`src/lib.rs`, `src/types.rs`, ...).
    pub files: BTreeMap<PathBuf, String>,
    /// Lines for `[dependencies]` (`serde = { version = "1", features = ["derive"] }`).
    pub dependencies: Vec<String>,
    /// Lines for `[dev-dependencies]`.
    pub dev_dependencies: Vec<String>,
    /// Lines for `[build-dependencies]`.
    pub build_dependencies: Vec<String>,
}

impl CrateSpec {
    /// A crate with no files yet.
    pub fn new(name: impl Into<String>) -> Self {
        CrateSpec {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Adds (or replaces) a file.
    pub fn file(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> &mut Self {
        self.files.insert(path.into(), text.into());
        self
    }

    /// Adds a `[dependencies]` line unless one for the same crate is there.
    pub fn dependency(&mut self, line: impl Into<String>) -> &mut Self {
        push_unique(&mut self.dependencies, line.into());
        self
    }

    /// Adds a `[dev-dependencies]` line unless one for the same crate is there.
    pub fn dev_dependency(&mut self, line: impl Into<String>) -> &mut Self {
        push_unique(&mut self.dev_dependencies, line.into());
        self
    }

    /// Adds a `[build-dependencies]` line unless one for the same crate is there.
    pub fn build_dependency(&mut self, line: impl Into<String>) -> &mut Self {
        push_unique(&mut self.build_dependencies, line.into());
        self
    }

    fn manifest(&self) -> String {
        format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [lib]\npath = \"src/lib.rs\"\n\n[features]\n# The generated test kits, as in `mqttgen generate` output.\n\
             testing = []\n# Declared so the strategies' `cfg(feature = \"proptest\")` is a known cfg; not enabled here.\n\
             proptest = [\"testing\"]\n\n[dependencies]\n{}\n\n[dev-dependencies]\n{}\n\n\
             [build-dependencies]\n{}\n",
            self.name,
            self.dependencies.join("\n"),
            self.dev_dependencies.join("\n"),
            self.build_dependencies.join("\n")
        )
    }
}

fn dependency_key(line: &str) -> &str {
    line.split('=').next().unwrap_or_default().trim()
}

fn push_unique(lines: &mut Vec<String>, line: String) {
    if !lines
        .iter()
        .any(|l| dependency_key(l) == dependency_key(&line))
    {
        lines.push(line);
    }
}

/// A `[dependencies]` line for a crate of this workspace by path (e.g. the `mqttgen` runtime).
pub fn path_dependency(name: &str, folder: &str) -> String {
    format!(
        "{name} = {{ path = \"{}\" }}",
        workspace_root().join(folder).display()
    )
}

/// A cargo workspace of generated crates, built with one `cargo` invocation.
#[derive(Debug)]
pub struct GeneratedWorkspace {
    /// The workspace folder.
    pub root: PathBuf,
    /// The shared target dir (`<workspace>/target/generated-crates/target`).
    pub target_dir: PathBuf,
    crates: Vec<CrateSpec>,
}

impl GeneratedWorkspace {
    /// A workspace named `name` (a folder under `target/generated-crates/workspaces`).
    pub fn new(name: &str) -> Self {
        let base = workspace_root().join("target").join("generated-crates");
        GeneratedWorkspace {
            root: base.join("workspaces").join(name),
            target_dir: base.join("target"),
            crates: Vec::new(),
        }
    }

    /// Adds a member crate; panics on a duplicate name (a harness bug).
    pub fn add_crate(&mut self, spec: CrateSpec) {
        assert!(
            self.crates.iter().all(|c| c.name != spec.name),
            "duplicate crate {}",
            spec.name
        );
        self.crates.push(spec);
    }

    /// The member crates.
    pub fn crates(&self) -> &[CrateSpec] {
        &self.crates
    }

    /// Writes the workspace: `Cargo.toml` listing the members, the main workspace's `Cargo.lock`
    /// (when ours is missing or older, so versions match the main build), every crate's files
    /// (only when changed), and removes member folders no longer listed.
    pub fn write(&self) -> io::Result<()> {
        fs::create_dir_all(&self.root)?;
        let members: Vec<String> = self
            .crates
            .iter()
            .map(|c| format!("    \"{}\",", c.name))
            .collect();
        write_if_changed(
            &self.root.join("Cargo.toml"),
            &format!(
                "# Written by mqttgen's end-to-end tests; regenerated on every run.\n[workspace]\n\
                 resolver = \"2\"\nmembers = [\n{}\n]\n\n[profile.dev]\ndebug = 0\n",
                members.join("\n")
            ),
        )?;
        let main_lock = workspace_root().join("Cargo.lock");
        let our_lock = self.root.join("Cargo.lock");
        let stale = match (fs::metadata(&main_lock), fs::metadata(&our_lock)) {
            (Ok(main), Ok(ours)) => main.modified()? > ours.modified()?,
            (Ok(_), Err(_)) => true,
            _ => false,
        };
        if stale {
            fs::copy(&main_lock, &our_lock)?;
        }
        for spec in &self.crates {
            let dir = self.root.join(&spec.name);
            write_if_changed(&dir.join("Cargo.toml"), &spec.manifest())?;
            for (path, text) in &spec.files {
                write_if_changed(&dir.join(path), text)?;
            }
        }
        for entry in fs::read_dir(&self.root)?.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if entry.path().is_dir() && !self.crates.iter().any(|c| c.name == name) {
                fs::remove_dir_all(entry.path())?;
            }
        }
        Ok(())
    }

    /// Runs `cargo <args>` in the workspace with the shared target dir; output is captured.
    pub fn cargo(&self, args: &[&str]) -> io::Result<Output> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Command::new(cargo)
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .output()
    }

    /// Runs `cargo <args>` and panics with cargo's output when it fails.
    pub fn cargo_ok(&self, args: &[&str]) -> Output {
        let output = self
            .cargo(args)
            .unwrap_or_else(|e| panic!("cannot run cargo {args:?}: {e}"));
        assert!(
            output.status.success(),
            "cargo {} failed in {}\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            self.root.display(),
            String::from_utf8_lossy(&output.stdout),
            tail(&String::from_utf8_lossy(&output.stderr), 400)
        );
        output
    }
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Writes `text` to `path` (creating folders) unless the file already holds exactly `text`.
pub fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, text)
}

/// A binary crate `name` that writes each `(file stem, path of an asyncapi() function)` of
/// `documents` as `<stem>.yaml` (or why it cannot be serialised as `<stem>.error`) into the
/// folder given as its argument; `dependencies` are the crates those paths live in.
pub fn exporter_crate(
    name: &str,
    dependencies: &[String],
    documents: &[(String, String)],
) -> CrateSpec {
    let mut krate = CrateSpec::new(name);
    for dependency in dependencies {
        krate.dependency(format!("{dependency} = {{ path = \"../{dependency}\" }}"));
    }
    let list: String = documents
        .iter()
        .map(|(stem, function)| format!("        (\"{stem}\", {function}()),\n"))
        .collect();
    krate.file("src/lib.rs", "//! See src/main.rs.\n");
    krate.file(
        "src/main.rs",
        format!(
            "//! Writes every listed `asyncapi()` document as `<name>.yaml`, or why it cannot be \
             serialised as `<name>.error`.\n\
             fn main() {{\n    \
             let dir = std::path::PathBuf::from(std::env::args().nth(1).expect(\"output folder\"));\n    \
             std::fs::create_dir_all(&dir).expect(\"create the output folder\");\n    \
             for (name, document) in [\n{list}    ] {{\n        \
             let (ext, text) = match document.to_yaml() {{\n            \
             Ok(yaml) => (\"yaml\", yaml),\n            \
             Err(e) => (\"error\", e.to_string()),\n        \
             }};\n        \
             std::fs::write(dir.join(format!(\"{{name}}.{{ext}}\")), text).expect(\"write\");\n    \
             }}\n}}\n"
        ),
    );
    krate
}

/// True when `tool --version` runs.
pub fn tool_available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the official parser on `files` (one `node` call) and returns the reports with errors.
pub fn official_parser_errors(files: &[PathBuf]) -> Vec<String> {
    let tool_dir = inputs::official_validator();
    let output = Command::new("node")
        .arg(tool_dir.join("validate.mjs"))
        .args(files)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reports: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("the validator prints JSON lines"))
        .collect();
    assert_eq!(
        reports.len(),
        files.len(),
        "one report per file; stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for report in &reports {
        if report["warnings"] != 0 {
            eprintln!("official parser warnings: {report}");
        }
    }
    reports
        .iter()
        .filter(|r| r["errors"] != 0)
        .map(|r| serde_json::to_string_pretty(r).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_are_cargo_safe() {
        assert_eq!(
            crate_name(
                "corpus",
                "asyncapi-spec__social-media/backend/asyncapi.yaml"
            ),
            "corpus-asyncapi-spec-social-media-backend-asyncapi-yaml"
        );
    }
}

pub mod spec_fuzz;
pub mod types_harness;
