//! Offline subscriber: the generated streetlights service with a persistent session goes away,
//! 1,000 QoS 1 measurements are published meanwhile, and it receives every one of them, in
//! order, when it comes back — under MQTT 5 and MQTT 3.1.1.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Config, Protocol, RunningApp};
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::{publish_readings, CountingLights};
use mqttgen_proof::wait::wait_until;
use std::time::Duration;
use streetlights::lamp;

const QUEUED: u32 = 1_000;
const T: Duration = Duration::from_secs(60);

async fn start_service(config: Config, lights: &CountingLights) -> RunningApp {
    let service = App::new(config)
        .mount(lights.router())
        .start()
        .await
        .expect("start the service");
    service.ready(T).await.expect("service subscribed");
    service
}

async fn queued_while_offline(protocol: Protocol) {
    let broker = Mosquitto::start();
    let session = || {
        config(&broker)
            .protocol(protocol)
            .client_id(format!("proof-offline-{protocol:?}"))
            .persistent_session(Duration::from_secs(3600))
    };
    let lights = CountingLights::default();
    // Subscribe once, then go away; the broker keeps the session.
    start_service(session(), &lights)
        .await
        .shutdown(T)
        .await
        .expect("stop the service");

    let lamps = App::new(config(&broker).protocol(protocol))
        .start()
        .await
        .expect("start the lamp publisher");
    lamps.ready(T).await.expect("lamp publisher connected");
    publish_readings(&lamp::Publisher::new(lamps.publisher()), 0..QUEUED)
        .await
        .expect("queue the measurements");
    wait_until(
        "the broker to acknowledge every publish",
        T,
        || lamps.publisher().pending() == 0,
        || format!("pending {}", lamps.publisher().pending()),
    )
    .await;
    assert_eq!(
        lights.tally.deliveries(),
        0,
        "nothing arrives while offline"
    );

    let service = start_service(session(), &lights).await;
    let tally = lights.tally.clone();
    wait_until(
        "every message queued while offline",
        T,
        || tally.distinct() == u64::from(QUEUED),
        || format!("distinct {}", tally.distinct()),
    )
    .await;
    let name = format!("offline ({protocol:?})");
    figure(&name, "queued while the service was away", QUEUED);
    figure(
        &name,
        "distinct messages received on return",
        tally.distinct(),
    );
    figure(&name, "duplicates", tally.duplicates());
    figure(&name, "lost", tally.missing(u64::from(QUEUED)));
    let in_order: Vec<u64> = (0..u64::from(QUEUED)).collect();
    assert_eq!(tally.order(), in_order, "all of them, once each, in order");

    lamps.shutdown(T).await.expect("stop the lamp publisher");
    service.shutdown(T).await.expect("stop the service");
}

#[tokio::test]
async fn persistent_session_receives_what_was_queued_while_offline_v5() {
    queued_while_offline(Protocol::V5).await;
}

#[tokio::test]
async fn persistent_session_receives_what_was_queued_while_offline_v311() {
    queued_while_offline(Protocol::V311).await;
}
