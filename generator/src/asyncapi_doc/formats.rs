//! Payload schemas in formats other than AsyncAPI/JSON Schema, made exportable: the export
//! model writes every payload as an AsyncAPI (draft-07) schema.
//!
//! * OpenAPI 3.0 schema objects become JSON Schema: `discriminator: {propertyName}` becomes the
//!   AsyncAPI string form, `nullable: true` adds `"null"` to `type`, `example` becomes `examples`.
//! * Other formats (Avro, Protobuf, RAML...) cannot be expressed; the payload becomes an open
//!   schema that keeps the original under `x-schema-format` / `x-schema`, so nothing is lost.

use serde_json::{json, Map, Value};

use crate::model::SchemaSlot;

/// The schema to export for `slot` (canonical refs still inside), and whether it had to be
/// wrapped because its format is not JSON-Schema-like.
pub fn exportable_schema(slot: &SchemaSlot) -> (Value, bool) {
    if !slot.is_json_schema {
        let wrapped = json!({
            "description": format!(
                "A payload described in `{}`; the original schema is under `x-schema`.",
                slot.schema_format
            ),
            "x-schema-format": slot.schema_format,
            "x-schema": slot.schema,
        });
        return (wrapped, true);
    }
    if slot.schema_format.contains("openapi") {
        return (from_openapi(&slot.schema), false);
    }
    (slot.schema.clone(), false)
}

/// An OpenAPI 3.0 schema object as JSON Schema (see the module docs).
pub fn from_openapi(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(key, child)| (key.clone(), from_openapi(child)))
                .collect();
            if let Some(name) = map
                .get("discriminator")
                .and_then(|d| d.get("propertyName"))
                .and_then(Value::as_str)
            {
                out.insert("discriminator".into(), name.into());
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(ty)) = map.get("type") {
                    out.remove("nullable");
                    out.insert("type".into(), json!([ty, "null"]));
                }
            }
            if let (Some(example), false) = (map.get("example"), map.contains_key("examples")) {
                out.remove("example");
                out.insert("examples".into(), json!([from_openapi(example)]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(from_openapi).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_keywords_become_json_schema() {
        let openapi = json!({
            "type": "object", "nullable": true, "example": {"name": "Fran"},
            "properties": {"pet": {"discriminator": {"propertyName": "kind"}, "oneOf": []}}
        });
        assert_eq!(
            from_openapi(&openapi),
            json!({
                "type": ["object", "null"], "examples": [{"name": "Fran"}],
                "properties": {"pet": {"discriminator": "kind", "oneOf": []}}
            })
        );
    }

    #[test]
    fn other_formats_are_kept_beside_an_open_schema() {
        let slot = SchemaSlot {
            schema_format: "application/vnd.google.protobuf;version=3".into(),
            is_json_schema: false,
            schema: json!("message M {}"),
            ..SchemaSlot::default()
        };
        let (value, wrapped) = exportable_schema(&slot);
        assert!(wrapped);
        assert_eq!(value["x-schema"], "message M {}");
        assert_eq!(value["x-schema-format"], slot.schema_format);
    }
}
