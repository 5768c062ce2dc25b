//! Messages that wait for their acknowledgement are handled on the connection's task while
//! their route is idle (see the README's flow control section): in order, handed to the route's
//! worker when the handler waits for something, and never again there once a handler has kept
//! the thread busy.

use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

/// (payload, task that ran the handler) for each handled message, in handling order.
type Seen = Arc<Mutex<Vec<(String, Option<tokio::task::Id>)>>>;

fn record(seen: &Seen, msg: &Message) {
    let payload = msg.payload_str().unwrap().to_owned();
    seen.lock().unwrap().push((payload, tokio::task::try_id()));
}

async fn publish_each(broker: &MemoryBroker, topic: &str, qos: QoS, n: usize) {
    for i in 0..n {
        broker
            .publish(Outgoing::new(topic, i.to_string()).qos(qos))
            .await;
        // One at a time: the route is idle again when the next one arrives.
        broker.settle().await.unwrap();
    }
}

fn payloads(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p.clone())
        .collect()
}

fn tasks(seen: &Seen) -> Vec<Option<tokio::task::Id>> {
    seen.lock().unwrap().iter().map(|(_, t)| *t).collect()
}

/// A route that records what it handles, at `qos`.
fn recording(topic: &str, qos: QoS, seen: &Seen) -> Route {
    let seen = seen.clone();
    Route::new(topic, move |m: Message, _c: Context| {
        record(&seen, &m);
        async { HandlerResult::Ok(None) }
    })
    .qos(qos)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos1_on_the_connection_task_qos0_on_the_worker() {
    let broker = MemoryBroker::new();
    let (a, b, q0): (Seen, Seen, Seen) = Default::default();
    let app = App::in_memory(&broker)
        .mount(
            Router::new()
                .route(recording("a", QoS::AtLeastOnce, &a))
                .route(recording("b", QoS::AtLeastOnce, &b))
                .route(recording("q0", QoS::AtMostOnce, &q0)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    publish_each(&broker, "a", QoS::AtLeastOnce, 5).await;
    publish_each(&broker, "b", QoS::AtLeastOnce, 5).await;
    publish_each(&broker, "q0", QoS::AtMostOnce, 5).await;
    let expected: Vec<String> = (0..5).map(|i| i.to_string()).collect();
    for seen in [&a, &b, &q0] {
        assert_eq!(payloads(seen), expected);
    }
    let (ta, tb, t0) = (tasks(&a), tasks(&b), tasks(&q0));
    assert!(
        ta.iter().chain(&tb).all(|t| *t == ta[0]),
        "both QoS 1 routes on one task, the connection's (each route has a worker of its own): {ta:?} {tb:?}"
    );
    assert!(t0.iter().all(|t| *t == t0[0]), "one task: {t0:?}");
    assert_ne!(ta[0], t0[0], "QoS 0 is handled on the route's worker");
    assert_eq!(app.stats().handled, 15);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_blocks_its_thread_moves_to_its_worker() {
    let broker = MemoryBroker::new();
    let (slow, fast): (Seen, Seen) = Default::default();
    let (a, b) = (slow.clone(), fast.clone());
    let app = App::in_memory(&broker)
        .mount(
            Router::new()
                .route(Route::new("slow", move |m: Message, _c: Context| {
                    record(&a, &m);
                    // Blocks the thread it runs on (what a handler must not do, but may).
                    std::thread::sleep(Duration::from_millis(5));
                    async { HandlerResult::Ok(None) }
                }))
                .route(recording("fast", QoS::AtLeastOnce, &b)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    publish_each(&broker, "fast", QoS::AtLeastOnce, 1).await;
    publish_each(&broker, "slow", QoS::AtLeastOnce, 6).await;
    let expected: Vec<String> = (0..6).map(|i| i.to_string()).collect();
    assert_eq!(payloads(&slow), expected);
    let (connection, t) = (tasks(&fast)[0], tasks(&slow));
    assert!(
        t[..3].iter().all(|task| *task == connection),
        "the first three ran on the connection's task: {t:?}"
    );
    assert!(
        t[3..]
            .iter()
            .all(|task| *task != connection && *task == t[3]),
        "after three slow runs in a row, the route's worker: {t:?}"
    );
    assert_eq!(app.stats().handled, 7);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_waits_finishes_on_the_worker_in_order() {
    let broker = MemoryBroker::new();
    let seen: Seen = Default::default();
    let s = seen.clone();
    let app = App::in_memory(&broker)
        .mount(
            Router::new().route(Route::new("wait", move |m: Message, _c: Context| {
                let s = s.clone();
                async move {
                    let n: u64 = m.payload_str().unwrap().parse().unwrap();
                    // Earlier messages wait longer: only queueing behind each other keeps order.
                    tokio::time::sleep(Duration::from_millis(20 - 2 * n)).await;
                    record(&s, &m);
                    HandlerResult::Ok(Some(Outgoing::new("done", m.payload.clone())))
                }
            })),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    for i in 0..8 {
        broker
            .publish(Outgoing::new("wait", i.to_string()).qos(QoS::AtLeastOnce))
            .await;
    }
    broker.settle().await.unwrap();
    let expected: Vec<String> = (0..8).map(|i| i.to_string()).collect();
    assert_eq!(payloads(&seen), expected, "handled in order");
    let done: Vec<String> = broker
        .published_to("done")
        .iter()
        .map(|m| m.payload_str().unwrap().to_owned())
        .collect();
    assert_eq!(done, expected, "results published in order");
    assert_eq!(app.stats().handled, 8);
    app.shutdown(T).await.unwrap();
}
