//! The runtime side of generated code (as `tonic::codegen` is for tonic-build): everything a
//! generated service module used to carry itself — the handler context, routes that capture
//! topic parameters and decode payloads and headers, publish options, sending, requests, replies,
//! and the payload types' support (constraint checks, objects decoded from maps only, typify's
//! conversion error). Generated code names the runtime only through this module and the public
//! types it re-exports; it is not a stable API for hand-written code.
#![doc(hidden)]

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::__mqttgen_str_enum as str_enum;
pub use crate::params::{build, check_range, invalid_value, parse_in_range, parse_value};
pub use crate::publish_options::{PublishOptions, RequestError};
pub use crate::schema::PayloadSchema;
#[cfg(feature = "proptest")]
pub use crate::testing::strategies;
pub use crate::{
    __mqttgen_harness as harness, __mqttgen_kit_deliver as kit_deliver,
    __mqttgen_kit_expect as kit_expect, __mqttgen_kit_reply as kit_reply,
    __mqttgen_kit_request as kit_request, __mqttgen_kit_strategies as kit_strategies,
    __mqttgen_object as object, __mqttgen_publish as publish,
};
pub use crate::{codec, schema};
pub use crate::{
    Config, Context, DecodeError, Error, HandlerError, HandlerResult, Location, Message, Outgoing,
    Properties, Protocol, Publisher, QoS, ReplyTo, RequestOptions, Route, Router, TopicParams,
};
pub use types::{constraints, error, objects, str_enums};

mod harness;
pub mod kit;
mod publisher;
pub mod structs;
mod types;

/// What a handler gets besides the payload: where and how the message arrived, its MQTT 5
/// properties, its typed headers and the runtime context (publisher, route). `P` is the
/// generated typed publisher [`MessageContext::publisher`] returns.
pub struct MessageContext<H = (), P = ()> {
    /// The topic the message was published to.
    pub topic: String,
    /// The QoS it was delivered with.
    pub qos: QoS,
    /// True for a retained message delivered on subscribe.
    pub retain: bool,
    /// True when the broker may have delivered it before.
    pub duplicate: bool,
    /// MQTT 5 properties (empty under MQTT 3.1.1).
    pub properties: Properties,
    /// The message headers (MQTT 5 user properties), typed from the spec.
    pub headers: H,
    /// The runtime context: publisher and matched route.
    pub runtime: Context,
    publisher: PhantomData<fn() -> P>,
}

impl<H: Clone, P> Clone for MessageContext<H, P> {
    fn clone(&self) -> Self {
        MessageContext {
            topic: self.topic.clone(),
            qos: self.qos,
            retain: self.retain,
            duplicate: self.duplicate,
            properties: self.properties.clone(),
            headers: self.headers.clone(),
            runtime: self.runtime.clone(),
            publisher: PhantomData,
        }
    }
}

impl<H: std::fmt::Debug, P> std::fmt::Debug for MessageContext<H, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageContext")
            .field("topic", &self.topic)
            .field("qos", &self.qos)
            .field("retain", &self.retain)
            .field("duplicate", &self.duplicate)
            .field("properties", &self.properties)
            .field("headers", &self.headers)
            .field("runtime", &self.runtime)
            .finish()
    }
}

impl<H, P: From<Publisher>> MessageContext<H, P> {
    /// A typed publisher for this service's publish operations.
    pub fn publisher(&self) -> P {
        P::from(self.runtime.publisher().clone())
    }
}

impl<H, P> MessageContext<H, P> {
    /// The context of `message`, with its decoded `headers`.
    pub fn new(message: &Message, headers: H, runtime: Context) -> Self {
        MessageContext {
            topic: message.topic.clone(),
            qos: message.qos,
            retain: message.retain,
            duplicate: message.dup,
            properties: message.properties.clone(),
            headers,
            runtime,
            publisher: PhantomData,
        }
    }
}

/// `FromStr` for a parameters struct: [`TopicParams::parse`].
#[macro_export]
#[doc(hidden)]
macro_rules! __mqttgen_params_from_str {
    ($name:ident) => {
        impl ::std::str::FromStr for $name {
            type Err = $crate::DecodeError;
            fn from_str(topic: &str) -> ::std::result::Result<Self, Self::Err> {
                <Self as $crate::TopicParams>::parse(topic)
            }
        }
    };
}
pub use crate::__mqttgen_params_from_str as params_from_str;

/// The topic parameters a route hands its handler: a [`TopicParams`] struct captured by the
/// runtime from the route's address, or `()` for a fixed topic.
pub trait Captured: Sized + Send + 'static {
    /// Captures the parameters of `message` (prefixes the router added are cut off first).
    fn capture(message: &Message, context: &Context) -> Result<Self, DecodeError>;
}

impl Captured for () {
    fn capture(_: &Message, _: &Context) -> Result<(), DecodeError> {
        Ok(())
    }
}

impl<T: TopicParams> Captured for T {
    fn capture(message: &Message, context: &Context) -> Result<T, DecodeError> {
        T::parse(context.topic_below_prefixes(&message.topic, T::ADDRESS))
    }
}

/// Reads typed headers from MQTT 5 user properties (first value of a key wins); the values of
/// `typed` keys are read as JSON (`42`, `true`), the others as strings.
pub fn decode_headers<H: DeserializeOwned>(
    properties: &Properties,
    typed: &[&str],
) -> Result<H, DecodeError> {
    let map = |skip_telemetry: bool| {
        let mut map = serde_json::Map::new();
        for (key, value) in &properties.user_properties {
            if map.contains_key(key) || (skip_telemetry && TELEMETRY_KEYS.contains(&key.as_str())) {
                continue;
            }
            let value = if typed.contains(&key.as_str()) {
                serde_json::from_str(value)
                    .unwrap_or_else(|_| serde_json::Value::String(value.clone()))
            } else {
                serde_json::Value::String(value.clone())
            };
            map.insert(key.clone(), value);
        }
        serde_json::Value::Object(map)
    };
    serde_json::from_value(map(false)).or_else(|error| {
        // Headers that allow no other keys still decode from a sender that adds trace context
        // or a publish stamp (the `otel` feature), unless they name those keys themselves.
        let telemetry = properties
            .user_properties
            .iter()
            .any(|(key, _)| TELEMETRY_KEYS.contains(&key.as_str()));
        match telemetry {
            true => serde_json::from_value(map(true)).ok(),
            false => None,
        }
        .ok_or_else(|| DecodeError::new("headers", error.to_string()))
    })
}

/// The user properties the runtime's telemetry adds to messages (`otel` feature).
const TELEMETRY_KEYS: [&str; 3] = ["traceparent", "tracestate", "mqttgen-published-at"];

/// How a route decodes a message: payload and headers decoders.
pub struct Decoders<M, Hd> {
    payload: fn(&Message) -> Result<M, DecodeError>,
    headers: fn(&Properties, &[&str]) -> Result<Hd, DecodeError>,
    typed: &'static [&'static str],
}

impl<M> Decoders<M, ()> {
    /// Payloads decoded by `payload` (a message set picks its variant); no typed headers.
    pub fn new(payload: fn(&Message) -> Result<M, DecodeError>) -> Self {
        Decoders {
            payload,
            headers: |_, _| Ok(()),
            typed: &[],
        }
    }
}

impl<M, Hd: DeserializeOwned> Decoders<M, Hd> {
    /// Payloads decoded by `payload`, typed headers read with [`decode_headers`] (`typed`: the
    /// keys whose values are JSON).
    pub fn with_headers(
        payload: fn(&Message) -> Result<M, DecodeError>,
        typed: &'static [&'static str],
    ) -> Self {
        Decoders {
            payload,
            headers: decode_headers::<Hd>,
            typed,
        }
    }
}

type Prepared<P, M, Hd, Pb> = (P, M, MessageContext<Hd, Pb>);

fn prepare<P: Captured, M, Hd, Pb>(
    message: &Message,
    context: Context,
    decoders: &Decoders<M, Hd>,
) -> Result<Prepared<P, M, Hd, Pb>, DecodeError> {
    let params = P::capture(message, &context)?;
    let payload = (decoders.payload)(message)?;
    let headers = (decoders.headers)(&message.properties, decoders.typed)?;
    Ok((
        params,
        payload,
        MessageContext::new(message, headers, context),
    ))
}

/// A route named `name` on `address` whose messages are decoded (topic parameters, payload,
/// headers) and passed to `call` with the shared handler.
pub fn route<H, P, M, Hd, Pb, C, F>(
    address: &str,
    name: &str,
    handler: &Arc<H>,
    decoders: Decoders<M, Hd>,
    call: C,
) -> Route
where
    H: Send + Sync + 'static,
    P: Captured,
    M: Send + 'static,
    Hd: Send + 'static,
    Pb: 'static,
    C: Fn(Arc<H>, P, M, MessageContext<Hd, Pb>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    let handler = Arc::clone(handler);
    Route::new(address, move |message: Message, context: Context| {
        let called = prepare(&message, context, &decoders)
            .map(|(params, payload, context)| call(Arc::clone(&handler), params, payload, context));
        async move {
            called?.await?;
            Ok(None)
        }
    })
    .name(name)
}

/// Where the reply of a request/reply operation goes when the request names no response topic.
pub enum Fallback<P> {
    /// The reply channel's fixed topic.
    Fixed(&'static str),
    /// The reply channel's topic built from the request's parameters.
    Derived(fn(&P) -> Result<String, Error>),
    /// No reply channel with an address: the request cannot be answered (the error text).
    Missing(&'static str),
}

/// How a request/reply route answers: the reply's encoder, its fallback topic and the
/// locations of the reply address and correlation id the spec names.
pub struct ReplySpec<P, R> {
    encode: fn(String, &R) -> Result<Outgoing, Error>,
    fallback: Fallback<P>,
    address: Option<Location>,
    echo: Option<(Location, Location)>,
}

impl<P, R> ReplySpec<P, R> {
    /// Replies encoded by `encode`, to `fallback` when the request names no topic.
    pub fn new(encode: fn(String, &R) -> Result<Outgoing, Error>, fallback: Fallback<P>) -> Self {
        ReplySpec {
            encode,
            fallback,
            address: None,
            echo: None,
        }
    }

    /// Where a request names its reply topic besides the MQTT 5 Response Topic.
    pub fn address(mut self, location: Location) -> Self {
        self.address = Some(location);
        self
    }

    /// Echoes the correlation id read at `read` in the request to `write` in the reply.
    pub fn echo(mut self, read: Location, write: Location) -> Self {
        self.echo = Some((read, write));
        self
    }
}

/// A request/reply route: like [`route`], and the handler's value is published as the reply
/// (see [`crate::reply::Reply`]).
pub fn reply_route<H, P, M, Hd, Pb, R, C, F>(
    address: &str,
    name: &str,
    handler: &Arc<H>,
    decoders: Decoders<M, Hd>,
    reply: ReplySpec<P, R>,
    call: C,
) -> Route
where
    H: Send + Sync + 'static,
    P: Captured,
    M: Send + 'static,
    Hd: Send + 'static,
    Pb: 'static,
    R: Send + 'static,
    C: Fn(Arc<H>, P, M, MessageContext<Hd, Pb>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<R, HandlerError>> + Send + 'static,
{
    let handler = Arc::clone(handler);
    let reply = Arc::new(reply);
    Route::new(address, move |message: Message, context: Context| {
        let reply = Arc::clone(&reply);
        let called = prepare(&message, context, &decoders).map(|(params, payload, context)| {
            let fallback = match &reply.fallback {
                Fallback::Fixed(topic) => Ok(Ok((*topic).to_owned())),
                Fallback::Derived(build) => Ok(build(&params)),
                Fallback::Missing(text) => Err(*text),
            };
            let target = crate::reply::Reply::to_request(
                &message,
                reply.address.as_ref(),
                reply.echo.as_ref(),
            );
            let call = call(Arc::clone(&handler), params, payload, context);
            (target, fallback, call)
        });
        async move {
            let (target, fallback, call) = called?;
            let value = call.await?;
            let topic = match (target.response_topic(), fallback) {
                (Some(topic), _) => topic.to_owned(),
                (None, Ok(topic)) => topic?,
                (None, Err(text)) => return Err(HandlerError::failed(text)),
            };
            let outgoing = (reply.encode)(topic, &value)?;
            Ok(Some(target.apply(outgoing)?))
        }
    })
    .name(name)
}

/// The JSON payload of `value` for publishing to `topic`, with `content_type`; with `checked`,
/// a value its receivers would reject (typed checks, then the payload schema) is an error.
pub fn encode<T: Serialize + DeserializeOwned>(
    topic: String,
    value: &T,
    checked: bool,
    schema: &PayloadSchema,
    content_type: Option<&str>,
) -> Result<Outgoing, Error> {
    let payload = crate::codec::encode_json_checked(value, checked)?;
    if checked {
        crate::schema::check_encoded(&payload, schema)?;
    }
    let outgoing = Outgoing::new(topic, payload);
    Ok(match content_type {
        Some(content_type) => outgoing.content_type(content_type),
        None => outgoing,
    })
}

/// Decodes a JSON payload after checking it against `schema`.
pub fn decode<T: DeserializeOwned>(
    message: &Message,
    schema: &PayloadSchema,
) -> Result<T, DecodeError> {
    crate::schema::decode_json_checked(&message.payload, schema)
}

/// The defaults of a publish operation from the spec (MQTT binding QoS, retain, message expiry).
#[derive(Clone, Copy, Debug)]
pub struct Defaults {
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// Message expiry interval in seconds.
    pub message_expiry: Option<u32>,
    /// The operation id and address template ([`Outgoing::operation`]).
    pub operation: Option<(&'static str, &'static str)>,
}

impl Defaults {
    /// Defaults `qos`, `retain` and `message_expiry`.
    pub const fn new(qos: QoS, retain: bool, message_expiry: Option<u32>) -> Defaults {
        Defaults {
            qos,
            retain,
            message_expiry,
            operation: None,
        }
    }

    /// Names the operation `id` and its address `template` (telemetry span names and metric
    /// labels, see [`Outgoing::operation`]).
    pub const fn operation(mut self, id: &'static str, template: &'static str) -> Defaults {
        self.operation = Some((id, template));
        self
    }
}

/// Publishes `outgoing` with the spec's `defaults` and the caller's `options`, waiting for the
/// broker's acknowledgement when `options.confirmed`.
pub async fn send(
    publisher: &Publisher,
    outgoing: Outgoing,
    options: PublishOptions,
    defaults: Defaults,
) -> Result<(), Error> {
    let confirmed = options.confirmed;
    let mut outgoing = options.apply(
        outgoing,
        defaults.qos,
        defaults.retain,
        defaults.message_expiry,
    );
    outgoing.operation = outgoing.operation.or(defaults.operation);
    if confirmed {
        publisher.publish_confirmed(outgoing).await
    } else {
        publisher.publish(outgoing).await
    }
}

/// Publishes the request `outgoing` and waits for its reply (default timeout 30 s), with the
/// spec's `defaults`, the caller's `options` and the spec's correlation id and reply address
/// locations in `request`.
pub async fn request(
    publisher: &Publisher,
    outgoing: Outgoing,
    options: PublishOptions,
    defaults: Defaults,
    request: RequestOptions,
) -> Result<Message, RequestError> {
    let timeout = options
        .timeout
        .unwrap_or(std::time::Duration::from_secs(30));
    let mut outgoing = options.apply(
        outgoing,
        defaults.qos,
        defaults.retain,
        defaults.message_expiry,
    );
    outgoing.operation = outgoing.operation.or(defaults.operation);
    let mut request = request;
    request.timeout = timeout;
    Ok(publisher.request_with(outgoing, &request).await?)
}

/// Bytes of correlation data, re-exported for generated code.
pub type CorrelationData = Bytes;
