//! Untrusted peers against a real mosquitto: where a responder's replies may go, correlation ids
//! shared by several requesters, a service's own publishes (No Local), and subscribing only what
//! is missing. Every wait is on a condition with a generous timeout; nothing asserts on durations.

use mqttgen::testing::mosquitto::Mosquitto;
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
