//! Request/reply round-trip latency through a throwaway mosquitto (MQTT 5, QoS 0):
//! the generated client asking the generated service vs a hand-written rumqttc requester asking
//! a hand-written rumqttc responder, in the same run, plus the two mixed pairs (to see which
//! side costs what). Sequential round trips after a warm-up; prints p50/p99 and the ratio to
//! the rumqttc pair (goal ≤ 1.2).
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

/// Which implementation plays a side.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Rumqttc,
    Mqttgen,
}

/// A running responder of either kind; stopped by [`Responder::stop`].
enum Responder {
    Rumqttc(rumqttc_peer::Peer),
    Mqttgen(mqttgen::RunningApp),
}

impl Responder {
    async fn start(side: Side, broker: &Mosquitto, tag: &str) -> Responder {
        match side {
            // The hand-written responder does the same JSON work as the generated one.
            Side::Rumqttc => {
                let store = ConfigStore::with_devices(["d1"]);
                Responder::Rumqttc(
                    rumqttc_peer::responder(
                        broker.port(),
                        &format!("bench-rumqttc-responder-{tag}"),
                        "devices/+/config/get",
                        move |topic, payload| {
                            let device = topic.split('/').nth(1).unwrap_or_default();
                            let _request: GetConfigPayload =
                                serde_json::from_slice(payload).expect("request");
                            serde_json::to_vec(&store.get(device).expect("known device"))
                                .expect("encode")
                        },
                    )
                    .await,
                )
            }
            Side::Mqttgen => {
                let service = App::new(broker.config().client_id(format!("bench-service-{tag}")))
                    .mount(app::mount(ConfigStore::with_devices(["d1"])))
                    .start()
                    .await
                    .expect("service");
                service.ready(TIMEOUT).await.expect("service ready");
                Responder::Mqttgen(service)
            }
        }
    }

    async fn stop(self) {
        match self {
            Responder::Rumqttc(peer) => drop(peer),
            Responder::Mqttgen(service) => {
                service.shutdown(TIMEOUT).await.expect("service shutdown")
            }
        }
    }
}

/// `WARM_UP + n` sequential `getConfig` round trips from a `requester` to a `responder`.
async fn round(
    requester: Side,
    responder: Side,
    broker: &Mosquitto,
    n: usize,
    tag: &str,
    samples: &mut Samples,
) {
    let responding = Responder::start(responder, broker, tag).await;
    let mut record = |i: usize, started: Instant, config: client::types::Config| {
        let elapsed = started.elapsed();
        assert_eq!(config.labels["device"], "d1");
        if i >= WARM_UP {
            samples.0.push(elapsed.as_micros() as u64);
        }
    };
    match requester {
        Side::Rumqttc => {
            let requester =
                rumqttc_peer::Requester::start(broker.port(), &format!("bench-rumqttc-{tag}"))
                    .await;
            for i in 0..WARM_UP + n {
                let started = Instant::now();
                let reply = requester
                    .request("devices/d1/config/get", b"{}", TIMEOUT)
                    .await
                    .expect("reply");
                record(i, started, serde_json::from_slice(&reply).expect("decode"));
            }
        }
        Side::Mqttgen => {
            let app = App::new(broker.config().client_id(format!("bench-requester-{tag}")))
                .start()
                .await
                .expect("requester");
            app.ready(TIMEOUT).await.expect("requester ready");
            let configs = client::Publisher::new(app.publisher());
            let params = ConfigGetParams {
                device_id: "d1".into(),
            };
            let message = GetConfigPayload::default();
            for i in 0..WARM_UP + n {
                let started = Instant::now();
                let options = client::PublishOptions::new().timeout(TIMEOUT);
                let config = configs
                    .get_config_with(&params, &message, options)
                    .await
                    .expect("reply");
                record(i, started, config);
            }
            app.shutdown(TIMEOUT).await.expect("requester shutdown");
        }
    }
    responding.stop().await;
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
    let pairs = [
        (
            "rumqttc requester -> rumqttc responder",
            Side::Rumqttc,
            Side::Rumqttc,
        ),
        (
            "mqttgen client -> mqttgen service",
            Side::Mqttgen,
            Side::Mqttgen,
        ),
        (
            "mqttgen client -> rumqttc responder",
            Side::Mqttgen,
            Side::Rumqttc,
        ),
        (
            "rumqttc requester -> mqttgen service",
            Side::Rumqttc,
            Side::Mqttgen,
        ),
    ];
    let mut samples: Vec<Samples> = pairs.iter().map(|_| Samples::default()).collect();
    runtime.block_on(async {
        // Alternate the pairs so none always runs on a warmer machine.
        for r in 0..ROUNDS {
            for (index, (_, requester, responder)) in pairs.iter().enumerate() {
                let tag = format!("{index}-{r}");
                round(
                    *requester,
                    *responder,
                    &broker,
                    n,
                    &tag,
                    &mut samples[index],
                )
                .await;
            }
        }
    });
    println!(
        "request/reply round trip through mosquitto (MQTT 5, QoS 0), {} sequential requests per pair after {WARM_UP} warm-up x {ROUNDS} rounds",
        samples[0].0.len()
    );
    println!("| requester -> responder                 |  p50 µs |  p99 µs | mean µs | p50 ratio | p99 ratio |");
    println!("|----------------------------------------|--------:|--------:|--------:|----------:|----------:|");
    let base = &samples[0];
    for ((name, _, _), side) in pairs.iter().zip(&samples) {
        let ratio = |p: f64| side.percentile(p) as f64 / base.percentile(p).max(1) as f64;
        println!(
            "| {name:<38} | {:>7} | {:>7} | {:>7} | {:>9.2} | {:>9.2} |",
            side.percentile(0.50),
            side.percentile(0.99),
            side.mean(),
            ratio(0.50),
            ratio(0.99)
        );
    }
    println!("goal: mqttgen client -> mqttgen service within 1.2x of rumqttc -> rumqttc");
}
