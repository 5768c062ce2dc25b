//! Payload and headers types from the JSON Schemas of a
//! [`Document`](crate::model::Document) (issue #4).
//!
//! [`generate_types`] is pure: a document in, tokens and facts out, no I/O. Stages, one module
//! each:
//! 1. [`resolver`] bundles every referenced schema and every inline payload/headers schema into
//!    one list of uniquely named definitions (names from [`names`]);
//! 2. [`preprocess`] rewrites each schema into what typify handles (its table lists every rule);
//! 3. [`typify_engine`] runs typify (pinned `=0.8.0`), turning panics and errors into warnings and
//!    falling back to `serde_json::Value` per schema; large bundles run as several independent
//!    [`groups`] (on threads in the pipeline), whose shared modules (`defaults`, `error`,
//!    `constraints`) are emitted once after all types;
//! 4. [`postprocess`] gives variants and fields readable, distinct names, keeps timestamp
//!    offsets, names integer-enum values, and adds the decoding checks of [`constraints`];
//! 5. [`examples`] turns message examples into round-trip tests.
//!
//! Around the stages, one module per job: `settings` ([`TypeSettings`]), `plan` (the stages in
//! order: [`TypeNames`], [`TypePlan`], [`generate_types`]), `run` (one group: [`GroupTypes`]),
//! `shared` (merging the groups' shared modules: [`SharedParts`]), `results`
//! ([`GeneratedTypes`], [`MessageTypes`], [`PayloadType`]), [`dependencies`] (the generated
//! crate's `Cargo.toml` entries) and `render` (the module file, [`render_module`]; formatting is
//! [`crate::printing`]'s).
//!
//! # Placing the output
//! [`GeneratedTypes::file`] is a module body: it starts with inner attributes (`#![allow]`), so
//! it must be the whole body of a module, e.g. `pub mod types { ... }`, or a file of its own. It is
//! kept as a `syn::File` so that it is parsed once and printed without a second parse.
//! [`GeneratedTypes::example_tests`] goes into the same module (it refers to `super::<Type>`).
//! Every path in the output is fully qualified (`::serde::Deserialize`, `::std::string::String`),
//! so nothing depends on the user's imports. Type names never shadow the prelude (`Result` →
//! `ResultType`, see [`names`]).
//!
//! # Names
//! Definitions are named as [`resolver`] describes (component schemas first, then
//! `<Message>Payload` / `<Message>Headers`). Inline types are named by their `title`, else by
//! where they sit (`<Parent><Property>`, `<Parent>Item`, `<Parent>Variant<n>`); every name is
//! unique in the module (later claimants get `2`, `3`, ...), so two inline schemas never share
//! a type. Names are ASCII UpperCamelCase; fields are ASCII snake_case with `#[serde(rename)]`
//! keeping the wire name; the same input always gives the same names.
//!
//! # Wire forms
//! - Integers are sized from `minimum`/`maximum` (`0..=100` → `u8`, `-5..=1000` → `i16`,
//!   `minimum: 0` → `u64`, `minimum: 1` → `NonZeroU64`-style; otherwise `i64`); `format: int32`
//!   etc. are honoured. Numbers are `f64` (`f32` for `format: float`).
//! - Integer enums are newtypes over the integer whose `Deserialize`/`TryFrom` reject values
//!   outside the enum, with one constant per value (`Level::V2`): they travel as JSON numbers. String enums are Rust enums with
//!   `#[serde(rename)]` per value, so `""`, `"true"`, `V1.0`, `°C`, `ui-mode` all round-trip.
//! - A required property that may be `null` is `Option<T>` that is always serialised (`null`);
//!   an optional property is `Option<T>` skipped when `None`.
//! - `additionalProperties: <schema>` next to `properties` is a `#[serde(flatten)]` map of the
//!   extra members; alone it is a map; `false` denies unknown members.
//! - `oneOf`/`anyOf` whose variants each have a constant property (`const`, a one-value `enum`,
//!   or an AsyncAPI/OpenAPI `discriminator`, with or without `mapping`) is an internally tagged
//!   enum (`#[serde(tag = "...")]`); other unions are `#[serde(untagged)]` enums, decoded by
//!   trying the variants in order (first match wins). `allOf` is merged into one struct.
//! - Tuples (`items: [..]`, `prefixItems`) are Rust tuples when the schema pins their length
//!   (else `Vec<serde_json::Value>`); recursive types are boxed; `default`s fill missing members
//!   on decoding.
//! - Every Rust type accepts every value its schema accepts (a JSON payload's schema check
//!   enforces the rest): a schema without `type` whose keywords apply to some kinds only is an
//!   untagged enum of every JSON kind with the typed form shaped by its keywords; an
//!   integer-valued number (`1.0`) decodes into integer types (`mqttgen::schema`);
//!   `patternProperties` keeps unknown members; an `anyOf`/`oneOf` that only refines the
//!   schema's own `type` does not shape the Rust type.
//! - Formats: `date-time` → `chrono::DateTime<FixedOffset>`, `date` → `chrono::NaiveDate`,
//!   `uuid` → `uuid::Uuid`, `ipv4`/`ipv6` → `std::net::Ipv4Addr`/`Ipv6Addr`. `time`, `uri`,
//!   `email` and `hostname` stay `String`: chrono's `NaiveTime` rejects RFC 3339 offsets and
//!   `url::Url` rewrites what it parses, so neither would give back the bytes that were sent.
//!
//! # Constraints enforced on decoding and construction
//! - On decoding and on construction (`TryFrom`/`FromStr` of validating newtypes): `pattern`,
//!   `minLength`, `maxLength`, string and integer enum membership, integer width and
//!   `minimum: 1` (the chosen integer type), tuple and fixed-size array lengths.
//! - On decoding only ([`constraints`]; fields keep plain types, so a struct literal is not
//!   checked): `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf` on
//!   numbers, and `minItems`, `maxItems`, `uniqueItems` on lists — for struct members and
//!   newtype definitions (not for members of enum variants).
//! - Always: required members, `additionalProperties: false`, the JSON type of every member;
//!   structs read JSON objects only, never arrays ([`objects`]).
//! - `pattern` runs in linear time on `regex` (translated from ECMA-262), or on `regress` for
//!   backreferences and lookaround, after the input is bounded ([`patterns`]).
//! - Not enforced (listed in the type's rustdoc and warned by `mqttgen check`, see
//!   [`preprocess::NOT_ENFORCED`]): `minProperties`/`maxProperties`, `not`, `if`/`then`/`else`,
//!   `contains`, `propertyNames`, `dependencies`, `patternProperties`, and limits inside enum
//!   variants or list items.
//!
//! # Payloads that are not JSON
//! See [`payload`]: non-JSON-Schema formats (Avro, Protobuf) and binary content types are
//! [`PayloadType::Bytes`] (with a warning), `text/*` is [`PayloadType::Text`] (or
//! [`PayloadType::TextValue`] for an enum, integer, number or boolean schema), a message without
//! payload is [`PayloadType::Empty`].

mod compact;
pub mod constraints;
pub mod dependencies;
pub mod examples;
pub mod groups;
pub mod names;
pub mod objects;
pub mod patterns;
pub mod payload;
mod plan;
pub mod postprocess;
pub mod preprocess;
mod render;
pub mod resolver;
mod results;
mod run;
mod serde_attrs;
mod settings;
mod shared;
mod str_enums;
mod structs;
pub mod typify_engine;

pub use crate::printing::{format_file, format_tokens};
pub use dependencies::{CrateDependency, CrateUses};
pub use plan::{generate_types, name_types, plan_types, TypeNames, TypePlan};
pub(crate) use render::module_attributes;
pub use render::render_module;
pub use results::{GeneratedTypes, MessageTypes, PayloadType};
pub use run::GroupTypes;
pub use settings::TypeSettings;
pub use shared::SharedParts;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Document;
    use crate::model::{Message, MessageExample, NodeId, Schema, SchemaSlot};
    use serde_json::{json, Value};

    fn slot(schema: Value) -> Option<SchemaSlot> {
        Some(SchemaSlot {
            schema_format: "application/vnd.aai.asyncapi+json;version=3.0.0".into(),
            is_json_schema: true,
            schema,
            node: NodeId::default(),
        })
    }

    fn component(doc: &mut Document, name: &str, value: Value) {
        doc.schemas.insert(
            NodeId {
                file: 0,
                pointer: format!("/components/schemas/{name}"),
            },
            Schema {
                name_hint: name.into(),
                value,
            },
        );
    }

    fn document() -> Document {
        let mut doc = Document::default();
        component(
            &mut doc,
            "lightPayload",
            json!({"type": "object", "properties": {"lux": {"type": "integer", "minimum": 0}}}),
        );
        component(&mut doc, "getclaimedaddress", json!({"type": "string"}));
        component(&mut doc, "getClaimedAddress", json!({"type": "integer"}));
        component(
            &mut doc,
            "Result",
            json!({"type": "object", "properties": {"Name": {"type": "string"}, "name": {"type": "integer"}}}),
        );
        doc.messages = vec![
            Message {
                name: "lightMeasured".into(),
                payload: slot(json!({"$ref": "0#/components/schemas/lightPayload"})),
                examples: vec![MessageExample {
                    payload: Some(json!({"lux": 3})),
                    ..Default::default()
                }],
                ..Default::default()
            },
            Message {
                name: "light".into(),
                payload: slot(json!({"type": "object", "properties": {"on": {"type": "boolean"}}})),
                headers: slot(
                    json!({"type": "object", "properties": {"qos": {"type": "integer"}}}),
                ),
                ..Default::default()
            },
            Message {
                name: "result".into(),
                payload: slot(json!({"$ref": "0#/components/schemas/Result"})),
                ..Default::default()
            },
            Message {
                name: "dangling".into(),
                payload: slot(
                    json!({"type": "object", "properties": {"x": {"$ref": "0#/components/schemas/missing"}}}),
                ),
                ..Default::default()
            },
        ];
        doc
    }

    #[test]
    fn messages_get_stable_distinct_names() {
        let doc = document();
        let out = generate_types(&doc, &TypeSettings::default());
        let names: Vec<String> = out
            .messages
            .iter()
            .map(|m| match &m.payload {
                PayloadType::Json(ident) => ident.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        // A referenced component is one type; the inline payload of `light` does not take the
        // component's name; `Result` does not shadow the prelude.
        assert_eq!(
            names,
            [
                "LightPayload",
                "LightPayload2",
                "ResultType",
                "DanglingPayload"
            ]
        );
        assert_eq!(
            out.messages[1].headers.as_ref().unwrap().to_string(),
            "LightHeaders"
        );
        let text = format_tokens(out.tokens()).unwrap();
        assert!(text.contains("pub struct GetClaimedAddress("), "{text}");
        assert!(text.contains("pub struct Getclaimedaddress2("), "{text}");
        assert!(out
            .diagnostics
            .iter()
            .any(|d| d.code == "type-ref-unresolved"));
        // Stable across runs.
        let again = generate_types(&doc, &TypeSettings::default());
        assert_eq!(again.tokens().to_string(), out.tokens().to_string());
        assert!(!out.example_tests.is_empty());
        assert!(format_tokens(out.example_tests).is_ok());
    }

    #[test]
    fn odd_schemas_never_panic_and_always_parse() {
        // Shared with the end-to-end harness, which also compiles the generated types.
        let odd: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../tests/fixtures/odd-schemas.json"))
                .expect("fixture is JSON");
        let mut doc = Document::default();
        for (i, schema) in odd.iter().enumerate() {
            doc.messages.push(Message {
                name: format!("odd{i}"),
                payload: slot(schema.clone()),
                ..Default::default()
            });
        }
        let out = generate_types(&doc, &TypeSettings::default());
        assert_eq!(out.messages.len(), odd.len());
        format_tokens(out.tokens()).expect("always valid Rust");
    }
}

#[cfg(test)]
mod group_tests {
    use super::*;
    use quote::ToTokens;

    /// Every item as text, modules flattened into their items, sorted: what the module holds
    /// whatever the order.
    fn item_texts(items: &[syn::Item], prefix: &str, out: &mut Vec<String>) {
        for item in items {
            match item {
                syn::Item::Mod(module) if module.content.is_some() => {
                    let name = format!("{prefix}{}::", module.ident);
                    item_texts(&module.content.as_ref().unwrap().1, &name, out);
                }
                other => out.push(format!("{prefix}{}", other.to_token_stream())),
            }
        }
    }

    fn contents(types: &GeneratedTypes) -> (Vec<String>, Vec<String>) {
        let mut items = Vec::new();
        item_texts(&types.file.items, "", &mut items);
        items.sort();
        let mut diagnostics: Vec<String> =
            types.diagnostics.iter().map(|d| format!("{d:?}")).collect();
        diagnostics.sort();
        (items, diagnostics)
    }

    #[test]
    fn types_generated_in_groups_are_the_types_generated_at_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let at_once = TypeSettings {
            max_groups: 1,
            ..TypeSettings::default()
        };
        let in_groups = TypeSettings {
            group_size: 1,
            max_groups: 2,
            ..TypeSettings::default()
        };
        for spec in [
            "specs/payload-types.yaml",
            "specs/streetlights.yaml",
            "specs/device-config.yaml",
        ] {
            let doc = crate::spec::load_file(&root.join(spec))
                .document
                .expect("our specs load");
            let plan = plan_types(&doc);
            assert_eq!(plan.groups(&in_groups).len(), 2, "{spec} splits");
            let whole = plan.generate(&doc, &at_once);
            let split = plan.generate(&doc, &in_groups);
            assert_eq!(contents(&whole), contents(&split), "{spec}");
            assert_eq!(whole.dependencies, split.dependencies, "{spec}");
        }
    }
}
