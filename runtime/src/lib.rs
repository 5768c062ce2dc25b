//! The `mqttgen` runtime: generated services run on this crate.
//!
//! One MQTT connection (MQTT 3.1.1 or 5, on rumqttc) serves every route of a service. The
//! runtime subscribes once per distinct filter, dispatches each message to the handlers of every
//! matching route off the event loop, acknowledges QoS 1/2 messages in order after the handler
//! ran, reconnects with jittered backoff and restores subscriptions, keeps unacknowledged
//! publishes across reconnects, and shuts down gracefully. [`testing::MemoryBroker`] runs the
//! same code without a network.
//!
//! # What generated code does
//!
//! ```
//! use mqttgen::{codec, topic, App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router};
//!
//! #[derive(serde::Deserialize, serde::Serialize)]
//! struct Reading { celsius: f64 }
//!
//! // A typed publisher: builds the topic from validated parameters.
//! fn alert(device_id: &str, reading: &Reading) -> Result<Outgoing, mqttgen::Error> {
//!     topic::validate_param_value("device_id", device_id)?;
//!     Ok(Outgoing::new(format!("alerts/{device_id}"), codec::encode_json(reading)?)
//!         .qos(QoS::AtLeastOnce)
//!         .content_type("application/json"))
//! }
//!
//! // The user's business logic, behind a generated trait in real code.
//! async fn on_temperature(msg: Message, ctx: Context) -> HandlerResult {
//!     let reading: Reading = codec::decode_json(&msg.payload)?; // bad JSON → counted, dead-lettered
//!     let device_id = ctx.param("device_id").unwrap_or_default();
//!     if reading.celsius > 80.0 {
//!         return Ok(Some(alert(device_id, &reading)?)); // published by the runtime
//!     }
//!     Ok(None)
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let router = Router::with_prefix("plant1")
//!     .route(Route::new("sensors/{device_id}/temperature", on_temperature).qos(QoS::AtLeastOnce));
//! let broker = mqttgen::testing::MemoryBroker::new();
//! // Production: App::new(mqttgen::Config::from_env()?) or App::from_env()?.
//! let app = App::in_memory(&broker).mount(router).start().await?;
//! app.ready(std::time::Duration::from_secs(5)).await?;
//! broker.publish(Outgoing::new("plant1/sensors/d7/temperature", r#"{"celsius": 91.5}"#)).await;
//! broker.settle().await?;
//! assert_eq!(broker.published_to("alerts/+").len(), 1);
//! app.shutdown(std::time::Duration::from_secs(5)).await?;
//! # Ok::<(), mqttgen::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Guarantees and choices
//!
//! * **Nothing is dropped by default, and memory is bounded.** Each route has a queue bounded
//!   by messages and bytes ([`Route::queue_capacity`], [`Route::queue_bytes`]) and
//!   `max_workers` worker slots (default 1: in order). A full queue stops reading from the
//!   connection (TCP backpressure towards the broker) at every QoS; keep-alive is still served
//!   by polling now and then and reading ahead into a bounded spill buffer ([`SPILL_MESSAGES`],
//!   [`SPILL_BYTES`]). Dropping is an explicit per-route [`Overflow`] policy, counted and
//!   reported. [`Publisher::publish`] only enqueues (into an outbox bounded by count and bytes),
//!   so handlers may publish freely.
//! * **Acknowledgements** follow the route's [`AckPolicy`] and leave in receive order. A message
//!   matched by several routes is acknowledged when all of them are done. Payloads that fail to
//!   decode are always acknowledged (and reported, counted, optionally dead-lettered).
//! * **Reconnects** use [`config::Backoff`]. Subscriptions are re-sent whenever the broker did
//!   not keep the session. QoS 1/2 publishes not yet acknowledged are re-sent if the session
//!   was lost. Bad credentials stop the service with [`Error::NotAuthorized`].
//! * **MQTT 5**: properties, subscription identifiers (a message is dispatched once per
//!   matching route even with overlapping filters), broker maximum packet size, reason codes.
//! * **Request/reply**: [`Publisher::request_with`] (private inbox under MQTT 5, explicit reply
//!   topic under 3.1.1; pending requests keyed by reply topic and correlation id, which lives
//!   where [`RequestOptions`] says: Correlation Data, a header or a JSON payload field);
//!   responders answer with [`Outgoing::reply_to`].
//! * **Observability**: a `tracing` span per message (`mqtt.message` with route, topic, QoS),
//!   [`RunningApp::stats`], [`RunningApp::state`], and the [`App::on_error`] hook. With the
//!   `otel` feature: OpenTelemetry spans, W3C trace context in MQTT 5 user properties and
//!   metrics per route (`mqttgen::otel`).
//!
//! # Delivery semantics and known limits
//!
//! * QoS 1/2 are at-least-once end to end: after a reconnect the broker redelivers what was not
//!   acknowledged (with a persistent session), and the outbox resends unacknowledged publishes
//!   when the session was lost — a QoS 2 publish caught in that window can arrive twice.
//! * [`AckPolicy::NackOnError`] leaves a failed message unacknowledged; later messages are still
//!   acknowledged (strict in-order acknowledgement would stall the subscription), and the broker
//!   redelivers the failed one on the next reconnect of a persistent session.
//! * rumqttc 0.25 flushes the socket after every request, so each manual PUBACK costs one write
//!   system call; QoS 1 consumption uses more CPU per message than rumqttc's automatic acks.
//!
//! # Testing
//!
//! [`testing::MemoryBroker`] runs services without a network. With the `test-support`
//! feature, `testing::mosquitto::Mosquitto` starts a throwaway mosquitto on a free loopback
//! port (the end-to-end tests reuse it).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod acks;
#[doc(hidden)]
pub mod codegen;
mod params;
mod publish_options;

mod app;
pub mod asyncapi;
pub mod codec;
pub mod config;
mod dispatch;
mod driver;
mod error;
pub mod handled;
mod handler;
mod hooks;
#[cfg(feature = "otel")]
mod instruments;
mod location;
mod message;
mod metrics;
pub mod middleware;
#[cfg(feature = "otel")]
pub mod otel;
mod pending;
mod publish;
mod queue;
mod reconnect;
pub mod reply;
mod request;
mod route_info;
mod router;
pub mod schema;
mod state;
mod subscriptions;
pub mod testing;
pub mod topic;
mod transport;

pub use app::{App, RunningApp};
pub use codec::DecodeError;
/// The generic half of the generated test kits (also usable with a hand-written [`Router`]).
#[doc(inline)]
pub use codegen::kit;
pub use config::{Config, Protocol};
pub use dispatch::{SPILL_BYTES, SPILL_MESSAGES};
pub use error::{Error, HandlerError};
pub use handler::{json_handler, Context, Handler, HandlerResult};
pub use hooks::Failure;
pub use location::{Location, LocationError, LocationExt};
pub use message::{Message, Outgoing, Properties, QoS};
pub use metrics::Stats;
pub use middleware::{Middleware, Next};
/// Attribute macros describing handlers and publishers (AsyncAPI export, see [`asyncapi`]).
pub use mqttgen_macros::{publisher, subscriber};
pub use params::TopicParams;
pub use publish::Publisher;
pub use publish_options::{PublishOptions, RequestError};
pub use reply::ReplyTo;
pub use request::RequestOptions;
pub use router::{
    AckPolicy, Overflow, Route, Router, Share, DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_CAPACITY,
};
pub use state::ConnectionState;

/// Re-exported for generated code.
pub use bytes::Bytes;
/// Re-exported for generated code (handler trait objects return boxed futures).
pub use futures::future::BoxFuture;

/// Includes a service module that `mqttgen_codegen::Builder` generated in build.rs.
///
/// `mqttgen::include_service!("streetlights");` expands to
/// `include!(concat!(env!("OUT_DIR"), "/streetlights.rs"));`: the module's `types`, `service` and
/// the service items re-exported next to them.
#[macro_export]
macro_rules! include_service {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
