//! Integration tests against a real mosquitto, started per test on a free loopback port.
//!
//! Every wait is on a condition with a generous timeout; nothing asserts on durations.

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{
    codec, AckPolicy, App, Config, ConnectionState, Context, Error, HandlerError, HandlerResult,
    Message, Outgoing, Protocol, QoS, Route, Router, RunningApp,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

type Inbox = Arc<Mutex<Vec<Message>>>;

fn recorder(
    inbox: &Inbox,
) -> impl Fn(Message, Context) -> futures::future::Ready<HandlerResult> + Send + Sync + 'static {
    let inbox = inbox.clone();
    move |msg, _ctx| {
        inbox.lock().unwrap().push(msg);
        futures::future::ready(Ok(None))
    }
}

fn config(broker: &Mosquitto, protocol: Protocol) -> Config {
    let mut c = broker.config().protocol(protocol);
    c.backoff = mqttgen::config::Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(500),
        ..Default::default()
    };
    c
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + T;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn publisher(broker: &Mosquitto, protocol: Protocol) -> RunningApp {
    let app = App::new(config(broker, protocol)).start().await.unwrap();
    app.ready(T).await.unwrap();
    app
}

async fn qos_round_trip(protocol: Protocol) {
    let broker = Mosquitto::start();
    let inbox = Inbox::default();
    let app = App::new(config(&broker, protocol))
        .mount(
            Router::new().route(Route::new("qos/{level}", recorder(&inbox)).qos(QoS::ExactlyOnce)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, protocol).await;
    for (i, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        p.publisher()
            .publish_confirmed(Outgoing::new(format!("qos/{i}"), format!("m{i}")).qos(qos))
            .await
            .unwrap();
    }
    wait_until("three messages", || inbox.lock().unwrap().len() == 3).await;
    let mut got: Vec<(String, QoS)> = inbox
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m.topic.clone(), m.qos))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("qos/0".into(), QoS::AtMostOnce),
            ("qos/1".into(), QoS::AtLeastOnce),
            ("qos/2".into(), QoS::ExactlyOnce)
        ]
    );
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos_0_1_2_v5() {
    qos_round_trip(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos_0_1_2_v311() {
    qos_round_trip(Protocol::V311).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_message_reaches_a_later_subscriber() {
    let broker = Mosquitto::start();
    let p = publisher(&broker, Protocol::V5).await;
    p.publisher()
        .publish_confirmed(
            Outgoing::new("config/lamp", "on")
                .retain(true)
                .qos(QoS::AtLeastOnce),
        )
        .await
        .unwrap();
    let inbox = Inbox::default();
    let app = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("config/+", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    wait_until("retained message", || !inbox.lock().unwrap().is_empty()).await;
    let m = inbox.lock().unwrap()[0].clone();
    assert_eq!(
        (m.topic.as_str(), &m.payload[..], m.retain),
        ("config/lamp", &b"on"[..], true)
    );
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_will_is_published_on_abnormal_disconnect() {
    let broker = Mosquitto::start();
    let inbox = Inbox::default();
    let watcher = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("status/+", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    watcher.ready(T).await.unwrap();
    let dying = App::new(
        config(&broker, Protocol::V5)
            .client_id("dying-device")
            .last_will(Outgoing::new("status/dying-device", "offline").qos(QoS::AtLeastOnce)),
    )
    .start()
    .await
    .unwrap();
    dying.ready(T).await.unwrap();
    // Dropping without shutdown() closes the socket without DISCONNECT.
    drop(dying);
    wait_until("last will", || !inbox.lock().unwrap().is_empty()).await;
    assert_eq!(inbox.lock().unwrap()[0].payload, "offline");
    watcher.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_does_not_publish_the_will() {
    let broker = Mosquitto::start();
    let inbox = Inbox::default();
    let watcher = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("status/#", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    watcher.ready(T).await.unwrap();
    let app = App::new(
        config(&broker, Protocol::V5)
            .last_will(Outgoing::new("status/x", "offline").qos(QoS::AtLeastOnce)),
    )
    .start()
    .await
    .unwrap();
    app.ready(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    // A marker published afterwards proves the watcher saw everything before it.
    let p = publisher(&broker, Protocol::V5).await;
    p.publisher()
        .publish_confirmed(Outgoing::new("status/marker", "m").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("marker", || !inbox.lock().unwrap().is_empty()).await;
    let topics: Vec<String> = inbox
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.topic.clone())
        .collect();
    assert_eq!(topics, ["status/marker"]);
    p.shutdown(T).await.unwrap();
    watcher.shutdown(T).await.unwrap();
}

async fn reconnect_restores_subscriptions(protocol: Protocol) {
    let mut broker = Mosquitto::start();
    let a = Inbox::default();
    let b = Inbox::default();
    let app = App::new(config(&broker, protocol))
        .mount(
            Router::new()
                .route(Route::new("alpha/+", recorder(&a)))
                .route(Route::new("beta/#", recorder(&b))),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let mut state = app.state();
    broker.restart(); // no persistence: the session is gone
    tokio::time::timeout(
        T,
        state.wait_for(|s| matches!(s, ConnectionState::Reconnecting { .. })),
    )
    .await
    .expect("saw the connection drop")
    .unwrap();
    wait_until("reconnected", || app.stats().reconnects >= 1).await;
    app.ready(T).await.unwrap();
    let p = publisher(&broker, protocol).await;
    p.publisher()
        .publish_confirmed(Outgoing::new("alpha/1", "a").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    p.publisher()
        .publish_confirmed(Outgoing::new("beta/x/y", "b").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("both routes after reconnect", || {
        a.lock().unwrap().len() == 1 && b.lock().unwrap().len() == 1
    })
    .await;
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_after_broker_restart_restores_subscriptions_v5() {
    reconnect_restores_subscriptions(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_after_broker_restart_restores_subscriptions_v311() {
    reconnect_restores_subscriptions(Protocol::V311).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos1_publishes_made_while_the_broker_is_down_are_not_lost() {
    let mut broker = Mosquitto::start_with(MosquittoOptions {
        persistence: true,
        ..Default::default()
    });
    let inbox = Inbox::default();
    // The subscriber's session (and subscription) survives the broker restart on disk.
    let app = App::new(
        config(&broker, Protocol::V5)
            .client_id("outbox-subscriber")
            .persistent_session(Duration::from_secs(3600)),
    )
    .mount(Router::new().route(Route::new("queued/#", recorder(&inbox))))
    .start()
    .await
    .unwrap();
    app.ready(T).await.unwrap();
    // The publisher has a clean session: after the restart the broker does not know it, so
    // rumqttc would drop its pending queue; the runtime's outbox must not.
    let p = publisher(&broker, Protocol::V5).await;
    let mut state = p.state();
    broker.stop_graceful();
    tokio::time::timeout(
        T,
        state.wait_for(|s| matches!(s, ConnectionState::Reconnecting { .. })),
    )
    .await
    .expect("saw the connection drop")
    .unwrap();
    for i in 0..5 {
        p.publisher()
            .publish(Outgoing::new(format!("queued/{i}"), i.to_string()).qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    assert_eq!(p.publisher().pending(), 5);
    broker.start_again();
    let deadline = tokio::time::Instant::now() + T;
    while inbox.lock().unwrap().len() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "got {} of 5; publisher pending {}, stats {:?} / {:?}; broker log:\n{}",
            inbox.lock().unwrap().len(),
            p.publisher().pending(),
            p.stats(),
            app.stats(),
            broker.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_until("outbox drained", || p.publisher().pending() == 0).await;
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

async fn shared_subscription(protocol: Protocol) {
    let broker = Mosquitto::start();
    let inboxes: Vec<Inbox> = (0..2).map(|_| Inbox::default()).collect();
    let mut apps = Vec::new();
    for inbox in &inboxes {
        let app = App::new(config(&broker, protocol))
            .mount(
                Router::new()
                    .shared_group("workers")
                    .route(Route::new("jobs/{id}", recorder(inbox))),
            )
            .start()
            .await
            .unwrap();
        app.ready(T).await.unwrap();
        apps.push(app);
    }
    let p = publisher(&broker, protocol).await;
    for i in 0..40 {
        p.publisher()
            .publish_confirmed(Outgoing::new(format!("jobs/{i}"), "x").qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    let count = |i: usize| inboxes[i].lock().unwrap().len();
    wait_until("all jobs", || count(0) + count(1) == 40).await;
    assert!(
        count(0) > 0 && count(1) > 0,
        "split {} / {}",
        count(0),
        count(1)
    );
    p.shutdown(T).await.unwrap();
    for app in apps {
        app.shutdown(T).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_subscription_splits_across_two_clients_v5() {
    shared_subscription(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_subscription_splits_across_two_clients_v311() {
    shared_subscription(Protocol::V311).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_session_receives_messages_queued_while_offline() {
    let broker = Mosquitto::start();
    let cfg = || {
        config(&broker, Protocol::V5)
            .client_id("persistent-svc")
            .persistent_session(Duration::from_secs(3600))
    };
    let inbox = Inbox::default();
    let app = App::new(cfg())
        .mount(Router::new().route(Route::new("orders/+", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    for i in 0..5 {
        p.publisher()
            .publish_confirmed(
                Outgoing::new(format!("orders/{i}"), i.to_string()).qos(QoS::AtLeastOnce),
            )
            .await
            .unwrap();
    }
    let app = App::new(cfg())
        .mount(Router::new().route(Route::new("orders/+", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    wait_until("five queued orders", || inbox.lock().unwrap().len() == 5).await;
    let payloads: Vec<String> = inbox
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.payload_str().unwrap().to_owned())
        .collect();
    assert_eq!(payloads, ["0", "1", "2", "3", "4"], "in order");
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

async fn nack_redelivery(protocol: Protocol) {
    let broker = Mosquitto::start();
    let cfg = || {
        config(&broker, protocol)
            .client_id(format!("nack-svc-{protocol:?}"))
            .persistent_session(Duration::from_secs(3600))
    };
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen_dup = Arc::new(AtomicUsize::new(0));
    let route = || {
        let (attempts, seen_dup) = (attempts.clone(), seen_dup.clone());
        Route::new("tasks/run", move |msg: Message, _ctx: Context| {
            let (attempts, seen_dup) = (attempts.clone(), seen_dup.clone());
            async move {
                if msg.dup {
                    seen_dup.fetch_add(1, Ordering::SeqCst);
                }
                if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                    return Err(HandlerError::failed("transient failure"));
                }
                Ok(None)
            }
        })
        .ack_policy(AckPolicy::NackOnError)
    };
    let app = App::new(cfg())
        .mount(Router::new().route(route()))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, protocol).await;
    p.publisher()
        .publish_confirmed(Outgoing::new("tasks/run", "job").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("first attempt", || attempts.load(Ordering::SeqCst) == 1).await;
    wait_until("failure counted", || app.stats().handler_errors == 1).await;
    app.shutdown(T).await.unwrap();
    // Reconnect with the same session: the broker redelivers the unacknowledged message.
    let app = App::new(cfg())
        .mount(Router::new().route(route()))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    wait_until("redelivery", || attempts.load(Ordering::SeqCst) == 2).await;
    assert_eq!(
        seen_dup.load(Ordering::SeqCst),
        1,
        "the redelivery carries DUP"
    );
    wait_until("handled", || app.stats().handled == 1).await;
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nack_on_error_is_redelivered_after_reconnect_v5() {
    nack_redelivery(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nack_on_error_is_redelivered_after_reconnect_v311() {
    nack_redelivery(Protocol::V311).await;
}

/// `NackOnError` with every first attempt failing: the broker's window (receive maximum 10)
/// fills with unacknowledged messages. At `nack_limit` (5) the runtime renews the connection,
/// the broker redelivers them to the persistent session and the second attempts succeed: all
/// 30 messages get handled instead of the subscription stalling after 10.
async fn nack_limit_renews_the_connection(nack_limit: usize) -> (usize, mqttgen::Stats) {
    let broker = Mosquitto::start();
    let cfg = config(&broker, Protocol::V5)
        .client_id("nack-limit-svc")
        .persistent_session(Duration::from_secs(3600))
        .receive_maximum(10)
        .nack_limit(nack_limit);
    let tried = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let done = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let (t, d) = (tried.clone(), done.clone());
    let route = Route::new("jobs/run", move |msg: Message, _ctx: Context| {
        let (tried, done) = (t.clone(), d.clone());
        async move {
            let id = String::from_utf8_lossy(&msg.payload).into_owned();
            if tried.lock().unwrap().insert(id.clone()) {
                return Err(HandlerError::failed("first attempt fails"));
            }
            done.lock().unwrap().insert(id);
            Ok(None)
        }
    })
    .ack_policy(AckPolicy::NackOnError);
    let app = App::new(cfg)
        .mount(Router::new().route(route))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    for n in 0..30 {
        p.publisher()
            .publish(Outgoing::new("jobs/run", n.to_string()).qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while done.lock().unwrap().len() < 30 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let handled = done.lock().unwrap().len();
    let stats = app.stats();
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    (handled, stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nack_on_error_reaches_its_bound_and_recovers() {
    let (handled, stats) = nack_limit_renews_the_connection(5).await;
    println!("nack limit 5, receive maximum 10: handled {handled}/30, {stats:?}");
    assert_eq!(handled, 30, "every message handled on its second attempt");
    assert!(stats.nack_renewals >= 1, "{stats:?}");
    assert!(stats.reconnects >= stats.nack_renewals, "{stats:?}");
    assert_eq!(stats.handler_errors, 30, "each first attempt failed once");
}

/// What the runtime's flow control is designed around: mosquitto 2.0.11 honours the MQTT 5
/// receive maximum a client announces while it acknowledges nothing (a plain rumqttc client
/// announcing 10 gets exactly 10 of 50 QoS 1 messages).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_honours_the_receive_maximum_while_nothing_is_acknowledged() {
    use rumqttc::v5::mqttbytes::v5::Packet;
    use rumqttc::v5::mqttbytes::QoS as RQoS;
    use rumqttc::v5::{AsyncClient, Event, MqttOptions};
    let broker = Mosquitto::start();
    let mut options = MqttOptions::new("window-probe", "127.0.0.1", broker.port());
    options.set_manual_acks(true);
    options.set_receive_maximum(Some(10));
    let (client, mut events) = AsyncClient::new(options, 100);
    client
        .subscribe("window/t", RQoS::AtLeastOnce)
        .await
        .unwrap();
    loop {
        if let Event::Incoming(Packet::SubAck(_)) = events.poll().await.unwrap() {
            break;
        }
    }
    let p = publisher(&broker, Protocol::V5).await;
    for n in 0..50 {
        p.publisher()
            .publish_confirmed(Outgoing::new("window/t", n.to_string()).qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    let mut received = 0;
    let until = tokio::time::Instant::now() + Duration::from_millis(500);
    while let Ok(event) = tokio::time::timeout_at(until, events.poll()).await {
        if let Ok(Event::Incoming(Packet::Publish(_))) = event {
            received += 1;
        }
    }
    assert_eq!(received, 10, "exactly the announced window");
    p.shutdown(T).await.unwrap();
}

#[derive(serde::Deserialize)]
struct Reading {
    celsius: f64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_payload_then_good_ones() {
    let broker = Mosquitto::start();
    let good = Arc::new(Mutex::new(Vec::new()));
    let g = good.clone();
    let handler = move |msg: Message, ctx: Context| {
        let g = g.clone();
        async move {
            let r: Reading = codec::decode_json(&msg.payload)?;
            g.lock()
                .unwrap()
                .push((ctx.param("device").unwrap().to_owned(), r.celsius));
            Ok(None)
        }
    };
    let app = App::new(config(&broker, Protocol::V5))
        .dead_letter_topic("dead")
        .mount(Router::new().route(Route::new("temp/{device}", handler)))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let dead = Inbox::default();
    let dl = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("dead/#", recorder(&dead))))
        .start()
        .await
        .unwrap();
    dl.ready(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    let send =
        |topic: &str, body: &str| Outgoing::new(topic, body.to_owned()).qos(QoS::AtLeastOnce);
    p.publisher()
        .publish_confirmed(send("temp/a", "{not json"))
        .await
        .unwrap();
    p.publisher()
        .publish_confirmed(send("temp/b", r#"{"celsius": "hot"}"#))
        .await
        .unwrap();
    for i in 0..3 {
        p.publisher()
            .publish_confirmed(send(&format!("temp/d{i}"), r#"{"celsius": 20.5}"#))
            .await
            .unwrap();
    }
    wait_until("three good readings", || good.lock().unwrap().len() == 3).await;
    wait_until("two dead letters", || dead.lock().unwrap().len() == 2).await;
    assert_eq!(app.stats().decode_errors, 2);
    let d = dead.lock().unwrap()[1].clone();
    assert_eq!(d.topic, "dead/temp/b");
    assert!(
        d.properties
            .user_property("mqttgen-error")
            .unwrap()
            .contains("celsius")
            || d.properties
                .user_property("mqttgen-error")
                .unwrap()
                .contains("invalid type")
    );
    p.shutdown(T).await.unwrap();
    dl.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

async fn suback_failure(protocol: Protocol, expected: u8) {
    let broker = Mosquitto::start_with(MosquittoOptions {
        deny_subscribe: vec!["secret/#".into()],
        ..Default::default()
    });
    let inbox = Inbox::default();
    let app = App::new(config(&broker, protocol))
        .mount(
            Router::new()
                .route(Route::new("public/{x}", recorder(&inbox)))
                .route(Route::new("secret/#", recorder(&inbox))),
        )
        .start()
        .await
        .unwrap();
    let err = app.ready(T).await.unwrap_err();
    assert_eq!(
        err,
        Error::SubscribeFailed {
            filter: "secret/#".into(),
            code: expected
        },
        "{err}"
    );
    // The allowed subscription works.
    let p = publisher(&broker, protocol).await;
    p.publisher()
        .publish_confirmed(Outgoing::new("public/1", "x").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("public message", || inbox.lock().unwrap().len() == 1).await;
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suback_failure_is_surfaced_v5() {
    suback_failure(Protocol::V5, 0x87).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suback_failure_is_surfaced_v311() {
    suback_failure(Protocol::V311, 0x80).await;
}

async fn wrong_password(protocol: Protocol) {
    let broker = Mosquitto::start_with(MosquittoOptions {
        users: vec![("svc".into(), "right".into())],
        ..Default::default()
    });
    let app = App::new(config(&broker, protocol).credentials("svc", "wrong"))
        .start()
        .await
        .unwrap();
    let err = app.ready(T).await.unwrap_err();
    assert!(matches!(err, Error::NotAuthorized { .. }), "{err}");
    assert!(err.to_string().contains("not authorized"), "{err}");
    assert!(matches!(
        *app.state().borrow(),
        ConnectionState::Failed { .. }
    ));
    app.shutdown(T)
        .await
        .unwrap_or_else(|e| panic!("shutdown: {e}"));
    // And the right password works.
    let ok = App::new(config(&broker, protocol).credentials("svc", "right"))
        .start()
        .await
        .unwrap();
    ok.ready(T).await.unwrap();
    ok.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_fatal_v5() {
    wrong_password(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_fatal_v311() {
    wrong_password(Protocol::V311).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_replies_and_properties_round_trip() {
    let broker = Mosquitto::start();
    let app = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new(
            "rpc/echo",
            |msg: Message, _ctx: Context| async move {
                Ok(Outgoing::reply_to(&msg, msg.payload.clone()))
            },
        )))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let replies = Inbox::default();
    let client = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("replies/me", recorder(&replies))))
        .start()
        .await
        .unwrap();
    client.ready(T).await.unwrap();
    client
        .publisher()
        .publish_confirmed(
            Outgoing::new("rpc/echo", "ping")
                .qos(QoS::AtLeastOnce)
                .response_topic("replies/me")
                .correlation_data("c-1")
                .user_property("k", "v")
                .content_type("text/plain"),
        )
        .await
        .unwrap();
    wait_until("reply", || replies.lock().unwrap().len() == 1).await;
    let r = replies.lock().unwrap()[0].clone();
    assert_eq!(r.payload, "ping");
    assert_eq!(r.properties.correlation_data.as_deref(), Some(&b"c-1"[..]));
    client.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_payloads_up_to_the_configured_maximum() {
    let broker = Mosquitto::start();
    let inbox = Inbox::default();
    let app = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new("big", recorder(&inbox))))
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    let payload = vec![b'x'; 512 * 1024];
    p.publisher()
        .publish_confirmed(Outgoing::new("big", payload.clone()).qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("big message", || inbox.lock().unwrap().len() == 1).await;
    assert_eq!(inbox.lock().unwrap()[0].payload.len(), payload.len());
    let too_big = vec![b'x'; 2 * 1024 * 1024];
    assert!(matches!(
        p.publisher().publish(Outgoing::new("big", too_big)).await,
        Err(Error::PayloadTooLarge { .. })
    ));
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_v5_generated_inbox() {
    let broker = Mosquitto::start();
    let responder = App::new(config(&broker, Protocol::V5))
        .mount(Router::new().route(Route::new(
            "svc/{device}/status",
            |msg: Message, ctx: Context| async move {
                let device = ctx.param("device").unwrap_or_default().to_owned();
                Ok(Outgoing::reply_to(&msg, format!("{device}: ok")))
            },
        )))
        .start()
        .await
        .unwrap();
    responder.ready(T).await.unwrap();
    let client = publisher(&broker, Protocol::V5).await;
    let reply = client
        .publisher()
        .request(Outgoing::new("svc/t1/status", "?").qos(QoS::AtLeastOnce), T)
        .await
        .unwrap();
    assert_eq!(reply.payload, "t1: ok");
    assert!(reply.properties.correlation_data.is_some());
    client.shutdown(T).await.unwrap();
    responder.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_v311_explicit_reply_topic() {
    let broker = Mosquitto::start();
    // By convention the responder answers on `replies/{device}`.
    let responder = App::new(config(&broker, Protocol::V311))
        .mount(Router::new().route(Route::new(
            "svc/{device}/ping",
            |_msg: Message, ctx: Context| async move {
                let device = ctx.param("device").unwrap_or_default();
                Ok(Some(Outgoing::new(format!("replies/{device}"), "pong")))
            },
        )))
        .start()
        .await
        .unwrap();
    responder.ready(T).await.unwrap();
    let client = publisher(&broker, Protocol::V311).await;
    let p = client.publisher();
    let err = p
        .request(Outgoing::new("svc/d1/ping", ""), T)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    let reply = p
        .request(
            Outgoing::new("svc/d1/ping", "").response_topic("replies/d1"),
            T,
        )
        .await
        .unwrap();
    assert_eq!(reply.payload, "pong");
    client.shutdown(T).await.unwrap();
    responder.shutdown(T).await.unwrap();
}

async fn overlapping_filters(protocol: Protocol) {
    let broker = Mosquitto::start();
    let (a, b, c) = (Inbox::default(), Inbox::default(), Inbox::default());
    let app = App::new(config(&broker, protocol))
        .mount(
            Router::new()
                .route(Route::new("home/{room}/temp", recorder(&a)))
                .route(Route::new("home/#", recorder(&b)))
                .route(Route::new("home/+/temp", recorder(&c)).qos(QoS::AtMostOnce)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, protocol).await;
    p.publisher()
        .publish_confirmed(Outgoing::new("home/kitchen/temp", "21").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    p.publisher()
        .publish_confirmed(Outgoing::new("home/marker", "m").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("marker", || b.lock().unwrap().len() >= 2).await;
    // Give duplicates (if any) a chance to show up before counting.
    let q = publisher(&broker, protocol).await;
    q.publisher()
        .publish_confirmed(Outgoing::new("home/marker2", "m").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("marker2", || {
        b.lock().unwrap().iter().any(|m| m.topic == "home/marker2")
    })
    .await;
    assert_eq!(a.lock().unwrap().len(), 1, "route a once");
    assert_eq!(c.lock().unwrap().len(), 1, "route c once");
    let b_kitchen = b
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m.topic == "home/kitchen/temp")
        .count();
    assert_eq!(b_kitchen, 1, "route b once");
    q.shutdown(T).await.unwrap();
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_filters_dispatch_each_route_once_v5() {
    overlapping_filters(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_filters_dispatch_each_route_once_v311() {
    overlapping_filters(Protocol::V311).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_private_ca() {
    let broker = Mosquitto::start_with(MosquittoOptions {
        tls: true,
        ..Default::default()
    });
    let inbox = Inbox::default();
    for protocol in [Protocol::V5, Protocol::V311] {
        let app = App::new(config(&broker, protocol))
            .mount(Router::new().route(Route::new("secure/{n}", recorder(&inbox))))
            .start()
            .await
            .unwrap();
        app.ready(T).await.unwrap();
        app.publisher()
            .publish_confirmed(Outgoing::new("secure/1", "s").qos(QoS::AtLeastOnce))
            .await
            .unwrap();
        wait_until("message over TLS", || !inbox.lock().unwrap().is_empty()).await;
        inbox.lock().unwrap().clear();
        app.shutdown(T).await.unwrap();
    }
    // A CA file that does not exist is a configuration error at start, not a retry loop.
    let bad = broker.config().tls(mqttgen::config::TlsConfig {
        roots: mqttgen::config::TlsRoots::CaFile("/nonexistent/ca.pem".into()),
        ..Default::default()
    });
    let err = App::new(bad).start().await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

/// At-least-once end to end across a broker restart in the middle of a QoS 1 stream: the
/// publisher's outbox resends what the broker had not acknowledged, the subscriber's session
/// (persisted by mosquitto) keeps what was queued and redelivers what was not acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_qos1_message_is_lost_across_a_broker_restart_mid_stream() {
    let mut broker = Mosquitto::start_with(MosquittoOptions {
        persistence: true,
        ..Default::default()
    });
    const N: usize = 300;
    let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let s = seen.clone();
    let app = App::new(
        config(&broker, Protocol::V5)
            .client_id("chaos-subscriber")
            .persistent_session(Duration::from_secs(3600)),
    )
    .mount(Router::new().route(Route::new(
        "stream/{n}",
        move |msg: Message, _ctx: Context| {
            let s = s.clone();
            async move {
                s.lock()
                    .unwrap()
                    .insert(msg.payload_str().unwrap().parse::<usize>().unwrap());
                Ok(None)
            }
        },
    )))
    .start()
    .await
    .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    let publisher_handle = p.publisher();
    let producer = tokio::spawn(async move {
        for i in 0..N {
            publisher_handle
                .publish(Outgoing::new(format!("stream/{i}"), i.to_string()).qos(QoS::AtLeastOnce))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    wait_until("a third of the stream", || {
        seen.lock().unwrap().len() >= N / 3
    })
    .await;
    // Restart off the runtime's threads so the clients keep running meanwhile.
    let _broker = tokio::task::spawn_blocking(move || {
        broker.restart();
        broker
    })
    .await
    .unwrap();
    producer.await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().len() < N {
        assert!(
            tokio::time::Instant::now() < deadline,
            "lost messages: missing {:?}",
            (0..N)
                .filter(|i| !seen.lock().unwrap().contains(i))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(app.stats().reconnects >= 1 && p.stats().reconnects >= 1);
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

async fn many_routes(protocol: Protocol) {
    let broker = Mosquitto::start();
    let count = Arc::new(AtomicUsize::new(0));
    let mut router = Router::new();
    for i in 0..1500 {
        let c = count.clone();
        router = router.route(Route::new(
            format!("fleet/{i}/+"),
            move |_m: Message, _c: Context| {
                let c = c.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                }
            },
        ));
    }
    let app = App::new(config(&broker, protocol))
        .mount(router)
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, protocol).await;
    for i in [0, 777, 1499] {
        p.publisher()
            .publish_confirmed(Outgoing::new(format!("fleet/{i}/x"), "").qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    wait_until("three routed messages", || {
        count.load(Ordering::SeqCst) == 3
    })
    .await;
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_hundred_routes_subscribe_and_route_v5() {
    many_routes(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_hundred_routes_subscribe_and_route_v311() {
    many_routes(Protocol::V311).await;
}

/// Every route acknowledges on receipt: rumqttc's own acknowledgements are used (no manual
/// acks); QoS 1 and 2 still complete and nothing is redelivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_on_receipt_routes_use_automatic_acks() {
    let broker = Mosquitto::start();
    let inbox = Inbox::default();
    let app = App::new(
        config(&broker, Protocol::V5)
            .client_id("auto-acks")
            .persistent_session(Duration::from_secs(60)),
    )
    .mount(
        Router::new().route(
            Route::new("auto/{n}", recorder(&inbox))
                .qos(QoS::ExactlyOnce)
                .ack_policy(AckPolicy::BeforeHandler),
        ),
    )
    .start()
    .await
    .unwrap();
    app.ready(T).await.unwrap();
    let p = publisher(&broker, Protocol::V5).await;
    for (i, qos) in [QoS::AtLeastOnce, QoS::ExactlyOnce].into_iter().enumerate() {
        p.publisher()
            .publish_confirmed(Outgoing::new(format!("auto/{i}"), "x").qos(qos))
            .await
            .unwrap();
    }
    wait_until("two messages", || inbox.lock().unwrap().len() == 2).await;
    app.shutdown(T).await.unwrap();
    // Reconnecting with the same session: nothing is redelivered, both were acknowledged.
    let again = Inbox::default();
    let app = App::new(
        config(&broker, Protocol::V5)
            .client_id("auto-acks")
            .persistent_session(Duration::from_secs(60)),
    )
    .mount(
        Router::new().route(
            Route::new("auto/{n}", recorder(&again))
                .qos(QoS::ExactlyOnce)
                .ack_policy(AckPolicy::BeforeHandler),
        ),
    )
    .start()
    .await
    .unwrap();
    app.ready(T).await.unwrap();
    p.publisher()
        .publish_confirmed(Outgoing::new("auto/marker", "m").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("marker", || !again.lock().unwrap().is_empty()).await;
    let topics: Vec<String> = again
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.topic.clone())
        .collect();
    assert_eq!(topics, ["auto/marker"]);
    p.shutdown(T).await.unwrap();
    app.shutdown(T).await.unwrap();
}
