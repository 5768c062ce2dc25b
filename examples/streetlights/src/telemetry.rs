//! `--features otel`: spans to stdout (OpenTelemetry's stdout exporter, through a
//! `tracing-opentelemetry` layer) and metrics as Prometheus text, printed when the run ends.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;

/// The installed providers; [`Telemetry::finish`] prints what they collected.
pub struct Telemetry {
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    registry: prometheus::Registry,
}

/// Installs the global `tracing` subscriber and meter provider. Call before starting the apps.
pub fn install() -> Result<Telemetry, Box<dyn std::error::Error>> {
    let tracer_provider = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("streetlights")));
    tracing::subscriber::set_global_default(subscriber)?;
    let registry = prometheus::Registry::new();
    let exporter = opentelemetry_prometheus::exporter()
        .with_registry(registry.clone())
        .build()?;
    let meter_provider = SdkMeterProvider::builder().with_reader(exporter).build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    Ok(Telemetry {
        tracer_provider,
        meter_provider,
        registry,
    })
}

impl Telemetry {
    /// Flushes the spans and prints the metrics in Prometheus text format.
    pub fn finish(self) -> Result<(), Box<dyn std::error::Error>> {
        self.tracer_provider.force_flush()?;
        let text = prometheus::TextEncoder::new().encode_to_string(&self.registry.gather())?;
        println!("\n# metrics (Prometheus text format)\n{text}");
        self.tracer_provider.shutdown()?;
        self.meter_provider.shutdown()?;
        Ok(())
    }
}
