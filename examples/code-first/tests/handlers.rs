//! The example's handlers really run: the service's router on the in-memory broker
//! (`mqttgen::testing::MemoryBroker`), through the same runtime core as on a real broker.

use code_first_example::*;
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Outgoing, QoS};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn handlers_run_through_the_memory_broker() {
    let broker = MemoryBroker::new();
    let app = App::in_memory(&broker)
        .mount(service().router())
        .start()
        .await
        .unwrap();
    app.ready(WAIT).await.unwrap();

    let filters: Vec<String> = broker.subscriptions().into_values().flatten().collect();
    assert!(
        filters.contains(&"$share/ingest/devices/+/temperature".to_owned()),
        "{filters:?}"
    );
    assert!(
        filters.contains(&"devices/+/commands".to_owned()),
        "{filters:?}"
    );

    // Readings: a hot one raises an alert via the typed publisher, a normal one does not.
    let hot = json!({"celsius": 55.0, "humidity": null,
                     "battery": {"percent": 80, "state": "charging"}});
    broker
        .publish(Outgoing::new("devices/d1/temperature", hot.to_string()))
        .await;
    broker
        .publish(Outgoing::new(
            "devices/d2/temperature",
            r#"{"celsius": 20.5}"#,
        ))
        .await;
    broker.settle().await.unwrap();
    let alerts = broker.published_to("alerts/+/overheat");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].topic, "alerts/d1/overheat");
    assert_eq!(alerts[0].qos, QoS::AtLeastOnce);
    let alert: Alert = serde_json::from_slice(&alerts[0].payload).unwrap();
    assert_eq!(
        alert,
        Alert {
            device_id: "d1".into(),
            celsius: 55.0,
            severity: Severity::Critical
        }
    );

    // Request/reply on the MQTT 5 response topic, correlation data echoed.
    broker
        .publish(
            Outgoing::new("devices/d1/status/get", r#"{"with_firmware": true}"#)
                .response_topic("replies/client-7")
                .correlation_data("req-42"),
        )
        .await;
    broker.settle().await.unwrap();
    let replies = broker.published_to("replies/client-7");
    assert_eq!(replies.len(), 1, "{:?}", broker.published());
    let status: DeviceStatus = serde_json::from_slice(&replies[0].payload).unwrap();
    assert_eq!(status.device_id, "d1");
    assert_eq!(status.firmware.as_deref(), Some("1.4.2"));
    assert_eq!(
        replies[0].properties.correlation_data.as_deref(),
        Some(&b"req-42"[..])
    );

    // A command is acknowledged on the fixed reply topic filled from the request's topic.
    broker
        .publish(
            Outgoing::new(
                "devices/d9/commands",
                r#"{"kind": "set_interval", "seconds": 2}"#,
            )
            .qos(QoS::ExactlyOnce),
        )
        .await;
    broker.settle().await.unwrap();
    let acks = broker.published_to("devices/d9/commands/ack");
    assert_eq!(acks.len(), 1);
    let ack: CommandAck = serde_json::from_slice(&acks[0].payload).unwrap();
    assert!(!ack.accepted);
    assert_eq!(ack.reason.as_deref(), Some("interval below 5 s"));

    // A bad payload is a decode error, not a crash; later messages still flow.
    broker
        .publish(Outgoing::new("devices/d3/temperature", "not json"))
        .await;
    broker
        .publish(Outgoing::new(
            "devices/d3/temperature",
            r#"{"celsius": 45}"#,
        ))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(broker.published_to("alerts/d3/overheat").len(), 1);

    app.shutdown(WAIT).await.unwrap();
}

#[tokio::test]
async fn handlers_stay_plain_functions() {
    let reply = get_status(
        "d5".into(),
        StatusRequest {
            with_firmware: false,
        },
    )
    .await
    .unwrap();
    assert_eq!(reply.firmware, None);
    let ack = handle_command("d5".into(), Command::Reboot).await.unwrap();
    assert!(ack.accepted);
}

#[test]
fn builder_publisher_validates_topic_parameters() {
    let config = DeviceConfig {
        interval_seconds: 30,
        overheat_celsius: 40.0,
    };
    let out = config_message("d1", &config).unwrap();
    assert_eq!(out.topic, "devices/d1/config");
    assert!(out.retain);
    assert_eq!(out.qos, QoS::AtLeastOnce);
    assert_eq!(
        out.properties.content_type.as_deref(),
        Some("application/json")
    );
    let err = config_message("d1/../x", &config).unwrap_err().to_string();
    assert!(err.contains("must not contain `/`"), "{err}");
    let err = config_message("+", &config).unwrap_err().to_string();
    assert!(err.contains("wildcards"), "{err}");
}
