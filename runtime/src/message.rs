//! Messages: what a handler receives ([`Message`]) and what it publishes ([`Outgoing`]).

use bytes::Bytes;

/// MQTT quality of service (defined with the document model in `mqttgen-asyncapi`, whose
/// operation bindings carry it).
pub use mqttgen_asyncapi::QoS;

/// MQTT 5 publish properties. Under MQTT 3.1.1 they are not sent and arrive empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    /// MIME type of the payload, e.g. `application/json`.
    pub content_type: Option<String>,
    /// `Some(1)` when the payload is UTF-8 text, `Some(0)` for unspecified bytes.
    pub payload_format_indicator: Option<u8>,
    /// Lifetime of the message at the broker, in seconds.
    pub message_expiry_interval: Option<u32>,
    /// Where the receiver should publish its response (request/reply).
    pub response_topic: Option<String>,
    /// Opaque data echoed back in a response to match it with its request.
    pub correlation_data: Option<Bytes>,
    /// Application-defined key/value pairs, in order, duplicates allowed.
    pub user_properties: Vec<(String, String)>,
}

impl Properties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self == &Properties::default()
    }

    /// The first user property named `key`.
    pub fn user_property(&self, key: &str) -> Option<&str> {
        self.user_properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A message received from the broker, as handed to a [`Handler`](crate::Handler).
///
/// Cloning is cheap apart from the topic string: the payload is reference counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The topic name the message was published to (valid UTF-8, no wildcards).
    pub topic: String,
    /// The raw payload.
    pub payload: Bytes,
    /// The QoS the message was delivered with (the minimum of publish and subscription QoS).
    pub qos: QoS,
    /// True for a retained message delivered on subscribe.
    pub retain: bool,
    /// True when the broker is redelivering a message it may have sent before.
    pub dup: bool,
    /// MQTT 5 properties (empty under 3.1.1).
    pub properties: Properties,
}

impl Message {
    /// A QoS 0 message with no properties; handy in tests.
    pub fn new(topic: impl Into<String>, payload: impl Into<Bytes>) -> Message {
        Message {
            topic: topic.into(),
            payload: payload.into(),
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
            properties: Properties::default(),
        }
    }

    /// The payload as UTF-8 text, if it is valid UTF-8.
    pub fn payload_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.payload).ok()
    }

    /// The `/`-separated levels of the topic.
    pub fn topic_levels(&self) -> std::str::Split<'_, char> {
        self.topic.split('/')
    }
}

/// A message to publish: built by generated publishers and returned by handlers.
///
/// ```
/// use mqttgen::{Outgoing, QoS};
/// let out = Outgoing::new("devices/d1/events", r#"{"ok":true}"#)
///     .qos(QoS::AtLeastOnce)
///     .retain(true)
///     .content_type("application/json");
/// assert_eq!(out.topic, "devices/d1/events");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Topic name to publish to (no wildcards).
    pub topic: String,
    /// Payload bytes.
    pub payload: Bytes,
    /// QoS to publish with.
    pub qos: QoS,
    /// Ask the broker to retain the message.
    pub retain: bool,
    /// MQTT 5 properties (dropped under 3.1.1).
    pub properties: Properties,
    /// The topic is a reply address a peer named ([`Outgoing::peer_addressed`]).
    pub(crate) peer_addressed: bool,
    /// The operation id and address template this message is published for
    /// ([`Outgoing::operation`]).
    pub(crate) operation: Option<(&'static str, &'static str)>,
}

impl Outgoing {
    /// A QoS 0, non-retained message.
    pub fn new(topic: impl Into<String>, payload: impl Into<Bytes>) -> Outgoing {
        Outgoing {
            topic: topic.into(),
            payload: payload.into(),
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::default(),
            peer_addressed: false,
            operation: None,
        }
    }

    /// A response to `request`: published to its response topic with its correlation data.
    /// Returns `None` when the request carries no response topic.
    ///
    /// The topic was chosen by the requester, so the reply is
    /// [`peer_addressed`](Outgoing::peer_addressed): returned from a handler, it is published
    /// only if the route's [`ReplyTo`](crate::ReplyTo) policy accepts the topic (by default any
    /// topic but `$` topics); otherwise it is reported, counted and dropped.
    pub fn reply_to(request: &Message, payload: impl Into<Bytes>) -> Option<Outgoing> {
        let topic = request.properties.response_topic.clone()?;
        let mut out = Outgoing::new(topic, payload)
            .qos(request.qos)
            .peer_addressed();
        out.properties.correlation_data = request.properties.correlation_data.clone();
        Some(out)
    }

    /// Marks the topic as a reply address a peer named (a request's Response Topic, `replyTo`
    /// header or payload field). Returned from a handler, such a message is published only if
    /// the route's [`ReplyTo`](crate::ReplyTo) policy accepts its topic; published with
    /// [`Publisher::publish`](crate::Publisher::publish), only if the default policy does.
    pub fn peer_addressed(mut self) -> Self {
        self.peer_addressed = true;
        self
    }

    /// True when the topic is a reply address a peer named ([`Outgoing::peer_addressed`]).
    pub fn is_peer_addressed(&self) -> bool {
        self.peer_addressed
    }

    /// Names the operation (`id`) and the address template (`template`, e.g.
    /// `devices/{id}/events`) this message is published for: telemetry (the `otel` feature)
    /// names spans and labels metrics with them instead of the topic. Generated publishers and
    /// `#[publisher]` functions set it.
    pub fn operation(mut self, id: &'static str, template: &'static str) -> Self {
        self.operation = Some((id, template));
        self
    }

    /// The operation id and address template set with [`Outgoing::operation`].
    pub fn operation_name(&self) -> Option<(&'static str, &'static str)> {
        self.operation
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

    /// Replaces all properties.
    pub fn properties(mut self, properties: Properties) -> Self {
        self.properties = properties;
        self
    }

    /// Sets the MQTT 5 content type (e.g. `application/json`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.properties.content_type = Some(content_type.into());
        self
    }

    /// Marks the payload as UTF-8 text (payload format indicator 1).
    pub fn utf8_payload(mut self) -> Self {
        self.properties.payload_format_indicator = Some(1);
        self
    }

    /// Sets the message expiry interval in seconds.
    pub fn message_expiry(mut self, seconds: u32) -> Self {
        self.properties.message_expiry_interval = Some(seconds);
        self
    }

    /// Sets the response topic (request/reply).
    pub fn response_topic(mut self, topic: impl Into<String>) -> Self {
        self.properties.response_topic = Some(topic.into());
        self
    }

    /// Sets the correlation data (request/reply).
    pub fn correlation_data(mut self, data: impl Into<Bytes>) -> Self {
        self.properties.correlation_data = Some(data.into());
        self
    }

    /// Appends a user property.
    pub fn user_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties
            .user_properties
            .push((key.into(), value.into()));
        self
    }
}
