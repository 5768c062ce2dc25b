//! Broker-side helpers on top of `mqttgen::testing::mosquitto`.

use mqttgen::config::Backoff;
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::Config;
use std::net::TcpListener;
use std::time::Duration;

/// A [`Config`] for `broker` that reconnects quickly (50 ms → 500 ms), so restart tests do not
/// wait on the production backoff.
pub fn config(broker: &Mosquitto) -> Config {
    quick_backoff(broker.config())
}

/// `config` with a reconnect backoff of 50 ms → 500 ms.
pub fn quick_backoff(mut config: Config) -> Config {
    config.backoff = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(500),
        ..Backoff::default()
    };
    config
}

/// A free port on 127.0.0.1, never 1883.
pub fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
        let port = listener.local_addr().expect("local address").port();
        if port != 1883 {
            return port;
        }
    }
}

/// CONNECT packets the broker answered, counted from its log (one `Sending CONNACK` line each,
/// accepted or refused). Plain TCP probes that send no CONNECT are not counted.
pub fn connect_attempts(broker: &Mosquitto) -> usize {
    broker
        .log()
        .lines()
        .filter(|line| line.contains("Sending CONNACK"))
        .count()
}

/// Publishes every line of `lines` as one message to `topic` with `mosquitto_pub -l` (a
/// separate process, so the test process's memory is the service's alone). Returns once
/// mosquitto_pub has handed every message to the broker (QoS 1: acknowledged).
pub fn mosquitto_pub_lines(broker: &Mosquitto, topic: &str, qos: u8, lines: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &broker.port().to_string()])
        .args(["-t", topic, "-q", &qos.to_string(), "-l"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect(
            "mosquitto_pub is not installed; install it with `apt-get install mosquitto-clients`",
        );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("feed mosquitto_pub");
    let status = child.wait().expect("mosquitto_pub finished");
    assert!(status.success(), "mosquitto_pub failed: {status}");
}
