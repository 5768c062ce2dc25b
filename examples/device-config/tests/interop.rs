//! Interop with independent MQTT 5 clients on a real mosquitto: `mosquitto_rr` asks the
//! generated service, and the generated client asks responders written directly on rumqttc —
//! one using the MQTT 5 response topic and correlation data, one only the spec's `replyTo` and
//! `correlationId` headers.

mod common;
#[path = "support/rumqttc_peer.rs"]
mod rumqttc_peer;

use std::process::Command;
use std::time::Duration;

use common::{get, start_requester, start_service, within, WAIT};
use device_config::client::types::{Config, ConfigMode, GetConfigPayload};
use device_config::client::{ConfigSetParams, RequestError};
use device_config::store::{ConfigStore, DEVICE_LABEL};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_rr_gets_the_generated_services_reply() {
    let broker = Mosquitto::start();
    let service = start_service(
        App::new(broker.config().client_id("dc-service")),
        ConfigStore::with_devices(["d1", "d2"]),
        1,
    )
    .await;

    let port = broker.port().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("mosquitto_rr")
            .args(["-h", "127.0.0.1", "-p", &port, "-V", "mqttv5", "-W", "30"])
            // The spec's reply channel: the service replies nowhere else (tests/reply_policy.rs).
            .args([
                "-t",
                "devices/d2/config/get",
                "-e",
                "devices/d2/config/reply",
            ])
            .args(["-m", r#"{"keys": ["device"]}"#])
            .output()
    })
    .await
    .unwrap()
    .expect("mosquitto_rr runs (apt-get install -y mosquitto-clients)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mosquitto_rr failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: serde_json::Value = serde_json::from_str(stdout.trim()).expect("a JSON reply");
    assert_eq!(reply["labels"], serde_json::json!({ "device": "d2" }));
    assert_eq!(reply["mode"], "normal");
    assert_eq!(reply["reportIntervalSeconds"], 60);

    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_client_gets_a_rumqttc_responders_reply() {
    let broker = Mosquitto::start();
    // Answers `devices/{id}/config/get` with a configuration naming the device and the
    // responder; device `broken` gets a reply that is not a configuration.
    let _responder = rumqttc_peer::responder(
        broker.port(),
        "rumqttc-responder",
        "devices/+/config/get",
        |topic, _payload| {
            let device = topic.split('/').nth(1).unwrap_or_default();
            if device == "broken" {
                return br#"{"mode": "turbo"}"#.to_vec();
            }
            serde_json::to_vec(&serde_json::json!({
                "reportIntervalSeconds": 15,
                "mode": "eco",
                "labels": { "device": device, "responder": "rumqttc" },
            }))
            .unwrap()
        },
    )
    .await;
    let (requester, configs) =
        start_requester(App::new(broker.config().client_id("dc-requester"))).await;

    for device in ["d1", "d2"] {
        let config = configs
            .get_config_with(&get(device), &GetConfigPayload::default(), within(WAIT))
            .await
            .expect("reply from the rumqttc responder");
        assert_eq!(config.labels[DEVICE_LABEL], device);
        assert_eq!(config.labels["responder"], "rumqttc");
        assert_eq!(config.report_interval_seconds.get(), 15);
    }

    let error = configs
        .get_config_with(
            &get("broken"),
            &GetConfigPayload::default(),
            within(Duration::from_secs(30)),
        )
        .await
        .expect_err("the reply is not a configuration");
    match &error {
        RequestError::Reply(reason) => assert!(reason.to_string().contains("turbo"), "{reason}"),
        other => panic!("expected a decode error, got {other}"),
    }

    requester.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_config_names_its_reply_topic_in_the_reply_to_header() {
    let broker = Mosquitto::start();
    // Knows only the spec: replies to the `replyTo` header and echoes the `correlationId`
    // header (`setConfig`'s reply address and correlation id locations); it ignores the MQTT 5
    // Response Topic and Correlation Data properties.
    let _responder = rumqttc_peer::responder_with(
        broker.port(),
        "rumqttc-header-responder",
        "devices/+/config/set",
        rumqttc_peer::Addressing::Headers {
            reply_to: "replyTo",
            correlation: "correlationId",
        },
        |topic, payload| {
            let device = topic.split('/').nth(1).unwrap_or_default();
            let mut config: serde_json::Value = serde_json::from_slice(payload).unwrap();
            config["labels"] = serde_json::json!({ "device": device, "responder": "headers" });
            serde_json::to_vec(&config).unwrap()
        },
    )
    .await;
    let (requester, configs) =
        start_requester(App::new(broker.config().client_id("dc-header-requester"))).await;

    let wanted = Config {
        report_interval_seconds: 42.try_into().unwrap(),
        mode: ConfigMode::Boost,
        labels: Default::default(),
    };
    let requests = (0..4).map(|n| {
        let configs = configs.clone();
        let wanted = wanted.clone();
        async move {
            let params = ConfigSetParams {
                device_id: format!("d{n}"),
            };
            (
                n,
                configs
                    .set_config_with(&params, &wanted, within(WAIT))
                    .await,
            )
        }
    });
    for (n, stored) in futures::future::join_all(requests).await {
        let stored = stored.expect("reply sent to the replyTo header");
        assert_eq!(stored.labels[DEVICE_LABEL], format!("d{n}"));
        assert_eq!(stored.labels["responder"], "headers");
        assert_eq!(stored.mode, ConfigMode::Boost);
    }
    assert_eq!(configs.runtime().pending_requests(), 0);
    assert_eq!(configs.runtime().unmatched_replies(), 0);

    requester.shutdown(WAIT).await.unwrap();
}
