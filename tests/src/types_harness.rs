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
    // The types' support (constraint checks, objects, typify's `error`) is the runtime's.
    spec.dependency(crate::path_dependency("mqttgen", "runtime"));
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
        regex: true,
    };
    for dependency in all.dependencies() {
        spec.dependency(dependency.toml_line());
    }
    spec.dependency(crate::path_dependency("mqttgen", "runtime"));
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

/// Issue #22: every boundary a constraint can sit on, as (property name, schema): zero, the
/// bounds of each integer width, equal minimum and maximum, exclusive bounds at and beyond a
/// type's limits, `multipleOf: 1`, huge values, and empty or unbounded lengths and counts.
pub fn boundary_constraint_cases() -> Vec<(String, serde_json::Value)> {
    use serde_json::json;
    let mut cases: Vec<(String, serde_json::Value)> = Vec::new();
    let mut add = |name: &str, schema: serde_json::Value| cases.push((name.to_string(), schema));
    // Integers at zero and at the bounds of each width, with and without a `format`.
    add("int_min_0", json!({"type": "integer", "minimum": 0}));
    add("int_max_0", json!({"type": "integer", "maximum": 0}));
    add(
        "int_eq_0",
        json!({"type": "integer", "minimum": 0, "maximum": 0}),
    );
    add(
        "int_eq_5",
        json!({"type": "integer", "minimum": 5, "maximum": 5}),
    );
    add("int_min_1", json!({"type": "integer", "minimum": 1}));
    add(
        "int_min_1_max_255",
        json!({"type": "integer", "minimum": 1, "maximum": 255}),
    );
    add(
        "int_xmin_0",
        json!({"type": "integer", "exclusiveMinimum": 0}),
    );
    add(
        "int_xmin_minus_1",
        json!({"type": "integer", "exclusiveMinimum": -1}),
    );
    for (format, low, high) in [
        ("int8", i8::MIN as i128, i8::MAX as i128),
        ("uint8", 0, u8::MAX as i128),
        ("int16", i16::MIN as i128, i16::MAX as i128),
        ("uint16", 0, u16::MAX as i128),
        ("int32", i32::MIN as i128, i32::MAX as i128),
        ("uint32", 0, u32::MAX as i128),
        ("int64", i64::MIN as i128, i64::MAX as i128),
        ("uint64", 0, u64::MAX as i128),
    ] {
        add(
            &format!("{format}_bounds"),
            json!({"type": "integer", "minimum": low, "maximum": high}),
        );
        add(
            &format!("{format}_format_bounds"),
            json!({"type": "integer", "format": format, "minimum": low, "maximum": high}),
        );
        add(
            &format!("{format}_exclusive_beyond"),
            json!({"type": "integer", "format": format, "exclusiveMinimum": (low - 1) as f64, "exclusiveMaximum": (high + 1) as f64}),
        );
        add(
            &format!("{format}_exclusive_at"),
            json!({"type": "integer", "format": format, "exclusiveMinimum": low, "exclusiveMaximum": high}),
        );
        add(
            &format!("{format}_multiple_of_1"),
            json!({"type": "integer", "format": format, "multipleOf": 1}),
        );
    }
    add(
        "int_multiple_of_1",
        json!({"type": "integer", "multipleOf": 1}),
    );
    add(
        "int_multiple_of_half",
        json!({"type": "integer", "multipleOf": 0.5}),
    );
    add(
        "int_multiple_of_3",
        json!({"type": "integer", "multipleOf": 3}),
    );
    add(
        "int_huge",
        json!({"type": "integer", "minimum": -1e30, "maximum": 1e30}),
    );
    add(
        "int_huge_exclusive",
        json!({"type": "integer", "exclusiveMinimum": -1e30, "exclusiveMaximum": 1e30}),
    );
    // Numbers.
    add("num_min_0", json!({"type": "number", "minimum": 0}));
    add(
        "num_eq",
        json!({"type": "number", "minimum": 2.5, "maximum": 2.5}),
    );
    add(
        "num_huge",
        json!({"type": "number", "minimum": -1.7e308, "maximum": 1.7e308}),
    );
    add(
        "num_exclusive_0",
        json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001}),
    );
    add(
        "num_multiple_of_1",
        json!({"type": "number", "multipleOf": 1}),
    );
    add(
        "num_float_bounds",
        json!({"type": "number", "format": "float", "minimum": -3.4e38, "maximum": 3.4e38}),
    );
    // String lengths.
    add("str_min_0", json!({"type": "string", "minLength": 0}));
    add("str_max_0", json!({"type": "string", "maxLength": 0}));
    add(
        "str_eq_0",
        json!({"type": "string", "minLength": 0, "maxLength": 0}),
    );
    add(
        "str_eq_3",
        json!({"type": "string", "minLength": 3, "maxLength": 3}),
    );
    add(
        "str_max_huge",
        json!({"type": "string", "maxLength": 4294967295_u64}),
    );
    add(
        "str_min_0_pattern",
        json!({"type": "string", "minLength": 0, "pattern": "^a*$"}),
    );
    // Item counts.
    add(
        "list_min_0",
        json!({"type": "array", "items": {"type": "string"}, "minItems": 0}),
    );
    add(
        "list_max_0",
        json!({"type": "array", "items": {"type": "string"}, "maxItems": 0}),
    );
    add(
        "list_eq_0",
        json!({"type": "array", "items": {"type": "string"}, "minItems": 0, "maxItems": 0}),
    );
    add(
        "list_eq_2",
        json!({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}),
    );
    add(
        "list_max_huge",
        json!({"type": "array", "items": {"type": "integer"}, "maxItems": 1e15}),
    );
    add(
        "list_min_0_unique",
        json!({"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 0, "uniqueItems": true}),
    );
    cases
}

/// An AsyncAPI 3.0 document with one channel whose message payload has every
/// [`boundary_constraint_cases`] member, and one component schema per case used as a whole
/// payload (a newtype), so each boundary is generated both as a struct member and on its own.
pub fn boundary_constraints_yaml() -> String {
    let cases = boundary_constraint_cases();
    let properties: serde_json::Map<String, serde_json::Value> = cases.iter().cloned().collect();
    let mut messages = serde_json::Map::new();
    let mut channel_messages = serde_json::Map::new();
    messages.insert(
        "all".into(),
        serde_json::json!({"payload": {"type": "object", "properties": properties}}),
    );
    channel_messages.insert(
        "all".into(),
        serde_json::json!({"$ref": "#/components/messages/all"}),
    );
    for (name, schema) in &cases {
        messages.insert(name.clone(), serde_json::json!({ "payload": schema }));
        channel_messages.insert(
            name.clone(),
            serde_json::json!({ "$ref": format!("#/components/messages/{name}") }),
        );
    }
    let document = serde_json::json!({
        "asyncapi": "3.0.0",
        "info": {"title": "Boundary constraints", "version": "1.0.0"},
        "channels": {"bounds": {"address": "bounds", "messages": channel_messages}},
        "operations": {
            "receiveBounds": {"action": "receive", "channel": {"$ref": "#/channels/bounds"}},
            "sendBounds": {"action": "send", "channel": {"$ref": "#/channels/bounds"}}
        },
        "components": {"messages": messages}
    });
    serde_json::to_string_pretty(&document).expect("JSON")
}
