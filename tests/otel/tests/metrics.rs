//! The metrics count exactly what a run did: received, handled, failed (handler errors and
//! decode failures apart), dropped by an overflow policy, dead-lettered; handler durations and
//! end-to-end latencies, queue depth, and request timeouts.

use mqttgen::testing::MemoryBroker;
use mqttgen::{
    App, Context, HandlerError, HandlerResult, Message, Outgoing, Overflow, QoS, Route, Router,
};
use mqttgen_otel_tests::{metric, spans_for, telemetry};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};

const WAIT: Duration = Duration::from_secs(10);

async fn work(msg: Message, _ctx: Context) -> HandlerResult {
    let n: i64 = mqttgen::codec::decode_json(&msg.payload)?;
    if n < 0 {
        return Err(HandlerError::failed(format!("negative: {n}")));
    }
    Ok(None)
}

async fn until(what: &str, check: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + WAIT;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_exactly_what_the_run_did() {
    telemetry();
    let broker = MemoryBroker::new();
    let gate = Arc::new(Semaphore::new(0));
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let slow = {
        let gate = gate.clone();
        move |_msg: Message, _ctx: Context| {
            let gate = gate.clone();
            let started_tx = started_tx.clone();
            async move {
                let _ = started_tx.send(());
                gate.acquire().await.unwrap().forget();
                HandlerResult::Ok(None)
            }
        }
    };
    let router = Router::new()
        .route(
            Route::new("obsm/{n}/work", work)
                .name("work")
                .qos(QoS::AtLeastOnce),
        )
        .route(
            Route::new("obsm/slow", slow)
                .name("slow")
                .queue_capacity(1)
                .overflow(Overflow::DropNewest),
        );
    let app = App::in_memory(&broker)
        .memory_client_id("obsm-service")
        .dead_letter_topic("obsm-dlq")
        .mount(router)
        .start()
        .await
        .unwrap();
    app.ready(WAIT).await.unwrap();
    let sender = App::in_memory(&broker)
        .memory_client_id("obsm-sender")
        .start()
        .await
        .unwrap();
    sender.ready(WAIT).await.unwrap();
    let publisher = sender.publisher();

    // 5 handled, 3 handler errors, 2 decode failures (dead-lettered).
    for payload in ["1", "2", "-1", "x", "3", "-2", "4", "{", "-3", "5"] {
        publisher
            .publish(Outgoing::new("obsm/7/work", payload).qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    // The slow route: one in its handler, one queued, three dropped (DropNewest).
    publisher
        .publish(Outgoing::new("obsm/slow", "a"))
        .await
        .unwrap();
    tokio::time::timeout(WAIT, started.recv())
        .await
        .unwrap()
        .unwrap();
    for payload in ["b", "c", "d", "e"] {
        publisher
            .publish(Outgoing::new("obsm/slow", payload))
            .await
            .unwrap();
    }
    until("the drops", || app.stats().dropped_overflow == 3).await;
    let slow_route = [("messaging.destination.template", "obsm/slow")];
    assert_eq!(
        metric("mqttgen.route.queue.depth", &slow_route),
        1,
        "one waits"
    );
    let service = [("messaging.client.id", "obsm-service")];
    assert!(
        metric("mqttgen.acks.in_flight", &service) >= 2,
        "two not done yet"
    );
    gate.add_permits(10);
    broker.settle().await.unwrap();
    until("the slow route", || app.stats().handled == 7).await;

    let stats = app.stats();
    assert_eq!(
        (
            stats.received,
            stats.handled,
            stats.handler_errors,
            stats.decode_errors
        ),
        (15, 7, 3, 2)
    );
    assert_eq!((stats.dropped_overflow, stats.dead_lettered), (3, 2));

    let work_route = [
        ("messaging.destination.template", "obsm/{n}/work"),
        ("messaging.operation.name", "work"),
        ("messaging.client.id", "obsm-service"),
        ("messaging.system", "mqtt"),
    ];
    let m = |name: &str, extra: &[(&str, &str)]| {
        let mut matching = work_route.to_vec();
        matching.extend_from_slice(extra);
        metric(name, &matching)
    };
    assert_eq!(m("messaging.client.consumed.messages", &[]), 10);
    assert_eq!(m("mqttgen.messages.handled", &[]), 5);
    assert_eq!(m("mqttgen.messages.failed", &[]), 5);
    assert_eq!(
        m("mqttgen.messages.failed", &[("error.type", "handler")]),
        3
    );
    assert_eq!(m("mqttgen.messages.failed", &[("error.type", "decode")]), 2);
    assert_eq!(m("mqttgen.messages.dropped", &[]), 0);
    assert_eq!(m("mqttgen.messages.dead_lettered", &[]), 2);
    assert_eq!(
        m("messaging.process.duration", &[]),
        10,
        "one duration per run"
    );
    assert_eq!(
        m("mqttgen.message.latency", &[]),
        10,
        "every message was stamped"
    );

    let s = |name: &str| metric(name, &[("messaging.operation.name", "slow")]);
    assert_eq!(s("messaging.client.consumed.messages"), 5);
    assert_eq!(s("mqttgen.messages.handled"), 2);
    assert_eq!(s("mqttgen.messages.failed"), 0);
    assert_eq!(s("mqttgen.messages.dropped"), 3);
    assert_eq!(metric("mqttgen.route.queue.depth", &slow_route), 0);
    assert_eq!(metric("mqttgen.acks.in_flight", &service), 0);

    // 15 to the routes, 2 to the dead-letter topic.
    let sent = metric(
        "messaging.client.sent.messages",
        &[("messaging.client.id", "obsm-sender")],
    );
    assert_eq!(sent, 15);
    assert_eq!(
        metric("messaging.client.sent.messages", &service),
        2,
        "the dead letters"
    );

    // Handler errors and decode failures set the span status.
    let failed: Vec<_> = spans_for("obsm/7/work")
        .into_iter()
        .filter(|s| s.error)
        .collect();
    assert_eq!(failed.len(), 5, "{failed:#?}");
    let decode = failed
        .iter()
        .filter(|s| s.attr("error.type").as_deref() == Some("decode"))
        .count();
    assert_eq!(decode, 2);

    // A request nobody answers times out.
    let asked = publisher
        .request(
            Outgoing::new("obsm/nobody", "?").operation("askNobody", "obsm/nobody"),
            Duration::from_millis(100),
        )
        .await;
    assert!(
        matches!(asked, Err(mqttgen::Error::Timeout(_))),
        "{asked:?}"
    );
    let ask = [("messaging.operation.name", "askNobody")];
    assert_eq!(metric("mqttgen.request.timeouts", &ask), 1);
    assert_eq!(
        metric(
            "mqttgen.request.duration",
            &[("error.type", "timeout"), ask[0]]
        ),
        1
    );

    app.shutdown(WAIT).await.unwrap();
    sender.shutdown(WAIT).await.unwrap();
}
