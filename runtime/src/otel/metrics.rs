//! Metrics through the OpenTelemetry metrics API (the global meter provider, scope `mqttgen`).
//!
//! Per route, with attributes `messaging.system`, `messaging.destination.template` (the route's
//! address), `messaging.operation.name` (the route's name: the operation id in generated and
//! `#[subscriber]` code) and `messaging.client.id`:
//!
//! | instrument | kind | unit | counts |
//! |---|---|---|---|
//! | `messaging.client.consumed.messages` | counter | `{message}` | messages put into the route's queue (or dropped by its overflow policy) |
//! | `mqttgen.messages.handled` | counter | `{message}` | handler runs that succeeded |
//! | `mqttgen.messages.failed` | counter | `{message}` | handler runs that failed; `error.type` = `handler` or `decode` |
//! | `mqttgen.messages.dropped` | counter | `{message}` | messages the route's [`Overflow`](crate::Overflow) policy dropped |
//! | `mqttgen.messages.dead_lettered` | counter | `{message}` | messages republished to the dead-letter topic |
//! | `messaging.process.duration` | histogram | `s` | handler run time (middleware included) |
//! | `mqttgen.message.latency` | histogram | `s` | from the sender's [`PUBLISHED_AT`](super::PUBLISHED_AT) stamp to the end of the handler run |
//! | `mqttgen.route.queue.depth` | gauge | `{message}` | messages waiting in the route's queue |
//!
//! Per publish operation (`messaging.destination.template` and `messaging.operation.name` when
//! the publish names them, `messaging.client.id`):
//!
//! | instrument | kind | unit | counts |
//! |---|---|---|---|
//! | `messaging.client.sent.messages` | counter | `{message}` | publishes accepted into the outbox |
//! | `mqttgen.request.duration` | histogram | `s` | request/reply round trips, answered or not (`error.type` = `timeout` or `error` when not) |
//! | `mqttgen.request.timeouts` | counter | `{request}` | requests that got no reply in time |
//!
//! Per service (`messaging.client.id`): `mqttgen.acks.in_flight` (gauge: received QoS 1/2
//! messages not yet acknowledged), `mqttgen.publishes.pending` (gauge: publishes waiting for the
//! connection or the broker's acknowledgement), `mqttgen.reconnects` (counter),
//! `mqttgen.messages.unrouted` and `mqttgen.messages.invalid_topic` (counters).

use crate::acks::AckHub;
use crate::instruments::{AppTelemetry, Instruments, RouteLabels};
use crate::metrics::Metrics;
use crate::queue::RouteQueue;
use crate::route_info::RouteInfo;
use opentelemetry::metrics::Meter;
use opentelemetry::{InstrumentationScope, KeyValue};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

fn meter() -> Meter {
    opentelemetry::global::meter_with_scope(
        InstrumentationScope::builder("mqttgen")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    )
}

impl AppTelemetry {
    /// Creates the instruments (from the global meter provider installed now) and the
    /// service-wide observable ones.
    pub fn start(
        &self,
        client_id: &str,
        metrics: &Arc<Metrics>,
        acks: &Arc<AckHub>,
        pending: Arc<AtomicUsize>,
    ) {
        let _ = self.client_id.set(client_id.to_owned());
        let meter = meter();
        let messages = "{message}";
        let counter = |name: &'static str, description: &'static str| {
            meter
                .u64_counter(name)
                .with_unit(messages)
                .with_description(description)
                .build()
        };
        let seconds = |name: &'static str, description: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(description)
                .build()
        };
        let instruments = Instruments {
            received: counter(
                "messaging.client.consumed.messages",
                "Messages queued for a route (or dropped by its overflow policy)",
            ),
            handled: counter("mqttgen.messages.handled", "Handler runs that succeeded"),
            failed: counter(
                "mqttgen.messages.failed",
                "Handler runs that failed (error.type: handler or decode)",
            ),
            dropped: counter(
                "mqttgen.messages.dropped",
                "Messages dropped by a route's overflow policy",
            ),
            dead_lettered: counter(
                "mqttgen.messages.dead_lettered",
                "Messages republished to the dead-letter topic",
            ),
            process_duration: seconds("messaging.process.duration", "Handler run time"),
            latency: seconds(
                "mqttgen.message.latency",
                "From the sender's publish stamp to the end of the handler run",
            ),
            sent: counter(
                "messaging.client.sent.messages",
                "Publishes accepted into the outbox",
            ),
            request_duration: seconds(
                "mqttgen.request.duration",
                "Request/reply round trips, answered or not",
            ),
            request_timeouts: meter
                .u64_counter("mqttgen.request.timeouts")
                .with_unit("{request}")
                .with_description("Requests that got no reply in time")
                .build(),
            meter: meter.clone(),
        };
        let service = Arc::new([
            KeyValue::new("messaging.system", super::SYSTEM),
            KeyValue::new("messaging.client.id", client_id.to_owned()),
        ]);
        let acks = Arc::downgrade(acks);
        let attrs = service.clone();
        meter
            .u64_observable_gauge("mqttgen.acks.in_flight")
            .with_unit(messages)
            .with_description("Received QoS 1/2 messages not yet acknowledged")
            .with_callback(move |o| {
                if let Some(acks) = acks.upgrade() {
                    o.observe(acks.outstanding() as u64, &attrs[..]);
                }
            })
            .build();
        let attrs = service.clone();
        let weak_pending = Arc::downgrade(&pending);
        drop(pending);
        meter
            .u64_observable_gauge("mqttgen.publishes.pending")
            .with_unit(messages)
            .with_description(
                "Publishes waiting for the connection or the broker's acknowledgement",
            )
            .with_callback(move |o| {
                if let Some(p) = weak_pending.upgrade() {
                    o.observe(p.load(Ordering::Relaxed) as u64, &attrs[..]);
                }
            })
            .build();
        type Read = fn(&Metrics) -> u64;
        let observed: [(&'static str, &'static str, &'static str, Read); 3] = [
            (
                "mqttgen.reconnects",
                "{reconnect}",
                "Successful reconnects",
                |m| m.reconnects.load(Ordering::Relaxed),
            ),
            (
                "mqttgen.messages.unrouted",
                messages,
                "Messages no route matched",
                |m| m.unrouted.load(Ordering::Relaxed),
            ),
            (
                "mqttgen.messages.invalid_topic",
                messages,
                "Messages dropped for a topic that is not valid UTF-8",
                |m| m.invalid_topic.load(Ordering::Relaxed),
            ),
        ];
        for (name, unit, description, read) in observed {
            let weak: Weak<Metrics> = Arc::downgrade(metrics);
            let attrs = service.clone();
            meter
                .u64_observable_counter(name)
                .with_unit(unit)
                .with_description(description)
                .with_callback(move |o| {
                    if let Some(m) = weak.upgrade() {
                        o.observe(read(&m), &attrs[..]);
                    }
                })
                .build();
        }
        let _ = self.instruments.set(instruments);
    }

    /// The instruments, once the service started.
    pub fn instruments(&self) -> Option<&Instruments> {
        if !super::enabled() {
            return None;
        }
        self.instruments.get()
    }

    /// The service's client id ("" before it started).
    pub fn client_id(&self) -> &str {
        self.client_id.get().map_or("", String::as_str)
    }

    /// Reports the depth of each route's queue while the queue lives.
    pub fn watch_queues(&self, queues: Vec<(Arc<RouteInfo>, Weak<RouteQueue>)>) {
        let Some(instruments) = self.instruments.get() else {
            return;
        };
        let client_id = self.client_id().to_owned();
        let queues: Vec<(Vec<KeyValue>, Weak<RouteQueue>)> = queues
            .into_iter()
            .map(|(info, queue)| (labels(&info, &client_id).attrs.clone(), queue))
            .collect();
        instruments
            .meter
            .u64_observable_gauge("mqttgen.route.queue.depth")
            .with_unit("{message}")
            .with_description("Messages waiting in a route's queue")
            .with_callback(move |o| {
                for (attrs, queue) in &queues {
                    if let Some(queue) = queue.upgrade() {
                        o.observe(queue.len() as u64, attrs);
                    }
                }
            })
            .build();
    }
}

/// The labels of `info`'s route.
pub(crate) fn labels<'a>(info: &'a RouteInfo, client_id: &str) -> &'a RouteLabels {
    info.otel.labels.get_or_init(|| RouteLabels {
        process_name: format!("process {}", info.address),
        attrs: vec![
            KeyValue::new("messaging.system", super::SYSTEM),
            KeyValue::new("messaging.destination.template", info.address.clone()),
            KeyValue::new("messaging.operation.name", info.name.clone()),
            KeyValue::new("messaging.client.id", client_id.to_owned()),
        ],
    })
}

/// A message was queued for (or dropped by) a route.
pub(crate) fn routed(metrics: &Metrics, info: &RouteInfo) {
    if let Some(i) = metrics.otel.instruments() {
        i.received
            .add(1, &labels(info, metrics.otel.client_id()).attrs);
    }
}

/// A route's overflow policy dropped a message.
pub(crate) fn dropped(metrics: &Metrics, info: &RouteInfo) {
    if let Some(i) = metrics.otel.instruments() {
        i.dropped
            .add(1, &labels(info, metrics.otel.client_id()).attrs);
    }
}

/// A message was republished to the dead-letter topic.
pub(crate) fn dead_lettered(metrics: &Metrics, info: &RouteInfo) {
    if let Some(i) = metrics.otel.instruments() {
        i.dead_lettered
            .add(1, &labels(info, metrics.otel.client_id()).attrs);
    }
}
