//! Payload-type crates for a [`GeneratedWorkspace`](crate::GeneratedWorkspace): generated from a
//! document, or compiled from a committed snapshot.

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::model::Document;
use mqttgen_codegen::types::{
    generate_types, render_module, CrateUses, GeneratedTypes, TypeSettings,
};

use crate::{workspace_root, CrateSpec};

/// Where committed payload-type snapshots live (`generator/tests/snapshots_types`).
pub fn snapshot_dir() -> PathBuf {
    workspace_root().join("generator/tests/snapshots_types")
}

/// The snapshot file name for a corpus label: every character other than ASCII letters and
/// digits becomes `_`, plus `.rs` (the same rule as `generator/tests/types_snapshots.rs`).
pub fn snapshot_file_name(label: &str) -> String {
    let stem: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{stem}.rs")
}

/// The committed snapshot for `label`, if there is one.
pub fn snapshot_for(label: &str) -> Option<PathBuf> {
    let path = snapshot_dir().join(snapshot_file_name(label));
    path.is_file().then_some(path)
}

/// Generates `doc`'s types and renders the module; panics on tokens that do not parse.
pub fn generate_module(doc: &Document, origin: &str) -> (GeneratedTypes, String) {
    let generated = generate_types(doc, &TypeSettings::default());
    let text = render_module(&generated, origin)
        .unwrap_or_else(|e| panic!("{origin}: generated types do not parse: {e}"));
    (generated, text)
}

/// A crate whose `src/types.rs` is `module_text`, with `#![deny(warnings)]` at the crate root.
pub fn types_crate(name: &str, module_text: &str, uses: CrateUses) -> CrateSpec {
    let mut spec = CrateSpec::new(name);
    spec.file("src/lib.rs", "#![deny(warnings)]\n\npub mod types;\n")
        .file("src/types.rs", module_text);
    for dependency in uses.dependencies() {
        spec.dependency(dependency.toml_line());
    }
    spec
}

/// A crate compiling a committed snapshot file in place (`#[path]`), with every optional crate a
/// snapshot may use.
pub fn snapshot_crate(name: &str, snapshot: &Path) -> CrateSpec {
    let mut spec = CrateSpec::new(name);
    spec.file(
        "src/lib.rs",
        format!(
            "#![deny(warnings)]\n\n#[path = {:?}]\npub mod types;\n",
            snapshot.display().to_string()
        ),
    );
    let all = CrateUses {
        chrono: true,
        uuid: true,
        regress: true,
    };
    for dependency in all.dependencies() {
        spec.dependency(dependency.toml_line());
    }
    spec
}
