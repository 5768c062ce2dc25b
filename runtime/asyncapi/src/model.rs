//! The plain-data document model: what a service publishes and receives, independent of the
//! AsyncAPI JSON layout (that is [`build`](super::build)'s job).
//!
//! Everything here can be built by hand or by generated code; the attribute macros
//! ([`subscriber`](crate::subscriber), [`publisher`](crate::publisher)) build the same values.
//!
//! ```
//! use mqttgen_asyncapi::{Document, Info, MessageDoc, OperationDoc};
//! use mqttgen_asyncapi::QoS;
//! let op = OperationDoc::receive("handle_temperature", "devices/{device_id}/temperature")
//!     .qos(QoS::AtLeastOnce)
//!     .message(MessageDoc::new("Reading", serde_json::json!({"type": "number"})));
//! let doc = Document::new(Info::new("Thermostat", "1.0.0")).operation(op);
//! assert!(doc.to_yaml().unwrap().contains("address: devices/{device_id}/temperature"));
//! ```

use crate::QoS;
pub use mqttgen_address::Location;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The AsyncAPI version written into the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AsyncApiVersion {
    /// `3.0.0` (default).
    #[default]
    #[serde(rename = "3.0.0")]
    V3_0_0,
    /// `3.1.0`.
    #[serde(rename = "3.1.0")]
    V3_1_0,
}

impl AsyncApiVersion {
    /// The version string, e.g. `"3.0.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AsyncApiVersion::V3_0_0 => "3.0.0",
            AsyncApiVersion::V3_1_0 => "3.1.0",
        }
    }

    /// Parses `"3.0.0"` or `"3.1.0"`.
    pub fn parse(text: &str) -> Option<AsyncApiVersion> {
        match text {
            "3.0.0" | "3.0" => Some(AsyncApiVersion::V3_0_0),
            "3.1.0" | "3.1" => Some(AsyncApiVersion::V3_1_0),
            _ => None,
        }
    }
}

/// A whole service description: info, servers, operations (which imply channels and messages)
/// and security schemes. Serialise with [`Document::to_yaml`] / [`Document::to_json`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Document {
    /// AsyncAPI version to emit.
    #[serde(skip_serializing_if = "AsyncApiVersion::is_default")]
    pub version: AsyncApiVersion,
    /// Optional `id` (a URI identifying the application, e.g. `urn:example:thermostat`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title, version and description.
    pub info: Info,
    /// `defaultContentType`; messages with the same content type omit theirs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_content_type: Option<String>,
    /// Security schemes referenced by [`Server::security`], in output order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_schemes: Vec<SecuritySchemeDoc>,
    /// Servers, in output order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Extra named schemas for `components/schemas` (`[A-Za-z0-9._-]` names), for payloads that
    /// refer to them as `#/components/schemas/<name>` (e.g. generated code).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<(String, Value)>,
    /// Extra metadata for channels (explicit ids, titles, descriptions), matched by address.
    /// Channels without an entry here get an id derived from their address.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelDoc>,
    /// Operations, in output order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationDoc>,
}

impl Document {
    /// An empty document with `defaultContentType: application/json`.
    pub fn new(info: Info) -> Document {
        Document {
            info,
            default_content_type: Some(crate::JSON.to_owned()),
            ..Document::default()
        }
    }

    /// Selects the AsyncAPI version to emit.
    pub fn asyncapi_version(mut self, version: AsyncApiVersion) -> Self {
        self.version = version;
        self
    }

    /// Adds a server.
    pub fn server(mut self, server: Server) -> Self {
        self.servers.push(server);
        self
    }

    /// Adds channel metadata.
    pub fn channel(mut self, channel: ChannelDoc) -> Self {
        self.channels.push(channel);
        self
    }

    /// Adds an operation.
    pub fn operation(mut self, operation: OperationDoc) -> Self {
        self.operations.push(operation);
        self
    }

    /// Adds a security scheme.
    pub fn security_scheme(mut self, scheme: SecuritySchemeDoc) -> Self {
        self.security_schemes.push(scheme);
        self
    }

    /// Adds a named schema to `components/schemas` (draft-07; its own `definitions` are moved
    /// next to it like a payload's).
    pub fn schema(mut self, name: impl Into<String>, schema: Value) -> Self {
        self.schemas.push((name.into(), schema));
        self
    }
}

/// The `info` object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Info {
    /// Title of the application.
    pub title: String,
    /// Version of the application (not of AsyncAPI).
    pub version: String,
    /// Longer description (CommonMark).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Info {
    /// Title and version.
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Info {
        Info {
            title: title.into(),
            version: version.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A broker the application connects to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Key in `servers` (sanitised to `[A-Za-z0-9._-]`).
    pub name: String,
    /// `host[:port]`.
    pub host: String,
    /// AsyncAPI protocol name: `mqtt`, `secure-mqtt`, `ws` or `wss`.
    pub protocol: String,
    /// `"5"` or `"3.1.1"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// Path for WebSocket transports (e.g. `/mqtt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pathname: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Names of [`SecuritySchemeDoc`]s this server requires (emitted as `$ref`s).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<String>,
    /// MQTT server bindings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<MqttServerBinding>,
    /// Server variables: the `{name}`s of `host` and `pathname`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<ServerVariableDoc>,
}

/// A server variable (`{name}` in a server's host or pathname).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerVariableDoc {
    /// Name as written between the braces.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Allowed values (`enum`), empty for any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    /// Example values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

impl ServerVariableDoc {
    /// A variable called `name`.
    pub fn new(name: impl Into<String>) -> ServerVariableDoc {
        ServerVariableDoc {
            name: name.into(),
            ..ServerVariableDoc::default()
        }
    }
}

impl Server {
    /// A server called `name` at `host[:port]` speaking `protocol`.
    pub fn new(
        name: impl Into<String>,
        host: impl Into<String>,
        protocol: impl Into<String>,
    ) -> Server {
        Server {
            name: name.into(),
            host: host.into(),
            protocol: protocol.into(),
            ..Server::default()
        }
    }

    /// Sets the MQTT protocol version (`"5"` or `"3.1.1"`).
    pub fn protocol_version(mut self, version: impl Into<String>) -> Self {
        self.protocol_version = Some(version.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Requires the security scheme named `scheme`.
    pub fn security(mut self, scheme: impl Into<String>) -> Self {
        self.security.push(scheme.into());
        self
    }

    /// Sets the MQTT server bindings.
    pub fn binding(mut self, binding: MqttServerBinding) -> Self {
        self.binding = Some(binding);
        self
    }

    /// Adds a server variable.
    pub fn variable(mut self, variable: ServerVariableDoc) -> Self {
        self.variables.push(variable);
        self
    }
}

/// MQTT server bindings (`bindingVersion` 0.2.0).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MqttServerBinding {
    /// `clientId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `cleanSession` (clean start under MQTT 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clean_session: Option<bool>,
    /// `keepAlive` in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<u64>,
    /// `sessionExpiryInterval` in seconds (MQTT 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_expiry_interval: Option<u64>,
    /// `maximumPacketSize` in bytes (MQTT 5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_packet_size: Option<u64>,
    /// `lastWill`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_will: Option<LastWillDoc>,
}

/// The last will in [`MqttServerBinding`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LastWillDoc {
    /// Topic of the will message.
    pub topic: String,
    /// QoS of the will message (in the model's JSON: 0, 1 or 2).
    pub qos: QoS,
    /// Will payload as text, if it is UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Retain flag of the will message.
    pub retain: bool,
}

/// How a server authenticates clients; emitted under `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySchemeDoc {
    /// Key in `components/securitySchemes`.
    pub name: String,
    /// The kind of scheme (in the model's JSON: the AsyncAPI `type`, e.g. `"userPassword"`).
    pub kind: SecurityKind,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `in` of an `apiKey` scheme (`user` or `password`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl SecuritySchemeDoc {
    /// A scheme called `name` of `kind`.
    pub fn new(name: impl Into<String>, kind: SecurityKind) -> SecuritySchemeDoc {
        SecuritySchemeDoc {
            name: name.into(),
            kind,
            description: None,
            location: None,
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Security scheme types relevant to MQTT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityKind {
    /// Username and password in CONNECT (`userPassword`).
    UserPassword,
    /// Client certificate (`X509`).
    X509,
    /// A symmetric key (`symmetricEncryption`).
    SymmetricEncryption,
    /// An asymmetric key pair (`asymmetricEncryption`).
    AsymmetricEncryption,
    /// Any other AsyncAPI type as written (`apiKey`, `plain`, `scramSha256`, `oauth2`...).
    Other(String),
}

impl SecurityKind {
    /// The AsyncAPI `type` value.
    pub fn as_str(&self) -> &str {
        match self {
            SecurityKind::UserPassword => "userPassword",
            SecurityKind::X509 => "X509",
            SecurityKind::SymmetricEncryption => "symmetricEncryption",
            SecurityKind::AsymmetricEncryption => "asymmetricEncryption",
            SecurityKind::Other(kind) => kind,
        }
    }
}

/// Optional metadata for the channel at `address`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelDoc {
    /// The topic template this entry describes (matched exactly against operation addresses).
    pub address: String,
    /// Explicit channel id (`[A-Za-z0-9._-]`); derived from the address when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ChannelDoc {
    /// Metadata for the channel at `address`.
    pub fn new(address: impl Into<String>) -> ChannelDoc {
        ChannelDoc {
            address: address.into(),
            ..ChannelDoc::default()
        }
    }

    /// Sets an explicit channel id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Whether the application receives or sends on an operation's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The application subscribes (a handler).
    #[default]
    Receive,
    /// The application publishes (a publisher).
    Send,
}

impl Action {
    /// `"receive"` or `"send"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Receive => "receive",
            Action::Send => "send",
        }
    }
}

/// One operation: a handler (receive) or a publisher (send) on a topic template.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperationDoc {
    /// Operation id (key in `operations`; `[A-Za-z0-9._-]`).
    pub id: String,
    /// Receive or send.
    pub action: Action,
    /// Topic template, e.g. `devices/{device_id}/temperature` (no `$share/` prefix, no `#`).
    pub address: String,
    /// Summary (first paragraph of the doc comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description (the rest of the doc comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// MQTT QoS (operation binding `qos`; in the model's JSON: 0, 1 or 2).
    pub qos: QoS,
    /// MQTT retain flag (operation binding `retain`).
    #[serde(skip_serializing_if = "is_false")]
    pub retain: bool,
    /// MQTT 5 message expiry in seconds (operation binding `messageExpiryInterval`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expiry_interval: Option<u32>,
    /// MQTT 5 shared-subscription group (emitted as `x-mqtt-shared-group`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_group: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Descriptions of the address's `{params}`. Missing ones are added without description;
    /// ones not in the address are an error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ParameterDoc>,
    /// The messages this operation carries (at least one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageDoc>,
    /// The reply this operation sends back (request/reply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplyDoc>,
}

impl OperationDoc {
    /// A receive operation (a handler) on `address`.
    pub fn receive(id: impl Into<String>, address: impl Into<String>) -> OperationDoc {
        OperationDoc {
            id: id.into(),
            action: Action::Receive,
            address: address.into(),
            ..OperationDoc::default()
        }
    }

    /// A send operation (a publisher) on `address`.
    pub fn send(id: impl Into<String>, address: impl Into<String>) -> OperationDoc {
        OperationDoc {
            action: Action::Send,
            ..OperationDoc::receive(id, address)
        }
    }

    /// Adds a message.
    pub fn message(mut self, message: MessageDoc) -> Self {
        self.messages.push(message);
        self
    }

    /// Describes a `{param}` of the address.
    pub fn parameter(mut self, parameter: ParameterDoc) -> Self {
        self.parameters.push(parameter);
        self
    }

    /// Sets the QoS.
    pub fn qos(mut self, qos: QoS) -> Self {
        self.qos = qos;
        self
    }

    /// Sets the retain flag.
    pub fn retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }

    /// Sets the MQTT 5 message expiry interval in seconds.
    pub fn message_expiry_interval(mut self, seconds: u32) -> Self {
        self.message_expiry_interval = Some(seconds);
        self
    }

    /// Sets the shared-subscription group.
    pub fn shared_group(mut self, group: impl Into<String>) -> Self {
        self.shared_group = Some(group.into());
        self
    }

    /// Sets the summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the reply.
    pub fn reply(mut self, reply: ReplyDoc) -> Self {
        self.reply = Some(reply);
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

/// A `{param}` of a topic template.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ParameterDoc {
    /// Name as written between the braces.
    pub name: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value used when none is given (`default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Allowed values (`enum`), empty for any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    /// Example values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

impl ParameterDoc {
    /// A parameter called `name`.
    pub fn new(name: impl Into<String>) -> ParameterDoc {
        ParameterDoc {
            name: name.into(),
            ..ParameterDoc::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Restricts the values (`enum`).
    pub fn enum_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.enum_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an example value.
    pub fn example(mut self, example: impl Into<String>) -> Self {
        self.examples.push(example.into());
        self
    }

    /// Sets the default value.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }
}

/// A message: a payload schema, optional headers schema and metadata.
///
/// Schemas are JSON Schema draft-07 values. Named sub-schemas go under `definitions` with local
/// refs `#/definitions/Name`; the builder moves them to `components/schemas` and rewrites the refs.
/// When `payload_name` is set the payload itself is also moved there under that name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageDoc {
    /// Message name (key in the channel's `messages`; `[A-Za-z0-9._-]` after sanitising).
    pub name: String,
    /// Content type, e.g. `application/json`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_type: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the correlation id is (`correlationId.location`); in the model's JSON the runtime
    /// expression, e.g. `$message.header#/correlationId`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "correlation_expression"
    )]
    pub correlation_id: Option<Location>,
    /// Payload schema (draft-07).
    pub payload_schema: Value,
    /// Name of the payload schema in `components/schemas`; `None` keeps it inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_name: Option<String>,
    /// Schema of the MQTT 5 user properties (an object schema), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers_schema: Option<Value>,
    /// Name of the headers schema in `components/schemas`; `None` keeps it inline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers_name: Option<String>,
    /// Examples (payload, headers, name, summary).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExampleDoc>,
}

impl MessageDoc {
    /// A JSON message called `name` with an inline payload schema.
    pub fn new(name: impl Into<String>, payload_schema: Value) -> MessageDoc {
        MessageDoc {
            name: name.into(),
            content_type: crate::JSON.to_owned(),
            payload_schema,
            ..MessageDoc::default()
        }
    }

    /// A copy of this message under another name (e.g. the key a channel lists it under).
    pub fn named(&self, name: impl Into<String>) -> MessageDoc {
        MessageDoc {
            name: name.into(),
            ..self.clone()
        }
    }

    /// Sets the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Moves the payload schema to `components/schemas/{name}` (referenced from the message).
    pub fn payload_name(mut self, name: impl Into<String>) -> Self {
        self.payload_name = Some(name.into());
        self
    }

    /// Sets the headers (MQTT 5 user properties) schema; `name` puts it in
    /// `components/schemas`, `None` keeps it inline.
    pub fn headers_schema(mut self, schema: Value, name: Option<String>) -> Self {
        self.headers_schema = Some(schema);
        self.headers_name = name;
        self
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets where the correlation id is found, e.g. `Location::header("correlationId")` for
    /// `$message.header#/correlationId` ([`Location::parse`] reads the expression).
    pub fn correlation_id(mut self, location: Location) -> Self {
        self.correlation_id = Some(location);
        self
    }

    /// Sets the summary.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an example payload.
    pub fn example(mut self, example: Value) -> Self {
        self.examples.push(ExampleDoc::payload(example));
        self
    }

    /// Adds an example with its name, summary or headers.
    pub fn example_doc(mut self, example: ExampleDoc) -> Self {
        self.examples.push(example);
        self
    }
}

/// An example of a message (`examples` of a message object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExampleDoc {
    /// Name of the example.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Summary of the example.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Example headers (MQTT 5 user properties).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    /// Example payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

impl ExampleDoc {
    /// An unnamed example with `payload`.
    pub fn payload(payload: Value) -> ExampleDoc {
        ExampleDoc {
            payload: Some(payload),
            ..ExampleDoc::default()
        }
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// Where a reply goes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyAddress {
    /// To the request's MQTT 5 Response Topic property (dynamic; `address: null`); reply
    /// messages get a `correlationId` at the request's Correlation Data.
    #[default]
    ResponseTopic,
    /// To a fixed topic template.
    Topic(String),
    /// To the address found at a place in the request, e.g. `$message.header#/replyTo` or
    /// `$message.payload#/replyTo` (dynamic; `address: null`); in the model's JSON the runtime
    /// expression.
    Location(#[serde(with = "reply_expression")] Location),
}

/// The reply of a request/reply operation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyDoc {
    /// Where the reply is published.
    pub address: ReplyAddress,
    /// The reply messages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageDoc>,
}

impl ReplyDoc {
    /// A reply to the request's response topic carrying `message`.
    pub fn to_response_topic(message: MessageDoc) -> ReplyDoc {
        ReplyDoc {
            address: ReplyAddress::ResponseTopic,
            messages: vec![message],
        }
    }

    /// A reply published to the fixed topic `address` carrying `message`.
    pub fn to_topic(address: impl Into<String>, message: MessageDoc) -> ReplyDoc {
        ReplyDoc {
            address: ReplyAddress::Topic(address.into()),
            messages: vec![message],
        }
    }
}

/// Whether a flag is off (left out of the model's JSON, where off is the default).
fn is_false(flag: &bool) -> bool {
    !*flag
}

impl AsyncApiVersion {
    fn is_default(&self) -> bool {
        *self == AsyncApiVersion::default()
    }
}

/// Written as its AsyncAPI `type` ([`SecurityKind::as_str`]).
impl Serialize for SecurityKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Read from its AsyncAPI `type` ([`SecurityKind::as_str`] reversed).
impl<'de> Deserialize<'de> for SecurityKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SecurityKind, D::Error> {
        let kind = String::deserialize(deserializer)?;
        Ok(match kind.as_str() {
            "userPassword" => SecurityKind::UserPassword,
            "X509" => SecurityKind::X509,
            "symmetricEncryption" => SecurityKind::SymmetricEncryption,
            "asymmetricEncryption" => SecurityKind::AsymmetricEncryption,
            _ => SecurityKind::Other(kind),
        })
    }
}

/// A correlation id location in the model's JSON: its runtime expression.
mod correlation_expression {
    use super::Location;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        location: &Option<Location>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match location {
            Some(location) => {
                serializer.serialize_str(&crate::document::expression(location, "correlationData"))
            }
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Location>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| Location::parse(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A reply address location in the model's JSON: its runtime expression.
mod reply_expression {
    use super::Location;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(location: &Location, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::document::expression(location, "responseTopic"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Location, D::Error> {
        let text = String::deserialize(deserializer)?;
        Location::parse(&text).map_err(serde::de::Error::custom)
    }
}
