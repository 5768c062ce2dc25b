//! The generated service and the generated lamp simulator talk through the in-memory broker and
//! through a real mosquitto; injection attempts through topic parameters are rejected.

use std::time::Duration;

use mqttgen::testing::{mosquitto::Mosquitto, MemoryBroker};
use mqttgen::{App, TopicParams};
use streetlights::control::LightControl;
use streetlights::lamp::{District, LightMeasuredParams};
use streetlights::simulator::{self, Lamp, LampState};
use streetlights::{app, lamp};

const WAIT: Duration = Duration::from_secs(20);

async fn exchange(service: App, lamps: App) -> Vec<(String, LampState)> {
    let lamp = Lamp::default();
    let service = service
        .mount(app::mount(LightControl))
        .start()
        .await
        .unwrap();
    let lamps = lamps
        .mount(lamp::mount(lamp.clone()))
        .start()
        .await
        .unwrap();
    service.ready(WAIT).await.unwrap();
    lamps.ready(WAIT).await.unwrap();
    let publisher = lamp::Publisher::new(lamps.publisher());
    simulator::report(&publisher, District::North, "l1", 10)
        .await
        .unwrap();
    simulator::report(&publisher, District::West, "l2", 550)
        .await
        .unwrap();
    simulator::report(&publisher, District::East, "l3", 5000)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while lamp.log.lock().unwrap().len() < 3 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    lamps.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
    let mut log = lamp.log.lock().unwrap().clone();
    log.sort_by(|a, b| a.0.cmp(&b.0));
    log
}

fn expected() -> Vec<(String, LampState)> {
    vec![
        ("l1".to_string(), LampState::On),
        ("l2".to_string(), LampState::Dimmed(50)),
        ("l3".to_string(), LampState::Off),
    ]
}

#[tokio::test]
async fn service_and_lamps_talk_through_the_in_memory_broker() {
    let broker = MemoryBroker::new();
    let log = exchange(App::in_memory(&broker), App::in_memory(&broker)).await;
    assert_eq!(log, expected());
    let commands = broker.published_to("city/+/lights/+/command");
    assert_eq!(commands.len(), 3, "one command per measurement");
    let dim = commands
        .iter()
        .find(|m| m.topic == "city/west/lights/l2/command")
        .expect("dim command");
    let body: serde_json::Value = serde_json::from_slice(&dim.payload).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"command": "dim", "percentage": 50})
    );
}

#[tokio::test]
async fn service_and_lamps_talk_through_mosquitto() {
    let broker = Mosquitto::start();
    let log = exchange(
        App::new(broker.config().client_id("streetlights-service")),
        App::new(broker.config().client_id("streetlights-lamps")),
    )
    .await;
    assert_eq!(log, expected());
}

#[tokio::test]
async fn injection_through_topic_parameters_is_rejected_and_nothing_is_published() {
    let broker = MemoryBroker::new();
    let lamps = App::in_memory(&broker).start().await.unwrap();
    lamps.ready(WAIT).await.unwrap();
    let publisher = lamp::Publisher::new(lamps.publisher());
    for bad in ["a/b", "+", "#", "x\0y", "", "$SYS"] {
        let error = simulator::report(&publisher, District::North, bad, 10)
            .await
            .expect_err(&format!("lamp id {bad:?} must be rejected"));
        let text = error.to_string();
        assert!(
            text.contains("lightId"),
            "the error names the parameter: {text}"
        );
        let params = LightMeasuredParams {
            district: District::North,
            light_id: bad.to_string(),
        };
        assert!(params.topic().is_err(), "{bad:?} builds no topic");
    }
    broker.settle().await.unwrap();
    assert!(
        broker.published_to("#").is_empty(),
        "nothing reached a `#` subscriber"
    );
    lamps.shutdown(WAIT).await.unwrap();
}

#[test]
fn received_topics_parse_back_into_typed_parameters() {
    let params = LightMeasuredParams::parse("city/south/lights/lamp-9/measured").unwrap();
    assert_eq!(params.district, District::South);
    assert_eq!(params.light_id, "lamp-9");
    assert!(
        LightMeasuredParams::parse("city/downtown/lights/lamp-9/measured").is_err(),
        "unknown district"
    );
    assert!(
        LightMeasuredParams::parse("city/south/lights/lamp-9").is_err(),
        "too short"
    );
    assert!(
        LightMeasuredParams::parse("city/south/lights/lamp-9/measured/x").is_err(),
        "too long"
    );
}

#[tokio::test]
async fn a_generated_handler_mounted_under_prefixes_parses_the_parameters_below_them() {
    let broker = MemoryBroker::new();
    // `tenant-a/{site}/` in front of every address of the generated routes.
    let service = App::in_memory(&broker)
        .mount(mqttgen::Router::new().nest("tenant-a/{site}", app::mount(LightControl)))
        .start()
        .await
        .unwrap();
    service.ready(WAIT).await.unwrap();
    let sender = App::in_memory(&broker).start().await.unwrap();
    sender.ready(WAIT).await.unwrap();
    let reading = streetlights::lamp::types::LightMeasuredPayload {
        lumens: 550,
        sent_at: chrono::Utc::now().fixed_offset(),
    };
    sender
        .publisher()
        .publish_json(
            "tenant-a/depot-7/city/west/lights/l2/measured",
            &reading,
            mqttgen::QoS::AtLeastOnce,
        )
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while broker.published_to("city/+/lights/+/command").is_empty()
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let commands = broker.published_to("city/+/lights/+/command");
    assert_eq!(commands.len(), 1, "the handler ran once");
    assert_eq!(
        commands[0].topic, "city/west/lights/l2/command",
        "district and light id were read below the two prefix levels"
    );
    sender.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

/// The payload types are generated once for both sides (`Builder::roles`): the lamp's reading is
/// the service's reading, with no conversion between two copies of the same struct.
#[test]
fn both_sides_share_the_payload_types() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<streetlights::app::types::LightMeasuredPayload>(),
        TypeId::of::<streetlights::lamp::types::LightMeasuredPayload>()
    );
    assert_eq!(
        TypeId::of::<app::types::LightMeasuredPayload>(),
        TypeId::of::<streetlights::types::LightMeasuredPayload>()
    );
}
