//! Payload schemas checked at run time: each JSON payload's schema as one self-contained JSON
//! document (draft-07), carried by the generated code and checked by `mqttgen::schema` when a
//! message is decoded or encoded.
//!
//! Canonical `$ref`s (`0#/components/schemas/X`) become local refs into a reserved
//! `x-mqttgen-refs` member of the root, so the schema needs no resolving at run time. The
//! schema is compiled here with the runtime's options ([`compile`]); a schema that does not
//! compile (a lookaround in a `pattern`, an unresolved `$ref`) is reported and only its Rust type
//! is enforced. Rules that compile but are not checked (unknown `format`s, `content*`
//! keywords) are reported too, and listed in the generated rustdoc.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::diagnostics::Diagnostic;
use crate::model::{Document, NodeId};

/// Where the referenced schemas go in the root of a bundled schema.
pub const REFS_MEMBER: &str = "x-mqttgen-refs";

/// `format` values the runtime checks (draft-07's list as implemented by `jsonschema`).
const CHECKED_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "time",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "uuid",
    "duration",
];

/// A message payload's schema as checked at run time.
#[derive(Debug, Clone)]
pub struct PayloadCheck {
    /// The self-contained schema as compact JSON text (what the generated code embeds).
    source: String,
    /// Why the schema cannot be checked at run time (it does not compile), if so.
    pub unchecked: Option<String>,
    /// Rules of the schema that are not enforced, e.g. ``format `phone` at `/properties/tel` ``.
    pub not_enforced: Vec<String>,
}

impl PayloadCheck {
    /// The schema as compact JSON text (what the generated code embeds).
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// The compile options of `mqttgen::schema::compile`: draft-07, formats checked, the `regex`
/// engine (linear time), no resolving.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
        .map_err(|e| e.to_string())
}

/// The run-time check of message `index`'s payload, when it is a JSON Schema.
pub fn payload_check(doc: &Document, index: usize) -> Option<PayloadCheck> {
    payload_check_with(doc, index, &mut Verdicts::default())
}

/// [`payload_check`], reusing the verdicts of schemas already judged in `verdicts`.
pub fn payload_check_with(
    doc: &Document,
    index: usize,
    verdicts: &mut Verdicts,
) -> Option<PayloadCheck> {
    let source = payload_source(doc, index)?;
    let (unchecked, not_enforced) = verdicts.judge(&source);
    Some(PayloadCheck {
        source,
        unchecked,
        not_enforced,
    })
}

/// Message `index`'s payload schema bundled as compact JSON text, when it is a JSON Schema.
fn payload_source(doc: &Document, index: usize) -> Option<String> {
    let slot = doc.messages.get(index)?.payload.as_ref()?;
    if !slot.is_json_schema {
        return None;
    }
    let openapi = slot.schema_format.contains("openapi");
    Some(bundle(doc, &slot.schema, openapi))
}

/// The run-time check of message `index`'s payload compiled, when it is a JSON Schema that
/// compiles (what [`payload_check`] reports as checked), without judging its other rules.
pub fn payload_validator(doc: &Document, index: usize) -> Option<jsonschema::Validator> {
    let schema = serde_json::from_str(&payload_source(doc, index)?).ok()?;
    compile(&schema).ok()
}

/// What [`payload_check`] finds about bundled schemas, by the schema's compact JSON text: whether
/// each compiles (the error when not) and its rules that are not enforced. Documents with many
/// messages often repeat one payload schema (a schema per device type, messages that differ only
/// in name); compiling it (with its check against the draft-07 meta-schema) once instead of once
/// per message is most of the time `mqttgen check` spends on payload rules. Both findings depend
/// only on the schema, so a repeat gets exactly what compiling it again would give.
#[derive(Debug, Default)]
pub struct Verdicts {
    /// By the schema's text (foldhash: randomly seeded, and far cheaper than SipHash on texts of
    /// hundreds of bytes).
    seen: HashMap<String, Verdict, foldhash::fast::RandomState>,
}

/// The compile error (if any) and the unenforced rules of a schema.
type Verdict = (Option<String>, Vec<String>);

impl Verdicts {
    /// The compile error (if any) and the unenforced rules of the schema written as `source`.
    pub fn judge(&mut self, source: &str) -> Verdict {
        if let Some(verdict) = self.seen.get(source) {
            return verdict.clone();
        }
        let verdict = match serde_json::from_str::<Value>(source) {
            Ok(schema) => {
                let mut not_enforced = Vec::new();
                unenforced_rules(&schema, "", &mut not_enforced);
                (compile(&schema).err(), not_enforced)
            }
            // Only a schema nested deeper than a JSON reader goes (the generated code reads the
            // same text at run time).
            Err(why) => (
                Some(format!("its JSON text cannot be read back ({why})")),
                Vec::new(),
            ),
        };
        self.seen.insert(source.to_owned(), verdict.clone());
        verdict
    }

    /// How many distinct schemas were judged.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True when no schema was judged yet.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// Below this many messages the payload rules are judged on the calling thread alone.
const PARALLEL_MESSAGES: usize = 256;

/// Warnings for every payload rule the generated code cannot enforce, at the payload schema, in
/// message order. Documents with many messages are judged in consecutive slices on several
/// threads (each with its own [`Verdicts`]: a verdict depends only on the schema, so the
/// warnings are the same as on one thread).
pub fn diagnostics(doc: &Document) -> Vec<Diagnostic> {
    crate::parallel::map_slices(
        doc.messages.len(),
        PARALLEL_MESSAGES,
        "mqttgen-payload-rules",
        |indices| diagnostics_of(doc, indices),
    )
}

/// [`diagnostics`] of the messages at `indices`.
fn diagnostics_of(doc: &Document, indices: std::ops::Range<usize>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut verdicts = Verdicts::default();
    for index in indices {
        let message = &doc.messages[index];
        let Some(check) = payload_check_with(doc, index, &mut verdicts) else {
            continue;
        };
        let node = message.payload.as_ref().map(|slot| slot.node.clone());
        if let Some(why) = &check.unchecked {
            out.push(Diagnostic::warning(
                "schema-unchecked",
                node.clone(),
                format!(
                    "the payload schema of message `{}` cannot be checked at run time ({why}); \
                     only what its Rust type expresses is enforced",
                    message.name
                ),
            ));
        }
        for rule in &check.not_enforced {
            out.push(Diagnostic::warning(
                "schema-not-enforced",
                node.clone(),
                format!(
                    "message `{}`: {rule} is not enforced when decoding or sending",
                    message.name
                ),
            ));
        }
    }
    out
}

/// The canonical `$ref`s met while bundling: each target's key under [`REFS_MEMBER`] (`r0`, `r1`,
/// ... in the order met) and the targets not copied yet.
#[derive(Default)]
struct Refs {
    keys: BTreeMap<String, String>,
    pending: Vec<String>,
}

impl Refs {
    /// The key of `target`, queued for copying when it is new.
    fn key_of(&mut self, target: &str) -> &str {
        if !self.keys.contains_key(target) {
            let key = format!("r{}", self.keys.len());
            self.keys.insert(target.to_owned(), key);
            self.pending.push(target.to_owned());
        }
        &self.keys[target]
    }
}

/// `root` with every canonical `$ref` (transitively) copied under [`REFS_MEMBER`], as compact
/// JSON text. Written as text rather than built as a value: `mqttgen check` bundles every
/// message's schema only to look its verdict up by that text.
fn bundle(doc: &Document, root: &Value, openapi: bool) -> String {
    let mut refs = Refs::default();
    let mut text = Vec::new();
    write_rewritten(root, &mut refs, openapi, &mut text);
    // The members of the refs object, in the order copied.
    let mut copies = Vec::new();
    while let Some(canonical) = refs.pending.pop() {
        // An unresolved target stays a dangling ref: the schema then does not compile and is
        // reported as unchecked.
        let Some(target) = NodeId::parse(&canonical).and_then(|id| doc.schemas.get(&id)) else {
            continue;
        };
        if !copies.is_empty() {
            copies.push(b',');
        }
        write_str(&mut copies, &refs.keys[&canonical]);
        copies.push(b':');
        write_rewritten(&target.value, &mut refs, openapi, &mut copies);
    }
    let text = if copies.is_empty() {
        text
    } else {
        with_refs(root, text, &copies)
    };
    // serde_json writes UTF-8, and the text is made of what it wrote and ASCII punctuation.
    String::from_utf8(text).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The rewritten `root` (`text`) with the [`REFS_MEMBER`] object holding `copies` as its last
/// member, or in place of a member of that name the root already has (as a map insert puts it).
/// A root that is not an object (a boolean schema) has no refs to hold.
fn with_refs(root: &Value, mut text: Vec<u8>, copies: &[u8]) -> Vec<u8> {
    let Some(map) = root.as_object() else {
        return text;
    };
    if map.contains_key(REFS_MEMBER) {
        let whole = serde_json::from_slice::<Value>(&text)
            .ok()
            .and_then(|mut root| {
                let mut object = b"{".to_vec();
                object.extend_from_slice(copies);
                object.push(b'}');
                let refs = serde_json::from_slice::<Value>(&object).ok()?;
                root.as_object_mut()?.insert(REFS_MEMBER.into(), refs);
                serde_json::to_vec(&root).ok()
            });
        return whole.unwrap_or(text);
    }
    // Drop the closing brace, add the member, close again.
    text.pop();
    if text.len() > 1 {
        text.push(b',');
    }
    write_str(&mut text, REFS_MEMBER);
    text.extend_from_slice(b":{");
    text.extend_from_slice(copies);
    text.extend_from_slice(b"}}");
    text
}

/// Appends `value` as compact JSON.
fn write_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::String(text) => write_str(out, text),
        // Writing into a `Vec` cannot fail, and these values are plain JSON.
        other => {
            let _ = serde_json::to_writer(out, other);
        }
    }
}

/// Appends `text` as a JSON string, as serde_json writes it; most names and values need no
/// escapes, so they are copied as they are.
fn write_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(out, text);
    }
}

/// True for the keywords that never change whether a value is valid: left out of the embedded
/// schema. A `match` (a length switch): every key of every bundled schema is asked.
fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "description"
            | "title"
            | "$comment"
            | "examples"
            | "example"
            | "default"
            | "deprecated"
            | "externalDocs"
    )
}

/// Appends `schema` with canonical refs rewritten to `#/x-mqttgen-refs/<key>` (new targets
/// queued in `refs`), annotations left out, and OpenAPI-style `nullable` / draft-04 boolean
/// exclusive limits in draft-07 form.
fn write_rewritten(schema: &Value, refs: &mut Refs, openapi: bool, out: &mut Vec<u8>) {
    let Value::Object(map) = schema else {
        return write_json(out, schema);
    };
    let draft_07;
    let map = if map.keys().any(|key| {
        matches!(
            key.as_str(),
            "exclusiveMaximum" | "exclusiveMinimum" | "nullable"
        )
    }) {
        draft_07 = draft_07_form(map, openapi);
        &draft_07
    } else {
        map
    };
    out.push(b'{');
    let mut first = true;
    for (key, value) in map {
        if is_annotation(key) {
            continue;
        }
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        write_member(key, value, refs, openapi, out);
    }
    out.push(b'}');
}

/// Appends the value of a schema's member `key`: a ref rewritten, data copied, schemas rewritten.
fn write_member(key: &str, value: &Value, refs: &mut Refs, openapi: bool, out: &mut Vec<u8>) {
    match key {
        "$ref" => match value.as_str() {
            Some(target) if NodeId::parse(target).is_some() => {
                let key = refs.key_of(target);
                write_str(out, &format!("#/{REFS_MEMBER}/{key}"));
            }
            _ => write_json(out, value),
        },
        // Values, not schemas.
        "enum" | "const" | "required" => write_json(out, value),
        // Maps of schemas.
        "properties" | "patternProperties" | "definitions" | "$defs" | "dependencies" => {
            match value {
                Value::Object(members) => {
                    out.push(b'{');
                    for (i, (name, member)) in members.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        write_str(out, name);
                        out.push(b':');
                        write_rewritten(member, refs, openapi, out);
                    }
                    out.push(b'}');
                }
                other => write_json(out, other),
            }
        }
        // Lists of schemas (or one schema).
        "allOf" | "anyOf" | "oneOf" | "items" => match value {
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_rewritten(item, refs, openapi, out);
                }
                out.push(b']');
            }
            other => write_rewritten(other, refs, openapi, out),
        },
        _ if value.is_object() => write_rewritten(value, refs, openapi, out),
        _ => write_json(out, value),
    }
}

/// A copy of the schema `map` without annotations, its draft-04 exclusive limits and (where it
/// applies) its `nullable` in draft-07 form. Members keep their places, except that removing one
/// moves the last member into its place (as removing from the model's maps does).
fn draft_07_form(map: &Map<String, Value>, openapi: bool) -> Map<String, Value> {
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(key, _)| !is_annotation(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    normalize_limits(&mut out);
    if out.contains_key("nullable") && (openapi || out.get("nullable") == Some(&Value::Bool(true)))
    {
        nullable(&mut out);
    }
    out
}

/// Draft-04 style `exclusiveMaximum: true` next to `maximum` becomes draft-07's numeric form.
fn normalize_limits(map: &mut Map<String, Value>) {
    for (exclusive, inclusive) in [
        ("exclusiveMaximum", "maximum"),
        ("exclusiveMinimum", "minimum"),
    ] {
        match map.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = map.remove(inclusive) {
                    map.insert(exclusive.into(), limit);
                } else {
                    map.remove(exclusive);
                }
            }
            Some(Value::Bool(false)) => {
                map.remove(exclusive);
            }
            _ => {}
        }
    }
}

/// `nullable: true` (OpenAPI 3.0, also seen in AsyncAPI documents) also accepts `null`.
fn nullable(map: &mut Map<String, Value>) {
    if map.remove("nullable") != Some(Value::Bool(true)) {
        return;
    }
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), Value::Array(vec![t.into(), "null".into()]));
        }
        Some(Value::Array(types)) if !types.iter().any(|t| t == "null") => {
            types.push("null".into());
        }
        _ => {}
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

/// Rules that compile but are not checked: unknown `format`s and `contentMediaType` /
/// `contentEncoding` (annotations in draft-07).
fn unenforced_rules(schema: &Value, pointer: &str, out: &mut Vec<String>) {
    let mut at = pointer.to_string();
    unenforced_rules_at(schema, &mut at, out);
}

/// [`unenforced_rules`] below `at` (a pointer buffer, extended and truncated back on the way, so
/// the walk allocates only for what it reports).
fn unenforced_rules_at(schema: &Value, at: &mut String, out: &mut Vec<String>) {
    // Only objects and arrays hold rules: the pointer is extended for nothing else.
    let holds_rules = |value: &Value| matches!(value, Value::Object(_) | Value::Array(_));
    let len = at.len();
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                let rule = match key.as_str() {
                    "enum" | "const" | "examples" | "default" | "example" => continue,
                    "format" => match value.as_str() {
                        Some(format) if !CHECKED_FORMATS.contains(&format) => {
                            Some(format!("`format: {format}`"))
                        }
                        _ => continue,
                    },
                    "contentMediaType" | "contentEncoding" => Some(format!("`{key}`")),
                    _ if holds_rules(value) => None,
                    _ => continue,
                };
                at.push('/');
                crate::reader::pointer::push_escaped(at, key);
                match rule {
                    Some(rule) => out.push(format!("{rule} at `{at}`")),
                    None => unenforced_rules_at(value, at, out),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if holds_rules(item) {
                    use std::fmt::Write as _;
                    let _ = write!(at, "/{i}");
                    unenforced_rules_at(item, at, out);
                    at.truncate(len);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `schema` bundled alone, as text.
    fn rewritten(schema: &Value, openapi: bool) -> String {
        let mut out = Vec::new();
        write_rewritten(schema, &mut Refs::default(), openapi, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn limits_and_nullable_take_draft_07_form() {
        // Removing a member moves the last one into its place, as in the model's maps.
        assert_eq!(
            rewritten(
                &json!({"type": "integer", "maximum": 3, "exclusiveMaximum": true,
                        "nullable": true, "description": "left out"}),
                true
            ),
            r#"{"type":["integer","null"],"exclusiveMaximum":3}"#
        );
        assert_eq!(
            rewritten(
                &json!({"minimum": 1, "exclusiveMinimum": false, "type": "number",
                        "nullable": false, "enum": [1, 2]}),
                false
            ),
            r#"{"minimum":1,"enum":[1,2],"type":"number","nullable":false}"#
        );
        assert_eq!(
            rewritten(&json!({"enum": ["a"], "nullable": true}), false),
            r#"{"enum":["a",null]}"#
        );
    }

    #[test]
    fn the_text_is_the_compact_json_of_the_rewritten_schema() {
        let schema = json!({"title": "T", "type": "object", "required": ["a"],
            "properties": {"a\"b": {"type": "string", "examples": ["x"], "pattern": "^\\d+$"},
                           "n": {"not": {"description": "d", "const": {"$ref": "kept"}}},
                           "u": {"$ref": "0#/components/schemas/U"},
                           "\u{e9}\u{1}\t": {"const": "tab\there"}},
            "items": [{"type": "number", "multipleOf": 0.5}, true],
            "x-extension": {"deprecated": true, "k": [1, -2, 3.25e-5]}});
        let text = rewritten(&schema, false);
        let expected = json!({"type": "object", "required": ["a"],
            "properties": {"a\"b": {"type": "string", "pattern": "^\\d+$"},
                           "n": {"not": {"const": {"$ref": "kept"}}},
                           "u": {"$ref": "#/x-mqttgen-refs/r0"},
                           "\u{e9}\u{1}\t": {"const": "tab\there"}},
            "items": [{"type": "number", "multipleOf": 0.5}, true],
            "x-extension": {"k": [1, -2, 3.25e-5]}});
        assert_eq!(text, expected.to_string());
    }

    fn document(schemas: Vec<Value>) -> Document {
        use crate::model::{Message, SchemaSlot};
        let mut doc = Document::default();
        for (i, schema) in schemas.into_iter().enumerate() {
            doc.messages.push(Message {
                name: format!("m{i}"),
                payload: Some(SchemaSlot {
                    schema_format: "application/vnd.aai.asyncapi+json;version=3.0.0".into(),
                    is_json_schema: true,
                    schema,
                    node: Default::default(),
                }),
                ..Default::default()
            });
        }
        doc
    }

    #[test]
    fn a_repeated_schema_is_judged_once_with_the_same_findings() {
        let bad = json!({"type": "string", "pattern": "^(?=a)b"});
        let phone =
            json!({"type": "object", "properties": {"tel": {"type": "string", "format": "phone"}}});
        let doc = document(vec![bad.clone(), phone.clone(), bad, phone]);
        let mut verdicts = Verdicts::default();
        for index in 0..4 {
            let shared = payload_check_with(&doc, index, &mut verdicts).expect("a check");
            let alone = payload_check(&doc, index).expect("a check");
            assert_eq!(shared.unchecked, alone.unchecked, "message {index}");
            assert_eq!(shared.not_enforced, alone.not_enforced, "message {index}");
        }
        assert_eq!(verdicts.len(), 2, "two distinct schemas");
        // Every message still gets its own warnings.
        assert_eq!(diagnostics(&doc).len(), 4);
    }

    #[test]
    fn many_messages_get_the_warnings_of_one_pass_in_message_order() {
        // Enough messages for several threads; findings differ by message so that any slice
        // out of order or lost shows.
        let count = PARALLEL_MESSAGES * 3 + 7;
        let schemas = (0..count)
            .map(|i| match i % 3 {
                0 => json!({"type": "string", "format": format!("f{}", i % 5)}),
                1 => json!({"type": "string", "pattern": "^(?=a)b"}),
                _ => json!({"type": "integer"}),
            })
            .collect();
        let doc = document(schemas);
        let texts = |d: Vec<Diagnostic>| -> Vec<String> {
            d.into_iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect()
        };
        let one_pass = texts(diagnostics_of(&doc, 0..count));
        assert_eq!(one_pass.len(), count - count / 3, "two of every three warn");
        assert_eq!(texts(diagnostics(&doc)), one_pass);
    }

    #[test]
    fn check_warns_at_the_schema_what_is_not_enforced() {
        let doc = document(vec![
            json!({"type": "string", "pattern": "^(?=a)b"}),
            json!({"type": "object", "properties": {"tel": {"type": "string", "format": "phone"}}}),
            json!({"type": "object", "not": {"required": ["x"]}}),
        ]);
        let warnings: Vec<(&str, String)> = diagnostics(&doc)
            .into_iter()
            .map(|d| (d.code, d.message))
            .collect();
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert_eq!(warnings[0].0, "schema-unchecked");
        assert!(warnings[0].1.contains("message `m0`"), "{warnings:#?}");
        assert_eq!(warnings[1].0, "schema-not-enforced");
        assert!(
            warnings[1]
                .1
                .contains("`format: phone` at `/properties/tel/format`"),
            "{warnings:#?}"
        );
        assert!(payload_check(&doc, 2).is_some_and(|c| c.unchecked.is_none()));
    }

    #[test]
    fn refs_are_bundled_under_the_reserved_member() {
        let mut doc = document(vec![json!({"$ref": "0#/components/schemas/A"})]);
        doc.schemas.insert(
            NodeId::parse("0#/components/schemas/A").unwrap(),
            crate::model::Schema {
                name_hint: "A".into(),
                value: json!({"type": "object", "description": "dropped",
                              "properties": {"next": {"$ref": "0#/components/schemas/A"}}}),
            },
        );
        let check = payload_check(&doc, 0).unwrap();
        let schema: Value = serde_json::from_str(check.source()).unwrap();
        assert_eq!(
            schema,
            json!({"$ref": "#/x-mqttgen-refs/r0", "x-mqttgen-refs": {"r0": {"type": "object",
                   "properties": {"next": {"$ref": "#/x-mqttgen-refs/r0"}}}}})
        );
        assert!(check.unchecked.is_none());
        let validator = compile(&schema).unwrap();
        assert!(validator.is_valid(&json!({"next": {"next": {}}})));
        assert!(!validator.is_valid(&json!({"next": {"next": 3}})));
    }

    #[test]
    fn a_root_member_named_like_the_refs_member_is_replaced_in_place() {
        let mut doc = document(vec![json!({"x-mqttgen-refs": {"old": 1},
                                            "$ref": "0#/components/schemas/A"})]);
        doc.schemas.insert(
            NodeId::parse("0#/components/schemas/A").unwrap(),
            crate::model::Schema {
                name_hint: "A".into(),
                value: json!({"type": "string"}),
            },
        );
        assert_eq!(
            payload_check(&doc, 0).unwrap().source(),
            r##"{"x-mqttgen-refs":{"r0":{"type":"string"}},"$ref":"#/x-mqttgen-refs/r0"}"##
        );
    }

    #[test]
    fn unknown_formats_and_content_are_listed() {
        let mut out = Vec::new();
        unenforced_rules(
            &json!({"properties": {"tel": {"format": "phone"}, "at": {"format": "date-time"},
                    "blob": {"contentEncoding": "base64"}}}),
            "",
            &mut out,
        );
        assert_eq!(
            out,
            [
                "`format: phone` at `/properties/tel/format`",
                "`contentEncoding` at `/properties/blob/contentEncoding`"
            ]
        );
        out.clear();
        unenforced_rules(
            &json!({"allOf": [{"format": "x~/y"}, "skipped", {"format": 3},
                              {"items": [{"contentMediaType": "text/csv"}]}],
                    "enum": [{"format": "data, not a rule"}]}),
            "/root",
            &mut out,
        );
        assert_eq!(
            out,
            [
                "`format: x~/y` at `/root/allOf/0/format`",
                "`contentMediaType` at `/root/allOf/3/items/0/contentMediaType`"
            ]
        );
    }
}
