//! Service code from the spec: topic parameters, message enums, the handler trait, the publisher,
//! the router mount function and server connection presets (issue #5).
//!
//! [`generate_service`] is a pure function: model in, tokens out. The tokens are the items of one
//! module (no inner attributes); they name payload types through [`ServiceSettings::types_path`]
//! (default `super::types`, i.e. the output of [`crate::types::generate_types`] is a sibling module
//! `types`) and everything else with fully qualified paths (`::mqttgen::...`, `::std::...`,
//! `::serde::...`, `::serde_json::...`). The output compiles under `#![deny(warnings)]` and is
//! clippy-clean (checked for every loadable document of the public corpus, both roles).
//!
//! # What users get
//! - Per channel with parameters or wildcards, `{Channel}Params` with typed fields (`String`,
//!   `i64`, `f64`, `bool`, or a generated enum for `enum` values with `as_str`/`FromStr`/`Display`/
//!   `ALL` and `Default` from the spec's default), `ADDRESS`, `FILTER`, `topic()` (rejects values
//!   that are empty, contain `/`, `+`, `#`, NUL or start with `$`, naming the parameter),
//!   `shared_filter(group)` and `parse(topic)` (typed: `abc` for an integer is a decode error).
//!   Anonymous wildcards are captured so a topic can always be rebuilt: a `+` level becomes a
//!   `level_{n}` field, a trailing `#` a `tail` field (levels joined by `/`, empty for the parent
//!   level). Channels without either get a `{CHANNEL}_TOPIC` constant.
//! - Several messages on one operation become `{Operation}Message`; a received message picks its
//!   variant by a payload property with a distinct constant per message, else by distinct MQTT 5
//!   content types, else by trying the messages in spec order (first that decodes wins).
//! - The handled side: `trait Handler` with one required `async` method per handled operation,
//!   `fn op(&self, params, message, context: MessageContext<Headers>) -> Result<Reply or (), HandlerError>`;
//!   Each handled operation has a private `handle_{op}` dispatch function. `MessageContext` carries topic, QoS, retain, duplicate flag, MQTT 5 properties, typed headers
//!   (from user properties) and the runtime context. `routes(Arc<H>) -> Routes` (one adjustable
//!   `::mqttgen::Route` per operation, subscription QoS from the binding) and `mount(H) -> Router`.
//!   A handler's return value for an operation with a `reply` is published to the request's
//!   response topic (else the reply address header or payload field, else the reply channel:
//!   fixed, or with its parameters taken from the request's same-named ones) with its correlation
//!   data and the correlation id echoed where the spec's `correlationId.location` says
//!   (`$message.header#/x` or `$message.payload#/x`).
//! - The publishing side: `Publisher` (wraps `::mqttgen::Publisher`) with `op(&params, &message)`
//!   using the binding's QoS/retain/message expiry and `op_with(.., PublishOptions)` to override
//!   them, add properties, typed headers, or wait for the broker's acknowledgement. An operation
//!   with a `reply` is a request: it returns the decoded reply (`Result<Reply, RequestError>`,
//!   through `::mqttgen::Publisher::request_with`, default timeout 30 s, with the spec's
//!   correlation id location and reply address location in `::mqttgen::RequestOptions`; `RequestError` converts into
//!   `HandlerError` for use inside handlers). Its response topic is a fixed reply channel, else
//!   a private inbox the runtime generates (MQTT 5); `Publisher::spec_reply_channels()` (when a
//!   reply channel takes its parameters from the request's) announces that channel instead, for
//!   MQTT 3.1.1.
//! - Per server, `{Server}Server` whose fields are the server variables (enums where listed, with
//!   `Default` when every variable has a default), `url()`, `config()` (host, port, protocol,
//!   protocolVersion and the MQTT server binding) and, when the server declares security,
//!   `config_from_env()` reading credentials from `MQTT_USERNAME`/`MQTT_PASSWORD`/`MQTT_TOKEN`/
//!   `MQTT_CLIENT_CERT`+`MQTT_CLIENT_KEY` (never from the spec).
//!
//! [`Role::App`] handles `receive` and publishes `send` operations; [`Role::Client`] is the mirror
//! (a device simulator or test client from the same spec). Names come from operation and channel
//! ids (2.x channels: their last two literal levels), sanitised and made unique in document order.

mod docs;
mod handlers;
pub(crate) mod kit;
mod messages;
pub(crate) mod names;
pub(crate) mod operations;
mod params;
mod publishers;

mod servers;
mod strategies;
pub(crate) mod topics;

use proc_macro2::TokenStream;

use crate::diagnostics::Diagnostic;
use crate::model::Document;
use crate::types::MessageTypes;

/// Which side of the spec the generated code plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Role {
    /// The application the spec describes: handles `receive` operations, publishes `send` ones.
    #[default]
    App,
    /// The mirror (a device simulator or test client): handles `send`, publishes `receive`.
    Client,
}

/// Options of [`generate_service`].
#[derive(Clone, Debug)]
pub struct ServiceSettings {
    /// Which side to generate.
    pub role: Role,
    /// Path of the payload types module as seen from the generated module (default `super::types`).
    pub types_path: syn::Path,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        ServiceSettings {
            role: Role::App,
            types_path: syn::parse_quote!(super::types),
        }
    }
}

impl ServiceSettings {
    /// Settings for `role` with the default types path.
    pub fn for_role(role: Role) -> Self {
        ServiceSettings {
            role,
            ..ServiceSettings::default()
        }
    }
}

/// Generated service code.
#[derive(Clone, Debug)]
pub struct ServiceCode {
    /// The items of the service module (a module body; no inner attributes), in pieces of whole
    /// items (a channel's parameters, the handler trait, ...), so that a large module can be
    /// parsed and printed a piece at a time; [`ServiceCode::tokens`] joins them.
    pub pieces: Vec<TokenStream>,
    /// Problems found while generating (errors mean the tokens should not be written).
    pub diagnostics: Vec<Diagnostic>,
    /// Crates the service code names besides `mqttgen`: always `serde` and `serde_json` (headers,
    /// discriminators), which the types module needs anyway.
    pub uses: &'static [&'static str],
}

/// Type names the module defines itself, and the prelude names its code uses unqualified
/// (`Result`, `Ok`, `String`, ...; the module has no glob imports, so only a spec-derived name
/// could shadow them); spec-derived names are claimed after them.
const RESERVED_TYPES: &[&str] = &[
    "Handler",
    "TopicParams",
    "Routes",
    "MessageContext",
    "Publisher",
    "PublishOptions",
    "RequestError",
    "Result",
    "Ok",
    "Err",
    "Option",
    "Some",
    "None",
    "String",
    "ToString",
    "Vec",
    "Box",
    "Clone",
    "Default",
    "From",
    "Into",
    "Send",
    "Sync",
    // Generic parameters of the generated functions and types.
    "H",
    "F",
];

/// Generates the service module of `doc` for `settings.role`, with the payload types named by
/// `messages` ([`crate::types::GeneratedTypes::messages`] or [`crate::types::TypePlan::messages`] of the same
/// document).
pub fn generate_service(
    doc: &Document,
    messages: &[MessageTypes],
    settings: &ServiceSettings,
) -> ServiceCode {
    let mut diagnostics = Vec::new();
    let mut scope = names::Scope::with_reserved(RESERVED_TYPES);
    let mut functions =
        names::Scope::with_reserved(&["routes", "mount", "route", "decode_headers", "rt"]);
    let topic_plans = topics::plan_topics(doc, &mut scope, &mut diagnostics);
    let mut message_plans = messages::MessagePlans {
        sets: Vec::new(),
        codec_names: messages::codec_names(doc, &mut functions),
    };
    let operation_plans = operations::plan_operations(
        doc,
        settings.role,
        &topic_plans,
        &mut message_plans,
        &mut scope,
        &mut functions,
        &mut diagnostics,
    );
    diagnostics.extend(message_plans.order_untyped_last(doc, messages));
    let type_names = messages::TypeNames {
        messages,
        types_path: &settings.types_path,
    };
    let topic_code = params::generate(&topic_plans, &doc.channels);
    let (message_code, schema_statics, inline_codecs) =
        messages::generate(doc, &message_plans, &type_names);
    let handler_code = handlers::generate(&handlers::HandlerInput {
        doc,
        topics: &topic_plans,
        messages: &message_plans,
        operations: &operation_plans,
        types: &type_names,
    });
    let publisher_code = publishers::generate(&publishers::PublisherInput {
        topics: &topic_plans,
        messages: &message_plans,
        operations: &operation_plans,
        types: &type_names,
    });
    let kit_code = kit::generate(&kit::KitInput {
        doc,
        topics: &topic_plans,
        messages: &message_plans,
        operations: &operation_plans,
        types: &type_names,
        schemas: &schema_statics,
        inline: &inline_codecs,
    });
    let server_code = servers::generate(doc, settings.role, &mut scope, &mut diagnostics);
    let mut pieces = vec![crate::rt::alias()];
    pieces.extend(topic_code);
    pieces.extend([
        message_code,
        handler_code,
        publisher_code,
        server_code,
        kit_code,
    ]);
    pieces.retain(|piece| !piece.is_empty());
    ServiceCode {
        pieces,
        diagnostics,
        uses: &["serde", "serde_json"],
    }
}

impl ServiceCode {
    /// All items of the service module as one token stream.
    pub fn tokens(&self) -> TokenStream {
        self.pieces.iter().cloned().collect()
    }
}

/// The Rust names the generated service module gives a document's items, for pages that point a
/// reader from the contract to the code (`mqttgen docs`). Computed by the same planning
/// [`generate_service`] runs, so the names are the generated ones, collisions resolved alike.
#[derive(Clone, Debug, Default)]
pub struct ServiceNames {
    /// Per channel of [`Document::channels`]: its parameters struct (`{Channel}Params`) or fixed
    /// topic constant (`{CHANNEL}_TOPIC`); `None` for a channel without an address.
    pub channels: Vec<Option<ChannelNames>>,
    /// Per operation of [`Document::operations`]; `None` when no code is generated for it.
    pub operations: Vec<Option<OperationNames>>,
    /// Per server of [`Document::servers`]: the connection preset struct.
    pub servers: Vec<String>,
}

/// Generated names of one channel.
#[derive(Clone, Debug, Default)]
pub struct ChannelNames {
    /// `{Channel}Params` when the address has parameters or wildcards.
    pub params_type: Option<String>,
    /// `{CHANNEL}_TOPIC` for a fixed address.
    pub topic_const: Option<String>,
    /// (parameter name as written, Rust field name, Rust type) per parameter struct field.
    pub fields: Vec<(String, String, String)>,
}

/// Generated names of one operation for one role.
#[derive(Clone, Debug, Default)]
pub struct OperationNames {
    /// True when the role handles it (a `Handler` method), false when it publishes it (a
    /// `Publisher` method).
    pub handled: bool,
    /// The `Handler` or `Publisher` method.
    pub method: String,
    /// The publisher's `{method}_with` variant (empty for handled operations).
    pub method_with: String,
    /// The enum of the operation's messages when it has several (`{Operation}Message`).
    pub message_enum: Option<String>,
    /// The enum of the reply's messages when there are several.
    pub reply_enum: Option<String>,
}

/// The names [`generate_service`] gives `doc`'s items for `role`.
pub fn service_names(doc: &Document, role: Role) -> ServiceNames {
    let mut diagnostics = Vec::new();
    let mut scope = names::Scope::with_reserved(RESERVED_TYPES);
    let mut functions =
        names::Scope::with_reserved(&["routes", "mount", "route", "decode_headers"]);
    let topic_plans = topics::plan_topics(doc, &mut scope, &mut diagnostics);
    let mut message_plans = messages::MessagePlans {
        sets: Vec::new(),
        codec_names: messages::codec_names(doc, &mut functions),
    };
    let operation_plans = operations::plan_operations(
        doc,
        role,
        &topic_plans,
        &mut message_plans,
        &mut scope,
        &mut functions,
        &mut diagnostics,
    );
    let (_, servers) = servers::generate_named(doc, role, &mut scope, &mut diagnostics);
    let channels = topic_plans
        .topics
        .iter()
        .map(|plan| {
            plan.as_ref().map(|plan| ChannelNames {
                params_type: plan.params_type.clone(),
                topic_const: plan.is_fixed().then(|| plan.const_name.clone()),
                fields: plan
                    .fields
                    .iter()
                    .map(|field| {
                        let rust_type = match &field.kind {
                            topics::FieldKind::Text | topics::FieldKind::Tail => "String".into(),
                            topics::FieldKind::Integer(kind) => kind.rust.to_string(),
                            topics::FieldKind::Number => "f64".into(),
                            topics::FieldKind::Boolean => "bool".into(),
                            topics::FieldKind::Enum(index) => {
                                topic_plans.enums[*index].name.clone()
                            }
                        };
                        (field.wire.clone(), field.rust.clone(), rust_type)
                    })
                    .collect(),
            })
        })
        .collect();
    let mut by_id: std::collections::HashMap<&str, &operations::OperationPlan> =
        std::collections::HashMap::new();
    for plan in &operation_plans {
        by_id.entry(plan.id.as_str()).or_insert(plan);
    }
    let operations = doc
        .operations
        .iter()
        .map(|operation| {
            by_id.get(operation.id.as_str()).map(|plan| OperationNames {
                handled: plan.side == operations::Side::Handle,
                method: plan.method.clone(),
                method_with: plan.method_with.clone(),
                message_enum: message_plans.sets[plan.set].enum_name.clone(),
                reply_enum: plan
                    .reply
                    .as_ref()
                    .and_then(|reply| message_plans.sets[reply.set].enum_name.clone()),
            })
        })
        .collect();
    ServiceNames {
        channels,
        operations,
        servers,
    }
}

/// The environment variables a generated `config_from_env` reads for a security scheme, and
/// what goes in them; `None` for a scheme the runtime cannot use.
pub fn credentials_needed(scheme: &crate::model::SecurityScheme) -> Option<String> {
    servers::credentials_needed(scheme)
}
