//! Per-call options of generated publishers, and the error of a generated request.

use crate::{DecodeError, Error, HandlerError, Outgoing, Properties, QoS};

/// Per-call publish options; whatever is left unset uses the operation's defaults from the
/// spec (MQTT binding QoS/retain/message expiry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// QoS instead of the operation's.
    pub qos: Option<QoS>,
    /// Retain flag instead of the operation's.
    pub retain: Option<bool>,
    /// MQTT 5 properties to add (user properties are appended; others replace).
    pub properties: Properties,
    /// Wait until the broker acknowledged the publish (PUBACK/PUBCOMP).
    pub confirmed: bool,
    /// How long a request waits for its reply (default 30 s).
    pub timeout: Option<std::time::Duration>,
    /// Skip checking the payload against its schema before sending (by default a value
    /// its receivers would reject fails with `Error::Encode` naming the member).
    pub unchecked: bool,
}

impl PublishOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Publishes with `qos`.
    pub fn qos(mut self, qos: QoS) -> Self {
        self.qos = Some(qos);
        self
    }

    /// Sets the retain flag.
    pub fn retain(mut self, retain: bool) -> Self {
        self.retain = Some(retain);
        self
    }

    /// Waits for the broker's acknowledgement.
    pub fn confirmed(mut self) -> Self {
        self.confirmed = true;
        self
    }

    /// Sends the payload without checking it against its schema first.
    pub fn unchecked(mut self) -> Self {
        self.unchecked = true;
        self
    }

    /// How long a request waits for its reply.
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
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
    pub fn correlation_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        let data: Vec<u8> = data.into();
        self.properties.correlation_data = Some(data.into());
        self
    }

    /// Appends an MQTT 5 user property.
    pub fn user_property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties
            .user_properties
            .push((key.into(), value.into()));
        self
    }

    /// Sends typed message headers as MQTT 5 user properties (strings as they are, other
    /// values as JSON; `null`s are left out).
    pub fn headers<H: serde::Serialize>(mut self, headers: &H) -> Result<Self, Error> {
        let value =
            serde_json::to_value(headers).map_err(|error| Error::Encode(error.to_string()))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Error::Encode(String::from(
                "headers must serialize to an object",
            )));
        };
        for (key, value) in map {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::String(text) => {
                    self.properties.user_properties.push((key, text))
                }
                other => self
                    .properties
                    .user_properties
                    .push((key, other.to_string())),
            }
        }
        Ok(self)
    }

    /// `outgoing` with the spec's defaults (`qos`, `retain`, `message_expiry`), then these
    /// options, applied.
    pub fn apply(
        self,
        mut outgoing: Outgoing,
        qos: QoS,
        retain: bool,
        message_expiry: Option<u32>,
    ) -> Outgoing {
        outgoing.qos = self.qos.unwrap_or(qos);
        outgoing.retain = self.retain.unwrap_or(retain);
        let properties = self.properties;
        outgoing.properties.message_expiry_interval =
            properties.message_expiry_interval.or(message_expiry);
        if properties.content_type.is_some() {
            outgoing.properties.content_type = properties.content_type;
        }
        if properties.payload_format_indicator.is_some() {
            outgoing.properties.payload_format_indicator = properties.payload_format_indicator;
        }
        outgoing.properties.response_topic = properties
            .response_topic
            .or(outgoing.properties.response_topic);
        outgoing.properties.correlation_data = properties
            .correlation_data
            .or(outgoing.properties.correlation_data);
        outgoing
            .properties
            .user_properties
            .extend(properties.user_properties);
        outgoing
    }
}

/// Why a generated request operation returned no reply.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Publishing the request failed, or no reply came in time ([`Error::Timeout`]).
    #[error("request failed: {0}")]
    Request(#[source] Error),
    /// A reply came but is not one of the spec's reply messages.
    #[error("unusable reply: {0}")]
    Reply(#[source] DecodeError),
}

impl From<Error> for RequestError {
    fn from(error: Error) -> Self {
        RequestError::Request(error)
    }
}

impl From<DecodeError> for RequestError {
    fn from(error: DecodeError) -> Self {
        RequestError::Reply(error)
    }
}

/// So that handlers can make requests with `?`.
impl From<RequestError> for HandlerError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Request(error) => HandlerError::Publish(error),
            RequestError::Reply(error) => HandlerError::Decode(error),
        }
    }
}
