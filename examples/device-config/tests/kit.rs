//! The generated test kits of both sides of `specs/device-config.yaml` (request/reply): the
//! service's handler answers typed requests (`request_*`), and the client's requests are
//! expected and answered (`expect_*`, `reply_*`) as a device would.

use device_config::store::{default_config, ConfigStore};
use device_config::{app, client};

#[tokio::test]
async fn the_service_answers_typed_requests() {
    let kit = app::testing::Harness::start(ConfigStore::with_devices(["d1"])).await;
    let get = app::ConfigGetParams {
        device_id: "d1".into(),
    };
    let config = kit
        .request_get_config(&get, &app::types::GetConfigPayload { keys: vec![] })
        .await;
    assert_eq!(config, default_config("d1"));

    let mut changed = default_config("d1");
    changed.mode = app::types::ConfigMode::Eco;
    let set = app::ConfigSetParams {
        device_id: "d1".into(),
    };
    assert_eq!(kit.request_set_config(&set, &changed).await, changed);
    let config = kit
        .request_get_config(&get, &app::types::GetConfigPayload { keys: vec![] })
        .await;
    assert_eq!(config, changed);
    // The replies went to the kit's private inboxes; nothing else was published.
    kit.assert_nothing_published().await;
}

#[tokio::test]
async fn a_request_the_handler_refuses_names_the_failure() {
    let kit = app::testing::Harness::start(ConfigStore::default()).await;
    kit.kit().set_timeout(std::time::Duration::from_millis(200));
    let error = tokio::spawn(async move {
        let params = app::ConfigGetParams {
            device_id: "unknown".into(),
        };
        kit.request_get_config(&params, &app::types::GetConfigPayload { keys: vec![] })
            .await;
    })
    .await
    .expect_err("no reply: the kit panics");
    let payload = error.into_panic();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("`getConfig`: no reply")
            && message.contains("the handler failed: unknown device `unknown`"),
        "{message}"
    );
}

#[tokio::test]
async fn the_client_requests_are_expected_and_answered() {
    let kit = client::testing::Harness::start().await;
    let publisher = kit.publisher();
    let get = tokio::spawn(async move {
        let params = client::ConfigGetParams {
            device_id: "d2".into(),
        };
        let keys = client::types::GetConfigPayload {
            keys: vec!["device".into()],
        };
        publisher.get_config(&params, &keys).await
    });
    let (params, request) = kit.expect_get_config().await;
    assert_eq!(params.device_id, "d2");
    assert_eq!(request.keys, vec!["device".to_string()]);
    let mut config = client::types::Config {
        report_interval_seconds: std::num::NonZeroU32::new(5).unwrap(),
        mode: client::types::ConfigMode::Normal,
        labels: Default::default(),
    };
    config.labels.insert("device".into(), "d2".into());
    kit.reply_get_config(&config).await;
    assert_eq!(get.await.unwrap().unwrap(), config);

    let publisher = kit.publisher();
    let sent = config.clone();
    let set = tokio::spawn(async move {
        let params = client::ConfigSetParams {
            device_id: "d2".into(),
        };
        publisher.set_config(&params, &sent).await
    });
    kit.expect_set_config_eq(
        client::ConfigSetParams {
            device_id: "d2".into(),
        },
        config.clone(),
    )
    .await;
    kit.reply_set_config(&config).await;
    assert_eq!(set.await.unwrap().unwrap(), config);
    kit.assert_nothing_published().await;
}
