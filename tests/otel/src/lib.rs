//! Test support for the runtime's `otel` feature: one process-wide OpenTelemetry setup (a
//! `tracing` subscriber exporting to an in-memory span exporter, sampling everything, and a
//! meter provider exporting to an in-memory metric exporter), and queries over what they
//! collected. Tests run in parallel in one process: each uses its own topic prefix and
//! filters by it.

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt;

/// The process-wide exporters.
pub struct Telemetry {
    /// Every finished span.
    pub spans: InMemorySpanExporter,
    /// Every metrics export.
    pub metrics: InMemoryMetricExporter,
    /// Flushed before reading metrics.
    pub meter_provider: SdkMeterProvider,
    /// Kept alive.
    pub tracer_provider: SdkTracerProvider,
}

/// Installs the exporters once (global `tracing` subscriber and meter provider) and returns them.
pub fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let spans = InMemorySpanExporter::default();
        let tracer_provider = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build();
        let tracer = tracer_provider.tracer("mqttgen-otel-tests");
        let subscriber =
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        let metrics = InMemoryMetricExporter::default();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .build();
        opentelemetry::global::set_meter_provider(meter_provider.clone());
        Telemetry {
            spans,
            metrics,
            meter_provider,
            tracer_provider,
        }
    })
}

/// A string attribute of a span (or metric point).
pub fn attr<'a>(attributes: impl IntoIterator<Item = &'a KeyValue>, key: &str) -> Option<String> {
    attributes
        .into_iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| match &kv.value {
            Value::String(s) => s.as_str().to_owned(),
            other => other.to_string(),
        })
}

/// One finished span, reduced to what the tests check.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Span name.
    pub name: String,
    /// Span kind.
    pub kind: SpanKind,
    /// Trace id.
    pub trace: TraceId,
    /// Span id.
    pub id: SpanId,
    /// Parent span id (`SpanId::INVALID` for a root).
    pub parent: SpanId,
    /// Error status.
    pub error: bool,
    /// Links' span ids.
    pub links: Vec<SpanId>,
    /// All attributes.
    pub attributes: Vec<KeyValue>,
}

impl Seen {
    /// A string attribute.
    pub fn attr(&self, key: &str) -> Option<String> {
        attr(&self.attributes, key)
    }
}

fn seen(span: &SpanData) -> Seen {
    Seen {
        name: span.name.to_string(),
        kind: span.span_kind.clone(),
        trace: span.span_context.trace_id(),
        id: span.span_context.span_id(),
        parent: span.parent_span_id,
        error: matches!(span.status, Status::Error { .. }),
        links: span
            .links
            .iter()
            .map(|l| l.span_context.span_id())
            .collect(),
        attributes: span.attributes.clone(),
    }
}

/// Finished spans whose `messaging.destination.name` is the topic `prefix` or lies under it
/// (whole levels: `obs-m` does not take `obs-mem/...`), in end order.
pub fn spans_for(prefix: &str) -> Vec<Seen> {
    let level = format!("{prefix}/");
    telemetry()
        .spans
        .get_finished_spans()
        .expect("spans")
        .iter()
        .map(seen)
        .filter(|s| {
            s.attr("messaging.destination.name")
                .is_some_and(|d| d == prefix || d.starts_with(&level))
        })
        .collect()
}

/// Finished spans of trace `trace`.
pub fn spans_of(trace: TraceId) -> Vec<Seen> {
    telemetry()
        .spans
        .get_finished_spans()
        .expect("spans")
        .iter()
        .map(seen)
        .filter(|s| s.trace == trace)
        .collect()
}

/// Waits until `check` holds for the spans of `prefix` (at most 10 s), and returns them.
pub async fn wait_for_spans(prefix: &str, check: impl Fn(&[Seen]) -> bool) -> Vec<Seen> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let spans = spans_for(prefix);
        if check(&spans) || Instant::now() > deadline {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The value of a metric summed over the points whose attributes include all of `matching`
/// (counters and gauges: the value; histograms: the count), from a fresh export.
pub fn metric(name: &str, matching: &[(&str, &str)]) -> u64 {
    let t = telemetry();
    t.metrics.reset();
    t.meter_provider.force_flush().expect("flush");
    let exports = t.metrics.get_finished_metrics().expect("metrics");
    let mut total = 0;
    let fits = |attrs: Vec<&KeyValue>| {
        matching
            .iter()
            .all(|(k, v)| attr(attrs.iter().copied(), k).as_deref() == Some(*v))
    };
    let Some(last) = exports.last() else {
        return 0;
    };
    for scope in last.scope_metrics() {
        for m in scope.metrics().filter(|m| m.name() == name) {
            match m.data() {
                AggregatedMetrics::U64(MetricData::Sum(sum)) => {
                    for p in sum.data_points() {
                        if fits(p.attributes().collect()) {
                            total += p.value();
                        }
                    }
                }
                AggregatedMetrics::U64(MetricData::Gauge(gauge)) => {
                    for p in gauge.data_points() {
                        if fits(p.attributes().collect()) {
                            total += p.value();
                        }
                    }
                }
                AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                    for p in h.data_points() {
                        if fits(p.attributes().collect()) {
                            total += p.count();
                        }
                    }
                }
                other => panic!("{name}: unexpected data {other:?}"),
            }
        }
    }
    total
}
