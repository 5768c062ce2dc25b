//! Messages: per-message payload codecs and, where an operation carries several messages, an enum
//! with a documented selection rule.
//!
//! Receiving an enum picks the variant by, in this order:
//! 1. a discriminator: a payload property that every variant declares with a distinct `const` (or
//!    single-value `enum`), read from the JSON payload;
//! 2. the MQTT 5 content type, when every variant has a distinct one and the message carries one;
//! 3. otherwise each variant is tried in spec order and the first that decodes wins (so list the
//!    most specific message first), except that variants accepting any payload (an open schema,
//!    plain text, raw bytes) are tried last, so they never shadow a typed one; a message without
//!    payload matches only an empty payload.
//!
//! The rule lives in [`crate::spec::message_sets`], which also warns (in `check` and
//! `generate`) when messages of one set cannot be told apart.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::docs::{doc_attrs, join};
use super::names::{self, ident, Scope};
use crate::model::Document;
use crate::rt;
use crate::spec::message_sets;
use crate::types::{MessageTypes, PayloadType};

pub use crate::spec::message_sets::Selection;

/// `#[cfg(any(test, feature = "testing"))]`: what the test kit (and the codecs only it uses) is
/// compiled under. Defined here, below the kit, so the codecs can use it without importing it.
pub fn kit_cfg() -> TokenStream {
    quote!(#[cfg(any(test, feature = "testing"))])
}

/// A set of messages used by one or more operations (or replies).
#[derive(Clone, Debug)]
pub struct MessageSet {
    /// Indexes into [`Document::messages`], in spec order.
    pub messages: Vec<usize>,
    /// Enum name when there is more than one message.
    pub enum_name: Option<String>,
    /// Variant names (one per message) when there is an enum.
    pub variants: Vec<String>,
    /// Variant selection when there is an enum.
    pub selection: Selection,
    /// Positions in `messages` in the order a try-in-order selection attempts them
    /// (catch-alls last).
    pub try_order: Vec<usize>,
    /// True when generated code decodes it (it is handled, or is the reply to a request).
    pub decoded: bool,
    /// True when generated code encodes it (it is published, or is a reply returned by a handler).
    pub encoded: bool,
    /// The name of the operation it was first seen on (for docs).
    pub first_use: String,
}

/// Message sets and per-message codec names.
#[derive(Clone, Debug, Default)]
pub struct MessagePlans {
    /// Distinct message sets in first-use order.
    pub sets: Vec<MessageSet>,
    /// Per message of [`Document::messages`]: (decode fn, encode fn) names.
    pub codec_names: Vec<(String, String)>,
}

impl MessagePlans {
    /// The set holding exactly `messages`, created on first use. `name` is the CamelCase base for an
    /// enum (`{name}Message`).
    pub fn set_for(
        &mut self,
        doc: &Document,
        messages: &[usize],
        name: &str,
        scope: &mut Scope,
    ) -> usize {
        if let Some(index) = self.sets.iter().position(|set| set.messages == messages) {
            return index;
        }
        let try_order = message_sets::try_order(doc, messages);
        let (enum_name, variants, selection) = if messages.len() > 1 {
            let pairs: Vec<(&str, String)> = messages
                .iter()
                .map(|&index| {
                    let raw = doc.messages[index].name.as_str();
                    (raw, names::camel(raw))
                })
                .collect();
            let variants = Scope::default().claim_exact_first(&pairs, false);
            (
                Some(scope.claim(&format!("{name}Message"))),
                variants,
                message_sets::selection(doc, messages),
            )
        } else {
            (None, Vec::new(), Selection::TryInOrder)
        };
        self.sets.push(MessageSet {
            messages: messages.to_vec(),
            enum_name,
            variants,
            selection,
            try_order,
            decoded: false,
            encoded: false,
            first_use: name.to_string(),
        });
        self.sets.len() - 1
    }
}

impl MessagePlans {
    /// Orders every set's attempts once the payload types are known: a message whose type fell
    /// back to `serde_json::Value` ([`MessageTypes::untyped`]) goes with the catch-alls. Returns a
    /// `messages-indistinguishable` warning for every set where that leaves two messages that
    /// accept any JSON (the later one is never received).
    pub fn order_untyped_last(
        &mut self,
        doc: &Document,
        types: &[MessageTypes],
    ) -> Vec<crate::diagnostics::Diagnostic> {
        let untyped = |index: usize| types.get(index).is_some_and(|t| t.untyped);
        let mut warnings = Vec::new();
        for set in &mut self.sets {
            if !set.messages.iter().any(|&index| untyped(index)) {
                continue;
            }
            set.try_order = message_sets::try_order_with(doc, &set.messages, &untyped);
            if set.enum_name.is_none() || set.selection != Selection::TryInOrder {
                continue;
            }
            let any_json: Vec<&str> = set
                .try_order
                .iter()
                .map(|&position| set.messages[position])
                .filter(|&index| {
                    message_sets::effective(doc, index, &untyped) == message_sets::CatchAll::AnyJson
                })
                .map(|index| doc.messages[index].name.as_str())
                .collect();
            if let [first, second, ..] = any_json.as_slice() {
                warnings.push(
                    crate::diagnostics::Diagnostic::warning(
                        "messages-indistinguishable",
                        Some(doc.messages[set.messages[0]].node.clone()),
                        format!(
                            "messages `{first}` and `{second}` of `{}` both accept any JSON (a \
                             payload type fell back to `serde_json::Value`), so `{second}` is \
                             never received",
                            set.first_use
                        ),
                    )
                    .with_help("simplify the payload schemas so that they get Rust types, or add a discriminator"),
                );
            }
        }
        warnings
    }
}

/// Per-message codec function names, unique in the module's function scope.
pub fn codec_names(doc: &Document, functions: &mut Scope) -> Vec<(String, String)> {
    doc.messages
        .iter()
        .map(|message| {
            let base = names::snake(&message.name);
            let base = names::stem(&base);
            (
                functions.claim_snake(&format!("decode_{base}")),
                functions.claim_snake(&format!("encode_{base}")),
            )
        })
        .collect()
}

/// Resolves the Rust types of messages against the types module path.
pub struct TypeNames<'a> {
    /// Per message of [`Document::messages`].
    pub messages: &'a [MessageTypes],
    /// Path of the types module.
    pub types_path: &'a syn::Path,
}

impl TypeNames<'_> {
    /// A type of the types module, by name.
    fn qualify(&self, name: &syn::Ident) -> TokenStream {
        let types_path = self.types_path;
        quote!(#types_path::#name)
    }

    /// The payload type of message `index`.
    pub fn payload(&self, index: usize) -> TokenStream {
        match &self.messages[index].payload {
            PayloadType::Json(tokens) | PayloadType::TextValue(tokens) => self.qualify(tokens),
            PayloadType::Text => quote!(String),
            PayloadType::Bytes => quote!(Vec<u8>),
            PayloadType::Empty => quote!(()),
        }
    }

    /// The headers type of message `index`, if it has one.
    pub fn headers(&self, index: usize) -> Option<TokenStream> {
        self.messages[index]
            .headers
            .as_ref()
            .map(|name| self.qualify(name))
    }

    /// The Rust type of a message set: the payload type, or the enum.
    pub fn set_type(&self, set: &MessageSet) -> TokenStream {
        match &set.enum_name {
            Some(name) => {
                let name = ident(name);
                quote!(#name)
            }
            None => self.payload(set.messages[0]),
        }
    }
}

/// The statics holding the checked payload schemas, by message index (see
/// [`schema_static_name`]); the test kit's property-test strategies use them.
pub type SchemaStatics = std::collections::BTreeMap<usize, syn::Ident>;

/// The messages (by index) whose decoder or encoder only the test kit needs and whose payload
/// is JSON checked against a schema static: no codec function is generated for them, the kit
/// decodes and encodes them through the runtime with the static (see [`InlineCodecs::decode`]).
#[derive(Debug, Default)]
pub struct InlineCodecs {
    /// Decoded by the kit through `rt::decode` and the schema static.
    pub decoded: BTreeSet<usize>,
    /// Encoded by the kit through `rt::encode`, the schema static and the content type.
    pub encoded: BTreeSet<usize>,
}

/// Codec functions for the messages the sets need, then the enums; the schema statics; and the
/// kit's codecs left to the runtime.
pub fn generate(
    doc: &Document,
    plans: &MessagePlans,
    types: &TypeNames<'_>,
) -> (TokenStream, SchemaStatics, InlineCodecs) {
    // What the service itself needs, and what its test kit needs besides: every set in both
    // directions (the kit sends what the service receives and reads what it publishes).
    let (decoded, encoded) = codec_needs(plans, types, |set| (set.decoded, set.encoded));
    let (kit_decoded, kit_encoded) = codec_needs(plans, types, |set| {
        let used = set.decoded || set.encoded;
        (used, used)
    });
    // One set of verdicts for all: messages often share a payload schema, compiled once.
    let mut verdicts = crate::validation::Verdicts::default();
    let checks: Checks = kit_decoded
        .union(&kit_encoded)
        .copied()
        .filter(|&index| matches!(types.messages[index].payload, PayloadType::Json(_)))
        .filter_map(|index| {
            let check = crate::validation::payload_check_with(doc, index, &mut verdicts)?;
            Some((index, check))
        })
        .filter(|(_, check)| check.unchecked.is_none())
        .collect();
    let kit_only = |needed: bool| (!needed).then(kit_cfg);
    // A kit-only codec of a checked JSON message outside enums is the runtime's, with the static.
    let in_enum: BTreeSet<usize> = plans
        .sets
        .iter()
        .filter(|set| set.enum_name.is_some())
        .flat_map(|set| set.messages.iter().copied())
        .collect();
    let inline = |index: usize, needed: &BTreeSet<usize>| {
        !needed.contains(&index) && checks.contains_key(&index) && !in_enum.contains(&index)
    };
    let inline_codecs = InlineCodecs {
        decoded: kit_decoded
            .iter()
            .copied()
            .filter(|&index| inline(index, &decoded))
            .collect(),
        encoded: kit_encoded
            .iter()
            .copied()
            .filter(|&index| inline(index, &encoded))
            .collect(),
    };
    let schemas = checks.iter().map(|(&index, check)| {
        let cfg = kit_only(decoded.contains(&index) || encoded.contains(&index));
        let schema = payload_schema(doc, plans, index, check);
        quote!(#cfg #schema)
    });
    let decoders = kit_decoded
        .difference(&inline_codecs.decoded)
        .map(|&index| {
            let cfg = kit_only(decoded.contains(&index));
            let decoder = decoder(doc, plans, types, &checks, index);
            quote!(#cfg #decoder)
        });
    let encoders = kit_encoded
        .difference(&inline_codecs.encoded)
        .map(|&index| {
            let cfg = kit_only(encoded.contains(&index));
            let encoder = encoder(doc, plans, types, &checks, index);
            quote!(#cfg #encoder)
        });
    let enums = plans
        .sets
        .iter()
        .filter(|set| set.enum_name.is_some())
        .map(|set| message_enum(doc, plans, types, set));
    let statics = checks
        .keys()
        .map(|&index| (index, schema_static_name(plans, index)))
        .collect();
    let code = quote! {
        #(#schemas)*
        #(#decoders)*
        #(#encoders)*
        #(#enums)*
    };
    (code, statics, inline_codecs)
}

/// The messages (indexes into [`Document::messages`]) whose decoder and encoder are needed,
/// given which sets are decoded and encoded (`needs`).
fn codec_needs(
    plans: &MessagePlans,
    types: &TypeNames<'_>,
    needs: impl Fn(&MessageSet) -> (bool, bool),
) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let mut decoded = BTreeSet::new();
    let mut encoded = BTreeSet::new();
    for set in &plans.sets {
        let (decodes, encodes) = needs(set);
        if decodes {
            // Enums decode a payload-less variant inline (see `enum_decode`).
            decoded.extend(set.messages.iter().copied().filter(|&index| {
                set.messages.len() == 1
                    || !matches!(types.messages[index].payload, PayloadType::Empty)
            }));
        }
        if encodes {
            encoded.extend(set.messages.iter().copied());
        }
    }
    (decoded, encoded)
}

/// Run-time payload checks by message index (JSON payloads whose schema compiles).
type Checks = std::collections::BTreeMap<usize, crate::validation::PayloadCheck>;

/// The name of the static holding message `index`'s payload schema, when it is checked.
fn payload_schema_name(plans: &MessagePlans, checks: &Checks, index: usize) -> Option<syn::Ident> {
    checks
        .contains_key(&index)
        .then(|| schema_static_name(plans, index))
}

/// `LIGHT_MEASURED_SCHEMA` for the message decoded by `decode_light_measured`.
fn schema_static_name(plans: &MessagePlans, index: usize) -> syn::Ident {
    let decode = &plans.codec_names[index].0;
    let base = decode
        .strip_prefix("decode_")
        .unwrap_or(decode)
        .to_uppercase();
    ident(&format!("{base}_SCHEMA"))
}

/// The static holding message `index`'s payload schema, with what it does not enforce.
fn payload_schema(
    doc: &Document,
    plans: &MessagePlans,
    index: usize,
    check: &crate::validation::PayloadCheck,
) -> TokenStream {
    let name = schema_static_name(plans, index);
    let source = check.source();
    let mut lines = vec![format!(
        " The payload schema of message `{}`, checked on decoding and before sending.",
        doc.messages[index].name
    )];
    if !check.not_enforced.is_empty() {
        lines.push(String::new());
        lines.push(" Not enforced:".into());
        lines.extend(check.not_enforced.iter().map(|rule| format!(" - {rule}")));
    }
    quote! {
        #(#[doc = #lines])*
        static #name: rt::PayloadSchema = rt::PayloadSchema::new(#source);
    }
}

fn decoder(
    doc: &Document,
    plans: &MessagePlans,
    types: &TypeNames<'_>,
    checks: &Checks,
    index: usize,
) -> TokenStream {
    let name = ident(&plans.codec_names[index].0);
    let ty = types.payload(index);
    let decode_error = rt::decode_error();
    let message_type = rt::message();
    let schema = payload_schema_name(plans, checks, index);
    let body = match &types.messages[index].payload {
        PayloadType::Json(_) => match schema {
            Some(schema) => {
                quote!(rt::decode(message, &#schema))
            }
            None => quote!(rt::codec::decode_json(&message.payload)),
        },
        PayloadType::Text => quote!(rt::codec::decode_text(&message.payload)),
        PayloadType::TextValue(_) => {
            quote!(rt::codec::decode_text_value(&message.payload))
        }
        PayloadType::Bytes => quote!(Ok(message.payload.to_vec())),
        PayloadType::Empty => quote! {
            let _ = message;
            Ok(())
        },
    };
    let doc_line = format!(
        " Decodes the payload of message `{}`.",
        doc.messages[index].name
    );
    quote! {
        #[doc = #doc_line]
        fn #name(message: &#message_type) -> Result<#ty, #decode_error> {
            #body
        }
    }
}

fn encoder(
    doc: &Document,
    plans: &MessagePlans,
    types: &TypeNames<'_>,
    checks: &Checks,
    index: usize,
) -> TokenStream {
    let message = &doc.messages[index];
    let name = ident(&plans.codec_names[index].1);
    let ty = types.payload(index);
    let error = rt::error();
    let outgoing = rt::outgoing();
    let schema = payload_schema_name(plans, checks, index);
    if let (PayloadType::Json(_), Some(schema)) = (&types.messages[index].payload, &schema) {
        // The common case, in the runtime: typed checks, the schema check, the content type.
        let encode = rt::facade(quote!(encode));
        let content_type = match &message.content_type {
            Some(content_type) => quote!(Some(#content_type)),
            None => quote!(None),
        };
        let doc_line = format!(
            " Encodes message `{}` for publishing to `topic`.",
            message.name
        );
        return quote! {
            #[doc = #doc_line]
            fn #name(topic: String, value: &#ty, checked: bool) -> Result<#outgoing, #error> {
                #encode(topic, value, checked, &#schema, #content_type)
            }
        };
    }
    let payload = match &types.messages[index].payload {
        PayloadType::Json(_) => match schema {
            Some(schema) => quote!({
                let payload = rt::codec::encode_json_checked(value, checked)?;
                if checked {
                    rt::schema::check_encoded(&payload, &#schema)?;
                }
                payload
            }),
            None => quote!(rt::codec::encode_json_checked(value, checked)?),
        },
        PayloadType::Text => quote!(rt::codec::encode_text(Clone::clone(value))),
        PayloadType::TextValue(_) => quote!(rt::codec::encode_text_value(value)?),
        PayloadType::Bytes => quote!(Clone::clone(value)),
        PayloadType::Empty => quote! {{
            let () = *value;
            Vec::<u8>::new()
        }},
    };
    let content_type = message
        .content_type
        .as_ref()
        .map(|content_type| quote!(.content_type(#content_type)));
    let utf8 = matches!(
        types.messages[index].payload,
        PayloadType::Text | PayloadType::TextValue(_)
    )
    .then(|| quote!(.utf8_payload()));
    let doc_line = format!(
        " Encodes message `{}` for publishing to `topic`; with `checked`, a JSON payload its \
         receivers would reject (schema limits, patterns, required members) is an error.",
        message.name
    );
    let unused = (!matches!(types.messages[index].payload, PayloadType::Json(_)))
        .then(|| quote!(let _ = checked;));
    quote! {
        #[doc = #doc_line]
        fn #name(topic: String, value: &#ty, checked: bool) -> Result<#outgoing, #error> {
            #unused
            Ok(#outgoing::new(topic, #payload) #content_type #utf8)
        }
    }
}

fn message_enum(
    doc: &Document,
    plans: &MessagePlans,
    types: &TypeNames<'_>,
    set: &MessageSet,
) -> TokenStream {
    let name = ident(set.enum_name.as_deref().unwrap_or_default());
    let rule = match &set.selection {
        Selection::Discriminator { property, .. } => {
            format!("by the value of the payload property `{property}`")
        }
        Selection::ContentType(_) => {
            "by the MQTT 5 content type, else by trying each variant in order".to_string()
        }
        Selection::TryInOrder if set.try_order.windows(2).any(|w| w[0] > w[1]) => {
            "by trying each variant in order, those accepting any payload last; the first that \
             decodes wins"
                .to_string()
        }
        Selection::TryInOrder => {
            "by trying each variant in order; the first that decodes wins".to_string()
        }
    };
    let doc_text = format!(
        "The messages of `{}`. A received message picks its variant {rule}.",
        set.first_use
    );
    let docs = doc_attrs(Some(&doc_text));
    let variants = set
        .messages
        .iter()
        .zip(&set.variants)
        .map(|(&index, variant)| {
            let message = &doc.messages[index];
            let docs = doc_attrs(
                join(&[
                    message.title.as_deref(),
                    message.summary.as_deref(),
                    message.description.as_deref(),
                ])
                .as_deref()
                .or(Some(&format!("Message `{}`.", message.name))),
            );
            let variant = ident(variant);
            let ty = types.payload(index);
            quote!(#docs #variant(#ty))
        });
    // The test kit needs both directions of every set.
    let used = set.decoded || set.encoded;
    let kit_only = |needed: bool| (!needed).then(kit_cfg);
    let decode = used.then(|| {
        let cfg = kit_only(set.decoded);
        let decode = enum_decode(plans, types, set);
        quote!(#cfg #decode)
    });
    let encode = used.then(|| {
        let cfg = kit_only(set.encoded);
        let encode = enum_encode(plans, set, cfg);
        quote!(#encode)
    });
    quote! {
        #docs
        // Payload types differ in size by nature; boxing them would make every match and
        // construction in user code clumsier for a copy that happens once per message.
        // Every payload type is `PartialEq` (typify derives it; text, bytes and `()` have it).
        #[allow(clippy::large_enum_variant)]
        #[derive(Clone, Debug, PartialEq)]
        pub enum #name {
            #(#variants,)*
        }

        impl #name {
            #decode
            #encode
        }
    }
}

fn enum_decode(plans: &MessagePlans, types: &TypeNames<'_>, set: &MessageSet) -> TokenStream {
    let decode_error = rt::decode_error();
    let message_type = rt::message();
    let attempts: Vec<TokenStream> = set
        .try_order
        .iter()
        .map(|&position| (set.messages[position], &set.variants[position]))
        .map(|(index, variant)| {
            let decode = ident(&plans.codec_names[index].0);
            let label = variant.as_str();
            let variant = ident(variant);
            if matches!(types.messages[index].payload, PayloadType::Empty) {
                // Alone, a message without payload accepts any; among others it needs an empty one.
                return quote! {
                    if message.payload.is_empty() {
                        return Ok(Self::#variant(()));
                    }
                    failures.push(::std::format!("{}: payload is not empty", #label));
                };
            }
            quote! {
                match #decode(message) {
                    Ok(value) => return Ok(Self::#variant(value)),
                    Err(error) => failures.push(::std::format!("{}: {}", #label, error)),
                }
            }
        })
        .collect();
    let try_in_order = quote! {
        let mut failures: Vec<String> = Vec::new();
        #(#attempts)*
        Err(rt::DecodeError::new(
            "message",
            ::std::format!("no message variant matched ({})", failures.join("; ")),
        ))
    };
    let arms = |keys: Vec<TokenStream>| -> Vec<TokenStream> {
        keys.into_iter()
            .zip(set.messages.iter().zip(&set.variants))
            .map(|(key, (&index, variant))| {
                let variant = ident(variant);
                if matches!(types.messages[index].payload, PayloadType::Empty) {
                    return quote!(#key => Ok(Self::#variant(())));
                }
                let decode = ident(&plans.codec_names[index].0);
                quote!(#key => #decode(message).map(Self::#variant))
            })
            .collect()
    };
    let body = match &set.selection {
        Selection::Discriminator { property, values } => {
            let guards: Vec<TokenStream> = values
                .iter()
                .map(|value| {
                    let literal = value_literal(value);
                    quote!(Some(found) if *found == #literal)
                })
                .collect();
            let arms = arms(guards);
            let expected = values
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            quote! {
                let probe: ::serde_json::Value = rt::codec::decode_json(&message.payload)?;
                match probe.get(#property) {
                    #(#arms,)*
                    other => Err(rt::DecodeError::new(
                        "json",
                        ::std::format!(
                            "property `{}` is {}, expected one of {}",
                            #property,
                            other.map_or_else(|| String::from("missing"), ToString::to_string),
                            #expected,
                        ),
                    )),
                }
            }
        }
        Selection::ContentType(types) => {
            let keys = types
                .iter()
                .map(|content_type| quote!(Some(#content_type)))
                .collect();
            let arms = arms(keys);
            quote! {
                match message.properties.content_type.as_deref() {
                    #(#arms,)*
                    _ => { #try_in_order }
                }
            }
        }
        Selection::TryInOrder => try_in_order,
    };
    quote! {
        /// Decodes a received message into the matching variant.
        pub fn decode(message: &#message_type) -> Result<Self, #decode_error> {
            #body
        }
    }
}

/// A `serde_json::Value`-comparable literal for a discriminator value.
fn value_literal(value: &Value) -> TokenStream {
    match value {
        Value::String(text) => quote!(#text),
        Value::Bool(flag) => quote!(#flag),
        Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(integer), _) => quote!(#integer),
            (None, Some(float)) => quote!(#float),
            _ => quote!(::serde_json::Value::Null),
        },
        _ => {
            let text = value.to_string();
            quote!(::serde_json::from_str::<::serde_json::Value>(#text).unwrap_or_default())
        }
    }
}

/// The enum's `encode` and `encode_checked` methods, each behind `cfg` when given.
fn enum_encode(plans: &MessagePlans, set: &MessageSet, cfg: Option<TokenStream>) -> TokenStream {
    let error = rt::error();
    let outgoing = rt::outgoing();
    let arms = set
        .messages
        .iter()
        .zip(&set.variants)
        .map(|(&index, variant)| {
            let encode = ident(&plans.codec_names[index].1);
            let variant = ident(variant);
            quote!(Self::#variant(value) => #encode(topic, value, checked))
        });
    quote! {
        /// Encodes the message for publishing to `topic`. Fails when the payload breaks its
        /// schema (what its receivers would reject).
        #cfg
        pub fn encode(&self, topic: String) -> Result<#outgoing, #error> {
            self.encode_checked(topic, true)
        }

        /// Encodes the message for publishing to `topic`, checking the payload against its
        /// schema only when `checked`.
        #cfg
        pub fn encode_checked(&self, topic: String, checked: bool) -> Result<#outgoing, #error> {
            match self {
                #(#arms,)*
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::service::{generate_service, Role, ServiceSettings};

    const SPEC: &str = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    \
        address: c\n    messages:\n      \
        first: {payload: {type: object, required: [a], properties: {a: {type: string}}}}\n      \
        second: {payload: {type: object, required: [b], properties: {b: {type: number}}}}\n      \
        third: {payload: {type: object, required: [c], properties: {c: {type: boolean}}}}\n\
        operations:\n  r:\n    action: receive\n    channel: {$ref: '#/channels/c'}\n";

    /// The generated service code with the messages at `untyped` marked as fallen back.
    fn code(untyped: &[usize]) -> (String, Vec<String>) {
        let doc = crate::spec::load_str(SPEC, "t.yaml").document.unwrap();
        let mut messages = crate::types::name_types(&doc).messages();
        for &index in untyped {
            messages[index].untyped = true;
        }
        let code = generate_service(&doc, &messages, &ServiceSettings::for_role(Role::App));
        let warnings = code
            .diagnostics
            .iter()
            .filter(|d| d.code == "messages-indistinguishable")
            .map(|d| d.message.clone())
            .collect();
        (code.tokens().to_string(), warnings)
    }

    fn attempt(text: &str, message: &str) -> usize {
        text.find(&format!("match decode_c_{message} (message)"))
            .unwrap_or_else(|| panic!("no attempt for {message}: {text}"))
    }

    #[test]
    fn a_payload_type_that_fell_back_is_tried_after_the_typed_ones() {
        let (text, warnings) = code(&[]);
        assert!(attempt(&text, "first") < attempt(&text, "second"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (text, warnings) = code(&[0]);
        assert!(attempt(&text, "second") < attempt(&text, "third"));
        assert!(attempt(&text, "third") < attempt(&text, "first"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (_, warnings) = code(&[0, 2]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("`c.third` is never received"),
            "{warnings:?}"
        );
    }
}
