//! Docs benchmark (issue #19): `mqttgen docs` on the synthetic 2,000-channel spec of the
//! generation benchmark (goal: under 2 s, a page of a few MB), and the time headless Chromium
//! takes to load the page and run its script (when Chromium is installed).
//!
//! `cargo bench -p mqttgen-codegen --bench docs`. The baseline row is the front end alone
//! (loading the same spec), measured in the same run.

use std::fs;
use std::time::{Duration, Instant};

use mqttgen_codegen::docs::{render, view};
use mqttgen_codegen::spec::load_file;

#[path = "../tests/docs_support/mod.rs"]
mod docs_support;
#[path = "synthetic/mod.rs"]
mod synthetic;
#[path = "support/timing.rs"]
mod timing;
use synthetic::synthetic_spec;
use timing::{ms, time};

/// The allocator of the `mqttgen` binary, so the figures are what `mqttgen docs` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (channels, runs) = if full { (2_000, 5) } else { (50, 1) };
    let dir = tempfile::tempdir().expect("temp dir");
    let spec = dir.path().join("synthetic.yaml");
    fs::write(&spec, synthetic_spec(channels)).expect("write spec");

    let (load, loaded) = time(runs, || load_file(&spec));
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let doc = loaded.document.expect("document");
    let (model, _) = time(runs, || view::page(&doc));
    let (rendered, site) = time(runs, || render(&doc).expect("renders"));
    let site_dir = dir.path().join("site");
    let (total, _) = time(runs, || {
        let loaded = load_file(&spec);
        let site = render(loaded.document.as_ref().expect("document")).expect("renders");
        site.write_to(&site_dir).expect("writes");
    });
    let bytes = site.file("index.html").map_or(0, str::len);

    println!("\n`mqttgen docs` on a synthetic spec: {channels} channels, {channels} operations, {channels} messages (median of {runs})");
    println!("| stage | time | vs loading (baseline) |");
    println!("|---|---|---|");
    let base = load.as_secs_f64();
    for (name, d) in [
        ("load + check (baseline)", load),
        ("view model (names, schema rows, Markdown)", model),
        ("view model + templates", rendered),
        ("total: load → site written", total),
    ] {
        println!("| {name} | {} | {:.2}x |", ms(d), d.as_secs_f64() / base);
    }
    println!(
        "index.html: {:.2} MiB ({} bytes per channel); goal < 2 s for the total: {}",
        bytes as f64 / (1024.0 * 1024.0),
        bytes / channels,
        if total < Duration::from_secs(2) {
            "met"
        } else {
            "NOT met"
        }
    );

    // The browser half: one headless Chromium start that loads the page, runs its script and
    // dumps the DOM (the screenshot comes with it).
    if let Some(chromium) = docs_support::chromium() {
        let start = Instant::now();
        let run = docs_support::open(
            &chromium,
            &site_dir.join("index.html"),
            &dir.path().join("screenshot.png"),
        );
        println!(
            "headless Chromium: start, load, run the page script, dump the DOM: {} (script status: {}, {} console messages)",
            ms(start.elapsed()),
            docs_support::Dom::parse(&run.dom)
                .attribute("body", "data-js")
                .unwrap_or("none"),
            run.console.len()
        );
    }
}
