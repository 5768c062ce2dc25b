//! `MQTTGEN_SEED` replays one seed, and a failing seeded run prints its seed with the replay
//! command. Each check runs this test binary again as a child process with the variable set, so
//! no test changes its own environment.

use mqttgen::testing::seeded::run_seeded;
use std::process::{Command, Output};

/// Set in the child processes: which scenario to run.
const CHILD: &str = "MQTTGEN_SEED_TEST_CHILD";

fn spawn_child(scenario: &str, seed: Option<&str>) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        .env_remove("MQTTGEN_SEED");
    if let Some(seed) = seed {
        cmd.env("MQTTGEN_SEED", seed);
    }
    cmd.output().unwrap()
}

/// Runs only as a child process (see [`spawn_child`]).
#[test]
fn child() {
    match std::env::var(CHILD).as_deref() {
        Ok("count") => {
            let n = run_seeded(50, |seed| async move {
                println!("ran seed {seed}");
            });
            println!("runs: {n}");
        }
        Ok("fail") => {
            run_seeded(50, |seed| async move {
                assert!(seed % 7 != 5, "bad luck");
            });
        }
        _ => {}
    }
}

#[test]
fn without_mqttgen_seed_every_seed_runs() {
    let out = spawn_child("count", None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("runs: 50"), "{stdout}");
    assert!(stdout.contains("ran seed 0\n") && stdout.contains("ran seed 49\n"));
}

#[test]
fn mqttgen_seed_replays_exactly_that_seed() {
    for (value, seed) in [("42", 42), ("0x2a", 42), (" 7 ", 7)] {
        let out = spawn_child("count", Some(value));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert_eq!(stdout.matches("ran seed").count(), 1, "{stdout}");
        assert!(stdout.contains(&format!("ran seed {seed}\n")), "{stdout}");
        assert!(stdout.contains("runs: 1"), "{stdout}");
    }
}

#[test]
fn a_bad_mqttgen_seed_is_refused_with_a_clear_message() {
    let out = spawn_child("count", Some("forty-two"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("MQTTGEN_SEED=\"forty-two\" is not a seed"),
        "{stderr}"
    );
}

#[test]
fn a_failing_run_prints_its_seed_and_the_replay_command() {
    let out = spawn_child("fail", None);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("failed with seed 5 (after 5 passing runs): bad luck"),
        "{stderr}"
    );
    assert!(stderr.contains("replay it with MQTTGEN_SEED=5"), "{stderr}");
    // Replaying that seed fails the same way, alone.
    let out = spawn_child("fail", Some("5"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("failed with seed 5 (after 0 passing runs)"),
        "{stderr}"
    );
}
