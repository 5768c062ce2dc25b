//! `mqttgen diff` benchmark (issue #18): the 2,000-channel synthetic spec of the generation
//! benchmark against a copy with one changed field (goal: under 200 ms), with the ratio to
//! `mqttgen check` of the same file measured in the same run (goal of issue #22: under 50 ms as a
//! fresh process).
//!
//! `cargo bench -p mqttgen-cli --bench diff`. Two measurements: in one process (the library
//! calls `check` and `diff` make, median of 7) and the `mqttgen` binary itself, a fresh process
//! per run (median of 11, `check` and `diff` alternating).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mqttgen_codegen::diff::{diff, FailOn, Side};
use mqttgen_codegen::spec::{check_file_with, load_file, LoadOptions};

#[path = "../../benches/synthetic/mod.rs"]
mod synthetic;
use synthetic::{process_cpu, synthetic_spec};

/// The allocator of the `mqttgen` binary, so the figures are what `mqttgen diff` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut samples = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        samples.push(start.elapsed());
    }
    (median(samples), last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// What `mqttgen check FILE` does: load with the payload-rule warnings.
fn check(spec: &Path) -> usize {
    let loaded = check_file_with(spec, &LoadOptions::default());
    assert!(loaded.document.is_some(), "document");
    loaded.diagnostics.len()
}

/// What `mqttgen diff OLD NEW` does: both loads (on two threads), then the comparison.
fn diff_files(old: &Path, new: &Path) -> (usize, u8) {
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| load_file(old));
        let b = load_file(new);
        (a.join().expect("load"), b)
    });
    let report = diff(Side::of(&a).expect("old"), Side::of(&b).expect("new"));
    (report.changes.len(), report.exit_code(FailOn::Breaking))
}

/// The wall time of one `mqttgen` process run with `args`.
fn process(args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_mqttgen"))
        .args(args)
        .output()
        .expect("run mqttgen");
    let elapsed = start.elapsed();
    assert!(
        status.status.code().is_some_and(|c| c <= 1),
        "{args:?} failed"
    );
    elapsed
}

/// Median wall times of `runs` fresh processes with `first` and with `second`, run alternately.
fn processes(first: &[&str], second: &[&str], runs: usize) -> (Duration, Duration) {
    let (mut a, mut b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        a.push(process(first));
        b.push(process(second));
    }
    (median(a), median(b))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (channels, runs) = if full { (2_000, 7) } else { (50, 1) };
    let dir = tempfile::tempdir().expect("temp dir");
    let old = dir.path().join("old.yaml");
    let new = dir.path().join("new.yaml");
    let text = synthetic_spec(channels);
    // One changed field: the `mode` enum of one message the application sends gains a value.
    let target = format!(
        "    State{}:\n      type: object\n      required: [mode, at]\n      properties:\n        mode: {{type: string, enum: [idle, running, fault]}}",
        channels / 2 + 1
    );
    let changed = text.replacen(&target, &target.replace("fault]", "fault, maintenance]"), 1);
    assert_ne!(text, changed, "the field was changed");
    fs::write(&old, &text).expect("write");
    fs::write(&new, &changed).expect("write");
    // For profilers (`perf record mqttgen check DIR/old.yaml`): keep copies of both files.
    if let Some(keep) = std::env::var_os("MQTTGEN_BENCH_SPEC_DIR") {
        let keep = Path::new(&keep);
        fs::create_dir_all(keep).expect("create MQTTGEN_BENCH_SPEC_DIR");
        fs::write(keep.join("old.yaml"), &text).expect("write");
        fs::write(keep.join("new.yaml"), &changed).expect("write");
    }

    let cpu = |runs: usize, f: &mut dyn FnMut()| {
        let before = process_cpu();
        for _ in 0..runs {
            f();
        }
        before
            .zip(process_cpu())
            .map(|(b, a)| (a - b) / runs as u32)
    };
    let (check_time, _) = time(runs, || check(&old));
    let check_cpu = cpu(runs, &mut || {
        check(&old);
    });
    let (diff_time, (changes, exit)) = time(runs, || diff_files(&old, &new));
    let diff_cpu = cpu(runs, &mut || {
        diff_files(&old, &new);
    });
    assert_eq!((changes, exit), (1, 1), "one wire-breaking change is found");
    let a = load_file(&old);
    let b = load_file(&new);
    let (compare_time, _) = time(runs, || diff(Side::of(&a).unwrap(), Side::of(&b).unwrap()));
    let compare_cpu = cpu(runs * 3, &mut || {
        diff(Side::of(&a).unwrap(), Side::of(&b).unwrap());
    });
    let show_cpu = |c: Option<Duration>| c.map_or("?".to_string(), ms);

    let (old_s, new_s) = (old.to_str().unwrap(), new.to_str().unwrap());
    // Fresh processes alternate, so a slow spell of a shared machine hits both alike.
    let (cli_check, cli_diff) = processes(
        &["check", old_s],
        &["diff", old_s, new_s],
        if full { 11 } else { 1 },
    );

    let size = text.len() as f64 / 1e6;
    println!("\n`mqttgen diff` on a synthetic spec: {channels} channels, {size:.1} MB, one changed field (median of {runs})");
    println!(
        "| measured | wall time | CPU (all threads) | wall vs `mqttgen check` of the same file |"
    );
    println!("|---|---|---|---|");
    println!(
        "| check (load + payload rules), in process | {} | {} | 1.00 (baseline) |",
        ms(check_time),
        show_cpu(check_cpu)
    );
    println!(
        "| diff (two loads on 2 threads + comparison), in process | {} | {} | {:.2} |",
        ms(diff_time),
        show_cpu(diff_cpu),
        diff_time.as_secs_f64() / check_time.as_secs_f64()
    );
    println!(
        "| the comparison alone | {} | {} | {:.2} |",
        ms(compare_time),
        show_cpu(compare_cpu),
        compare_time.as_secs_f64() / check_time.as_secs_f64()
    );
    println!(
        "| `mqttgen check old.yaml`, fresh process | {} | – | 1.00 (baseline) |",
        ms(cli_check)
    );
    println!(
        "| `mqttgen diff old.yaml new.yaml`, fresh process | {} | – | {:.2} |",
        ms(cli_diff),
        cli_diff.as_secs_f64() / cli_check.as_secs_f64()
    );
    if full {
        let verdict = |d: Duration, goal: u64| {
            if d < Duration::from_millis(goal) {
                "✓"
            } else {
                "✗"
            }
        };
        println!(
            "goal: diff under 200 ms: in process {} {}, `mqttgen diff` {} {}",
            ms(diff_time),
            verdict(diff_time, 200),
            ms(cli_diff),
            verdict(cli_diff, 200)
        );
        println!(
            "goal: `mqttgen check` under 50 ms (median of 11 fresh processes): {} {}",
            ms(cli_check),
            verdict(cli_check, 50)
        );
    }
}
