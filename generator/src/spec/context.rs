//! Shared state while one document is turned into the model: the files, the diagnostics, the
//! schemas collected so far and the helpers every version-specific builder uses.

use std::collections::{btree_map, HashMap, HashSet, VecDeque};

use crate::diagnostics::Diagnostic;
use crate::model::{Document, NodeId, Schema, SchemaId, SchemaSlot, Tag};
use crate::reader::pointer;
use crate::reader::refs::{ref_of, Files};
use crate::reader::yaml::{Node, Value};
use crate::spec::traits::Merged;

/// True for keys inside a schema whose values are data, not schemas (their `$ref` keys are left
/// alone). A `match` (compiled to a length switch) rather than a list scan: every key of every
/// schema is asked.
fn is_data_keyword(key: &str) -> bool {
    matches!(
        key,
        "const" | "enum" | "default" | "examples" | "example" | "x-examples"
    )
}

/// True for keys inside a schema whose values are maps of names to schemas (their keys are names).
fn is_name_map(key: &str) -> bool {
    matches!(
        key,
        "properties"
            | "patternProperties"
            | "definitions"
            | "$defs"
            | "dependencies"
            | "dependentSchemas"
            | "dependentRequired"
    )
}

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
        self.schema_value_in(node, false)
    }

    /// [`Ctx::schema_value`]; `names` is true for a map whose keys are names, not keywords
    /// (the value of `properties`, `definitions`, ...).
    fn schema_value_in(&mut self, node: &'a Node, names: bool) -> serde_json::Value {
        match &node.value {
            Value::Map(entries) => {
                let mut object = serde_json::Map::with_capacity(entries.len());
                for entry in entries {
                    let value = if entry.key == "$ref" {
                        match entry.value.as_str() {
                            Some(reference) => self.schema_ref(node, &entry.value, reference),
                            // A property named `$ref` (`properties: {$ref: {...}}`): a schema.
                            None => self.schema_value(&entry.value),
                        }
                    } else if entry.key == "discriminator" {
                        if self.asyncapi_dialect && entry.value.as_str().is_none() {
                            self.error(
                                "schema-discriminator",
                                &entry.value,
                                format!(
                                    "in an AsyncAPI schema `discriminator` is a property name (a string), not {}",
                                    entry.value.kind()
                                ),
                            );
                        }
                        entry.value.to_json()
                    } else if is_data_keyword(&entry.key) {
                        entry.value.to_json()
                    } else if let (false, true, Some(pattern)) =
                        (names, entry.key == "pattern", entry.value.as_str())
                    {
                        self.check_pattern(&entry.value, pattern);
                        entry.value.to_json()
                    } else {
                        let holds_names = !names && is_name_map(&entry.key);
                        self.schema_value_in(&entry.value, holds_names)
                    };
                    object.insert(entry.key.clone(), value);
                }
                serde_json::Value::Object(object)
            }
            Value::Seq(items) => items
                .iter()
                .map(|i| self.schema_value_in(i, false))
                .collect(),
            _ => node.to_json(),
        }
    }

    /// Warns about a `pattern` that only a backtracking engine can run and whose repeated
    /// groups hold repetitions: its matching time can grow exponentially with the input.
    fn check_pattern(&mut self, at: &Node, pattern: &str) {
        use crate::types::patterns::{classify, Engine};
        if let Engine::Backtracking {
            why,
            nested_quantifiers: true,
        } = classify(pattern)
        {
            let id = self.id(at);
            self.diagnostics.push(
                Diagnostic::warning(
                    "schema-pattern-backtracking",
                    Some(id),
                    format!(
                        "pattern `{pattern}` uses {why}, so it runs on a backtracking engine, and \
                         it repeats a group that holds a repetition: checking a hostile string \
                         can take exponential time (inputs are cut at `maxLength`, else at the \
                         generated `patterns::input_limit()`)"
                    ),
                )
                .with_help(
                    "drop the backreference or lookaround so the pattern runs in linear time, \
                     or remove the nested repetition, and set a small `maxLength`",
                ),
            );
        }
    }

    fn schema_ref(&mut self, holder: &'a Node, at: &Node, reference: &str) -> serde_json::Value {
        match self.files.resolve(holder, reference) {
            Ok(target) => {
                let id = self.id(target);
                let canonical = canonical_text(&id);
                self.queue_schema(id, target);
                serde_json::Value::String(canonical)
            }
            Err(diagnostic) => {
                self.report_at(at, diagnostic);
                serde_json::Value::String(reference.to_string())
            }
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

    /// Converts every queued schema (iteratively, so recursive schemas terminate).
    pub fn finish_schemas(&mut self) {
        while let Some((id, node)) = self.schema_queue.pop_front() {
            let value = self.schema_value(node);
            let name_hint = self.name_hint(&id);
            self.doc.schemas.insert(id, Schema { name_hint, value });
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

/// `id` as its [`NodeId`] `Display` text (`file#pointer`), written without the formatting
/// machinery: every `$ref` inside every schema is rewritten to it.
fn canonical_text(id: &NodeId) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut file = id.file;
    loop {
        at -= 1;
        // `file % 10` is below 10: the cast cannot truncate.
        digits[at] = b'0' + (file % 10) as u8;
        file /= 10;
        if file == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(digits.len() - at + 1 + id.pointer.len());
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
    out.push('#');
    out.push_str(&id.pointer);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_is_the_display_text() {
        for (file, pointer) in [
            (0, "/components/schemas/a~1b"),
            (7, ""),
            (10, "/x"),
            (123_456, "/y/0"),
            (usize::MAX, "/z"),
        ] {
            let id = NodeId {
                file,
                pointer: pointer.to_string(),
            };
            assert_eq!(canonical_text(&id), id.to_string());
        }
    }
}
