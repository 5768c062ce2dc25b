//! Keyword-level rewrites of one schema object (no recursion into subschemas): types, enums,
//! bounds, formats, integer sizes, tuples and `nullable`. See the table in [`super`].

use serde_json::{json, Map, Value};

pub(super) const STRING_FORMATS_KEPT: &[&str] =
    &["date-time", "date", "uuid", "ipv4", "ipv6", "ip"];
pub(super) const INTEGER_FORMATS_KEPT: &[&str] = &[
    "int8", "uint8", "int16", "uint16", "int", "int32", "uint", "uint32", "int64", "uint64",
];
pub(super) const JSON_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Drops unknown type names; a one-element type array becomes a string.
pub(super) fn normalise_type(map: &mut Map<String, Value>) {
    match map.get("type").cloned() {
        Some(Value::String(t)) if !JSON_TYPES.contains(&t.as_str()) => {
            map.remove("type");
        }
        Some(Value::Array(types)) => {
            let mut kept: Vec<Value> = Vec::new();
            for t in types {
                if t.as_str().is_some_and(|t| JSON_TYPES.contains(&t)) && !kept.contains(&t) {
                    kept.push(t);
                }
            }
            match kept.len() {
                0 => {
                    map.remove("type");
                }
                1 => {
                    map.insert("type".into(), kept.remove(0));
                }
                _ => {
                    map.insert("type".into(), Value::Array(kept));
                }
            }
        }
        Some(Value::String(_)) | None => {}
        Some(_) => {
            map.remove("type");
        }
    }
}

/// An `enum` without `type` gets the type its values share (plus `null` when listed).
pub(super) fn infer_enum_type(map: &mut Map<String, Value>) {
    if map.contains_key("type") {
        return;
    }
    let Some(Value::Array(values)) = map.get("enum") else {
        return;
    };
    let mut kinds: Vec<&str> = Vec::new();
    let mut has_null = false;
    for value in values {
        let kind = match value {
            Value::Null => {
                has_null = true;
                continue;
            }
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds == ["integer", "number"] || kinds == ["number", "integer"] {
        kinds = vec!["number"];
    }
    if kinds.len() > 1 {
        split_mixed_enum(map, &kinds, has_null);
        return;
    }
    if kinds.is_empty() {
        return;
    }
    let ty = if has_null {
        json!([kinds[0], "null"])
    } else {
        json!(kinds[0])
    };
    map.insert("type".into(), ty);
}

/// A mixed-type `enum` (`["a", 1, true]`) becomes a `oneOf` of one single-type enum per JSON
/// type, so every variant is still checked (typify would give `serde_json::Value`).
pub(super) fn split_mixed_enum(map: &mut Map<String, Value>, kinds: &[&str], has_null: bool) {
    let Some(Value::Array(values)) = map.remove("enum") else {
        return;
    };
    let kind_of = |v: &Value| match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    };
    let mut variants: Vec<Value> = kinds
        .iter()
        .map(|kind| {
            let members: Vec<Value> = values
                .iter()
                .filter(|v| kind_of(v) == *kind)
                .cloned()
                .collect();
            json!({ "type": kind, "enum": members })
        })
        .collect();
    if has_null {
        variants.push(json!({ "type": "null" }));
    }
    map.insert("oneOf".into(), Value::Array(variants));
}

pub(super) fn normalise_exclusive_bounds(map: &mut Map<String, Value>) {
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(flag)) = map.get(exclusive).cloned() {
            map.remove(exclusive);
            if flag {
                if let Some(value) = map.remove(bound) {
                    map.insert(exclusive.into(), value);
                }
            }
        }
    }
}

pub(super) fn single_type(map: &Map<String, Value>) -> Option<&str> {
    match map.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(types)) => {
            let non_null: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            (non_null.len() == 1).then(|| non_null[0])
        }
        _ => None,
    }
}

/// True when `text` is a valid `format` (one of [`STRING_FORMATS_KEPT`]) as the JSON Schema
/// format checks say; `ip` is either address. Unknown formats accept anything.
pub(super) fn format_accepts(format: &str, text: &str) -> bool {
    let schema = match format {
        "ip" => serde_json::json!({"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
        _ => serde_json::json!({ "format": format }),
    };
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_or(true, |validator| validator.is_valid(&Value::from(text)))
}

pub(super) fn normalise_format(map: &mut Map<String, Value>) {
    let Some(format) = map
        .get("format")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        map.remove("format");
        return;
    };
    let keep = match single_type(map) {
        Some("string") => {
            STRING_FORMATS_KEPT.contains(&format.as_str()) && !map.contains_key("enum")
        }
        Some("integer") => INTEGER_FORMATS_KEPT.contains(&format.as_str()),
        Some("number") => format == "float",
        _ => false,
    };
    if !keep {
        map.remove("format");
    }
}

/// Picks the narrowest integer `format` holding `minimum..=maximum` (default: none, i.e. `i64`).
pub(super) fn size_integer(map: &mut Map<String, Value>) {
    if single_type(map) != Some("integer") || map.contains_key("format") {
        return;
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        // Values (or a `const`) above `i64::MAX`, none negative: `u64`, whose literals hold them
        // (an `i64` literal of 18446744073709551615 does not compile).
        let above_i64 = values
            .iter()
            .any(|v| v.as_u64().is_some() && v.as_i64().is_none());
        if above_i64 && values.iter().all(|v| v.as_u64().is_some()) {
            map.insert("format".into(), json!("uint64"));
        }
        return;
    }
    let min = map.get("minimum").and_then(Value::as_f64).or_else(|| {
        map.get("exclusiveMinimum")
            .and_then(Value::as_f64)
            .map(|v| v + 1.0)
    });
    let max = map.get("maximum").and_then(Value::as_f64).or_else(|| {
        map.get("exclusiveMaximum")
            .and_then(Value::as_f64)
            .map(|v| v - 1.0)
    });
    if map.contains_key("multipleOf") {
        return;
    }
    let format = match (min, max) {
        (Some(min), Some(max)) if min >= 0.0 => {
            if max <= u8::MAX as f64 {
                "uint8"
            } else if max <= u16::MAX as f64 {
                "uint16"
            } else if max <= u32::MAX as f64 {
                "uint32"
            } else {
                "uint64"
            }
        }
        (Some(min), None) if min >= 0.0 => "uint64",
        (Some(min), Some(max)) => {
            if min >= i8::MIN as f64 && max <= i8::MAX as f64 {
                "int8"
            } else if min >= i16::MIN as f64 && max <= i16::MAX as f64 {
                "int16"
            } else if min >= i32::MIN as f64 && max <= i32::MAX as f64 {
                "int32"
            } else {
                return;
            }
        }
        _ => return,
    };
    // A default outside the chosen width would make typify reject the schema.
    if let Some(default) = map.get("default").and_then(Value::as_f64) {
        if min.is_some_and(|m| default < m) || max.is_some_and(|m| default > m) {
            return;
        }
    }
    map.insert("format".into(), json!(format));
}

/// Tuple forms (`items: [..]`, `prefixItems`) become what typify understands: a fixed Rust tuple
/// when the schema pins the length to the number of positions (`minItems >= n` and `maxItems`
/// or `additionalItems: false` bounding it to `n`), else a list of JSON values (any length the
/// schema allows; the payload's schema check enforces each position's schema). Returns true
/// when a tuple became such a list, so the rustdoc can say so.
pub(super) fn normalise_tuple(map: &mut Map<String, Value>) -> bool {
    if let Some(prefix) = map.remove("prefixItems") {
        let rest = map.remove("items");
        map.insert("items".into(), prefix);
        if let Some(rest) = rest {
            map.insert("additionalItems".into(), rest);
        }
    }
    let mut loosened = false;
    match map.get("items").cloned() {
        Some(Value::Array(items)) if items.is_empty() => {
            map.remove("items");
            map.remove("additionalItems");
        }
        Some(Value::Array(items)) => {
            let n = items.len() as u64;
            let max_items = map.get("maxItems").and_then(Value::as_u64);
            let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let closed = matches!(map.get("additionalItems"), Some(Value::Bool(false)));
            let max = max_items.or(closed.then_some(n));
            if min >= n && max == Some(n) {
                map.insert("minItems".into(), json!(n));
                map.insert("maxItems".into(), json!(n));
                map.remove("additionalItems");
                map.remove("uniqueItems");
            } else {
                map.remove("items");
                map.remove("additionalItems");
                if closed && max_items.is_none_or(|m| m > n) {
                    map.insert("maxItems".into(), json!(n));
                }
                loosened = true;
            }
        }
        _ => {
            map.remove("additionalItems");
        }
    }
    let min = map.get("minItems").and_then(Value::as_u64);
    let max = map.get("maxItems").and_then(Value::as_u64);
    if let (Some(min), Some(max)) = (min, max) {
        if min == max && max > 32 && !map.get("items").is_some_and(Value::is_array) {
            map.remove("minItems");
            map.remove("maxItems");
        }
    }
    loosened
}

/// Keywords that apply to one JSON kind only (JSON Schema ignores them for values of other
/// kinds), by the kind typify would give the value.
const KIND_KEYWORDS: &[(&str, &[&str])] = &[
    (
        "object",
        &[
            "properties",
            "patternProperties",
            "additionalProperties",
            "required",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "dependencies",
        ],
    ),
    (
        "array",
        &[
            "items",
            "prefixItems",
            "additionalItems",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
        ],
    ),
    ("string", &["pattern", "minLength", "maxLength"]),
    (
        "number",
        &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
    ),
];

/// Every JSON kind as a Rust enum variant of an untyped schema (`number` covers integers).
const OPEN_TYPES: &[&str] = &["null", "boolean", "object", "array", "number", "string"];

/// A schema without `type` (and without `enum`, `const` or combinators that decide the kind)
/// whose keywords apply to some kinds only (`properties`, `minLength`, ...) still accepts every
/// other JSON value. It gets every JSON type, so typify makes an untagged enum with the typed
/// form(s) its keywords describe (`Object(..)` a struct, `String(..)` a checked string) and the
/// plain other kinds (`Null`, `Boolean(bool)`, `Number(f64)`, `Array(Vec<Value>)`, ...).
/// Returns the kinds its keywords describe, for the rustdoc, when it did so.
pub(super) fn open_untyped(map: &mut Map<String, Value>) -> Option<Vec<&'static str>> {
    const DECIDING: &[&str] = &["type", "enum", "const", "allOf", "anyOf", "oneOf", "$ref"];
    if DECIDING.iter().any(|k| map.contains_key(*k)) {
        return None;
    }
    let kinds: Vec<&'static str> = KIND_KEYWORDS
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| map.contains_key(*k)))
        .map(|(kind, _)| *kind)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    map.insert("type".into(), json!(OPEN_TYPES));
    Some(kinds)
}

/// OpenAPI `nullable: true` as JSON Schema.
pub(super) fn make_nullable(mut map: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match map.get("type").cloned() {
        Some(Value::String(t)) if t != "null" => {
            map.insert("type".into(), json!([t, "null"]));
            Value::Object(map)
        }
        Some(Value::Array(mut types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            map.insert("type".into(), Value::Array(types));
            Value::Object(map)
        }
        Some(_) => Value::Object(map),
        None if map.contains_key("enum") => Value::Object(map),
        None => json!({ "anyOf": [Value::Object(map), { "type": "null" }] }),
    }
}

/// Keywords that decide a value's kind or shape beyond refining one kind.
const SHAPING: &[&str] = &["type", "enum", "const", "$ref", "allOf", "anyOf", "oneOf"];

/// True for a schema every value satisfies (`true`, `{}`, or annotations only).
fn accepts_everything(schema: &Value) -> bool {
    const ANNOTATION_ONLY: &[&str] = &["title", "description", "$comment", "examples", "default"];
    match schema {
        Value::Bool(b) => *b,
        Value::Object(map) => map.keys().all(|k| ANNOTATION_ONLY.contains(&k.as_str())),
        _ => false,
    }
}

/// An `anyOf`/`oneOf` that does not shape the Rust type is dropped (the payload's schema check
/// enforces it): one whose branch accepts every value, or whose branches only refine the kind
/// the schema's own `type` gives (`{type: string, anyOf: [{maxLength: 2}, {minLength: 4}]}`,
/// `{type: object, ..., oneOf: [{required: [a]}, {required: [b]}]}`). typify would otherwise
/// make a struct of optional flattened branches that refuses what the schema allows. Returns
/// the dropped keywords, for the rustdoc.
pub(super) fn drop_refining_unions(map: &mut Map<String, Value>) -> Vec<&'static str> {
    let mut dropped = Vec::new();
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get(key) else {
            continue;
        };
        let trivial = branches.iter().any(accepts_everything);
        let refining = map.contains_key("type")
            && branches.iter().all(|branch| {
                branch
                    .as_object()
                    .is_some_and(|b| !SHAPING.iter().any(|k| b.contains_key(*k)))
            });
        if trivial || refining {
            map.remove(key);
            dropped.push(key);
        }
    }
    dropped
}
