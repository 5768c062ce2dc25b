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

/// A document whose message payloads are odd or broken schemas (wrong types, unresolvable refs,
/// bad patterns, empty unions): its types must still compile, with warnings where the schema
/// could not be honoured.
pub fn odd_schemas_document() -> Document {
    use mqttgen_codegen::spec::model::{Message, SchemaSlot};
    // Also used by the generator's unit test `odd_schemas_never_panic_and_always_parse`.
    let fixture = crate::workspace_root().join("generator/tests/fixtures/odd-schemas.json");
    let text =
        std::fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    let odd: Vec<serde_json::Value> = serde_json::from_str(&text).expect("fixture is JSON");
    let mut doc = Document::default();
    for (i, schema) in odd.into_iter().enumerate() {
        doc.messages.push(Message {
            name: format!("odd{i}"),
            payload: Some(SchemaSlot {
                schema_format: "application/vnd.aai.asyncapi+json;version=3.0.0".into(),
                is_json_schema: true,
                schema,
                node: Default::default(),
            }),
            ..Default::default()
        });
    }
    doc
}

/// A crate with the whole generated module (payload types + service code) for both roles of
/// `doc`: `pub mod app` and `pub mod client`, `#![deny(warnings)]` at the crate root, depending on
/// the `mqttgen` runtime by path. Panics when generation reports errors.
pub fn service_crate(name: &str, doc: &Document, origin: &str) -> CrateSpec {
    use mqttgen_codegen::pipeline;
    let mut spec = CrateSpec::new(name);
    spec.file(
        "src/lib.rs",
        format!(
            "//! Generated from {origin}.\n#![deny(warnings)]\n\npub mod app;\npub mod client;\n"
        ),
    );
    for (role, file) in [
        (pipeline::Role::App, "src/app.rs"),
        (pipeline::Role::Client, "src/client.rs"),
    ] {
        let module = pipeline::generate_module(doc, role)
            .unwrap_or_else(|errors| panic!("{origin} ({role:?}): generation failed: {errors:#?}"));
        spec.file(file, module.source);
        for dependency in module.dependencies {
            spec.dependency(format!("{} = {}", dependency.name, dependency.spec));
        }
    }
    spec.dependency(crate::path_dependency("mqttgen", "runtime"));
    spec
}
