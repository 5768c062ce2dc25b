//! `cargo run -p device-config`: the configuration service answers get/set requests from the
//! generated client.
//!
//! Without `MQTT_URL` everything runs on the in-memory broker (no network). With
//! `MQTT_URL=mqtt://localhost:1883` (MQTT 5; optional `MQTT_USERNAME`/`MQTT_PASSWORD`) the same
//! code talks through a real broker.

use std::time::Duration;

use device_config::client::{self, types::ConfigMode, ConfigGetParams, ConfigSetParams};
use device_config::{app, store::ConfigStore};
use mqttgen::{testing::MemoryBroker, App, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let broker = MemoryBroker::new();
    let (service, requester) = match Config::try_from_env()? {
        Some(config) => {
            println!("broker: {}", config.broker_display());
            (
                App::new(config.clone().client_id("device-config-service")),
                App::new(config.client_id("device-config-client")),
            )
        }
        None => {
            println!("broker: in-memory (set MQTT_URL to use a real one)");
            (App::in_memory(&broker), App::in_memory(&broker))
        }
    };
    let store = ConfigStore::with_devices(["d1", "d2"]);
    let service = service.mount(app::mount(store)).start().await?;
    let requester = requester.start().await?;
    service.ready(Duration::from_secs(10)).await?;
    requester.ready(Duration::from_secs(10)).await?;
    let configs = client::Publisher::new(requester.publisher());
    let timeout = client::PublishOptions::new().timeout(Duration::from_secs(10));

    for device in ["d1", "d2"] {
        let params = ConfigGetParams {
            device_id: device.into(),
        };
        let config = configs
            .get_config_with(&params, &Default::default(), timeout.clone())
            .await?;
        println!(
            "get {device}: every {} s, {:?}, labels {:?}",
            config.report_interval_seconds, config.mode, config.labels
        );
    }

    let mut boosted = configs
        .get_config(
            &ConfigGetParams {
                device_id: "d1".into(),
            },
            &Default::default(),
        )
        .await?;
    boosted.mode = ConfigMode::Boost;
    boosted.report_interval_seconds = 5.try_into()?;
    let params = ConfigSetParams {
        device_id: "d1".into(),
    };
    let stored = configs
        .set_config_with(&params, &boosted, timeout.clone())
        .await?;
    println!(
        "set d1: every {} s, {:?} (confirmed by the service)",
        stored.report_interval_seconds, stored.mode
    );

    let unknown = ConfigGetParams {
        device_id: "nobody".into(),
    };
    let short = client::PublishOptions::new().timeout(Duration::from_millis(500));
    match configs
        .get_config_with(&unknown, &Default::default(), short)
        .await
    {
        Err(error) => println!("get nobody: {error}"),
        Ok(config) => println!("get nobody: unexpected reply {config:?}"),
    }

    requester.shutdown(Duration::from_secs(5)).await?;
    service.shutdown(Duration::from_secs(5)).await?;
    Ok(())
}
