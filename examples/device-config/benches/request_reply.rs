//! Request/reply round-trip latency through a throwaway mosquitto (MQTT 5, QoS 0):
//! the generated client asking the generated service vs a hand-written rumqttc requester asking
//! a hand-written rumqttc responder, in the same run. Sequential round trips after a warm-up;
//! prints p50/p99 and the mqttgen/rumqttc ratio (goal ≤ 1.2).
//!
//! `cargo bench -p device-config --bench request_reply` (`MQTTGEN_BENCH_RR_N` round trips per
//! side and round, default 2000).

#[path = "../tests/support/rumqttc_peer.rs"]
mod rumqttc_peer;

use std::time::{Duration, Instant};

use device_config::client::types::GetConfigPayload;
use device_config::client::{self, ConfigGetParams};
use device_config::{app, store::ConfigStore};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::App;

const WARM_UP: usize = 200;
const ROUNDS: usize = 2;
const TIMEOUT: Duration = Duration::from_secs(30);

/// Latencies of one side, in microseconds.
#[derive(Default)]
struct Samples(Vec<u64>);

impl Samples {
    fn percentile(&self, p: f64) -> u64 {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[rank]
    }

    fn mean(&self) -> u64 {
        self.0.iter().sum::<u64>() / self.0.len().max(1) as u64
    }
}

/// The hand-written baseline: rumqttc requester and responder doing the same JSON work.
async fn rumqttc_round(port: u16, n: usize, samples: &mut Samples) {
    let store = ConfigStore::with_devices(["d1"]);
    let _responder = rumqttc_peer::responder(
        port,
        "bench-rumqttc-responder",
        "baseline/devices/+/config/get",
        move |topic, payload| {
            let device = topic.split('/').nth(2).unwrap_or_default();
            let _request: GetConfigPayload = serde_json::from_slice(payload).expect("request");
            serde_json::to_vec(&store.get(device).expect("known device")).expect("encode")
        },
    )
    .await;
    let requester = rumqttc_peer::Requester::start(port, "bench-rumqttc-requester").await;
    for i in 0..WARM_UP + n {
        let started = Instant::now();
        let reply = requester
            .request("baseline/devices/d1/config/get", b"{}", TIMEOUT)
            .await
            .expect("baseline reply");
        let config: client::types::Config = serde_json::from_slice(&reply).expect("decode");
        let elapsed = started.elapsed();
        assert_eq!(config.labels["device"], "d1");
        if i >= WARM_UP {
            samples.0.push(elapsed.as_micros() as u64);
        }
    }
}

/// The generated side: `client::Publisher::get_config` asking the generated service.
async fn mqttgen_round(broker: &Mosquitto, n: usize, round: usize, samples: &mut Samples) {
    let service = App::new(broker.config().client_id(format!("bench-service-{round}")))
        .mount(app::mount(ConfigStore::with_devices(["d1"])))
        .start()
        .await
        .expect("service");
    service.ready(TIMEOUT).await.expect("service ready");
    let requester = App::new(
        broker
            .config()
            .client_id(format!("bench-requester-{round}")),
    )
    .start()
    .await
    .expect("requester");
    requester.ready(TIMEOUT).await.expect("requester ready");
    let configs = client::Publisher::new(requester.publisher());
    let params = ConfigGetParams {
        device_id: "d1".into(),
    };
    let message = GetConfigPayload::default();
    for i in 0..WARM_UP + n {
        let started = Instant::now();
        let config = configs
            .get_config_with(
                &params,
                &message,
                client::PublishOptions::new().timeout(TIMEOUT),
            )
            .await
            .expect("generated reply");
        let elapsed = started.elapsed();
        assert_eq!(config.labels["device"], "d1");
        if i >= WARM_UP {
            samples.0.push(elapsed.as_micros() as u64);
        }
    }
    requester
        .shutdown(TIMEOUT)
        .await
        .expect("requester shutdown");
    service.shutdown(TIMEOUT).await.expect("service shutdown");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches/--all-targets` does not: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "request_reply bench: skipped (run it with `cargo bench -p device-config --bench request_reply`)"
        );
        return;
    }
    let n: usize = std::env::var("MQTTGEN_BENCH_RR_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let broker = Mosquitto::start();
    let (mut baseline, mut generated) = (Samples::default(), Samples::default());
    runtime.block_on(async {
        // Alternate the sides so neither always runs on a warmer machine.
        for round in 0..ROUNDS {
            rumqttc_round(broker.port(), n, &mut baseline).await;
            mqttgen_round(&broker, n, round, &mut generated).await;
        }
    });
    println!(
        "request/reply round trip through mosquitto (MQTT 5, QoS 0), {} sequential requests per side after {WARM_UP} warm-up, {ROUNDS} rounds",
        baseline.0.len()
    );
    println!("| side                                  |  p50 µs |  p99 µs | mean µs |");
    println!("|---------------------------------------|--------:|--------:|--------:|");
    for (name, samples) in [
        ("rumqttc requester + responder (hand)", &baseline),
        ("mqttgen generated client + service", &generated),
    ] {
        println!(
            "| {name:<37} | {:>7} | {:>7} | {:>7} |",
            samples.percentile(0.50),
            samples.percentile(0.99),
            samples.mean()
        );
    }
    let ratio = |p: f64| generated.percentile(p) as f64 / baseline.percentile(p).max(1) as f64;
    println!(
        "| ratio mqttgen / rumqttc (goal ≤ 1.2)  | {:>7.2} | {:>7.2} | {:>7.2} |",
        ratio(0.50),
        ratio(0.99),
        generated.mean() as f64 / baseline.mean().max(1) as f64
    );
}
