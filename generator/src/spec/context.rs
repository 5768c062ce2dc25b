//! Shared state while one document is turned into the model: the files, the diagnostics, the
//! schemas collected so far and the helpers every version-specific builder uses.

use std::collections::{btree_map, HashMap, HashSet, VecDeque};

use crate::diagnostics::Diagnostic;
use crate::model::{Document, NodeId, Schema, SchemaId, SchemaSlot, Tag};
use crate::reader::pointer;
use crate::reader::refs::{ref_of, Files};
use crate::reader::yaml::{Node, Value};
use crate::spec::conversion::{self, Conversion};
use crate::spec::traits::Merged;

/// Pointer segments that do not name a schema (skipped when choosing a name hint).
const GENERIC_SEGMENTS: &[&str] = &[
    "components",
    "schemas",
    "schema",
    "payload",
    "headers",
    "properties",
    "items",
    "additionalProperties",
    "definitions",
    "$defs",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "messages",
    "message",
    "channels",
    "publish",
    "subscribe",
    "patternProperties",
];

/// The builder's working state.
pub struct Ctx<'a> {
    /// The loaded files.
    pub files: &'a Files,
    /// Objects with their traits applied.
    pub merged: &'a Merged,
    /// Findings so far.
    pub diagnostics: Vec<Diagnostic>,
    /// The document being built.
    pub doc: Document,
    /// Message index by the message's (dereferenced) node.
    pub message_index: HashMap<NodeId, usize>,
    message_names: HashSet<String>,
    schema_queue: VecDeque<(SchemaId, &'a Node)>,
    /// False while converting a schema in an OpenAPI format (where `discriminator` is an object).
    asyncapi_dialect: bool,
}

impl<'a> Ctx<'a> {
    /// A fresh context over `files`.
    pub fn new(files: &'a Files, merged: &'a Merged) -> Self {
        Ctx {
            files,
            merged,
            diagnostics: Vec::new(),
            doc: Document {
                files: files.paths(),
                ..Document::default()
            },
            message_index: HashMap::new(),
            message_names: HashSet::new(),
            schema_queue: VecDeque::new(),
            asyncapi_dialect: true,
        }
    }

    /// The canonical id of `node`.
    pub fn id(&self, node: &Node) -> NodeId {
        self.files.id(node)
    }

    /// `node` with its traits applied (the node itself when it has none).
    pub fn with_traits(&self, node: &'a Node) -> &'a Node {
        self.merged.get(&(node.file, node.id)).unwrap_or(node)
    }

    /// Records an error at `node`.
    pub fn error(&mut self, code: &'static str, node: &Node, message: impl Into<String>) {
        let id = self.id(node);
        self.diagnostics
            .push(Diagnostic::error(code, Some(id), message));
    }

    /// Records a warning at `node`.
    pub fn warn(&mut self, code: &'static str, node: &Node, message: impl Into<String>) {
        let id = self.id(node);
        self.diagnostics
            .push(Diagnostic::warning(code, Some(id), message));
    }

    /// Records `diagnostic`, placing it at `node` when it has no place yet.
    pub fn report_at(&mut self, node: &Node, mut diagnostic: Diagnostic) {
        if diagnostic.node.is_none() && diagnostic.location.is_none() {
            diagnostic.node = Some(self.id(node));
        }
        self.diagnostics.push(diagnostic);
    }

    /// Follows `$ref`s; a failure is reported at `node` and gives `None`.
    pub fn deref(&mut self, node: &'a Node) -> Option<&'a Node> {
        match self.files.deref(node) {
            Ok(target) => Some(target),
            Err(diagnostic) => {
                let at = node.get("$ref").unwrap_or(node);
                self.report_at(at, diagnostic);
                None
            }
        }
    }

    /// The dereferenced value of `key` in `parent`.
    pub fn field(&mut self, parent: &'a Node, key: &str) -> Option<&'a Node> {
        let value = parent.get(key)?;
        if value.is_null() {
            return None;
        }
        self.deref(value)
    }

    /// `key` of `parent` as a string; another type is an error (`type-mismatch`).
    pub fn string(&mut self, parent: &'a Node, key: &str) -> Option<String> {
        let value = parent.get(key)?;
        match &value.value {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            Value::Number(_) | Value::Bool(_) => value.scalar_text(),
            _ => {
                let hint = if ref_of(value).is_some() {
                    " (`$ref` is not allowed here)"
                } else {
                    ""
                };
                let message = format!("`{key}` must be a string, not {}{hint}", value.kind());
                self.error("type-mismatch", value, message);
                None
            }
        }
    }

    /// A mapping field as its entries (dereferenced); other types are an error.
    pub fn map(&mut self, parent: &'a Node, key: &str) -> Vec<(&'a str, &'a Node)> {
        let Some(value) = self.field(parent, key) else {
            return Vec::new();
        };
        match value.as_map() {
            Some(entries) => entries.iter().map(|e| (e.key.as_str(), &e.value)).collect(),
            None => {
                let message = format!("`{key}` must be a mapping, not {}", value.kind());
                self.error("type-mismatch", value, message);
                Vec::new()
            }
        }
    }

    /// A sequence field's items; other types are an error.
    pub fn seq(&mut self, parent: &'a Node, key: &str) -> Vec<&'a Node> {
        let Some(value) = self.field(parent, key) else {
            return Vec::new();
        };
        match value.as_seq() {
            Some(items) => items.iter().collect(),
            None => {
                let message = format!("`{key}` must be a sequence, not {}", value.kind());
                self.error("type-mismatch", value, message);
                Vec::new()
            }
        }
    }

    /// `tags` of `parent`.
    pub fn tags(&mut self, parent: &'a Node) -> Vec<Tag> {
        let mut out = Vec::new();
        for item in self.seq(parent, "tags") {
            let Some(tag) = self.deref(item) else {
                continue;
            };
            if let Some(name) = self.string(tag, "name") {
                out.push(Tag {
                    name,
                    description: self.string(tag, "description"),
                });
            }
        }
        out
    }

    /// A schema value with every `$ref` rewritten to its canonical id (targets are queued for
    /// [`Document::schemas`]).
    pub fn schema_value(&mut self, node: &'a Node) -> serde_json::Value {
        let mut conversion = Conversion::new(self.files, self.asyncapi_dialect);
        let value = conversion.value(node);
        self.absorb(conversion);
        value
    }

    /// Takes in what a conversion found: its diagnostics, and its `$ref` targets queued in the
    /// order met.
    fn absorb(&mut self, conversion: Conversion<'a>) {
        self.diagnostics.extend(conversion.diagnostics);
        for (id, target) in conversion.targets {
            self.queue_schema(id, target);
        }
    }

    /// Adds a named schema (e.g. `components/schemas/X`) to [`Document::schemas`].
    pub fn add_schema(&mut self, node: &'a Node) {
        let id = self.id(node);
        self.queue_schema(id, node);
    }

    /// Reserves `id` in [`Document::schemas`] and queues its conversion, unless it is known.
    fn queue_schema(&mut self, id: SchemaId, node: &'a Node) {
        if let btree_map::Entry::Vacant(slot) = self.doc.schemas.entry(id) {
            self.schema_queue.push_back((slot.key().clone(), node));
            slot.insert(Schema::default());
        }
    }

    /// Converts every queued schema (iteratively, so recursive schemas terminate): all queued
    /// at once, in rounds, a large round on several threads ([`conversion::convert_all`]), with
    /// exactly the result of converting them one after another.
    pub fn finish_schemas(&mut self) {
        while !self.schema_queue.is_empty() {
            let round: Vec<(SchemaId, &'a Node)> = self.schema_queue.drain(..).collect();
            let converted = conversion::convert_all(self.files, self.asyncapi_dialect, &round);
            for ((id, _), (value, conversion)) in round.into_iter().zip(converted) {
                let name_hint = self.name_hint(&id);
                self.doc.schemas.insert(id, Schema { name_hint, value });
                self.absorb(conversion);
            }
        }
    }

    fn name_hint(&self, id: &NodeId) -> String {
        let meaningful = pointer::tokens(&id.pointer)
            .into_iter()
            .flatten()
            .filter(|s| !GENERIC_SEGMENTS.contains(&s.as_ref()) && s.parse::<usize>().is_err())
            .last();
        match meaningful {
            Some(name) => name.into_owned(),
            None => self
                .doc
                .files
                .get(id.file)
                .and_then(|p| p.file_stem())
                .map(|s| {
                    s.to_string_lossy()
                        .split('.')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "Schema".to_string()),
        }
    }

    /// A payload or headers slot: the format, whether it is JSON Schema, and the canonical value.
    /// A top-level `$ref` stays a `$ref` (so the type can be named after its target).
    pub fn schema_slot(&mut self, node: &'a Node, format: Option<String>) -> SchemaSlot {
        let schema_format = format.unwrap_or_else(|| {
            let version = &self.doc.asyncapi_version;
            let mut default = String::with_capacity(48 + version.len());
            default.push_str("application/vnd.aai.asyncapi+json;version=");
            default.push_str(version);
            default
        });
        let is_json_schema = is_json_schema_format(&schema_format);
        let target = self.deref(node).unwrap_or(node);
        let node_id = self.id(target);
        let schema = if is_json_schema {
            self.asyncapi_dialect = !schema_format.contains("openapi");
            let value = self.schema_value(node);
            self.asyncapi_dialect = true;
            value
        } else {
            target.to_json()
        };
        SchemaSlot {
            schema_format,
            is_json_schema,
            schema,
            node: node_id,
        }
    }

    /// Makes room for about `count` messages (their index and names), so that large documents do
    /// not rehash these tables again and again.
    pub fn reserve_messages(&mut self, count: usize) {
        self.message_index.reserve(count);
        self.message_names.reserve(count);
    }

    /// Registers a message name, making it unique (`name`, `name_2`, ...).
    pub fn unique_message_name(&mut self, wanted: String) -> String {
        let mut name = wanted.clone();
        let mut n = 2;
        while !self.message_names.insert(name.clone()) {
            name = format!("{wanted}_{n}");
            n += 1;
        }
        name
    }
}

/// True for AsyncAPI, JSON Schema and OpenAPI schema formats (JSON or YAML flavours).
pub fn is_json_schema_format(format: &str) -> bool {
    let base = format.split(';').next().unwrap_or("").trim();
    matches!(
        base,
        "" | "application/vnd.aai.asyncapi"
            | "application/vnd.aai.asyncapi+json"
            | "application/vnd.aai.asyncapi+yaml"
            | "application/schema+json"
            | "application/schema+yaml"
            | "application/vnd.oai.openapi"
            | "application/vnd.oai.openapi+json"
            | "application/vnd.oai.openapi+yaml"
    )
}
