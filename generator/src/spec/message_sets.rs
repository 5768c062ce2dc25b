//! Telling the messages of one operation (or reply) apart: how a received payload picks its
//! message, which messages accept any payload, and the `messages-indistinguishable` warning.
//!
//! The rule, shared by `mqttgen check` and the generated code:
//! 1. a discriminator: a payload property that every message declares with a distinct `const`
//!    (or single-value `enum`);
//! 2. the MQTT 5 content type, when every message has a distinct one and the message carries one;
//! 3. otherwise each message is tried in spec order, except that messages accepting any payload
//!    ([`catch_all`]: an open schema such as `{}` or a bare `type: object`, plain text, raw
//!    bytes) are tried after all others, so they never shadow a typed message.
//!
//! When that still leaves messages that cannot be told apart (two catch-alls, or two messages
//! with the same payload schema), `check` warns: only the first of them is ever received.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::model::{Document, Message, NodeId};
use crate::types::payload::{classify, PayloadKind};

/// How a received message picks its message of a set.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// By the value of a payload property; values in message order.
    Discriminator {
        /// The property name.
        property: String,
        /// Its constant value per message.
        values: Vec<Value>,
    },
    /// By the MQTT 5 content type; one per message.
    ContentType(Vec<String>),
    /// Try messages in order (catch-alls last).
    TryInOrder,
}

/// How much of all payloads a message accepts, in the order messages are tried: lower first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CatchAll {
    /// Only payloads matching a specific schema (or an empty payload).
    No,
    /// Any JSON value (or any JSON object): `{}`, `true`, a bare `type: object`.
    AnyJson,
    /// Any UTF-8 text.
    AnyText,
    /// Any bytes.
    AnyBytes,
}

/// Follows top-level `$ref`s to the schema they name.
pub fn resolve<'a>(doc: &'a Document, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(NodeId::parse)
        .and_then(|id| doc.schemas.get(&id))
    {
        Some(target) => resolve(doc, &target.value),
        None => schema,
    }
}

/// Keywords that do not restrict what a schema accepts.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "examples",
    "example",
    "default",
    "$comment",
    "$id",
    "$schema",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
];

/// How much of all payloads `message` accepts.
pub fn catch_all(doc: &Document, message: &Message) -> CatchAll {
    match classify(message).0 {
        PayloadKind::Text => CatchAll::AnyText,
        PayloadKind::Bytes => CatchAll::AnyBytes,
        PayloadKind::Empty | PayloadKind::TextValue(_) => CatchAll::No,
        PayloadKind::Json(_) => {
            let schema = message
                .payload
                .as_ref()
                .map_or(&Value::Bool(true), |slot| resolve(doc, &slot.schema));
            if accepts_any_json(schema) {
                CatchAll::AnyJson
            } else {
                CatchAll::No
            }
        }
    }
}

/// True for a schema accepting every JSON value, or every JSON object.
fn accepts_any_json(schema: &Value) -> bool {
    match schema {
        Value::Bool(flag) => *flag,
        Value::Object(map) => map.iter().all(|(key, value)| {
            ANNOTATIONS.contains(&key.as_str())
                || key.starts_with("x-")
                || (key == "type" && value == "object")
                || (key == "additionalProperties" && value == &Value::Bool(true))
                || (key == "properties" && value.as_object().is_some_and(|p| p.is_empty()))
        }),
        _ => false,
    }
}

/// The constant value a payload schema gives `property`, if any.
fn constant(doc: &Document, payload: &Value, property: &str) -> Option<Value> {
    let schema = resolve(doc, payload.get("properties")?.get(property)?);
    if let Some(value) = schema.get("const") {
        return Some(value.clone());
    }
    match schema.get("enum")?.as_array()?.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// How a received payload picks one of `messages` (indexes into [`Document::messages`]).
pub fn selection(doc: &Document, messages: &[usize]) -> Selection {
    let payloads: Vec<Option<&Value>> = messages
        .iter()
        .map(|&index| {
            doc.messages[index]
                .payload
                .as_ref()
                .filter(|slot| slot.is_json_schema)
                .map(|slot| resolve(doc, &slot.schema))
        })
        .collect();
    if let Some(Some(first)) = payloads.first() {
        let candidates: Vec<&String> = first
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().collect())
            .unwrap_or_default();
        for property in candidates {
            let values: Option<Vec<Value>> = payloads
                .iter()
                .map(|payload| payload.and_then(|payload| constant(doc, payload, property)))
                .collect();
            if let Some(values) = values {
                let distinct: BTreeSet<String> = values.iter().map(Value::to_string).collect();
                if distinct.len() == values.len() {
                    return Selection::Discriminator {
                        property: property.clone(),
                        values,
                    };
                }
            }
        }
    }
    let content_types: Option<Vec<String>> = messages
        .iter()
        .map(|&index| doc.messages[index].content_type.clone())
        .collect();
    if let Some(content_types) = content_types {
        let distinct: BTreeSet<&String> = content_types.iter().collect();
        if distinct.len() == content_types.len() {
            return Selection::ContentType(content_types);
        }
    }
    Selection::TryInOrder
}

/// Positions in `messages` in the order they are tried: spec order, catch-alls last (the
/// narrower catch-all first).
pub fn try_order(doc: &Document, messages: &[usize]) -> Vec<usize> {
    try_order_with(doc, messages, &|_| false)
}

/// [`try_order`] where `untyped(index)` marks messages whose payload type fell back to
/// `serde_json::Value` when the types were generated: they accept any JSON, like an open schema.
pub fn try_order_with(
    doc: &Document,
    messages: &[usize],
    untyped: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by_key(|&position| effective(doc, messages[position], untyped));
    order
}

/// [`catch_all`], raised to [`CatchAll::AnyJson`] for an untyped message.
pub fn effective(doc: &Document, index: usize, untyped: &dyn Fn(usize) -> bool) -> CatchAll {
    let static_kind = catch_all(doc, &doc.messages[index]);
    if untyped(index) {
        static_kind.max(CatchAll::AnyJson)
    } else {
        static_kind
    }
}

/// Pairs of `messages` (as message names) that the rule above cannot tell apart: the later one
/// of each pair is never received.
pub fn indistinguishable(doc: &Document, messages: &[usize]) -> Vec<(String, String)> {
    if messages.len() < 2 || !matches!(selection(doc, messages), Selection::TryInOrder) {
        return Vec::new();
    }
    let order = try_order(doc, messages);
    let mut out = Vec::new();
    for (i, &first) in order.iter().enumerate() {
        for &second in &order[i + 1..] {
            let (a, b) = (
                &doc.messages[messages[first]],
                &doc.messages[messages[second]],
            );
            let first_catches = catch_all(doc, a);
            let shadowed = (first_catches != CatchAll::No && first_catches >= catch_all(doc, b))
                || same_payload(doc, a, b);
            if shadowed {
                out.push((a.name.clone(), b.name.clone()));
            }
        }
    }
    out
}

fn same_payload(doc: &Document, a: &Message, b: &Message) -> bool {
    let payload = |m: &Message| {
        m.payload
            .as_ref()
            .map(|slot| resolve(doc, &slot.schema).clone())
    };
    classify(a).0 == classify(b).0 && payload(a) == payload(b)
}

/// `messages-indistinguishable` warnings for every operation and reply with messages that
/// cannot be told apart.
pub fn check(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for op in &doc.operations {
        let mut sets = vec![(
            &op.messages,
            op.node.clone(),
            format!("operation `{}`", op.id),
        )];
        if let Some(reply) = &op.reply {
            sets.push((
                &reply.messages,
                op.node.clone(),
                format!("the reply of operation `{}`", op.id),
            ));
        }
        for (messages, node, what) in sets {
            if !seen.insert(messages.clone()) {
                continue;
            }
            for (first, second) in indistinguishable(doc, messages) {
                out.push(
                    Diagnostic::warning(
                        "messages-indistinguishable",
                        Some(node.clone()),
                        format!(
                            "messages `{first}` and `{second}` of {what} cannot be told apart: \
                             every payload of `{second}` is also a valid `{first}`, so `{second}` \
                             is never received"
                        ),
                    )
                    .with_help(
                        "give every message a property with a distinct `const` (a \
                         discriminator), distinct content types, or payload schemas that \
                         exclude each other",
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(messages: &str) -> Document {
        let yaml = format!(
            "asyncapi: 3.0.0\ninfo: {{title: t, version: '1'}}\nchannels:\n  c:\n    address: c\n    \
             messages:\n{messages}operations:\n  r:\n    action: receive\n    channel: {{$ref: '#/channels/c'}}\n"
        );
        crate::spec::load_str(&yaml, "test.yaml")
            .document
            .expect("loads")
    }

    fn all(doc: &Document) -> Vec<usize> {
        (0..doc.messages.len()).collect()
    }

    #[test]
    fn picks_a_discriminator_property_first() {
        let doc = doc(
            "      a: {payload: {type: object, properties: {kind: {const: a}, x: {type: string}}}}\n      \
             b: {payload: {type: object, properties: {kind: {enum: [b]}}}}\n",
        );
        assert_eq!(
            selection(&doc, &all(&doc)),
            Selection::Discriminator {
                property: "kind".into(),
                values: vec![Value::from("a"), Value::from("b")]
            }
        );
    }

    #[test]
    fn then_distinct_content_types_then_order() {
        let doc1 = doc(
            "      a: {contentType: text/plain, payload: {type: string}}\n      \
             b: {contentType: application/json, payload: {type: object}}\n",
        );
        assert_eq!(
            selection(&doc1, &all(&doc1)),
            Selection::ContentType(vec!["text/plain".into(), "application/json".into()])
        );
        let doc2 = doc(
            "      a: {payload: {type: object, properties: {kind: {const: a}}}}\n      \
             b: {payload: {type: object, properties: {kind: {const: a}}}}\n",
        );
        assert_eq!(
            selection(&doc2, &all(&doc2)),
            Selection::TryInOrder,
            "equal constants do not discriminate"
        );
    }

    #[test]
    fn catch_alls_are_tried_last_and_pairs_that_shadow_are_reported() {
        let doc = doc(
            "      anything: {payload: {description: any JSON}}\n      \
             alarm: {payload: {type: object, required: [alarm], properties: {alarm: {type: string}}}}\n      \
             object: {payload: {type: object}}\n      \
             reading: {payload: {type: object, required: [value], properties: {value: {type: number}}}}\n",
        );
        assert_eq!(try_order(&doc, &all(&doc)), [1, 3, 0, 2]);
        assert_eq!(
            indistinguishable(&doc, &all(&doc)),
            [("c.anything".to_string(), "c.object".to_string())]
        );
        let warnings = check(&doc);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].message.contains("`c.object` is never received"));
        // Typed messages ahead of one catch-all: all of them can be received.
        let typed = [1, 3, 0];
        assert!(indistinguishable(&doc, &typed).is_empty());
    }
}
