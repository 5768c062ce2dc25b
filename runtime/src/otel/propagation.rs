//! W3C Trace Context in MQTT 5 user properties ("Trace Context: MQTT"), and the publish
//! timestamp end-to-end latency is measured from.

use crate::Properties;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The user property carrying the W3C `traceparent`.
pub const TRACEPARENT: &str = "traceparent";
/// The user property carrying the W3C `tracestate`.
pub const TRACESTATE: &str = "tracestate";
/// The user property carrying the publish time, in microseconds since the Unix epoch (decimal
/// text). Set on every MQTT 5 publish with the `otel` feature; the receiver's end-to-end latency
/// histogram measures from it (clocks of different hosts must be in sync for it to mean much).
pub const PUBLISHED_AT: &str = "mqttgen-published-at";

struct Writer<'a>(&'a mut Vec<(String, String)>);

impl Injector for Writer<'_> {
    fn set(&mut self, key: &str, value: String) {
        // One value per key: a forwarded message carries the new hop's context, not the old one.
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.to_owned(), value));
    }
}

struct Reader<'a>(&'a [(String, String)]);

impl Extractor for Reader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// Writes the context `cx` into `properties` as `traceparent`/`tracestate` user properties
/// (replacing any there). Nothing is written for a context without a valid span.
pub fn inject(cx: &Context, properties: &mut Properties) {
    TraceContextPropagator::new().inject_context(cx, &mut Writer(&mut properties.user_properties));
}

/// The remote context in the `traceparent`/`tracestate` user properties of `properties`; an
/// empty context when there is none or it is malformed.
pub fn extract(properties: &Properties) -> Context {
    if properties.user_properties.is_empty() {
        return Context::new();
    }
    TraceContextPropagator::new().extract(&Reader(&properties.user_properties))
}

/// Sets [`PUBLISHED_AT`] to now.
pub(crate) fn stamp(properties: &mut Properties) {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    Writer(&mut properties.user_properties).set(PUBLISHED_AT, micros.to_string());
}

/// Time since the [`PUBLISHED_AT`] stamp, if the message has a readable one not in the future.
pub(crate) fn since_published(properties: &Properties) -> Option<Duration> {
    let micros: u64 = properties.user_property(PUBLISHED_AT)?.parse().ok()?;
    SystemTime::now()
        .duration_since(UNIX_EPOCH + Duration::from_micros(micros))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };

    #[test]
    fn context_round_trips_through_user_properties() {
        let span = SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::from_key_value([("vendor", "x")]).unwrap(),
        );
        let cx = Context::new().with_remote_span_context(span.clone());
        let mut props = Properties::default();
        props
            .user_properties
            .push(("traceparent".into(), "stale".into()));
        inject(&cx, &mut props);
        assert_eq!(
            props.user_property(TRACEPARENT),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        assert_eq!(props.user_property(TRACESTATE), Some("vendor=x"));
        assert_eq!(
            props.user_properties.len(),
            2,
            "the stale value is replaced"
        );
        let back = extract(&props);
        assert_eq!(back.span().span_context().trace_id(), span.trace_id());
        assert_eq!(back.span().span_context().span_id(), span.span_id());
        assert!(back.span().span_context().is_remote());
    }

    #[test]
    fn nothing_is_injected_without_a_span_and_garbage_extracts_to_nothing() {
        let mut props = Properties::default();
        inject(&Context::new(), &mut props);
        assert!(props.user_properties.is_empty());
        props
            .user_properties
            .push((TRACEPARENT.into(), "00-zz-yy-01".into()));
        assert!(!extract(&props).span().span_context().is_valid());
    }

    #[test]
    fn the_publish_stamp_measures_latency() {
        let mut props = Properties::default();
        stamp(&mut props);
        let latency = since_published(&props).unwrap();
        assert!(latency < Duration::from_secs(60));
        props.user_properties[0].1 = "not a number".into();
        assert_eq!(since_published(&props), None);
    }
}
