//! Runs typify on the bundled definitions, never letting it take the whole document down.
//!
//! typify panics (`todo!`, `panic!`, `unwrap`) on schemas it does not understand and returns errors
//! for others (e.g. a `default` outside an integer's range). Every call here runs under
//! [`std::panic::catch_unwind`] with the panic message kept off stderr; a failure is narrowed to
//! the definitions that cause it by probing each definition alone, and those fall back — first to
//! the same schema without `default`s, then without `pattern`s, then without either or `format`s,
//! finally to `serde_json::Value` — with a warning naming the schema. The rest of the document still gets its real types.
//!
//! schemars 0.8 types (what typify consumes) live only in this module.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::TokenStream;
use serde_json::{json, Value};
use typify::{TypeSpace, TypeSpaceSettings};

use crate::diagnostics::Diagnostic;
use crate::model::NodeId;

/// One named schema handed to typify: `#/definitions/<name>` refers to it.
#[derive(Clone, Debug)]
pub struct Definition {
    /// The Rust type name (already valid UpperCamelCase and unique).
    pub name: String,
    /// The pre-processed schema; refs are `#/definitions/<name>`.
    pub schema: Value,
    /// Where the schema came from, for diagnostics.
    pub node: Option<NodeId>,
    /// A human description of the schema for diagnostics (`component schema Foo`).
    pub origin: String,
}

/// What typify produced.
pub struct EngineOutput {
    /// typify's items (types, `error` module, default helpers).
    pub tokens: TokenStream,
    /// Definitions that fell back to `serde_json::Value` (or lost their defaults).
    pub diagnostics: Vec<Diagnostic>,
    /// Names of the definitions that fell back to `serde_json::Value`.
    pub fallbacks: Vec<String>,
}

thread_local! {
    static SILENCED: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that stays quiet on threads currently running typify and
/// delegates to the previous hook everywhere else.
fn install_quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !SILENCED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "typify panicked".to_string()
    }
}

/// Shortens a typify message (which may embed a whole pretty-printed schema) for a diagnostic.
fn short(message: &str) -> String {
    let first: String = message.lines().take(3).collect::<Vec<_>>().join(" ");
    if first.chars().count() > 240 {
        first.chars().take(240).collect::<String>() + "…"
    } else {
        first
    }
}

/// typify's settings: no builders, `PartialEq` on every type (tests and users compare values),
/// `BTreeMap` for maps (a stable member order on the wire).
fn settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings
        .with_struct_builder(false)
        .with_derive("PartialEq".to_string())
        .with_map_type("::std::collections::BTreeMap");
    settings
}

fn to_schemars(value: &Value) -> Result<schemars08::schema::Schema, String> {
    // Deserialised from the borrowed value: no copy of the schema.
    serde::Deserialize::deserialize(value).map_err(|e: serde_json::Error| e.to_string())
}

/// One typify run over `defs`; `Err` carries typify's error or panic message.
fn attempt(defs: &[(String, Value)]) -> Result<TokenStream, String> {
    let mut schemas = Vec::with_capacity(defs.len());
    for (name, value) in defs {
        schemas.push((name.clone(), to_schemars(value)?));
    }
    attempt_converted(schemas)
}

/// Runs typify on schemas already converted, turning a panic into an error.
fn attempt_converted(
    schemas: Vec<(String, schemars08::schema::Schema)>,
) -> Result<TokenStream, String> {
    install_quiet_hook();
    SILENCED.with(|s| s.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut space = TypeSpace::new(&settings());
        space
            .add_ref_types(schemas)
            .map(|()| space.to_stream())
            .map_err(|e| e.to_string())
    }));
    SILENCED.with(|s| s.set(false));
    match result {
        Ok(inner) => inner,
        Err(payload) => Err(panic_message(payload)),
    }
}

struct Relaxation {
    keywords: &'static [&'static str],
    code: &'static str,
    message: &'static str,
    help: &'static str,
}

/// Tried in order on a definition typify rejects, before falling back to `serde_json::Value`.
const RELAXATIONS: &[Relaxation] = &[
    Relaxation {
        keywords: &["default"],
        code: "type-default-dropped",
        message: "a `default` in this schema cannot be represented in Rust; the defaults were \
                  dropped",
        help: "make each `default` valid for its schema",
    },
    Relaxation {
        keywords: &["pattern"],
        code: "type-pattern-dropped",
        message: "a `pattern` in this schema is not a valid ECMA-262 regular expression; the \
                  patterns are not checked",
        help: "fix the regular expression",
    },
    Relaxation {
        keywords: &["default", "pattern", "format"],
        code: "type-constraints-dropped",
        message: "this schema's `default`, `pattern` and `format` keywords cannot all be \
                  honoured; they were dropped",
        help: "make defaults, patterns and formats consistent with the types",
    },
];

/// Drops every occurrence of `keywords` at any depth. Property *names* are never touched:
/// `properties` maps are walked but their keys kept.
fn without_keywords(value: &Value, keywords: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !keywords.contains(&k.as_str()))
                .map(|(k, v)| {
                    if k == "properties" || k == "patternProperties" {
                        let kept = v
                            .as_object()
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(name, s)| (name.clone(), without_keywords(s, keywords)))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), Value::Object(kept))
                    } else {
                        (k.clone(), without_keywords(v, keywords))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| without_keywords(v, keywords))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The same definition list with `name` alone kept and every other definition stubbed as "any
/// value", so a probe tests one schema in isolation.
fn isolated(defs: &[(String, Value)], name: &str, schema: Value) -> Vec<(String, Value)> {
    defs.iter()
        .map(|(n, v)| {
            if n == name {
                (n.clone(), schema.clone())
            } else if v.get("$ref").is_some() || v.is_object() {
                (n.clone(), json!({}))
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

/// Generates all definitions, falling back per definition as described in the module docs.
pub fn generate(definitions: &[&Definition]) -> EngineOutput {
    let mut diagnostics = Vec::new();
    let mut fallbacks = Vec::new();
    let mut defs: Vec<(String, Value)> = Vec::with_capacity(definitions.len());
    let mut converted = Vec::with_capacity(definitions.len());
    for def in definitions {
        match to_schemars(&def.schema) {
            Ok(schema) => {
                defs.push((def.name.clone(), def.schema.clone()));
                converted.push((def.name.clone(), schema));
            }
            Err(e) => {
                fallbacks.push(def.name.clone());
                diagnostics.push(fallback_diagnostic(
                    def,
                    &format!("not a valid schema: {e}"),
                ));
                defs.push((def.name.clone(), json!({})));
                converted.push((
                    def.name.clone(),
                    to_schemars(&json!({})).expect("`{}` is a schema"),
                ));
            }
        }
    }

    let first = attempt_converted(converted);
    let tokens = match first {
        Ok(tokens) => tokens,
        Err(whole_error) => {
            let mut changed = BTreeSet::new();
            for def in definitions {
                let Some(index) = defs.iter().position(|(n, _)| n == &def.name) else {
                    continue;
                };
                let schema = defs[index].1.clone();
                if attempt(&isolated(&defs, &def.name, schema.clone())).is_ok() {
                    continue;
                }
                let mut fixed = None;
                let mut last_error = String::new();
                for relaxation in RELAXATIONS {
                    let relaxed = without_keywords(&schema, relaxation.keywords);
                    match attempt(&isolated(&defs, &def.name, relaxed.clone())) {
                        Ok(_) => {
                            fixed = Some((relaxation, relaxed));
                            break;
                        }
                        Err(e) => last_error = e,
                    }
                }
                match fixed {
                    Some((relaxation, relaxed)) => {
                        diagnostics.push(
                            Diagnostic::warning(
                                relaxation.code,
                                def.node.clone(),
                                format!("{}: {}", def.origin, relaxation.message),
                            )
                            .with_help(relaxation.help),
                        );
                        defs[index].1 = relaxed;
                    }
                    None => {
                        fallbacks.push(def.name.clone());
                        diagnostics.push(fallback_diagnostic(def, &last_error));
                        defs[index].1 = json!({});
                    }
                }
                changed.insert(def.name.clone());
            }
            match attempt(&defs) {
                Ok(tokens) => tokens,
                Err(e) => {
                    // The failure comes from definitions together, not alone: give up on
                    // precision and keep the document usable.
                    let message = if changed.is_empty() { whole_error } else { e };
                    for def in definitions {
                        fallbacks.push(def.name.clone());
                        diagnostics.push(fallback_diagnostic(def, &message));
                    }
                    let all_any: Vec<(String, Value)> =
                        defs.iter().map(|(n, _)| (n.clone(), json!({}))).collect();
                    attempt(&all_any).unwrap_or_default()
                }
            }
        }
    };
    fallbacks.sort();
    fallbacks.dedup();
    EngineOutput {
        tokens,
        diagnostics,
        fallbacks,
    }
}

fn fallback_diagnostic(def: &Definition, reason: &str) -> Diagnostic {
    Diagnostic::warning(
        "type-fallback",
        def.node.clone(),
        format!(
            "{}: no Rust type could be generated ({}); it is `serde_json::Value` instead",
            def.origin,
            short(reason)
        ),
    )
    .with_help("simplify the schema, or report it if it is valid JSON Schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, schema: Value) -> Definition {
        Definition {
            name: name.to_string(),
            schema,
            node: None,
            origin: format!("schema {name}"),
        }
    }

    #[test]
    fn a_panicking_schema_falls_back_alone() {
        // typify panics on external references.
        let good = def(
            "Good",
            json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        );
        let bad = def("Bad", json!({"$ref": "other.json#/x"}));
        let out = generate(&[&good, &bad]);
        let text = out.tokens.to_string();
        assert!(text.contains("pub struct Good"), "{text}");
        assert!(
            text.contains("pub struct Bad (pub :: serde_json :: Value)"),
            "{text}"
        );
        assert_eq!(out.diagnostics.len(), 1);
        assert!(out.diagnostics[0].message.contains("schema Bad"));
        assert_eq!(out.fallbacks, ["Bad"]);
    }

    #[test]
    fn an_invalid_default_is_dropped_not_the_type() {
        let out = generate(&[&def(
            "Small",
            json!({"type": "integer", "format": "uint8", "default": 1000}),
        )]);
        assert!(out.tokens.to_string().contains("pub struct Small (pub u8)"));
        assert_eq!(out.diagnostics[0].code, "type-default-dropped");
    }

    #[test]
    fn an_invalid_pattern_is_dropped_not_the_type() {
        let out = generate(&[&def(
            "Code",
            json!({"type": "object", "properties": {"pattern": {"type": "string", "pattern": "(unclosed"}}}),
        )]);
        let text = out.tokens.to_string();
        assert!(
            text.contains("pub pattern"),
            "the property named `pattern` is kept: {text}"
        );
        assert_eq!(out.diagnostics[0].code, "type-pattern-dropped");
    }

    /// What typify 0.8 does on its own with the forms `preprocess` rewrites; if an upgrade
    /// changes any of these, the matching pre-processing rule can go.
    #[test]
    fn typify_native_behaviour_that_preprocessing_covers() {
        let raw = |schema: Value| attempt(&[("T".to_string(), schema)]).map(|t| t.to_string());
        // `const` alone: any JSON value.
        assert!(raw(json!({"const": 5}))
            .unwrap()
            .contains("serde_json :: Value"));
        // OpenAPI `nullable` is ignored: a plain String.
        let nullable = raw(json!({"type": "object", "required": ["a"],
            "properties": {"a": {"type": "string", "nullable": true}}}))
        .unwrap();
        assert!(!nullable.contains("Option"), "{nullable}");
        // Tuples need equal min/max bounds.
        assert!(
            raw(json!({"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}))
                .is_err()
        );
        // Integer bounds only narrow on exact type bounds.
        assert!(
            raw(json!({"type": "integer", "minimum": 0, "maximum": 100}))
                .unwrap()
                .contains("i64")
        );
        // A `discriminator` is ignored: variants without a constant property stay untagged.
        let union = raw(json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"type": "string"}, "a": {"type": "string"}}, "required": ["a"]},
            {"type": "object", "properties": {"kind": {"type": "string"}, "b": {"type": "string"}}, "required": ["b"]}],
            "discriminator": {"propertyName": "kind"}}))
        .unwrap();
        assert!(union.contains("untagged"), "{union}");
        // Mixed-type enums without `type` are an error.
        assert!(raw(json!({"enum": ["a", 1]})).is_err());
    }
}
