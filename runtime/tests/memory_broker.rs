//! The in-memory broker runs services through the same core as a real broker.

use mqttgen::testing::MemoryBroker;
use mqttgen::{
    codec, AckPolicy, App, Context, Failure, HandlerError, HandlerResult, Message, Next, Outgoing,
    QoS, Route, Router, Share,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
struct Reading {
    celsius: f64,
}

async fn to_fahrenheit(msg: Message, ctx: Context) -> HandlerResult {
    let r: Reading = codec::decode_json(&msg.payload)?;
    let device = ctx.param("device_id").expect("param");
    let out = Outgoing::new(
        format!("out/{device}"),
        format!("{}", r.celsius * 9.0 / 5.0 + 32.0),
    );
    Ok(Some(out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_handler_with_params_and_reply() {
    let broker = MemoryBroker::new();
    let app = App::in_memory(&broker)
        .mount(
            Router::with_prefix("plant")
                .route(Route::new("sensors/{device_id}/temp", to_fahrenheit)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    assert_eq!(
        broker.subscriptions().values().next().unwrap(),
        &["plant/sensors/+/temp"]
    );
    broker
        .publish(Outgoing::new(
            "plant/sensors/d1/temp",
            r#"{"celsius": 100}"#,
        ))
        .await;
    broker.settle().await.unwrap();
    let out = broker.published_to("out/#");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].topic, "out/d1");
    assert_eq!(out[0].payload, "212");
    assert_eq!(app.stats().handled, 1);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_payload_is_counted_reported_dead_lettered_and_does_not_stall() {
    let broker = MemoryBroker::new();
    let reports = Arc::new(Mutex::new(Vec::new()));
    let r = reports.clone();
    let app = App::in_memory(&broker)
        .on_error(move |f| {
            if let Failure::Handler { message, error, .. } = f {
                r.lock()
                    .unwrap()
                    .push((message.topic.clone(), error.is_decode()));
            }
        })
        .dead_letter_topic("dlq")
        .mount(Router::new().route(Route::new("sensors/{device_id}/temp", to_fahrenheit)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("sensors/a/temp", "not json").qos(QoS::AtLeastOnce))
        .await;
    for i in 0..5 {
        broker
            .publish(
                Outgoing::new(format!("sensors/d{i}/temp"), r#"{"celsius": 0}"#)
                    .qos(QoS::AtLeastOnce),
            )
            .await;
    }
    broker.settle().await.unwrap();
    assert_eq!(broker.published_to("out/+").len(), 5);
    let dlq = broker.published_to("dlq/#");
    assert_eq!(dlq.len(), 1);
    assert_eq!(dlq[0].topic, "dlq/sensors/a/temp");
    assert!(dlq[0]
        .properties
        .user_property("mqttgen-error")
        .unwrap()
        .contains("json"));
    assert_eq!(
        *reports.lock().unwrap(),
        [("sensors/a/temp".to_string(), true)]
    );
    let stats = app.stats();
    assert_eq!(
        (stats.decode_errors, stats.handled, stats.dead_lettered),
        (1, 5, 1)
    );
    assert!(broker.unacked().is_empty(), "bad payloads are acknowledged");
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nack_on_error_leaves_message_for_redelivery() {
    let broker = MemoryBroker::new();
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let handler = move |msg: Message, _ctx: Context| {
        let a = a.clone();
        async move {
            if a.fetch_add(1, Ordering::SeqCst) == 0 {
                return Err(HandlerError::failed("database down"));
            }
            assert!(msg.dup, "the redelivery is flagged dup");
            Ok(None)
        }
    };
    let app = App::in_memory(&broker)
        .mount(Router::new().route(Route::new("jobs", handler).ack_policy(AckPolicy::NackOnError)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("jobs", "1").qos(QoS::AtLeastOnce))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(broker.unacked().len(), 1);
    broker.redeliver_unacked();
    broker.settle().await.unwrap();
    assert!(broker.unacked().is_empty());
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_subscription_per_filter_and_every_route_runs() {
    let broker = MemoryBroker::new();
    let count = Arc::new(AtomicUsize::new(0));
    let make = |c: Arc<AtomicUsize>| {
        move |_m: Message, _c: Context| {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            }
        }
    };
    let router = Router::new()
        .route(Route::new("a/+", make(count.clone())))
        .route(Route::new("a/+", make(count.clone())))
        .route(Route::new("a/#", make(count.clone())));
    let app = App::in_memory(&broker).mount(router).start().await.unwrap();
    app.ready(T).await.unwrap();
    let subs = broker.subscriptions().into_values().next().unwrap();
    assert_eq!(subs, ["a/+", "a/#"]);
    broker
        .publish(Outgoing::new("a/1", "x").qos(QoS::AtLeastOnce))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 3, "each route exactly once");
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_subscription_splits_between_instances() {
    let broker = MemoryBroker::new();
    let counts: Vec<Arc<AtomicUsize>> = (0..2).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let mut apps = Vec::new();
    for c in &counts {
        let c = c.clone();
        let h = move |_m: Message, _c: Context| {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                Ok(None)
            }
        };
        let app = App::in_memory(&broker)
            .mount(
                Router::new()
                    .shared_group("workers")
                    .route(Route::new("jobs/#", h)),
            )
            .start()
            .await
            .unwrap();
        app.ready(T).await.unwrap();
        apps.push(app);
    }
    for i in 0..10 {
        broker
            .publish(Outgoing::new(format!("jobs/{i}"), "x"))
            .await;
    }
    broker.settle().await.unwrap();
    let (a, b) = (
        counts[0].load(Ordering::SeqCst),
        counts[1].load(Ordering::SeqCst),
    );
    assert_eq!(a + b, 10);
    assert!(a > 0 && b > 0, "both instances got work: {a}/{b}");
    for app in apps {
        app.shutdown(T).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middleware_wraps_in_onion_order() {
    let broker = MemoryBroker::new();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let layer = |name: &'static str, log: Arc<Mutex<Vec<String>>>| {
        move |msg: Message, ctx: Context, next: Next| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(format!("{name} in"));
                let r = next.run(msg, ctx).await;
                log.lock().unwrap().push(format!("{name} out"));
                r
            }
        }
    };
    let l2 = log.clone();
    let handler = move |_m: Message, _c: Context| {
        let l2 = l2.clone();
        async move {
            l2.lock().unwrap().push("handler".into());
            Ok(None)
        }
    };
    let inner = Router::new()
        .layer(layer("inner", log.clone()))
        .route(Route::new("x", handler));
    let root = Router::new()
        .layer(layer("outer", log.clone()))
        .nest("p", inner);
    let app = App::in_memory(&broker).mount(root).start().await.unwrap();
    app.ready(T).await.unwrap();
    broker.publish(Outgoing::new("p/x", "")).await;
    broker.settle().await.unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["outer in", "inner in", "handler", "inner out", "outer out"]
    );
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_subscription_is_reported() {
    let broker = MemoryBroker::new();
    broker.deny_subscribe("secret/#");
    async fn h(_m: Message, _c: Context) -> HandlerResult {
        Ok(None)
    }
    let app = App::in_memory(&broker)
        .mount(
            Router::new()
                .route(Route::new("secret/x", h))
                .route(Route::new("open", h)),
        )
        .start()
        .await
        .unwrap();
    let err = app.ready(T).await.unwrap_err();
    assert_eq!(
        err,
        mqttgen::Error::SubscribeFailed {
            filter: "secret/x".into(),
            code: 0x87
        }
    );
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_and_in_order_acks() {
    let broker = MemoryBroker::new();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let h = move |msg: Message, _c: Context| {
        let (r, p) = (r.clone(), p.clone());
        async move {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            let n: u64 = msg.payload_str().unwrap().parse().unwrap();
            tokio::time::sleep(Duration::from_millis(20 - n % 20)).await;
            r.fetch_sub(1, Ordering::SeqCst);
            Ok(None)
        }
    };
    let app = App::in_memory(&broker)
        .mount(Router::new().route(Route::new("work", h).max_workers(4).share(Share::None)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    for i in 0..20 {
        broker
            .publish(Outgoing::new("work", i.to_string()).qos(QoS::AtLeastOnce))
            .await;
    }
    broker.settle().await.unwrap();
    assert!(peak.load(Ordering::SeqCst) > 1, "ran concurrently");
    assert!(
        peak.load(Ordering::SeqCst) <= 4,
        "never more than max_workers"
    );
    assert_eq!(app.stats().handled, 20);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_validates() {
    let broker = MemoryBroker::new();
    let app = App::in_memory(&broker).start().await.unwrap();
    let p = app.publisher();
    assert!(matches!(
        p.publish(Outgoing::new("a/+", "")).await,
        Err(mqttgen::Error::InvalidTopic { .. })
    ));
    p.publish_confirmed(Outgoing::new("ok", "1").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    assert_eq!(broker.published_to("ok").len(), 1);
    app.shutdown(T).await.unwrap();
    assert!(p.publish(Outgoing::new("late", "")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_messages_reach_late_subscribers() {
    let broker = MemoryBroker::new();
    broker
        .publish(
            Outgoing::new("config/x", "v1")
                .retain(true)
                .qos(QoS::AtLeastOnce),
        )
        .await;
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let h = move |m: Message, _c: Context| {
        let g = g.clone();
        async move {
            g.lock().unwrap().push((m.payload.clone(), m.retain));
            Ok(None)
        }
    };
    let app = App::in_memory(&broker)
        .mount(Router::new().route(Route::new("config/#", h)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker.settle().await.unwrap();
    assert_eq!(*got.lock().unwrap(), [(bytes::Bytes::from("v1"), true)]);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_running_handlers_and_acks() {
    let broker = MemoryBroker::new();
    let done = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let (d, st) = (done.clone(), started.clone());
    let slow = move |_m: Message, _c: Context| {
        let (d, st) = (d.clone(), st.clone());
        async move {
            st.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            d.fetch_add(1, Ordering::SeqCst);
            Ok(Some(Outgoing::new("finished", "")))
        }
    };
    let app = App::in_memory(&broker)
        .mount(Router::new().route(Route::new("slow", slow)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("slow", "").qos(QoS::AtLeastOnce))
        .await;
    // Wait until the handler is running, then stop.
    let mut state = app.state();
    assert!(state.borrow_and_update().is_connected());
    while started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    app.shutdown(T).await.unwrap();
    assert_eq!(
        done.load(Ordering::SeqCst),
        1,
        "the running handler finished"
    );
    assert_eq!(
        broker.published_to("finished").len(),
        1,
        "its result was published"
    );
    assert_eq!(broker.outstanding(), 0, "and the message acknowledged");
    assert!(broker.unacked().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_panic_is_contained() {
    let broker = MemoryBroker::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let h = move |m: Message, _c: Context| {
        let c = c.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            if m.payload == "boom" {
                panic!("boom");
            }
            Ok(None)
        }
    };
    let app = App::in_memory(&broker)
        .mount(Router::new().route(Route::new("p", h)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("p", "boom").qos(QoS::AtLeastOnce))
        .await;
    broker
        .publish(Outgoing::new("p", "ok").qos(QoS::AtLeastOnce))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let s = app.stats();
    assert_eq!((s.handler_errors, s.handled), (1, 1));
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_topic_from_handler_result_is_reported_not_fatal() {
    let broker = MemoryBroker::new();
    let failures = Arc::new(AtomicUsize::new(0));
    let f = failures.clone();
    let h = |_m: Message, _c: Context| async { Ok(Some(Outgoing::new("bad/#", ""))) };
    let app = App::in_memory(&broker)
        .on_error(move |failure| {
            if matches!(failure, Failure::Publish { .. }) {
                f.fetch_add(1, Ordering::SeqCst);
            }
        })
        .mount(Router::new().route(Route::new("in", h)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker.publish(Outgoing::new("in", "")).await;
    broker.settle().await.unwrap();
    assert_eq!(failures.load(Ordering::SeqCst), 1);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_topic_is_unsubscribed_after_its_last_request() {
    let broker = MemoryBroker::new();
    // The responder sees the requester's subscriptions while the requests wait.
    let during = Arc::new(Mutex::new(Vec::new()));
    let (b, d) = (broker.clone(), during.clone());
    let responder = App::in_memory(&broker)
        .mount(
            Router::new().route(
                Route::new("svc/double", move |msg: Message, _c: Context| {
                    let (b, d) = (b.clone(), d.clone());
                    async move {
                        let subs = b
                            .subscriptions()
                            .get("requester")
                            .cloned()
                            .unwrap_or_default();
                        d.lock()
                            .unwrap()
                            .push(subs.contains(&"replies/mine".to_string()));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let n: i64 = codec::decode_json(&msg.payload)?;
                        Ok(Outgoing::reply_to(&msg, (n * 2).to_string()))
                    }
                })
                .max_workers(4),
            ),
        )
        .start()
        .await
        .unwrap();
    responder.ready(T).await.unwrap();
    let client = App::in_memory(&broker)
        .memory_client_id("requester")
        .start()
        .await
        .unwrap();
    client.ready(T).await.unwrap();
    let p = client.publisher();
    let ask = |n: i64| {
        p.request(
            Outgoing::new("svc/double", n.to_string()).response_topic("replies/mine"),
            T,
        )
    };
    // Two requests share the reply topic: one subscription, kept until both are answered.
    let (a, b) = tokio::join!(ask(21), ask(5));
    assert_eq!(a.unwrap().payload, "42");
    assert_eq!(b.unwrap().payload, "10");
    assert_eq!(
        *during.lock().unwrap(),
        [true, true],
        "subscribed while they waited"
    );
    assert_eq!(p.reply_topics_in_use(), 0);
    // The unsubscribe goes out after the last request returned, through the requester's
    // connection task: wait for the broker to see it (T is a hang guard, not a speed figure).
    let requester_subs = || {
        broker
            .subscriptions()
            .get("requester")
            .cloned()
            .unwrap_or_default()
    };
    let deadline = tokio::time::Instant::now() + T;
    while requester_subs().contains(&"replies/mine".to_string())
        && tokio::time::Instant::now() < deadline
    {
        broker.settle().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let subs = requester_subs();
    assert!(
        !subs.contains(&"replies/mine".to_string()),
        "unsubscribed: {subs:?}"
    );
    // A late message on it no longer reaches the requester.
    broker.publish(Outgoing::new("replies/mine", "late")).await;
    broker.settle().await.unwrap();
    assert_eq!(client.stats().received, 2, "only the two replies");
    assert_eq!(p.unmatched_replies(), 0);
    // The next request subscribes it again.
    assert_eq!(ask(1).await.unwrap().payload, "2");
    client.shutdown(T).await.unwrap();
    responder.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_through_the_private_inbox() {
    let broker = MemoryBroker::new();
    let responder = App::in_memory(&broker)
        .mount(Router::new().route(Route::new(
            "svc/double",
            |msg: Message, _c: Context| async move {
                let n: i64 = codec::decode_json(&msg.payload)?;
                Ok(Outgoing::reply_to(&msg, (n * 2).to_string()))
            },
        )))
        .start()
        .await
        .unwrap();
    responder.ready(T).await.unwrap();
    let client = App::in_memory(&broker).start().await.unwrap();
    client.ready(T).await.unwrap();
    let p = client.publisher();
    let (a, b) = tokio::join!(
        p.request(Outgoing::new("svc/double", "21"), T),
        p.request(Outgoing::new("svc/double", "5"), T)
    );
    assert_eq!(a.unwrap().payload, "42");
    assert_eq!(b.unwrap().payload, "10");
    // Nobody answers: a timeout, not a hang.
    let err = p
        .request(
            Outgoing::new("nobody/home", "x"),
            Duration::from_millis(100),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, mqttgen::Error::Timeout(_)), "{err}");
    client.shutdown(T).await.unwrap();
    responder.shutdown(T).await.unwrap();
}

/// A route whose handler waits for `gate`, recording the payloads it handled.
fn gated_route(gate: Arc<tokio::sync::Semaphore>, seen: Arc<Mutex<Vec<String>>>) -> Route {
    Route::new("stuck", move |m: Message, _c: Context| {
        let (gate, seen) = (gate.clone(), seen.clone());
        async move {
            gate.acquire().await.unwrap().forget();
            seen.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&m.payload).into_owned());
            Ok(None)
        }
    })
    .qos(QoS::AtMostOnce)
    .queue_capacity(4)
}

fn counting_route(count: Arc<AtomicUsize>) -> Route {
    Route::new("fast", move |_m: Message, _c: Context| {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_pauses_reading_and_loses_nothing_by_default() {
    let broker = MemoryBroker::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let fast_count = Arc::new(AtomicUsize::new(0));
    let app = App::in_memory(&broker)
        .mount(
            Router::new()
                .route(gated_route(gate.clone(), seen.clone()))
                .route(counting_route(fast_count.clone())),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    for n in 0..10 {
        broker.publish(Outgoing::new("stuck", n.to_string())).await;
    }
    broker
        .publish(Outgoing::new("fast", "y").qos(QoS::AtLeastOnce))
        .await;
    // The stuck route holds 1 + 4 messages; the driver holds the next and stops reading, so
    // the message for the fast route waits behind them (backpressure, not loss).
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fast_count.load(Ordering::SeqCst), 0, "reading paused");
    assert_eq!(app.stats().dropped_overflow, 0);
    assert!(
        app.stats().received <= 6,
        "received {}",
        app.stats().received
    );
    gate.add_permits(100);
    broker.settle().await.unwrap();
    assert_eq!(fast_count.load(Ordering::SeqCst), 1);
    let expected: Vec<String> = (0..10).map(|n| n.to_string()).collect();
    assert_eq!(*seen.lock().unwrap(), expected, "all, in order");
    assert_eq!(app.stats().dropped_overflow, 0);
    app.shutdown(T).await.unwrap();
}

async fn drop_policy_counts_exactly(overflow: mqttgen::Overflow) -> (Vec<String>, Vec<String>) {
    let broker = MemoryBroker::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let dropped = Arc::new(Mutex::new(Vec::new()));
    let fast_count = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    let app = App::in_memory(&broker)
        .mount(
            Router::new()
                .route(gated_route(gate.clone(), seen.clone()).overflow(overflow))
                .route(counting_route(fast_count.clone())),
        )
        .on_error(move |f| {
            if let mqttgen::Failure::Dropped { route, message } = f {
                assert_eq!(*route, "stuck");
                d.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&message.payload).into_owned());
            }
        })
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    for n in 0..20 {
        broker.publish(Outgoing::new("stuck", n.to_string())).await;
    }
    broker
        .publish(Outgoing::new("fast", "y").qos(QoS::AtLeastOnce))
        .await;
    // Dropping keeps the connection moving: the fast route is not held up.
    let deadline = tokio::time::Instant::now() + T;
    while fast_count.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the fast route was stalled"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    gate.add_permits(100);
    broker.settle().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let dropped = dropped.lock().unwrap().clone();
    assert_eq!(
        app.stats().dropped_overflow,
        dropped.len() as u64,
        "every drop counted once"
    );
    assert!(
        dropped.len() >= 15,
        "1 handling + 4 queued at most: dropped {dropped:?}"
    );
    let mut all: Vec<u32> = seen
        .iter()
        .chain(&dropped)
        .map(|s| s.parse().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..20).collect::<Vec<_>>(),
        "each message handled or dropped, never both"
    );
    app.shutdown(T).await.unwrap();
    (seen, dropped)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_keeps_the_oldest_and_counts_exactly() {
    let (seen, dropped) = drop_policy_counts_exactly(mqttgen::Overflow::DropNewest).await;
    assert_eq!(
        dropped.last().map(String::as_str),
        Some("19"),
        "the newest went"
    );
    assert!(
        seen.contains(&"1".to_string()),
        "an early one was kept: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_keeps_the_newest_and_counts_exactly() {
    let (seen, dropped) = drop_policy_counts_exactly(mqttgen::Overflow::DropOldest).await;
    assert!(
        seen.ends_with(&["16", "17", "18", "19"].map(String::from)),
        "the newest 4 kept: {seen:?}"
    );
    assert!(dropped.contains(&"1".to_string()) || dropped.contains(&"2".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_handler_decodes_or_reports() {
    let broker = MemoryBroker::new();
    let sum = Arc::new(Mutex::new(0.0));
    let s = sum.clone();
    let route = Route::new(
        "r/{id}",
        mqttgen::json_handler(move |r: Reading, _ctx: Context| {
            let s = s.clone();
            async move {
                *s.lock().unwrap() += r.celsius;
                Ok(None)
            }
        }),
    );
    let app = App::in_memory(&broker)
        .mount(Router::new().route(route))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("r/1", r#"{"celsius": 1.5}"#))
        .await;
    broker
        .publish(Outgoing::new("r/2", r#"{"celsius": "x"}"#))
        .await;
    broker
        .publish(Outgoing::new("r/3", r#"{"celsius": 2}"#))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(*sum.lock().unwrap(), 3.5);
    assert_eq!(app.stats().decode_errors, 1);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_requests_leave_nothing_behind_and_requests_after_shutdown_fail_fast() {
    let broker = MemoryBroker::new();
    let client = App::in_memory(&broker).start().await.unwrap();
    client.ready(T).await.unwrap();
    let p = client.publisher();
    let reply_topic = "test/replies/cancelled";
    let waiting = {
        let p = p.clone();
        tokio::spawn(async move {
            p.request(
                Outgoing::new("nobody/home", "").response_topic(reply_topic),
                T,
            )
            .await
        })
    };
    broker.wait_for_publish("nobody/home", T).await.unwrap();
    waiting.abort();
    let _ = waiting.await;
    // The same reply topic is free again: not "already waiting".
    let err = p
        .request(
            Outgoing::new("nobody/home", "").response_topic(reply_topic),
            Duration::from_millis(100),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, mqttgen::Error::Timeout(_)), "{err}");
    client.shutdown(T).await.unwrap();
    let err = p
        .request(Outgoing::new("svc/x", ""), Duration::from_secs(30))
        .await
        .unwrap_err();
    // Disconnected, not a Timeout after 30 s.
    assert!(matches!(err, mqttgen::Error::Disconnected(_)), "{err}");
}
