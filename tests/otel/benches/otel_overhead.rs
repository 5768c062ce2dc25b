//! What telemetry costs (`cargo bench -p mqttgen-otel-tests --bench otel_overhead`): QoS 0
//! throughput and CPU per message of one service publishing to another over a throwaway
//! mosquitto (MQTT 5), both in one process, `tests/otel/drain` (see its rustdoc).
//!
//! The drain is built twice, in two `cargo build --release -p mqttgen-otel-drain` invocations of
//! its own (in the workspace, features unify: this bench's package turns `otel` on for the
//! runtime, so a build without it must not share an invocation with it):
//!
//! * `no feature`: the runtime without `otel`, i.e. today's runtime — the baseline;
//! * `no feature, again`: the same binary run a second time each round: the noise between two
//!   identical runs, against which the next row is judged;
//! * `feature, off at run time`: built with `otel`, `mqttgen::otel::set_enabled(false)`;
//! * `feature, no SDK`: on, but no OpenTelemetry SDK installed (what a service pays when nobody
//!   collects);
//! * `SDK, everything sampled`: a `tracing-opentelemetry` layer over the SDK sampling every span
//!   plus an SDK meter provider.
//!
//! Every round runs each row once against the same mosquitto, in an order rotated per round.
//! The table prints medians and ranges over the rounds, and ratios to `no feature` taken within
//! each round (median and range). CPU is every thread of the drain process (schedstat), both
//! services together; mosquitto's is not counted. `MQTTGEN_BENCH_N` sets the messages per run
//! (default 50 000), `MQTTGEN_BENCH_ROUNDS` the rounds (default 5), `MQTTGEN_BENCH_FLAVOR` the
//! tokio runtime (`current_thread`, the default: its CPU per message is steady on a loaded
//! machine, where the multi-thread runtime's swings by 3x between identical runs as its
//! workers park and wake; or `multi_thread`).

use mqttgen::testing::mosquitto::Mosquitto;
#[path = "../../../runtime/benches/support/process.rs"]
mod process;
use process::load_average;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One row: its label, which build of the drain, and the drain's mode.
struct Row {
    label: &'static str,
    build: Build,
    mode: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Build {
    Plain,
    Otel,
}

const ROWS: [Row; 5] = [
    Row {
        label: "no feature (today's runtime)",
        build: Build::Plain,
        mode: "plain",
    },
    Row {
        label: "no feature, again (noise)",
        build: Build::Plain,
        mode: "plain",
    },
    Row {
        label: "feature, off at run time",
        build: Build::Otel,
        mode: "off",
    },
    Row {
        label: "feature, no SDK installed",
        build: Build::Otel,
        mode: "idle",
    },
    Row {
        label: "SDK, every span sampled, metrics",
        build: Build::Otel,
        mode: "sdk",
    },
];

/// What one run of the drain printed.
#[derive(Clone, Copy)]
struct Run {
    rate: f64,
    cpu_ns: f64,
    received: u64,
    spans: u64,
}

/// The target directory this bench was built in (`<target>/release/deps/otel_overhead-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench executable");
    exe.ancestors()
        .nth(3)
        .expect("bench executable under <target>/<profile>/deps")
        .to_path_buf()
}

/// Builds the drain with or without the feature `otel` in a cargo invocation of its own and
/// copies the binary aside (both builds uplift to the same path).
fn build_drain(build: Build, target: &Path) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("drain/Cargo.toml");
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args(["build", "--release", "-p", "mqttgen-otel-drain"])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target);
    if build == Build::Otel {
        cargo.args(["--features", "otel"]);
    }
    // What cargo set for running this bench (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`...) is not
    // in the environment the dependencies were built in: build scripts that watch such
    // variables (ring's) would run again and everything above them would be rebuilt.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let set_by_cargo = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || key.starts_with("CARGO_BIN_")
            || matches!(
                &*key,
                "CARGO_CRATE_NAME" | "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR" | "OUT_DIR"
            );
        if set_by_cargo {
            cargo.env_remove(&*key);
        }
    }
    let status = cargo.status().expect("run cargo");
    assert!(status.success(), "building the drain failed: {status}");
    let built = target.join("release/mqttgen-otel-drain");
    let dir = target.join("release/otel-overhead");
    std::fs::create_dir_all(&dir).expect("create the drains' directory");
    let name = match build {
        Build::Plain => "drain-without-otel",
        Build::Otel => "drain-with-otel",
    };
    let copy = dir.join(name);
    std::fs::copy(&built, &copy).expect("copy the drain");
    copy
}

fn run_drain(exe: &Path, mode: &str, port: u16, n: u64, flavour: &str) -> Run {
    let out = Command::new(exe)
        .args([mode, &port.to_string(), &n.to_string(), flavour])
        .output()
        .expect("run the drain");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RUN "))
        .unwrap_or_else(|| {
            panic!(
                "{mode}: no result ({})\n{stdout}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line
        .split(' ')
        .map(|x| x.parse().expect("a number"))
        .collect();
    Run {
        rate: f[0],
        cpu_ns: f[1],
        received: f[2] as u64,
        spans: f[3] as u64,
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// `median (min–max)` with `decimals`.
fn spread(values: &[f64], decimals: usize) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{:.d$} ({:.d$}–{:.d$})",
        median(values),
        min,
        max,
        d = decimals
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = env("MQTTGEN_BENCH_N", 50_000).max(1);
    let rounds = env("MQTTGEN_BENCH_ROUNDS", 5).max(1) as usize;
    let flavour = std::env::var("MQTTGEN_BENCH_FLAVOR").unwrap_or_else(|_| "current_thread".into());
    assert!(
        matches!(flavour.as_str(), "current_thread" | "multi_thread"),
        "MQTTGEN_BENCH_FLAVOR is current_thread or multi_thread"
    );
    let target = target_dir();
    eprintln!(
        "building the drain without and with `otel` (release, in {}) ...",
        target.display()
    );
    let plain = build_drain(Build::Plain, &target);
    let otel = build_drain(Build::Otel, &target);
    let exe = |build: Build| match build {
        Build::Plain => &plain,
        Build::Otel => &otel,
    };
    let broker = Mosquitto::start();
    let load_before = load_average();
    // One short run of each build first, so that neither pays for a cold start.
    for row in [&ROWS[0], &ROWS[2]] {
        run_drain(
            exe(row.build),
            row.mode,
            broker.port(),
            (n / 10).max(1),
            &flavour,
        );
    }
    let mut runs: Vec<Vec<Run>> = ROWS.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for k in 0..ROWS.len() {
            let i = (round + k) % ROWS.len();
            let row = &ROWS[i];
            let run = run_drain(exe(row.build), row.mode, broker.port(), n, &flavour);
            eprintln!(
                "round {round} {:<34} {:>8.0} msg/s {:>7.0} ns CPU/msg {} received {} spans",
                row.label, run.rate, run.cpu_ns, run.received, run.spans
            );
            runs[i].push(run);
        }
    }
    let load_after = load_average();
    println!(
        "\nQoS 0, {n} messages per run, service → mosquitto → service in one process (the drain), \
         tokio {flavour}, {rounds} rounds; load average {load_before} before, {load_after} after"
    );
    println!(
        "| build, telemetry | msg/s median (range) | ns CPU/msg median (range) | received (min) \
         | spans exported (min) | msg/s vs no feature, per round | CPU vs no feature, per round |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let base = &runs[0];
    for (row, runs) in ROWS.iter().zip(&runs) {
        let rates: Vec<f64> = runs.iter().map(|r| r.rate).collect();
        let cpus: Vec<f64> = runs.iter().map(|r| r.cpu_ns).collect();
        let rate_ratio: Vec<f64> = runs
            .iter()
            .zip(base)
            .map(|(r, b)| r.rate / b.rate)
            .collect();
        let cpu_ratio: Vec<f64> = runs
            .iter()
            .zip(base)
            .map(|(r, b)| r.cpu_ns / b.cpu_ns)
            .collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            spread(&rates, 0),
            spread(&cpus, 0),
            runs.iter().map(|r| r.received).min().unwrap_or(0),
            runs.iter().map(|r| r.spans).min().unwrap_or(0),
            spread(&rate_ratio, 2),
            spread(&cpu_ratio, 2),
        );
    }
    println!(
        "(ratios are taken within each round; `no feature, again` shows what two identical runs \
         differ by: the noise the `off` row is within or not)"
    );
}
