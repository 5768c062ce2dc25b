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
use std::hash::BuildHasherDefault;

use serde_json::{Map, Value};

use crate::diagnostics::Diagnostic;
use crate::model::{Document, NodeId};

/// Where the referenced schemas go in the root of a bundled schema.
pub const REFS_MEMBER: &str = "x-mqttgen-refs";

/// Keywords that never change whether a value is valid: left out of the embedded schema.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "$comment",
    "examples",
    "example",
    "default",
    "deprecated",
    "externalDocs",
];

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
    /// The self-contained schema.
    pub schema: Value,
    /// Why the schema cannot be checked at run time (it does not compile), if so.
    pub unchecked: Option<String>,
    /// Rules of the schema that are not enforced, e.g. ``format `phone` at `/properties/tel` ``.
    pub not_enforced: Vec<String>,
}

impl PayloadCheck {
    /// The schema as compact JSON text (what the generated code embeds).
    pub fn source(&self) -> String {
        self.schema.to_string()
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
    let slot = doc.messages.get(index)?.payload.as_ref()?;
    if !slot.is_json_schema {
        return None;
    }
    let openapi = slot.schema_format.contains("openapi");
    let schema = bundle(doc, &slot.schema, openapi);
    let (unchecked, not_enforced) = verdicts.judge(&schema);
    Some(PayloadCheck {
        schema,
        unchecked,
        not_enforced,
    })
}

/// What [`payload_check`] finds about bundled schemas, by schema (equal when their compact JSON
/// text is equal, compared without writing it): whether each
/// compiles (the error when not) and its rules that are not enforced. Documents with many messages
/// often repeat one payload schema (a schema per device type, messages that differ only in name);
/// compiling it (with its check against the draft-07 meta-schema) once instead of once per message
/// is most of the time `mqttgen check` spends on payload rules. Both findings depend only on the
/// schema, so a repeat gets exactly what compiling it again would give.
#[derive(Debug, Default)]
pub struct Verdicts {
    /// By the hash of the schema ([`hash_value`]): each schema with that hash and its verdict.
    seen: HashMap<u64, Vec<(Value, Verdict)>, BuildHasherDefault<FastHasher>>,
    judged: usize,
}

/// The compile error (if any) and the unenforced rules of a schema.
type Verdict = (Option<String>, Vec<String>);

/// True when `a` and `b` print as the same compact JSON text.
fn same_text(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_text(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_text(va, vb))
        }
        _ => false,
    }
}

/// The hasher of [`Verdicts`]: a word at a time, one multiplication each (std's SipHash cost most
/// of the payload rules' time on documents with thousands of messages). Equal hashes are
/// confirmed with [`same_text`], so collisions only cost a comparison.
#[derive(Default)]
struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hashes what [`same_text`] compares.
fn hash_value<H: std::hash::Hasher>(value: &Value, state: &mut H) {
    use std::hash::Hash;
    match value {
        Value::Null => state.write_u8(0),
        Value::Bool(b) => {
            state.write_u8(1);
            b.hash(state);
        }
        Value::Number(n) => {
            state.write_u8(2);
            n.as_u64().hash(state);
            n.as_i64().hash(state);
            n.as_f64().map(f64::to_bits).hash(state);
        }
        Value::String(s) => {
            state.write_u8(3);
            s.hash(state);
        }
        Value::Array(items) => {
            state.write_u8(4);
            state.write_usize(items.len());
            for item in items {
                hash_value(item, state);
            }
        }
        Value::Object(entries) => {
            state.write_u8(5);
            state.write_usize(entries.len());
            for (key, value) in entries {
                key.hash(state);
                hash_value(value, state);
            }
        }
    }
}

impl Verdicts {
    /// The compile error (if any) and the unenforced rules of `schema`.
    pub fn judge(&mut self, schema: &Value) -> (Option<String>, Vec<String>) {
        let mut hasher = FastHasher::default();
        hash_value(schema, &mut hasher);
        let same = self
            .seen
            .entry(std::hash::Hasher::finish(&hasher))
            .or_default();
        if let Some((_, verdict)) = same.iter().find(|(seen, _)| same_text(seen, schema)) {
            return verdict.clone();
        }
        let unchecked = compile(schema).err();
        let mut not_enforced = Vec::new();
        unenforced_rules(schema, "", &mut not_enforced);
        let verdict = (unchecked, not_enforced);
        same.push((schema.clone(), verdict.clone()));
        self.judged += 1;
        verdict
    }

    /// How many distinct schemas were judged.
    pub fn len(&self) -> usize {
        self.judged
    }

    /// True when no schema was judged yet.
    pub fn is_empty(&self) -> bool {
        self.judged == 0
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

/// `root` with every canonical `$ref` (transitively) copied under [`REFS_MEMBER`].
fn bundle(doc: &Document, root: &Value, openapi: bool) -> Value {
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Vec<String> = Vec::new();
    let mut root = rewrite(root, &mut keys, &mut pending, openapi);
    let mut refs = Map::new();
    while let Some(canonical) = pending.pop() {
        let key = keys[&canonical].clone();
        let target = NodeId::parse(&canonical).and_then(|id| doc.schemas.get(&id));
        // An unresolved target stays a dangling ref: the schema then does not compile and is
        // reported as unchecked.
        if let Some(target) = target {
            let rewritten = rewrite(&target.value, &mut keys, &mut pending, openapi);
            refs.insert(key, rewritten);
        }
    }
    if refs.is_empty() {
        return root;
    }
    match &mut root {
        Value::Object(map) => {
            map.insert(REFS_MEMBER.into(), Value::Object(refs));
            root
        }
        // A boolean schema has no refs; kept for completeness.
        other => other.clone(),
    }
}

/// A copy of `schema` with canonical refs rewritten to `#/x-mqttgen-refs/<key>` (new targets
/// queued) and OpenAPI-style `nullable` / draft-04 boolean exclusive limits in draft-07 form.
fn rewrite(
    schema: &Value,
    keys: &mut BTreeMap<String, String>,
    pending: &mut Vec<String>,
    openapi: bool,
) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::with_capacity(map.len());
    // Whether a keyword [`normalize_limits`] or [`nullable`] rewrites is present (most schemas
    // have none, and looking them up hashes each name).
    let mut limits = false;
    let mut nullable_key = false;
    for (key, value) in map {
        if ANNOTATIONS.contains(&key.as_str()) {
            continue;
        }
        match key.as_str() {
            "exclusiveMaximum" | "exclusiveMinimum" => limits = true,
            "nullable" => nullable_key = true,
            _ => {}
        }
        let value = match key.as_str() {
            "$ref" => match value.as_str() {
                Some(target) if NodeId::parse(target).is_some() => {
                    let next = keys.len();
                    let key = keys.entry(target.to_string()).or_insert_with(|| {
                        pending.push(target.to_string());
                        format!("r{next}")
                    });
                    Value::String(format!("#/{REFS_MEMBER}/{key}"))
                }
                _ => value.clone(),
            },
            // Values, not schemas.
            "enum" | "const" | "required" => value.clone(),
            // Maps of schemas.
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependencies" => {
                match value {
                    Value::Object(members) => Value::Object(
                        members
                            .iter()
                            .map(|(k, v)| (k.clone(), rewrite(v, keys, pending, openapi)))
                            .collect(),
                    ),
                    other => other.clone(),
                }
            }
            // Lists of schemas (or one schema).
            "allOf" | "anyOf" | "oneOf" | "items" => match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|v| rewrite(v, keys, pending, openapi))
                        .collect(),
                ),
                other => rewrite(other, keys, pending, openapi),
            },
            _ if value.is_object() => rewrite(value, keys, pending, openapi),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    if limits {
        normalize_limits(&mut out);
    }
    if nullable_key && (openapi || out.get("nullable") == Some(&Value::Bool(true))) {
        nullable(&mut out);
    }
    Value::Object(out)
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
    let len = at.len();
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if matches!(
                    key.as_str(),
                    "enum" | "const" | "examples" | "default" | "example"
                ) || (key == "format" && !value.is_string())
                {
                    continue;
                }
                at.push('/');
                crate::reader::pointer::push_escaped(at, key);
                match key.as_str() {
                    "format" => {
                        let format = value.as_str().unwrap_or_default();
                        if !CHECKED_FORMATS.contains(&format) {
                            out.push(format!("`format: {format}` at `{at}`"));
                        }
                    }
                    "contentMediaType" | "contentEncoding" => {
                        out.push(format!("`{key}` at `{at}`"));
                    }
                    _ => unenforced_rules_at(value, at, out),
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                use std::fmt::Write as _;
                let _ = write!(at, "/{i}");
                unenforced_rules_at(item, at, out);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_and_nullable_take_draft_07_form() {
        let mut keys = BTreeMap::new();
        let mut pending = Vec::new();
        let out = rewrite(
            &json!({"type": "integer", "maximum": 3, "exclusiveMaximum": true, "nullable": true}),
            &mut keys,
            &mut pending,
            true,
        );
        assert_eq!(
            out,
            json!({"type": ["integer", "null"], "exclusiveMaximum": 3})
        );
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
        assert_eq!(
            check.schema,
            json!({"$ref": "#/x-mqttgen-refs/r0", "x-mqttgen-refs": {"r0": {"type": "object",
                   "properties": {"next": {"$ref": "#/x-mqttgen-refs/r0"}}}}})
        );
        assert!(check.unchecked.is_none());
        let validator = compile(&check.schema).unwrap();
        assert!(validator.is_valid(&json!({"next": {"next": {}}})));
        assert!(!validator.is_valid(&json!({"next": {"next": 3}})));
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
    }
}
