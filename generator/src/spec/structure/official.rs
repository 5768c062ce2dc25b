//! The official AsyncAPI JSON Schemas (npm `@asyncapi/specs`, Apache-2.0), vendored in
//! `generator/schemas/` in the package's `-without-$id` form (the same schemas with local
//! `#/definitions/...` references, which compile in milliseconds instead of seconds), compiled
//! once per version on first use.
//!
//! They are prepared the way the official parser prepares them for checking a document whose
//! `$ref`s are resolved: in 3.x, the fields that must be references (`channel.servers`,
//! `operation.channel`, `operation.messages`, `reply.channel`, `reply.messages`) accept the
//! objects those references name, and a Reference Object's `$ref` need not be an RFC 3986 URI.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

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
    static COMPILED: [OnceLock<Option<Validator>>; 9] = [const { OnceLock::new() }; 9];
    let i = SCHEMAS.iter().position(|(v, _)| *v == version)?;
    COMPILED[i]
        .get_or_init(|| compile(SCHEMAS[i].0, SCHEMAS[i].1))
        .as_ref()
}

/// The versions with a vendored schema.
pub fn versions() -> impl Iterator<Item = &'static str> {
    SCHEMAS.iter().map(|(v, _)| *v)
}

fn compile(version: &str, text: &str) -> Option<Validator> {
    let mut schema: Value = serde_json::from_str(text).ok()?;
    prepare(&mut schema, version);
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .ok()
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
}
