//! A greenhouse IoT service written code-first: no spec, just annotated Rust.
//!
//! * `handle_temperature` receives readings from `devices/{device_id}/temperature` through the
//!   shared subscription group `ingest` and raises an alert when it is too hot;
//! * `get_status` answers requests on `devices/{device_id}/status/get` on the request's MQTT 5
//!   response topic;
//! * `handle_command` executes commands and acknowledges them on `devices/{device_id}/commands/ack`;
//! * `publish_alert` and `config_message` are typed publishers.
//!
//! [`service`] lists them; `cargo run -p code-first-example --bin asyncapi` prints the AsyncAPI
//! document (committed as `asyncapi.yaml` and checked by `tests/asyncapi.rs`).

use mqttgen::asyncapi::{ChannelDoc, Server, Service};
use mqttgen::{Context, HandlerError, Outgoing, Publisher};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Temperature above which [`handle_temperature`] raises an alert.
pub const OVERHEAT_CELSIUS: f64 = 40.0;

/// A measurement sent by a greenhouse sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reading {
    /// Air temperature in degrees Celsius.
    pub celsius: f64,
    /// Relative humidity in percent, if the sensor has one.
    pub humidity: Option<f32>,
    /// Battery state, if battery powered.
    pub battery: Option<Battery>,
}

/// Battery of a sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Battery {
    /// Charge in percent.
    pub percent: u8,
    /// Charging state.
    pub state: BatteryState,
}

/// Charging state of a battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatteryState {
    /// On external power and charging.
    Charging,
    /// Running on battery.
    Discharging,
    /// On external power, fully charged.
    Full,
}

/// Raised when a device reports a temperature above [`OVERHEAT_CELSIUS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alert {
    /// The device that reported it.
    pub device_id: String,
    /// The reported temperature.
    pub celsius: f64,
    /// How serious it is.
    pub severity: Severity,
}

/// Alert severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Above the threshold.
    Warning,
    /// More than 10 °C above the threshold.
    Critical,
}

/// A status request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StatusRequest {
    /// Include the firmware version in the answer.
    #[serde(default)]
    pub with_firmware: bool,
}

/// The answer to a [`StatusRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceStatus {
    /// The device.
    pub device_id: String,
    /// Whether the device is online.
    pub online: bool,
    /// Firmware version, when requested.
    pub firmware: Option<String>,
}

/// A command for a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    /// Restart the device.
    Reboot,
    /// Change how often the device reports.
    SetInterval {
        /// Seconds between readings.
        seconds: u32,
    },
}

/// Acknowledgement of a [`Command`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandAck {
    /// The device.
    pub device_id: String,
    /// Whether the command was accepted.
    pub accepted: bool,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// Configuration pushed to a device (retained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceConfig {
    /// Seconds between readings.
    pub interval_seconds: u32,
    /// Alert threshold in degrees Celsius.
    pub overheat_celsius: f64,
}

/// Stores a temperature reading.
///
/// Readings above the overheat threshold raise an [`Alert`] on `alerts/{device_id}/overheat`.
#[mqttgen::subscriber(
    "devices/{device_id}/temperature",
    qos = 1,
    shared = "ingest",
    params(device_id = "Identifier of the sensor, e.g. `gh1-s07`.")
)]
pub async fn handle_temperature(
    device_id: String,
    reading: Reading,
    ctx: Context,
) -> Result<(), HandlerError> {
    if reading.celsius > OVERHEAT_CELSIUS {
        let severity = if reading.celsius > OVERHEAT_CELSIUS + 10.0 {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let alert = Alert {
            device_id: device_id.clone(),
            celsius: reading.celsius,
            severity,
        };
        publish_alert(ctx.publisher(), &device_id, &alert).await?;
    }
    Ok(())
}

/// Answers a status request (request/reply over the MQTT 5 response topic).
#[mqttgen::subscriber("devices/{device_id}/status/get", qos = 1)]
pub async fn get_status(
    device_id: String,
    request: StatusRequest,
) -> Result<DeviceStatus, HandlerError> {
    Ok(DeviceStatus {
        device_id,
        online: true,
        firmware: request.with_firmware.then(|| "1.4.2".to_owned()),
    })
}

/// Executes a command and acknowledges it.
#[mqttgen::subscriber(
    "devices/{device_id}/commands",
    qos = 2,
    reply_topic = "devices/{device_id}/commands/ack",
    tags("commands")
)]
pub async fn handle_command(
    device_id: String,
    command: Command,
) -> Result<CommandAck, HandlerError> {
    let refused = match command {
        Command::SetInterval { seconds } if seconds < 5 => Some("interval below 5 s".to_owned()),
        _ => None,
    };
    Ok(CommandAck {
        device_id,
        accepted: refused.is_none(),
        reason: refused,
    })
}

/// Publishes an overheat alert.
#[mqttgen::publisher("alerts/{device_id}/overheat", qos = 1)]
pub async fn publish_alert(
    publisher: &Publisher,
    device_id: &str,
    alert: &Alert,
) -> Result<(), mqttgen::Error>;

/// Builds the retained configuration message of a device.
#[mqttgen::publisher("devices/{device_id}/config", qos = 1, retain)]
pub fn config_message(device_id: &str, config: &DeviceConfig) -> Result<Outgoing, mqttgen::Error>;

/// The service: its endpoints, servers and channel descriptions, listed explicitly.
pub fn service() -> Service {
    let production = mqttgen::Config::from_url(
        "mqtts://greenhouse:secret@broker.example.com:8883?client_id=greenhouse-1&keep_alive=60",
    )
    .expect("valid broker URL");
    Service::new("Greenhouse telemetry", "1.0.0")
        .description(
            "Temperature readings, alerts, status requests and commands of greenhouse sensors.",
        )
        .server_from_config("production", &production)
        .server(
            Server::new("local", "localhost:1883", "mqtt")
                .protocol_version("5")
                .description("A broker on the developer's machine."),
        )
        .channel(
            ChannelDoc::new("devices/{device_id}/temperature")
                .description("Readings of one sensor, every 30 s by default."),
        )
        .handler::<handle_temperature>()
        .handler::<get_status>()
        .handler::<handle_command>()
        .publisher::<publish_alert>()
        .publisher::<config_message>()
}
