//! The spans: `send`, `process`, `request` and `receive` (see the module docs of
//! [`crate::otel`]).

use super::metrics::labels;
use super::propagation::{extract, inject, since_published, stamp};
use super::{enabled, INBOX_TEMPLATE, SYSTEM};
use crate::metrics::Metrics;
use crate::route_info::RouteInfo;
use crate::{Error, HandlerError, Message, Outgoing};
use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::KeyValue;
use std::time::Instant;
use tracing::field::Empty;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The template and operation a publish names: its own, else the private reply inbox's.
fn publish_names(msg: &Outgoing) -> (Option<&'static str>, Option<&'static str>) {
    match msg.operation {
        Some((id, template)) => (Some(template), Some(id)),
        None if crate::topic::matches(crate::reply::PRIVATE_INBOXES, &msg.topic) => {
            (Some(INBOX_TEMPLATE), None)
        }
        None => (None, None),
    }
}

fn span_name(kind: &str, template: Option<&str>) -> String {
    match template {
        Some(template) => format!("{kind} {template}"),
        None => kind.to_owned(),
    }
}

fn common(span: &Span, topic: &str, client_id: &str, body: usize, qos: crate::QoS, retain: bool) {
    span.set_attribute("messaging.system", SYSTEM);
    span.set_attribute("messaging.destination.name", topic.to_owned());
    span.set_attribute("messaging.message.body.size", body as i64);
    span.set_attribute("messaging.client.id", client_id.to_owned());
    span.set_attribute("messaging.mqtt.qos", qos as i64);
    span.set_attribute("messaging.mqtt.retain", retain);
}

/// A publish is accepted: a `send` span (producer, child of the current span) whose context
/// goes out in the message (MQTT 5), with the publish stamp; counted per operation.
pub(crate) fn on_publish(msg: &mut Outgoing, metrics: &Metrics, v5: bool) {
    if !enabled() {
        return;
    }
    let (template, operation) = publish_names(msg);
    let client_id = metrics.otel.client_id();
    if let Some(i) = metrics.otel.instruments() {
        let mut attrs = vec![
            KeyValue::new("messaging.system", SYSTEM),
            KeyValue::new("messaging.client.id", client_id.to_owned()),
        ];
        if let Some(template) = template {
            attrs.push(KeyValue::new("messaging.destination.template", template));
        }
        if let Some(operation) = operation {
            attrs.push(KeyValue::new("messaging.operation.name", operation));
        }
        i.sent.add(1, &attrs);
    }
    let span = tracing::info_span!("mqtt.publish", otel.name = Empty, otel.kind = "producer");
    if !span.is_disabled() {
        span.record("otel.name", span_name("send", template));
        common(
            &span,
            &msg.topic,
            client_id,
            msg.payload.len(),
            msg.qos,
            msg.retain,
        );
        if let Some(template) = template {
            span.set_attribute("messaging.destination.template", template);
        }
        span.set_attribute("messaging.operation.name", operation.unwrap_or("send"));
        span.set_attribute("messaging.operation.type", "send");
    }
    if v5 {
        if !span.is_disabled() {
            inject(&span.context(), &mut msg.properties);
        }
        stamp(&mut msg.properties);
    }
}

/// The span of one handler run: `process {template}` (consumer), child of the sender's
/// context when the message carries one.
pub(crate) fn process_span(info: &RouteInfo, msg: &Message, metrics: &Metrics) -> Span {
    let span = tracing::info_span!(
        "mqtt.message",
        route = %info.name,
        topic = %msg.topic,
        qos = msg.qos as u8,
        otel.name = Empty,
        otel.kind = "consumer",
    );
    if !enabled() || span.is_disabled() {
        return span;
    }
    let client_id = metrics.otel.client_id();
    let labels = labels(info, client_id);
    span.record("otel.name", labels.process_name.as_str());
    let parent = extract(&msg.properties);
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    common(
        &span,
        &msg.topic,
        client_id,
        msg.payload.len(),
        msg.qos,
        msg.retain,
    );
    span.set_attribute("messaging.destination.template", info.address.clone());
    span.set_attribute("messaging.operation.name", info.name.clone());
    span.set_attribute("messaging.operation.type", "process");
    span
}

/// A handler run ended: span status, counters, duration and end-to-end latency.
pub(crate) fn processed(
    span: &Span,
    info: &RouteInfo,
    msg: &Message,
    result: &Result<Option<Outgoing>, HandlerError>,
    started: Instant,
    metrics: &Metrics,
) {
    if !enabled() {
        return;
    }
    let error_type = match result {
        Ok(_) => None,
        Err(HandlerError::Decode(_)) => Some("decode"),
        Err(_) => Some("handler"),
    };
    if let (Some(kind), Err(error)) = (error_type, result) {
        span.set_attribute("error.type", kind);
        span.set_status(Status::error(error.to_string()));
    }
    let Some(i) = metrics.otel.instruments() else {
        return;
    };
    let attrs = &labels(info, metrics.otel.client_id()).attrs;
    i.process_duration
        .record(started.elapsed().as_secs_f64(), attrs);
    if let Some(latency) = since_published(&msg.properties) {
        i.latency.record(latency.as_secs_f64(), attrs);
    }
    match error_type {
        None => i.handled.add(1, attrs),
        Some(kind) => {
            let mut attrs = attrs.clone();
            attrs.push(KeyValue::new("error.type", kind));
            i.failed.add(1, &attrs);
        }
    }
}

/// The span of a request/reply round trip: `request {template}` (client).
pub(crate) fn request_span(request: &Outgoing, metrics: &Metrics) -> Span {
    let span = tracing::info_span!("mqtt.request", otel.name = Empty, otel.kind = "client");
    if !enabled() || span.is_disabled() {
        return span;
    }
    let (template, operation) = publish_names(request);
    span.record("otel.name", span_name("request", template));
    common(
        &span,
        &request.topic,
        metrics.otel.client_id(),
        request.payload.len(),
        request.qos,
        request.retain,
    );
    if let Some(template) = template {
        span.set_attribute("messaging.destination.template", template);
    }
    span.set_attribute("messaging.operation.name", operation.unwrap_or("request"));
    span.set_attribute("messaging.operation.type", "send");
    span
}

/// A request ended (reply, timeout or error): duration, timeouts, span status.
pub(crate) fn request_done(
    span: &Span,
    request: (Option<&'static str>, Option<&'static str>),
    started: Instant,
    result: &Result<Message, Error>,
    metrics: &Metrics,
) {
    if !enabled() {
        return;
    }
    let error_type = match result {
        Ok(_) => None,
        Err(Error::Timeout(_)) => Some("timeout"),
        Err(_) => Some("error"),
    };
    if let (Some(kind), Err(error)) = (error_type, result) {
        span.set_attribute("error.type", kind);
        span.set_status(Status::error(error.to_string()));
    }
    let Some(i) = metrics.otel.instruments() else {
        return;
    };
    let mut attrs = vec![
        KeyValue::new("messaging.system", SYSTEM),
        KeyValue::new("messaging.client.id", metrics.otel.client_id().to_owned()),
    ];
    if let Some(template) = request.0 {
        attrs.push(KeyValue::new("messaging.destination.template", template));
    }
    if let Some(operation) = request.1 {
        attrs.push(KeyValue::new("messaging.operation.name", operation));
    }
    if error_type == Some("timeout") {
        i.request_timeouts.add(1, &attrs);
    }
    if let Some(kind) = error_type {
        attrs.push(KeyValue::new("error.type", kind));
    }
    i.request_duration
        .record(started.elapsed().as_secs_f64(), &attrs);
}

/// The template and operation a request names (for [`request_done`]).
pub(crate) fn request_names(request: &Outgoing) -> (Option<&'static str>, Option<&'static str>) {
    publish_names(request)
}

/// A reply reached the request waiting for it: a `receive` span (consumer), child of the
/// responder's reply context.
pub(crate) fn reply_received(msg: &Message, client_id: &str) {
    if !enabled() {
        return;
    }
    let span = tracing::info_span!("mqtt.reply", otel.name = Empty, otel.kind = "consumer");
    if span.is_disabled() {
        return;
    }
    let template =
        crate::topic::matches(crate::reply::PRIVATE_INBOXES, &msg.topic).then_some(INBOX_TEMPLATE);
    span.record("otel.name", span_name("receive", template));
    let parent = extract(&msg.properties);
    if parent.span().span_context().is_valid() {
        let _ = span.set_parent(parent);
    }
    common(
        &span,
        &msg.topic,
        client_id,
        msg.payload.len(),
        msg.qos,
        msg.retain,
    );
    if let Some(template) = template {
        span.set_attribute("messaging.destination.template", template);
    }
    span.set_attribute("messaging.operation.name", "reply");
    span.set_attribute("messaging.operation.type", "receive");
}
