//! Throughput, routing and memory benchmarks (`cargo bench -p mqttgen --bench throughput`).
//!
//! 1. The same stream of JSON messages, pre-loaded into a persistent session on a throwaway
//!    mosquitto, drained by (a) a hand-written rumqttc + serde_json loop and (b) a typed mqttgen
//!    handler with a topic parameter; QoS 0 and QoS 1; prints msgs/s and the ratio (goal ≥ 0.9).
//! 2. Routing: the topic trie at 10, 1 000 and 10 000 filters (goal: flat per-message cost).
//! 3. Idle RSS of a connected service with a few routes, measured in a child process (goal < 10 MB).
//!
//! 4. Payload validation: (c) the typed handler of (b) with the message's JSON Schema checked
//!    (`mqttgen::schema::decode_json_checked`, what generated decoders do) next to (b), and the
//!    decode cost alone without a broker.
//!
//! Set `MQTTGEN_BENCH_N` to change the message count (default 100 000).

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::topic::TopicMatcher;
use mqttgen::{codec, AckPolicy, App, Config, Context, HandlerResult, Message, QoS, Route, Router};
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::mqttbytes::QoS as RQoS;
use rumqttc::v5::{AsyncClient, Event, MqttOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(serde::Deserialize, serde::Serialize)]
struct Reading {
    device: String,
    celsius: f64,
    seq: u64,
}

/// The JSON Schema of [`Reading`], as a generated crate would carry it.
static READING_SCHEMA: mqttgen::schema::PayloadSchema = mqttgen::schema::PayloadSchema::new(
    r#"{"type":"object","required":["device","celsius","seq"],"additionalProperties":false,
        "properties":{"device":{"type":"string","pattern":"^d[0-9]+$","maxLength":16},
        "celsius":{"type":"number","minimum":-50,"maximum":150},
        "seq":{"type":"integer","minimum":0}}}"#,
);

const FILTER: &str = "bench/+/temp";
const DEVICES: u64 = 100;

fn rqos(qos: QoS) -> RQoS {
    match qos {
        QoS::AtMostOnce => RQoS::AtMostOnce,
        QoS::AtLeastOnce => RQoS::AtLeastOnce,
        QoS::ExactlyOnce => RQoS::ExactlyOnce,
    }
}

fn options(id: &str, port: u16) -> MqttOptions {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_clean_start(false);
    o.set_session_expiry_interval(Some(3600));
    o.set_max_packet_size(Some(1024 * 1024));
    o
}

/// Creates the persistent session `id` subscribed to `FILTER`, then disconnects.
async fn create_session(port: u16, id: &str, qos: QoS) {
    let (client, mut el) = AsyncClient::new(options(id, port), 100);
    client.subscribe(FILTER, rqos(qos)).await.unwrap();
    loop {
        if let Ok(Event::Incoming(Packet::SubAck(_))) = el.poll().await {
            break;
        }
    }
    client.disconnect().await.unwrap();
    while el.poll().await.is_ok() {}
}

/// Publishes `n` JSON readings with `qos`, then a QoS 1 sentinel so all of them are at the broker.
async fn preload(port: u16, n: u64, qos: QoS) {
    let mut o = MqttOptions::new("bench-producer", "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(30));
    o.set_outgoing_inflight_upper_limit(1000);
    let (client, mut el) = AsyncClient::new(o, 10_000);
    let poller = tokio::spawn(async move {
        loop {
            match el.poll().await {
                Ok(Event::Incoming(Packet::PubAck(ack))) if ack.pkid != 0 => {
                    // The sentinel is the last QoS 1 publish; count acks instead of matching ids.
                }
                Ok(Event::Incoming(Packet::Disconnect(_))) | Err(_) => break,
                _ => {}
            }
        }
    });
    for seq in 0..n {
        let device = format!("d{}", seq % DEVICES);
        let payload = serde_json::to_vec(&Reading {
            device: device.clone(),
            celsius: 20.0 + (seq % 10) as f64,
            seq,
        })
        .unwrap();
        client
            .publish(format!("bench/{device}/temp"), rqos(qos), false, payload)
            .await
            .unwrap();
    }
    // A subscriber session that sees the sentinel tells us the broker has everything before it.
    let (probe, mut probe_el) =
        AsyncClient::new(MqttOptions::new("bench-probe", "127.0.0.1", port), 10);
    probe
        .subscribe("bench-sentinel", RQoS::AtLeastOnce)
        .await
        .unwrap();
    loop {
        if let Ok(Event::Incoming(Packet::SubAck(_))) = probe_el.poll().await {
            break;
        }
    }
    client
        .publish("bench-sentinel", RQoS::AtLeastOnce, false, "end")
        .await
        .unwrap();
    loop {
        if let Ok(Event::Incoming(Packet::Publish(_))) = probe_el.poll().await {
            break;
        }
    }
    client.disconnect().await.unwrap();
    let _ = poller.await;
}

/// (a) The hand-written loop: rumqttc v5 + serde_json, parameter taken from the topic.
async fn drain_baseline(port: u16, id: &str, n: u64) -> Duration {
    let start = Instant::now();
    let (_client, mut el) = AsyncClient::new(options(id, port), 1000);
    let mut count = 0u64;
    let mut checksum = 0f64;
    while count < n {
        if let Event::Incoming(Packet::Publish(p)) = el.poll().await.unwrap() {
            let topic = std::str::from_utf8(&p.topic).unwrap();
            let device = topic.split('/').nth(1).unwrap();
            let r: Reading = serde_json::from_slice(&p.payload).unwrap();
            checksum += r.celsius + device.len() as f64;
            count += 1;
        }
    }
    let elapsed = start.elapsed();
    std::hint::black_box(checksum);
    elapsed
}

/// (b) A typed mqttgen handler.
/// (c) with `validate`: the same handler, the payload checked against its JSON Schema first.
async fn drain_mqttgen(
    port: u16,
    id: &str,
    n: u64,
    qos: QoS,
    policy: AckPolicy,
    validate: bool,
) -> Duration {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let handler = move |msg: Message, ctx: Context| {
        let c = c.clone();
        async move {
            let r: Reading = if validate {
                mqttgen::schema::decode_json_checked(&msg.payload, &READING_SCHEMA)?
            } else {
                codec::decode_json(&msg.payload)?
            };
            let device = ctx.param("device").unwrap_or_default();
            std::hint::black_box((r.celsius, device.len()));
            c.fetch_add(1, Ordering::Relaxed);
            HandlerResult::Ok(None)
        }
    };
    let start = Instant::now();
    let app = App::new(
        Config::new("127.0.0.1", port)
            .client_id(id)
            .persistent_session(Duration::from_secs(3600)),
    )
    .mount(
        Router::new().route(
            // A deep queue: the hand-written loop never sheds QoS 0 messages either.
            Route::new("bench/{device}/temp", handler)
                .qos(qos)
                .ack_policy(policy)
                .queue_capacity(1 << 20),
        ),
    )
    .start()
    .await
    .unwrap();
    while count.load(Ordering::Relaxed) + app.stats().dropped_overflow < n {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let dropped = app.stats().dropped_overflow;
    if dropped > 0 {
        println!("    (mqttgen shed {dropped} QoS 0 messages)");
    }
    let elapsed = start.elapsed();
    app.shutdown(Duration::from_secs(5)).await.unwrap();
    elapsed
}

/// CPU time (user + system) of this process so far, from /proc (10 ms resolution).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Messages per second and CPU microseconds per message of one drain.
struct Run {
    rate: f64,
    cpu_us: f64,
}

async fn measure<F: std::future::Future<Output = Duration>>(n: u64, drain: F) -> Run {
    let cpu = cpu_time();
    let wall = drain.await;
    let cpu = cpu_time().saturating_sub(cpu);
    Run {
        rate: n as f64 / wall.as_secs_f64(),
        cpu_us: cpu.as_secs_f64() * 1e6 / n as f64,
    }
}

async fn throughput(
    broker: &Mosquitto,
    n: u64,
    qos: QoS,
    policy: AckPolicy,
    round: u32,
    flavor: &str,
) -> (Run, Run, Run) {
    let port = broker.port();
    let tag = &flavor[..5];
    let base_id = format!("bench-base-{tag}-{qos:?}-{policy:?}-{round}");
    let gen_id = format!("bench-gen-{tag}-{qos:?}-{policy:?}-{round}");
    let checked_id = format!("bench-checked-{tag}-{qos:?}-{policy:?}-{round}");
    create_session(port, &base_id, qos).await;
    create_session(port, &gen_id, qos).await;
    create_session(port, &checked_id, qos).await;
    preload(port, n, qos).await;
    let base = measure(n, drain_baseline(port, &base_id, n)).await;
    let gen = measure(n, drain_mqttgen(port, &gen_id, n, qos, policy, false)).await;
    let checked = measure(n, drain_mqttgen(port, &checked_id, n, qos, policy, true)).await;
    (base, gen, checked)
}

/// Decoding alone, no broker: serde_json into `Reading` vs schema check + decode.
fn decode_cost() {
    let payloads: Vec<Vec<u8>> = (0..1000u64)
        .map(|seq| {
            serde_json::to_vec(&Reading {
                device: format!("d{}", seq % DEVICES),
                celsius: 20.0 + (seq % 10) as f64,
                seq,
            })
            .unwrap()
        })
        .collect();
    let rounds = 500_000usize;
    let time = |checked: bool| {
        let start = Instant::now();
        let mut sum = 0f64;
        for k in 0..rounds {
            let payload = &payloads[k % payloads.len()];
            let r: Reading = if checked {
                mqttgen::schema::decode_json_checked(payload, &READING_SCHEMA).unwrap()
            } else {
                codec::decode_json(payload).unwrap()
            };
            sum += r.celsius;
        }
        std::hint::black_box(sum);
        start.elapsed().as_nanos() as f64 / rounds as f64
    };
    let (plain, checked) = (time(false), time(true));
    println!(
        "\ndecoding the bench message alone: serde_json {plain:.0} ns | schema-checked {checked:.0} ns | {:.2}x",
        checked / plain
    );
}

fn routing() {
    println!("\nrouting (topic trie, 1 match per lookup):");
    let mut per_msg = Vec::new();
    for filters in [10usize, 1_000, 10_000] {
        let mut m = TopicMatcher::new();
        for i in 0..filters {
            // A realistic mix: literal, single-level and multi-level wildcard filters.
            let f = match i % 3 {
                0 => format!("tenant/{i}/device/+/temp"),
                1 => format!("tenant/{i}/alarm/#"),
                _ => format!("tenant/{i}/status"),
            };
            m.insert(&f, i).unwrap();
        }
        let topics: Vec<String> = (0..1000)
            .map(|k| {
                format!(
                    "tenant/{}/device/d{k}/temp",
                    (k * 3) % filters - (k * 3) % filters % 3
                )
            })
            .collect();
        let lookups = 2_000_000u64;
        let start = Instant::now();
        let mut hits = 0usize;
        for k in 0..lookups {
            m.for_each_match(&topics[(k % 1000) as usize], |_| hits += 1);
        }
        let ns = start.elapsed().as_nanos() as f64 / lookups as f64;
        assert_eq!(
            hits as u64, lookups,
            "every lookup matches exactly one filter"
        );
        per_msg.push(ns);
        println!("  {filters:>6} filters: {ns:7.1} ns/message");
    }
    println!(
        "  cost at 10 000 vs 10 filters: {:.2}x (goal: flat, ~1x)",
        per_msg[2] / per_msg[0]
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

/// Child process: a connected service with a few routes, idle.
fn idle_child(port: u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        async fn h(_m: Message, _c: Context) -> HandlerResult {
            Ok(None)
        }
        let router = Router::new()
            .route(Route::new("a/{x}/temp", h))
            .route(Route::new("b/#", h))
            .route(Route::new("c/{x}/{y}", h).max_workers(4));
        let app = App::new(Config::new("127.0.0.1", port))
            .mount(router)
            .start()
            .await
            .unwrap();
        app.ready(Duration::from_secs(10)).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        println!("RSS_KIB={}", rss_kib());
        app.shutdown(Duration::from_secs(2)).await.unwrap();
    });
}

fn idle_rss(broker: &Mosquitto) {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .env("MQTTGEN_BENCH_IDLE_PORT", broker.port().to_string())
        .output()
        .expect("run idle child");
    let text = String::from_utf8_lossy(&out.stdout);
    let kib: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("RSS_KIB="))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "idle child failed: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    println!(
        "\nidle RSS of a connected service (3 routes, 2 worker threads): {:.1} MB (goal < 10 MB)",
        kib as f64 / 1024.0
    );
}

fn main() {
    if let Ok(port) = std::env::var("MQTTGEN_BENCH_IDLE_PORT") {
        idle_child(port.parse().unwrap());
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches/--all-targets` does not: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "throughput bench: skipped (run it with `cargo bench -p mqttgen --bench throughput`)"
        );
        return;
    }
    let n: u64 = std::env::var("MQTTGEN_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let broker = Mosquitto::start_with(MosquittoOptions {
        extra: vec![
            "queue_qos0_messages true".into(),
            "max_queued_messages 0".into(),
            "max_queued_bytes 0".into(),
        ],
        ..Default::default()
    });
    println!("throughput: {n} JSON messages through mosquitto, best of 3 rounds");
    for flavor in ["multi-thread (2 workers)", "current-thread"] {
        let rt = if flavor.starts_with("multi") {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        } else {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        println!(" tokio {flavor}:");
        for (qos, policy) in [
            (QoS::AtMostOnce, AckPolicy::AfterHandler),
            (QoS::AtLeastOnce, AckPolicy::AfterHandler),
            (QoS::AtLeastOnce, AckPolicy::BeforeHandler),
        ] {
            let (mut base_rate, mut gen_rate, mut checked_rate) = (0f64, 0f64, 0f64);
            let (mut base_cpu, mut gen_cpu, mut checked_cpu) = (f64::MAX, f64::MAX, f64::MAX);
            for round in 0..3 {
                let (b, g, c) = rt.block_on(throughput(&broker, n, qos, policy, round, flavor));
                base_rate = base_rate.max(b.rate);
                gen_rate = gen_rate.max(g.rate);
                checked_rate = checked_rate.max(c.rate);
                base_cpu = base_cpu.min(b.cpu_us);
                gen_cpu = gen_cpu.min(g.cpu_us);
                checked_cpu = checked_cpu.min(c.cpu_us);
            }
            println!(
                "  {qos:?} ack {policy:?}: rumqttc+serde_json {base_rate:>8.0} msg/s ({base_cpu:.2} µs CPU/msg) | mqttgen typed handler {gen_rate:>8.0} msg/s ({gen_cpu:.2} µs CPU/msg) | ratio {:.2} msg/s, {:.2} CPU-efficiency (goal >= 0.9)",
                gen_rate / base_rate,
                base_cpu / gen_cpu
            );
            println!(
                "  {qos:?} ack {policy:?}: mqttgen typed handler + JSON Schema check {checked_rate:>8.0} msg/s ({checked_cpu:.2} µs CPU/msg) | vs typed handler: ratio {:.2} msg/s, {:.2} CPU-efficiency",
                checked_rate / gen_rate,
                gen_cpu / checked_cpu
            );
        }
    }
    decode_cost();
    routing();
    idle_rss(&broker);
}
