//! Payload and header schemas as rows of a nested table: name, type, required, constraints,
//! enums, defaults, `oneOf`/`anyOf`/`allOf` variants with their discriminator. `$ref`s are
//! followed through [`Document::schemas`]; a schema that refers to itself shows as a back
//! reference instead of recursing.

use serde::Serialize;
use serde_json::Value;

use super::text::markdown_opt;
use crate::model::{Document, NodeId};

/// Deepest nesting shown; deeper schemas end in a "…" row.
const MAX_DEPTH: usize = 12;
/// Rows shown per schema at most (a guard against schemas that explode when refs are inlined).
const MAX_ROWS: usize = 1500;

/// One row of a schema table.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SchemaRow {
    /// Property name, `[items]`, `{additional}` or empty for the root.
    pub name: String,
    /// Type label: `string (date-time)`, `object`, `array`, `integer | null`, ...
    pub ty: String,
    /// The named schema this row comes from (`lightMeasuredPayload`), when it is a `$ref`.
    pub ref_name: Option<String>,
    /// True when the parent object lists the property as required.
    pub required: bool,
    /// Description rendered as inert HTML.
    pub description: String,
    /// Constraints as `key: value` texts (`minimum: 0`, `pattern: ^a`, `format: uuid`).
    pub facts: Vec<String>,
    /// Allowed values, as JSON texts.
    pub enum_values: Vec<String>,
    /// Default value, as JSON text.
    pub default: Option<String>,
    /// Nested rows (object properties, array items, additional properties).
    pub children: Vec<SchemaRow>,
    /// `oneOf`, `anyOf` or `allOf` when the schema has variants.
    pub variant_kind: Option<String>,
    /// The discriminator property of the variants.
    pub discriminator: Option<String>,
    /// Variants, each a row (name: its title, ref name or position).
    pub variants: Vec<SchemaRow>,
    /// True when this row repeats an enclosing schema (a recursive `$ref`): not expanded again.
    pub recursive: bool,
}

/// Builds the row tree of `schema`.
pub fn rows(doc: &Document, schema: &Value) -> SchemaRow {
    let mut builder = Builder {
        doc,
        stack: Vec::new(),
        count: 0,
    };
    builder.row(String::new(), schema, false, 0)
}

struct Builder<'a> {
    doc: &'a Document,
    /// `$ref` targets being expanded (for cycles).
    stack: Vec<NodeId>,
    count: usize,
}

/// JSON text of a value, compact.
fn json(value: &Value) -> String {
    match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    }
}

const FACT_KEYS: &[&str] = &[
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "contentEncoding",
    "contentMediaType",
    "readOnly",
    "writeOnly",
    "deprecated",
    "nullable",
];

impl Builder<'_> {
    fn row(&mut self, name: String, schema: &Value, required: bool, depth: usize) -> SchemaRow {
        self.count += 1;
        let mut row = SchemaRow {
            name,
            required,
            ..SchemaRow::default()
        };
        // Follow a `$ref` (canonical `{file}#{pointer}`), remembering the name.
        let mut schema = schema;
        let mut pushed = None;
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let id = NodeId::parse(target);
            match id
                .as_ref()
                .and_then(|id| self.doc.schemas.get(id).map(|s| (id, s)))
            {
                Some((id, named)) => {
                    row.ref_name = Some(named.name_hint.clone());
                    if self.stack.contains(id) {
                        row.ty = named.name_hint.clone();
                        row.recursive = true;
                        return row;
                    }
                    self.stack.push(id.clone());
                    pushed = Some(());
                    schema = &named.value;
                }
                None => {
                    row.ty = format!("$ref {target}");
                    return row;
                }
            }
        }
        self.fill(&mut row, schema, depth);
        if pushed.is_some() {
            self.stack.pop();
        }
        row
    }

    fn fill(&mut self, row: &mut SchemaRow, schema: &Value, depth: usize) {
        let Some(object) = schema.as_object() else {
            // `true` / `false` schemas.
            row.ty = match schema {
                Value::Bool(true) => "any".into(),
                Value::Bool(false) => "nothing".into(),
                other => json(other),
            };
            return;
        };
        row.ty = type_label(object);
        let description = object
            .get("description")
            .and_then(Value::as_str)
            .or_else(|| object.get("title").and_then(Value::as_str));
        row.description = markdown_opt(description);
        for key in FACT_KEYS {
            if let Some(value) = object.get(*key) {
                row.facts.push(format!("{key}: {}", json(value)));
            }
        }
        if let Some(values) = object.get("enum").and_then(Value::as_array) {
            row.enum_values = values.iter().map(json).collect();
        }
        row.default = object.get("default").map(json);
        if depth >= MAX_DEPTH || self.count >= MAX_ROWS {
            if object.contains_key("properties") || object.contains_key("items") {
                row.children.push(SchemaRow {
                    name: "…".into(),
                    ty: "(not shown: too deep or too large)".into(),
                    ..SchemaRow::default()
                });
            }
            return;
        }
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let is_required = required.contains(&name.as_str());
                let child = self.row(name.clone(), property, is_required, depth + 1);
                row.children.push(child);
            }
        }
        if let Some(patterns) = object.get("patternProperties").and_then(Value::as_object) {
            for (pattern, property) in patterns {
                let child = self.row(format!("/{pattern}/"), property, false, depth + 1);
                row.children.push(child);
            }
        }
        match object.get("additionalProperties") {
            Some(Value::Object(_)) => {
                let extra = &object["additionalProperties"];
                let child = self.row("{additional}".into(), extra, false, depth + 1);
                row.children.push(child);
            }
            Some(Value::Bool(false)) => row.facts.push("additionalProperties: false".into()),
            _ => {}
        }
        match object.get("items") {
            Some(Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    let child = self.row(format!("[{index}]"), item, false, depth + 1);
                    row.children.push(child);
                }
            }
            Some(items) => {
                let child = self.row("[items]".into(), items, false, depth + 1);
                row.children.push(child);
            }
            None => {}
        }
        for kind in ["oneOf", "anyOf", "allOf"] {
            let Some(variants) = object.get(kind).and_then(Value::as_array) else {
                continue;
            };
            row.variant_kind = Some(kind.to_string());
            for (index, variant) in variants.iter().enumerate() {
                let label = variant
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("variant {}", index + 1));
                let child = self.row(label, variant, false, depth + 1);
                row.variants.push(child);
            }
            break;
        }
        row.discriminator = match object.get("discriminator") {
            Some(Value::String(property)) => Some(property.clone()),
            Some(Value::Object(discriminator)) => discriminator
                .get("propertyName")
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        };
    }
}

/// `string (date-time)`, `integer | null`, `array`, `object`; inferred when `type` is absent.
fn type_label(object: &serde_json::Map<String, Value>) -> String {
    let mut label = match object.get("type") {
        Some(Value::String(ty)) => ty.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .map(|ty| ty.as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(" | "),
        _ if object.contains_key("properties") => "object".into(),
        _ if object.contains_key("items") => "array".into(),
        _ if object.contains_key("enum") => "enum".into(),
        _ if object.contains_key("const") => "const".into(),
        _ if object.contains_key("oneOf") => "one of".into(),
        _ if object.contains_key("anyOf") => "any of".into(),
        _ if object.contains_key("allOf") => "all of".into(),
        _ => "any".into(),
    };
    if let Some(format) = object.get("format").and_then(Value::as_str) {
        label.push_str(&format!(" ({format})"));
    }
    label
}
