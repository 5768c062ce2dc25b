//! Throughput, routing and memory benchmarks (`cargo bench -p mqttgen --bench throughput`).
//!
//! 1. The same stream of JSON messages, pre-loaded into a persistent session on a throwaway
//!    mosquitto, drained by (a) the plain loop a user would write by hand — one task polling
//!    rumqttc, decoding with serde_json inline, rumqttc acknowledging QoS 1 on receipt — and (b)
//!    a typed mqttgen handler with a topic parameter and the runtime's **default** route
//!    settings; QoS 0 and QoS 1. Each drain runs in its own child process; both sides measure
//!    the same span (from creating the client until the last message was handled) and the same
//!    CPU (every thread of the drain process, from the scheduler's nanosecond run times; the
//!    publisher and the broker are other processes). Each round preloads once and drains both
//!    sides back to back, alternating which goes first; the parent prints the medians and
//!    ranges of both sides and of the per-round ratios (goals: msg/s ≥ 0.9, CPU per message at
//!    QoS 1 ≤ 1.2x, 0 dropped). On a machine shared with other work the per-round ratio is what
//!    counts: both sides of a round see about the same load.
//!    The typed handler is also drained with the payload's JSON Schema check in front of its
//!    typed decoding (what a generated decoder does), next to the same handler without it, at
//!    QoS 0 on the multi-thread runtime (`MQTTGEN_BENCH_ONLY=validated` runs only this part and
//!    the decode-only comparison).
//! 2. Routing: the topic trie at 10, 1 000 and 10 000 filters (goal: flat per-message cost).
//! 3. Idle RSS of a connected service with a few routes, measured in a child process (goal < 10 MB).
//!
//! Set `MQTTGEN_BENCH_N` to change the message count (default 100 000), `MQTTGEN_BENCH_ROUNDS`
//! the rounds (default 5), `MQTTGEN_BENCH_ONLY` to run only the drains whose label contains it
//! (labels look like `current qos1 after`; nothing else runs then), `MQTTGEN_BENCH_PROFILE=DIR` to record the mqttgen
//! drains with `perf record` into `DIR`, and `MQTTGEN_BENCH_WRAP` to run every drain under a
//! command, `{label}` standing for the drain's label: instruction counts, which do not depend
//! on the machine's load, come from
//! `MQTTGEN_BENCH_WRAP='valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/{label}.out'`.

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
#[path = "support/process.rs"]
mod process;
use mqttgen::topic::TopicMatcher;
use mqttgen::{codec, AckPolicy, App, Config, Context, HandlerResult, Message, QoS, Route, Router};
use process::{cpu_time, load_average};
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

/// (a) The hand-written loop: rumqttc v5 + serde_json, parameter taken from the topic. Returns
/// the wall time and CPU time from creating the client until the last message was handled,
/// and the messages dropped (always 0: it handles every message it reads).
async fn drain_baseline(port: u16, id: &str, n: u64) -> Drained {
    let cpu = cpu_time();
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
    let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu));
    std::hint::black_box(checksum);
    Drained {
        wall,
        cpu,
        dropped: 0,
    }
}

/// What one drain measured.
struct Drained {
    /// From creating the client until the last message was handled.
    wall: Duration,
    /// CPU time of every thread of the process over the same span.
    cpu: Duration,
    dropped: u64,
}

/// (b) A typed mqttgen handler with the default route settings. Measures like
/// [`drain_baseline`]: from before the service connects until every message was handled (or
/// dropped); the waiting task is woken by the handler of the last message, it does not poll.
async fn drain_mqttgen(
    port: u16,
    id: &str,
    n: u64,
    qos: QoS,
    policy: AckPolicy,
    checked: bool,
) -> Drained {
    let count = Arc::new(AtomicU64::new(0));
    let done = Arc::new(tokio::sync::Notify::new());
    let (c, d) = (count.clone(), done.clone());
    let handler = move |msg: Message, ctx: Context| {
        let (c, d) = (c.clone(), d.clone());
        async move {
            let r: Reading = if checked {
                mqttgen::schema::decode_json_checked(&msg.payload, &READING_SCHEMA)?
            } else {
                codec::decode_json(&msg.payload)?
            };
            let device = ctx.param("device").unwrap_or_default();
            std::hint::black_box((r.celsius, device.len()));
            if c.fetch_add(1, Ordering::Relaxed) + 1 == n {
                d.notify_one();
            }
            HandlerResult::Ok(None)
        }
    };
    let cpu = cpu_time();
    let start = Instant::now();
    let app = App::new(
        Config::new("127.0.0.1", port)
            .client_id(id)
            .persistent_session(Duration::from_secs(3600)),
    )
    .mount(
        Router::new().route(
            Route::new("bench/{device}/temp", handler)
                .qos(qos)
                .ack_policy(policy),
        ),
    )
    .start()
    .await
    .unwrap();
    // Dropped messages never reach the handler: look at the counters now and then as well.
    while count.load(Ordering::Relaxed) + app.stats().dropped_overflow < n {
        let _ = tokio::time::timeout(Duration::from_millis(50), done.notified()).await;
    }
    let (wall, cpu) = (start.elapsed(), cpu_time().saturating_sub(cpu));
    let dropped = app.stats().dropped_overflow;
    app.shutdown(Duration::from_secs(5)).await.unwrap();
    Drained { wall, cpu, dropped }
}

/// One drain, measured in its own process.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    rate: f64,
    cpu_us: f64,
    dropped: u64,
    peak_rss_mib: f64,
}

/// Child process: drains one session and prints its [`Run`] as `DRAIN rate cpu_us dropped rss`.
fn drain_child(spec: &str) {
    let parts: Vec<&str> = spec.split(',').collect();
    let [side, port, id, n, qos, policy, flavor] = parts[..] else {
        panic!("bad drain spec {spec}");
    };
    let (port, n): (u16, u64) = (port.parse().unwrap(), n.parse().unwrap());
    let qos = if qos == "0" {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    };
    let policy = if policy == "before" {
        AckPolicy::BeforeHandler
    } else {
        AckPolicy::AfterHandler
    };
    let rt = if flavor == "multi" {
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
    let Drained { wall, cpu, dropped } = rt.block_on(async {
        if side == "base" {
            drain_baseline(port, id, n).await
        } else {
            drain_mqttgen(port, id, n, qos, policy, side == "checked").await
        }
    });
    println!(
        "DRAIN {} {} {dropped} {}",
        n as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / n as f64,
        proc_status_kib("VmHWM:") as f64 / 1024.0
    );
}

/// Runs one drain in a child process.
fn drain_in_child(spec: String) -> Run {
    let exe = std::env::current_exe().unwrap();
    let label = spec.replace(',', "_");
    let mut command = match std::env::var("MQTTGEN_BENCH_PROFILE") {
        Ok(dir) if spec.starts_with("gen,") => {
            let mut c = std::process::Command::new("perf");
            let file = format!("{dir}/{label}.perf");
            c.args([
                "record",
                "-F",
                "4999",
                "--call-graph",
                "dwarf,16384",
                "-o",
                &file,
                "--",
            ])
            .arg(exe);
            c
        }
        // A command line to run each drain under, `{label}` replaced by the drain's label:
        // e.g. `valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/{label}.out`.
        _ => match std::env::var("MQTTGEN_BENCH_WRAP") {
            Ok(wrap) if !wrap.trim().is_empty() => {
                let mut words = wrap
                    .split_whitespace()
                    .map(|w| w.replace("{label}", &label));
                let mut c = std::process::Command::new(words.next().expect("not empty"));
                c.args(words).arg(exe);
                c
            }
            _ => std::process::Command::new(exe),
        },
    };
    let out = command
        .env("MQTTGEN_BENCH_DRAIN", &spec)
        .output()
        .expect("run the drain child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("DRAIN "))
        .unwrap_or_else(|| {
            panic!(
                "drain child {spec} failed: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line.split(' ').map(|v| v.parse().unwrap()).collect();
    Run {
        rate: f[0],
        cpu_us: f[1],
        dropped: f[2] as u64,
        peak_rss_mib: f[3],
    }
}

async fn throughput(
    broker: &Mosquitto,
    n: u64,
    qos: QoS,
    policy: AckPolicy,
    round: u32,
    flavor: &str,
) -> (Run, Run) {
    let port = broker.port();
    let base_id = format!("bench-base-{flavor}-{qos:?}-{policy:?}-{round}");
    let gen_id = format!("bench-gen-{flavor}-{qos:?}-{policy:?}-{round}");
    create_session(port, &base_id, qos).await;
    create_session(port, &gen_id, qos).await;
    preload(port, n, qos).await;
    let q = if qos == QoS::AtMostOnce { "0" } else { "1" };
    let p = if policy == AckPolicy::BeforeHandler {
        "before"
    } else {
        "after"
    };
    let spec = |side: &str, id: &str| format!("{side},{port},{id},{n},{q},{p},{flavor}");
    let drain = |side: &str, id: &str| {
        let spec = spec(side, id);
        tokio::task::block_in_place(|| drain_in_child(spec))
    };
    // Alternate which side drains first, so that neither always runs right after the preload.
    if round % 2 == 0 {
        let base = drain("base", &base_id);
        (base, drain("gen", &gen_id))
    } else {
        let gen = drain("gen", &gen_id);
        (drain("base", &base_id), gen)
    }
}

/// The typed handler with and without the JSON Schema check, QoS 0, default route settings,
/// multi-thread runtime, best of 3 rounds (each drain in its own process).
fn validated_throughput(rt: &tokio::runtime::Runtime, broker: &Mosquitto, n: u64) {
    let port = broker.port();
    let mut best = [(0f64, f64::MAX, 0u64), (0f64, f64::MAX, 0u64)];
    for round in 0..3 {
        for (slot, side) in ["gen", "checked"].into_iter().enumerate() {
            let id = format!("bench-{side}-validated-{round}");
            rt.block_on(async {
                create_session(port, &id, QoS::AtMostOnce).await;
                preload(port, n, QoS::AtMostOnce).await;
            });
            let run = drain_in_child(format!("{side},{port},{id},{n},0,after,multi"));
            let b = &mut best[slot];
            b.0 = b.0.max(run.rate);
            b.1 = b.1.min(run.cpu_us);
            b.2 = b.2.max(run.dropped);
        }
    }
    let [(rate, cpu, dropped), (checked_rate, checked_cpu, checked_dropped)] = best;
    println!(
        "\ntyped handler with the payload's JSON Schema check (QoS 0, default route settings, tokio multi-thread, best of 3):\n    typed decoding only:           {rate:>8.0} msg/s, {cpu:.2} µs CPU/msg, {dropped} dropped\n    schema check + typed decoding: {checked_rate:>8.0} msg/s, {checked_cpu:.2} µs CPU/msg, {checked_dropped} dropped\n    ratio: {:.2} msg/s, {:.2}x CPU per message",
        checked_rate / rate,
        checked_cpu / cpu,
    );
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

/// Median and range of `values` (not empty).
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    let median = if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    };
    (median, values[0], values[values.len() - 1])
}

/// Prints both sides of the rounds (medians, ranges) and the ratios of each round's pair
/// (mqttgen / hand-written loop, drained back to back from the same preload).
fn print_pairs(label: &str, qos: QoS, runs: &[(Run, Run)]) {
    let side = |name: &str, pick: fn(&(Run, Run)) -> Run| {
        let all: Vec<Run> = runs.iter().map(pick).collect();
        let (rate, rate_lo, rate_hi) = spread(all.iter().map(|r| r.rate).collect());
        let (cpu, cpu_lo, cpu_hi) = spread(all.iter().map(|r| r.cpu_us).collect());
        let dropped = all.iter().map(|r| r.dropped).max().unwrap_or(0);
        let rss = all.iter().map(|r| r.peak_rss_mib).fold(0f64, f64::max);
        println!(
            "    {name}: {rate:>8.0} msg/s ({rate_lo:.0}–{rate_hi:.0}), {cpu:.2} µs CPU/msg ({cpu_lo:.2}–{cpu_hi:.2}), {dropped} dropped, peak RSS {rss:.1} MiB"
        );
    };
    println!(
        "  {label} (medians of {} rounds, range in brackets):",
        runs.len()
    );
    side("hand-written loop", |p| p.0);
    side("mqttgen (default)", |p| p.1);
    let (rate, rate_lo, rate_hi) = spread(runs.iter().map(|(b, g)| g.rate / b.rate).collect());
    let (cpu, cpu_lo, cpu_hi) = spread(runs.iter().map(|(b, g)| g.cpu_us / b.cpu_us).collect());
    let cpu_goal = if qos == QoS::AtMostOnce {
        ""
    } else if cpu <= 1.2 {
        " ✓ (goal <= 1.2x)"
    } else {
        " ✗ (goal <= 1.2x)"
    };
    let rate_goal = if rate >= 0.9 { "✓" } else { "✗" };
    println!(
        "    ratio per round, median (range): {rate:.2} msg/s ({rate_lo:.2}–{rate_hi:.2}) {rate_goal} (goal >= 0.9); {cpu:.2}x CPU per message ({cpu_lo:.2}–{cpu_hi:.2}){cpu_goal}"
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

fn proc_status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    proc_status_kib("VmRSS:")
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
    if let Ok(spec) = std::env::var("MQTTGEN_BENCH_DRAIN") {
        drain_child(&spec);
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
    let rounds: u32 = std::env::var("MQTTGEN_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("MQTTGEN_BENCH_ONLY").ok();
    let broker = Mosquitto::start_with(MosquittoOptions {
        extra: vec![
            "queue_qos0_messages true".into(),
            "max_queued_messages 0".into(),
            "max_queued_bytes 0".into(),
        ],
        ..Default::default()
    });
    println!(
        "throughput: {n} JSON messages through mosquitto, {rounds} rounds, each drain in its own process, the two sides alternately;"
    );
    println!(
        " baseline = one task polling rumqttc and decoding inline; mqttgen = typed handler, default route settings"
    );
    println!(" load average at start: {}", load_average());
    // The parent only preloads; a multi-thread runtime lets it wait for children in place.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if std::env::var("MQTTGEN_BENCH_ONLY").as_deref() == Ok("validated") {
        validated_throughput(&rt, &broker, n);
        decode_cost();
        return;
    }
    for flavor in ["multi", "current"] {
        println!(
            " tokio {}:",
            if flavor == "multi" {
                "multi-thread (2 workers)"
            } else {
                "current-thread"
            }
        );
        for (qos, policy) in [
            (QoS::AtMostOnce, AckPolicy::AfterHandler),
            (QoS::AtLeastOnce, AckPolicy::AfterHandler),
            (QoS::AtLeastOnce, AckPolicy::BeforeHandler),
        ] {
            let label = format!(
                "{flavor} qos{} {}",
                qos as u8,
                if policy == AckPolicy::BeforeHandler {
                    "before"
                } else {
                    "after"
                }
            );
            if !only.as_deref().is_none_or(|o| label.contains(o)) {
                continue;
            }
            let mut runs = Vec::new();
            for round in 0..rounds {
                runs.push(rt.block_on(throughput(&broker, n, qos, policy, round, flavor)));
            }
            print_pairs(&format!("{qos:?} ack {policy:?}"), qos, &runs);
        }
    }
    println!(" load average after the drains: {}", load_average());
    if only.is_some() {
        return;
    }
    validated_throughput(&rt, &broker, n);
    println!(" load average at the end: {}", load_average());
    decode_cost();
    routing();
    idle_rss(&broker);
}
