//! QoS 0 burst: 100,000 JSON messages published at full speed by a plain rumqttc client, into
//! the generated streetlights service with the runtime's default route settings and a handler
//! that only counts. Every message arrives: 0 dropped by the runtime, 100,000 distinct readings
//! handled. When the route queue fills, the runtime stops reading (TCP backpressure towards
//! mosquitto) instead of dropping.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::App;
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::{reading_json, CountingLights};
use mqttgen_proof::wait::wait_until;
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, QoS};
use std::time::{Duration, Instant};

const BURST: u32 = 100_000;
const T: Duration = Duration::from_secs(120);

/// Publishes `BURST` QoS 0 readings as fast as rumqttc can, then a QoS 1 marker, and returns
/// once the broker acknowledged the marker (so it has every message before it).
async fn publish_burst(port: u16) {
    let mut options = MqttOptions::new("proof-burst-publisher", "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut events) = AsyncClient::new(options, 1024);
    let pump = tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(rumqttc::Packet::PubAck(_))) => return,
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(e) => panic!("burst publisher lost its connection: {e}"),
            }
        }
    });
    for n in 0..BURST {
        let topic = format!("city/north/lights/lamp-{}/measured", n % 100);
        client
            .publish(topic, QoS::AtMostOnce, false, reading_json(n))
            .await
            .expect("queue a publish");
    }
    client
        .publish("burst/done", QoS::AtLeastOnce, false, "done")
        .await
        .expect("queue the marker");
    pump.await.expect("publisher task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos0_burst_loses_nothing_with_default_settings() {
    let broker = Mosquitto::start();
    let lights = CountingLights::default();
    let service = App::new(config(&broker).client_id("proof-burst-service"))
        .mount(lights.router())
        .start()
        .await
        .expect("start the service");
    service.ready(T).await.expect("service subscribed");

    let started = Instant::now();
    publish_burst(broker.port()).await;
    let published_in = started.elapsed();
    wait_until(
        "every message of the burst to be handled (or dropped)",
        T,
        || lights.tally.deliveries() + service.stats().dropped_overflow >= u64::from(BURST),
        || {
            format!(
                "handled {} of {BURST}, {:?}",
                lights.tally.deliveries(),
                service.stats()
            )
        },
    )
    .await;
    let handled_in = started.elapsed();
    let stats = service.stats();
    let name = "QoS 0 burst";
    figure(name, "published (QoS 0, full speed)", BURST);
    figure(name, "publisher done after", format!("{published_in:.2?}"));
    figure(name, "handled", lights.tally.deliveries());
    figure(name, "distinct readings", lights.tally.distinct());
    figure(name, "all handled after", format!("{handled_in:.2?}"));
    figure(name, "dropped", stats.dropped_overflow);
    assert_eq!(stats.dropped_overflow, 0, "nothing dropped");
    assert_eq!(lights.tally.deliveries(), u64::from(BURST));
    assert_eq!(
        lights.tally.distinct(),
        u64::from(BURST),
        "every reading exactly once"
    );
    service.shutdown(T).await.expect("stop the service");
}
