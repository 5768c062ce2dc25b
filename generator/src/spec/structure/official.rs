//! The official AsyncAPI JSON Schemas (npm `@asyncapi/specs`, Apache-2.0), vendored in
//! `generator/schemas/` in the package's `-without-$id` form (the same schemas with local
//! `#/definitions/...` references, which compile in milliseconds instead of seconds), compiled
//! once per version on first use.
//!
//! They are prepared the way the official parser prepares them for checking a document whose
//! `$ref`s are resolved: in 3.x, the fields that must be references (`channel.servers`,
//! `operation.channel`, `operation.messages`, `reply.channel`, `reply.messages`) accept the
//! objects those references name, and a Reference Object's `$ref` need not be an RFC 3986 URI.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use jsonschema::json::{Json, SerdeJson};
use jsonschema::Validator;
use serde_json::Value;

use super::units::Units;
use super::view::Located;

/// Versions whose schema [`warm_up`] started compiling.
static WARMED: [AtomicBool; 9] = [const { AtomicBool::new(false) }; 9];

/// Every version with a vendored schema, with its text.
const SCHEMAS: [(&str, &str); 9] = [
    ("2.0.0", include_str!("../../../schemas/2.0.0.json")),
    ("2.1.0", include_str!("../../../schemas/2.1.0.json")),
    ("2.2.0", include_str!("../../../schemas/2.2.0.json")),
    ("2.3.0", include_str!("../../../schemas/2.3.0.json")),
    ("2.4.0", include_str!("../../../schemas/2.4.0.json")),
    ("2.5.0", include_str!("../../../schemas/2.5.0.json")),
    ("2.6.0", include_str!("../../../schemas/2.6.0.json")),
    ("3.0.0", include_str!("../../../schemas/3.0.0.json")),
    ("3.1.0", include_str!("../../../schemas/3.1.0.json")),
];

/// The compiled schema for AsyncAPI `version` (`"2.6.0"`), or `None` for a version without one.
pub fn validator(version: &str) -> Option<&'static Validator> {
    let i = SCHEMAS.iter().position(|(v, _)| *v == version)?;
    compiled(i)
        .get_or_init(|| compile(SCHEMAS[i].0, SCHEMAS[i].1))
        .as_ref()
}

/// The compiled schema for AsyncAPI `version` that validates the located document through its
/// references ([`super::view`]), or `None` for a version without one.
pub(crate) fn view_validator(version: &str) -> Option<&'static Validator<Located>> {
    static COMPILED: [OnceLock<Option<Validator<Located>>>; 9] = [const { OnceLock::new() }; 9];
    let i = SCHEMAS.iter().position(|(v, _)| *v == version)?;
    COMPILED[i]
        .get_or_init(|| compile_for::<Located>(SCHEMAS[i].0, SCHEMAS[i].1))
        .as_ref()
}

/// The schema for AsyncAPI `version` cut into units ([`super::units`]), which validate documents
/// through the view, or `None` for a version without one.
pub(crate) fn units(version: &str) -> Option<&'static Units> {
    static UNITS: [OnceLock<Option<Units>>; 9] = [const { OnceLock::new() }; 9];
    let i = SCHEMAS.iter().position(|(v, _)| *v == version)?;
    UNITS[i]
        .get_or_init(|| Units::new(prepared(SCHEMAS[i].0, SCHEMAS[i].1)?))
        .as_ref()
}

/// The slot of the compiled schema of `SCHEMAS[i]`.
fn compiled(i: usize) -> &'static OnceLock<Option<Validator>> {
    static COMPILED: [OnceLock<Option<Validator>>; 9] = [const { OnceLock::new() }; 9];
    &COMPILED[i]
}

/// True when AsyncAPI `version` has a vendored schema (without compiling it).
pub fn vendored(version: &str) -> bool {
    SCHEMAS.iter().any(|(v, _)| *v == version)
}

/// Starts compiling the schema of the version `text` (a document not yet parsed) seems to declare,
/// on a thread of its own, so the compilation overlaps reading the document; [`units`] then
/// waits for it instead of compiling again. Nothing happens when no known version is found or the
/// schema is already compiled: this is only a head start, never needed for a correct result.
/// What it compiles is the whole schema's own unit ([`super::units`]); the units a document
/// reaches compile when it first reaches them.
///
/// Nothing happens either when reading `text` will keep every core busy (a large document read
/// in parts, [`crate::reader::yaml::parts::fills_every_core`]): the compilation would only take
/// a core from the reading, and the structure check, which compiles what it needs on first use,
/// runs beside the model, which takes longer.
pub fn warm_up(text: &str) {
    if crate::reader::yaml::parts::fills_every_core(text.len()) {
        return;
    }
    let Some(version) = sniff_version(text) else {
        return;
    };
    let Some(i) = SCHEMAS.iter().position(|(v, _)| *v == version) else {
        return;
    };
    if !WARMED[i].swap(true, Ordering::Relaxed) {
        let version = version.to_string();
        // Detached: the load that started it waits for the result only if it gets that far. The
        // schema compiled is the one documents are checked with ([`units`]).
        let _ = std::thread::Builder::new()
            .name("mqttgen-schema".into())
            .spawn(move || units(&version).is_some_and(Units::compile_root));
    }
}

/// The version a document's text declares, read without parsing: the value of the first
/// `asyncapi` key written at the start of a line (YAML) or after an opening brace (JSON).
fn sniff_version(text: &str) -> Option<&str> {
    for line in text.lines().take(200) {
        let line = line.trim_start_matches(['{', ' ', '\t', '\u{feff}']);
        let rest = line
            .strip_prefix("asyncapi")
            .or_else(|| line.strip_prefix("\"asyncapi\""))
            .or_else(|| line.strip_prefix("'asyncapi'"));
        let Some(rest) = rest.and_then(|r| r.trim_start().strip_prefix(':')) else {
            continue;
        };
        let value = rest.trim_start();
        let value = value
            .split([',', '#', '}', ' ', '\r'])
            .next()
            .unwrap_or_default()
            .trim_matches(['"', '\'']);
        return SCHEMAS.iter().map(|(v, _)| *v).find(|v| *v == value);
    }
    None
}

/// The versions with a vendored schema.
pub fn versions() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|(v, _)| *v)
}

fn compile(version: &str, text: &str) -> Option<Validator> {
    compile_for::<SerdeJson>(version, text)
}

fn compile_for<F: Json>(version: &str, text: &str) -> Option<Validator<F>> {
    let schema = prepared(version, text)?;
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .ok()
}

/// The schema of `version` (its text), prepared ([`prepare`]).
fn prepared(version: &str, text: &str) -> Option<Value> {
    let mut schema: Value = serde_json::from_str(text).ok()?;
    prepare(&mut schema, version);
    Some(schema)
}

/// The changes the official parser makes before checking a resolved document.
fn prepare(schema: &mut Value, version: &str) {
    let Some(definitions) = schema.get_mut("definitions").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(Value::Object(reference)) = definitions.get_mut("ReferenceObject") {
        if reference.get("format").and_then(Value::as_str) == Some("uri-reference") {
            reference.remove("format");
        }
    }
    if !version.starts_with('3') {
        return;
    }
    let mut point = |object: &str, path: &[&str], target: &str| {
        let mut node = definitions.get_mut(object);
        for key in path {
            node = node.and_then(|n| n.get_mut(*key));
        }
        if let Some(Value::Object(node)) = node {
            node.insert(
                "$ref".into(),
                Value::String(format!("#/definitions/{target}")),
            );
        }
    };
    point("channel", &["properties", "servers", "items"], "server");
    point("operation", &["properties", "channel"], "channel");
    point(
        "operation",
        &["properties", "messages", "items"],
        "messageObject",
    );
    point("operationReply", &["properties", "channel"], "channel");
    point(
        "operationReply",
        &["properties", "messages", "items"],
        "messageObject",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_schema_compiles() {
        for version in versions() {
            assert!(validator(version).is_some(), "{version} does not compile");
        }
        assert!(validator("2.7.0").is_none());
    }

    #[test]
    fn the_version_is_found_in_yaml_and_json_text() {
        assert_eq!(
            sniff_version("# c\nasyncapi: 3.0.0\ninfo: {}\n"),
            Some("3.0.0")
        );
        assert_eq!(sniff_version("asyncapi: '2.6.0' # x\r\n"), Some("2.6.0"));
        assert_eq!(
            sniff_version("{\"asyncapi\": \"3.1.0\", \"info\": {}}"),
            Some("3.1.0")
        );
        assert_eq!(
            sniff_version("{\n  \"asyncapi\" : \"2.0.0\",\n"),
            Some("2.0.0")
        );
        assert_eq!(sniff_version("asyncapi: 2.7.0\n"), None);
        assert_eq!(sniff_version("info:\n  asyncapi_x: 3.0.0\n"), None);
    }
}
