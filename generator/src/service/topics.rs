//! The topic plan of a channel: which fields its parameters struct has and how each address level is
//! built, matched and parsed. Pure analysis of the model; [`super::params`] turns it into code.
//!
//! Anonymous wildcards written in an address are captured, not dropped, so that a topic can always be
//! rebuilt from the struct (publishing to a wildcard is impossible): a `+` level becomes a `String`
//! field named `level_{n}` (n = zero-based level index) and a trailing `#` becomes a `tail` field holding
//! the remaining levels joined by `/` (empty when the topic ends at the parent level).

use serde_json::Value;

use super::names::{self, Scope};
use crate::diagnostics::Diagnostic;
use crate::model::{Address, Channel, Document, Level, LevelPart, Parameter};

/// The Rust type of one topic field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `String` (schemaless, `type: string` without enum, anonymous `+`).
    Text,
    /// An integer (`type: integer`), sized as payload integers are.
    Integer(IntegerKind),
    /// `f64` (`type: number`).
    Number,
    /// `bool` (`type: boolean`).
    Boolean,
    /// A generated enum, index into [`TopicPlans::enums`].
    Enum(usize),
    /// The rest of the topic after a trailing `#` (may contain `/`).
    Tail,
}

/// The Rust type and the checked range of an integer topic parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegerKind {
    /// The Rust integer type (`u8`, `i64`, ...), chosen as for payloads (see
    /// [`crate::types::preprocess::integer_type`]).
    pub rust: &'static str,
    /// The smallest allowed value, when it is above the type's minimum.
    pub min: Option<i128>,
    /// The largest allowed value, when it is below the type's maximum.
    pub max: Option<i128>,
}

impl IntegerKind {
    /// The kind for an integer parameter with `schema`: sized from `format`/`minimum`/`maximum`,
    /// checked against the bounds the type does not already enforce.
    pub fn of(schema: &Value) -> IntegerKind {
        let rust = crate::types::preprocess::integer_type(schema);
        let (type_min, type_max) = integer_range(rust);
        let bound = |inclusive: &str, exclusive: &str, up: bool| -> Option<i128> {
            let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
            let exclusive = match schema.get(exclusive) {
                Some(Value::Bool(true)) => {
                    bound(inclusive).map(|b| if up { b + 1.0 } else { b - 1.0 })
                }
                Some(Value::Number(_)) => {
                    bound(exclusive).map(|b| if up { b.floor() + 1.0 } else { b.ceil() - 1.0 })
                }
                _ => None,
            };
            let inclusive = bound(inclusive).map(|b| if up { b.ceil() } else { b.floor() });
            let value = match (inclusive, exclusive) {
                (Some(a), Some(b)) => Some(if up { a.max(b) } else { a.min(b) }),
                (a, b) => a.or(b),
            }?;
            Some(value.clamp(-1e30, 1e30) as i128)
        };
        let min = bound("minimum", "exclusiveMinimum", true).filter(|&min| min > type_min);
        let max = bound("maximum", "exclusiveMaximum", false).filter(|&max| max < type_max);
        IntegerKind { rust, min, max }
    }

    /// What a valid value is, for error messages: `an integer from 1 to 200` (`an integer` for
    /// an unbounded `i64`).
    pub fn expected(&self) -> String {
        if self.rust == "i64" && self.min.is_none() && self.max.is_none() {
            return "an integer".to_string();
        }
        let (type_min, type_max) = integer_range(self.rust);
        let min = self.min.unwrap_or(type_min);
        let max = self.max.unwrap_or(type_max);
        format!("an integer from {min} to {max}")
    }
}

/// The range of a Rust integer type named by [`crate::types::preprocess::integer_type`].
fn integer_range(rust: &str) -> (i128, i128) {
    match rust {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

/// One field of a parameters struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// Rust field name (snake case, unique in the struct).
    pub rust: String,
    /// The name used in error messages: the parameter name, or `+ (level n)` / `#`.
    pub wire: String,
    /// Field type.
    pub kind: FieldKind,
    /// Rustdoc.
    pub doc: Option<String>,
}

/// The plan for one channel with an address.
#[derive(Clone, Debug)]
pub struct TopicPlan {
    /// The address as written in the spec.
    pub address: String,
    /// Fields of the parameters struct, in address order; empty for a fixed topic.
    pub fields: Vec<Field>,
    /// Parameters struct name when there are fields.
    pub params_type: Option<String>,
    /// Const name for a fixed topic (`LIGHTING_MEASURED_TOPIC`).
    pub const_name: String,
    /// The subscription filter: literals as written, `+` for every field level.
    pub filter: String,
}

impl TopicPlan {
    /// True when the topic is fixed (no parameters, no wildcards).
    pub fn is_fixed(&self) -> bool {
        self.fields.is_empty()
    }
}

/// An enum generated for a parameter with allowed values.
#[derive(Clone, Debug)]
pub struct ParamEnum {
    /// Type name.
    pub name: String,
    /// Parameter name as written (for docs).
    pub param: String,
    /// (variant name, wire value) in spec order.
    pub variants: Vec<(String, String)>,
    /// Index of the default variant, from the parameter's `default`.
    pub default: Option<usize>,
    /// Rustdoc.
    pub doc: Option<String>,
}

/// Topic plans of all channels plus the parameter enums they share.
#[derive(Clone, Debug, Default)]
pub struct TopicPlans {
    /// Per channel of [`Document::channels`]; `None` when the channel has no address.
    pub topics: Vec<Option<TopicPlan>>,
    /// Parameter enums, deduplicated by (parameter name, allowed values).
    pub enums: Vec<ParamEnum>,
}

/// A short, readable base name for a channel: its id in 3.x; in 2.x (where the id is the address) the
/// last two literal, non-numeric levels (`.../event/{id}/lighting/measured` → `lightingMeasured`).
pub fn channel_base_name(channel: &Channel) -> String {
    if !channel.id.contains('/') {
        return channel.id.clone();
    }
    let literals: Vec<&str> = channel
        .id
        .split('/')
        .filter(|level| {
            !level.is_empty()
                && !level.contains('{')
                && *level != "+"
                && *level != "#"
                && !level.chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    let start = literals.len().saturating_sub(2);
    let joined = literals[start..].join(" ");
    if joined.is_empty() {
        channel.id.clone()
    } else {
        joined
    }
}

/// Plans every channel's topic code. `scope` is the module's type-name scope (shared with the other
/// generated items so names never collide).
pub fn plan_topics(
    doc: &Document,
    scope: &mut Scope,
    diagnostics: &mut Vec<Diagnostic>,
) -> TopicPlans {
    let mut plans = TopicPlans::default();
    let mut consts = Scope::default();
    for channel in &doc.channels {
        let plan = channel.address.as_ref().map(|address| {
            plan_channel(
                doc,
                channel,
                address,
                scope,
                &mut consts,
                &mut plans.enums,
                diagnostics,
            )
        });
        plans.topics.push(plan);
    }
    plans
}

fn plan_channel(
    doc: &Document,
    channel: &Channel,
    address: &Address,
    scope: &mut Scope,
    consts: &mut Scope,
    enums: &mut Vec<ParamEnum>,
    diagnostics: &mut Vec<Diagnostic>,
) -> TopicPlan {
    let base = channel_base_name(channel);
    let mut fields: Vec<Field> = Vec::new();
    let mut field_names = Scope::default();
    let mut preclaimed = std::collections::BTreeSet::new();
    // Parameter names that already are their field name claim it first (`{a}` wins `a` over `{A}`).
    for level in &address.levels {
        let parts: &[LevelPart] = match level {
            Level::Mixed(parts) => parts,
            _ => &[],
        };
        let single = match level {
            Level::Parameter(name) => Some(name.as_str()),
            _ => None,
        };
        let names_here = single
            .into_iter()
            .chain(parts.iter().filter_map(|part| match part {
                LevelPart::Parameter(name) => Some(name.as_str()),
                LevelPart::Literal(_) => None,
            }));
        for name in names_here {
            if names::snake(name) == name && !field_names.contains(name) {
                field_names.claim_snake(name);
                preclaimed.insert(name.to_string());
            }
        }
    }
    let mut add_param = |name: &str, fields: &mut Vec<Field>, field_names: &mut Scope| -> usize {
        let parameter = channel.parameters.iter().find(|p| p.name == name);
        let kind = parameter
            .map(|p| param_kind(doc, p, scope, enums, diagnostics, channel))
            .unwrap_or(FieldKind::Text);
        fields.push(Field {
            rust: if preclaimed.remove(name) {
                name.to_string()
            } else {
                field_names.claim_snake(&names::snake(name))
            },
            wire: name.to_string(),
            kind,
            doc: parameter.and_then(|p| p.description.clone()),
        });
        fields.len() - 1
    };
    for (index, level) in address.levels.iter().enumerate() {
        match level {
            Level::Literal(_) => {}
            Level::Parameter(name) => {
                add_param(name, &mut fields, &mut field_names);
            }
            Level::Mixed(parts) => {
                for part in parts {
                    if let LevelPart::Parameter(name) = part {
                        add_param(name, &mut fields, &mut field_names);
                    }
                }
            }
            Level::AnySingle => {
                fields.push(Field {
                    rust: field_names.claim_snake(&format!("level_{index}")),
                    wire: format!("+ (level {index})"),
                    kind: FieldKind::Text,
                    doc: Some(format!(
                        "The topic level matched by the anonymous `+` at level {index} of the address."
                    )),
                });
            }
            Level::AnyMulti => {
                fields.push(Field {
                    rust: field_names.claim_snake("tail"),
                    wire: "#".to_string(),
                    kind: FieldKind::Tail,
                    doc: Some(
                        "The levels matched by the trailing `#`, joined by `/` (empty when the topic \
                         ends at the parent level)."
                            .to_string(),
                    ),
                });
            }
        }
    }
    let params_type =
        (!fields.is_empty()).then(|| scope.claim(&names::camel(&format!("{base} params"))));
    TopicPlan {
        address: address.raw.clone(),
        fields,
        params_type,
        const_name: consts.claim_snake(&names::shouty(&format!("{base} topic"))),
        filter: address.filter(),
    }
}

/// Resolves a top-level `$ref` of a parameter schema against [`Document::schemas`].
fn resolve<'a>(doc: &'a Document, schema: &'a Value) -> &'a Value {
    let target = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(crate::model::NodeId::parse)
        .and_then(|id| doc.schemas.get(&id));
    match target {
        Some(target) => &target.value,
        None => schema,
    }
}

fn param_kind(
    doc: &Document,
    parameter: &Parameter,
    scope: &mut Scope,
    enums: &mut Vec<ParamEnum>,
    diagnostics: &mut Vec<Diagnostic>,
    channel: &Channel,
) -> FieldKind {
    let schema = parameter.schema.as_ref().map(|schema| resolve(doc, schema));
    let kind = schema
        .and_then(|schema| schema.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("string");
    let allowed: Vec<&str> = parameter.allowed.iter().filter_map(Value::as_str).collect();
    if !allowed.is_empty() && allowed.len() == parameter.allowed.len() {
        return FieldKind::Enum(param_enum(
            parameter,
            &allowed,
            scope,
            enums,
            diagnostics,
            channel,
        ));
    }
    match kind {
        "integer" => FieldKind::Integer(IntegerKind::of(schema.unwrap_or(&Value::Null))),
        "number" => FieldKind::Number,
        "boolean" => FieldKind::Boolean,
        _ => FieldKind::Text,
    }
}

fn param_enum(
    parameter: &Parameter,
    allowed: &[&str],
    scope: &mut Scope,
    enums: &mut Vec<ParamEnum>,
    diagnostics: &mut Vec<Diagnostic>,
    channel: &Channel,
) -> usize {
    let same = enums.iter().position(|existing| {
        existing.param == parameter.name
            && existing
                .variants
                .iter()
                .map(|(_, wire)| wire.as_str())
                .eq(allowed.iter().copied())
    });
    if let Some(index) = same {
        return index;
    }
    for value in allowed {
        if let Some(problem) = mqttgen_address::rules::param_value_problem(value) {
            diagnostics.push(
                Diagnostic::warning(
                    "param-enum-unpublishable",
                    Some(channel.node.clone()),
                    format!(
                        "allowed value {value:?} of parameter `{}` breaks a topic rule ({problem}); \
                         topics built with it are rejected at run time",
                        parameter.name
                    ),
                )
                .with_help("remove the value or change it to a plain topic level"),
            );
        }
    }
    let pairs: Vec<(&str, String)> = allowed
        .iter()
        .map(|value| (*value, names::camel(value)))
        .collect();
    let variants: Vec<(String, String)> = Scope::default()
        .claim_exact_first(&pairs, false)
        .into_iter()
        .zip(allowed.iter().map(|value| value.to_string()))
        .collect();
    let default = parameter
        .default
        .as_ref()
        .and_then(Value::as_str)
        .and_then(|default| allowed.iter().position(|value| *value == default));
    enums.push(ParamEnum {
        name: scope.claim(&names::camel(&parameter.name)),
        param: parameter.name.clone(),
        variants,
        default,
        doc: parameter.description.clone(),
    });
    enums.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans(yaml: &str) -> (TopicPlans, Vec<Diagnostic>) {
        let loaded = crate::spec::load_str(yaml, "test.yaml");
        let doc = loaded.document.expect("loads");
        let mut diagnostics = Vec::new();
        let plans = plan_topics(&doc, &mut Scope::default(), &mut diagnostics);
        (plans, diagnostics)
    }

    #[test]
    fn plans_fields_filters_and_route_addresses() {
        let (plans, _) = plans(
            "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  \
             speed:\n    address: 'fleet/{id}/v{major}.{minor}/+/#'\n  \
             fixed:\n    address: a/b\n",
        );
        let speed = plans.topics[0].as_ref().unwrap();
        assert_eq!(speed.params_type.as_deref(), Some("SpeedParams"));
        assert_eq!(speed.filter, "fleet/+/+/+/#");
        // The route carries the address as written; the runtime captures mixed levels itself.
        assert_eq!(speed.address, "fleet/{id}/v{major}.{minor}/+/#");
        let fields: Vec<&str> = speed.fields.iter().map(|f| f.rust.as_str()).collect();
        assert_eq!(fields, ["id", "major", "minor", "level_3", "tail"]);
        let fixed = plans.topics[1].as_ref().unwrap();
        assert!(fixed.is_fixed());
        assert_eq!(fixed.const_name, "FIXED_TOPIC");
    }

    #[test]
    fn shares_enums_and_warns_about_unpublishable_values() {
        let (plans, diagnostics) = plans(
            "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  \
             a:\n    address: 'x/{zone}'\n    parameters:\n      zone: {enum: [north, 'so/uth']}\n  \
             b:\n    address: 'y/{zone}'\n    parameters:\n      zone: {enum: [north, 'so/uth']}\n",
        );
        assert_eq!(
            plans.enums.len(),
            1,
            "same parameter, same values: one enum"
        );
        assert_eq!(plans.enums[0].name, "Zone");
        assert!(diagnostics
            .iter()
            .any(|d| d.code == "param-enum-unpublishable"));
    }

    #[test]
    fn integer_parameters_are_sized_and_bounded_like_payload_integers() {
        let kind = |schema: Value| IntegerKind::of(&schema);
        let unsigned = kind(serde_json::json!({"type": "integer", "minimum": 0}));
        assert_eq!(
            (unsigned.rust, unsigned.min, unsigned.max),
            ("u64", None, None)
        );
        let bounded = kind(serde_json::json!({"type": "integer", "minimum": 1, "maximum": 200}));
        assert_eq!(
            (bounded.rust, bounded.min, bounded.max),
            ("u8", Some(1), Some(200))
        );
        assert_eq!(bounded.expected(), "an integer from 1 to 200");
        let exclusive = kind(
            serde_json::json!({"type": "integer", "exclusiveMinimum": -3, "exclusiveMaximum": 100}),
        );
        assert_eq!(
            (exclusive.rust, exclusive.min, exclusive.max),
            ("i8", Some(-2), Some(99))
        );
        let plain = kind(serde_json::json!({"type": "integer"}));
        assert_eq!((plain.rust, plain.min, plain.max), ("i64", None, None));
        let format = kind(serde_json::json!({"type": "integer", "format": "int32"}));
        assert_eq!(format.rust, "i32");
    }

    #[test]
    fn names_2x_channels_by_their_last_literal_levels() {
        let channel = Channel {
            id: "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured".into(),
            ..Channel::default()
        };
        assert_eq!(channel_base_name(&channel), "lighting measured");
    }
}
