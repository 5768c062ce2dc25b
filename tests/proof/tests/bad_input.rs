//! Bad input: 10,000 valid measurements with 1,000 bad ones interleaved (malformed JSON,
//! schema violations, 64 KiB oversized values, a topic parameter outside its enum). The
//! generated streetlights service handles the 10,000, reports the 1,000 to the error hook and
//! republishes them to the dead-letter topic (seen by a raw subscriber), and keeps going.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Failure, Outgoing, QoS};
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::{reading_json, CountingLights};
use mqttgen_proof::raw::RawSubscriber;
use mqttgen_proof::wait::wait_until;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const VALID: u32 = 10_000;
const BAD: u32 = 1_000;
const OVERSIZED_DIGITS: usize = 64 * 1024;
const T: Duration = Duration::from_secs(90);

/// The kinds of bad input, published in turn.
const KINDS: [&str; 7] = [
    "truncated JSON",
    "not JSON",
    "lumens above the schema maximum",
    "lumens of the wrong type",
    "required sentAt missing",
    "oversized (64 KiB number)",
    "district outside its enum (topic)",
];

/// Bad message `b`: its topic and payload.
fn bad_message(b: u32) -> Outgoing {
    let topic = "city/south/lights/bad/measured";
    let at = r#""sentAt":"2026-11-22T00:00:00Z""#;
    let (topic, payload) = match b as usize % KINDS.len() {
        0 => (topic, r#"{"lumens":12,"sentAt":"#.to_owned()),
        1 => (topic, "lumens=12".to_owned()),
        2 => (topic, format!(r#"{{"lumens":100001,{at}}}"#)),
        3 => (topic, format!(r#"{{"lumens":"bright",{at}}}"#)),
        4 => (topic, r#"{"lumens":12}"#.to_owned()),
        5 => (
            topic,
            format!(r#"{{"lumens":{},{at}}}"#, "9".repeat(OVERSIZED_DIGITS)),
        ),
        _ => ("city/downtown/lights/bad/measured", reading_json(12)),
    };
    Outgoing::new(topic, payload).qos(QoS::AtLeastOnce)
}

fn valid_message(n: u32) -> Outgoing {
    Outgoing::new(
        format!("city/north/lights/lamp-{}/measured", n % 100),
        reading_json(n),
    )
    .qos(QoS::AtLeastOnce)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_reported_and_dead_lettered_and_nothing_stalls() {
    let broker = Mosquitto::start();
    let dead_letters = RawSubscriber::subscribe(broker.port(), "dead/#").await;
    let lights = CountingLights::default();
    let decode_failures = Arc::new(AtomicU64::new(0));
    let other_failures = Arc::new(AtomicU64::new(0));
    let (decode, other) = (decode_failures.clone(), other_failures.clone());
    let service = App::new(config(&broker).client_id("proof-bad-input-service"))
        .mount(lights.router())
        .dead_letter_topic("dead")
        .on_error(move |failure| match failure {
            Failure::Handler { error, .. } if error.is_decode() => {
                decode.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                other.fetch_add(1, Ordering::Relaxed);
            }
        })
        .start()
        .await
        .expect("start the service");
    service.ready(T).await.expect("service subscribed");
    let sender = App::new(config(&broker).client_id("proof-bad-input-sender"))
        .start()
        .await
        .expect("start the sender");
    sender.ready(T).await.expect("sender connected");
    let publisher = sender.publisher();
    let mut bad = 0;
    for n in 0..VALID {
        publisher
            .publish(valid_message(n))
            .await
            .expect("queue a valid message");
        if n % (VALID / BAD) == 0 {
            publisher
                .publish(bad_message(bad))
                .await
                .expect("queue a bad message");
            bad += 1;
        }
    }
    assert_eq!(bad, BAD);

    let tally = lights.tally.clone();
    let progress = || {
        format!(
            "handled {}, hook decode {} / other {}, dead letters seen {}, service {:?}",
            tally.distinct(),
            decode_failures.load(Ordering::Relaxed),
            other_failures.load(Ordering::Relaxed),
            dead_letters.count(),
            service.stats()
        )
    };
    wait_until(
        "10,000 handled and 1,000 reported",
        T,
        || {
            tally.distinct() == u64::from(VALID)
                && decode_failures.load(Ordering::Relaxed) == u64::from(BAD)
        },
        progress,
    )
    .await;
    wait_until(
        "1,000 dead letters at the raw subscriber",
        T,
        || dead_letters.count() == BAD as usize,
        progress,
    )
    .await;

    // Still alive: one more valid message goes through.
    publisher
        .publish(valid_message(VALID))
        .await
        .expect("queue the probe");
    wait_until(
        "the probe after the bad input",
        T,
        || tally.distinct() == u64::from(VALID) + 1,
        progress,
    )
    .await;

    let stats = service.stats();
    let letters = dead_letters.received();
    let largest = letters.iter().map(|r| r.len).max().unwrap_or(0);
    let name = "bad input";
    figure(name, "valid messages published", VALID);
    figure(
        name,
        "bad messages published",
        format!("{BAD} ({})", KINDS.join(", ")),
    );
    figure(
        name,
        "valid messages handled (with the probe)",
        tally.distinct(),
    );
    figure(name, "duplicates", tally.duplicates());
    figure(
        name,
        "reported to the error hook",
        decode_failures.load(Ordering::Relaxed),
    );
    figure(
        name,
        "other failures reported",
        other_failures.load(Ordering::Relaxed),
    );
    figure(name, "runtime decode_errors", stats.decode_errors);
    figure(name, "runtime dead_lettered", stats.dead_lettered);
    figure(name, "dead letters seen by a raw subscriber", letters.len());
    figure(name, "largest dead letter (bytes)", largest);
    assert_eq!(
        tally.deliveries(),
        u64::from(VALID) + 1,
        "each valid message once"
    );
    assert_eq!(other_failures.load(Ordering::Relaxed), 0);
    assert_eq!(stats.decode_errors, u64::from(BAD));
    assert_eq!(stats.handler_errors, 0);
    assert_eq!(stats.dead_lettered, u64::from(BAD));
    assert!(
        letters.iter().all(|r| r.topic.starts_with("dead/city/")),
        "dead letters keep their original topic under the prefix"
    );
    assert!(
        largest > OVERSIZED_DIGITS,
        "the oversized payload is dead-lettered whole"
    );
    assert!(service.state().borrow().is_connected());
    assert_eq!(stats.reconnects, 0, "bad input never cost the connection");

    sender.shutdown(T).await.expect("stop the sender");
    service.shutdown(T).await.expect("stop the service");
}
