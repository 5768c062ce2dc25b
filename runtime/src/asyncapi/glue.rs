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
/// parameters) or the request's MQTT 5 response topic (see [`crate::reply::Reply`], shared with
/// generated request/reply routes).
pub struct ReplyTarget {
    /// The filled template, when the route has one.
    templated: Option<Result<String, Error>>,
    reply: crate::reply::Reply,
}

impl ReplyTarget {
    /// Captures the reply destination before the handler consumes `msg` and `ctx`.
    pub fn new(msg: &Message, ctx: &Context, template: Option<&str>) -> ReplyTarget {
        let templated = template.map(|template| {
            let params: Vec<(&str, &str)> = ctx.params().collect();
            let values: Vec<(&str, &dyn Display)> = params
                .iter()
                .map(|(n, v)| (*n, v as &dyn Display))
                .collect();
            fill(template, &values)
        });
        ReplyTarget {
            templated,
            reply: crate::reply::Reply::to_request(msg, None, None),
        }
    }

    /// Turns the handler's reply value into the message to publish (`Ok(None)` when the request
    /// had no response topic). Response-topic replies use the request's QoS, fixed reply topics
    /// the route's `qos`.
    pub fn reply<T: Serialize + ?Sized>(self, value: &T, qos: QoS, retain: bool) -> HandlerResult {
        let (topic, peer_addressed) = match (self.templated, self.reply.response_topic()) {
            (Some(topic), _) => (topic?, false),
            (None, Some(topic)) => (topic.to_owned(), true),
            (None, None) => {
                tracing::debug!("request has no response topic; reply dropped");
                return Ok(None);
            }
        };
        let mut out = Outgoing::new(topic, codec::encode_json(value)?)
            .qos(qos)
            .retain(retain)
            .content_type(super::JSON);
        if peer_addressed {
            return Ok(Some(self.reply.apply(out)?));
        }
        out.properties.correlation_data = self.reply.correlation_data();
        Ok(Some(out))
    }
}

/// Maps a handler's `Result<(), E>` to the runtime's result.
pub fn done<E: Into<HandlerError>>(result: Result<(), E>) -> HandlerResult {
    result.map(|()| None).map_err(Into::into)
}

/// Fills the `{name}` parameters of `template` (whole or mixed levels) from `values` by name;
/// every value is checked as [`mqttgen_address::build`] does.
pub fn fill(template: &str, values: &[(&str, &dyn Display)]) -> Result<String, Error> {
    let mut texts = Vec::new();
    for piece in mqttgen_address::template::pieces(template) {
        if let mqttgen_address::Piece::Param(name) = piece {
            let (_, value) =
                values
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or_else(|| Error::InvalidTopic {
                        topic: template.to_owned(),
                        reason: "a `{param}` of the topic has no value",
                    })?;
            texts.push(value.to_string());
        } else if piece.is_value() {
            return Err(Error::InvalidTopic {
                topic: template.to_owned(),
                reason: "a publish topic cannot hold the wildcards `+` or `#`",
            });
        }
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(mqttgen_address::build(template, &texts)?)
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
