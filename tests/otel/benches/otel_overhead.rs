//! What telemetry costs (`cargo bench -p mqttgen-otel-tests --bench otel_overhead`): QoS 0
//! throughput and CPU per message of one service publishing to another over a throwaway
//! mosquitto (MQTT 5), with the runtime's `otel` feature
//!
//! * `off`: telemetry turned off at run time (`mqttgen::otel::set_enabled(false)`): each hook
//!   is one atomic load, the closest to a build without the feature (whose code paths are
//!   today's: `cargo bench -p mqttgen --bench throughput` measures those);
//! * `idle`: on, but no OpenTelemetry SDK installed (spans disabled, no-op meter): what a
//!   service pays for the feature when nobody collects;
//! * `sdk`: on, with a `tracing-opentelemetry` layer over the SDK sampling every span
//!   (`AlwaysOn`, batch processor into an exporter that counts and drops) and an SDK meter
//!   provider: every message makes a `send` and a `process` span, carries `traceparent` and the
//!   publish stamp, and updates the counters and histograms.
//!
//! Each run is a child process (a global `tracing` subscriber cannot be removed); rounds
//! alternate the modes and the best round of each is printed with ratios to `off` from the same
//! run. Figures on a machine shared with other work are noisy: compare ratios, rerun to confirm.
//! `MQTTGEN_BENCH_N` sets the messages per run (default 50 000), `MQTTGEN_BENCH_ROUNDS` the
//! rounds (default 3).

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MODES: [&str; 3] = ["off", "idle", "sdk"];

/// An exporter that counts the spans it gets and drops them.
#[derive(Debug, Default)]
struct Counting(Arc<AtomicU64>);

impl opentelemetry_sdk::trace::SpanExporter for Counting {
    fn export(
        &self,
        batch: Vec<opentelemetry_sdk::trace::SpanData>,
    ) -> impl std::future::Future<Output = opentelemetry_sdk::error::OTelSdkResult> + Send {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        std::future::ready(Ok(()))
    }
}

/// CPU time (user + system) of this process so far, from /proc (10 ms resolution).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields.get(11).and_then(|f| f.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|f| f.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Child: one run in `mode`; prints `RUN rate cpu_us received spans`.
fn child(mode: &str, port: u16, n: u64) {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;
    let exported = Arc::new(AtomicU64::new(0));
    let mut providers = None;
    match mode {
        "off" => mqttgen::otel::set_enabled(false),
        "idle" => {}
        "sdk" => {
            let tracer_provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
                .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOn)
                .with_batch_exporter(Counting(exported.clone()))
                .build();
            let tracer = tracer_provider.tracer("bench");
            let subscriber = tracing_subscriber::registry()
                .with(tracing_opentelemetry::layer().with_tracer(tracer));
            tracing::subscriber::set_global_default(subscriber).unwrap();
            let metrics = opentelemetry_sdk::metrics::InMemoryMetricExporter::default();
            let meter_provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
                .with_reader(opentelemetry_sdk::metrics::PeriodicReader::builder(metrics).build())
                .build();
            opentelemetry::global::set_meter_provider(meter_provider.clone());
            providers = Some((tracer_provider, meter_provider));
        }
        other => panic!("unknown mode {other}"),
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (rate, cpu_us, received) = rt.block_on(async {
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        let handle = move |_m: Message, _c: Context| {
            counter.fetch_add(1, Ordering::Relaxed);
            async { HandlerResult::Ok(None) }
        };
        let config = mqttgen::Config::new("127.0.0.1", port);
        let consumer = App::new(config.clone().client_id(format!("bench-in-{mode}")))
            .mount(
                Router::new().route(
                    Route::new("bench/{device}/telemetry", handle)
                        .name("receiveTelemetry")
                        .qos(QoS::AtMostOnce),
                ),
            )
            .start()
            .await
            .unwrap();
        consumer.ready(Duration::from_secs(10)).await.unwrap();
        let producer = App::new(config.client_id(format!("bench-out-{mode}")))
            .start()
            .await
            .unwrap();
        producer.ready(Duration::from_secs(10)).await.unwrap();
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
        let mut last = (0, Instant::now());
        while received.load(Ordering::Relaxed) < n {
            let now = received.load(Ordering::Relaxed);
            if now != last.0 {
                last = (now, Instant::now());
            } else if last.1.elapsed() > Duration::from_secs(1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let elapsed = started
            .elapsed()
            .saturating_sub(if received.load(Ordering::Relaxed) < n {
                Duration::from_secs(1)
            } else {
                Duration::ZERO
            });
        let cpu = cpu_time().saturating_sub(cpu);
        let got = received.load(Ordering::Relaxed);
        producer.shutdown(Duration::from_secs(5)).await.unwrap();
        consumer.shutdown(Duration::from_secs(5)).await.unwrap();
        (
            got as f64 / elapsed.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / n as f64,
            got,
        )
    });
    if let Some((tracer_provider, meter_provider)) = providers {
        let _ = tracer_provider.force_flush();
        let _ = meter_provider.shutdown();
    }
    println!(
        "RUN {rate} {cpu_us} {received} {}",
        exported.load(Ordering::Relaxed)
    );
}

struct Run {
    rate: f64,
    cpu_us: f64,
    received: u64,
    spans: u64,
}

fn run_child(mode: &str, port: u16, n: u64) -> Run {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--child", mode, &port.to_string(), &n.to_string()])
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RUN "))
        .unwrap_or_else(|| {
            panic!(
                "{mode}: no result\n{stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line[4..].split(' ').map(|x| x.parse().unwrap()).collect();
    Run {
        rate: f[0],
        cpu_us: f[1],
        received: f[2] as u64,
        spans: f[3] as u64,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(
            &args[i + 1],
            args[i + 2].parse().unwrap(),
            args[i + 3].parse().unwrap(),
        );
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = env("MQTTGEN_BENCH_N", 50_000);
    let rounds = env("MQTTGEN_BENCH_ROUNDS", 3);
    let broker = Mosquitto::start();
    let mut best: Vec<Option<Run>> = MODES.iter().map(|_| None).collect();
    for round in 0..rounds {
        for (i, mode) in MODES.iter().enumerate() {
            let run = run_child(mode, broker.port(), n);
            eprintln!(
                "round {round} {mode:>4}: {:>8.0} msg/s {:>6.2} µs CPU/msg {} received {} spans",
                run.rate, run.cpu_us, run.received, run.spans
            );
            let better = best[i].as_ref().is_none_or(|b| run.rate > b.rate);
            if better {
                let cpu = best[i]
                    .as_ref()
                    .map_or(run.cpu_us, |b| b.cpu_us.min(run.cpu_us));
                best[i] = Some(Run { cpu_us: cpu, ..run });
            } else if let Some(b) = best[i].as_mut() {
                b.cpu_us = b.cpu_us.min(run.cpu_us);
            }
        }
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nQoS 0, {n} messages service → mosquitto → service (both in one process), best of {rounds}; load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("| telemetry | msg/s | µs CPU/msg | received | spans exported | msg/s vs off | CPU vs off |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let off = best[0].as_ref().unwrap();
    let (off_rate, off_cpu) = (off.rate, off.cpu_us);
    for (mode, run) in MODES.iter().zip(&best) {
        let run = run.as_ref().unwrap();
        println!(
            "| {mode} | {:.0} | {:.2} | {} | {} | {:.2} | {:.2}x |",
            run.rate,
            run.cpu_us,
            run.received,
            run.spans,
            run.rate / off_rate,
            run.cpu_us / off_cpu
        );
    }
    println!("(figures from a machine shared with other work are noisy: compare the ratios)");
}
