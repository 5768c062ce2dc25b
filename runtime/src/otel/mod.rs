//! OpenTelemetry for services on this runtime (cargo feature `otel`): spans following the
//! OpenTelemetry messaging semantic conventions, W3C Trace Context carried in MQTT 5 user
//! properties, and metrics per route and operation.
//!
//! Nothing to call: with the feature on, every route and every publish of an [`App`](crate::App)
//! reports through [`tracing`] spans (export them to OpenTelemetry with a
//! `tracing_opentelemetry` layer) and through the global OpenTelemetry meter provider
//! ([`opentelemetry::global::set_meter_provider`]; install it before [`App::start`](crate::App::start),
//! whose instruments are created then). Without an OpenTelemetry layer nothing is injected into
//! messages but the publish timestamp.
//!
//! # Spans
//!
//! | span name | kind | when |
//! |---|---|---|
//! | `send {template}` | producer | every publish (typed publishers, handler results, replies, [`Publisher::publish`](crate::Publisher::publish)) |
//! | `process {template}` | consumer | a route's handler run (middleware included) |
//! | `request {template}` | client | [`Publisher::request_with`](crate::Publisher::request_with), until the reply or the timeout |
//! | `receive {reply template}` | consumer | the reply to a request, as it is handed to the waiting request |
//!
//! The name holds the address *template* (`bench/{device}/telemetry`), never the topic: the
//! topic is the attribute `messaging.destination.name`. A publish that names no template (an
//! [`Outgoing`](crate::Outgoing) built by hand without [`Outgoing::operation`](crate::Outgoing::operation))
//! is named `send` alone; replies to a private inbox use `mqttgen/replies/{clientId}/{requestId}`.
//!
//! Attributes: `messaging.system = mqtt`, `messaging.destination.name`,
//! `messaging.destination.template`, `messaging.operation.name` (the operation id: the route's
//! name, which generated code and `#[subscriber]` set to the operation id; `request` and `send`
//! without one), `messaging.operation.type` (`send`, `receive`, `process`),
//! `messaging.message.body.size`, `messaging.client.id`, and the MQTT-specific
//! `messaging.mqtt.qos` and `messaging.mqtt.retain`. A handler error or a payload that fails
//! to decode sets the span status to error (with `error.type` `handler` or `decode`).
//!
//! # Propagation
//!
//! Each publish injects its span's context as the W3C `traceparent` (and `tracestate`) user
//! properties ([`TRACEPARENT`], [`TRACESTATE`]); a received message's context is extracted and
//! the `process` span is its child, so a chain of services is one trace. MQTT 3.1.1 has no user
//! properties: there nothing is carried and each service starts its own traces. The in-memory
//! broker carries user properties like an MQTT 5 broker.
//!
//! # Metrics
//!
//! Instrument names and attributes are listed in [`metrics`]. Counters are per route
//! (`messaging.destination.template`, `messaging.operation.name`).

pub mod metrics;
mod propagation;
mod spans;

pub(crate) use metrics::{dead_lettered, dropped, routed};
pub use propagation::{extract, inject, PUBLISHED_AT, TRACEPARENT, TRACESTATE};
pub(crate) use spans::{
    on_publish, process_span, processed, reply_received, request_done, request_names, request_span,
};

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns all of it off (`false`) or on again at run time: spans, propagation, publish timestamps
/// and metrics. On by default. With it off, each hook costs one atomic load (what the
/// `otel_overhead` benchmark compares against).
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// True unless [`set_enabled`]`(false)`.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The messaging system attribute value.
pub(crate) const SYSTEM: &str = "mqtt";

/// The template of the private reply inboxes of requesters (see [`crate::reply::PRIVATE_INBOXES`]).
pub const INBOX_TEMPLATE: &str = "mqttgen/replies/{clientId}/{requestId}";
