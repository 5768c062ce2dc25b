//! The example against a real broker: a throwaway mosquitto on a free loopback port, the service
//! on one connection, a second client sending readings and an MQTT 5 request.

use code_first_example::*;
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + T;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn service_answers_over_mosquitto() {
    let broker = Mosquitto::start();
    let service = App::new(broker.config().client_id("greenhouse"))
        .mount(service().router())
        .start()
        .await
        .unwrap();
    service.ready(T).await.unwrap();

    let inbox: Arc<Mutex<Vec<Message>>> = Arc::default();
    let record = {
        let inbox = inbox.clone();
        move |msg: Message, _ctx: Context| {
            let inbox = inbox.clone();
            async move {
                inbox.lock().unwrap().push(msg);
                HandlerResult::Ok(None)
            }
        }
    };
    let client = App::new(broker.config().client_id("operator"))
        .mount(
            Router::new()
                .route(Route::new("replies/operator", record.clone()))
                .route(Route::new("alerts/+/overheat", record)),
        )
        .start()
        .await
        .unwrap();
    client.ready(T).await.unwrap();

    let publisher = client.publisher();
    publisher
        .publish_confirmed(
            Outgoing::new("devices/d1/temperature", r#"{"celsius": 47.5}"#).qos(QoS::AtLeastOnce),
        )
        .await
        .unwrap();
    // The runtime's own request API: a private response topic + correlation data.
    let reply = publisher
        .request(
            Outgoing::new("devices/d1/status/get", r#"{"with_firmware": true}"#)
                .qos(QoS::AtLeastOnce),
            T,
        )
        .await
        .unwrap();
    let status: DeviceStatus = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(status.firmware.as_deref(), Some("1.4.2"));
    assert_eq!(
        reply.properties.content_type.as_deref(),
        Some("application/json")
    );

    // And by hand, with an explicit response topic and correlation data.
    publisher
        .publish_confirmed(
            Outgoing::new("devices/d2/status/get", "{}")
                .qos(QoS::AtLeastOnce)
                .response_topic("replies/operator")
                .correlation_data("corr-1"),
        )
        .await
        .unwrap();
    wait_until("an alert and a reply", || inbox.lock().unwrap().len() == 2).await;

    let got = inbox.lock().unwrap().clone();
    let alert = got
        .iter()
        .find(|m| m.topic == "alerts/d1/overheat")
        .expect("alert");
    let alert: Alert = serde_json::from_slice(&alert.payload).unwrap();
    assert_eq!(alert.severity, Severity::Warning);
    let reply = got
        .iter()
        .find(|m| m.topic == "replies/operator")
        .expect("reply");
    let status: DeviceStatus = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!((status.device_id.as_str(), status.firmware), ("d2", None));
    assert_eq!(
        reply.properties.correlation_data.as_deref(),
        Some(&b"corr-1"[..])
    );
    assert_eq!(reply.qos, QoS::AtLeastOnce);

    client.shutdown(T).await.unwrap();
    service.shutdown(T).await.unwrap();
}
