//! The build.rs-generated fleet service: shared worker group, schema-checked payloads and
//! commands published with the spec's QoS 2 and message expiry.

use std::sync::atomic::Ordering;
use std::time::Duration;

use fleet::{generated, router, FleetService, WORKER_GROUP};
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Outgoing, QoS, TopicParams};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn critical_alert_stops_the_vehicle_with_the_specs_qos_and_expiry() {
    let broker = MemoryBroker::new();
    let service = FleetService::default();
    let app = App::in_memory(&broker)
        .mount(router(service.clone()))
        .start()
        .await
        .unwrap();
    app.ready(WAIT).await.unwrap();
    broker
        .publish(Outgoing::new(
            "fleet/eu/vehicles/NL-42/alerts",
            r#"{"severity":"critical","code":"ENG-001","detail":"engine overheating"}"#,
        ))
        .await;
    broker.settle().await.unwrap();
    let commands = broker.published_to("fleet/+/vehicles/+/commands");
    assert_eq!(commands.len(), 1);
    let command = &commands[0];
    assert_eq!(command.topic, "fleet/eu/vehicles/NL-42/commands");
    assert_eq!(
        command.qos,
        QoS::ExactlyOnce,
        "QoS 2 from the operation binding"
    );
    assert_eq!(command.properties.message_expiry_interval, Some(300));
    let body: serde_json::Value = serde_json::from_slice(&command.payload).unwrap();
    assert_eq!(body["kind"], "stop");
    assert_eq!(service.alerts.load(Ordering::SeqCst), 1);
    app.shutdown(WAIT).await.unwrap();
}

#[tokio::test]
async fn payloads_violating_the_external_schema_are_reported_not_handled() {
    let broker = MemoryBroker::new();
    let service = FleetService::default();
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = failures.clone();
    let app = App::in_memory(&broker)
        .mount(router(service.clone()))
        .on_error(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .start()
        .await
        .unwrap();
    app.ready(WAIT).await.unwrap();
    // `code` must match ^[A-Z]{3}-[0-9]{3}$ (schemas.yaml), `lat` is required.
    broker
        .publish(Outgoing::new(
            "fleet/eu/vehicles/v1/alerts",
            r#"{"severity":"info","code":"oops"}"#,
        ))
        .await;
    broker
        .publish(Outgoing::new(
            "fleet/eu/vehicles/v1/position",
            r#"{"lon":4.9,"recordedAt":"2026-11-21T10:00:00Z"}"#,
        ))
        .await;
    broker
        .publish(Outgoing::new(
            "fleet/mars/vehicles/v1/alerts",
            r#"{"severity":"info","code":"ABC-123"}"#,
        ))
        .await;
    broker
        .publish(Outgoing::new(
            "fleet/us/vehicles/v1/position",
            r#"{"lat":40.7,"lon":-74.0,"recordedAt":"2026-11-21T10:00:00Z"}"#,
        ))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(
        failures.load(Ordering::SeqCst),
        3,
        "pattern, missing field and unknown region reported"
    );
    assert_eq!(service.alerts.load(Ordering::SeqCst), 0);
    assert_eq!(
        service.positions.load(Ordering::SeqCst),
        1,
        "the good message still went through"
    );
    app.shutdown(WAIT).await.unwrap();
}

#[tokio::test]
async fn positions_subscribe_through_the_shared_worker_group() {
    let broker = MemoryBroker::new();
    let app = App::in_memory(&broker)
        .mount(router(FleetService::default()))
        .start()
        .await
        .unwrap();
    app.ready(WAIT).await.unwrap();
    let filters: Vec<String> = broker.subscriptions().into_values().flatten().collect();
    let shared = format!(
        "$share/{WORKER_GROUP}/{}",
        generated::PositionParams::FILTER
    );
    assert!(filters.contains(&shared), "{filters:?}");
    assert!(
        filters.contains(&generated::AlertParams::FILTER.to_string()),
        "{filters:?}"
    );
    app.shutdown(WAIT).await.unwrap();
}

#[test]
fn the_server_preset_carries_the_spec_bindings() {
    let config = generated::ProductionServer::default().config().unwrap();
    assert_eq!(config.port, 8883);
    assert_eq!(config.client_id.as_deref(), Some("fleet-service"));
    assert!(!config.clean_start);
    assert_eq!(config.session_expiry, Some(Duration::from_secs(3600)));
    assert_eq!(config.keep_alive, Duration::from_secs(60));
}
