//! Payload and headers types from the JSON Schemas of a [`Document`] (issue #4).
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
//! - Tuples (`items: [..]`, `prefixItems`) are Rust tuples; recursive types are boxed; `default`s
//!   fill missing members on decoding.
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
pub mod examples;
pub mod groups;
pub mod names;
pub mod objects;
pub mod patterns;
pub mod payload;
pub mod postprocess;
pub mod preprocess;
pub mod resolver;
mod str_enums;
pub mod typify_engine;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::parse::Parser;

use crate::diagnostics::Diagnostic;
use crate::spec::model::Document;
use payload::PayloadKind;

/// Options for [`generate_types`].
#[derive(Clone, Debug)]
pub struct TypeSettings {
    /// Generate [`GeneratedTypes::example_tests`] from message examples (default `true`).
    pub example_tests: bool,
    /// Definitions per typify run: a bundle with fewer than twice this many is generated in
    /// one run, so its types come out in one name-sorted list (default 512). Smaller runs need
    /// less memory at once, and the pipeline runs them on two threads.
    pub group_size: usize,
    /// At most this many typify runs (default 8). Each run's types are name-sorted.
    pub max_groups: usize,
}

impl Default for TypeSettings {
    fn default() -> Self {
        TypeSettings {
            example_tests: true,
            group_size: 512,
            max_groups: 8,
        }
    }
}

/// Everything generated for a document's payloads and headers.
#[derive(Clone, Debug)]
pub struct GeneratedTypes {
    /// All type definitions, as a module body (see the module docs on placing it).
    pub file: syn::File,
    /// Per message, same index as [`Document::messages`].
    pub messages: Vec<MessageTypes>,
    /// The crates the generated code uses, for the generated `Cargo.toml`.
    pub dependencies: CrateUses,
    /// `#[cfg(test)] mod message_examples { ... }` (empty when there are no examples); goes into
    /// the same module as [`GeneratedTypes::tokens`].
    pub example_tests: TokenStream,
    /// Warnings (fallbacks to `serde_json::Value`, raw-byte payloads, unresolved refs).
    pub diagnostics: Vec<Diagnostic>,
}

/// The Rust types of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageTypes {
    /// How the payload is typed.
    pub payload: PayloadType,
    /// The headers type (an item of the types module), if the message declares headers.
    pub headers: Option<syn::Ident>,
    /// True when typify could not type the payload schema and it fell back to
    /// `serde_json::Value` (known only once the types are generated): such a payload accepts
    /// any JSON, so message selection tries it after the typed ones.
    pub untyped: bool,
}

/// How a payload is typed on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadType {
    /// JSON, decoded into this type (an item of the types module; refer to it as
    /// `types::#ident` from outside).
    Json(syn::Ident),
    /// UTF-8 text (`text/*` content types): `::std::string::String`.
    Text,
    /// A typed scalar (an enum, integer, number or boolean of the types module) carried as
    /// UTF-8 text (`text/*` content types with such a schema): `rebooting`, `42`, `true`.
    TextValue(syn::Ident),
    /// Raw bytes: non-JSON-Schema formats (Avro, Protobuf, ...) and binary content types.
    Bytes,
    /// No payload declared.
    Empty,
}

/// Which optional crates the generated code uses (`serde` and `serde_json` always).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrateUses {
    /// `chrono` (`date-time`, `date`).
    pub chrono: bool,
    /// `uuid` (`format: uuid`).
    pub uuid: bool,
    /// `regress` (`pattern`s that need backtracking).
    pub regress: bool,
    /// `regex` (`pattern`s, matched in linear time).
    pub regex: bool,
}

/// One dependency line of a generated `Cargo.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrateDependency {
    /// Crate name.
    pub name: &'static str,
    /// Version requirement.
    pub version: &'static str,
    /// Features to enable.
    pub features: &'static [&'static str],
}

impl CrateDependency {
    /// The `name = { version = "...", features = [...] }` line for `[dependencies]`.
    pub fn toml_line(&self) -> String {
        if self.features.is_empty() {
            format!("{} = \"{}\"", self.name, self.version)
        } else {
            let features: Vec<String> = self.features.iter().map(|f| format!("\"{f}\"")).collect();
            format!(
                "{} = {{ version = \"{}\", features = [{}] }}",
                self.name,
                self.version,
                features.join(", ")
            )
        }
    }
}

impl CrateUses {
    /// The crates either uses.
    pub fn union(self, other: CrateUses) -> CrateUses {
        CrateUses {
            chrono: self.chrono || other.chrono,
            uuid: self.uuid || other.uuid,
            regress: self.regress || other.regress,
            regex: self.regex || other.regex,
        }
    }

    /// The dependencies, `serde` and `serde_json` first, then only the optional crates used.
    pub fn dependencies(&self) -> Vec<CrateDependency> {
        let mut out = vec![
            CrateDependency {
                name: "serde",
                version: "1",
                features: &["derive"],
            },
            CrateDependency {
                name: "serde_json",
                version: "1",
                features: &[],
            },
        ];
        if self.chrono {
            out.push(CrateDependency {
                name: "chrono",
                version: "0.4",
                features: &["serde"],
            });
        }
        if self.uuid {
            out.push(CrateDependency {
                name: "uuid",
                version: "1",
                features: &["serde"],
            });
        }
        if self.regress {
            out.push(CrateDependency {
                name: "regress",
                version: "0.12",
                features: &[],
            });
        }
        if self.regex {
            out.push(CrateDependency {
                name: "regex",
                version: "1",
                features: &[],
            });
        }
        out
    }
}

impl GeneratedTypes {
    /// The module body as tokens (inner attributes first).
    pub fn tokens(&self) -> TokenStream {
        self.file.to_token_stream()
    }
}

/// Lints typify's output trips, allowed for the generated module only:
/// - `clippy::derivable_impls`, `clippy::large_enum_variant`, `clippy::enum_variant_names`,
///   `clippy::clone_on_copy`, `clippy::needless_lifetimes`, `clippy::doc_lazy_continuation`,
///   `clippy::to_string_trait_impl`, `clippy::redundant_closure_call`,
///   `clippy::upper_case_acronyms`, `clippy::too_many_arguments`: style of typify's templates
///   and of names that come from the document;
/// - `clippy::approx_constant`, `clippy::excessive_precision`: limits and defaults are the
///   document's numbers (a `maximum: 6.28` is not an approximation of τ to fix);
/// - `clippy::unwrap_used`-style restriction lints are not enabled by default and not listed.
pub(crate) fn module_attributes() -> Vec<syn::Attribute> {
    let tokens = quote! {
        #![allow(
            clippy::derivable_impls,
            clippy::large_enum_variant,
            clippy::enum_variant_names,
            clippy::clone_on_copy,
            clippy::needless_lifetimes,
            clippy::doc_lazy_continuation,
            clippy::to_string_trait_impl,
            clippy::redundant_closure_call,
            clippy::upper_case_acronyms,
            clippy::too_many_arguments,
            clippy::approx_constant,
            clippy::excessive_precision
        )]
    };
    syn::Attribute::parse_inner
        .parse2(tokens)
        .expect("the attribute list parses")
}

/// The first, cheap stage of [`generate_types`]: every schema bundled and named, so the Rust
/// names of each message's types ([`TypePlan::messages`]) are known before any type is generated.
/// It holds no syntax trees, so other threads can generate the types from it (a group each, see
/// [`groups`]) while this one generates the service code.
pub struct TypePlan {
    bundle: resolver::Bundle,
    checks: constraints::ConstraintTable,
}

/// Bundles and names the schemas of `doc` (stage 1 of the module docs).
pub fn plan_types(doc: &Document) -> TypePlan {
    name_types(doc).plan(doc)
}

/// The names of every type, before any schema is pre-processed: enough for the service code
/// ([`TypeNames::messages`]); [`TypeNames::plan`] finishes stage 1.
pub struct TypeNames<'a> {
    naming: resolver::Naming<'a>,
}

/// Names the types of `doc` (the cheap first half of stage 1).
pub fn name_types(doc: &Document) -> TypeNames<'_> {
    TypeNames {
        naming: resolver::name(doc),
    }
}

impl TypeNames<'_> {
    /// Per message (same index as [`Document::messages`]), how its payload and headers are typed.
    pub fn messages(&self) -> Vec<MessageTypes> {
        message_types(self.naming.messages())
    }

    /// Pre-processes the schemas: the [`TypePlan`] the types are generated from.
    pub fn plan(self, doc: &Document) -> TypePlan {
        let bundle = self.naming.bundle(doc);
        let checks = constraints::ConstraintTable::new(&bundle.constraints);
        TypePlan { bundle, checks }
    }
}

/// The error reported when generated types do not parse (a bug of ours or typify's).
fn invalid_types(error: &syn::Error) -> Diagnostic {
    Diagnostic::error(
        "codegen-invalid-rust",
        None,
        format!(
            "the payload types do not parse as Rust ({error}); please report this with the spec"
        ),
    )
}

fn message_types(slots: &[resolver::MessageSlots]) -> Vec<MessageTypes> {
    slots
        .iter()
        .map(|slots| MessageTypes {
            payload: match &slots.payload {
                PayloadKind::Json(name) => PayloadType::Json(format_ident!("{}", name)),
                PayloadKind::Text => PayloadType::Text,
                PayloadKind::TextValue(name) => PayloadType::TextValue(format_ident!("{}", name)),
                PayloadKind::Bytes => PayloadType::Bytes,
                PayloadKind::Empty => PayloadType::Empty,
            },
            headers: slots.headers.as_ref().map(|h| format_ident!("{}", h)),
            untyped: false,
        })
        .collect()
}

/// Generates the payload and headers types of `doc` (see the module docs).
pub fn generate_types(doc: &Document, settings: &TypeSettings) -> GeneratedTypes {
    plan_types(doc).generate(doc, settings)
}

/// The types of one group of definitions (see [`groups`]): typify's output, post-processed,
/// with the modules all groups share taken out.
pub struct GroupTypes {
    /// The group's types, their impls and integer-enum constants.
    pub items: Vec<syn::Item>,
    /// What the group adds to the shared modules.
    pub shared: SharedParts,
    /// Which optional crates the items use.
    pub uses: CrateUses,
    /// Fallbacks and other warnings of the group.
    pub diagnostics: Vec<Diagnostic>,
    /// Definitions of the group that fell back to `serde_json::Value`.
    pub fallbacks: Vec<String>,
}

/// A group's part of the modules every group shares (`defaults`, `error`, `constraints`), as
/// plain data so that it can leave the group's thread; [`TypePlan::shared_items`] builds the
/// modules from the parts of all groups.
#[derive(Clone, Debug, Default)]
pub struct SharedParts {
    /// typify's `error` module (the same in every group), as tokens.
    error_module: Option<String>,
    /// typify's default-value helpers: (name, tokens), in typify's order.
    defaults: Vec<(String, String)>,
    /// The numbers of the decoding checks the group's fields use.
    checks: std::collections::BTreeSet<usize>,
    /// Some pattern check reads the shared input limit (the `patterns` module).
    pattern_limit: bool,
    /// The structs that decode through the `objects` module.
    objects: Vec<String>,
}

impl SharedParts {
    /// Moves typify's `error` and `defaults` modules out of `file`.
    fn take_from(file: &mut syn::File, checks: std::collections::BTreeSet<usize>) -> SharedParts {
        let mut shared = SharedParts {
            checks,
            ..SharedParts::default()
        };
        file.items.retain_mut(|item| {
            let syn::Item::Mod(module) = item else {
                return true;
            };
            if module.ident == "error" {
                shared.error_module = Some(module.to_token_stream().to_string());
                false
            } else if module.ident == "defaults" {
                for inner in module
                    .content
                    .take()
                    .map(|(_, items)| items)
                    .unwrap_or_default()
                {
                    let tokens = inner.to_token_stream().to_string();
                    let name = match &inner {
                        syn::Item::Fn(function) => function.sig.ident.to_string(),
                        _ => tokens.clone(),
                    };
                    shared.defaults.push((name, tokens));
                }
                false
            } else {
                true
            }
        });
        shared
    }
}

impl TypePlan {
    /// Per message (same index as [`Document::messages`]), how its payload and headers are typed.
    pub fn messages(&self) -> Vec<MessageTypes> {
        message_types(&self.bundle.messages)
    }

    /// [`TypePlan::messages`] once the types are generated: payloads whose definition is one of
    /// `fallbacks` (typify could not type it) are marked [`MessageTypes::untyped`].
    pub fn messages_after(
        &self,
        fallbacks: &std::collections::BTreeSet<String>,
    ) -> Vec<MessageTypes> {
        let mut messages = self.messages();
        for (types, slots) in messages.iter_mut().zip(&self.bundle.messages) {
            if let PayloadKind::Json(name) | PayloadKind::TextValue(name) = &slots.payload {
                types.untyped = fallbacks.contains(name);
            }
        }
        messages
    }

    /// The groups (indices of definitions) typify runs on separately: one per
    /// [`TypeSettings::group_size`] definitions, at most [`TypeSettings::max_groups`].
    pub fn groups(&self, settings: &TypeSettings) -> Vec<Vec<usize>> {
        let definitions = &self.bundle.definitions;
        let wanted =
            (definitions.len() / settings.group_size.max(1)).clamp(1, settings.max_groups.max(1));
        groups::partition(definitions, wanted)
    }

    /// Runs typify on one group of definitions (indices from [`TypePlan::groups`]) and
    /// post-processes its output (stages 3 and 4 of the module docs).
    pub fn generate_group(&self, group: &[usize]) -> GroupTypes {
        let bundle = &self.bundle;
        let definitions: Vec<&typify_engine::Definition> =
            group.iter().map(|&i| &bundle.definitions[i]).collect();
        let engine = typify_engine::generate(&definitions);
        let mut diagnostics = engine.diagnostics;
        let fallbacks = engine.fallbacks;
        match postprocess::postprocess(engine.tokens, &bundle.constraints, &self.checks) {
            Ok(mut done) => {
                let mut shared = SharedParts::take_from(&mut done.file, done.checks);
                shared.pattern_limit = done.pattern_limit;
                shared.objects = done.objects;
                GroupTypes {
                    items: done.file.items,
                    shared,
                    uses: done.uses,
                    diagnostics,
                    fallbacks,
                }
            }
            Err(error) => {
                diagnostics.push(invalid_types(&error));
                GroupTypes {
                    items: Vec::new(),
                    shared: SharedParts::default(),
                    uses: CrateUses::default(),
                    diagnostics,
                    fallbacks,
                }
            }
        }
    }

    /// The modules all groups share, built from the parts of every group: `defaults` (each
    /// helper once, first group first), typify's `error` module and the decoding checks.
    /// Fails only when a part does not parse back (it always should: it was printed from a
    /// syntax tree).
    pub fn shared_items(&self, parts: &[SharedParts]) -> syn::Result<Vec<syn::Item>> {
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let defaults = parts
            .iter()
            .flat_map(|part| &part.defaults)
            .filter(|(name, _)| seen.insert(name.as_str()))
            .map(|(_, tokens)| syn::parse_str::<syn::Item>(tokens))
            .collect::<syn::Result<Vec<_>>>()?;
        if !defaults.is_empty() {
            items.push(syn::parse_quote! {
                #[doc = " Generation of default values for serde."]
                #[allow(dead_code)]
                pub mod defaults {
                    #(#defaults)*
                }
            });
        }
        if parts.iter().any(|part| part.error_module.is_some()) {
            // typify's `error` module is the same in every crate: the runtime holds it.
            let error = crate::rt::codegen(quote::quote!(error));
            items.push(syn::parse_quote! {
                /// Error types.
                pub use #error;
            });
        }
        let used: std::collections::BTreeSet<usize> = parts
            .iter()
            .flat_map(|part| part.checks.iter().copied())
            .collect();
        items.extend(constraints::module(&self.checks, &used));
        if parts.iter().any(|part| part.pattern_limit) {
            items.push(patterns::limit_module());
        }
        let mut structs: Vec<String> = parts
            .iter()
            .flat_map(|part| part.objects.iter().cloned())
            .collect();
        structs.sort();
        if let Some(impls) = objects::impls(&structs) {
            items.push(objects::module());
            items.push(impls);
        }
        Ok(items)
    }

    /// The plan-level warnings (bundling), which come before every group's.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.bundle.diagnostics
    }

    /// `#[cfg(test)] mod message_examples` (stage 5 of the module docs; empty when disabled or
    /// when no message has examples). `uses` says whether the types use `chrono`.
    pub fn example_tests(
        &self,
        doc: &Document,
        settings: &TypeSettings,
        uses: CrateUses,
    ) -> TokenStream {
        if !settings.example_tests {
            return TokenStream::new();
        }
        let targets: Vec<examples::MessageExampleTarget<'_>> = self
            .bundle
            .messages
            .iter()
            .enumerate()
            .map(|(index, slots)| examples::MessageExampleTarget {
                message: index,
                payload_type: match &slots.payload {
                    PayloadKind::Json(name) | PayloadKind::TextValue(name) => Some(name.as_str()),
                    _ => None,
                },
                payload_is_text: slots.payload == PayloadKind::Text,
                headers_type: slots.headers.as_deref(),
            })
            .collect();
        examples::example_tests(doc, &targets, uses.chrono)
    }

    /// Generates the types (stages 2-5 of the module docs) of the `doc` this plan was made from,
    /// the groups one after the other (the pipeline runs them on threads; same result).
    pub fn generate(&self, doc: &Document, settings: &TypeSettings) -> GeneratedTypes {
        let mut diagnostics = self.bundle.diagnostics.clone();
        let mut file = empty_file();
        file.attrs = module_attributes();
        let mut uses = CrateUses::default();
        let mut shared = Vec::new();
        let mut fallbacks = std::collections::BTreeSet::new();
        for group in self.groups(settings) {
            let group = self.generate_group(&group);
            fallbacks.extend(group.fallbacks);
            file.items.extend(group.items);
            uses = uses.union(group.uses);
            diagnostics.extend(group.diagnostics);
            shared.push(group.shared);
        }
        match self.shared_items(&shared) {
            Ok(items) => file.items.extend(items),
            Err(error) => diagnostics.push(invalid_types(&error)),
        }
        GeneratedTypes {
            file,
            messages: self.messages_after(&fallbacks),
            dependencies: uses,
            example_tests: self.example_tests(doc, settings, uses),
            diagnostics,
        }
    }
}

/// The whole types module as formatted Rust source: a `@generated` header, then
/// [`GeneratedTypes::tokens`] and [`GeneratedTypes::example_tests`]; `origin` names the input in
/// the header. This is what snapshot tests commit and what a generated crate's `types.rs` holds.
pub fn render_module(generated: &GeneratedTypes, origin: &str) -> Result<String, syn::Error> {
    let mut file = generated.file.clone();
    file.items
        .extend(syn::parse2::<syn::File>(generated.example_tests.clone())?.items);
    let body = format_file(&file);
    Ok(format!(
        "// @generated by mqttgen-codegen (payload types) from {origin}. Do not edit.\n\n{body}"
    ))
}

/// Formats a token stream as a Rust file with prettyplease (parsed with `syn` first, so invalid
/// tokens give a `syn::Error` instead of bad text).
pub fn format_tokens(tokens: TokenStream) -> Result<String, syn::Error> {
    let file = syn::parse2::<syn::File>(tokens)?;
    Ok(format_file(&file))
}

/// Formats a parsed file with prettyplease.
pub fn format_file(file: &syn::File) -> String {
    let mut file = file.clone();
    crate::printing::inert_docs(&mut file);
    prettyplease::unparse(&file)
}

/// A file with no attributes and no items.
pub(crate) fn empty_file() -> syn::File {
    syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::{Message, MessageExample, NodeId, Schema, SchemaSlot};
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
