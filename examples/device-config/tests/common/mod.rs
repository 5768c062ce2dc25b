//! Shared set-up for the device-config tests: start the generated service and a requester.

#![allow(dead_code)]

use std::time::Duration;

use device_config::client::{self, ConfigGetParams};
use device_config::{app, store::ConfigStore};
use mqttgen::{App, RunningApp};

/// Generous bound for anything that should happen promptly (a loaded machine is slow).
pub const WAIT: Duration = Duration::from_secs(30);

/// Starts the generated configuration service on `app` with `store`, answering `getConfig`
/// with `workers` handlers at once.
pub async fn start_service(app: App, store: ConfigStore, workers: usize) -> RunningApp {
    let mut routes = app::routes(std::sync::Arc::new(store));
    routes.get_config = routes.get_config.max_workers(workers);
    let service = app
        .mount(routes.into_router())
        .start()
        .await
        .expect("service starts");
    service.ready(WAIT).await.expect("service connects");
    service
}

/// Starts a requester (no routes) on `app` and returns it with its generated publisher.
pub async fn start_requester(app: App) -> (RunningApp, client::Publisher) {
    let requester = app.start().await.expect("requester starts");
    requester.ready(WAIT).await.expect("requester connects");
    let publisher = client::Publisher::new(requester.publisher());
    (requester, publisher)
}

/// Topic parameters of a `getConfig` request to `device`.
pub fn get(device: &str) -> ConfigGetParams {
    ConfigGetParams {
        device_id: device.into(),
    }
}

/// Request options with the given reply timeout.
pub fn within(timeout: Duration) -> client::PublishOptions {
    client::PublishOptions::new().timeout(timeout)
}

/// `value` as JSON: compares the service's and the client's generated types (same schema, two
/// modules).
pub fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("serializes")
}
