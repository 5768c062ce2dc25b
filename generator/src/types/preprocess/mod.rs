//! Rewrites one schema into the JSON Schema dialect typify 0.8 handles well, keeping wire meaning.
//!
//! | Input | Output | Why |
//! |---|---|---|
//! | canonical `$ref` (`0#/components/schemas/X`) | `#/definitions/X` | typify only follows local refs |
//! | `$ref` with sibling keywords | `allOf: [ref, siblings]` (annotations alone are dropped) | typify ignores siblings |
//! | OpenAPI `nullable: true` | `type: [t, "null"]`, `null` added to `enum`, or `anyOf: [s, null]` | typify ignores `nullable` |
//! | `discriminator` (string or `{propertyName, mapping}`) on `oneOf`/`anyOf` | every variant gets the tag property as a single-value enum | typify tags an enum when each variant has a constant property, and ignores `discriminator` |
//! | `const: v` | `enum: [v]` (+ inferred `type`) | typify maps a bare `const` to `serde_json::Value` |
//! | `enum` without `type` | `type` inferred from the values; mixed types become a `oneOf` of one enum per type | typify rejects a mixed enum without `type` |
//! | `type: integer` with `minimum`/`maximum` and no `format` | the narrowest `format` (`uint8`, `int16`, ...) | typify only narrows on exact bounds |
//! | `format` on numbers other than `float`, unknown formats on integers | dropped | typify errors or ignores them |
//! | `format: time`, `uri`, `email`, `hostname`, ... on strings | dropped (a `String`) | no type that round-trips the exact text |
//! | tuple `items: [a]` (one schema, no length bounds) | `items: a` | it means "a list of a" in practice |
//! | tuple `items: [a, b, ..]` / 2020-12 `prefixItems` | fixed tuple (`minItems = maxItems = n`) unless more items are allowed by an explicit `additionalItems`/`items` schema, then a list of any value | typify needs equal bounds for tuples |
//! | `minItems = maxItems > 32` | bounds dropped (a `Vec`) | serde implements arrays only up to 32 |
//! | draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` | numeric form | schemars 0.8 rejects booleans |
//! | draft-03 `required: true` on a property | added to the parent's `required` | |
//! | `$id`, `$schema`, `$comment`, `example(s)`, `x-*`, `definitions`/`$defs`, `if`/`then`/`else`, `not`, `contains`, `dependencies`, `propertyNames`, unknown keywords | dropped | annotations, or constraints typify panics on (these are not enforced) |

mod keywords;
mod placeholders;

use placeholders::placeholder_colliding_values;
pub use placeholders::{has_placeholders, restore_placeholders};

use serde_json::{json, Map, Value};

use super::constraints::{Constraints, Limits};
use super::names::{type_name, NameSet};
use keywords::{
    drop_refining_unions, infer_enum_type, make_nullable, normalise_exclusive_bounds,
    normalise_format, normalise_tuple, normalise_type, open_untyped, size_integer,
};

/// The Rust integer type a payload gets for the integer schema `schema`: its `format`, else the
/// narrowest type holding `minimum..=maximum` (`minimum: 0` → `u64`), else `i64`. Topic
/// parameters use it so that they are sized as payload integers are.
pub(crate) fn integer_type(schema: &Value) -> &'static str {
    let mut map = schema.as_object().cloned().unwrap_or_default();
    normalise_exclusive_bounds(&mut map);
    map.insert("type".into(), json!("integer"));
    normalise_format(&mut map);
    size_integer(&mut map);
    match map.get("format").and_then(Value::as_str) {
        Some("int8") => "i8",
        Some("uint8") => "u8",
        Some("int16") => "i16",
        Some("uint16") => "u16",
        Some("int" | "int32") => "i32",
        Some("uint" | "uint32") => "u32",
        Some("uint64") => "u64",
        _ => "i64",
    }
}

/// How the pre-processor sees the rest of the bundle.
pub trait RefLookup {
    /// The definition name for a canonical ref (`"0#/components/schemas/X"`), if known.
    fn definition_name(&self, canonical: &str) -> Option<String>;
    /// The raw (not yet pre-processed) schema a canonical ref points at.
    fn raw_schema(&self, canonical: &str) -> Option<Value>;
}

/// A problem worth a warning: its diagnostic code and message.
pub type Note = (&'static str, String);

/// Pre-processes the schema of definition `root_name`; `names` holds every type name already
/// taken (all definition names, and inline names given so far); `notes` collects problems worth
/// a warning (e.g. unresolved refs).
///
/// Every inline schema that typify would turn into a named type (objects, enums, unions,
/// constrained strings) gets a `title` that is unique across the whole bundle: its own title
/// when it has one, else the context name typify would use (`<Parent><Property>`,
/// `<Parent>Item`, `<Parent>Variant<n>`), made distinct with `2`, `3`, .... typify silently
/// reuses the first type when two inline types get the same name, which would give one of them
/// the other's shape; unique titles rule that out.
///
/// Numeric and array limits of struct members (and of the definition itself) are recorded in
/// `constraints`, keyed by the type name typify will give the struct.
pub fn preprocess(
    schema: &Value,
    root_name: &str,
    refs: &dyn RefLookup,
    names: &mut NameSet,
    constraints: &mut Constraints,
    notes: &mut Vec<Note>,
) -> Value {
    let mut pass = Pass {
        refs,
        notes,
        names,
        constraints,
        depth: 0,
        context: root_name.to_string(),
        merged_member: false,
    };
    pass.schema(schema)
}

/// True when typify would make a named type of this (inline) schema.
pub(crate) fn makes_named_type(map: &Map<String, Value>) -> bool {
    const KEYS: &[&str] = &[
        "properties",
        "patternProperties",
        "enum",
        "const",
        "oneOf",
        "anyOf",
        "allOf",
        "pattern",
        "minLength",
        "maxLength",
    ];
    KEYS.iter().any(|k| map.contains_key(*k))
        || map.get("type") == Some(&Value::String("object".into()))
        || map
            .get("additionalProperties")
            .is_some_and(Value::is_object)
}

/// Keywords the generated Rust types do not express, listed in the type's rustdoc here; a JSON
/// payload's schema check (`mqttgen::schema`) enforces them.
pub const NOT_ENFORCED: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "contains",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "patternProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
];

/// A count keyword's value: a non-negative integer, also when written as a decimal (`2.0`).
fn count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
            .map(|f| f as u64)
    })
}

/// Adds "Not expressed by this Rust type: ..." to the description of a schema that uses keywords of
/// [`NOT_ENFORCED`], so the generated rustdoc says so.
fn note_unenforced(input: &Map<String, Value>, out: &mut Map<String, Value>) {
    let unenforced: Vec<String> = NOT_ENFORCED
        .iter()
        .filter(|k| input.contains_key(**k))
        .map(|k| format!("`{k}`"))
        .collect();
    if unenforced.is_empty() {
        return;
    }
    let note = format!(
        "Not expressed by this Rust type: {} (a JSON payload's schema check enforces them).",
        unenforced.join(", ")
    );
    add_note(out, &note);
}

/// Appends a paragraph to the schema's description (its rustdoc).
fn add_note(out: &mut Map<String, Value>, note: &str) {
    let text = match out.get("description").and_then(Value::as_str) {
        Some(description) => format!("{description}\n\n{note}"),
        None => note.to_string(),
    };
    out.insert("description".into(), Value::String(text));
}

/// The rustdoc rule of a schema without `type` (see [`keywords::open_untyped`]).
fn open_note(kinds: &[&str]) -> String {
    let kinds: Vec<String> = kinds.iter().map(|k| format!("`{k}`")).collect();
    format!(
        "The schema has no `type`: its keywords apply to {} values only and every other JSON \
         value is valid too, so this enum has one variant per JSON kind (the keywords shape the \
         {} variant).",
        kinds.join(" and "),
        kinds.join(" and "),
    )
}

/// Keywords kept as they are (after their subschemas are processed).
const KEPT: &[&str] = &[
    "type",
    "enum",
    "format",
    "title",
    "description",
    "default",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "allOf",
    "anyOf",
    "oneOf",
    "$ref",
    "deprecated",
];

/// Keywords that only annotate; a `$ref` next to only these stays a plain `$ref`.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "example",
    "examples",
    "$id",
    "id",
    "$comment",
    "$schema",
    "readOnly",
    "writeOnly",
    "deprecated",
    "default",
    "externalDocs",
    "xml",
];

struct Pass<'a> {
    refs: &'a dyn RefLookup,
    notes: &'a mut Vec<Note>,
    names: &'a mut NameSet,
    constraints: &'a mut Constraints,
    depth: usize,
    /// The type name of the nearest named ancestor, plus the path below it.
    context: String,
    /// Set for an `allOf` member: typify merges it into its parent, so it gets no name.
    merged_member: bool,
}

impl Pass<'_> {
    /// Processes a subschema whose context name is the current one plus `suffix`.
    fn child(&mut self, value: &Value, suffix: &str) -> Value {
        let saved = self.context.clone();
        if !suffix.is_empty() {
            self.context = format!("{saved} {suffix}");
        }
        let out = self.schema(value);
        self.context = saved;
        out
    }

    fn schema(&mut self, value: &Value) -> Value {
        self.depth += 1;
        let out = if self.depth > 64 {
            json!({})
        } else {
            match value {
                Value::Bool(_) => value.clone(),
                Value::Object(map) => {
                    let merged = std::mem::take(&mut self.merged_member);
                    self.object(map, merged)
                }
                // Not a schema at all: accept anything rather than fail the whole document.
                _ => json!({}),
            }
        };
        self.depth -= 1;
        out
    }

    fn object(&mut self, input: &Map<String, Value>, merged_member: bool) -> Value {
        if let Some(Value::String(target)) = input.get("$ref") {
            return self.reference(target, input);
        }
        let mut map = input.clone();
        normalise_type(&mut map);
        let refining_unions = drop_refining_unions(&mut map);
        let open_kinds = open_untyped(&mut map);
        let saved_context = self.context.clone();
        let named = open_kinds.is_some() || makes_named_type(&map);
        let inline_title = if self.depth > 1 && !merged_member && named {
            let wanted = match map.get("title").and_then(Value::as_str) {
                Some(title) if !title.trim().is_empty() => type_name(title),
                _ => type_name(&self.context),
            };
            let name = self.names.claim(&wanted);
            self.context = name.clone();
            Some(name)
        } else {
            if self.depth > 1 {
                map.remove("title");
            }
            None
        };
        let nullable = map.remove("nullable") == Some(Value::Bool(true));
        if let Some(discriminator) = map.remove("discriminator") {
            self.apply_discriminator(&mut map, &discriminator);
        }
        if let Some(value) = map.remove("const") {
            if !map.contains_key("enum") {
                map.insert("enum".into(), Value::Array(vec![value]));
            }
        }
        infer_enum_type(&mut map);
        placeholder_colliding_values(&mut map);
        normalise_exclusive_bounds(&mut map);
        normalise_format(&mut map);
        self.drop_unparsable_default(&mut map);
        let loose_tuple = normalise_tuple(&mut map);
        if map.contains_key("patternProperties") {
            // Members matching a pattern are neither declared fields nor `additionalProperties`:
            // the struct keeps unknown members (the schema check applies the patterns).
            map.remove("patternProperties");
            map.remove("additionalProperties");
        }
        self.hoist_property_required(&mut map);

        let mut out = Map::new();
        for (key, value) in map {
            if !KEPT.contains(&key.as_str()) {
                continue;
            }
            let processed = match key.as_str() {
                "properties" | "patternProperties" => match value {
                    Value::Object(props) => Value::Object(
                        props
                            .iter()
                            .map(|(k, v)| (k.clone(), self.child(v, k)))
                            .collect(),
                    ),
                    _ => continue,
                },
                "additionalProperties" => self.child(&value, "value"),
                "additionalItems" => self.child(&value, "item"),
                "items" => match &value {
                    Value::Array(items) => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| self.child(v, &format!("item {i}")))
                            .collect(),
                    ),
                    other => self.child(other, "item"),
                },
                "allOf" => match value {
                    // Members are merged by typify; their titles would only conflict.
                    Value::Array(items) if !items.is_empty() => Value::Array(
                        items
                            .iter()
                            .map(|v| {
                                // Merged into the parent: children are named after the parent.
                                self.merged_member = true;
                                let mut member = self.child(v, "");
                                self.merged_member = false;
                                if let Some(m) = member.as_object_mut() {
                                    m.remove("title");
                                }
                                member
                            })
                            .collect(),
                    ),
                    _ => continue,
                },
                "anyOf" | "oneOf" => match value {
                    Value::Array(items) if !items.is_empty() => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| self.child(v, &format!("variant {i}")))
                            .collect(),
                    ),
                    _ => continue,
                },
                "required" => match value {
                    Value::Array(items) => {
                        let mut names: Vec<Value> =
                            items.into_iter().filter(Value::is_string).collect();
                        names.dedup();
                        Value::Array(names)
                    }
                    _ => continue,
                },
                "enum" => match value {
                    Value::Array(items) if !items.is_empty() => {
                        let mut unique: Vec<Value> = Vec::new();
                        for item in items {
                            if !unique.contains(&item) {
                                unique.push(item);
                            }
                        }
                        Value::Array(unique)
                    }
                    _ => continue,
                },
                "title" | "description" | "pattern" | "format" => match value {
                    Value::String(_) => value,
                    _ => continue,
                },
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => {
                    match value {
                        Value::Number(_) => value,
                        _ => continue,
                    }
                }
                "minItems" | "maxItems" | "minLength" | "maxLength" | "minProperties"
                | "maxProperties" => match count(&value) {
                    Some(n) => json!(n),
                    None => continue,
                },
                "uniqueItems" | "deprecated" => match value {
                    Value::Bool(_) => value,
                    _ => continue,
                },
                _ => value,
            };
            out.insert(key, processed);
        }
        size_integer(&mut out);
        note_unenforced(input, &mut out);
        if !refining_unions.is_empty() {
            let keys: Vec<String> = refining_unions.iter().map(|k| format!("`{k}`")).collect();
            add_note(
                &mut out,
                &format!(
                    "{} only refines this type (or allows any value), so it does not shape the \
                     Rust type; a JSON payload's schema check enforces it.",
                    keys.join(" and ")
                ),
            );
        }
        if let Some(kinds) = open_kinds {
            add_note(&mut out, &open_note(&kinds));
        }
        if loose_tuple {
            add_note(
                &mut out,
                "`items` gives one schema per position but the array length may vary, so this is \
                 a list of JSON values (a JSON payload's schema check enforces each position).",
            );
        }
        if self.depth == 1 || inline_title.is_some() || merged_member {
            self.record_limits(&out);
        }
        if let Some(title) = inline_title {
            // Keep the author's title in the docs when the type name differs from it.
            let original = input.get("title").and_then(Value::as_str).map(str::trim);
            if let Some(original) = original.filter(|t| !t.is_empty() && *t != title) {
                let text = match out.get("description").and_then(Value::as_str) {
                    Some(description) => format!("{original}\n\n{description}"),
                    None => original.to_string(),
                };
                out.insert("description".into(), Value::String(text));
            }
            out.insert("title".into(), Value::String(title));
        }
        self.context = saved_context;
        if nullable {
            make_nullable(out)
        } else {
            Value::Object(out)
        }
    }

    /// Records the limits of the members of the struct being built (named after the current
    /// context), and of the definition's own value at the root.
    fn record_limits(&mut self, out: &Map<String, Value>) {
        let owner = self.context.clone();
        if self.depth == 1 {
            if let Some(limits) = Limits::from_schema(&Value::Object(out.clone())) {
                self.constraints
                    .entry(owner.clone())
                    .or_default()
                    .insert(String::new(), limits);
            }
        }
        if let Some(Value::Object(props)) = out.get("properties") {
            for (name, schema) in props {
                if let Some(limits) = Limits::from_schema(schema) {
                    self.constraints
                        .entry(owner.clone())
                        .or_default()
                        .insert(name.clone(), limits);
                }
            }
        }
    }

    /// Drops a string `default` that the type its kept `format` gives (`Uuid`, `DateTime`,
    /// `Ipv4Addr`, ...) cannot hold: the generated code parses a default when a member is missing
    /// (and unwraps the result), so a payload leaving the member out would panic. A note says so.
    fn drop_unparsable_default(&mut self, map: &mut Map<String, Value>) {
        let (Some(format), Some(default)) = (
            map.get("format").and_then(Value::as_str),
            map.get("default").and_then(Value::as_str),
        ) else {
            return;
        };
        if keywords::format_accepts(format, default) {
            return;
        }
        self.notes.push((
            "type-default-dropped",
            format!(
                "the `default` {default:?} of `{}` is not a valid `{format}`, so its Rust type \
                 cannot hold it; it was dropped",
                self.context
            ),
        ));
        map.remove("default");
    }

    /// A `$ref`: rewritten to its definition, siblings kept only when they constrain.
    fn reference(&mut self, target: &str, input: &Map<String, Value>) -> Value {
        let reference = match self.refs.definition_name(target) {
            Some(name) => json!({ "$ref": format!("#/definitions/{name}") }),
            None => {
                self.notes.push((
                    "type-ref-unresolved",
                    format!("the reference `{target}` does not resolve; it is any JSON value"),
                ));
                json!({})
            }
        };
        let nullable = input.get("nullable") == Some(&Value::Bool(true));
        let siblings: Map<String, Value> = input
            .iter()
            .filter(|(k, _)| {
                k.as_str() != "$ref"
                    && k.as_str() != "nullable"
                    && !ANNOTATIONS.contains(&k.as_str())
                    && !k.starts_with("x-")
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let combined = if siblings.is_empty() {
            reference
        } else {
            let rest = self.object(&siblings, true);
            json!({ "allOf": [reference, rest] })
        };
        if nullable {
            json!({ "anyOf": [combined, { "type": "null" }] })
        } else {
            combined
        }
    }

    /// Draft-03 `required: true` on a property becomes an entry of the parent's `required`.
    fn hoist_property_required(&mut self, map: &mut Map<String, Value>) {
        let Some(Value::Object(props)) = map.get_mut("properties") else {
            return;
        };
        let mut required = Vec::new();
        for (name, prop) in props.iter_mut() {
            if let Value::Object(prop) = prop {
                if prop.get("required") == Some(&Value::Bool(true)) {
                    required.push(Value::String(name.clone()));
                }
                if prop.get("required").is_some_and(Value::is_boolean) {
                    prop.remove("required");
                }
            }
        }
        if required.is_empty() {
            return;
        }
        let list = map.entry("required").or_insert_with(|| json!([]));
        if let Value::Array(list) = list {
            for name in required {
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        } else {
            *list = Value::Array(required);
        }
    }

    /// Gives every `oneOf`/`anyOf` variant its tag as a single-value enum so typify emits an
    /// internally tagged enum (`#[serde(tag = "...")]`).
    fn apply_discriminator(&mut self, map: &mut Map<String, Value>, discriminator: &Value) {
        let (property, mapping) = match discriminator {
            Value::String(p) => (p.clone(), Map::new()),
            Value::Object(d) => match d.get("propertyName") {
                Some(Value::String(p)) => (
                    p.clone(),
                    d.get("mapping")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                ),
                _ => return,
            },
            _ => return,
        };
        let key = if map.contains_key("oneOf") {
            "oneOf"
        } else if map.contains_key("anyOf") {
            "anyOf"
        } else {
            return;
        };
        let Some(Value::Array(variants)) = map.get(key).cloned() else {
            return;
        };
        let mut tagged = Vec::with_capacity(variants.len());
        for variant in variants {
            match self.tag_variant(&variant, &property, &mapping) {
                Some(v) => tagged.push(v),
                None => return, // one variant has no tag: leave the union untagged
            }
        }
        map.insert(key.to_string(), Value::Array(tagged));
    }

    fn tag_variant(
        &mut self,
        variant: &Value,
        property: &str,
        mapping: &Map<String, Value>,
    ) -> Option<Value> {
        let (mut body, ref_target) = match variant.get("$ref").and_then(Value::as_str) {
            Some(target) => (self.refs.raw_schema(target)?, Some(target.to_string())),
            None => (variant.clone(), None),
        };
        let own_tag = body
            .get("properties")
            .and_then(|p| p.get(property))
            .and_then(|p| {
                p.get("const").cloned().or_else(|| {
                    p.get("enum")
                        .and_then(Value::as_array)
                        .filter(|e| e.len() == 1)
                        .map(|e| e[0].clone())
                })
            });
        let mapped = ref_target.as_ref().and_then(|target| {
            mapping.iter().find_map(|(value, mapped_ref)| {
                let mapped_ref = mapped_ref.as_str()?;
                let same = mapped_ref == target
                    || target.ends_with(mapped_ref.trim_start_matches('#'))
                    || mapped_ref.rsplit('/').next() == target.rsplit('/').next();
                same.then(|| Value::String(value.clone()))
            })
        });
        let tag = match (own_tag, mapped) {
            // A referenced variant is inlined even when it carries its own constant tag: typify
            // only builds an internally tagged enum from inline variants (the referenced type
            // is still generated on its own).
            (Some(tag), _) => tag,
            (None, Some(tag)) => tag,
            (None, None) => {
                let name = ref_target.as_ref()?.rsplit('/').next()?.to_string();
                Value::String(name)
            }
        };
        let object = body.as_object_mut()?;
        let properties = object
            .entry("properties")
            .or_insert_with(|| json!({}))
            .as_object_mut()?;
        properties.insert(
            property.to_string(),
            json!({ "type": "string", "enum": [tag] }),
        );
        let required = object.entry("required").or_insert_with(|| json!([]));
        if let Value::Array(list) = required {
            if !list.iter().any(|v| v == property) {
                list.push(Value::String(property.to_string()));
            }
        }
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoRefs;
    impl RefLookup for NoRefs {
        fn definition_name(&self, canonical: &str) -> Option<String> {
            canonical.rsplit('/').next().map(str::to_string)
        }
        fn raw_schema(&self, canonical: &str) -> Option<Value> {
            match canonical.rsplit('/').next()? {
                "Cat" => Some(
                    json!({"type": "object", "properties": {"kind": {"type": "string"}, "meow": {"type": "string"}}}),
                ),
                "Dog" => {
                    Some(json!({"type": "object", "properties": {"kind": {"type": "string"}}}))
                }
                _ => None,
            }
        }
    }

    #[test]
    fn a_default_its_format_cannot_parse_is_dropped_with_a_note() {
        let mut notes = Vec::new();
        let out = preprocess(
            &json!({"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid", "default": "not-a-uuid"},
                "at": {"type": "string", "format": "date-time", "default": "2020-01-01T00:00:00Z"},
                "ip": {"type": "string", "format": "ip", "default": "::1"},
                "badIp": {"type": "string", "format": "ipv4", "default": "300.1.1.1"}}}),
            "Root",
            &NoRefs,
            &mut NameSet::new(),
            &mut Constraints::new(),
            &mut notes,
        );
        let default = |name: &str| out["properties"][name].get("default").cloned();
        assert_eq!(default("id"), None);
        assert_eq!(default("badIp"), None);
        assert_eq!(default("at"), Some(json!("2020-01-01T00:00:00Z")));
        assert_eq!(default("ip"), Some(json!("::1")));
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(notes[0].0, "type-default-dropped");
        assert!(notes[0].1.contains("\"not-a-uuid\""), "{notes:?}");
    }

    fn run(schema: Value) -> Value {
        preprocess(
            &schema,
            "Root",
            &NoRefs,
            &mut NameSet::new(),
            &mut Constraints::new(),
            &mut Vec::new(),
        )
    }

    #[test]
    fn inline_types_get_unique_titles() {
        let mut names = NameSet::new();
        names.reserve("Data");
        let schema = json!({"type": "object", "properties": {
            "data": {"title": "Data", "type": "object", "properties": {"a": {"type": "string"}}},
            "other": {"type": "object", "properties": {"b": {"enum": ["x"]}}},
            "plain": {"type": "string", "title": "Ignored"}
        }});
        let mut limits = Constraints::new();
        let out = preprocess(
            &schema,
            "Root",
            &NoRefs,
            &mut names,
            &mut limits,
            &mut Vec::new(),
        );
        assert_eq!(out["properties"]["data"]["title"], "Data2");
        assert_eq!(out["properties"]["other"]["title"], "RootOther");
        assert_eq!(
            out["properties"]["other"]["properties"]["b"]["title"],
            "RootOtherB"
        );
        assert!(out["properties"]["plain"].get("title").is_none());
    }

    #[test]
    fn nullable_forms() {
        assert_eq!(
            run(json!({"type": "string", "nullable": true})),
            json!({"type": ["string", "null"]})
        );
        assert_eq!(
            run(json!({"type": "string", "enum": ["a"], "nullable": true})),
            json!({"type": ["string", "null"], "enum": ["a", null]})
        );
        assert_eq!(
            run(json!({"$ref": "0#/components/schemas/X", "nullable": true})),
            json!({"anyOf": [{"$ref": "#/definitions/X"}, {"type": "null"}]})
        );
    }

    #[test]
    fn integers_are_sized_from_bounds() {
        assert_eq!(
            run(json!({"type": "integer", "minimum": 0, "maximum": 100}))["format"],
            "uint8"
        );
        assert_eq!(
            run(json!({"type": "integer", "minimum": -5, "maximum": 1000}))["format"],
            "int16"
        );
        assert_eq!(
            run(json!({"type": "integer", "minimum": 0}))["format"],
            "uint64"
        );
        assert!(run(json!({"type": "integer"})).get("format").is_none());
        assert!(run(json!({"type": "number", "format": "int64"}))
            .get("format")
            .is_none());
    }

    #[test]
    fn tuples_and_lists() {
        // A length the schema does not pin: a list of JSON values.
        let single = run(json!({"type": "array", "items": [{"type": "string"}]}));
        assert!(single.get("items").is_none(), "{single}");
        let open =
            run(json!({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}));
        assert!(open.get("items").is_none(), "{open}");
        assert!(open.get("minItems").is_none(), "{open}");
        let closed = run(
            json!({"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false}),
        );
        assert!(closed.get("items").is_none(), "{closed}");
        assert_eq!(closed["maxItems"], 2, "at most the listed positions");
        // Pinned: a Rust tuple.
        let tuple = run(
            json!({"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "minItems": 2, "additionalItems": false}),
        );
        assert_eq!(tuple["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(tuple["minItems"], 2);
        assert_eq!(tuple["maxItems"], 2);
        let prefix = run(
            json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false, "minItems": 2}),
        );
        assert_eq!(prefix["maxItems"], 2);
        assert_eq!(prefix["items"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn untyped_schemas_accept_every_json_kind() {
        let out = run(json!({"properties": {"a": {"type": "integer"}}, "required": ["a"]}));
        assert_eq!(
            out["type"],
            json!(["null", "boolean", "object", "array", "number", "string"])
        );
        assert!(out["description"]
            .as_str()
            .is_some_and(|d| d.contains("no `type`")));
        let nested = run(json!({"type": "object", "properties": {"s": {"maxLength": 3}}}));
        assert!(nested["properties"]["s"]["type"].is_array(), "{nested}");
        assert!(
            nested["properties"]["s"]["title"].is_string(),
            "named: {nested}"
        );
        // The kind is decided elsewhere: left alone.
        assert_eq!(run(json!({"enum": ["a"]}))["type"], "string");
        assert!(run(json!({"description": "anything"}))
            .get("type")
            .is_none());
        assert!(run(json!({"allOf": [{"type": "string"}], "maxLength": 3}))
            .get("type")
            .is_none());
    }

    #[test]
    fn unions_that_only_refine_do_not_shape_the_type() {
        let out = run(json!({"type": "string", "anyOf": [{"maxLength": 2}, {"minLength": 4}]}));
        assert!(out.get("anyOf").is_none(), "{out}");
        assert_eq!(out["type"], "string");
        assert!(run(json!({"anyOf": [true, true]})).get("anyOf").is_none());
        assert!(run(json!({"anyOf": [{"type": "number"}, {}]}))
            .get("anyOf")
            .is_none());
        let object = run(
            json!({"type": "object", "properties": {"a": {"type": "string"}},
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}),
        );
        assert!(object.get("oneOf").is_none(), "{object}");
        // Branches of their own kind shape an enum.
        let union = run(json!({"anyOf": [{"type": "string"}, {"type": "number"}]}));
        assert_eq!(union["anyOf"].as_array().map(Vec::len), Some(2));
        let typed =
            run(json!({"type": "object", "oneOf": [{"$ref": "0#/components/schemas/Cat"}]}));
        assert!(typed.get("oneOf").is_some());
    }

    #[test]
    fn pattern_properties_keep_unknown_members() {
        let out = run(
            json!({"type": "object", "properties": {"a": {"type": "string"}},
            "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": false}),
        );
        assert!(out.get("additionalProperties").is_none(), "{out}");
        assert!(out.get("patternProperties").is_none(), "{out}");
    }

    #[test]
    fn discriminator_tags_referenced_variants() {
        let out = run(json!({
            "oneOf": [{"$ref": "0#/components/schemas/Cat"}, {"$ref": "0#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {"dog": "#/components/schemas/Dog"}}
        }));
        assert_eq!(
            out["oneOf"][0]["properties"]["kind"]["enum"],
            json!(["Cat"])
        );
        assert_eq!(
            out["oneOf"][1]["properties"]["kind"]["enum"],
            json!(["dog"])
        );
        assert_eq!(out["oneOf"][1]["required"], json!(["kind"]));
    }

    #[test]
    fn unknown_keywords_and_draft4_bounds() {
        let out = run(
            json!({"type": "number", "minimum": 1, "exclusiveMinimum": true, "example": 3, "x-foo": 1, "$id": "#/x"}),
        );
        assert_eq!(out, json!({"type": "number", "exclusiveMinimum": 1}));
        assert_eq!(
            run(json!({"const": "on"})),
            json!({"type": "string", "enum": ["on"]})
        );
    }
}
