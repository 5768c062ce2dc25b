//! The generated responder publishes a reply only where the route's reply policy allows: the
//! spec's reply channel (`devices/{deviceId}/config/reply`) or a requester's private inbox,
//! never a `$` topic, another application topic, or a topic with control characters — wherever
//! the request names it (Response Topic property or the spec's `replyTo` header).

mod common;

use std::sync::{Arc, Mutex};

use common::{get, start_requester, within, WAIT};
use device_config::client::types::GetConfigPayload;
use device_config::{app, store::ConfigStore};
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Error, Failure, Outgoing, QoS, ReplyTo};

/// Starts the generated service, recording the topics of refused replies.
async fn start_service(
    broker: &MemoryBroker,
    policy: Option<ReplyTo>,
) -> (mqttgen::RunningApp, Arc<Mutex<Vec<String>>>) {
    let refused = Arc::new(Mutex::new(Vec::new()));
    let seen = refused.clone();
    let mut routes = app::routes(Arc::new(ConfigStore::with_devices(["d1"])));
    if let Some(policy) = policy {
        routes.get_config = routes.get_config.reply_to(policy);
    }
    let service = App::in_memory(broker)
        .on_error(move |failure| {
            if let Failure::ReplyRefused {
                error: Error::ReplyRefused { topic, .. },
                ..
            } = failure
            {
                seen.lock().unwrap().push(topic.clone());
            }
        })
        .mount(routes.into_router())
        .start()
        .await
        .unwrap();
    service.ready(WAIT).await.unwrap();
    (service, refused)
}

fn get_request(response_topic: &str) -> Outgoing {
    Outgoing::new("devices/d1/config/get", "{}")
        .qos(QoS::AtLeastOnce)
        .response_topic(response_topic)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_go_only_to_the_reply_channel_or_a_private_inbox() {
    let broker = MemoryBroker::new();
    let (service, refused) = start_service(&broker, None).await;
    let hostile = [
        "$SYS/x",
        "tenants/b/commands",
        "devices/d2/config/set",
        "a\u{1}b",
    ];
    for topic in hostile {
        broker.publish(get_request(topic)).await;
    }
    // The `replyTo` header of `setConfig` is checked the same way.
    broker
        .publish(
            Outgoing::new(
                "devices/d1/config/set",
                r#"{"reportIntervalSeconds":5,"mode":"eco"}"#,
            )
            .user_property("replyTo", "a\u{FFFF}b"),
        )
        .await;
    broker.settle().await.unwrap();
    let mut expected: Vec<String> = hostile.iter().map(|t| t.to_string()).collect();
    expected.push("a\u{FFFF}b".into());
    // Two routes (get and set) run side by side: compare as sets.
    let mut got = refused.lock().unwrap().clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(service.stats().replies_refused, 5);
    assert_eq!(service.stats().published, 0);
    for topic in &expected {
        assert!(
            broker.published().iter().all(|m| &m.topic != topic),
            "published to {topic:?}"
        );
    }

    // The spec's reply channel and the generated client's private inbox are answered.
    broker.publish(get_request("devices/d1/config/reply")).await;
    broker.settle().await.unwrap();
    assert_eq!(broker.published_to("devices/d1/config/reply").len(), 1);
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;
    configs
        .get_config_with(&get("d1"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect("the private inbox is answered");
    assert_eq!(service.stats().replies_refused, 5);
    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_any_restores_answering_any_topic_but_never_unsafe_text() {
    let broker = MemoryBroker::new();
    let (service, refused) = start_service(&broker, Some(ReplyTo::Any)).await;
    broker.publish(get_request("tenants/b/inbox")).await;
    broker.publish(get_request("$SYS/x")).await;
    broker.publish(get_request("a\u{1}b")).await;
    broker.settle().await.unwrap();
    assert_eq!(broker.published_to("tenants/b/inbox").len(), 1);
    assert_eq!(*refused.lock().unwrap(), ["a\u{1}b"]);
    service.shutdown(WAIT).await.unwrap();
}
