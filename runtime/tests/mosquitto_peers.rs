//! Untrusted peers against a real mosquitto: where a responder's replies may go, correlation ids
//! shared by several requesters, a service's own publishes (No Local), and subscribing only what
//! is missing. Every wait is on a condition with a generous timeout; nothing asserts on durations.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::LocationExt;
use mqttgen::{
    App, Config, Context, Error, Failure, HandlerResult, Location, Message, Outgoing, Protocol,
    QoS, ReplyTo, Route, Router, RunningApp,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(20);

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

async fn started(app: App) -> RunningApp {
    let app = app.start().await.unwrap();
    app.ready(T).await.unwrap();
    app
}

/// Answers `svc/cmd` requests at the address the request names: its Response Topic, else its
/// payload's `replyTo` field — as a generated responder with `address.location:
/// $message.payload#/replyTo` does.
async fn answer(msg: Message, _ctx: Context) -> HandlerResult {
    let reply = match Outgoing::reply_to(&msg, "done") {
        Some(reply) => reply,
        None => {
            let topic = Location::payload("/replyTo")
                .read_reply_address(&msg)
                .expect("a reply address");
            Outgoing::new(topic, "done").qos(msg.qos).peer_addressed()
        }
    };
    Ok(Some(reply))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_to_hostile_addresses_are_refused_reported_and_never_cost_the_connection() {
    let broker = Mosquitto::start();
    let refused = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let seen = refused.clone();
    let responder = started(
        App::new(config(&broker, Protocol::V5))
            .on_error(move |failure| {
                if let Failure::ReplyRefused { route, error, .. } = failure {
                    let Error::ReplyRefused { topic, .. } = error else {
                        panic!("{error:?}");
                    };
                    seen.lock()
                        .unwrap()
                        .push((route.to_string(), topic.clone()));
                }
            })
            .mount(
                Router::new().route(
                    Route::new("svc/cmd", answer)
                        .name("cmd")
                        .reply_to(ReplyTo::matching(["mqttgen/replies/#", "replies/+"])),
                ),
            ),
    )
    .await;
    // Everything the broker delivers to ordinary subscribers, to show nothing was published.
    let everything = Inbox::default();
    let watcher = started(
        App::new(config(&broker, Protocol::V5))
            .mount(Router::new().route(Route::new("#", recorder(&everything)))),
    )
    .await;
    let requester = started(App::new(config(&broker, Protocol::V5))).await;

    // Hostile reply addresses: a broker topic and another tenant's topic in the Response Topic
    // property; a control character and a Unicode non-character in the payload's `replyTo`
    // (mosquitto itself refuses such text in a property, so a requester can only smuggle it in
    // a payload field).
    let hostile: [(&str, bool); 4] = [
        ("$SYS/x", true),
        ("tenants/other/commands", true),
        ("a\u{1}b", false),
        ("a\u{FFFF}b", false),
    ];
    for (topic, as_property) in hostile {
        let request = if as_property {
            Outgoing::new("svc/cmd", "{}").response_topic(topic)
        } else {
            let payload = serde_json::json!({ "replyTo": topic }).to_string();
            Outgoing::new("svc/cmd", payload)
        };
        requester
            .publisher()
            .publish_confirmed(request.qos(QoS::AtLeastOnce))
            .await
            .unwrap();
    }
    wait_until("four refused replies", || {
        refused.lock().unwrap().len() == 4
    })
    .await;
    let refused_topics: Vec<String> = refused
        .lock()
        .unwrap()
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    assert_eq!(
        refused_topics,
        hostile.map(|(topic, _)| topic.to_string()),
        "one error-hook report per refused reply, naming its topic"
    );
    assert!(refused
        .lock()
        .unwrap()
        .iter()
        .all(|(route, _)| route == "cmd"));

    // A later valid request is answered, on the same connection.
    let reply = requester
        .publisher()
        .request(Outgoing::new("svc/cmd", "{}").qos(QoS::AtLeastOnce), T)
        .await
        .unwrap();
    assert_eq!(&reply.payload[..], b"done");
    let payload = serde_json::json!({ "replyTo": "replies/r1" }).to_string();
    requester
        .publisher()
        .publish_confirmed(Outgoing::new("svc/cmd", payload).qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("the payload-addressed reply", || {
        everything
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.topic == "replies/r1")
    })
    .await;

    let stats = responder.stats();
    assert_eq!(stats.replies_refused, 4);
    assert_eq!(stats.handled, 6, "every request was handled");
    assert_eq!(
        stats.published, 2,
        "only the two valid replies left the responder"
    );
    assert_eq!(
        stats.reconnects, 0,
        "no reply cost the responder its connection"
    );
    assert!(responder.state().borrow().is_connected());
    assert_eq!(
        responder.publisher().pending(),
        0,
        "nothing queued for re-sending"
    );
    let mut topics: Vec<String> = everything
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.topic.clone())
        .filter(|t| t != "svc/cmd")
        .collect();
    topics.sort();
    assert_eq!(topics.len(), 2, "{topics:?}");
    assert!(topics[0].starts_with("mqttgen/replies/"), "{topics:?}");
    assert_eq!(topics[1], "replies/r1", "no publish to a refused topic");
    for app in [requester, watcher, responder] {
        app.shutdown(T).await.unwrap();
    }
}

/// Echoes every request's payload to its response topic.
async fn echo(msg: Message, _ctx: Context) -> HandlerResult {
    Ok(Outgoing::reply_to(&msg, msg.payload.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requesters_sharing_a_static_reply_channel_each_get_only_their_own_replies() {
    const REQUESTS: usize = 1_000;
    const REPLIES: &str = "fleet/replies";
    let broker = Mosquitto::start();
    let responder = started(
        App::new(config(&broker, Protocol::V5))
            .mount(Router::new().route(Route::new("fleet/ask", echo).max_workers(8))),
    )
    .await;
    // Two requesters on their own connections, as two processes would be.
    let a = started(App::new(config(&broker, Protocol::V5))).await;
    let b = started(App::new(config(&broker, Protocol::V5))).await;
    let run = |app: &RunningApp, name: &'static str| {
        let publisher = app.publisher().clone();
        async move {
            let asks = (0..REQUESTS).map(|i| {
                let publisher = publisher.clone();
                async move {
                    let body = format!("{name}-{i}");
                    let request = Outgoing::new("fleet/ask", body.clone())
                        .qos(QoS::AtLeastOnce)
                        .response_topic(REPLIES);
                    let reply = publisher.request(request, T).await.unwrap();
                    (body, String::from_utf8(reply.payload.to_vec()).unwrap())
                }
            });
            futures::future::join_all(asks).await
        }
    };
    let (from_a, from_b) = tokio::join!(run(&a, "a"), run(&b, "b"));
    for (asked, answered) in from_a.iter().chain(&from_b) {
        assert_eq!(asked, answered, "a requester took another one's reply");
    }
    assert_eq!(from_a.len() + from_b.len(), 2 * REQUESTS);
    // Each also received (most of) the other's replies on the shared topic: an unknown
    // correlation id there is counted and dropped, never handed to a waiting request.
    assert!(a.publisher().unmatched_replies() <= REQUESTS as u64);
    assert_eq!(
        a.publisher().pending_requests() + b.publisher().pending_requests(),
        0
    );
    for app in [a, b, responder] {
        app.shutdown(T).await.unwrap();
    }
}

/// A service that publishes to the channel it also handles, plus an outside publisher.
async fn own_publishes(protocol: Protocol) -> (Vec<String>, Vec<String>) {
    let broker = Mosquitto::start();
    let (room, echo) = (Inbox::default(), Inbox::default());
    let service = started(
        App::new(config(&broker, protocol)).mount(
            Router::new()
                .route(Route::new("chat/room", recorder(&room)).no_local(true))
                // The per-route opt-out: this one wants its own messages.
                .route(Route::new("chat/echo", recorder(&echo)).no_local(false)),
        ),
    )
    .await;
    let outsider = started(App::new(config(&broker, protocol))).await;
    for (app, who) in [(&service, "own"), (&outsider, "other")] {
        for topic in ["chat/room", "chat/echo"] {
            app.publisher()
                .publish_confirmed(Outgoing::new(topic, who).qos(QoS::AtLeastOnce))
                .await
                .unwrap();
        }
    }
    wait_until("the outsider's messages", || {
        let seen = |inbox: &Inbox| {
            inbox
                .lock()
                .unwrap()
                .iter()
                .any(|m| &m.payload[..] == b"other")
        };
        seen(&room) && seen(&echo)
    })
    .await;
    // Publish a marker last, so that anything still on its way has arrived.
    outsider
        .publisher()
        .publish_confirmed(Outgoing::new("chat/room", "marker").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("the marker", || {
        room.lock()
            .unwrap()
            .iter()
            .any(|m| &m.payload[..] == b"marker")
    })
    .await;
    let payloads = |inbox: &Inbox| {
        let mut all: Vec<String> = inbox
            .lock()
            .unwrap()
            .iter()
            .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
            .collect();
        all.sort();
        all
    };
    let result = (payloads(&room), payloads(&echo));
    outsider.shutdown(T).await.unwrap();
    service.shutdown(T).await.unwrap();
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_publishes_are_not_handled_on_no_local_routes_under_mqtt_5() {
    let (room, echo) = own_publishes(Protocol::V5).await;
    assert_eq!(
        room,
        ["marker", "other"],
        "the service handled its own publish"
    );
    assert_eq!(
        echo,
        ["other", "own"],
        "the opt-out route gets its own publish"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_3_1_1_cannot_keep_a_service_from_its_own_publishes() {
    // The documented limit: 3.1.1 has no No Local option.
    let (room, echo) = own_publishes(Protocol::V311).await;
    assert_eq!(room, ["marker", "other", "own"]);
    assert_eq!(echo, ["other", "own"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_messages_are_delivered_once_under_3_1_1_after_a_first_request() {
    let broker = Mosquitto::start();
    let setup = started(App::new(config(&broker, Protocol::V311))).await;
    setup
        .publisher()
        .publish_confirmed(
            Outgoing::new("config/lamp", "on")
                .retain(true)
                .qos(QoS::AtLeastOnce),
        )
        .await
        .unwrap();
    // A 3.1.1 responder answers on a fixed reply topic.
    let responder = started(
        App::new(config(&broker, Protocol::V311)).mount(Router::new().route(Route::new(
            "svc/ask",
            |_m: Message, _c: Context| async {
                Ok(Some(
                    Outgoing::new("svc/replies", "ok").qos(QoS::AtLeastOnce),
                ))
            },
        ))),
    )
    .await;
    let configs = Inbox::default();
    let app = started(
        App::new(config(&broker, Protocol::V311))
            .mount(Router::new().route(Route::new("config/+", recorder(&configs)))),
    )
    .await;
    wait_until("the retained message", || {
        configs.lock().unwrap().len() == 1
    })
    .await;
    // The first request subscribes its reply topic, and only that.
    for _ in 0..2 {
        let reply = app
            .publisher()
            .request(
                Outgoing::new("svc/ask", "?")
                    .qos(QoS::AtLeastOnce)
                    .response_topic("svc/replies"),
                T,
            )
            .await
            .unwrap();
        assert_eq!(&reply.payload[..], b"ok");
    }
    setup
        .publisher()
        .publish_confirmed(Outgoing::new("config/marker", "last").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    wait_until("the marker", || configs.lock().unwrap().len() >= 2).await;
    let topics: Vec<String> = configs
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.topic.clone())
        .collect();
    assert_eq!(
        topics,
        ["config/lamp", "config/marker"],
        "retained message delivered again"
    );
    for app in [app, responder, setup] {
        app.shutdown(T).await.unwrap();
    }
}
