//! Topic injection: topic parameters that would change the topic's structure (`a/b`, `+`, `#`,
//! `x\0y`, `""`, `$SYS`) are rejected by the generated publishers of both sides of the
//! streetlights spec with an error naming the parameter, and nothing reaches a raw `#`
//! subscriber on mosquitto.
//!
//! Nothing-arrived is checked without sleeping: after the rejected attempts each side publishes
//! one valid message on the same connection; a leaked message would have arrived before it.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Error, Outgoing, QoS};
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::reading;
use mqttgen_proof::raw::RawSubscriber;
use mqttgen_proof::wait::wait_until;
use std::time::Duration;
use streetlights::control::command_for;
use streetlights::{app, lamp};

const HOSTILE: [&str; 6] = ["a/b", "+", "#", "x\0y", "", "$SYS"];
const T: Duration = Duration::from_secs(30);

fn assert_names_parameter(error: &Error, value: &str) {
    let text = error.to_string();
    assert!(
        matches!(error, Error::InvalidTopic { .. }) && text.contains("lightId"),
        "light id {value:?}: expected an invalid-topic error naming `lightId`, got: {text}"
    );
}

#[tokio::test]
async fn hostile_topic_parameters_are_rejected_and_nothing_is_published() {
    let broker = Mosquitto::start();
    let everything = RawSubscriber::subscribe(broker.port(), "#").await;
    let lamps = App::new(config(&broker))
        .start()
        .await
        .expect("start lamps");
    lamps.ready(T).await.expect("lamps connected");
    let service = App::new(config(&broker))
        .start()
        .await
        .expect("start service");
    service.ready(T).await.expect("service connected");
    let lamp_publisher = lamp::Publisher::new(lamps.publisher());
    let service_publisher = app::Publisher::new(service.publisher());

    let mut rejected = 0;
    for value in HOSTILE {
        let measured = lamp::LightMeasuredParams {
            district: lamp::District::North,
            light_id: value.to_owned(),
        };
        let payload = lamp::types::LightMeasuredPayload {
            lumens: reading(1).lumens,
            sent_at: reading(1).sent_at,
        };
        let error = lamp_publisher
            .send_light_measured(&measured, &payload)
            .await
            .expect_err("a hostile lamp id is rejected");
        assert_names_parameter(&error, value);
        println!(
            "proof: injection: lamp id {value:?} rejected: {}",
            error.to_string().escape_debug()
        );
        rejected += 1;

        let command = app::LightCommandParams {
            district: app::District::North,
            light_id: value.to_owned(),
        };
        let error = service_publisher
            .send_light_command(&command, &command_for(10))
            .await
            .expect_err("a hostile lamp id is rejected");
        assert_names_parameter(&error, value);
        rejected += 1;
    }
    // Raw topics with wildcards or NUL are refused by the runtime's publisher too.
    for topic in ["city/+/lights/x/measured", "city/#", "a\0b", ""] {
        let error = lamps
            .publisher()
            .publish(Outgoing::new(topic, "x").qos(QoS::AtLeastOnce))
            .await
            .expect_err("an invalid topic name is rejected");
        assert!(
            matches!(error, Error::InvalidTopic { .. }),
            "{topic:?}: {error}"
        );
        rejected += 1;
    }

    // One valid message per connection, after the rejected ones.
    let valid = lamp::LightMeasuredParams {
        district: lamp::District::North,
        light_id: "lamp-ok".into(),
    };
    let payload = lamp::types::LightMeasuredPayload {
        lumens: reading(1).lumens,
        sent_at: reading(1).sent_at,
    };
    lamp_publisher
        .send_light_measured(&valid, &payload)
        .await
        .expect("a valid measurement");
    let target = app::LightCommandParams {
        district: app::District::North,
        light_id: "lamp-ok".into(),
    };
    service_publisher
        .send_light_command(&target, &command_for(10))
        .await
        .expect("a valid command");
    wait_until(
        "the two valid messages at the `#` subscriber",
        T,
        || everything.count() >= 2,
        || format!("received {:?}", everything.received()),
    )
    .await;
    let mut topics: Vec<String> = everything.received().into_iter().map(|r| r.topic).collect();
    topics.sort();
    figure("injection", "hostile publishes rejected", rejected);
    figure("injection", "messages at the `#` subscriber", topics.len());
    assert_eq!(
        topics,
        [
            "city/north/lights/lamp-ok/command",
            "city/north/lights/lamp-ok/measured"
        ],
        "only the valid messages reached the broker"
    );
    lamps.shutdown(T).await.expect("stop lamps");
    service.shutdown(T).await.expect("stop service");
}
