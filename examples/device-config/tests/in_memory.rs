//! The generated service and client on the in-memory broker: replies, correlation, keys,
//! timeouts and their clean-up, shutdown and replies that do not decode.

mod common;

use std::time::Duration;

use common::{get, json, start_requester, start_service, within, WAIT};
use device_config::client::types::{Config, ConfigMode, GetConfigPayload};
use device_config::client::{ConfigSetParams, RequestError};
use device_config::store::{default_config, ConfigStore, DEVICE_LABEL};
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Error, Outgoing, Route, Router};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_returns_the_devices_configuration_and_only_the_keys_asked() {
    let broker = MemoryBroker::new();
    let store = ConfigStore::with_devices(["d1", "d2"]);
    let service = start_service(App::in_memory(&broker), store, 1).await;
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    let all = configs
        .get_config_with(&get("d2"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect("reply");
    assert_eq!(json(&all), json(&default_config("d2")));

    let none = GetConfigPayload {
        keys: vec!["no-such-label".into()],
    };
    let filtered = configs
        .get_config_with(&get("d1"), &none, within(WAIT))
        .await
        .expect("reply");
    assert!(filtered.labels.is_empty(), "{filtered:?}");
    assert_eq!(filtered.mode, ConfigMode::Normal);

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_stores_the_configuration_and_returns_it() {
    let broker = MemoryBroker::new();
    let store = ConfigStore::default();
    let service = start_service(App::in_memory(&broker), store.clone(), 1).await;
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    let wanted = Config {
        report_interval_seconds: 5.try_into().unwrap(),
        mode: ConfigMode::Boost,
        labels: [("site".to_owned(), "lab".to_owned())].into(),
    };
    let params = ConfigSetParams {
        device_id: "d9".into(),
    };
    let stored = configs
        .set_config_with(&params, &wanted, within(WAIT))
        .await
        .expect("reply");
    assert_eq!(stored.mode, ConfigMode::Boost);
    assert_eq!(stored.labels.get("site").map(String::as_str), Some("lab"));
    assert_eq!(
        stored.labels.get(DEVICE_LABEL).map(String::as_str),
        Some("d9")
    );
    assert_eq!(json(&store.get("d9")), json(&Some(&stored)));

    let read_back = configs
        .get_config_with(&get("d9"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect("reply");
    assert_eq!(read_back, stored);

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_announces_a_private_response_topic_and_the_reply_echoes_its_correlation() {
    let broker = MemoryBroker::new();
    let service = start_service(
        App::in_memory(&broker),
        ConfigStore::with_devices(["d1"]),
        1,
    )
    .await;
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    for _ in 0..2 {
        configs
            .get_config_with(&get("d1"), &GetConfigPayload::default(), within(WAIT))
            .await
            .expect("reply");
    }
    broker.settle_within(WAIT).await.unwrap();

    let requests = broker.published_to("devices/+/config/get");
    assert_eq!(requests.len(), 2);
    let inbox = format!("mqttgen/replies/{}/", requester.client_id());
    let mut correlations = Vec::new();
    for request in &requests {
        let topic = request
            .properties
            .response_topic
            .clone()
            .expect("response topic");
        assert!(topic.starts_with(&inbox), "{topic} is not in {inbox}");
        let correlation = request
            .properties
            .correlation_data
            .clone()
            .expect("correlation data");
        let replies = broker.published_to(&topic);
        assert_eq!(replies.len(), 1, "one reply on {topic}");
        assert_eq!(
            replies[0].properties.correlation_data.as_ref(),
            Some(&correlation)
        );
        correlations.push(correlation);
    }
    assert_ne!(
        correlations[0], correlations[1],
        "each request has its own correlation"
    );
    // The inbox is subscribed once, whatever the number of requests.
    let subscriptions = broker.subscriptions();
    let inbox_filters = subscriptions
        .values()
        .flatten()
        .filter(|filter| filter.starts_with(&inbox))
        .count();
    assert_eq!(inbox_filters, 1, "{subscriptions:?}");

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_request_leaves_nothing_behind() {
    let broker = MemoryBroker::new();
    let store = ConfigStore::default();
    let service = start_service(App::in_memory(&broker), store.clone(), 1).await;
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    // Nobody answers for an unknown device. The fixed response topic lets us see the pending
    // entry: the runtime refuses a second request waiting on the same topic. (The service
    // replies only on its reply channel or a private inbox: see tests/reply_policy.rs.)
    let inbox = "devices/ghost/config/reply";
    let short = || within(Duration::from_millis(300)).response_topic(inbox);
    for _ in 0..2 {
        let error = configs
            .get_config_with(&get("ghost"), &GetConfigPayload::default(), short())
            .await
            .expect_err("nobody answers");
        assert!(
            matches!(error, RequestError::Request(Error::Timeout(_))),
            "{error}"
        );
    }
    // Once the device exists, the same topic works again: the timed-out entries are gone.
    configs
        .set_config_with(
            &ConfigSetParams {
                device_id: "ghost".into(),
            },
            &serde_json::from_value(json(&default_config("ghost"))).unwrap(),
            within(WAIT),
        )
        .await
        .expect("set");
    let config = configs
        .get_config_with(
            &get("ghost"),
            &GetConfigPayload::default(),
            within(WAIT).response_topic(inbox),
        )
        .await
        .expect("reply after the timeouts");
    assert_eq!(config.labels[DEVICE_LABEL], "ghost");

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_request_leaves_nothing_behind() {
    let broker = MemoryBroker::new();
    let service = start_service(App::in_memory(&broker), ConfigStore::default(), 1).await;
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    let inbox = "test/replies/cancelled";
    let waiting = {
        let configs = configs.clone();
        tokio::spawn(async move {
            configs
                .get_config_with(
                    &get("ghost"),
                    &GetConfigPayload::default(),
                    within(WAIT).response_topic(inbox),
                )
                .await
        })
    };
    broker
        .wait_for_publish("devices/ghost/config/get", WAIT)
        .await
        .expect("request sent");
    waiting.abort();
    let _ = waiting.await;

    let error = configs
        .get_config_with(
            &get("ghost"),
            &GetConfigPayload::default(),
            within(Duration::from_millis(300)).response_topic(inbox),
        )
        .await
        .expect_err("nobody answers");
    assert!(
        matches!(error, RequestError::Request(Error::Timeout(_))),
        "the cancelled request is still pending: {error}"
    );

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_after_shutdown_fails_as_disconnected() {
    let broker = MemoryBroker::new();
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;
    requester.shutdown(WAIT).await.unwrap();

    let error = configs
        .get_config_with(
            &get("d1"),
            &GetConfigPayload::default(),
            within(Duration::from_secs(5)),
        )
        .await
        .expect_err("the runtime is shut down");
    assert!(
        matches!(error, RequestError::Request(Error::Disconnected(_))),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_does_not_decode_says_why() {
    let broker = MemoryBroker::new();
    // A responder that answers with a configuration missing its required `mode`.
    let broken = Router::new().route(Route::new(
        "devices/{deviceId}/config/get",
        |request: mqttgen::Message, _context: mqttgen::Context| async move {
            Ok(Outgoing::reply_to(
                &request,
                r#"{"reportIntervalSeconds": 5}"#,
            ))
        },
    ));
    let service = App::in_memory(&broker).mount(broken).start().await.unwrap();
    service.ready(WAIT).await.unwrap();
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    let error = configs
        .get_config_with(&get("d1"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect_err("the reply lacks `mode`");
    match &error {
        RequestError::Reply(reason) => {
            assert!(reason.to_string().contains("mode"), "{reason}")
        }
        other => panic!("expected a decode error, got {other}"),
    }

    requester.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_the_client_cannot_publish_fails_before_sending() {
    let broker = MemoryBroker::new();
    let (requester, configs) = start_requester(App::in_memory(&broker)).await;

    // A device id that would change the topic's shape.
    let error = configs
        .get_config_with(&get("a/b"), &GetConfigPayload::default(), within(WAIT))
        .await
        .expect_err("`/` in a topic parameter");
    assert!(
        matches!(error, RequestError::Request(Error::InvalidTopic { .. })),
        "{error}"
    );
    // A request larger than the connection's maximum packet size (16 MiB in memory).
    let huge = Config {
        report_interval_seconds: 5.try_into().unwrap(),
        mode: ConfigMode::Eco,
        labels: (0..250_000)
            .map(|n| (format!("label-{n}"), "x".repeat(64)))
            .collect(),
    };
    let error = configs
        .set_config_with(
            &ConfigSetParams {
                device_id: "d1".into(),
            },
            &huge,
            within(WAIT),
        )
        .await
        .expect_err("too large to publish");
    assert!(
        matches!(error, RequestError::Request(Error::PayloadTooLarge { .. })),
        "{error}"
    );
    broker.settle_within(WAIT).await.unwrap();
    assert!(broker.published_to("devices/#").is_empty());

    requester.shutdown(WAIT).await.unwrap();
}
