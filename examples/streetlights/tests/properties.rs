//! Property tests from the spec (feature `proptest`): the service's handler fuzzed through the
//! generated test kit with measurements its schema allows (every lumens value from 0 to 100,000,
//! any `sentAt`), and with payloads the schema forbids, which must never reach it.

use std::cell::RefCell;

use streetlights::app;
use streetlights::app::testing::strategies::{self, proptest};
use streetlights::app::SendLightCommandMessage;
use streetlights::control::{command_for, LightControl};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRng, TestRunner};

/// A runner with a fixed seed, so CI runs the same cases every time.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(config.rng_algorithm);
    TestRunner::new_with_rng(config, rng)
}

fn light(id: &str) -> app::LightMeasuredParams {
    app::LightMeasuredParams {
        district: app::District::South,
        light_id: id.into(),
    }
}

/// Every valid measurement gets exactly one command: the one `command_for` picks, on the same
/// light, and a dim level within the spec's 0–100 %. The generated strategy spreads lumens over
/// the spec's 0–100,000 (its bounds often); half the cases are moved into the dimming band,
/// which is narrow against the whole range.
#[test]
fn every_valid_measurement_gets_its_command() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let kit = runtime.block_on(app::testing::Harness::start(LightControl));
    let levels = RefCell::new([0usize; 3]);
    runner(128)
        .run(&measurements(), |reading| {
            runtime.block_on(async {
                kit.receive_light_measured(&light("s7"), &reading)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let (params, command) = kit.expect_send_light_command().await;
                proptest::prop_assert_eq!(&params.light_id, "s7");
                proptest::prop_assert_eq!(&command, &command_for(reading.lumens));
                let kind = match &command {
                    SendLightCommandMessage::TurnOn(_) => 0,
                    SendLightCommandMessage::Dim(dim) => {
                        proptest::prop_assert!(dim.percentage <= 100);
                        1
                    }
                    SendLightCommandMessage::TurnOff(_) => 2,
                };
                levels.borrow_mut()[kind] += 1;
                kit.assert_nothing_published().await;
                Ok(())
            })
        })
        .unwrap();
    // The strategy reaches every branch of the handler (the schema's bounds come up often).
    let levels = levels.into_inner();
    assert!(levels.iter().all(|&n| n > 0), "on/dim/off: {levels:?}");
}

/// Valid measurements, half of them in the dimming band (composing the generated strategy).
fn measurements() -> impl Strategy<Value = streetlights::types::LightMeasuredPayload> {
    let twilight =
        (strategies::light_measured(), 100u32..=1_000).prop_map(|(mut reading, lumens)| {
            reading.lumens = lumens;
            reading
        });
    prop_oneof![strategies::light_measured(), twilight]
}

/// Payloads the schema forbids (a missing `sentAt`, lumens out of range or not a number, a
/// malformed date, not JSON, ...) are rejected by the decoder: the handler never runs and
/// nothing is published.
#[test]
fn invalid_measurements_never_reach_the_handler() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let kit = runtime.block_on(app::testing::Harness::start(LightControl));
    runner(128)
        .run(&strategies::invalid_receive_light_measured(), |broken| {
            runtime.block_on(async {
                let reason = kit
                    .assert_rejects_receive_light_measured(&light("s8"), &broken.payload)
                    .await;
                proptest::prop_assert!(!reason.is_empty(), "{broken:?}");
                Ok(())
            })
        })
        .unwrap();
    runtime.block_on(kit.assert_nothing_published());
    assert_eq!(
        kit.kit()
            .handled()
            .since(0)
            .iter()
            .filter(|entry| entry.outcome == mqttgen::handled::Outcome::Handled)
            .count(),
        0,
        "the handler never saw a message"
    );
}

/// The helper itself fails when a handler does get the message: a valid payload is not
/// "rejected".
#[test]
#[should_panic(expected = "the payload should have been rejected")]
fn assert_rejects_fails_for_a_payload_the_handler_accepts() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let kit = app::testing::Harness::start(LightControl).await;
        kit.assert_rejects_receive_light_measured(
            &light("s9"),
            br#"{"lumens": 5, "sentAt": "2026-12-03T05:00:00Z"}"#,
        )
        .await;
    });
}
