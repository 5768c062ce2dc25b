//! Generated server presets: variables, protocol version and the MQTT server binding become a
//! runtime `Config`; credentials come from the environment only.

use std::time::Duration;

use mqttgen::{Protocol, QoS};
use mqttgen_service_snapshots::edge_cases::app::EdgeServer;
use mqttgen_service_snapshots::request_reply::app::{LocalServer, LocalServerPort};
use mqttgen_service_snapshots::streetlights_v3::app::ProductionServer;

#[test]
fn binding_and_variables_become_the_config() {
    let local = LocalServer::default();
    assert_eq!(local.port, LocalServerPort::N1883, "the spec's default");
    assert_eq!(local.url(), "mqtt://localhost:1883");
    let config = local.config().unwrap();
    assert_eq!((config.host.as_str(), config.port), ("localhost", 1883));
    assert_eq!(config.protocol, Protocol::V5);
    assert_eq!(config.client_id.as_deref(), Some("thermostat-1"));
    assert!(!config.clean_start);
    assert_eq!(config.keep_alive, Duration::from_secs(60));
    assert_eq!(config.session_expiry, Some(Duration::from_secs(3600)));
    let will = config.last_will.expect("last will");
    assert_eq!(
        (
            will.topic.as_str(),
            &will.payload[..],
            will.qos,
            will.retain
        ),
        (
            "thermostats/status",
            &b"offline"[..],
            QoS::AtLeastOnce,
            true
        )
    );
    let tls_port = LocalServer {
        port: LocalServerPort::N8883,
    };
    assert_eq!(tls_port.config().unwrap().port, 8883);
}

#[test]
fn string_variables_protocols_and_paths() {
    let edge = EdgeServer {
        host: "broker.example".into(),
    };
    assert_eq!(edge.url(), "wss://broker.example:8883/mqtt");
    let config = edge.config().unwrap();
    assert_eq!(config.protocol, Protocol::V311);
    assert_eq!(config.ws_path, "/mqtt");
    assert_eq!(config.transport, mqttgen::config::Transport::Wss);
    assert_eq!(
        ProductionServer::default().url(),
        "mqtt://test.mosquitto.org:1883"
    );
}

#[test]
fn credentials_come_from_the_environment_and_say_what_is_missing() {
    // The only test in this binary touching these variables.
    for name in [
        "MQTT_USERNAME",
        "MQTT_PASSWORD",
        "MQTT_TOKEN",
        "MQTT_CLIENT_CERT",
        "MQTT_CLIENT_KEY",
    ] {
        std::env::remove_var(name);
    }
    let error = LocalServer::default().config_from_env().unwrap_err();
    assert!(error.to_string().contains("MQTT_USERNAME"), "{error}");
    std::env::set_var("MQTT_USERNAME", "thermostat");
    std::env::set_var("MQTT_PASSWORD", "s3cret");
    let config = LocalServer::default().config_from_env().unwrap();
    let credentials = config.credentials.expect("credentials");
    assert_eq!(credentials.username, "thermostat");
    assert_eq!(credentials.password.expose(), "s3cret");
    std::env::remove_var("MQTT_USERNAME");
    std::env::remove_var("MQTT_PASSWORD");
}
