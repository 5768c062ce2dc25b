//! Slow handler: 50 ms per message, 8 workers, a backlog of 10,000 QoS 1 messages of 1 KiB
//! published by a separate process (`mosquitto_pub`), default route and connection settings
//! except the 5 s keep-alive. For 10 s the service works through it: nothing is dropped, the
//! connection survives, the runtime never holds more messages than its bounds allow (the rest
//! waits at the broker), and peak memory stays under a bound derived from those settings.
//!
//! The bounds: a route holds at most its queue (1024 messages / 4 MiB) plus its workers; when
//! the queue is full the runtime stops reading, except to serve keep-alive, and what it reads
//! then waits in the spill buffer (at most 16,384 messages / 16 MiB). Peak RSS is asserted under
//! the RSS before the backlog plus twice those byte bounds (allocator slack) plus 8 MiB.
//!
//! mosquitto 2.0.11 honours the MQTT 5 receive maximum only while nothing is acknowledged (a
//! client announcing 10, 200, 500 or 1000 gets exactly that many messages); once
//! acknowledgements flow it sends the whole backlog, and its ping response comes after it. So
//! to keep the connection the runtime reads the backlog ahead into the spill (printed); a
//! backlog beyond the spill's bound would cost the connection (renewed and reported) rather
//! than memory.
//!
//! This file holds a single test so the process's peak RSS (`VmHWM`) is this test's.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, ConnectionState, DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_CAPACITY};
use mqttgen::{SPILL_BYTES, SPILL_MESSAGES};
use mqttgen_proof::broker::{config, mosquitto_pub_lines};
use mqttgen_proof::figures::{figure, peak_rss_mib, rss_mib};
use mqttgen_proof::lights::{padded_reading_json, CountingLights};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use streetlights::app;

const BACKLOG: u32 = 10_000;
const PAYLOAD: usize = 1024;
const WORKERS: usize = 8;
const HANDLER_TIME: Duration = Duration::from_millis(50);
const RUN_FOR: Duration = Duration::from_secs(10);
const KEEP_ALIVE: Duration = Duration::from_secs(5);
const T: Duration = Duration::from_secs(60);
/// Messages rumqttc reads in one poll (its `max_readb_count`) plus the one being dispatched.
const READ_BATCH: u64 = 11;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handler_under_backlog_stays_bounded_and_connected() {
    let broker = Mosquitto::start();
    let lights = CountingLights::slow(HANDLER_TIME);
    let mut routes = app::routes(Arc::new(lights.clone()));
    routes.receive_light_measured = routes.receive_light_measured.max_workers(WORKERS);
    let service_config = config(&broker)
        .client_id("proof-slow-service")
        .keep_alive(KEEP_ALIVE);
    let receive_maximum = u64::from(service_config.receive_maximum);
    let service = App::new(service_config)
        .mount(routes.into_router())
        .start()
        .await
        .expect("start the service");
    service.ready(T).await.expect("service subscribed");
    let rss_before = rss_mib().unwrap_or(0.0);

    // Every state change after connecting; any that is not `Connected` is a disconnect.
    let disconnects = Arc::new(AtomicU64::new(0));
    let mut state = service.state();
    let seen = disconnects.clone();
    let watcher = tokio::spawn(async move {
        while state.changed().await.is_ok() {
            let now = state.borrow_and_update().clone();
            if !matches!(now, ConnectionState::Connected { .. }) {
                println!("proof: slow handler: connection state = {now:?}");
                seen.fetch_add(1, Ordering::Relaxed);
            }
        }
    });

    let lines: String = (0..BACKLOG)
        .map(|n| padded_reading_json(n, PAYLOAD) + "\n")
        .collect();
    let topic = "city/north/lights/lamp-1/measured";
    // mosquitto_pub runs as a separate process; wait for it off the runtime's threads.
    tokio::task::block_in_place(|| mosquitto_pub_lines(&broker, topic, 1, &lines));
    drop(lines);

    // Work for RUN_FOR, sampling how many messages sit inside the runtime.
    let mut most_inside = 0;
    let mut most_spilled = 0;
    let until = tokio::time::Instant::now() + RUN_FOR;
    while tokio::time::Instant::now() < until {
        let stats = service.stats();
        most_inside = most_inside.max(stats.received - stats.handled);
        most_spilled = most_spilled.max(stats.spilled);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = service.stats();
    let handled = lights.tally.deliveries();
    let peak_rss = peak_rss_mib().unwrap_or(0.0);
    // The route's own bound (queue, workers, one read); the broker's window is printed.
    let inside_bound = DEFAULT_QUEUE_CAPACITY as u64 + WORKERS as u64 + READ_BATCH;
    let mib = |bytes: usize| bytes as f64 / (1024.0 * 1024.0);
    let rss_bound = rss_before + 2.0 * (mib(DEFAULT_QUEUE_BYTES) + mib(SPILL_BYTES)) + 8.0;
    let name = "slow handler";
    figure(
        name,
        "backlog (QoS 1 messages x bytes)",
        format!("{BACKLOG} x {PAYLOAD}"),
    );
    figure(
        name,
        "handler time x workers",
        format!("{HANDLER_TIME:?} x {WORKERS}"),
    );
    figure(name, "handled in the run", handled);
    figure(name, "received from the broker", stats.received);
    let at_broker = u64::from(BACKLOG) - stats.received - stats.spilled;
    figure(name, "left at the broker", at_broker);
    figure(name, "most messages queued or in handlers", most_inside);
    figure(
        name,
        "most messages read ahead for keep-alive (spill)",
        most_spilled,
    );
    figure(name, "receive maximum (broker's window)", receive_maximum);
    figure(name, "bound on messages inside", inside_bound);
    figure(name, "dropped", stats.dropped_overflow);
    figure(
        name,
        "RSS before the backlog (MiB)",
        format!("{rss_before:.1}"),
    );
    figure(name, "peak RSS (MiB)", format!("{peak_rss:.1}"));
    figure(name, "peak RSS bound (MiB)", format!("{rss_bound:.1}"));
    figure(name, "keep-alive", format!("{KEEP_ALIVE:?}"));
    figure(name, "disconnects", disconnects.load(Ordering::Relaxed));

    assert!(handled > 0, "the handler made progress");
    assert_eq!(stats.dropped_overflow, 0, "nothing dropped");
    assert!(
        most_inside <= inside_bound,
        "the runtime held {most_inside} messages, over its bound {inside_bound}"
    );
    assert!(most_spilled <= SPILL_MESSAGES as u64);
    assert!(
        peak_rss < rss_bound,
        "peak RSS {peak_rss:.1} MiB under {rss_bound:.1} MiB"
    );
    assert_eq!(disconnects.load(Ordering::Relaxed), 0, "never disconnected");
    assert_eq!(stats.reconnects, 0);
    assert!(service.state().borrow().is_connected());

    watcher.abort();
    // Queued messages are not worked off at shutdown: handlers get a short grace period and the
    // rest stays unacknowledged at the broker.
    service
        .shutdown(Duration::from_secs(3))
        .await
        .expect("stop the service");
}
