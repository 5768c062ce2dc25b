//! Broker restart (MQTT 5 and 3.1.1): 10,000 QoS 1 measurements from the generated lamp publisher reach the
//! generated streetlights service although the broker is stopped and started again mid-stream.
//!
//! The broker persists to disk and the service has a persistent session (clean start off, session
//! expiry 1 h), so messages queued for it survive the restart. The publisher is a separate
//! client with a clean session: what it publishes while the broker is down waits in the
//! runtime's outbox, and publishes the broker had not acknowledged are sent again.
//!
//! The broker is stopped with SIGTERM so it writes its persistence file: with SIGKILL mosquitto
//! loses whatever it acknowledged since its last autosave, which no client can recover.

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{App, ConnectionState, Protocol};
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::{publish_readings, CountingLights};
use mqttgen_proof::wait::wait_until;
use std::time::Duration;
use streetlights::lamp;

const TOTAL: u32 = 10_000;
const BEFORE_RESTART: u32 = 5_000;
const T: Duration = Duration::from_secs(120);

async fn restart_mid_stream(protocol: Protocol) {
    let mut broker = Mosquitto::start_with(MosquittoOptions {
        persistence: true,
        ..MosquittoOptions::default()
    });
    let lights = CountingLights::default();
    let service = App::new(
        config(&broker)
            .protocol(protocol)
            .client_id(format!("proof-restart-service-{protocol:?}"))
            .persistent_session(Duration::from_secs(3600)),
    )
    .mount(lights.router())
    .start()
    .await
    .expect("start the service");
    service.ready(T).await.expect("service subscribed");
    let lamps = App::new(
        config(&broker)
            .protocol(protocol)
            .client_id(format!("proof-restart-lamps-{protocol:?}")),
    )
    .start()
    .await
    .expect("start the lamp publisher");
    lamps.ready(T).await.expect("lamp publisher connected");
    let publisher = lamp::Publisher::new(lamps.publisher());

    publish_readings(&publisher, 0..BEFORE_RESTART)
        .await
        .expect("queue the first half");
    let tally = lights.tally.clone();
    wait_until(
        "the service to handle 1,000 messages before the restart",
        T,
        || tally.deliveries() >= 1_000,
        || format!("handled {}", tally.deliveries()),
    )
    .await;

    broker.stop_graceful();
    let handled_at_stop = tally.deliveries();
    let mut lamp_state = lamps.state();
    lamp_state
        .wait_for(|s| !s.is_connected())
        .await
        .expect("the lamp publisher notices the broker is gone");
    publish_readings(&publisher, BEFORE_RESTART..TOTAL)
        .await
        .expect("queue the second half while the broker is down");
    let waiting_in_outbox = lamps.publisher().pending();
    assert!(
        waiting_in_outbox >= (TOTAL - BEFORE_RESTART) as usize,
        "publishes made while the broker is down wait in the outbox (pending {waiting_in_outbox})"
    );
    broker.start_again();

    wait_until(
        "all 10,000 distinct messages after the restart",
        T,
        || tally.distinct() == u64::from(TOTAL),
        || {
            format!(
                "distinct {}, missing {}, publisher pending {}, service {:?}, lamps {:?}",
                tally.distinct(),
                tally.missing(u64::from(TOTAL)),
                lamps.publisher().pending(),
                service.stats(),
                lamps.stats()
            )
        },
    )
    .await;
    wait_until(
        "the publisher's outbox to drain",
        T,
        || lamps.publisher().pending() == 0,
        || format!("pending {}", lamps.publisher().pending()),
    )
    .await;
    assert!(
        matches!(
            *service.state().borrow(),
            ConnectionState::Connected {
                session_present: true
            }
        ),
        "the service resumed its persistent session"
    );

    let name = format!("restart ({protocol:?})");
    let name = name.as_str();
    figure(name, "messages published (QoS 1)", TOTAL);
    figure(name, "handled before the broker stopped", handled_at_stop);
    figure(
        name,
        "waiting in the publisher's outbox while down",
        waiting_in_outbox,
    );
    figure(name, "distinct messages handled", tally.distinct());
    figure(name, "duplicates (redelivered)", tally.duplicates());
    figure(name, "lost", tally.missing(u64::from(TOTAL)));
    figure(name, "service reconnects", service.stats().reconnects);
    figure(name, "publisher reconnects", lamps.stats().reconnects);
    assert_eq!(tally.missing(u64::from(TOTAL)), 0, "no message lost");
    assert!(service.stats().reconnects >= 1 && lamps.stats().reconnects >= 1);

    lamps.shutdown(T).await.expect("stop the lamp publisher");
    service.shutdown(T).await.expect("stop the service");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_qos1_messages_survive_a_broker_restart_v5() {
    restart_mid_stream(Protocol::V5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_qos1_messages_survive_a_broker_restart_v311() {
    restart_mid_stream(Protocol::V311).await;
}
