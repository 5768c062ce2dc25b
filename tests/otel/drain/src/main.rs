//! One measured run of the `otel_overhead` benchmark (`tests/otel/benches/otel_overhead.rs`
//! builds and starts this binary): a producer service publishes `N` QoS 0 messages to
//! `bench/d{i % 100}/telemetry` through the mosquitto on `PORT`, a consumer service in the same
//! process handles them on the route `bench/{device}/telemetry`.
//!
//! `mqttgen-otel-drain MODE PORT N FLAVOUR` (the tokio runtime: `current_thread` or
//! `multi_thread`) prints `RUN <msg/s> <ns CPU per message> <received>
//! <spans exported>`. CPU is the time on a core of every thread of the process (the sum of
//! `/proc/self/task/*/schedstat`) while publishing and draining, both services together.
//!
//! Modes:
//! * `plain`: only in a build without the feature `otel`, the runtime as it is without it;
//! * `off`: telemetry compiled in, turned off at run time (`mqttgen::otel::set_enabled(false)`);
//! * `idle`: on, but no OpenTelemetry SDK installed (spans disabled, no-op meter);
//! * `sdk`: on, with a `tracing-opentelemetry` layer over the SDK sampling every span
//!   (`AlwaysOn`, batch processor into an exporter that counts and drops them) and an SDK meter
//!   provider: each message makes a `send` and a `process` span, carries `traceparent` and the
//!   publish stamp, and updates the counters and histograms.

use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router};
#[path = "../../../../runtime/benches/support/process.rs"]
mod process;
use process::cpu_time;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, port, n, flavour] = args.as_slice() else {
        eprintln!("usage: mqttgen-otel-drain MODE PORT N current_thread|multi_thread");
        std::process::exit(2);
    };
    let flavour = match flavour.as_str() {
        "current_thread" => Flavour::CurrentThread,
        "multi_thread" => Flavour::MultiThread,
        _ => {
            eprintln!("mqttgen-otel-drain: the tokio flavour is current_thread or multi_thread");
            std::process::exit(2);
        }
    };
    let (port, n) = match (port.parse::<u16>(), n.parse::<u64>()) {
        (Ok(port), Ok(n)) if n > 0 => (port, n),
        _ => {
            eprintln!("mqttgen-otel-drain: PORT must be a port and N a positive count");
            std::process::exit(2);
        }
    };
    let telemetry = match telemetry::install(mode) {
        Ok(telemetry) => telemetry,
        Err(message) => {
            eprintln!("mqttgen-otel-drain: {message}");
            std::process::exit(2);
        }
    };
    let (rate, cpu_ns, received) = run(mode, port, n, flavour);
    let spans = telemetry.finish();
    println!("RUN {rate} {cpu_ns} {received} {spans}");
}

/// The tokio runtime both services run on.
#[derive(Clone, Copy)]
enum Flavour {
    CurrentThread,
    MultiThread,
}

/// Publishes `n` messages from one service to another; returns msg/s, ns of CPU per message
/// (all threads) and how many arrived.
fn run(mode: &str, port: u16, n: u64, flavour: Flavour) -> (f64, f64, u64) {
    let rt = match flavour {
        Flavour::CurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Flavour::MultiThread => tokio::runtime::Runtime::new(),
    }
    .expect("tokio runtime");
    rt.block_on(async {
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let handle = move |_m: Message, _c: Context| {
            counter.fetch_add(1, Ordering::Relaxed);
            async { HandlerResult::Ok(None) }
        };
        let config = mqttgen::Config::new("127.0.0.1", port);
        let id = std::process::id();
        let consumer = App::new(config.clone().client_id(format!("bench-in-{mode}-{id}")))
            .mount(
                Router::new().route(
                    Route::new("bench/{device}/telemetry", handle)
                        .name("receiveTelemetry")
                        .qos(QoS::AtMostOnce),
                ),
            )
            .start()
            .await
            .expect("consumer starts");
        consumer
            .ready(Duration::from_secs(10))
            .await
            .expect("consumer subscribed");
        let producer = App::new(config.client_id(format!("bench-out-{mode}-{id}")))
            .start()
            .await
            .expect("producer starts");
        producer
            .ready(Duration::from_secs(10))
            .await
            .expect("producer connected");
        let publisher = producer.publisher();
        let payload = mqttgen::Bytes::from_static(br#"{"device":"d1","celsius":21.5,"seq":1}"#);
        let cpu = cpu_time();
        let started = Instant::now();
        for i in 0..n {
            let out = Outgoing::new(format!("bench/d{}/telemetry", i % 100), payload.clone())
                .operation("sendTelemetry", "bench/{device}/telemetry");
            while let Err(mqttgen::Error::OutboxFull(_)) = publisher.publish(out.clone()).await {
                tokio::task::yield_now().await;
            }
        }
        // Until everything arrived, or nothing more arrives for a second (QoS 0 may drop).
        let quiet = Duration::from_secs(1);
        let mut last = (0, Instant::now());
        while received.load(Ordering::Relaxed) < n {
            let now = received.load(Ordering::Relaxed);
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > quiet {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let got = received.load(Ordering::Relaxed);
        let waited = if got < n { quiet } else { Duration::ZERO };
        let elapsed = started.elapsed().saturating_sub(waited);
        let cpu = cpu_time().saturating_sub(cpu);
        producer
            .shutdown(Duration::from_secs(5))
            .await
            .expect("producer stops");
        consumer
            .shutdown(Duration::from_secs(5))
            .await
            .expect("consumer stops");
        (
            got as f64 / elapsed.as_secs_f64(),
            cpu.as_nanos() as f64 / n as f64,
            got,
        )
    })
}

/// The runtime without the feature `otel`: only the mode `plain`.
#[cfg(not(feature = "otel"))]
mod telemetry {
    /// Nothing installed.
    pub struct Installed;

    /// Accepts `plain` only.
    pub fn install(mode: &str) -> Result<Installed, String> {
        match mode {
            "plain" => Ok(Installed),
            other => Err(format!(
                "mode `{other}` needs the feature `otel`; this build has only `plain`"
            )),
        }
    }

    impl Installed {
        /// No spans exported.
        pub fn finish(self) -> u64 {
            0
        }
    }
}

/// The runtime with the feature `otel`: modes `off`, `idle` and `sdk`.
#[cfg(feature = "otel")]
mod telemetry {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::metrics::data::ResourceMetrics;
    use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
    use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use tracing_subscriber::layer::SubscriberExt;

    /// An exporter that counts the spans it gets and drops them.
    #[derive(Debug, Default)]
    struct Counting(Arc<AtomicU64>);

    impl SpanExporter for Counting {
        fn export(
            &self,
            batch: Vec<SpanData>,
        ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
            self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
            std::future::ready(Ok(()))
        }
    }

    /// A metric exporter that drops what it gets (the SDK still aggregates every update).
    struct Dropping;

    impl PushMetricExporter for Dropping {
        fn export(
            &self,
            _metrics: &ResourceMetrics,
        ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
            std::future::ready(Ok(()))
        }

        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }

        fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
            Ok(())
        }

        fn temporality(&self) -> Temporality {
            Temporality::Cumulative
        }
    }

    /// The SDK providers of mode `sdk`, and the count of exported spans.
    pub struct Installed {
        providers: Option<(SdkTracerProvider, SdkMeterProvider)>,
        exported: Arc<AtomicU64>,
    }

    /// Sets up `off`, `idle` or `sdk`.
    pub fn install(mode: &str) -> Result<Installed, String> {
        let exported = Arc::new(AtomicU64::new(0));
        let mut providers = None;
        match mode {
            "off" => mqttgen::otel::set_enabled(false),
            "idle" => {}
            "sdk" => {
                let tracer_provider = SdkTracerProvider::builder()
                    .with_sampler(Sampler::AlwaysOn)
                    .with_batch_exporter(Counting(exported.clone()))
                    .build();
                let tracer = tracer_provider.tracer("bench");
                let subscriber = tracing_subscriber::registry()
                    .with(tracing_opentelemetry::layer().with_tracer(tracer));
                tracing::subscriber::set_global_default(subscriber)
                    .map_err(|e| format!("tracing subscriber: {e}"))?;
                let meter_provider = SdkMeterProvider::builder()
                    .with_reader(PeriodicReader::builder(Dropping).build())
                    .build();
                opentelemetry::global::set_meter_provider(meter_provider.clone());
                providers = Some((tracer_provider, meter_provider));
            }
            other => {
                return Err(format!(
                    "unknown mode `{other}`; a build with `otel` has `off`, `idle` and `sdk`"
                ))
            }
        }
        Ok(Installed {
            providers,
            exported,
        })
    }

    impl Installed {
        /// Flushes the SDK; returns how many spans it exported.
        pub fn finish(self) -> u64 {
            if let Some((tracer_provider, meter_provider)) = self.providers {
                let _ = tracer_provider.force_flush();
                let _ = meter_provider.shutdown();
            }
            self.exported.load(Ordering::Relaxed)
        }
    }
}
