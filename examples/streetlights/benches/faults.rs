//! 1,000 seeded runs of the streetlights fault test (`tests/faults.rs`), timed:
//! `cargo bench -p streetlights --bench faults`. Each run starts the service and the lamps on a
//! fresh paused Tokio runtime with a `MemoryBroker` under the example's faults (duplicates,
//! reordering, a jittery slow broker, a receive maximum, a disconnect before an ack), reports 24
//! measurements and checks the switch-on counts. The aim: seconds for 1,000 runs, not minutes.
//!
//! `MQTTGEN_BENCH_RUNS` changes the number of runs (default 1,000).

#[path = "../tests/support/scenario.rs"]
#[allow(dead_code)]
mod scenario;

use std::time::{Duration, Instant};

use mqttgen::testing::faults::Faults;
use mqttgen::testing::seeded::try_run_seeded;
use streetlights::counting::{NaiveSwitchOnCounter, SwitchOnCounter};

fn row(name: &str, runs: u64, outcome: &str, elapsed: Duration) {
    println!(
        "| {name:<44} | {runs:>5} | {outcome:<26} | {:>9.2} s | {:>8.2} ms |",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / runs.max(1) as f64
    );
}

fn main() {
    let runs: u64 = std::env::var("MQTTGEN_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    println!(
        "| {:<44} | {:>5} | {:<26} | {:>11} | {:>11} |",
        "scenario", "runs", "outcome", "total", "per run"
    );
    println!(
        "|{:-<46}|{:->7}|{:-<28}|{:->13}|{:->13}|",
        "", "", "", "", ""
    );

    let started = Instant::now();
    let result = try_run_seeded(runs, |seed| async move {
        let got = scenario::run(
            Faults::seeded(seed),
            SwitchOnCounter::default(),
            SwitchOnCounter::switch_ons,
        )
        .await;
        assert_eq!(got, scenario::expected());
    });
    let baseline = started.elapsed();
    let outcome = match &result {
        Ok(n) => format!("{n} passed"),
        Err(f) => format!("FAILED at seed {}", f.seed),
    };
    row(
        "idempotent counter, no faults (baseline)",
        runs,
        &outcome,
        baseline,
    );

    let started = Instant::now();
    let result = try_run_seeded(runs, |seed| async move {
        let got = scenario::run(
            scenario::faults(seed),
            SwitchOnCounter::default(),
            SwitchOnCounter::switch_ons,
        )
        .await;
        assert_eq!(got, scenario::expected());
    });
    let faulty = started.elapsed();
    let outcome = match &result {
        Ok(n) => format!("{n} passed"),
        Err(f) => format!("FAILED at seed {}", f.seed),
    };
    row("idempotent counter, example faults", runs, &outcome, faulty);
    let fixed_failure = result.err();

    let started = Instant::now();
    let result = try_run_seeded(runs, |seed| async move {
        let got = scenario::run(
            scenario::faults(seed),
            NaiveSwitchOnCounter::default(),
            NaiveSwitchOnCounter::switch_ons,
        )
        .await;
        assert_eq!(got, scenario::expected());
    });
    let (tried, outcome) = match &result {
        Ok(n) => (*n, "never caught".to_owned()),
        Err(f) => (f.passed + 1, format!("caught at seed {}", f.seed)),
    };
    row(
        "naive counter, example faults",
        tried,
        &outcome,
        started.elapsed(),
    );
    println!(
        "\nexample faults vs. no faults, same runs: {:.2}x the time",
        faulty.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
    if let Some(failure) = fixed_failure {
        eprintln!("the idempotent counter failed: {failure}");
        std::process::exit(1);
    }
    if result.is_ok() {
        eprintln!("the naive counter was never caught");
        std::process::exit(1);
    }
}
