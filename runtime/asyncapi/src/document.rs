//! The typed AsyncAPI 3.0 document: what [`build`](crate::build) makes of a
//! [`Document`](crate::Document) and what the [`writer`](crate::writer) serialises.
//!
//! Field order is key order in the output (YAML and JSON alike); absent values are left out.
//! Keyed collections ([`Keyed`]) keep the order they were built in, except
//! `components/schemas`, which [`build`](crate::build) sorts by name. Schemas stay JSON values
//! (JSON Schema draft-07 as written); everything else is typed, including the MQTT bindings and
//! the runtime expressions of `correlationId` and `reply.address` ([`Expression`]).

use mqttgen_address::Location;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

use crate::model::{Action, Info};
use crate::QoS;

/// A whole AsyncAPI 3 document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsyncApi {
    /// `asyncapi`: the specification version, e.g. `3.0.0`.
    pub asyncapi: &'static str,
    /// `id`: a URI identifying the application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `info`.
    pub info: Info,
    /// `defaultContentType`.
    #[serde(rename = "defaultContentType", skip_serializing_if = "Option::is_none")]
    pub default_content_type: Option<String>,
    /// `servers`, by name.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub servers: Keyed<ServerObject>,
    /// `channels`, by id.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub channels: Keyed<Channel>,
    /// `operations`, by id.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub operations: Keyed<Operation>,
    /// `components`.
    #[serde(skip_serializing_if = "Components::is_empty")]
    pub components: Components,
}

/// Entries under string keys, in insertion order (a YAML/JSON mapping).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T>(pub Vec<(String, T)>);

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed(Vec::new())
    }
}

impl<T> Keyed<T> {
    /// True without entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entry under `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entry under `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut T> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Adds `value` under `key` at the end, or replaces the entry under `key` in its place.
    pub fn insert(&mut self, key: impl Into<String>, value: T) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(entry) => *entry = value,
            None => self.0.push((key, value)),
        }
    }

    /// The entry under `key`, added with `make` when missing.
    pub fn entry_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> T) -> &mut T {
        let index = match self.0.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                self.0.push((key.to_owned(), make()));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    /// The entries' values, in order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<T> FromIterator<(String, T)> for Keyed<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(items: I) -> Self {
        let mut keyed = Keyed::default();
        for (key, value) in items {
            keyed.insert(key, value);
        }
        keyed
    }
}

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A `{"$ref": "#/…"}` to another part of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The JSON pointer fragment, escaped (see [`refs::pointer`](crate::refs::pointer)).
    #[serde(rename = "$ref")]
    pub reference: String,
}

impl Reference {
    /// A reference to the document part at `segments` (escaped and percent-encoded).
    pub fn to(segments: &[&str]) -> Reference {
        Reference {
            reference: crate::refs::pointer(segments),
        }
    }
}

/// A server object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerObject {
    /// `host[:port]`, variables as written.
    pub host: String,
    /// `mqtt`, `secure-mqtt`, `ws` or `wss`.
    pub protocol: String,
    /// `"5"` or `"3.1.1"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    /// WebSocket path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pathname: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// References to `components/securitySchemes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<Reference>,
    /// Server variables by name.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub variables: Keyed<Variable>,
    /// `bindings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Bindings<MqttServerBindings>>,
}

/// A server variable or a channel parameter: allowed values, default, description, examples.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Variable {
    /// `enum`.
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enum_values: Vec<String>,
    /// `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `examples`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<String>,
}

/// `bindings` holding the MQTT binding only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bindings<T> {
    /// `mqtt`.
    pub mqtt: T,
}

/// The MQTT server binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MqttServerBindings {
    /// `clientId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `cleanSession`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clean_session: Option<bool>,
    /// `lastWill`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_will: Option<LastWill>,
    /// `keepAlive` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<u64>,
    /// `sessionExpiryInterval` (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_expiry_interval: Option<u64>,
    /// `maximumPacketSize` (bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_packet_size: Option<u64>,
    /// `bindingVersion`.
    pub binding_version: &'static str,
}

/// The `lastWill` of an MQTT server binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastWill {
    /// Topic.
    pub topic: String,
    /// QoS level.
    pub qos: QoS,
    /// Payload text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Retain flag.
    pub retain: bool,
}

/// A channel object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    /// The topic template; `None` (written `null`) when only known at run time.
    pub address: Option<String>,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Messages by name.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub messages: Keyed<Message>,
    /// Parameters by name, in address order.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub parameters: Keyed<Variable>,
}

/// A message object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `name`.
    pub name: String,
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `correlationId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<CorrelationId>,
    /// `contentType`, when not the document's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Headers (MQTT 5 user properties) schema, or a reference to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    /// Payload schema, or a reference to it.
    pub payload: Value,
    /// Examples.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

/// A message example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Headers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<Value>,
    /// Payload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

/// A `correlationId` object, or the `address` of a reply: where a message carries a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelationId {
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The runtime expression.
    pub location: Expression,
}

/// A runtime expression naming a [`Location`] in a message, written as AsyncAPI spells it:
/// `$message.header#/name` or `$message.payload#/pointer`; [`Location::Property`] is written as
/// the MQTT 5 property's header name, `correlationData` for a correlation id and
/// `responseTopic` for a reply address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// Where a correlation id is.
    CorrelationId(Location),
    /// Where a reply address is.
    ReplyAddress(Location),
}

impl Expression {
    /// The expression's text.
    pub fn text(&self) -> String {
        match self {
            Expression::CorrelationId(location) => expression(location, "correlationData"),
            Expression::ReplyAddress(location) => expression(location, "responseTopic"),
        }
    }
}

impl Serialize for Expression {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// `location` as a runtime expression; the MQTT 5 property is the header `property`.
pub fn expression(location: &Location, property: &str) -> String {
    match location {
        Location::Property => format!("$message.header#/{property}"),
        Location::Header(name) => format!(
            "$message.header#/{}",
            name.replace('~', "~0").replace('/', "~1")
        ),
        Location::Payload(pointer) => format!("$message.payload#{pointer}"),
    }
}

/// An operation object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operation {
    /// `send` or `receive`.
    pub action: Action,
    /// Its channel.
    pub channel: Reference,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// References to the channel's messages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Reference>,
    /// `bindings`.
    pub bindings: Bindings<MqttOperationBindings>,
    /// The reply of a request/reply operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    /// `x-mqtt-shared-group`: the MQTT 5 shared-subscription group.
    #[serde(
        rename = "x-mqtt-shared-group",
        skip_serializing_if = "Option::is_none"
    )]
    pub shared_group: Option<String>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Name.
    pub name: String,
}

/// The MQTT operation binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MqttOperationBindings {
    /// QoS level.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// MQTT 5 message expiry (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_expiry_interval: Option<u32>,
    /// `bindingVersion`.
    pub binding_version: &'static str,
}

/// An operation reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// Where the reply goes when that is only known at run time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<CorrelationId>,
    /// The reply channel.
    pub channel: Reference,
    /// References to the reply channel's messages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Reference>,
}

/// `components`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Components {
    /// Schemas by name (sorted).
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub schemas: Keyed<Value>,
    /// Security schemes by name.
    #[serde(skip_serializing_if = "Keyed::is_empty")]
    pub security_schemes: Keyed<SecurityScheme>,
}

impl Components {
    /// True without schemas and security schemes.
    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty() && self.security_schemes.is_empty()
    }
}

/// A security scheme object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityScheme {
    /// `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `in` of an `apiKey` scheme.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_write_what_location_parse_reads() {
        for text in [
            "$message.header#/correlationId",
            "$message.header#/a~1b~0c",
            "$message.payload#/meta/id",
        ] {
            let location = Location::parse(text).unwrap();
            assert_eq!(Expression::CorrelationId(location).text(), text);
        }
        assert_eq!(
            Expression::CorrelationId(Location::Property).text(),
            "$message.header#/correlationData"
        );
        assert_eq!(
            Expression::ReplyAddress(Location::Property).text(),
            "$message.header#/responseTopic"
        );
    }

    #[test]
    fn keyed_entries_keep_their_order_and_place() {
        let mut keyed: Keyed<u8> = [("b".to_owned(), 1), ("a".to_owned(), 2)]
            .into_iter()
            .collect();
        keyed.insert("b", 3);
        *keyed.entry_or_insert_with("c", || 4) += 1;
        assert_eq!(
            serde_json::to_string(&keyed).unwrap(),
            r#"{"b":3,"a":2,"c":5}"#
        );
    }
}
