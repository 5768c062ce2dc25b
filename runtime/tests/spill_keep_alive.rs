//! What happens when a route makes no room for longer than the keep-alive after the spill
//! buffer filled: the runtime stops polling (so the spill stays bounded), the broker drops the
//! silent connection after 1.5 keep-alives, and the runtime reconnects once the route moves
//! again. The loss of the connection is reported (error hook, `Stats::reconnects`); at QoS 1 with
//! a persistent session nothing is lost: what was read but not acknowledged is redelivered.
//!
//! Takes about 10 s (the 5 s keep-alive is the shortest rumqttc's MQTT 5 client accepts).

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{App, Context, Failure, HandlerResult, Message, Outgoing, QoS, Route, Router};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// 200 × 128 KiB = 25 MiB: more than the spill's 16 MiB ([`mqttgen::SPILL_BYTES`]).
const MESSAGES: u32 = 200;
const PAYLOAD: usize = 128 * 1024;

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + T;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_route_with_a_full_spill_loses_the_connection_reported_and_nothing_at_qos_1() {
    // No in-flight cap at the broker: only our receive maximum (256) limits what it sends.
    let broker = Mosquitto::start_with(MosquittoOptions {
        extra: vec!["max_inflight_messages 0".into()],
        ..Default::default()
    });
    let handled = Arc::new(Mutex::new(BTreeSet::new()));
    let deliveries = Arc::new(AtomicUsize::new(0));
    let stuck = Arc::new(AtomicBool::new(true));
    let handler = {
        let (handled, deliveries, stuck) = (handled.clone(), deliveries.clone(), stuck.clone());
        move |msg: Message, _ctx: Context| {
            let (handled, deliveries, stuck) = (handled.clone(), deliveries.clone(), stuck.clone());
            async move {
                // The route makes no room while `stuck`.
                while stuck.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                let seq = u32::from_be_bytes(msg.payload[..4].try_into().unwrap());
                handled.lock().unwrap().insert(seq);
                deliveries.fetch_add(1, Ordering::SeqCst);
                HandlerResult::Ok(None)
            }
        }
    };
    let connection_failures = Arc::new(AtomicUsize::new(0));
    let failures = connection_failures.clone();
    let service = App::new(
        broker
            .config()
            .client_id("spill-keep-alive")
            .keep_alive(KEEP_ALIVE)
            .persistent_session(Duration::from_secs(600)),
    )
    .mount(
        Router::new().route(
            Route::new("spill/t", handler)
                .qos(QoS::AtLeastOnce)
                .queue_capacity(4),
        ),
    )
    .on_error(move |f| {
        if let Failure::Connection { .. } = f {
            failures.fetch_add(1, Ordering::SeqCst);
        }
    })
    .start()
    .await
    .unwrap();
    service.ready(T).await.unwrap();

    let publisher = App::new(broker.config().client_id("spill-publisher"))
        .start()
        .await
        .unwrap();
    publisher.ready(T).await.unwrap();
    for seq in 0..MESSAGES {
        let mut payload = vec![0u8; PAYLOAD];
        payload[..4].copy_from_slice(&seq.to_be_bytes());
        publisher
            .publisher()
            .publish_confirmed(Outgoing::new("spill/t", payload).qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    let spill_full = mqttgen::SPILL_BYTES as u64 / (PAYLOAD as u64 + 7);
    wait_until("the spill buffer fills", || {
        service.stats().spilled >= spill_full
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spilled = service.stats().spilled;
    // Reading stopped for good: the spill stays within its bound while the route is stuck, for
    // longer than the broker waits for a packet (1.5 keep-alives).
    tokio::time::sleep(KEEP_ALIVE * 2).await;
    let stats = service.stats();
    assert_eq!(stats.spilled, spilled, "nothing more was read");
    assert!(spilled <= mqttgen::SPILL_MESSAGES as u64);
    assert!(
        spilled <= spill_full + 1,
        "the spill stops at its byte bound: {spilled} x {PAYLOAD} bytes"
    );
    assert_eq!(stats.reconnects, 0, "not noticed while nothing polls");

    // The route moves again: the runtime finds the connection gone (the broker closed it after
    // 1.5 keep-alives without a packet), reports it and reconnects to the persistent session.
    stuck.store(false, Ordering::SeqCst);
    wait_until("every message handled", || {
        handled.lock().unwrap().len() == MESSAGES as usize
    })
    .await;
    let stats = service.stats();
    println!(
        "spill keep-alive: spilled {spilled} (bound {} MiB), reconnects {}, connection failures reported {}, deliveries {} of {MESSAGES} distinct, dropped {}",
        mqttgen::SPILL_BYTES >> 20,
        stats.reconnects,
        connection_failures.load(Ordering::SeqCst),
        deliveries.load(Ordering::SeqCst),
        stats.dropped_overflow,
    );
    assert!(stats.reconnects >= 1, "the lost connection was renewed");
    assert!(
        connection_failures.load(Ordering::SeqCst) >= 1,
        "and reported to the error hook"
    );
    assert_eq!(stats.dropped_overflow, 0);
    assert_eq!(
        *handled.lock().unwrap(),
        (0..MESSAGES).collect::<BTreeSet<_>>(),
        "nothing lost at QoS 1"
    );
    service.shutdown(T).await.unwrap();
    publisher.shutdown(T).await.unwrap();
}
