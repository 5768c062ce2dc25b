//! How a message's payload travels: JSON (typed), text, raw bytes or nothing.
//!
//! Rules, first match wins:
//! 1. no payload schema → [`PayloadKind::Empty`];
//! 2. a `schemaFormat` that is not JSON Schema-like (Avro, Protobuf, RAML, unknown) →
//!    [`PayloadKind::Bytes`] with a `payload-raw-bytes` warning;
//! 3. content type `application/json`, `*/*+json`, `text/json` or none → [`PayloadKind::Json`];
//! 4. content type `text/*` with a schema that is an `enum` of scalars or of `type` `integer`,
//!    `number` or `boolean` → [`PayloadKind::TextValue`] (the typed value, written as text:
//!    `rebooting`, `42`, `true`);
//! 5. any other content type `text/*` → [`PayloadKind::Text`] (a UTF-8 `String`);
//! 6. any other content type (`application/octet-stream`, `image/png`, `application/xml`, ...)
//!    → [`PayloadKind::Bytes`], with a warning when the schema describes more than a string.
//!
//! A comma-separated content type (`application/json, text/csv`, seen in the wild) is judged by
//! its first entry; parameters (`; charset=utf-8`) are ignored.

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::model::Message;

/// The wire form of a payload; for JSON the definition (type) name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// JSON decoded into the named type.
    Json(String),
    /// UTF-8 text.
    Text,
    /// A typed scalar (enum, integer, number, boolean) written as UTF-8 text; the definition
    /// name as for [`PayloadKind::Json`].
    TextValue(String),
    /// Raw bytes.
    Bytes,
    /// No payload declared.
    Empty,
}

/// The media type without parameters, lower-cased (first entry of a comma list).
pub fn media_type(content_type: &str) -> String {
    let first = content_type.split(',').next().unwrap_or_default();
    first
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn is_json_media(media: &str) -> bool {
    media.is_empty()
        || media == "application/json"
        || media == "text/json"
        || media.ends_with("+json")
        || media == "*/*"
}

/// Classifies `message`'s payload (see the module docs); the definition name of a JSON payload
/// is filled in by the resolver (an empty string here).
pub fn classify(message: &Message) -> (PayloadKind, Option<Diagnostic>) {
    let Some(slot) = &message.payload else {
        return (PayloadKind::Empty, None);
    };
    if !slot.is_json_schema {
        let warning = Diagnostic::warning(
            "payload-raw-bytes",
            Some(slot.node.clone()),
            format!(
                "message `{}` has a `{}` payload schema; it is handled as raw bytes",
                message.name, slot.schema_format
            ),
        )
        .with_help("decode the bytes yourself, or describe the payload with JSON Schema");
        return (PayloadKind::Bytes, Some(warning));
    }
    let media = media_type(message.content_type.as_deref().unwrap_or_default());
    if is_json_media(&media) {
        return (PayloadKind::Json(String::new()), None);
    }
    if media.starts_with("text/") {
        if is_text_value(&slot.schema) {
            return (PayloadKind::TextValue(String::new()), None);
        }
        return (PayloadKind::Text, None);
    }
    let plain_string = matches!(slot.schema.get("type"), None | Some(Value::String(_)))
        && slot.schema.get("type").is_none_or(|t| t == "string");
    let warning = (!plain_string).then(|| {
        Diagnostic::warning(
            "payload-raw-bytes",
            Some(slot.node.clone()),
            format!(
                "message `{}` has content type `{}`; its payload is handled as raw bytes and \
                 its schema is not used",
                message.name, media
            ),
        )
    });
    (PayloadKind::Bytes, warning)
}

/// True for a schema whose values are scalars a text payload can carry typed: an `enum` of
/// strings, numbers and booleans, or `type` `integer`, `number` or `boolean`.
fn is_text_value(schema: &Value) -> bool {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return !values.is_empty()
            && values
                .iter()
                .all(|v| v.is_string() || v.is_number() || v.is_boolean());
    }
    matches!(
        schema.get("type").and_then(Value::as_str),
        Some("integer" | "number" | "boolean")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemaSlot;
    use serde_json::json;

    fn message(content_type: Option<&str>, json_schema: bool, schema: Value) -> Message {
        Message {
            name: "m".into(),
            content_type: content_type.map(str::to_string),
            payload: Some(SchemaSlot {
                schema_format: "x".into(),
                is_json_schema: json_schema,
                schema,
                node: Default::default(),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn content_types_and_formats() {
        let obj = json!({"type": "object"});
        assert!(matches!(
            classify(&message(None, true, obj.clone())).0,
            PayloadKind::Json(_)
        ));
        assert!(matches!(
            classify(&message(
                Some("application/cloudevents+json; charset=utf-8"),
                true,
                obj.clone()
            ))
            .0,
            PayloadKind::Json(_)
        ));
        assert!(matches!(
            classify(&message(
                Some("application/json, text/csv"),
                true,
                obj.clone()
            ))
            .0,
            PayloadKind::Json(_)
        ));
        assert_eq!(
            classify(&message(
                Some("text/plain"),
                true,
                json!({"type": "string"})
            ))
            .0,
            PayloadKind::Text
        );
        for schema in [
            json!({"type": "string", "enum": ["online", "ON"]}),
            json!({"type": "integer", "minimum": 0}),
            json!({"type": "boolean"}),
        ] {
            assert_eq!(
                classify(&message(Some("text/plain"), true, schema.clone())).0,
                PayloadKind::TextValue(String::new()),
                "{schema}"
            );
        }
        let (kind, warning) = classify(&message(
            Some("application/octet-stream"),
            true,
            json!({"type": "string", "format": "binary"}),
        ));
        assert_eq!(kind, PayloadKind::Bytes);
        assert!(warning.is_none());
        let (kind, warning) = classify(&message(None, false, json!("syntax = \"proto3\";")));
        assert_eq!(kind, PayloadKind::Bytes);
        assert_eq!(warning.unwrap().code, "payload-raw-bytes");
        let empty = Message {
            name: "e".into(),
            ..Default::default()
        };
        assert_eq!(classify(&empty).0, PayloadKind::Empty);
    }
}
