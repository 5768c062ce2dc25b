//! The one internal model every AsyncAPI version is loaded into, in AsyncAPI 3.x terms.
//!
//! Everything after the front end (payload types, service code, docs) reads only this model, never the
//! raw document. Operations are always seen from the application: 2.x `publish` becomes
//! [`Action::Receive`] and 2.x `subscribe` becomes [`Action::Send`].
//!
//! Schemas stay JSON (`serde_json::Value`), with every `$ref` rewritten to a canonical [`SchemaId`]
//! string so that the type generator can name and deduplicate them; [`Document::schemas`] holds the
//! target of every such reference.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Index of a file in [`Document::files`]; the entry document is file 0.
pub type FileId = usize;

/// Where a node sits: a file and a JSON pointer inside it (`""` is the file's root).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    /// The file the node was read from.
    pub file: FileId,
    /// RFC 6901 JSON pointer, e.g. `/components/schemas/lightMeasuredPayload`.
    pub pointer: String,
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.file, self.pointer)
    }
}

/// A schema reference in canonical form: the string `"{file}#{pointer}"` that replaces every `$ref`
/// inside schema values (`{"$ref": "0#/components/schemas/Foo"}`), parsed back with [`NodeId::parse`].
pub type SchemaId = NodeId;

impl NodeId {
    /// Parses the canonical `"{file}#{pointer}"` form written by the front end.
    pub fn parse(canonical: &str) -> Option<NodeId> {
        let (file, pointer) = canonical.split_once('#')?;
        Some(NodeId {
            file: file.parse().ok()?,
            pointer: pointer.to_string(),
        })
    }
}

/// A loaded, resolved and checked AsyncAPI document.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// The `asyncapi` version string as written (`2.6.0`, `3.0.0`, ...).
    pub asyncapi_version: String,
    /// `id` (2.x/3.x) when present.
    pub id: Option<String>,
    /// `info`.
    pub info: Info,
    /// `defaultContentType`.
    pub default_content_type: Option<String>,
    /// Servers in document order.
    pub servers: Vec<Server>,
    /// Channels in document order (3.x channel ids; for 2.x the channel key, which is also the address).
    pub channels: Vec<Channel>,
    /// Operations in document order (3.x operation ids; for 2.x the `operationId` or a derived id).
    pub operations: Vec<Operation>,
    /// Every message used by a channel or operation, once, in first-seen order.
    pub messages: Vec<Message>,
    /// Security schemes from `components/securitySchemes`.
    pub security_schemes: Vec<SecurityScheme>,
    /// Every schema that is the target of a `$ref`, keyed by its canonical id; named component schemas
    /// (`components/schemas/*`) are here even when nothing refers to them.
    pub schemas: BTreeMap<SchemaId, Schema>,
    /// Every file read, entry document first (for `cargo:rerun-if-changed`).
    pub files: Vec<PathBuf>,
    /// Tags of the API (`info.tags` / root `tags`).
    pub tags: Vec<Tag>,
}

/// `info`: title, version, description.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
}

/// A tag with an optional description.
#[derive(Clone, Debug, Default)]
pub struct Tag {
    /// Tag name.
    pub name: String,
    /// Tag description.
    pub description: Option<String>,
}

/// A server (`servers.<name>`), normalised to 3.x host/pathname form.
#[derive(Clone, Debug, Default)]
pub struct Server {
    /// The key in `servers`.
    pub name: String,
    /// Host with optional port, may hold `{variables}` (2.x `url` split into host and pathname).
    pub host: String,
    /// Path after the host, if any.
    pub pathname: Option<String>,
    /// `mqtt`, `mqtts`, `ws`, `wss`, `secure-mqtt`, ... lower-cased.
    pub protocol: String,
    /// `protocolVersion` (`3.1.1`, `5`, `5.0`).
    pub protocol_version: Option<String>,
    /// Server description / summary / title.
    pub description: Option<String>,
    /// `variables` in document order.
    pub variables: Vec<ServerVariable>,
    /// Names of security schemes this server requires (alternatives), in document order.
    pub security: Vec<String>,
    /// The MQTT server binding when present.
    pub mqtt: Option<MqttServerBinding>,
    /// Where the server was declared.
    pub node: NodeId,
}

/// A server variable.
#[derive(Clone, Debug, Default)]
pub struct ServerVariable {
    /// Variable name.
    pub name: String,
    /// `default`.
    pub default: Option<String>,
    /// `enum`.
    pub allowed: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// `examples`.
    pub examples: Vec<String>,
}

/// A channel: an address template plus the messages that may travel on it.
#[derive(Clone, Debug, Default)]
pub struct Channel {
    /// Channel id (3.x key in `channels`; 2.x the channel key).
    pub id: String,
    /// The topic template, split into levels; `None` for a 3.x channel with `address: null` (a
    /// dynamic address known only at run time, as in dynamic replies).
    pub address: Option<Address>,
    /// `title`.
    pub title: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Parameters in the order their `{name}` appears in the address; undeclared ones are added with
    /// a string schema (and a warning).
    pub parameters: Vec<Parameter>,
    /// Indexes into [`Document::messages`] of the messages this channel carries, in document order,
    /// each with the key used in the channel's `messages` map (2.x: derived name).
    pub messages: Vec<ChannelMessage>,
    /// Server names this channel is limited to (empty = all).
    pub servers: Vec<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Where the channel was declared.
    pub node: NodeId,
}

/// A message in a channel's `messages` map.
#[derive(Clone, Debug, Default)]
pub struct ChannelMessage {
    /// Key in the channel's `messages` map (2.x: the message name or a derived one).
    pub key: String,
    /// Index into [`Document::messages`].
    pub message: usize,
}

/// Channel addresses are typed by the `mqttgen-address` crate, shared with the runtime and the
/// macros: one grammar for spec-first and code-first.
pub use mqttgen_address::{Address, Level, LevelPart};

/// A channel parameter.
#[derive(Clone, Debug, Default)]
pub struct Parameter {
    /// Name as written between braces.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The schema (2.x `schema`; 3.x built from `enum`/`default`/`examples` as a string schema).
    /// Canonical refs as in [`Document::schemas`]. `None` when undeclared or schemaless (= string).
    pub schema: Option<serde_json::Value>,
    /// Allowed values (from `enum`, either the 3.x field or the schema's).
    pub allowed: Vec<serde_json::Value>,
    /// Default value.
    pub default: Option<serde_json::Value>,
    /// Examples.
    pub examples: Vec<serde_json::Value>,
    /// 2.x/3.x `location` runtime expression, if any.
    pub location: Option<String>,
    /// False when the address uses `{name}` but the channel does not declare it.
    pub declared: bool,
}

/// Direction of an operation, seen from the application described by the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// The application publishes (3.x `send`; 2.x `subscribe`).
    Send,
    /// The application subscribes and handles (3.x `receive`; 2.x `publish`).
    Receive,
}

/// An operation, after operation traits were applied.
#[derive(Clone, Debug, Default)]
pub struct Operation {
    /// 3.x key in `operations`; 2.x `operationId`, or `{channel}.{publish|subscribe}` when absent.
    pub id: String,
    /// Send or receive, from the application's side.
    pub action: Option<Action>,
    /// Index into [`Document::channels`].
    pub channel: usize,
    /// Indexes into [`Document::messages`]; when the document lists none, all of the channel's.
    pub messages: Vec<usize>,
    /// `title`.
    pub title: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// MQTT operation binding.
    pub mqtt: Option<MqttOperationBinding>,
    /// Security scheme names required (alternatives).
    pub security: Vec<String>,
    /// `reply` (3.x only).
    pub reply: Option<Reply>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Where the operation was declared.
    pub node: NodeId,
}

/// A 3.x operation reply.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// Index into [`Document::channels`] of the reply channel, if named.
    pub channel: Option<usize>,
    /// A runtime expression for a dynamic reply address, e.g. `$message.header#/replyTo`.
    pub address_location: Option<String>,
    /// Reply messages (indexes into [`Document::messages`]); all of the reply channel's when unlisted.
    pub messages: Vec<usize>,
}

/// A message, after message traits were applied.
#[derive(Clone, Debug, Default)]
pub struct Message {
    /// A unique, stable name: component key, else `name`, else channel id + role + index.
    pub name: String,
    /// `name` as written, if any.
    pub message_name: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The effective content type (message `contentType`, else the document's `defaultContentType`).
    pub content_type: Option<String>,
    /// The payload schema.
    pub payload: Option<SchemaSlot>,
    /// The headers schema (always an object schema).
    pub headers: Option<SchemaSlot>,
    /// `correlationId.location`, e.g. `$message.header#/correlationId`.
    pub correlation_id: Option<String>,
    /// Examples: (name, headers, payload).
    pub examples: Vec<MessageExample>,
    /// MQTT message binding.
    pub mqtt: Option<MqttMessageBinding>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Where the message was declared (for a `$ref`'d message, its target).
    pub node: NodeId,
}

/// A schema in its place (payload or headers), with its format.
#[derive(Clone, Debug, Default)]
pub struct SchemaSlot {
    /// `schemaFormat` (default `application/vnd.aai.asyncapi+json;version={asyncapi}`).
    pub schema_format: String,
    /// True when the format is JSON Schema-like (AsyncAPI schema, JSON Schema draft-04..2020-12,
    /// OpenAPI 3.0 schema object); false for Avro, Protobuf, RAML and unknown formats.
    pub is_json_schema: bool,
    /// The schema value with canonical `$ref`s (for a non-JSON-Schema format: the raw value).
    pub schema: serde_json::Value,
    /// Where the schema was declared (after following a top-level `$ref`).
    pub node: NodeId,
}

/// A message example.
#[derive(Clone, Debug, Default)]
pub struct MessageExample {
    /// `name`.
    pub name: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `headers`.
    pub headers: Option<serde_json::Value>,
    /// `payload`.
    pub payload: Option<serde_json::Value>,
}

/// A named schema that is the target of a reference.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// A name hint: the last meaningful pointer segment (`lightMeasuredPayload`), or the file stem.
    pub name_hint: String,
    /// The schema value, canonical `$ref`s inside.
    pub value: serde_json::Value,
}

/// A security scheme (`components/securitySchemes`).
#[derive(Clone, Debug, Default)]
pub struct SecurityScheme {
    /// Key in `components/securitySchemes`.
    pub name: String,
    /// `type`: `userPassword`, `X509`, `apiKey`, `oauth2`, `openIdConnect`, ...
    pub kind: String,
    /// `description`.
    pub description: Option<String>,
    /// `in` for apiKey (`user`/`password`).
    pub location: Option<String>,
}

/// MQTT quality of service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Qos {
    /// At most once.
    #[default]
    AtMostOnce = 0,
    /// At least once.
    AtLeastOnce = 1,
    /// Exactly once.
    ExactlyOnce = 2,
}

/// MQTT server binding (0.1.0 / 0.2.0).
#[derive(Clone, Debug, Default)]
pub struct MqttServerBinding {
    /// `clientId`.
    pub client_id: Option<String>,
    /// `cleanSession`.
    pub clean_session: Option<bool>,
    /// `keepAlive` in seconds.
    pub keep_alive: Option<u64>,
    /// `lastWill`.
    pub last_will: Option<LastWill>,
    /// `sessionExpiryInterval` in seconds (0.2.0; integer form only, a schema becomes `None`).
    pub session_expiry_interval: Option<u64>,
    /// `maximumPacketSize` in bytes (0.2.0; integer form only).
    pub maximum_packet_size: Option<u64>,
    /// `bindingVersion` as written.
    pub binding_version: Option<String>,
}

/// MQTT last will from a server binding.
#[derive(Clone, Debug, Default)]
pub struct LastWill {
    /// `topic`.
    pub topic: Option<String>,
    /// `qos`.
    pub qos: Option<Qos>,
    /// `message`.
    pub message: Option<String>,
    /// `retain`.
    pub retain: Option<bool>,
}

/// MQTT operation binding.
#[derive(Clone, Debug, Default)]
pub struct MqttOperationBinding {
    /// `qos`.
    pub qos: Option<Qos>,
    /// `retain`.
    pub retain: Option<bool>,
    /// `messageExpiryInterval` in seconds (0.2.0; integer form only).
    pub message_expiry_interval: Option<u64>,
    /// `bindingVersion` as written.
    pub binding_version: Option<String>,
}

/// MQTT message binding (0.2.0).
#[derive(Clone, Debug, Default)]
pub struct MqttMessageBinding {
    /// `payloadFormatIndicator` (0 = bytes, 1 = UTF-8).
    pub payload_format_indicator: Option<u8>,
    /// `correlationData` schema.
    pub correlation_data: Option<serde_json::Value>,
    /// `contentType`.
    pub content_type: Option<String>,
    /// `responseTopic`: a literal topic or a schema.
    pub response_topic: Option<serde_json::Value>,
    /// `bindingVersion` as written.
    pub binding_version: Option<String>,
}
