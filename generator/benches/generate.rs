//! Generation benchmark (issue #5): `mqttgen generate` on a synthetic 2,000-channel spec (goal:
//! under 1 s), broken down by stage, and the build time of the generated crate for 100 channels.
//!
//! `cargo bench -p mqttgen-codegen --bench generate`. The baseline row is the front end alone
//! (loading the same spec), measured in the same run, so the ratios say what generation adds.
//! The build-time part runs `cargo build` on the generated crate in
//! `target/generated-crates/workspaces/bench-100` (dependencies warmed first, then only the
//! generated crate is timed after touching it). `MQTTGEN_BENCH_ONLY=build` runs only that part.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mqttgen_codegen::output::{crate_files, write_files, CrateOptions, RuntimeDependency};
use mqttgen_codegen::pipeline::generate_module;
use mqttgen_codegen::service::{generate_service, ServiceSettings};
use mqttgen_codegen::spec::load_file;
use mqttgen_codegen::types::{format_file, format_tokens, plan_types, TypeSettings};
use mqttgen_codegen::Role;

mod synthetic;
use synthetic::{process_cpu, synthetic_spec};
#[path = "support/timing.rs"]
mod timing;
use timing::{median, ms, time};

/// The allocator of the `mqttgen` binary, so the figures are what `mqttgen generate` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn generation_table(channels: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("synthetic.yaml");
    fs::write(&spec, synthetic_spec(channels)).expect("write spec");

    let (load, loaded) = time(runs, || load_file(&spec));
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let doc = loaded.document.expect("document");
    let (plan_time, plan) = time(runs, || plan_types(&doc));
    let groups = plan.groups(&TypeSettings::default()).len();
    let (types_time, types) = time(runs, || plan.generate(&doc, &TypeSettings::default()));
    let (types_print, _) = time(runs, || format_file(&types.file));
    let messages = plan.messages();
    let (service_time, service) = time(runs, || {
        generate_service(&doc, &messages, &ServiceSettings::for_role(Role::App))
    });
    let (asyncapi_time, _) = time(runs, || {
        mqttgen_codegen::asyncapi_doc::generate_asyncapi_fn(&doc)
    });
    let (service_print, _) = time(runs, || format_tokens(service.tokens()).expect("parses"));
    let cpu_before = process_cpu();
    let (total, module) = time(runs, || {
        let loaded = load_file(&spec);
        let doc = loaded.document.expect("document");
        generate_module(&doc, Role::App).expect("generates")
    });
    let total_cpu = cpu_before
        .zip(process_cpu())
        .map(|(before, after)| (after - before) / runs as u32);

    println!("\n`mqttgen generate` on a synthetic spec: {channels} channels, {channels} operations, {channels} messages (median of {runs})");
    println!("| stage | time | vs loading (baseline) |");
    println!("|---|---|---|");
    let base = load.as_secs_f64();
    for (name, d) in [
        ("load + check (baseline)", load),
        ("name and bundle the schemas", plan_time),
        (
            &format!("payload types (typify + postprocess; {groups} groups, one after the other)"),
            types_time,
        ),
        ("print the payload types (prettyplease)", types_print),
        ("service code", service_time),
        ("asyncapi() metadata", asyncapi_time),
        ("parse + print the service code", service_print),
        (
            &format!(
                "total: load → formatted module (wall; {groups} type groups, service and asyncapi() on their own threads)"
            ),
            total,
        ),
    ] {
        println!("| {name} | {} | {:.2}x |", ms(d), d.as_secs_f64() / base);
    }
    if let Some(cpu) = total_cpu {
        println!(
            "| total, CPU time of all threads (mean) | {} | {:.2}x |",
            ms(cpu),
            cpu.as_secs_f64() / base
        );
    }
    println!(
        "output: {} lines of Rust; goal < 1 s for the total (wall): {}",
        module.source.lines().count(),
        if total < Duration::from_secs(1) {
            "met"
        } else {
            "NOT met"
        }
    );
}

fn build_time(channels: usize) {
    let root = workspace_root().join("target").join("generated-crates");
    let workspace = root.join("workspaces").join("bench-100");
    let crate_dir = workspace.join("synthetic");
    fs::create_dir_all(&crate_dir).expect("bench workspace");
    let spec = workspace.join("synthetic.yaml");
    fs::write(&spec, synthetic_spec(channels)).expect("write spec");
    let loaded = load_file(&spec);
    let doc = loaded.document.expect("document");
    let module = generate_module(&doc, Role::App).expect("generates");
    let options = CrateOptions {
        crate_name: Some("synthetic".into()),
        runtime: RuntimeDependency::Path(workspace_root().join("runtime")),
        output_dir: crate_dir.clone(),
        spec_label: "synthetic.yaml".into(),
        role_name: "app".into(),
    };
    let files = crate_files(&doc, &module.source, &module.dependencies, &options).expect("files");
    write_files(&crate_dir, &files).expect("write crate");
    fs::write(
        workspace.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"synthetic\"]\n",
    )
    .expect("workspace manifest");
    let _ = fs::copy(
        workspace_root().join("Cargo.lock"),
        workspace.join("Cargo.lock"),
    );
    let cargo = || {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .args(["build", "--quiet"])
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", root.join("target"));
        command
    };
    let warm = cargo().status().expect("cargo build");
    assert!(warm.success(), "the generated crate builds");
    let lib = crate_dir.join("src/lib.rs");
    let text = fs::read_to_string(&lib).expect("lib.rs");
    fs::write(&lib, format!("{text}\n")).expect("touch");
    let start = Instant::now();
    let status = cargo().status().expect("cargo build");
    let elapsed = start.elapsed();
    fs::write(&lib, text).expect("restore");
    assert!(status.success());
    println!(
        "\nbuild of the generated crate for {channels} channels ({} lines), dependencies warm: {:.1} s (debug)",
        module.source.lines().count(),
        elapsed.as_secs_f64()
    );
}

/// Argument that makes this binary generate once from the spec path that follows and print the
/// wall time in milliseconds: a fresh process, like one `mqttgen generate`.
const ONE_SHOT: &str = "--one-shot";

/// `--role client` after the spec generates the client role; `MQTTGEN_BENCH_OUT` names a file
/// to write the module to (to count or read its lines).
fn one_shot(spec: &Path, role: Role) {
    let start = Instant::now();
    let loaded = load_file(spec);
    let doc = loaded.document.expect("document");
    let module = generate_module(&doc, role).expect("generates");
    println!(
        "{} {} bytes, {} lines",
        start.elapsed().as_secs_f64() * 1e3,
        module.source.len(),
        module.source.lines().count()
    );
    if let Some(out) = std::env::var_os("MQTTGEN_BENCH_OUT") {
        fs::write(out, &module.source).expect("write the module");
    }
}

/// The median wall time of `runs` generations, each in a new process: what a user running
/// `mqttgen generate` once sees, fresh memory included (the table above reuses one process).
fn fresh_processes(channels: usize, runs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("synthetic.yaml");
    fs::write(&spec, synthetic_spec(channels)).expect("write spec");
    let exe = std::env::current_exe().expect("own path");
    let samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let output = Command::new(&exe)
                .arg(ONE_SHOT)
                .arg(&spec)
                .output()
                .expect("run one generation");
            assert!(output.status.success(), "one-shot generation failed");
            let text = String::from_utf8_lossy(&output.stdout);
            let millis: f64 = text
                .split_whitespace()
                .next()
                .and_then(|m| m.parse().ok())
                .expect("milliseconds");
            Duration::from_secs_f64(millis / 1e3)
        })
        .collect();
    println!(
        "the same generation in a fresh process each time (load included; median of {runs}): {}",
        ms(median(samples))
    );
}

fn main() {
    // As `mqttgen generate` runs (`generator/cli/src/memory.rs`): without transparent huge pages.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == ONE_SHOT) {
        let client = args.get(at + 2).map(String::as_str) == Some("--role")
            && args.get(at + 3).map(String::as_str) == Some("client");
        one_shot(
            Path::new(&args[at + 1]),
            if client { Role::Client } else { Role::App },
        );
        return;
    }
    // `cargo bench` passes `--bench`; anything else (e.g. `cargo test --benches`) runs a quick smoke size.
    let full = args.iter().any(|a| a == "--bench");
    if full && std::env::var("MQTTGEN_BENCH_ONLY").as_deref() == Ok("build") {
        build_time(100);
    } else if full {
        generation_table(2_000, 5);
        fresh_processes(2_000, 5);
        build_time(100);
    } else {
        generation_table(50, 1);
        fresh_processes(50, 1);
    }
}
