//! A schema as the comparison sees it: `$ref`s followed, `allOf` merged, nullability in one flag.
//!
//! [`Norm::of`] flattens one schema value into what it means for the wire: the set of JSON types
//! (`null` apart, as [`Norm::nullable`]), the enum, format, limits, properties with their places,
//! `required`, `additionalProperties`, `items` and `oneOf`/`anyOf` variants. `nullable: true`,
//! `type: [t, "null"]`, `null` in an `enum` and an `anyOf`/`oneOf` variant `{type: null}` all
//! become `nullable`. Subschemas stay [`Owned`]s (a value and where it sits) until compared, so
//! recursive schemas are walked only as deep as two documents differ.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::model::{Document, NodeId};
use crate::reader::pointer;

/// A subschema whose place is computed (inline members get `parent/properties/x`).
#[derive(Clone, Debug)]
pub struct Owned<'d> {
    /// The schema value.
    pub value: &'d Value,
    /// Its place.
    pub node: NodeId,
}

/// `additionalProperties`.
#[derive(Clone, Debug, Default)]
pub enum Additional<'d> {
    /// Absent or `true`: any other member is accepted.
    #[default]
    Any,
    /// `false`: no other member.
    Deny,
    /// A schema for the other members.
    Schema(Owned<'d>),
}

/// The keywords that limit values, compared numerically or as text.
pub const LIMITS: &[&str] = &[
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
];

/// Keywords that only document (changes to them are docs-only).
pub const ANNOTATIONS: &[&str] = &[
    "description",
    "examples",
    "example",
    "externalDocs",
    "$comment",
    "deprecated",
];

/// A flattened schema (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Norm<'d> {
    /// Where the schema is (the first `$ref` target when it is a reference).
    pub node: NodeId,
    /// The name hint of the first `$ref` followed (a component schema's key): the Rust type name.
    pub ref_name: Option<String>,
    /// The JSON types allowed, `null` apart; `None` = any.
    pub types: Option<BTreeSet<String>>,
    /// `null` is allowed.
    pub nullable: bool,
    /// `enum` (or `const`) values, `null` apart.
    pub values: Option<Vec<Value>>,
    /// `format`.
    pub format: Option<String>,
    /// Limits ([`LIMITS`]) by keyword.
    pub limits: BTreeMap<&'static str, Value>,
    /// Properties by name.
    pub properties: BTreeMap<String, Owned<'d>>,
    /// `required`.
    pub required: BTreeSet<String>,
    /// `additionalProperties`.
    pub additional: Additional<'d>,
    /// `items` (one schema).
    pub items: Option<Owned<'d>>,
    /// `oneOf`/`anyOf` variants (not `{type: null}`).
    pub variants: Vec<Owned<'d>>,
    /// `default`.
    pub default: Option<Value>,
    /// `title` (names inline Rust types).
    pub title: Option<String>,
    /// Annotation keywords ([`ANNOTATIONS`]) by keyword.
    pub annotations: BTreeMap<&'static str, Value>,
    /// True when the generator makes a named Rust type of this schema (object, enum, union,
    /// constrained string): the same test as the type generator's.
    pub named: bool,
    /// False when the value is `false` (nothing is accepted).
    pub accepts: bool,
}

/// How deep `$ref`/`allOf` chains are followed for one schema.
const MAX_DEPTH: usize = 32;

impl<'d> Norm<'d> {
    /// Flattens the schema `value` at `node` of `doc`.
    pub fn of(doc: &'d Document, value: &'d Value, node: &NodeId) -> Norm<'d> {
        let mut norm = Norm {
            node: node.clone(),
            accepts: true,
            ..Norm::default()
        };
        norm.absorb(doc, value, node, 0, true);
        norm
    }

    /// Merges `value` (at `node`) into `self`, as an `allOf` member does.
    fn absorb(
        &mut self,
        doc: &'d Document,
        value: &'d Value,
        node: &NodeId,
        depth: usize,
        top: bool,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(map) = value.as_object() else {
            if value == &Value::Bool(false) {
                self.accepts = false;
            }
            return;
        };
        if let Some((target, id)) = resolve(doc, map) {
            if top {
                self.node = id.clone();
            }
            if self.ref_name.is_none() && top {
                self.ref_name = doc.schemas.get(&id).map(|s| s.name_hint.clone());
            }
            self.absorb(doc, target, &id, depth + 1, top);
        }
        self.named |= crate::types::preprocess::makes_named_type(map);
        if let Some(members) = map.get("allOf").and_then(Value::as_array) {
            for (i, member) in members.iter().enumerate() {
                let at = child(node, &["allOf", &i.to_string()]);
                self.absorb(doc, member, &at, depth + 1, false);
            }
        }
        match map.get("type") {
            Some(Value::String(t)) => self.restrict_types(std::iter::once(t.as_str())),
            Some(Value::Array(list)) => {
                self.restrict_types(list.iter().filter_map(Value::as_str));
            }
            _ => {}
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            self.nullable = true;
        }
        let values = map
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .or_else(|| map.get("const").map(|c| vec![c.clone()]));
        if let (None, Some(mut values)) = (&self.values, values) {
            if values.iter().any(Value::is_null) {
                self.nullable = true;
                values.retain(|v| !v.is_null());
            }
            self.values = Some(values);
        }
        if self.format.is_none() {
            self.format = map.get("format").and_then(Value::as_str).map(String::from);
        }
        for key in LIMITS {
            if let Some(v) = map.get(*key) {
                self.limits.entry(key).or_insert_with(|| v.clone());
            }
        }
        for key in ANNOTATIONS {
            if let Some(v) = map.get(*key) {
                self.annotations.entry(key).or_insert_with(|| v.clone());
            }
        }
        if let Some(props) = map.get("properties").and_then(Value::as_object) {
            for (name, schema) in props {
                self.properties
                    .entry(name.clone())
                    .or_insert_with(|| Owned {
                        value: schema,
                        node: child(node, &["properties", name]),
                    });
            }
        }
        if let Some(required) = map.get("required").and_then(Value::as_array) {
            self.required
                .extend(required.iter().filter_map(Value::as_str).map(String::from));
        }
        if matches!(self.additional, Additional::Any) {
            match map.get("additionalProperties") {
                Some(Value::Bool(false)) => self.additional = Additional::Deny,
                Some(schema @ Value::Object(_)) => {
                    self.additional = Additional::Schema(Owned {
                        value: schema,
                        node: child(node, &["additionalProperties"]),
                    })
                }
                _ => {}
            }
        }
        if self.items.is_none() {
            if let Some(items @ Value::Object(_)) = map.get("items") {
                self.items = Some(Owned {
                    value: items,
                    node: child(node, &["items"]),
                });
            }
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(list) = map.get(keyword).and_then(Value::as_array) {
                for (i, variant) in list.iter().enumerate() {
                    if is_null_schema(variant) {
                        self.nullable = true;
                        continue;
                    }
                    self.variants.push(Owned {
                        value: variant,
                        node: child(node, &[keyword, &i.to_string()]),
                    });
                }
            }
        }
        if self.default.is_none() {
            self.default = map.get("default").cloned();
        }
        if self.title.is_none() {
            self.title = map.get("title").and_then(Value::as_str).map(String::from);
        }
    }

    /// Narrows the allowed types to `types` (an `allOf` member intersects); `null` sets
    /// [`Norm::nullable`].
    fn restrict_types<'t>(&mut self, types: impl Iterator<Item = &'t str>) {
        let mut set = BTreeSet::new();
        for t in types {
            if t == "null" {
                self.nullable = true;
            } else {
                set.insert(t.to_string());
            }
        }
        if set.is_empty() {
            return;
        }
        self.types = Some(match self.types.take() {
            None => set,
            Some(existing) => existing.intersection(&set).cloned().collect(),
        });
    }

    /// The single JSON type, when exactly one (`integer`, `string`, ...).
    pub fn single_type(&self) -> Option<&str> {
        let types = self.types.as_ref()?;
        (types.len() == 1).then(|| types.iter().next().map(String::as_str))?
    }

    /// The schema keywords that decide an integer's Rust type, for the generator's sizing.
    pub fn integer_keywords(&self) -> Value {
        let mut map = Map::new();
        if let Some(format) = &self.format {
            map.insert("format".into(), Value::String(format.clone()));
        }
        for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
            if let Some(v) = self.limits.get(key) {
                map.insert(key.into(), v.clone());
            }
        }
        Value::Object(map)
    }
}

/// The target of a canonical `$ref` in `map`, with its place.
fn resolve<'d>(doc: &'d Document, map: &Map<String, Value>) -> Option<(&'d Value, NodeId)> {
    let id = NodeId::parse(map.get("$ref")?.as_str()?)?;
    let schema = doc.schemas.get(&id)?;
    Some((&schema.value, id))
}

/// `{type: null}` (or `{type: [null]}`, `{const: null}`, `{enum: [null]}`).
fn is_null_schema(value: &Value) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(list)) => list.len() == 1 && list[0] == "null",
        _ => {
            map.get("const") == Some(&Value::Null)
                || map
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|v| v.len() == 1 && v[0].is_null())
        }
    }
}

/// `node` with `segments` appended to its pointer.
pub fn child(node: &NodeId, segments: &[&str]) -> NodeId {
    let mut pointer = node.pointer.clone();
    for segment in segments {
        pointer = pointer::push(&pointer, segment);
    }
    NodeId {
        file: node.file,
        pointer,
    }
}
