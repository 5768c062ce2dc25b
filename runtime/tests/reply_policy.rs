//! The reply policy on the in-memory broker, for every way a responder answers a peer's address:
//! `Outgoing::reply_to`, a `#[subscriber]` reply, and a direct publish; plus the topic character
//! rules every publish, filter and parameter value follows.

use mqttgen::testing::MemoryBroker;
use mqttgen::topic::{validate_filter, validate_param_value, validate_topic_name};
use mqttgen::{
    App, Context, Error, Failure, HandlerError, HandlerResult, Message, Outgoing, ReplyTo, Route,
    Router, RunningApp,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

async fn echo(msg: Message, _ctx: Context) -> HandlerResult {
    Ok(Outgoing::reply_to(&msg, msg.payload.clone()))
}

#[derive(serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
struct Status {
    ok: bool,
}

/// Answers on the request's response topic.
#[mqttgen::subscriber("status/{id}/get", qos = 1)]
async fn get_status(id: String) -> Result<Status, HandlerError> {
    Ok(Status { ok: !id.is_empty() })
}

/// Starts `router` on `broker`, recording the topics of refused replies.
async fn start(broker: &MemoryBroker, router: Router) -> (RunningApp, Arc<Mutex<Vec<String>>>) {
    let refused = Arc::new(Mutex::new(Vec::new()));
    let seen = refused.clone();
    let app = App::in_memory(broker)
        .on_error(move |failure| {
            if let Failure::ReplyRefused {
                error: Error::ReplyRefused { topic, .. },
                ..
            } = failure
            {
                seen.lock().unwrap().push(topic.clone());
            }
        })
        .mount(router)
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    (app, refused)
}

fn ask(topic: &str, reply_to: &str) -> Outgoing {
    Outgoing::new(topic, "{}").response_topic(reply_to)
}

#[tokio::test]
async fn reply_to_and_subscriber_replies_follow_the_route_policy() {
    let broker = MemoryBroker::new();
    let router = Router::new()
        .route(Route::new("echo/default", echo))
        .route(Route::new("echo/narrow", echo).reply_to(ReplyTo::matching(["replies/+"])))
        .route(Route::new("echo/any", echo).reply_to(ReplyTo::Any))
        .route(get_status::route());
    let (app, refused) = start(&broker, router).await;
    for (request, reply_topic) in [
        ("echo/default", "$SYS/x"),
        ("echo/default", "replies/a"),
        ("echo/narrow", "tenants/b/cmd"),
        ("echo/narrow", "replies/b"),
        ("echo/any", "$SYS/y"),
        ("status/s1/get", "$SYS/z"),
        ("status/s1/get", "replies/c"),
    ] {
        broker.publish(ask(request, reply_topic)).await;
        broker.settle().await.unwrap();
    }
    assert_eq!(
        *refused.lock().unwrap(),
        ["$SYS/x", "tenants/b/cmd", "$SYS/z"]
    );
    assert_eq!(app.stats().replies_refused, 3);
    assert_eq!(
        app.stats().handled,
        7,
        "refused replies are not handler failures"
    );
    let published: Vec<String> = broker
        .published()
        .into_iter()
        .map(|m| m.topic)
        .filter(|t| !t.starts_with("echo/") && !t.starts_with("status/"))
        .collect();
    assert_eq!(published, ["replies/a", "replies/b", "$SYS/y", "replies/c"]);
    app.shutdown(T).await.unwrap();
}

#[tokio::test]
async fn a_directly_published_peer_reply_gets_the_default_policy() {
    let broker = MemoryBroker::new();
    let (app, _) = start(&broker, Router::new()).await;
    let request = Message {
        properties: mqttgen::Properties {
            response_topic: Some("$SYS/x".into()),
            ..Default::default()
        },
        ..Message::new("a", "")
    };
    let reply = Outgoing::reply_to(&request, "x").unwrap();
    assert!(reply.is_peer_addressed());
    let error = app.publisher().publish(reply).await.unwrap_err();
    assert!(
        matches!(&error, Error::ReplyRefused { topic, .. } if topic == "$SYS/x"),
        "{error}"
    );
    // The same topic chosen by the service itself is its own business.
    app.publisher()
        .publish(Outgoing::new("$SYS/x", "x"))
        .await
        .unwrap();
    app.shutdown(T).await.unwrap();
}

#[test]
fn control_characters_and_non_characters_are_refused_everywhere() {
    for bad in [
        "a\u{1}b",
        "a\u{1f}",
        "\u{7f}",
        "a\u{9f}",
        "a\u{FFFF}b",
        "\u{FDD0}",
        "a\u{10FFFE}",
    ] {
        let error = validate_topic_name(bad).unwrap_err().to_string();
        assert!(error.contains("must not contain"), "{bad:?}: {error}");
        assert!(validate_filter(&format!("{bad}/+")).is_err(), "{bad:?}");
        let error = validate_param_value("id", bad).unwrap_err().to_string();
        assert!(error.contains("{id}"), "{bad:?}: {error}");
        assert!(ReplyTo::Any.check(bad).is_err(), "{bad:?}");
    }
    for good in [
        "caf\u{e9}",
        "\u{1F600}/x",
        "a b",
        "\u{A0}",
        "\u{FDCF}",
        "\u{FDF0}",
    ] {
        validate_topic_name(good).unwrap();
        validate_param_value("id", good.trim_end_matches("/x")).unwrap();
    }
    // Error texts escape what they quote.
    let error = ReplyTo::default().check("a\u{1}b").unwrap_err().to_string();
    assert!(error.contains("a\\u{1}b"), "{error}");
}
