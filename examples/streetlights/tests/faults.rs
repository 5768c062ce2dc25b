//! Testing under faults: a handler that is not idempotent is caught by duplicate delivery; the
//! idempotent one passes every seeded run (200 here, 1,000 in
//! `benches/faults.rs`, `MQTTGEN_RUNS=1000` here too) of duplicates, reordering, a slow broker, a receive
//! maximum and a disconnect. A failing run prints its seed; `MQTTGEN_SEED=<seed>` replays it.

#[path = "support/scenario.rs"]
mod scenario;

use mqttgen::testing::faults::Faults;
use mqttgen::testing::seeded::{run_seeded, try_run_seeded};
use streetlights::counting::{NaiveSwitchOnCounter, SwitchOnCounter};

#[test]
fn without_faults_both_counters_count_three_switch_ons_per_lamp() {
    run_seeded(3, |seed| async move {
        scenario::assert_correct::<NaiveSwitchOnCounter>(Faults::seeded(seed)).await;
        scenario::assert_correct::<SwitchOnCounter>(Faults::seeded(seed)).await;
    });
}

#[test]
fn duplicate_delivery_catches_the_counter_that_is_not_idempotent() {
    // Every QoS 1 message delivered twice: the naive counter counts six switch-ons per lamp.
    let failure = try_run_seeded(1, |seed| async move {
        let (counts, _) =
            scenario::run::<NaiveSwitchOnCounter>(Faults::seeded(seed).duplicate(1.0)).await;
        assert_eq!(counts, scenario::expected().0, "switch-ons counted twice");
    })
    .expect_err("the naive counter must fail under duplicates");
    assert!(
        failure.message.contains("switch-ons counted twice"),
        "{failure}"
    );
    // Under the example's mixed faults, the first seeds already catch it, and name the seed.
    let failure = try_run_seeded(1_000, |seed| {
        scenario::assert_correct::<NaiveSwitchOnCounter>(scenario::faults(seed))
    })
    .expect_err("caught within 1,000 seeds");
    assert!(failure.seed < 10, "caught late: {failure}");
    assert!(failure.message.contains(scenario::WRONG), "{failure}");
    assert!(failure
        .to_string()
        .contains(&format!("MQTTGEN_SEED={}", failure.seed)));
}

/// Seeded runs of the idempotent counter in `cargo test`: `MQTTGEN_RUNS` (default 200; the bench
/// `benches/faults.rs` runs 1,000 and checks every one passes).
fn runs() -> u64 {
    std::env::var("MQTTGEN_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

#[test]
fn the_idempotent_counter_passes_seeded_runs_under_faults() {
    let want = runs();
    let runs = run_seeded(want, |seed| {
        scenario::assert_correct::<SwitchOnCounter>(scenario::faults(seed))
    });
    // All of them, or 1 when MQTTGEN_SEED replays a single seed.
    assert!(runs == want || runs == 1, "{runs}");
}
