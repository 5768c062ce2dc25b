//! The official schema cut into units that each compile on first use, and against which each
//! reference target of the document is validated once.
//!
//! A document names the same component through many `$ref`s (a message from its channel, from
//! each operation and from `components`), and its resolved form repeats the component at every
//! one of them: validating it checks the same value against the same definition again and again.
//! Draft-07 validation of a value against a sub-schema does not depend on where the value sits,
//! so a verdict found once holds at every other place.
//!
//! Here every `$ref` to a *unit* definition is replaced by a keyword ([`KEYWORD`]) that looks the
//! verdict up per (definition, node) in the view's memo ([`View::once`]) and otherwise validates
//! the node with the unit's own validator. The units are
//! - the objects a `$ref` in a document may stand for (the alternatives to a Reference Object:
//!   channels, messages, schemas, parameters, servers, ...), and
//! - the definitions needed only when a document takes a branch of a condition (the bindings of
//!   each protocol version, the multi-format schema), which are often big and rarely all used.
//!
//! A unit compiles when a document first reaches it, so a document without Kafka bindings never
//! compiles them. The cut schema gives only a verdict: errors are explained with the whole schema
//! ([`super::official::view_validator`]), compiled only for a document that is not valid.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use jsonschema::{Draft, Keyword, Registry, ValidationError, Validator};
use serde_json::{json, Map, Value};

use super::view::{Located, View};

/// The keyword that stands for a `$ref` to a unit in the cut schema (value: the unit's number).
const KEYWORD: &str = "x-mqttgen-unit";

/// Where the cut schema is registered, for the units' `$ref`s into it.
const BASE: &str = "urn:mqttgen:asyncapi";

/// The cut schema of one AsyncAPI version.
pub(crate) struct Units {
    registry: Registry<'static>,
    /// The `$ref` of each unit (`#/definitions/channel`); unit 0 is the whole schema (`#`).
    refs: Vec<String>,
    compiled: Vec<OnceLock<Option<Validator<Located>>>>,
}

impl Units {
    /// The units of `schema` (the official schema, prepared); `None` when it cannot be registered.
    pub(crate) fn new(mut schema: Value) -> Option<Units> {
        let names = unit_names(&schema);
        let mut refs = vec!["#".to_string()];
        refs.extend(names.iter().map(|name| format!("#/definitions/{name}")));
        let numbers: HashMap<&str, usize> = refs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        cut(&mut schema, &numbers);
        let registry = Registry::new()
            .draft(Draft::Draft7)
            .add(BASE, schema)
            .ok()?
            .prepare()
            .ok()?;
        let compiled = refs.iter().map(|_| OnceLock::new()).collect();
        Some(Units {
            registry,
            refs,
            compiled,
        })
    }

    /// Whether the document seen through `doc` is valid; `None` when the schema does not compile.
    pub(crate) fn is_valid(&'static self, doc: View<'_>) -> Option<bool> {
        Some(self.validator(0)?.is_valid(doc))
    }

    /// Compiles the whole schema's own unit (not the units it reaches, which compile when a
    /// document first reaches them); true when it compiles.
    pub(crate) fn compile_root(&'static self) -> bool {
        self.validator(0).is_some()
    }

    /// How many units there are, the whole schema included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.refs.len()
    }

    /// The validator of unit `unit`, compiled on first use.
    pub(crate) fn validator(&'static self, unit: usize) -> Option<&'static Validator<Located>> {
        self.compiled[unit]
            .get_or_init(|| self.compile(unit))
            .as_ref()
    }

    fn compile(&'static self, unit: usize) -> Option<Validator<Located>> {
        let target = format!("{BASE}{}", self.refs[unit]);
        jsonschema::options_for::<Located>()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .with_registry(&self.registry)
            .with_keyword(KEYWORD, move |_: &Map<String, Value>, value: &Value, _| {
                let unit = value
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|&n| n > 0 && n < self.refs.len())
                    .ok_or_else(|| ValidationError::custom("no such unit"))?;
                let keyword: Box<dyn for<'i> Keyword<'i, Located>> =
                    Box::new(UnitRef { units: self, unit });
                Ok(keyword)
            })
            .build(&json!({ "$ref": target }))
            .ok()
    }
}

/// A `$ref` to a unit: the node's verdict against the unit, found once per node.
struct UnitRef {
    units: &'static Units,
    unit: usize,
}

impl<'i> Keyword<'i, Located> for UnitRef {
    fn validate(&self, instance: View<'i>) -> Result<(), ValidationError<'i>> {
        if Keyword::is_valid(self, instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!(
                "not valid against {}",
                self.units.refs[self.unit]
            )))
        }
    }

    fn is_valid(&self, instance: View<'i>) -> bool {
        instance.once(self.unit, || {
            // A unit that does not compile gives no verdict of its own: the document is then
            // checked with the whole schema, which does.
            self.units
                .validator(self.unit)
                .is_some_and(|validator| validator.is_valid(instance))
        })
    }
}

/// The definitions of `schema` that are units, in name order: those a document's `$ref` may
/// stand for (offered beside a Reference Object by a `oneOf`/`anyOf`, or accepting one themselves)
/// and those needed only when a document takes a branch (the `then`/`else` of a condition).
fn unit_names(schema: &Value) -> Vec<String> {
    let Some(definitions) = schema.get("definitions").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut names = HashSet::new();
    collect_units(schema, &mut names);
    for (name, body) in definitions {
        let accepts_reference = ["oneOf", "anyOf"].iter().any(|keyword| {
            body.get(keyword)
                .and_then(Value::as_array)
                .is_some_and(|items| items.iter().any(is_reference))
        });
        if accepts_reference {
            names.insert(name.as_str());
        }
    }
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|name| definitions.contains_key(*name))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// The definition a schema that is only a local `$ref` names (`{"$ref": "#/definitions/x"}` → `x`).
fn definition_ref(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
        .filter(|name| !name.contains(['/', '~', '%']))
}

/// True for a `$ref` to the Reference Object.
fn is_reference(schema: &Value) -> bool {
    definition_ref(schema) == Some("Reference")
}

/// Adds the units ([`unit_names`]) that `schema` and the schemas below it name.
fn collect_units<'s>(schema: &'s Value, names: &mut HashSet<&'s str>) {
    let Value::Object(members) = schema else {
        return;
    };
    for keyword in ["oneOf", "anyOf"] {
        if let Some(items) = members.get(keyword).and_then(Value::as_array) {
            if items.iter().any(is_reference) {
                names.extend(items.iter().filter_map(definition_ref));
            }
        }
    }
    for keyword in ["then", "else"] {
        if let Some(name) = members.get(keyword).and_then(definition_ref) {
            names.insert(name);
        }
    }
    names.remove("Reference");
    for_each_subschema(schema, &mut |sub| collect_units(sub, names));
}

/// How a draft-07 keyword holds schemas: a map of them, a list of them, or one (data such as
/// `enum`, `const`, `default` and `examples` holds none).
enum Holds {
    Map,
    List,
    One,
    Nothing,
}

/// What the keyword `keyword` with the value `value` holds.
fn holds(keyword: &str, value: &Value) -> Holds {
    match (keyword, value) {
        ("properties" | "patternProperties" | "definitions" | "dependencies", Value::Object(_)) => {
            Holds::Map
        }
        ("allOf" | "anyOf" | "oneOf" | "items", Value::Array(_)) => Holds::List,
        (
            "additionalProperties"
            | "items"
            | "additionalItems"
            | "contains"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else",
            _,
        ) => Holds::One,
        _ => Holds::Nothing,
    }
}

/// Calls `f` on each schema directly below `schema`.
fn for_each_subschema<'s>(schema: &'s Value, f: &mut impl FnMut(&'s Value)) {
    let Value::Object(members) = schema else {
        return;
    };
    for (keyword, value) in members {
        match (holds(keyword, value), value) {
            (Holds::Map, Value::Object(map)) => map.values().for_each(&mut *f),
            (Holds::List, Value::Array(items)) => items.iter().for_each(&mut *f),
            (Holds::One, _) => f(value),
            _ => {}
        }
    }
}

/// [`for_each_subschema`], changing them.
fn for_each_subschema_mut(schema: &mut Value, f: &mut impl FnMut(&mut Value)) {
    let Value::Object(members) = schema else {
        return;
    };
    for (keyword, value) in members.iter_mut() {
        match (holds(keyword, value), value) {
            (Holds::Map, Value::Object(map)) => map.values_mut().for_each(&mut *f),
            (Holds::List, Value::Array(items)) => items.iter_mut().for_each(&mut *f),
            (Holds::One, value) => f(value),
            _ => {}
        }
    }
}

/// Replaces every `$ref` to a unit in `schema` by [`KEYWORD`] with the unit's number. In draft-07
/// a `$ref` ignores the keywords beside it, so the whole sub-schema is replaced.
fn cut(schema: &mut Value, units: &HashMap<&str, usize>) {
    let unit = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| units.get(r))
        .filter(|&&n| n > 0);
    if let Some(&unit) = unit {
        *schema = json!({ KEYWORD: unit });
        return;
    }
    for_each_subschema_mut(schema, &mut |sub| cut(sub, units));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::structure::official;

    #[test]
    fn every_version_has_units_and_its_whole_schema_compiles() {
        for version in official::versions() {
            let units = official::units(version).expect("registers");
            let named = |name: &str| units.refs.contains(&format!("#/definitions/{name}"));
            if version.starts_with('2') {
                assert!(named("message") && named("parameter"), "{version}");
            } else {
                for name in [
                    "channel",
                    "messageObject",
                    "schema",
                    "bindings-mqtt-0.2.0-server",
                ] {
                    assert!(named(name), "{version}: {name}");
                }
                assert!(!named("json-schema-draft-07-schema"), "{version}");
            }
            assert!(units.compile_root(), "{version}");
            for unit in 1..units.len() {
                assert!(
                    units.validator(unit).is_some(),
                    "{version} {}",
                    units.refs[unit]
                );
            }
        }
    }

    #[test]
    fn the_objects_a_reference_may_stand_for_are_units() {
        let schema = json!({
            "properties": {"a": {"oneOf": [{"$ref": "#/definitions/Reference"}, {"$ref": "#/definitions/small"}]}},
            "definitions": {"Reference": {"type": "object"}, "small": {"type": "object"}, "other": {"type": "string"}}
        });
        assert_eq!(unit_names(&schema), ["small"]);
        let mut cut_schema = schema.clone();
        let numbers = HashMap::from([("#", 0), ("#/definitions/small", 1)]);
        cut(&mut cut_schema, &numbers);
        assert_eq!(
            cut_schema["properties"]["a"]["oneOf"],
            json!([{"$ref": "#/definitions/Reference"}, {KEYWORD: 1}])
        );
    }
}
