//! Helpers called by the code `#[subscriber]` and `#[publisher]` expand to. Not a public API:
//! this is the one place that adapts the macros to the runtime's `Route`/`Handler`/`Publisher`.
#![doc(hidden)]

use crate::{codec, Context, Error, HandlerError, HandlerResult, Message, Outgoing, QoS};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Display;
use std::str::FromStr;

/// Decodes the `{name}` level of the received topic.
pub fn param<T>(ctx: &Context, name: &str) -> Result<T, HandlerError>
where
    T: FromStr,
    T::Err: Display,
{
    let value = ctx.param(name).unwrap_or_default();
    Ok(codec::decode_param(name, value)?)
}

/// Decodes the JSON payload.
pub fn payload<T: DeserializeOwned>(msg: &Message) -> Result<T, HandlerError> {
    Ok(codec::decode_json(&msg.payload)?)
}

/// Where the reply to `msg` goes: a fixed topic template (filled from the request's topic
/// parameters) or the request's MQTT 5 response topic.
pub struct ReplyTarget {
    topic: Option<Result<String, Error>>,
    correlation: Option<bytes::Bytes>,
    /// The request's QoS for response-topic replies (like [`Outgoing::reply_to`]).
    request_qos: Option<QoS>,
}

impl ReplyTarget {
    /// Captures the reply destination before the handler consumes `msg` and `ctx`.
    pub fn new(msg: &Message, ctx: &Context, template: Option<&str>) -> ReplyTarget {
        let topic = match template {
            Some(template) => {
                let params: Vec<(&str, &str)> = ctx.params().collect();
                let values: Vec<(&str, &dyn Display)> = params
                    .iter()
                    .map(|(n, v)| (*n, v as &dyn Display))
                    .collect();
                Some(fill(template, &values))
            }
            None => msg.properties.response_topic.clone().map(Ok),
        };
        ReplyTarget {
            topic,
            correlation: msg.properties.correlation_data.clone(),
            request_qos: template.is_none().then_some(msg.qos),
        }
    }

    /// Turns the handler's reply value into the message to publish (`Ok(None)` when the request
    /// had no response topic). Response-topic replies use the request's QoS, fixed reply topics
    /// the route's `qos`.
    pub fn reply<T: Serialize + ?Sized>(self, value: &T, qos: QoS, retain: bool) -> HandlerResult {
        let Some(topic) = self.topic else {
            tracing::debug!("request has no response topic; reply dropped");
            return Ok(None);
        };
        let mut out = Outgoing::new(topic?, codec::encode_json(value)?)
            .qos(self.request_qos.unwrap_or(qos))
            .retain(retain)
            .content_type(super::JSON);
        if self.request_qos.is_some() {
            // The requester named this topic: the route's `ReplyTo` policy decides.
            out = out.peer_addressed();
        }
        if let Some(data) = self.correlation {
            out = out.correlation_data(data);
        }
        Ok(Some(out))
    }
}

/// Maps a handler's `Result<(), E>` to the runtime's result.
pub fn done<E: Into<HandlerError>>(result: Result<(), E>) -> HandlerResult {
    result.map(|()| None).map_err(Into::into)
}

/// Fills the `{name}` levels of `template`; every value is checked to be a single safe level.
pub fn fill(template: &str, values: &[(&str, &dyn Display)]) -> Result<String, Error> {
    let mut out = Vec::new();
    for level in template.split('/') {
        match level.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
            Some(name) => {
                let (_, value) =
                    values
                        .iter()
                        .find(|(n, _)| *n == name)
                        .ok_or_else(|| Error::InvalidTopic {
                            topic: template.to_owned(),
                            reason: "a `{param}` of the topic has no value",
                        })?;
                let value = value.to_string();
                crate::topic::validate_param_value(name, &value)?;
                out.push(value);
            }
            None => out.push(level.to_owned()),
        }
    }
    Ok(out.join("/"))
}

/// Builds the JSON message a `#[publisher]` sends.
pub fn outgoing<T: Serialize + ?Sized>(
    topic: String,
    value: &T,
    qos: QoS,
    retain: bool,
) -> Result<Outgoing, Error> {
    Ok(Outgoing::new(topic, codec::encode_json(value)?)
        .qos(qos)
        .retain(retain)
        .content_type(super::JSON))
}
