//! What the OpenTelemetry support keeps in the runtime's own structures (feature `otel`): the
//! service's instruments and each route's labels. Only data lives here, below the handler and
//! metrics modules that hold it; [`crate::otel`] fills it in and uses it.

use opentelemetry::metrics::{Counter, Histogram, Meter};
use opentelemetry::KeyValue;
use std::sync::OnceLock;

/// The telemetry state of one running service (kept in its `Metrics`).
#[derive(Default)]
pub(crate) struct AppTelemetry {
    pub(crate) client_id: OnceLock<String>,
    pub(crate) instruments: OnceLock<Instruments>,
}

impl std::fmt::Debug for AppTelemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppTelemetry")
            .field("client_id", &self.client_id.get())
            .finish_non_exhaustive()
    }
}

/// The service's OpenTelemetry instruments, created when it starts.
pub(crate) struct Instruments {
    pub received: Counter<u64>,
    pub handled: Counter<u64>,
    pub failed: Counter<u64>,
    pub dropped: Counter<u64>,
    pub dead_lettered: Counter<u64>,
    pub process_duration: Histogram<f64>,
    pub latency: Histogram<f64>,
    pub sent: Counter<u64>,
    pub request_duration: Histogram<f64>,
    pub request_timeouts: Counter<u64>,
    pub meter: Meter,
}

/// Per-route span name and metric attributes, computed once (kept in the route's `RouteInfo`).
#[derive(Debug, Default)]
pub(crate) struct RouteTelemetry {
    pub(crate) labels: OnceLock<RouteLabels>,
}

#[derive(Debug)]
pub(crate) struct RouteLabels {
    /// `process {template}`.
    pub process_name: String,
    pub attrs: Vec<KeyValue>,
}
