//! `cargo run -p streetlights`: the service and three simulated lamps exchange messages.
//!
//! Without `MQTT_URL` everything runs on the in-memory broker (no network). With
//! `MQTT_URL=mqtt://localhost:1883` (and optional `MQTT_USERNAME`/`MQTT_PASSWORD`) the same code
//! talks through a real broker. With `--features otel` it prints the run's OpenTelemetry spans
//! and its metrics (Prometheus text format) at the end.

use std::time::Duration;

use mqttgen::{testing::MemoryBroker, App, Config};
use streetlights::lamp::District;
use streetlights::{app, control::LightControl, lamp, simulator};

#[cfg(feature = "otel")]
mod telemetry;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    #[cfg(feature = "otel")]
    let telemetry = telemetry::install()?;
    let broker = MemoryBroker::new();
    let (service, lamps) = match Config::try_from_env()? {
        Some(config) => {
            println!("broker: {}", config.broker_display());
            (
                App::new(config.clone().client_id("streetlights-service")),
                App::new(config.client_id("streetlights-lamps")),
            )
        }
        None => {
            println!("broker: in-memory (set MQTT_URL to use a real one)");
            (App::in_memory(&broker), App::in_memory(&broker))
        }
    };
    let lamp = simulator::Lamp::default();
    let service = service.mount(app::mount(LightControl)).start().await?;
    let lamps = lamps.mount(lamp::mount(lamp.clone())).start().await?;
    service.ready(Duration::from_secs(10)).await?;
    lamps.ready(Duration::from_secs(10)).await?;

    let publisher = lamp::Publisher::new(lamps.publisher());
    let readings = [
        (District::North, "lamp-1", 40),
        (District::South, "lamp-2", 550),
        (District::East, "lamp-3", 4_000),
    ];
    for (district, id, lumens) in readings {
        println!("lamp {district}/{id}: reporting {lumens} lm");
        simulator::report(&publisher, district, id, lumens).await?;
    }

    // Wait until every lamp got its command.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while lamp.log.lock().map(|l| l.len()).unwrap_or(0) < readings.len() {
        if tokio::time::Instant::now() > deadline {
            return Err("timed out waiting for the lamps' commands".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("done: {} commands delivered", readings.len());
    lamps.shutdown(Duration::from_secs(5)).await?;
    service.shutdown(Duration::from_secs(5)).await?;
    #[cfg(feature = "otel")]
    telemetry.finish()?;
    Ok(())
}
