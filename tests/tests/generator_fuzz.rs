//! The generator fuzzer (issue #14, see `mqttgen_e2e::spec_fuzz`): seeded mutations of the names
//! and strings of our specs go through load and generate for both roles. Asserted: 0 panics,
//! 0 generated modules that do not parse with `syn`, 0 doc comments with a code block rustdoc
//! would run. Every input in `tests/tests/fixtures/generator_fuzz/` (regressions) replays first;
//! a failing mutant is saved there. A sample of clean mutants is compiled by
//! `tests/tests/hostile_specs.rs`, in the hostile workspace.
//!
//! `MQTTGEN_GEN_FUZZ_ITERS` and `MQTTGEN_GEN_FUZZ_SEED` override the defaults (the default run
//! stops after a time budget, so it stays a few seconds on a loaded machine).

use std::path::PathBuf;
use std::time::Duration;

use mqttgen_e2e::spec_fuzz::{check, run, Report};
use mqttgen_e2e::workspace_root;

/// The default seed: the same mutants on every run.
pub const DEFAULT_SEED: u64 = 0x00C0_FFEE_5EED;

fn regressions_dir() -> PathBuf {
    workspace_root().join("tests/tests/fixtures/generator_fuzz")
}

fn assert_clean(report: &Report) {
    assert!(report.panics.is_empty(), "panics: {:#?}", report.panics);
    assert!(
        report.unparsable.is_empty(),
        "unparsable generated modules: {:#?}",
        report.unparsable
    );
    assert!(
        report.runnable_docs.is_empty(),
        "doc comments with runnable code blocks: {:#?}",
        report.runnable_docs
    );
}

#[test]
fn regressions_replay_clean() {
    let mut report = Report::default();
    let mut count = 0;
    for entry in std::fs::read_dir(regressions_dir()).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            check(&path.display().to_string(), &doc, &mut report);
            count += 1;
        }
    }
    assert!(
        count > 0,
        "no regressions in {}",
        regressions_dir().display()
    );
    assert!(report.generated > 0, "no regression generated code");
    assert_clean(&report);
}

#[test]
fn mutated_names_and_strings_never_break_the_generator() {
    let iterations = std::env::var("MQTTGEN_GEN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok());
    let seed = std::env::var("MQTTGEN_GEN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let budget = if iterations.is_some() {
        Duration::from_secs(24 * 3600)
    } else {
        Duration::from_secs(20)
    };
    let report = run(
        &workspace_root(),
        seed,
        iterations.unwrap_or(400),
        budget,
        0,
    );
    println!(
        "generator fuzz (seed {seed:#x}): {} documents, {} generated (both roles), {} rejected by \
         generation, {} panics, {} unparsable, {} runnable doc blocks",
        report.documents,
        report.generated,
        report.rejected,
        report.panics.len(),
        report.unparsable.len(),
        report.runnable_docs.len()
    );
    // Keep the failing mutants as regressions.
    for (_, doc) in &report.failures {
        use std::hash::{Hash, Hasher};
        let text = serde_json::to_string_pretty(doc).unwrap();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let path = regressions_dir().join(format!("crash-{:016x}.json", hasher.finish()));
        std::fs::write(&path, text).unwrap();
        println!("saved {}", path.display());
    }
    assert!(
        report.generated >= 20 || iterations.is_some(),
        "only {} mutants reached the generator",
        report.generated
    );
    assert_clean(&report);
}
