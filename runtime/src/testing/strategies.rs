//! [`proptest`] strategies from payload JSON Schemas (feature `proptest`): valid payloads to
//! fuzz handlers with, and invalid ones to test the error path.
//!
//! Generated service modules call these from their `testing::strategies` module (compiled with
//! the generated crate's `proptest` feature); [`valid`] and [`invalid`] take the same
//! [`PayloadSchema`] the module's decoders check.
//!
//! # What is honoured, what is filtered
//!
//! Values are built from the schema: `type` (and type lists, `nullable`), `const`, `enum`,
//! `$ref` (local pointers), `allOf` (merged), `oneOf`/`anyOf` (one variant at a time),
//! `minimum`/`maximum`, `exclusiveMinimum`/`exclusiveMaximum` (draft-04 booleans and draft-06+
//! numbers), `multipleOf`, integer `format`s (`int8`…`uint64`), `minLength`/`maxLength`,
//! `pattern` (through [`proptest::string::string_regex`], anchors `^`/`$` at the ends dropped,
//! `\d` as `[0-9]`), `format` `date-time`, `date`, `time`, `email`, `uuid`, `ipv4`, `ipv6`,
//! `hostname`, `uri`, `items` (one schema or a tuple), `minItems`/`maxItems`, `uniqueItems`,
//! `properties` with `required` (optional ones present half the time),
//! `additionalProperties` as a map's value schema, `minProperties`/`maxProperties`.
//!
//! Everything else — `not`, `if`/`then`/`else`, `dependencies`, `contains`, `propertyNames`,
//! `patternProperties`, `oneOf` exactness, patterns the regex generator does not support
//! (look-around, backreferences, anchors inside the pattern) — is not built in but filtered:
//! every value [`valid`] yields has been checked by the payload's schema exactly as the decoder
//! checks it, after a round trip through the Rust type (so the kit's encoder accepts it too).
//! A schema whose valid values are too rare to hit by chance makes proptest give up with "too
//! many local rejects", naming the filter.

use std::fmt;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union, ValueTree};
use proptest::test_runner::TestCaseError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

pub use proptest;

use crate::schema::{deserialize_checked, PayloadSchema};

/// How deep nested objects and arrays are built; deeper, only what is required (recursive
/// schemas end there).
const MAX_DEPTH: usize = 6;

/// Extra items or characters generated above a lower bound when there is no upper one.
const SPREAD: usize = 6;

/// Payloads valid under `schema`, as the Rust type `T` the decoder produces: built from the
/// schema (see the module docs for the keywords honoured), deserialized into `T`, serialized
/// again and kept only when `schema` accepts the result.
pub fn valid<T>(schema: &'static PayloadSchema) -> BoxedStrategy<T>
where
    T: DeserializeOwned + Serialize + fmt::Debug + Clone + 'static,
{
    values(&source(schema))
        .prop_filter_map(
            "the Rust type or the payload schema rejects the value",
            |value| {
                let typed: T = deserialize_checked(value).ok()?;
                let back = serde_json::to_value(&typed).ok()?;
                schema.accepts(&back).then_some(typed)
            },
        )
        .boxed()
}

/// JSON values built from `schema` (a whole schema document: `$ref`s resolve against it). Not
/// filtered: see [`valid`] for values guaranteed to pass the schema check.
pub fn values(schema: &Value) -> BoxedStrategy<Value> {
    Builder { root: schema }.valid(schema, 0)
}

/// A payload the decoder must reject, and why it is invalid.
#[derive(Clone, PartialEq)]
pub struct InvalidPayload {
    /// The payload bytes, as sent.
    pub payload: Vec<u8>,
    /// What was broken, e.g. "`/lumens`: below the minimum".
    pub mutation: String,
}

impl fmt::Debug for InvalidPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "InvalidPayload({}: {})",
            self.mutation,
            String::from_utf8_lossy(&self.payload)
        )
    }
}

/// Payloads every one of `schemas` rejects (the messages of one operation): a valid value with
/// one thing broken — a wrong type, a number out of range or off its `multipleOf`, a string of
/// the wrong length or outside its `enum`/`const`, a required property missing, an array of the
/// wrong size, at the root or in a nested property or item — or bytes that are not JSON. Each is
/// checked: no schema of the operation accepts it.
pub fn invalid(schemas: Vec<&'static PayloadSchema>) -> BoxedStrategy<InvalidPayload> {
    let mut broken: Vec<BoxedStrategy<(Value, String)>> = Vec::new();
    let sources: Vec<Value> = schemas.iter().map(|schema| source(schema)).collect();
    for schema in &sources {
        let builder = Builder { root: schema };
        broken.push(builder.invalid(schema, "", 0));
    }
    let json = Union::new(broken)
        .prop_filter_map(
            "a schema of the operation accepts the value",
            move |(value, why)| {
                if schemas.iter().any(|schema| schema.accepts(&value)) {
                    return None;
                }
                Some(InvalidPayload {
                    payload: serde_json::to_vec(&value).ok()?,
                    mutation: why,
                })
            },
        )
        .boxed();
    let not_json = prop_oneof![
        Just(b"{\"unterminated\": ".to_vec()),
        Just(b"not json".to_vec()),
        Just(Vec::new()),
        Just(vec![0xff, 0xfe]),
    ]
    .prop_map(|payload| InvalidPayload {
        payload,
        mutation: "not JSON".into(),
    });
    prop_oneof![9 => json, 1 => not_json].boxed()
}

/// What [`check_valid`] or [`check_invalid`] found for one strategy.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyCheck {
    /// The strategy's name (the generated function).
    pub name: &'static str,
    /// How many values were drawn and checked.
    pub cases: u32,
    /// Of values built from the schema before filtering, the share the schema accepted
    /// ([`check_valid`]) or rejected ([`check_invalid`]), from 0 to 1: how well the strategy
    /// honours the schema by construction rather than by filtering.
    pub built_share: f64,
}

/// A runner with a fixed seed: the same values every run.
fn runner(cases: u32) -> proptest::test_runner::TestRunner {
    let config = proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    };
    let rng = proptest::test_runner::TestRng::deterministic_rng(config.rng_algorithm);
    proptest::test_runner::TestRunner::new_with_rng(config, rng)
}

/// Draws `cases` values from `strategy` (a [`valid`] strategy of `schema`) and panics, naming
/// the strategy and the value, unless each one serializes to a payload `schema` accepts; then
/// measures the [`StrategyCheck::built_share`] of the schema's built values.
pub fn check_valid<T: Serialize + fmt::Debug>(
    name: &'static str,
    strategy: BoxedStrategy<T>,
    schema: &'static PayloadSchema,
    cases: u32,
) -> StrategyCheck {
    runner(cases)
        .run(&strategy, |value| {
            let json = serde_json::to_value(&value)
                .map_err(|e| TestCaseError::fail(format!("does not serialize: {e}")))?;
            schema
                .check(&json)
                .map_err(|why| TestCaseError::fail(format!("{why}: {json}")))
        })
        .unwrap_or_else(|e| panic!("strategy `{name}`: {e}"));
    let built = values(&source(schema));
    StrategyCheck {
        name,
        cases,
        built_share: share(&built, cases, |value| schema.accepts(value)),
    }
}

/// Draws `cases` payloads from `strategy` (an [`invalid`] strategy of `schemas`) and panics,
/// naming the strategy and the payload, unless every schema rejects each one (or it is not
/// JSON); then measures how many of the broken values built rejected before filtering.
pub fn check_invalid(
    name: &'static str,
    strategy: BoxedStrategy<InvalidPayload>,
    schemas: Vec<&'static PayloadSchema>,
    cases: u32,
) -> StrategyCheck {
    runner(cases)
        .run(&strategy, |broken| {
            if let Ok(json) = serde_json::from_slice::<Value>(&broken.payload) {
                if schemas.iter().any(|schema| schema.accepts(&json)) {
                    return Err(TestCaseError::fail(format!("accepted: {broken:?}")));
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("strategy `{name}`: {e}"));
    let sources: Vec<Value> = schemas.iter().map(|schema| source(schema)).collect();
    let built = Union::new(
        sources
            .iter()
            .map(|schema| Builder { root: schema }.invalid(schema, "", 0)),
    )
    .prop_map(|(value, _)| value);
    StrategyCheck {
        name,
        cases,
        built_share: share(&built, cases, |value| {
            !schemas.iter().any(|schema| schema.accepts(value))
        }),
    }
}

/// The share of `cases` values of `strategy` that satisfy `good`.
fn share<S: Strategy<Value = Value>>(
    strategy: &S,
    cases: u32,
    good: impl Fn(&Value) -> bool,
) -> f64 {
    let mut runner = runner(cases);
    let mut hits = 0u32;
    for _ in 0..cases {
        let value = strategy
            .new_tree(&mut runner)
            .unwrap_or_else(|e| panic!("no value built: {e}"))
            .current();
        hits += u32::from(good(&value));
    }
    f64::from(hits) / f64::from(cases.max(1))
}

fn source(schema: &PayloadSchema) -> Value {
    serde_json::from_str(schema.source())
        .unwrap_or_else(|e| panic!("strategies: the payload schema is not JSON: {e}"))
}

struct Builder<'a> {
    root: &'a Value,
}

/// The JSON types a schema allows (`None`: any).
fn types_of(schema: &Map<String, Value>) -> Option<Vec<&str>> {
    let mut types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    if schema.get("nullable") == Some(&Value::Bool(true)) && !types.contains(&"null") {
        types.push("null");
    }
    Some(types)
}

/// The type a schema without `type` implies through its keywords.
fn implied_type(schema: &Map<String, Value>) -> Option<&'static str> {
    let has = |keys: &[&str]| keys.iter().any(|k| schema.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
    ]) {
        Some("object")
    } else if has(&["items", "minItems", "maxItems", "uniqueItems"]) {
        Some("array")
    } else if has(&["minLength", "maxLength", "pattern", "format"]) {
        Some("string")
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Some("number")
    } else {
        None
    }
}

fn u64_of(schema: &Map<String, Value>, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .map(|n| n.min(1 << 16) as usize)
}

impl<'a> Builder<'a> {
    /// `schema` with `$ref`s followed and `allOf` merged in; `Err` with the verdict of a
    /// boolean schema.
    fn resolve(&self, schema: &Value, depth: usize) -> Result<Map<String, Value>, bool> {
        let object = match schema {
            Value::Bool(b) => return Err(*b),
            Value::Object(object) => object,
            _ => return Err(true),
        };
        let mut merged = object.clone();
        if let Some(Value::String(reference)) = object.get("$ref") {
            merged.remove("$ref");
            if depth <= MAX_DEPTH * 4 {
                if let Some(target) = self.pointer(reference) {
                    if let Ok(target) = self.resolve(target, depth + 1) {
                        merge_into(&mut merged, target);
                    }
                }
            }
        }
        if let Some(Value::Array(parts)) = object.get("allOf") {
            merged.remove("allOf");
            for part in parts {
                if let Ok(part) = self.resolve(part, depth + 1) {
                    merge_into(&mut merged, part);
                }
            }
        }
        Ok(merged)
    }

    fn pointer(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        let decoded = percent_decode(pointer);
        self.root.pointer(&decoded)
    }

    /// Values `schema` should accept.
    fn valid(&self, schema: &Value, depth: usize) -> BoxedStrategy<Value> {
        let schema = match self.resolve(schema, 0) {
            Ok(schema) => schema,
            Err(true) => return any_scalar(),
            Err(false) => return Just(Value::Null).boxed(),
        };
        self.valid_resolved(schema, depth)
    }

    fn valid_resolved(&self, schema: Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        if let Some(constant) = schema.get("const") {
            return Just(constant.clone()).boxed();
        }
        if let Some(Value::Array(options)) = schema.get("enum") {
            if !options.is_empty() {
                return proptest::sample::select(options.clone()).boxed();
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(variants)) = schema.get(key) {
                if variants.is_empty() {
                    continue;
                }
                let mut base = schema.clone();
                base.remove(key);
                let strategies: Vec<BoxedStrategy<Value>> = variants
                    .iter()
                    .map(|variant| {
                        let mut merged = base.clone();
                        if let Ok(variant) = self.resolve(variant, 0) {
                            merge_into(&mut merged, variant);
                        }
                        self.valid_resolved(merged, depth + 1)
                    })
                    .collect();
                return Union::new(strategies).boxed();
            }
        }
        let types = types_of(&schema)
            .unwrap_or_else(|| implied_type(&schema).into_iter().collect::<Vec<_>>());
        if types.is_empty() {
            return any_scalar();
        }
        let strategies: Vec<BoxedStrategy<Value>> = types
            .iter()
            .map(|ty| self.of_type(&schema, ty, depth))
            .collect();
        Union::new(strategies).boxed()
    }

    fn of_type(&self, schema: &Map<String, Value>, ty: &str, depth: usize) -> BoxedStrategy<Value> {
        match ty {
            "null" => Just(Value::Null).boxed(),
            "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
            "integer" => integers(schema),
            "number" => numbers(schema),
            "string" => strings(schema),
            "array" => self.arrays(schema, depth),
            "object" => self.objects(schema, depth),
            _ => any_scalar(),
        }
    }

    fn arrays(&self, schema: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        let min = u64_of(schema, "minItems").unwrap_or(0);
        let max = u64_of(schema, "maxItems").unwrap_or(min + SPREAD).max(min);
        let max = if depth >= MAX_DEPTH { min } else { max };
        let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
        match schema.get("items") {
            Some(Value::Array(tuple)) => {
                let items: Vec<BoxedStrategy<Value>> = tuple
                    .iter()
                    .map(|item| self.valid(item, depth + 1))
                    .collect();
                let rest = match schema.get("additionalItems") {
                    Some(Value::Bool(false)) | None => None,
                    Some(extra) => Some(self.valid(extra, depth + 1)),
                };
                let extra = match rest {
                    Some(rest) if max > tuple.len() => vec(rest, 0..=max - tuple.len()).boxed(),
                    _ => Just(Vec::new()).boxed(),
                };
                (items, extra)
                    .prop_map(|(mut items, extra)| {
                        items.extend(extra);
                        Value::Array(items)
                    })
                    .boxed()
            }
            items => {
                let item = match items {
                    Some(item) => self.valid(item, depth + 1),
                    None => any_scalar(),
                };
                // Duplicates are dropped for `uniqueItems`; extra room keeps `minItems` reachable.
                let upper = if unique { max + SPREAD } else { max };
                vec(item, min..=upper)
                    .prop_map(move |mut items| {
                        if unique {
                            let mut kept: Vec<Value> = Vec::with_capacity(items.len());
                            for item in items {
                                if !kept.contains(&item) {
                                    kept.push(item);
                                }
                            }
                            items = kept;
                        }
                        items.truncate(max);
                        Value::Array(items)
                    })
                    .boxed()
            }
        }
    }

    fn objects(&self, schema: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let additional = schema.get("additionalProperties");
        let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (name, property) in properties {
            let is_required = required.contains(&name.as_str());
            if !is_required && depth >= MAX_DEPTH {
                continue;
            }
            let name = name.clone();
            let value = self.valid(property, depth + 1);
            fields.push(if is_required {
                value.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
            });
        }
        for name in required.iter().filter(|n| !properties.contains_key(**n)) {
            let name = name.to_string();
            let value = match additional {
                Some(extra @ Value::Object(_)) => self.valid(extra, depth + 1),
                _ => any_scalar(),
            };
            fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
        }
        // A map type: `additionalProperties` with a schema and no named properties.
        let min = u64_of(schema, "minProperties").unwrap_or(0);
        let max = u64_of(schema, "maxProperties")
            .unwrap_or(min + SPREAD)
            .max(min);
        let entries = match additional {
            Some(extra @ Value::Object(_)) if properties.is_empty() && depth < MAX_DEPTH => {
                let value = self.valid(extra, depth + 1);
                proptest::collection::btree_map("[a-z][a-z0-9_]{0,7}", value, min..=max)
                    .prop_map(|map| map.into_iter().collect::<Vec<_>>())
                    .boxed()
            }
            _ => Just(Vec::new()).boxed(),
        };
        (fields, entries)
            .prop_map(|(fields, entries)| {
                let mut object = Map::new();
                for (name, value) in entries.into_iter().chain(fields.into_iter().flatten()) {
                    object.insert(name, value);
                }
                Value::Object(object)
            })
            .boxed()
    }

    /// Values `schema` should reject, each with what was broken; `path` is where in the payload.
    fn invalid(&self, schema: &Value, path: &str, depth: usize) -> BoxedStrategy<(Value, String)> {
        let here = if path.is_empty() { "payload" } else { path };
        let Ok(resolved) = self.resolve(schema, 0) else {
            return Just((Value::Null, format!("{here}: anything"))).boxed();
        };
        let mut broken: Vec<BoxedStrategy<(Value, String)>> = Vec::new();
        // A wrong type.
        let allowed: Vec<String> = types_of(&resolved)
            .or_else(|| implied_type(&resolved).map(|t| vec![t]))
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        if !allowed.is_empty() {
            let wrong: Vec<Value> = [
                Value::Null,
                Value::Bool(true),
                Value::from(7),
                Value::from(2.5),
                Value::from("text"),
                Value::Array(vec![Value::from(1)]),
                Value::Object(Map::new()),
            ]
            .into_iter()
            .filter(|v| !allowed.iter().any(|t| is_type(v, t)))
            .collect();
            if !wrong.is_empty() {
                let here = here.to_owned();
                broken.push(
                    proptest::sample::select(wrong)
                        .prop_map(move |v| {
                            let why = format!(
                                "{here}: a {} where {} is expected",
                                type_name(&v),
                                allowed_names(&allowed)
                            );
                            (v, why)
                        })
                        .boxed(),
                );
            }
        }
        // Outside `enum`/`const`.
        if resolved.contains_key("enum") || resolved.contains_key("const") {
            let allowed: Vec<Value> = match (resolved.get("enum"), resolved.get("const")) {
                (Some(Value::Array(values)), _) => values.clone(),
                (_, Some(value)) => vec![value.clone()],
                _ => Vec::new(),
            };
            let here = here.to_owned();
            broken.push(
                prop_oneof![
                    "[a-z]{1,12}".prop_map(Value::from),
                    any::<i32>().prop_map(Value::from)
                ]
                .prop_filter("a value of the enum", move |v| !allowed.contains(v))
                .prop_map(move |v| (v, format!("{here}: a value outside the enum")))
                .boxed(),
            );
        }
        broken.extend(number_bounds(&resolved, here));
        broken.extend(string_bounds(&resolved, here));
        if depth < MAX_DEPTH {
            broken.extend(self.object_breaks(&resolved, path, depth));
            broken.extend(self.array_breaks(&resolved, path, depth));
        }
        if broken.is_empty() {
            // Nothing to break here that the schema names: a wrong type for the whole payload.
            return Just((Value::Null, format!("{here}: null"))).boxed();
        }
        Union::new(broken).boxed()
    }

    fn object_breaks(
        &self,
        schema: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Vec<BoxedStrategy<(Value, String)>> {
        let mut broken = Vec::new();
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return broken;
        };
        if !types_of(schema).is_none_or(|t| t.contains(&"object")) {
            return broken;
        }
        let valid = self.objects(schema, depth);
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if !required.is_empty() {
            let path = path.to_owned();
            broken.push(
                (valid.clone(), proptest::sample::select(required))
                    .prop_map(move |(mut object, name)| {
                        if let Value::Object(members) = &mut object {
                            members.remove(&name);
                        }
                        (
                            object,
                            format!("{path}/{name}: a required property missing"),
                        )
                    })
                    .boxed(),
            );
        }
        let mut inner: Vec<BoxedStrategy<(String, (Value, String))>> = Vec::new();
        for (name, property) in properties {
            let name = name.clone();
            let nested = self.invalid(property, &format!("{path}/{name}"), depth + 1);
            inner.push(
                nested
                    .prop_map(move |broken| (name.clone(), broken))
                    .boxed(),
            );
        }
        if !inner.is_empty() {
            broken.push(
                (valid, Union::new(inner))
                    .prop_map(|(mut object, (name, (value, why)))| {
                        if let Value::Object(members) = &mut object {
                            members.insert(name, value);
                        }
                        (object, why)
                    })
                    .boxed(),
            );
        }
        broken
    }

    fn array_breaks(
        &self,
        schema: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Vec<BoxedStrategy<(Value, String)>> {
        let mut broken = Vec::new();
        if !types_of(schema).is_none_or(|t| t.contains(&"array"))
            || !(schema.contains_key("items")
                || schema.contains_key("minItems")
                || schema.contains_key("maxItems"))
        {
            return broken;
        }
        let here = if path.is_empty() { "payload" } else { path }.to_owned();
        let valid = self.arrays(schema, depth);
        if let Some(max) = u64_of(schema, "maxItems") {
            let item = match schema.get("items") {
                Some(item @ Value::Object(_)) => self.valid(item, depth + 1),
                _ => any_scalar(),
            };
            let here = here.clone();
            broken.push(
                vec(item, max + 1..=max + 3)
                    .prop_map(move |items| {
                        (
                            Value::Array(items),
                            format!("{here}: more than {max} items"),
                        )
                    })
                    .boxed(),
            );
        }
        if let Some(min) = u64_of(schema, "minItems").filter(|&min| min > 0) {
            let here = here.clone();
            broken.push(
                valid
                    .clone()
                    .prop_map(move |mut items| {
                        if let Value::Array(list) = &mut items {
                            list.truncate(min - 1);
                        }
                        (items, format!("{here}: fewer than {min} items"))
                    })
                    .boxed(),
            );
        }
        if let Some(item @ Value::Object(_)) = schema.get("items") {
            let nested = self.invalid(item, &format!("{path}/0"), depth + 1);
            broken.push(
                (valid, nested)
                    .prop_map(|(mut items, (value, why))| {
                        match &mut items {
                            Value::Array(list) if !list.is_empty() => list[0] = value,
                            Value::Array(list) => list.push(value),
                            _ => {}
                        }
                        (items, why)
                    })
                    .boxed(),
            );
        }
        broken
    }
}

/// Numbers outside the bounds or off `multipleOf`.
fn number_bounds(schema: &Map<String, Value>, here: &str) -> Vec<BoxedStrategy<(Value, String)>> {
    let mut broken = Vec::new();
    let numeric = types_of(schema)
        .map(|t| t.contains(&"integer") || t.contains(&"number"))
        .unwrap_or_else(|| implied_type(schema) == Some("number"));
    if !numeric {
        return broken;
    }
    let (lo, hi) = bounds(schema);
    if let Some((lo, _)) = lo {
        let here = here.to_owned();
        broken.push(
            (1u32..1000)
                .prop_map(move |below| {
                    (
                        number(lo.floor() - f64::from(below)),
                        format!("{here}: below the minimum {lo}"),
                    )
                })
                .boxed(),
        );
    }
    if let Some((hi, _)) = hi {
        let here = here.to_owned();
        broken.push(
            (1u32..1000)
                .prop_map(move |above| {
                    (
                        number(hi.ceil() + f64::from(above)),
                        format!("{here}: above the maximum {hi}"),
                    )
                })
                .boxed(),
        );
    }
    if let Some(step) = schema
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        let here = here.to_owned();
        let start = lo.map(|(lo, _)| lo).unwrap_or(0.0);
        broken.push(
            (0u32..100)
                .prop_map(move |k| {
                    let off = ((start / step).ceil() + f64::from(k)) * step + step / 2.0;
                    (number(off), format!("{here}: not a multiple of {step}"))
                })
                .boxed(),
        );
    }
    broken
}

/// Strings of the wrong length.
fn string_bounds(schema: &Map<String, Value>, here: &str) -> Vec<BoxedStrategy<(Value, String)>> {
    let mut broken = Vec::new();
    let stringy = types_of(schema)
        .map(|t| t.contains(&"string"))
        .unwrap_or_else(|| implied_type(schema) == Some("string"));
    if !stringy {
        return broken;
    }
    if let Some(min) = u64_of(schema, "minLength").filter(|&min| min > 0) {
        let here = here.to_owned();
        broken.push(
            proptest::string::string_regex(&format!("[a-z]{{0,{}}}", min - 1))
                .expect("a character class")
                .prop_map(move |s| (Value::from(s), format!("{here}: shorter than {min}")))
                .boxed(),
        );
    }
    if let Some(max) = u64_of(schema, "maxLength") {
        let here = here.to_owned();
        broken.push(
            proptest::string::string_regex(&format!("[a-z]{{{},{}}}", max + 1, max + 4))
                .expect("a character class")
                .prop_map(move |s| (Value::from(s), format!("{here}: longer than {max}")))
                .boxed(),
        );
    }
    if schema.contains_key("pattern") || schema.contains_key("format") {
        let here = here.to_owned();
        broken.push(
            "[ -~]{0,12}"
                .prop_map(move |s| {
                    (
                        Value::from(s),
                        format!("{here}: a string off its pattern/format"),
                    )
                })
                .boxed(),
        );
    }
    broken
}

fn is_type(value: &Value, ty: &str) -> bool {
    match (ty, value) {
        ("null", Value::Null) | ("boolean", Value::Bool(_)) | ("string", Value::String(_)) => true,
        ("array", Value::Array(_)) | ("object", Value::Object(_)) => true,
        ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allowed_names(types: &[String]) -> String {
    types.join(" or ")
}

/// Merges `other`'s keywords into `into`: `properties` joined, `required` concatenated, other
/// keywords of `other` kept only where `into` has none.
fn merge_into(into: &mut Map<String, Value>, other: Map<String, Value>) {
    for (key, value) in other {
        match (key.as_str(), into.get_mut(&key), value) {
            ("properties", Some(Value::Object(mine)), Value::Object(theirs)) => {
                for (name, schema) in theirs {
                    mine.entry(name).or_insert(schema);
                }
            }
            ("required", Some(Value::Array(mine)), Value::Array(theirs)) => {
                for name in theirs {
                    if !mine.contains(&name) {
                        mine.push(name);
                    }
                }
            }
            (_, Some(_), _) => {}
            (_, None, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn percent_decode(pointer: &str) -> String {
    let bytes = pointer.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A bound and whether it is exclusive.
type Bound = Option<(f64, bool)>;

/// `minimum`/`exclusiveMinimum` and `maximum`/`exclusiveMaximum` (both drafts), tightened by an
/// integer `format`.
fn bounds(schema: &Map<String, Value>) -> (Bound, Bound) {
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let mut lo = number("minimum").map(|m| (m, flag("exclusiveMinimum")));
    if let Some(m) = number("exclusiveMinimum") {
        if lo.is_none_or(|(l, _)| m >= l) {
            lo = Some((m, true));
        }
    }
    let mut hi = number("maximum").map(|m| (m, flag("exclusiveMaximum")));
    if let Some(m) = number("exclusiveMaximum") {
        if hi.is_none_or(|(h, _)| m <= h) {
            hi = Some((m, true));
        }
    }
    (lo, hi)
}

fn format_range(schema: &Map<String, Value>) -> Option<(f64, f64)> {
    let range = match schema.get("format").and_then(Value::as_str)? {
        "int8" => (i8::MIN as f64, i8::MAX as f64),
        "int16" => (i16::MIN as f64, i16::MAX as f64),
        "int32" => (i32::MIN as f64, i32::MAX as f64),
        "int64" => (i64::MIN as f64, i64::MAX as f64),
        "uint8" => (0.0, u8::MAX as f64),
        "uint16" => (0.0, u16::MAX as f64),
        "uint32" => (0.0, u32::MAX as f64),
        "uint64" | "uint" => (0.0, u64::MAX as f64),
        _ => return None,
    };
    Some(range)
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// Integers within the bounds and on `multipleOf`; the bounds themselves come up often.
fn integers(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let (lo, hi) = bounds(schema);
    let (format_lo, format_hi) = format_range(schema).unwrap_or((-1.0e6, 1.0e6));
    let lo = match lo {
        Some((l, exclusive)) => {
            let l = if exclusive { l.floor() + 1.0 } else { l.ceil() };
            l.max(format_lo)
        }
        None if hi.is_some_and(|(h, _)| h < format_lo) => hi.map(|(h, _)| h - 1.0e6).unwrap_or(0.0),
        None => format_lo,
    };
    let hi = match hi {
        Some((h, exclusive)) => {
            let h = if exclusive { h.ceil() - 1.0 } else { h.floor() };
            h.min(format_hi)
        }
        None => format_hi.max(lo),
    };
    let (lo, hi) = (lo.max(-9.0e15) as i64, hi.min(9.0e15) as i64);
    if lo > hi {
        return Just(Value::from(lo)).boxed();
    }
    match schema
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        Some(step) if step.fract() == 0.0 && step < 9.0e15 => {
            let step = step as i64;
            let first = lo.div_euclid(step) + i64::from(lo.rem_euclid(step) != 0);
            let last = hi.div_euclid(step);
            if first > last {
                return Just(Value::from(lo)).boxed();
            }
            prop_oneof![
                1 => Just(first),
                1 => Just(last),
                6 => first..=last,
            ]
            .prop_map(move |k| Value::from(k * step))
            .boxed()
        }
        Some(step) => numbers_on_step(lo as f64, hi as f64, step),
        None => prop_oneof![
            1 => Just(lo),
            1 => Just(hi),
            1 => Just(0i64.clamp(lo, hi)),
            6 => lo..=hi,
        ]
        .prop_map(Value::from)
        .boxed(),
    }
}

fn numbers_on_step(lo: f64, hi: f64, step: f64) -> BoxedStrategy<Value> {
    let first = (lo / step).ceil();
    let last = (hi / step).floor();
    if first > last || !first.is_finite() || !last.is_finite() {
        return Just(number(lo)).boxed();
    }
    let span = (last - first).min(1.0e9) as u64;
    (0..=span)
        .prop_map(move |k| number((first + k as f64) * step))
        .boxed()
}

/// Numbers within the bounds (exclusive ones excluded) and on `multipleOf`.
fn numbers(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let (lo, hi) = bounds(schema);
    let lo_value = lo.map(|(l, _)| l).unwrap_or(-1.0e6);
    let hi_value = hi.map(|(h, _)| h).unwrap_or(lo_value.max(0.0) + 2.0e6);
    if let Some(step) = schema
        .get("multipleOf")
        .and_then(Value::as_f64)
        .filter(|s| *s > 0.0)
    {
        return numbers_on_step(lo_value, hi_value, step)
            .prop_filter("an exclusive bound", move |v| {
                let f = v.as_f64().unwrap_or(f64::NAN);
                lo.is_none_or(|(l, ex)| if ex { f > l } else { f >= l })
                    && hi.is_none_or(|(h, ex)| if ex { f < h } else { f <= h })
            })
            .boxed();
    }
    let mut edges = Vec::new();
    if let Some((l, false)) = lo {
        edges.push(l);
    }
    if let Some((h, false)) = hi {
        edges.push(h);
    }
    let inner = (lo_value..=hi_value)
        .prop_filter("an exclusive bound", move |f| {
            lo.is_none_or(|(l, ex)| !ex || *f > l) && hi.is_none_or(|(h, ex)| !ex || *f < h)
        })
        .prop_map(number)
        .boxed();
    if edges.is_empty() {
        inner
    } else {
        prop_oneof![1 => proptest::sample::select(edges).prop_map(number), 5 => inner].boxed()
    }
}

/// Strings by `format`, `pattern` or length.
fn strings(schema: &Map<String, Value>) -> BoxedStrategy<Value> {
    let min = u64_of(schema, "minLength").unwrap_or(0);
    let max = u64_of(schema, "maxLength").unwrap_or(usize::MAX).max(min);
    let length_ok = move |s: &String| (min..=max).contains(&s.chars().count());
    let formatted = schema
        .get("format")
        .and_then(Value::as_str)
        .and_then(format_strategy);
    let from_pattern = schema
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(pattern_strategy);
    let base = match (formatted, from_pattern) {
        (Some(strategy), _) | (None, Some(strategy)) => strategy,
        (None, None) => vec(any::<char>(), min..=max.min(min + 16))
            .prop_map(|chars| chars.into_iter().collect::<String>())
            .boxed(),
    };
    base.prop_filter("minLength/maxLength", length_ok)
        .prop_map(Value::String)
        .boxed()
}

fn pattern_strategy(pattern: &str) -> Option<BoxedStrategy<String>> {
    let mut pattern = pattern.strip_prefix('^').unwrap_or(pattern).to_owned();
    if pattern.ends_with('$') && !pattern.ends_with("\\$") {
        pattern.pop();
    }
    let pattern = pattern.replace("\\d", "[0-9]");
    proptest::string::string_regex(&pattern)
        .ok()
        .map(|strategy| strategy.boxed())
}

fn format_strategy(format: &str) -> Option<BoxedStrategy<String>> {
    let pattern = match format {
        "date-time" => {
            return Some(
                (1970u32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1000)
                    .prop_map(|(y, mo, d, h, mi, s, ms)| {
                        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
                    })
                    .boxed(),
            )
        }
        "date" => "(19[7-9][0-9]|20[0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
        "time" => "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z",
        "email" => "[a-z][a-z0-9]{0,6}(\\.[a-z0-9]{1,6})?@[a-z]{1,10}\\.(com|org|net)",
        "uuid" => "[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "ipv4" => "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}",
        "ipv6" => "([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}",
        "hostname" => "[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z]([a-z0-9-]{0,10}[a-z0-9])?){0,3}",
        "uri" => "(https|mqtt)://[a-z]{1,10}\\.example(/[a-z0-9]{1,8}){0,3}",
        _ => return None,
    };
    proptest::string::string_regex(pattern)
        .ok()
        .map(|strategy| strategy.boxed())
}

/// Any small scalar, for schemas that say nothing.
fn any_scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        "[a-z0-9 ]{0,12}".prop_map(Value::from),
    ]
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestRunner};

    static BOUNDS: PayloadSchema = PayloadSchema::new(
        r##"{"$ref":"#/definitions/r","definitions":{"r":{"type":"object","required":["level","name","tags"],
        "properties":{
          "level":{"type":"integer","exclusiveMinimum":0,"maximum":100,"multipleOf":5},
          "ratio":{"type":"number","minimum":0,"exclusiveMaximum":1},
          "name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
          "mode":{"enum":["on","off"]},
          "version":{"const":2},
          "tags":{"type":"array","items":{"type":"string","enum":["a","b","c"]},"minItems":1,"maxItems":3,"uniqueItems":true},
          "nested":{"type":["object","null"],"required":["id"],"properties":{"id":{"type":"string","format":"uuid"}}},
          "choice":{"oneOf":[{"type":"integer","minimum":10},{"type":"string","maxLength":0}]}
        }}}}"##,
    );

    fn runner() -> TestRunner {
        TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        })
    }

    #[test]
    fn valid_values_pass_the_schema_check() {
        let seen_optional = std::cell::Cell::new(false);
        runner()
            .run(&valid::<Value>(&BOUNDS), |value| {
                BOUNDS.check(&value).map_err(|e| {
                    proptest::test_runner::TestCaseError::fail(format!("{e}: {value}"))
                })?;
                seen_optional.set(seen_optional.get() || value.get("ratio").is_some());
                Ok(())
            })
            .unwrap();
        assert!(seen_optional.get(), "optional properties are generated too");
    }

    #[test]
    fn invalid_payloads_are_rejected_and_name_what_was_broken() {
        let mutations = std::cell::RefCell::new(std::collections::BTreeSet::new());
        runner()
            .run(&invalid(vec![&BOUNDS]), |broken| {
                let value: Result<Value, _> = serde_json::from_slice(&broken.payload);
                if let Ok(value) = value {
                    proptest::prop_assert!(!BOUNDS.accepts(&value), "{broken:?}");
                }
                mutations
                    .borrow_mut()
                    .insert(broken.mutation.split(':').next().unwrap_or("").to_owned());
                Ok(())
            })
            .unwrap();
        let mutations = mutations.into_inner();
        for place in ["payload", "/level", "/name", "/tags", "not JSON"] {
            assert!(
                mutations.iter().any(|m| m.starts_with(place)),
                "{place} not broken in {mutations:?}"
            );
        }
    }

    #[test]
    fn exclusive_bounds_and_steps_are_kept() {
        let schema = json_object(
            r#"{"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":20,"multipleOf":5}"#,
        );
        let mut runner = runner();
        let strategy = values(&schema);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            seen.insert(value.as_i64().unwrap());
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [5, 10, 15]);
    }

    fn json_object(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }
}
