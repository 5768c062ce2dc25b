//! Code-first accepts the addresses spec-first does: a `#[subscriber]` on a level mixing text
//! and parameters (`v{major}.{minor}`) subscribes with `+` for that level, captures each
//! parameter, replies to a mixed-level reply topic and exports the address as written.

use mqttgen::testing::MemoryBroker;
use mqttgen::{App, HandlerError, Outgoing, Router};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
struct Ack {
    device: String,
    major: u32,
    minor: u32,
}

#[mqttgen::subscriber(
    "fw/{device}/v{major}.{minor}/install",
    reply_topic = "fw/{device}/v{major}.{minor}/done"
)]
async fn install(device: String, major: u32, minor: u32) -> Result<Ack, HandlerError> {
    Ok(Ack {
        device,
        major,
        minor,
    })
}

#[tokio::test]
async fn a_mixed_level_subscriber_captures_every_parameter_and_replies() {
    let broker = MemoryBroker::new();
    let router = Router::new().route(install::route());
    assert_eq!(router.filters().unwrap(), ["fw/+/+/install"]);
    let app = App::in_memory(&broker).mount(router).start().await.unwrap();
    app.ready(T).await.unwrap();
    broker
        .publish(Outgoing::new("fw/d7/v2.10/install", "{}"))
        .await;
    broker.settle().await.unwrap();
    let replies = broker.published_to("fw/d7/v2.10/done");
    assert_eq!(
        replies.len(),
        1,
        "one reply on the filled mixed-level topic"
    );
    let ack: serde_json::Value = serde_json::from_slice(&replies[0].payload).unwrap();
    assert_eq!(
        ack,
        serde_json::json!({"device": "d7", "major": 2, "minor": 10})
    );
    // A topic whose mixed level does not match the address is a decode failure, not a call.
    broker
        .publish(Outgoing::new("fw/d7/v2/install", "{}"))
        .await;
    broker.settle().await.unwrap();
    assert!(broker.published_to("fw/d7/v2/done").is_empty());
    app.shutdown(T).await.unwrap();
}

#[test]
fn a_mixed_level_address_is_exported_as_written() {
    let yaml = mqttgen::asyncapi::Service::new("Firmware", "1.0.0")
        .handler::<install>()
        .document()
        .unwrap()
        .to_yaml()
        .unwrap();
    assert!(
        yaml.contains("address: fw/{device}/v{major}.{minor}/install"),
        "{yaml}"
    );
    assert!(yaml.contains("major:"), "{yaml}");
}
