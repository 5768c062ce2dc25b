//! A request the broker refuses (MQTT 5 PUBACK "not authorized" for an ACL-denied topic) should
//! fail as `PublishRejected` at once instead of waiting for its timeout.

mod common;

use std::time::Duration;

use common::{get, start_requester, within, WAIT};
use device_config::client::types::GetConfigPayload;
use device_config::client::RequestError;
use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{App, Error, Failure, QoS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_broker_refuses_fails_as_publish_rejected() {
    let broker = Mosquitto::start_with(MosquittoOptions {
        users: vec![("svc".into(), "secret".into())],
        // Only the reply inbox and device `open` are allowed: `locked` is refused.
        acl: Some("user svc\ntopic readwrite mqttgen/#\ntopic readwrite devices/open/#\n".into()),
        ..Default::default()
    });
    let config = broker
        .config()
        .credentials("svc", "secret")
        .client_id("dc-refused");
    // The runtime does see the refusal: it reports it to the error hook.
    let rejections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = rejections.clone();
    let app = App::new(config).on_error(move |failure| {
        if let Failure::Publish { error } = failure {
            seen.lock().unwrap().push((*error).clone());
        }
    });
    let (requester, configs) = start_requester(app).await;

    let outcome = configs
        .get_config_with(
            &get("locked"),
            &GetConfigPayload::default(),
            within(Duration::from_secs(10)).qos(QoS::AtLeastOnce),
        )
        .await;
    let reported = rejections.lock().unwrap().clone();
    assert!(
        reported
            .iter()
            .any(|e| matches!(e, Error::PublishRejected { code: 0x87, .. })),
        "the broker refused with PUBACK 0x87: {reported:?}"
    );
    let error = outcome.expect_err("the broker refuses the request");
    assert!(
        matches!(
            error,
            RequestError::Request(Error::PublishRejected { code: 0x87, .. })
        ),
        "{error}"
    );

    requester.shutdown(WAIT).await.unwrap();
}
