//! The page's view model: what the templates show, built from the loaded [`Document`] and the
//! generator's own names ([`crate::service::service_names`], [`crate::types::name_types`]).
//!
//! Every string here is plain text that the templates HTML-escape, except the fields named
//! `*_html`, which come from [`super::text::markdown`] (inert HTML).

use serde::Serialize;

use super::schema::{rows, SchemaRow};
use super::text::{anchor, markdown_opt};
use super::tree::{topic_tree, LinkView, TreeNode};
use crate::model::{Action, Channel, Document, Message, Operation, Qos, SchemaSlot, Tag};
use crate::service::{credentials_needed, service_names, OperationNames, Role, ServiceNames};
use crate::types::{name_types, PayloadType};

/// The whole page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `asyncapi` version of the document.
    pub asyncapi_version: String,
    /// `id`.
    pub id: Option<String>,
    /// `defaultContentType`.
    pub default_content_type: Option<String>,
    /// `info.description` as inert HTML.
    pub description_html: String,
    /// The version of mqttgen that wrote the page.
    pub generator_version: &'static str,
    /// Servers.
    pub servers: Vec<ServerView>,
    /// Security schemes.
    pub security_schemes: Vec<SchemeView>,
    /// API tags.
    pub tags: Vec<TagView>,
    /// The topic tree of all addresses.
    pub tree: Vec<TreeNode>,
    /// Operations grouped by tag, then by action.
    pub operation_groups: Vec<OperationGroup>,
    /// Channels in document order.
    pub channels: Vec<ChannelView>,
    /// Messages in document order.
    pub messages: Vec<MessageView>,
    /// Counts for the summary line.
    pub counts: Counts,
}

/// Item counts.
#[derive(Debug, Serialize)]
pub struct Counts {
    /// Channels.
    pub channels: usize,
    /// Operations.
    pub operations: usize,
    /// Messages.
    pub messages: usize,
    /// Operations the application sends.
    pub sends: usize,
    /// Operations the application receives.
    pub receives: usize,
}

/// A tag.
#[derive(Debug, Serialize)]
pub struct TagView {
    /// Name.
    pub name: String,
    /// Description as inert HTML.
    pub description_html: String,
}

/// A server.
#[derive(Debug, Serialize)]
pub struct ServerView {
    /// Anchor.
    pub anchor: String,
    /// Key in `servers`.
    pub name: String,
    /// `protocol://host/pathname`.
    pub url: String,
    /// Protocol.
    pub protocol: String,
    /// Protocol version.
    pub protocol_version: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
    /// Variables: (name, default, allowed values, description html).
    pub variables: Vec<VariableView>,
    /// MQTT server binding facts (`cleanSession: true`, `keepAlive: 60 s`, `lastWill: ...`).
    pub binding: Vec<String>,
    /// Security alternatives: (scheme anchor, scheme name).
    pub security: Vec<LinkView>,
    /// The generated connection preset struct.
    pub rust_type: String,
}

/// A server variable.
#[derive(Debug, Serialize)]
pub struct VariableView {
    /// Name.
    pub name: String,
    /// Default.
    pub default: Option<String>,
    /// Allowed values.
    pub allowed: Vec<String>,
    /// Description as inert HTML.
    pub description_html: String,
}

/// A security scheme: what a client must present, never a secret.
#[derive(Debug, Serialize)]
pub struct SchemeView {
    /// Anchor.
    pub anchor: String,
    /// Key in `components/securitySchemes`.
    pub name: String,
    /// `type`.
    pub kind: String,
    /// What the client needs, in words.
    pub needs: String,
    /// The environment variables generated `config_from_env` reads, when the runtime supports it.
    pub env: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
}

/// Operations under one tag (or none).
#[derive(Debug, Serialize)]
pub struct OperationGroup {
    /// Tag name, or empty for untagged operations.
    pub tag: String,
    /// Anchor of the group.
    pub anchor: String,
    /// Received operations, then sent ones (each list may be empty).
    pub actions: Vec<ActionGroup>,
}

/// Operations of one action within a group.
#[derive(Debug, Serialize)]
pub struct ActionGroup {
    /// `receive` or `send` (or `none`).
    pub action: &'static str,
    /// Heading text.
    pub heading: &'static str,
    /// The operations.
    pub operations: Vec<OperationView>,
}

/// An operation.
#[derive(Debug, Serialize)]
pub struct OperationView {
    /// Anchor.
    pub anchor: String,
    /// Operation id.
    pub id: String,
    /// `send`, `receive` or `none`.
    pub action: &'static str,
    /// Title or summary.
    pub summary: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
    /// The channel.
    pub channel: LinkView,
    /// The channel's address.
    pub address: String,
    /// Messages.
    pub messages: Vec<LinkView>,
    /// QoS, retain and message expiry from the MQTT binding.
    pub binding: Vec<String>,
    /// Security alternatives.
    pub security: Vec<LinkView>,
    /// Tags (all of them; the operation is listed under the first).
    pub tags: Vec<String>,
    /// The reply, for request/reply operations.
    pub reply: Option<ReplyView>,
    /// Correlation id locations of the request messages.
    pub correlation: Vec<String>,
    /// Generated code in the application the spec describes.
    pub app: Option<CodeView>,
    /// Generated code in the mirror client (`--role client`).
    pub client: Option<CodeView>,
}

/// The reply of a request/reply operation.
#[derive(Debug, Serialize)]
pub struct ReplyView {
    /// The reply channel, when named.
    pub channel: Option<LinkView>,
    /// The reply channel's address (`None` for a dynamic address).
    pub address: Option<String>,
    /// Where the request names its reply address (`$message.header#/replyTo`).
    pub address_location: Option<String>,
    /// Reply messages.
    pub messages: Vec<LinkView>,
    /// Correlation id locations of the reply messages.
    pub correlation: Vec<String>,
}

/// Generated Rust for an operation in one role.
#[derive(Debug, Serialize)]
pub struct CodeView {
    /// `Handler::on_x` or `Publisher::x`.
    pub method: String,
    /// `Publisher::x_with`, for published operations.
    pub method_with: Option<String>,
    /// The message enum when there are several messages.
    pub message_enum: Option<String>,
    /// The reply enum when the reply has several messages.
    pub reply_enum: Option<String>,
}

/// A channel.
#[derive(Debug, Serialize)]
pub struct ChannelView {
    /// Anchor.
    pub anchor: String,
    /// Channel id.
    pub id: String,
    /// Address, or `None` for a dynamic one.
    pub address: Option<String>,
    /// Title / summary.
    pub summary: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
    /// Parameters.
    pub parameters: Vec<ParameterView>,
    /// Messages.
    pub messages: Vec<LinkView>,
    /// Operations on this channel.
    pub operations: Vec<LinkView>,
    /// Servers the channel is limited to (empty: all).
    pub servers: Vec<LinkView>,
    /// `{Channel}Params` or `{CHANNEL}_TOPIC`.
    pub rust: Option<String>,
}

/// A channel parameter.
#[derive(Debug, Serialize)]
pub struct ParameterView {
    /// Name.
    pub name: String,
    /// Type label from its schema.
    pub ty: String,
    /// Allowed values.
    pub allowed: Vec<String>,
    /// Pattern, when the schema has one.
    pub pattern: Option<String>,
    /// Default.
    pub default: Option<String>,
    /// Examples.
    pub examples: Vec<String>,
    /// `location`.
    pub location: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
    /// The generated field and its type (`id: i64`).
    pub rust: Option<String>,
    /// False when the address uses it without declaring it.
    pub declared: bool,
}

/// A message.
#[derive(Debug, Serialize)]
pub struct MessageView {
    /// Anchor.
    pub anchor: String,
    /// Unique message name.
    pub name: String,
    /// `name` as written, when it differs.
    pub message_name: Option<String>,
    /// Title / summary.
    pub summary: Option<String>,
    /// Description as inert HTML.
    pub description_html: String,
    /// Content type.
    pub content_type: Option<String>,
    /// Payload schema.
    pub payload: Option<SlotView>,
    /// Headers schema.
    pub headers: Option<SlotView>,
    /// `correlationId.location`.
    pub correlation_id: Option<String>,
    /// MQTT message binding facts.
    pub binding: Vec<String>,
    /// Examples.
    pub examples: Vec<ExampleView>,
    /// Tags.
    pub tags: Vec<String>,
    /// Channels carrying it.
    pub channels: Vec<LinkView>,
    /// Generated payload type (`types::LightMeasuredPayload`, `String`, `Vec<u8>`, `()`).
    pub rust_payload: String,
    /// Generated headers type.
    pub rust_headers: Option<String>,
}

/// A payload or headers schema.
#[derive(Debug, Serialize)]
pub struct SlotView {
    /// `schemaFormat`.
    pub format: String,
    /// True for the document's own AsyncAPI schema format (not worth a line per message).
    pub default_format: bool,
    /// The table rows, for JSON-Schema-like formats.
    pub root: Option<SchemaRow>,
    /// The raw schema, pretty-printed, for other formats (Avro, Protobuf, ...).
    pub raw: Option<String>,
}

/// A message example.
#[derive(Debug, Serialize)]
pub struct ExampleView {
    /// Name or summary.
    pub label: String,
    /// Headers, pretty-printed JSON.
    pub headers: Option<String>,
    /// Payload, pretty-printed JSON (or the text itself for a string payload).
    pub payload: Option<String>,
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn action_name(action: Option<Action>) -> &'static str {
    match action {
        Some(Action::Send) => "send",
        Some(Action::Receive) => "receive",
        None => "none",
    }
}

fn qos(qos: Qos) -> &'static str {
    match qos {
        Qos::AtMostOnce => "QoS 0 (at most once)",
        Qos::AtLeastOnce => "QoS 1 (at least once)",
        Qos::ExactlyOnce => "QoS 2 (exactly once)",
    }
}

/// The address as written, or the id for a dynamic channel.
fn address_text(channel: &Channel) -> Option<String> {
    channel.address.as_ref().map(|address| address.raw.clone())
}

fn summary(title: &Option<String>, summary: &Option<String>) -> Option<String> {
    match (title, summary) {
        (Some(title), Some(summary)) if title != summary => Some(format!("{title} — {summary}")),
        (Some(text), _) | (None, Some(text)) => Some(text.clone()),
        (None, None) => None,
    }
}

/// Builds the page of `doc`.
pub fn page(doc: &Document) -> Page {
    let app = service_names(doc, Role::App);
    let client = service_names(doc, Role::Client);
    let types = name_types(doc).messages();
    let channel_link = |index: usize| LinkView {
        anchor: anchor("channel", &doc.channels[index].id),
        text: doc.channels[index].id.clone(),
    };
    let message_link = |index: usize| LinkView {
        anchor: anchor("message", &doc.messages[index].name),
        text: doc.messages[index].name.clone(),
    };
    let scheme_link = |name: &String| LinkView {
        anchor: anchor("security", name),
        text: name.clone(),
    };
    let operation_link = |operation: &Operation| LinkView {
        anchor: anchor("operation", &operation.id),
        text: operation.id.clone(),
    };

    let servers = doc
        .servers
        .iter()
        .enumerate()
        .map(|(index, server)| ServerView {
            anchor: anchor("server", &server.name),
            name: server.name.clone(),
            url: format!(
                "{}://{}{}",
                server.protocol,
                server.host,
                server.pathname.as_deref().unwrap_or("")
            ),
            protocol: server.protocol.clone(),
            protocol_version: server.protocol_version.clone(),
            description_html: markdown_opt(server.description.as_deref()),
            variables: server
                .variables
                .iter()
                .map(|variable| VariableView {
                    name: variable.name.clone(),
                    default: variable.default.clone(),
                    allowed: variable.allowed.clone(),
                    description_html: markdown_opt(variable.description.as_deref()),
                })
                .collect(),
            binding: server_binding(server),
            security: server.security.iter().map(scheme_link).collect(),
            rust_type: app.servers.get(index).cloned().unwrap_or_default(),
        })
        .collect();

    let security_schemes = doc
        .security_schemes
        .iter()
        .map(|scheme| SchemeView {
            anchor: anchor("security", &scheme.name),
            name: scheme.name.clone(),
            kind: scheme.kind.clone(),
            needs: scheme_needs(&scheme.kind, scheme.location.as_deref()),
            env: credentials_needed(scheme),
            description_html: markdown_opt(scheme.description.as_deref()),
        })
        .collect();

    let correlations = |indices: &[usize]| -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for &index in indices {
            if let Some(location) = &doc.messages[index].correlation_id {
                if !found.contains(location) {
                    found.push(location.clone());
                }
            }
        }
        found
    };

    let operations: Vec<OperationView> = doc
        .operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            let channel = &doc.channels[operation.channel];
            let address = address_text(channel).unwrap_or_else(|| "(dynamic)".into());
            let reply = operation.reply.as_ref().map(|reply| {
                let messages: Vec<usize> = if reply.messages.is_empty() {
                    reply
                        .channel
                        .map(|c| doc.channels[c].messages.iter().map(|m| m.message).collect())
                        .unwrap_or_default()
                } else {
                    reply.messages.clone()
                };
                ReplyView {
                    channel: reply.channel.map(channel_link),
                    address: reply.channel.and_then(|c| address_text(&doc.channels[c])),
                    address_location: reply.address_location.clone(),
                    correlation: correlations(&messages),
                    messages: messages.iter().map(|&m| message_link(m)).collect(),
                }
            });
            let mut binding = Vec::new();
            if let Some(mqtt) = &operation.mqtt {
                if let Some(level) = mqtt.qos {
                    binding.push(qos(level).to_string());
                }
                if let Some(retain) = mqtt.retain {
                    binding.push(format!("retain: {retain}"));
                }
                if let Some(expiry) = mqtt.message_expiry_interval {
                    binding.push(format!("message expiry: {expiry} s"));
                }
            }
            let action = action_name(operation.action);
            OperationView {
                anchor: anchor("operation", &operation.id),
                id: operation.id.clone(),
                action,
                summary: summary(&operation.title, &operation.summary),
                description_html: markdown_opt(operation.description.as_deref()),
                channel: channel_link(operation.channel),
                address,
                messages: operation
                    .messages
                    .iter()
                    .map(|&m| message_link(m))
                    .collect(),
                binding,
                security: operation.security.iter().map(scheme_link).collect(),
                tags: operation.tags.iter().map(|tag| tag.name.clone()).collect(),
                reply,
                correlation: correlations(&operation.messages),
                app: code(app.operations.get(index)),
                client: code(client.operations.get(index)),
            }
        })
        .collect();

    let channels = doc
        .channels
        .iter()
        .enumerate()
        .map(|(index, channel)| {
            channel_view(doc, &app, index, channel, &message_link, &operation_link)
        })
        .collect();

    let messages = doc
        .messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            let carriers: Vec<LinkView> = doc
                .channels
                .iter()
                .enumerate()
                .filter(|(_, channel)| channel.messages.iter().any(|m| m.message == index))
                .map(|(c, _)| channel_link(c))
                .collect();
            message_view(doc, message, types.get(index), carriers)
        })
        .collect();

    let counts = Counts {
        channels: doc.channels.len(),
        operations: doc.operations.len(),
        messages: doc.messages.len(),
        sends: operations.iter().filter(|op| op.action == "send").count(),
        receives: operations
            .iter()
            .filter(|op| op.action == "receive")
            .count(),
    };

    Page {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        asyncapi_version: doc.asyncapi_version.clone(),
        id: doc.id.clone(),
        default_content_type: doc.default_content_type.clone(),
        description_html: markdown_opt(doc.info.description.as_deref()),
        generator_version: env!("CARGO_PKG_VERSION"),
        servers,
        security_schemes,
        tags: doc.tags.iter().map(tag_view).collect(),
        tree: topic_tree(doc),
        operation_groups: group_operations(doc, operations),
        channels,
        messages,
        counts,
    }
}

fn tag_view(tag: &Tag) -> TagView {
    TagView {
        name: tag.name.clone(),
        description_html: markdown_opt(tag.description.as_deref()),
    }
}

fn code(names: Option<&Option<OperationNames>>) -> Option<CodeView> {
    let names = names?.as_ref()?;
    let owner = if names.handled {
        "Handler"
    } else {
        "Publisher"
    };
    Some(CodeView {
        method: format!("{owner}::{}", names.method),
        method_with: (!names.method_with.is_empty())
            .then(|| format!("{owner}::{}", names.method_with)),
        message_enum: names.message_enum.clone(),
        reply_enum: names.reply_enum.clone(),
    })
}

/// What a client presents for a scheme, in words.
fn scheme_needs(kind: &str, location: Option<&str>) -> String {
    match kind {
        "userPassword" => "a user name and a password (MQTT CONNECT)".into(),
        "apiKey" | "httpApiKey" => format!(
            "an API key sent as the MQTT {}",
            if location == Some("password") {
                "password"
            } else {
                "user name"
            }
        ),
        "X509" => "a client certificate and its private key (TLS)".into(),
        "symmetricEncryption" | "asymmetricEncryption" => "an encryption key".into(),
        "oauth2" | "openIdConnect" => "an OAuth 2 access token (sent as the MQTT password)".into(),
        "httpBearer" | "http" => "a bearer token (sent as the MQTT password)".into(),
        "plain" | "scramSha256" | "scramSha512" | "gssapi" => {
            format!("SASL {kind} credentials (a user name and a password)")
        }
        other => format!("credentials of type {other}"),
    }
}

fn server_binding(server: &crate::model::Server) -> Vec<String> {
    let Some(mqtt) = &server.mqtt else {
        return Vec::new();
    };
    let mut facts = Vec::new();
    if let Some(id) = &mqtt.client_id {
        facts.push(format!("clientId: {id}"));
    }
    if let Some(clean) = mqtt.clean_session {
        facts.push(format!("cleanSession: {clean}"));
    }
    if let Some(keep_alive) = mqtt.keep_alive {
        facts.push(format!("keepAlive: {keep_alive} s"));
    }
    if let Some(expiry) = mqtt.session_expiry_interval {
        facts.push(format!("sessionExpiryInterval: {expiry} s"));
    }
    if let Some(size) = mqtt.maximum_packet_size {
        facts.push(format!("maximumPacketSize: {size} bytes"));
    }
    if let Some(will) = &mqtt.last_will {
        let mut text = format!(
            "lastWill: topic {}",
            will.topic.as_deref().unwrap_or("(none)")
        );
        if let Some(level) = will.qos {
            text.push_str(&format!(", {}", qos(level)));
        }
        if let Some(retain) = will.retain {
            text.push_str(&format!(", retain {retain}"));
        }
        if let Some(message) = &will.message {
            text.push_str(&format!(", message {message:?}"));
        }
        facts.push(text);
    }
    if let Some(version) = &mqtt.binding_version {
        facts.push(format!("bindingVersion: {version}"));
    }
    facts
}

fn channel_view(
    doc: &Document,
    app: &ServiceNames,
    index: usize,
    channel: &Channel,
    message_link: &dyn Fn(usize) -> LinkView,
    operation_link: &dyn Fn(&Operation) -> LinkView,
) -> ChannelView {
    let names = app.channels.get(index).and_then(Option::as_ref);
    let parameters = channel
        .parameters
        .iter()
        .map(|parameter| {
            let schema = parameter.schema.as_ref();
            let ty = schema
                .and_then(|s| s.get("type"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or("string")
                .to_string();
            let rust = names.and_then(|names| {
                names
                    .fields
                    .iter()
                    .find(|(wire, _, _)| *wire == parameter.name)
                    .map(|(_, field, ty)| format!("{field}: {ty}"))
            });
            ParameterView {
                name: parameter.name.clone(),
                ty,
                allowed: parameter.allowed.iter().map(value_text).collect(),
                pattern: schema
                    .and_then(|s| s.get("pattern"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
                default: parameter.default.as_ref().map(value_text),
                examples: parameter.examples.iter().map(value_text).collect(),
                location: parameter.location.clone(),
                description_html: markdown_opt(parameter.description.as_deref()),
                rust,
                declared: parameter.declared,
            }
        })
        .collect();
    let rust = names.and_then(|names| names.params_type.clone().or(names.topic_const.clone()));
    let address = address_text(channel);
    ChannelView {
        anchor: anchor("channel", &channel.id),
        id: channel.id.clone(),
        address,
        summary: summary(&channel.title, &channel.summary),
        description_html: markdown_opt(channel.description.as_deref()),
        parameters,
        messages: channel
            .messages
            .iter()
            .map(|m| message_link(m.message))
            .collect(),
        operations: doc
            .operations
            .iter()
            .filter(|operation| {
                operation.channel == index
                    || operation.reply.as_ref().and_then(|reply| reply.channel) == Some(index)
            })
            .map(operation_link)
            .collect(),
        servers: channel
            .servers
            .iter()
            .map(|name| LinkView {
                anchor: anchor("server", name),
                text: name.clone(),
            })
            .collect(),
        rust,
    }
}

/// A parameter value as text: strings bare, other JSON as written.
fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn slot_view(doc: &Document, slot: &SchemaSlot) -> SlotView {
    let default_format = slot.schema_format
        == format!(
            "application/vnd.aai.asyncapi+json;version={}",
            doc.asyncapi_version
        );
    if slot.is_json_schema {
        SlotView {
            default_format,
            format: slot.schema_format.clone(),
            root: Some(rows(doc, &slot.schema)),
            raw: None,
        }
    } else {
        SlotView {
            default_format,
            format: slot.schema_format.clone(),
            root: None,
            raw: Some(match &slot.schema {
                serde_json::Value::String(text) => text.clone(),
                other => pretty(other),
            }),
        }
    }
}

fn message_view(
    doc: &Document,
    message: &Message,
    types: Option<&crate::types::MessageTypes>,
    channels: Vec<LinkView>,
) -> MessageView {
    let rust_payload = match types.map(|t| &t.payload) {
        Some(PayloadType::Json(name)) => format!("types::{name}"),
        Some(PayloadType::TextValue(name)) => format!("types::{name} (as text)"),
        Some(PayloadType::Text) => "String".into(),
        Some(PayloadType::Bytes) => "Vec<u8>".into(),
        Some(PayloadType::Empty) | None => "()".into(),
    };
    let rust_headers = types
        .and_then(|t| t.headers.as_ref())
        .map(|name| format!("types::{name}"));
    let mut binding = Vec::new();
    if let Some(mqtt) = &message.mqtt {
        if let Some(indicator) = mqtt.payload_format_indicator {
            binding.push(format!(
                "payloadFormatIndicator: {indicator} ({})",
                if indicator == 1 { "UTF-8" } else { "bytes" }
            ));
        }
        if let Some(content_type) = &mqtt.content_type {
            binding.push(format!("contentType: {content_type}"));
        }
        if let Some(data) = &mqtt.correlation_data {
            binding.push(format!("correlationData: {data}"));
        }
        if let Some(topic) = &mqtt.response_topic {
            binding.push(format!("responseTopic: {}", value_text(topic)));
        }
    }
    let examples = message
        .examples
        .iter()
        .enumerate()
        .map(|(index, example)| ExampleView {
            label: example
                .name
                .clone()
                .or_else(|| example.summary.clone())
                .unwrap_or_else(|| format!("Example {}", index + 1)),
            headers: example.headers.as_ref().map(pretty),
            payload: example.payload.as_ref().map(|payload| match payload {
                serde_json::Value::String(text) => text.clone(),
                other => pretty(other),
            }),
        })
        .collect();
    let message_name = message
        .message_name
        .clone()
        .filter(|name| !name.eq_ignore_ascii_case(&message.name));
    MessageView {
        anchor: anchor("message", &message.name),
        name: message.name.clone(),
        message_name,
        summary: summary(&message.title, &message.summary),
        description_html: markdown_opt(message.description.as_deref()),
        content_type: message.content_type.clone(),
        payload: message.payload.as_ref().map(|slot| slot_view(doc, slot)),
        headers: message.headers.as_ref().map(|slot| slot_view(doc, slot)),
        correlation_id: message.correlation_id.clone(),
        binding,
        examples,
        tags: message.tags.iter().map(|tag| tag.name.clone()).collect(),
        channels,
        rust_payload,
        rust_headers,
    }
}

/// Groups operations by their first tag (API tags first in their order, then tags first seen on
/// operations, untagged last), each group split into received, then sent operations.
fn group_operations(doc: &Document, operations: Vec<OperationView>) -> Vec<OperationGroup> {
    let mut order: Vec<String> = doc.tags.iter().map(|tag| tag.name.clone()).collect();
    for operation in &operations {
        if let Some(tag) = operation.tags.first() {
            if !order.contains(tag) {
                order.push(tag.clone());
            }
        }
    }
    order.push(String::new());
    let mut buckets: Vec<Vec<OperationView>> = order.iter().map(|_| Vec::new()).collect();
    for operation in operations {
        let tag = operation.tags.first().cloned().unwrap_or_default();
        let slot = order
            .iter()
            .position(|name| *name == tag)
            .unwrap_or(order.len() - 1);
        buckets[slot].push(operation);
    }
    order
        .into_iter()
        .zip(buckets)
        .filter(|(_, operations)| !operations.is_empty())
        .map(|(tag, operations)| {
            let mut actions = Vec::new();
            let mut rest = operations;
            for (action, heading) in [
                ("receive", "The application receives"),
                ("send", "The application sends"),
                ("none", "No action"),
            ] {
                let (these, others): (Vec<_>, Vec<_>) =
                    rest.into_iter().partition(|op| op.action == action);
                rest = others;
                if !these.is_empty() {
                    actions.push(ActionGroup {
                        action,
                        heading,
                        operations: these,
                    });
                }
            }
            OperationGroup {
                anchor: if tag.is_empty() {
                    "operations-untagged".into()
                } else {
                    anchor("tag", &tag)
                },
                tag,
                actions,
            }
        })
        .collect()
}
