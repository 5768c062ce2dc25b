//! Payload validation against the message's JSON Schema, used by generated code.
//!
//! Generated Rust types express most of a schema (types, required fields, enums, limits), but
//! not every JSON Schema rule has a Rust type (`not`, `if`/`then`/`else`, `dependencies`,
//! `oneOf` exactness, `propertyNames`, `contains`, `patternProperties`, ...). Each generated
//! JSON payload therefore carries its schema (self-contained JSON, draft-07) in a
//! [`PayloadSchema`], and the generated decoders and encoders call [`decode_json_checked`] and
//! [`encode_json_checked`]: a payload is decoded only when its schema accepts it, and a value is
//! sent only when its own schema accepts it.
//!
//! The schema is compiled once, on first use, with draft-07 semantics, `format` checked, no
//! network or file access (the schema has no external references) and the linear-time `regex`
//! engine for `pattern` and `patternProperties` (ECMA-262 patterns are translated; lookaround
//! and backreferences are not supported, and the generator reports such patterns).

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::codec::DecodeError;

/// A message payload's JSON Schema, compiled on first use.
pub struct PayloadSchema {
    source: &'static str,
    compiled: OnceLock<Result<jsonschema::Validator, String>>,
}

impl fmt::Debug for PayloadSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadSchema")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Why a JSON value does not satisfy a [`PayloadSchema`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer to the offending part of the payload (`""` for the whole payload).
    pub instance_path: String,
    /// JSON pointer to the schema keyword that failed, e.g. `/properties/level/maximum`.
    pub keyword_path: String,
    /// What is wrong, e.g. `5 is greater than the maximum of 3`.
    pub reason: String,
    /// Further violations in the same payload (rendered like this one; at most
    /// [`MAX_REPORTED`] in all).
    pub also: Vec<String>,
}

/// How many violations of one payload are reported.
pub const MAX_REPORTED: usize = 4;

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.instance_path.is_empty() {
            write!(f, "payload: {}", self.reason)?;
        } else {
            write!(f, "payload field `{}`: {}", self.instance_path, self.reason)?;
        }
        if !self.keyword_path.is_empty() {
            write!(f, " (schema `{}`)", self.keyword_path)?;
        }
        for other in &self.also {
            write!(f, "; {other}")?;
        }
        Ok(())
    }
}

/// The options every payload schema is compiled with (see the module documentation).
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
        .map_err(|e| e.to_string())
}

impl PayloadSchema {
    /// A schema from its JSON text (compiled on first use).
    pub const fn new(source: &'static str) -> Self {
        PayloadSchema {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The schema's JSON text.
    pub fn source(&self) -> &'static str {
        self.source
    }

    fn validator(&self) -> Result<&jsonschema::Validator, SchemaViolation> {
        self.compiled
            .get_or_init(|| {
                let schema: Value = serde_json::from_str(self.source)
                    .map_err(|e| format!("the schema is not JSON: {e}"))?;
                compile(&schema)
            })
            .as_ref()
            .map_err(|why| SchemaViolation {
                instance_path: String::new(),
                keyword_path: String::new(),
                reason: format!("the message schema does not compile: {why}"),
                also: Vec::new(),
            })
    }

    /// Checks `value` against the schema; the violations found (up to [`MAX_REPORTED`]) are
    /// returned.
    pub fn check(&self, value: &Value) -> Result<(), SchemaViolation> {
        let validator = self.validator()?;
        if validator.is_valid(value) {
            return Ok(());
        }
        let mut found = validator
            .iter_errors(value)
            .take(MAX_REPORTED)
            .map(|error| SchemaViolation {
                instance_path: error.instance_path().to_string(),
                keyword_path: error.schema_path().to_string(),
                reason: error.to_string(),
                also: Vec::new(),
            });
        let mut first = found.next().unwrap_or_else(|| SchemaViolation {
            instance_path: String::new(),
            keyword_path: String::new(),
            reason: "the payload does not match its schema".into(),
            also: Vec::new(),
        });
        first.also = found.map(|other| other.to_string()).collect();
        Err(first)
    }

    /// True when the schema accepts `value`.
    pub fn accepts(&self, value: &Value) -> bool {
        self.check(value).is_ok()
    }
}

/// Decodes a JSON payload into `T` after checking it against `schema`.
pub fn decode_json_checked<T: DeserializeOwned>(
    payload: &[u8],
    schema: &PayloadSchema,
) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_slice(payload).map_err(DecodeError::from)?;
    schema
        .check(&value)
        .map_err(|violation| DecodeError::new("json", violation.to_string()))?;
    deserialize_checked(value).map_err(|e| DecodeError::new("json", e.to_string()))
}

/// Deserializes a value its schema accepted. JSON Schema counts an integer-valued number such as
/// `1.0` as an integer, but serde's integer types refuse it; when the value holds such numbers
/// and does not deserialize as it is, they are rewritten as integers (`1.0` → `1`) and the value
/// is deserialized again. The Rust integer types stay sized (`u8` still refuses `256.0`), and a
/// value that deserializes as sent keeps its numbers as sent (a `serde_json::Value` field still
/// holds `1.0`).
pub fn deserialize_checked<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    if !has_integral_float(&value) {
        return T::deserialize(value);
    }
    // A clone, not `&value`: each payload type then compiles one decoder (from an owned
    // `Value`) instead of two; this path is taken only for values holding integral floats.
    match T::deserialize(value.clone()) {
        Ok(decoded) => Ok(decoded),
        Err(first) => {
            let mut value = value;
            integral_floats_to_integers(&mut value);
            T::deserialize(value).map_err(|_| first)
        }
    }
}

/// The integer an integer-valued float stands for, if it has one that fits `i64` or `u64`.
fn integral(number: &serde_json::Number) -> Option<serde_json::Number> {
    if number.is_i64() || number.is_u64() {
        return None;
    }
    let f = number.as_f64()?;
    if f.fract() != 0.0 || !f.is_finite() {
        return None;
    }
    // `as` saturates: only exact conversions count.
    if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(serde_json::Number::from(f as u64))
    } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
        Some(serde_json::Number::from(f as i64))
    } else {
        None
    }
}

fn has_integral_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => integral(n).is_some(),
        Value::Array(items) => items.iter().any(has_integral_float),
        Value::Object(members) => members.values().any(has_integral_float),
        _ => false,
    }
}

fn integral_floats_to_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(integer) = integral(n) {
                *n = integer;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(members) => members.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// Encodes `value` as a JSON payload after checking it against `schema`; a value its own schema
/// rejects fails with [`Error::Encode`](crate::Error::Encode) naming the field.
pub fn encode_json_checked<T: Serialize + ?Sized>(
    value: &T,
    schema: &PayloadSchema,
) -> Result<Bytes, crate::Error> {
    let json = serde_json::to_value(value).map_err(|e| crate::Error::Encode(e.to_string()))?;
    schema
        .check(&json)
        .map_err(|violation| crate::Error::Encode(violation.to_string()))?;
    serde_json::to_vec(&json)
        .map(Bytes::from)
        .map_err(|e| crate::Error::Encode(e.to_string()))
}

/// Checks an already encoded JSON payload against `schema`: the send-side check of generated
/// publishers, after the payload's own typed checks.
pub fn check_encoded(payload: &[u8], schema: &PayloadSchema) -> Result<(), crate::Error> {
    let json: Value =
        serde_json::from_slice(payload).map_err(|e| crate::Error::Encode(e.to_string()))?;
    schema
        .check(&json)
        .map_err(|violation| crate::Error::Encode(violation.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static LEVEL: PayloadSchema = PayloadSchema::new(
        r#"{"type":"object","properties":{"level":{"type":"integer","maximum":3}},
            "not":{"required":["forbidden"]}}"#,
    );

    #[derive(Debug, serde::Deserialize, serde::Serialize)]
    struct Level {
        level: i64,
    }

    #[test]
    fn decoding_checks_the_schema_first() {
        let ok: Level = decode_json_checked(br#"{"level": 2}"#, &LEVEL).unwrap();
        assert_eq!(ok.level, 2);
        let err = decode_json_checked::<Level>(br#"{"level": 5}"#, &LEVEL).unwrap_err();
        assert!(err.reason.contains("payload field `/level`"), "{err}");
        assert!(err.reason.contains("maximum"), "{err}");
        let err =
            decode_json_checked::<Level>(br#"{"level": 1, "forbidden": 0}"#, &LEVEL).unwrap_err();
        assert!(err.reason.starts_with("payload: "), "{err}");
        let err =
            decode_json_checked::<Level>(br#"{"level": 7, "forbidden": 0}"#, &LEVEL).unwrap_err();
        assert!(
            err.reason.contains("`/level`") && err.reason.contains("; payload: "),
            "every violation is reported: {err}"
        );
    }

    #[test]
    fn integer_valued_floats_fit_integer_types() {
        static ANY: PayloadSchema = PayloadSchema::new(r#"{}"#);
        let ok: Level = decode_json_checked(br#"{"level": 2.0}"#, &ANY).unwrap();
        assert_eq!(ok.level, 2);
        let list: Vec<u8> = decode_json_checked(br#"[0.0, 1, 255.0]"#, &ANY).unwrap();
        assert_eq!(list, [0, 1, 255]);
        assert!(
            decode_json_checked::<u8>(b"256.0", &ANY).is_err(),
            "sizes are kept"
        );
        assert!(decode_json_checked::<i64>(b"1.5", &ANY).is_err());
        let err = decode_json_checked::<Level>(br#"{"level": 2.5}"#, &ANY).unwrap_err();
        assert!(err.reason.contains("2.5"), "{err}");
        // A value that fits as sent keeps its numbers as sent.
        let raw: Value = decode_json_checked(br#"{"x": 1.0}"#, &ANY).unwrap();
        assert!(raw["x"].is_f64(), "{raw}");
        let mixed: (f64, Value, i64) = decode_json_checked(b"[1.0, 2.0, 3.0]", &ANY).unwrap();
        assert_eq!(mixed.2, 3);
    }

    #[test]
    fn encoding_names_the_field_its_schema_rejects() {
        let err = encode_json_checked(&Level { level: 9 }, &LEVEL).unwrap_err();
        let crate::Error::Encode(text) = err else {
            panic!("expected Error::Encode, got {err:?}")
        };
        assert!(text.contains("`/level`"), "{text}");
        assert!(encode_json_checked(&Level { level: 3 }, &LEVEL).is_ok());
    }

    #[test]
    fn patterns_are_ecma_with_unicode_classes() {
        static LETTERS: PayloadSchema = PayloadSchema::new(r#"{"pattern":"^\\p{L}+$"}"#);
        assert!(LETTERS.accepts(&json!("élan")));
        assert!(!LETTERS.accepts(&json!("a1")));
    }

    #[test]
    fn a_schema_that_does_not_compile_rejects_with_the_reason() {
        static BROKEN: PayloadSchema = PayloadSchema::new(r#"{"type": 5}"#);
        let err = BROKEN.check(&json!(1)).unwrap_err();
        assert!(err.reason.contains("does not compile"), "{err}");
    }
}
