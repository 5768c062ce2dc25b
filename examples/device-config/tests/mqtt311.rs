//! Request/reply under MQTT 3.1.1, which carries neither a response topic nor correlation data:
//! the requester waits on the spec's reply channel (`devices/{deviceId}/config/reply`, from
//! `Publisher::spec_reply_channels` or given per call) and the generated service replies there,
//! its parameters taken from the request's topic. Without a reply topic the request fails before
//! anything is sent.

mod common;

use common::{get, start_requester, start_service, within, WAIT};
use device_config::client::types::{Config, ConfigMode, GetConfigPayload};
use device_config::client::{ConfigReplyParams, ConfigSetParams, RequestError};
use device_config::store::{ConfigStore, DEVICE_LABEL};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Error, Protocol, TopicParams};

fn reply_topic(device: &str) -> String {
    ConfigReplyParams {
        device_id: device.into(),
    }
    .topic()
    .expect("valid device id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_mqtt_3_1_1_use_the_specs_reply_channel() {
    let broker = Mosquitto::start();
    let v311 = |id: &str| broker.config().protocol(Protocol::V311).client_id(id);
    let service = start_service(
        App::new(v311("dc-service-311")),
        ConfigStore::with_devices(["d1"]),
        1,
    )
    .await;
    let (requester, configs) = start_requester(App::new(v311("dc-requester-311"))).await;

    // No reply topic: a clear error, and nothing reaches the service.
    let error = configs
        .get_config_with(&get("d1"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect_err("3.1.1 needs a reply topic");
    match &error {
        RequestError::Request(Error::Config(reason)) => {
            assert!(reason.contains("3.1.1"), "{reason}")
        }
        other => panic!("expected a configuration error, got {other}"),
    }

    // The reply topic from the spec: the publisher fills in the reply channel's parameters.
    let from_spec = configs.clone().spec_reply_channels();
    let config = from_spec
        .get_config_with(&get("d1"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect("reply on the spec's reply channel");
    assert_eq!(config.labels[DEVICE_LABEL], "d1");

    let wanted = Config {
        report_interval_seconds: 30.try_into().unwrap(),
        mode: ConfigMode::Eco,
        labels: Default::default(),
    };
    let stored = configs
        .set_config_with(
            &ConfigSetParams {
                device_id: "d2".into(),
            },
            &wanted,
            within(WAIT).response_topic(reply_topic("d2")),
        )
        .await
        .expect("reply to setConfig on the reply topic given");
    assert_eq!(stored.mode, ConfigMode::Eco);
    assert_eq!(stored.labels[DEVICE_LABEL], "d2");

    // Only the two requests with a reply topic were sent.
    assert_eq!(service.stats().received, 2);

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}
