//! Bundles a document's schemas into one list of uniquely named definitions for typify.
//!
//! Names, in priority order (first claim wins, later ones get `2`, `3`, ...):
//! 1. component schemas (`components/schemas/<key>`), in key order;
//! 2. every other referenced schema, by its name hint, in canonical-id order;
//! 3. inline message payloads as `<Message>Payload` and headers as `<Message>Headers`, in
//!    document order (message names are unique and already carry channel and role when the
//!    message itself is anonymous).
//!
//! A payload or headers schema that is only a `$ref` uses the referenced definition directly, so a
//! component shared by several messages is one Rust type.

use std::collections::BTreeMap;

use serde_json::Value;

use super::constraints::Constraints;
use super::names::{type_name, NameSet};
use super::payload::{classify, PayloadKind};
use super::preprocess::{preprocess, RefLookup};
use super::typify_engine::Definition;
use crate::diagnostics::Diagnostic;
use crate::model::{Document, NodeId, SchemaId, SchemaSlot};

/// The bundle handed to typify plus where each message's types are.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Every definition, pre-processed, refs rewritten to `#/definitions/<name>`.
    pub definitions: Vec<Definition>,
    /// Per message (same index as [`Document::messages`]).
    pub messages: Vec<MessageSlots>,
    /// Problems found while bundling.
    pub diagnostics: Vec<Diagnostic>,
    /// Numeric and array limits per struct member, checked on decoding.
    pub constraints: Constraints,
}

/// Where one message's payload and headers types are.
#[derive(Debug, Clone)]
pub struct MessageSlots {
    /// How the payload travels; for JSON, the definition name.
    pub payload: PayloadKind,
    /// The headers definition name, if the message declares JSON Schema headers.
    pub headers: Option<String>,
}

struct Lookup<'a> {
    names: &'a BTreeMap<SchemaId, String>,
    doc: &'a Document,
}

impl RefLookup for Lookup<'_> {
    fn definition_name(&self, canonical: &str) -> Option<String> {
        self.names.get(&NodeId::parse(canonical)?).cloned()
    }

    fn raw_schema(&self, canonical: &str) -> Option<Value> {
        self.doc
            .schemas
            .get(&NodeId::parse(canonical)?)
            .map(|s| s.value.clone())
    }
}

fn is_component(id: &SchemaId) -> bool {
    id.file == 0
        && id
            .pointer
            .strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'))
}

/// The canonical target when `schema` is only a `$ref` (annotations aside).
fn lone_ref(schema: &Value) -> Option<&str> {
    let map = schema.as_object()?;
    let target = map.get("$ref")?.as_str()?;
    let only_annotations = map.keys().all(|k| {
        matches!(
            k.as_str(),
            "$ref" | "title" | "description" | "example" | "examples" | "$id" | "$comment"
        ) || k.starts_with("x-")
    });
    only_annotations.then_some(target)
}

/// A message slot whose schema needs its own definition.
struct PendingSlot {
    name: String,
    schema: Value,
    node: NodeId,
    origin: String,
}

/// The first half of [`bundle`]: every definition and message slot named, nothing
/// pre-processed yet. Cheap; the service code needs only these names, so it can start while
/// [`Naming::bundle`] pre-processes the schemas on another thread.
pub struct Naming<'a> {
    names: BTreeMap<SchemaId, String>,
    taken: NameSet,
    order: Vec<&'a SchemaId>,
    pending: Vec<PendingSlot>,
    messages: Vec<MessageSlots>,
    diagnostics: Vec<Diagnostic>,
}

/// Bundles `doc` (see the module docs for naming).
pub fn bundle(doc: &Document) -> Bundle {
    name(doc).bundle(doc)
}

/// Names every definition of `doc` (see the module docs). All definition names are claimed before
/// any schema is pre-processed, so inline type names never take a definition's name.
pub fn name(doc: &Document) -> Naming<'_> {
    let mut taken = NameSet::new();
    let mut names: BTreeMap<SchemaId, String> = BTreeMap::new();
    let mut order: Vec<&SchemaId> = doc.schemas.keys().filter(|id| is_component(id)).collect();
    order.extend(doc.schemas.keys().filter(|id| !is_component(id)));
    for id in &order {
        let hint = &doc.schemas[*id].name_hint;
        let name = taken.claim(&type_name(if hint.is_empty() { "schema" } else { hint }));
        names.insert((*id).clone(), name);
    }

    let mut messages = Vec::with_capacity(doc.messages.len());
    let mut diagnostics = Vec::new();
    let mut pending: Vec<PendingSlot> = Vec::new();
    {
        let lookup = Lookup { names: &names, doc };
        let mut slot_name = |slot: Option<&SchemaSlot>, wanted: &str, origin: String| -> String {
            let schema = slot.map(|s| s.schema.clone()).unwrap_or(Value::Bool(true));
            if let Some(name) = lone_ref(&schema).and_then(|t| lookup.definition_name(t)) {
                return name;
            }
            let name = taken.claim(&type_name(wanted));
            pending.push(PendingSlot {
                name: name.clone(),
                schema,
                node: slot.map(|s| s.node.clone()).unwrap_or_default(),
                origin,
            });
            name
        };
        for message in &doc.messages {
            let (payload, diagnostic) = classify(message);
            diagnostics.extend(diagnostic);
            let payload = match payload {
                PayloadKind::Json(_) => PayloadKind::Json(slot_name(
                    message.payload.as_ref(),
                    &format!("{} payload", message.name),
                    format!("payload of message `{}`", message.name),
                )),
                PayloadKind::TextValue(_) => PayloadKind::TextValue(slot_name(
                    message.payload.as_ref(),
                    &format!("{} payload", message.name),
                    format!("payload of message `{}`", message.name),
                )),
                other => other,
            };
            let headers = match &message.headers {
                Some(slot) if slot.is_json_schema => Some(slot_name(
                    Some(slot),
                    &format!("{} headers", message.name),
                    format!("headers of message `{}`", message.name),
                )),
                Some(slot) => {
                    diagnostics.push(Diagnostic::warning(
                        "headers-not-json-schema",
                        Some(slot.node.clone()),
                        format!(
                            "the headers of message `{}` use schema format `{}`; they get no type",
                            message.name, slot.schema_format
                        ),
                    ));
                    None
                }
                None => None,
            };
            messages.push(MessageSlots { payload, headers });
        }
    }
    Naming {
        names,
        taken,
        order,
        pending,
        messages,
        diagnostics,
    }
}

impl Naming<'_> {
    /// Per message (same index as [`Document::messages`]), where its types are.
    pub fn messages(&self) -> &[MessageSlots] {
        &self.messages
    }

    /// Pre-processes every named schema: the second half of [`bundle`].
    pub fn bundle(self, doc: &Document) -> Bundle {
        let Naming {
            names,
            mut taken,
            order,
            pending,
            messages,
            diagnostics,
        } = self;
        let mut out = Bundle {
            messages,
            diagnostics,
            ..Bundle::default()
        };
        let lookup = Lookup { names: &names, doc };
        for id in &order {
            let schema = &doc.schemas[*id];
            let name = names[*id].clone();
            let mut notes = Vec::new();
            let value = preprocess(
                &schema.value,
                &name,
                &lookup,
                &mut taken,
                &mut out.constraints,
                &mut notes,
            );
            let origin = format!("schema `{}` ({})", schema.name_hint, id);
            push_notes(&mut out.diagnostics, &origin, id, notes);
            out.definitions.push(Definition {
                name,
                schema: value,
                node: Some((*id).clone()),
                origin,
            });
        }
        for slot in pending {
            let mut notes = Vec::new();
            let value = preprocess(
                &slot.schema,
                &slot.name,
                &lookup,
                &mut taken,
                &mut out.constraints,
                &mut notes,
            );
            push_notes(&mut out.diagnostics, &slot.origin, &slot.node, notes);
            out.definitions.push(Definition {
                name: slot.name,
                schema: value,
                node: Some(slot.node),
                origin: slot.origin,
            });
        }
        out
    }
}

fn push_notes(
    diagnostics: &mut Vec<Diagnostic>,
    origin: &str,
    node: &NodeId,
    notes: Vec<super::preprocess::Note>,
) {
    for (code, note) in notes {
        diagnostics.push(Diagnostic::warning(
            code,
            Some(node.clone()),
            format!("{origin}: {note}"),
        ));
    }
}
