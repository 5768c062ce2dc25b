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
use mqttgen::testing::seeded::{try_run_seeded, SeedFailure};
use streetlights::counting::{NaiveSwitchOnCounter, SwitchOnCounter, Tally};

fn row(name: &str, runs: u64, outcome: &str, elapsed: Duration) {
    println!(
        "| {name:<44} | {runs:>5} | {outcome:<26} | {:>9.2} s | {:>8.2} ms |",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / runs.max(1) as f64
    );
}

/// `runs` seeded runs of counter `C` under `faults(seed)`, and the time they took.
fn timed<C: Tally>(runs: u64, faults: fn(u64) -> Faults) -> (Result<u64, SeedFailure>, Duration) {
    let started = Instant::now();
    let result = try_run_seeded(runs, |seed| scenario::assert_correct::<C>(faults(seed)));
    (result, started.elapsed())
}

/// The outcome column: how many runs passed, or the seed that failed (`failed` says how).
fn outcome(result: &Result<u64, SeedFailure>, failed: &str) -> String {
    match result {
        Ok(n) => format!("{n} passed"),
        Err(f) => format!("{failed} at seed {}", f.seed),
    }
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

    let (result, baseline) = timed::<SwitchOnCounter>(runs, Faults::seeded);
    row(
        "idempotent counter, no faults (baseline)",
        runs,
        &outcome(&result, "FAILED"),
        baseline,
    );
    let (result, faulty) = timed::<SwitchOnCounter>(runs, scenario::faults);
    row(
        "idempotent counter, example faults",
        runs,
        &outcome(&result, "FAILED"),
        faulty,
    );
    let fixed_failure = result.err();
    let (result, naive) = timed::<NaiveSwitchOnCounter>(runs, scenario::faults);
    let tried = match &result {
        Ok(n) => *n,
        Err(f) => f.passed + 1,
    };
    row(
        "naive counter, example faults",
        tried,
        &outcome(&result, "caught"),
        naive,
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
