//! 1,000 concurrent requests from 4 client tasks against the generated service on a real
//! mosquitto: every reply is the one for its own request, and a request nobody answers times out
//! and leaves nothing behind.

mod common;

use std::time::Duration;

use common::{get, start_requester, start_service, within, WAIT};
use device_config::client::types::GetConfigPayload;
use device_config::client::RequestError;
use device_config::store::{ConfigStore, DEVICE_LABEL};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Error};

const TASKS: usize = 4;
const PER_TASK: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_each_get_their_own_reply() {
    let broker = Mosquitto::start();
    let devices: Vec<String> = (0..TASKS * PER_TASK).map(|n| format!("dev-{n}")).collect();
    let store = ConfigStore::with_devices(devices.iter().cloned());
    let service = start_service(App::new(broker.config().client_id("dc-service")), store, 8).await;
    let (requester, configs) =
        start_requester(App::new(broker.config().client_id("dc-requester"))).await;

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let configs = configs.clone();
        let mine: Vec<String> = devices[task * PER_TASK..(task + 1) * PER_TASK].to_vec();
        tasks.push(tokio::spawn(async move {
            let requests = mine.iter().map(|device| {
                let configs = configs.clone();
                async move {
                    // Ask for the device label only: the reply must name this very device.
                    let message = GetConfigPayload {
                        keys: vec![DEVICE_LABEL.into()],
                    };
                    let reply = configs
                        .get_config_with(&get(device), &message, within(Duration::from_secs(120)))
                        .await;
                    (device.clone(), reply)
                }
            });
            futures::future::join_all(requests).await
        }));
    }
    let mut answered = 0;
    for task in tasks {
        for (device, reply) in task.await.expect("task") {
            let config = reply.unwrap_or_else(|e| panic!("request for {device}: {e}"));
            assert_eq!(
                config.labels.get(DEVICE_LABEL),
                Some(&device),
                "reply for {device} carries another device's configuration"
            );
            assert_eq!(config.labels.len(), 1, "{config:?}");
            answered += 1;
        }
    }
    assert_eq!(answered, TASKS * PER_TASK);
    assert_eq!(service.stats().handled as usize, TASKS * PER_TASK);
    assert_eq!(service.stats().handler_errors, 0);
    // Every request's reply arrived: nothing is queued on the requester's connection, the
    // pending-request map is empty and no reply went astray.
    assert_eq!(configs.runtime().pending(), 0);
    assert_eq!(configs.runtime().pending_requests(), 0);
    assert_eq!(configs.runtime().unmatched_replies(), 0);

    // A device nobody answers: a timeout, and the same reply topic is free again afterwards
    // (the runtime refuses a second request waiting on a topic that is still pending).
    let inbox = "test/replies/ghost";
    for _ in 0..2 {
        let error = configs
            .get_config_with(
                &get("ghost"),
                &GetConfigPayload::default(),
                within(Duration::from_millis(500)).response_topic(inbox),
            )
            .await
            .expect_err("nobody answers for ghost");
        assert!(
            matches!(error, RequestError::Request(Error::Timeout(_))),
            "{error}"
        );
    }
    assert_eq!(
        configs.runtime().pending_requests(),
        0,
        "timed-out requests leave no pending entry"
    );
    // And the service is still answering.
    let config = configs
        .get_config_with(&get("dev-7"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect("reply after the timeout");
    assert_eq!(config.labels[DEVICE_LABEL], "dev-7");

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}
