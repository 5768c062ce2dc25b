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

/// The client role's preset of a server whose binding names a client id and a last will: its
/// own (generated) client id and no will, so that an app and a client started from the presets
/// on one broker both stay connected and no will is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_and_client_from_the_presets_both_stay_connected_on_one_broker() {
    use mqttgen::testing::mosquitto::Mosquitto;
    use mqttgen::{App, Config, Message, Outgoing, Route, Router};
    use mqttgen_service_snapshots::request_reply::client;
    use std::sync::{Arc, Mutex};

    const WAIT: Duration = Duration::from_secs(20);
    let broker = Mosquitto::start();
    let on_test_broker = |mut config: Config| {
        config.host = "127.0.0.1".into();
        config.port = broker.port();
        config
    };
    let app_config = on_test_broker(LocalServer::default().config().unwrap());
    let client_config = on_test_broker(client::LocalServer::default().config().unwrap());
    assert_eq!(app_config.client_id.as_deref(), Some("thermostat-1"));
    assert!(app_config.last_will.is_some());
    assert_eq!(client_config.client_id, None, "the runtime generates one");
    assert!(client_config.last_will.is_none());

    let seen = Arc::new(Mutex::new(Vec::<Message>::new()));
    let record = seen.clone();
    let watcher = App::new(broker.config())
        .mount(Router::new().route(Route::new(
            "thermostats/#",
            move |message: Message, _: mqttgen::Context| {
                record.lock().unwrap().push(message);
                async { Ok(None) }
            },
        )))
        .start()
        .await
        .unwrap();
    watcher.ready(WAIT).await.unwrap();
    let app = App::new(app_config).start().await.unwrap();
    app.ready(WAIT).await.unwrap();
    let client = App::new(client_config).start().await.unwrap();
    client.ready(WAIT).await.unwrap();
    // After the client connected, each side gets a publish through: a taken-over session
    // would have dropped the app by now.
    for (side, running) in [("app", &app), ("client", &client)] {
        running
            .publisher()
            .publish_confirmed(
                Outgoing::new(format!("thermostats/marker/{side}"), side)
                    .qos(mqttgen::QoS::AtLeastOnce),
            )
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while seen.lock().unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "markers not seen");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for running in [&app, &client] {
        assert_eq!(running.stats().reconnects, 0);
        assert!(running.state().borrow().is_connected());
    }
    let topics: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.topic.clone())
        .collect();
    assert_eq!(
        topics,
        ["thermostats/marker/app", "thermostats/marker/client"],
        "no last will was published"
    );
    for running in [client, app, watcher] {
        running.shutdown(WAIT).await.unwrap();
    }
}
