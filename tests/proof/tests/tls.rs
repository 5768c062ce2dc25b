//! TLS: a mosquitto TLS listener with a CA and certificates made at test time (`openssl`).
//!
//! * Trusting the CA, the generated streetlights service and lamp publisher talk over TLS.
//! * Trusting a different CA, the service never connects and its state names the certificate
//!   problem.
//! * On a listener that requires client certificates (mutual TLS), a client certificate signed
//!   by the CA connects and messages flow; without one the handshake is refused.

use mqttgen::config::{TlsConfig, TlsRoots};
use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{App, Config, ConnectionState, RunningApp};
use mqttgen_proof::broker::{free_port, quick_backoff};
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::{publish_readings, CountingLights};
use mqttgen_proof::pki::Pki;
use mqttgen_proof::wait::wait_until;
use std::net::TcpStream;
use std::time::Duration;
use streetlights::lamp;

const T: Duration = Duration::from_secs(30);

/// A broker with a plain listener (the helper's) and a TLS listener on `tls_port`.
fn tls_broker(pki: &Pki, require_client_cert: bool) -> (Mosquitto, u16) {
    let tls_port = free_port();
    let broker = Mosquitto::start_with(MosquittoOptions {
        extra: pki.listener(tls_port, require_client_cert),
        ..MosquittoOptions::default()
    });
    // mosquitto opens every listener before serving the first; make sure anyway.
    let addr = ("127.0.0.1", tls_port);
    let deadline = std::time::Instant::now() + T;
    while TcpStream::connect(addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "TLS listener on {tls_port} did not open; log:\n{}",
            broker.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (broker, tls_port)
}

/// A TLS config for the listener on `port` trusting `ca`, with the client certificate of `pki`
/// when given.
fn tls_config(port: u16, ca: std::path::PathBuf, client_cert: Option<&Pki>) -> Config {
    let tls = TlsConfig {
        roots: TlsRoots::CaFile(ca),
        client_cert: client_cert.map(|pki| (pki.file("client.pem"), pki.file("client.key"))),
        ..TlsConfig::default()
    };
    quick_backoff(Config::new("127.0.0.1", port).tls(tls))
}

/// The service and the lamp publisher exchange one measurement over `config`'s connection.
async fn round_trip(config: impl Fn() -> Config) -> u64 {
    let lights = CountingLights::default();
    let service = start(config(), &lights).await;
    let lamps = App::new(config()).start().await.expect("start lamps");
    lamps.ready(T).await.expect("lamps connected over TLS");
    publish_readings(&lamp::Publisher::new(lamps.publisher()), 0..10)
        .await
        .expect("publish over TLS");
    let tally = lights.tally.clone();
    wait_until(
        "10 measurements over TLS",
        T,
        || tally.distinct() == 10,
        || format!("distinct {}", tally.distinct()),
    )
    .await;
    lamps.shutdown(T).await.expect("stop lamps");
    service.shutdown(T).await.expect("stop service");
    tally.distinct()
}

async fn start(config: Config, lights: &CountingLights) -> RunningApp {
    let service = App::new(config)
        .mount(lights.router())
        .start()
        .await
        .expect("start the service");
    service.ready(T).await.expect("service connected over TLS");
    service
}

/// Starts a service that must not connect; returns the error its state reports after the
/// first failed attempt.
async fn refused(config: Config) -> String {
    let service = App::new(config)
        .mount(CountingLights::default().router())
        .start()
        .await
        .expect("start the service");
    let mut state = service.state();
    let failed = tokio::time::timeout(
        T,
        state.wait_for(|s| {
            matches!(
                s,
                ConnectionState::Reconnecting { .. }
                    | ConnectionState::Failed { .. }
                    | ConnectionState::Connected { .. }
            )
        }),
    )
    .await
    .expect("a connection attempt finishes")
    .expect("the runtime is running")
    .clone();
    service.shutdown(T).await.expect("stop the service");
    match failed {
        ConnectionState::Reconnecting { error, .. } => error,
        ConnectionState::Failed { error } => error.to_string(),
        other => panic!("must not connect, state is {other:?}"),
    }
}

#[tokio::test]
async fn tls_with_the_right_ca_connects_and_the_wrong_ca_fails_clearly() {
    let pki = Pki::generate();
    let (_broker, port) = tls_broker(&pki, false);
    let handled = round_trip(|| tls_config(port, pki.file("ca.pem"), None)).await;
    figure("tls", "messages over TLS (server auth)", handled);

    let error = refused(tls_config(port, pki.file("wrong-ca.pem"), None)).await;
    figure("tls", "wrong CA error", &error);
    assert!(
        error.contains("UnknownIssuer"),
        "the error names the certificate problem (UnknownIssuer): {error}"
    );
}

#[tokio::test]
async fn mutual_tls_with_a_client_certificate() {
    let pki = Pki::generate();
    let (_broker, port) = tls_broker(&pki, true);
    let handled = round_trip(|| tls_config(port, pki.file("ca.pem"), Some(&pki))).await;
    figure("tls", "messages over mutual TLS", handled);

    let error = refused(tls_config(port, pki.file("ca.pem"), None)).await;
    figure("tls", "mutual TLS without a client certificate", &error);
    assert!(
        error.to_lowercase().contains("certificate"),
        "the error names the missing certificate: {error}"
    );
}
