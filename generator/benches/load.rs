//! Front-end load benchmark: a synthetic AsyncAPI 3 document with 2,000 channels, 2,000 messages
//! and their schemas, built in memory and loaded several times. Prints the median wall time and the
//! mean CPU time of each step and its ratio to a baseline from the same run (`serde_yaml` parsing
//! the same text into JSON values). Large documents are parsed on several threads, so ratios and the
//! goal use the median wall time; the CPU time of the whole process (all threads, where the OS
//! reports it: Linux) shows what the work costs. On a shared machine wall time also counts the time
//! spent waiting for a core: note the load average next to the figures.
//!
//! `cargo bench -p mqttgen-codegen --bench load` runs the full size (goal: full load under 50 ms
//! in release on a 2-core machine); under `cargo test` it runs a small size once, as a smoke test.

use std::path::Path;

/// The allocator of the `mqttgen` binary, so the figures are what `mqttgen check` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::time::{Duration, Instant};

use mqttgen_codegen::spec::{load_with, parse_only, resolved_value, structure, yaml, ReadError};

fn synthetic(channels: usize) -> String {
    let mut text = String::with_capacity(channels * 600);
    text.push_str("asyncapi: 3.0.0\ninfo:\n  title: Synthetic\n  version: '1.0'\n");
    text.push_str("servers:\n  prod:\n    host: broker.local:1883\n    protocol: mqtt\n");
    text.push_str("channels:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "  ch{i}:\n    address: site/{{siteId}}/device{i}/{{deviceId}}/data\n    parameters:\n      siteId: {{description: site}}\n      deviceId: {{enum: [a, b, c]}}\n    messages:\n      m{i}: {{$ref: '#/components/messages/Msg{i}'}}\n"
        ));
    }
    text.push_str("operations:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "  op{i}:\n    action: {}\n    channel: {{$ref: '#/channels/ch{i}'}}\n    messages: [{{$ref: '#/channels/ch{i}/messages/m{i}'}}]\n    bindings: {{mqtt: {{qos: 1}}}}\n",
            if i % 2 == 0 { "send" } else { "receive" }
        ));
    }
    text.push_str("components:\n  messages:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "    Msg{i}:\n      contentType: application/json\n      payload: {{$ref: '#/components/schemas/Payload{i}'}}\n"
        ));
    }
    text.push_str("  schemas:\n    Common:\n      type: object\n      properties: {ts: {type: string, format: date-time}}\n");
    for i in 0..channels {
        text.push_str(&format!(
            "    Payload{i}:\n      type: object\n      required: [value]\n      properties:\n        value: {{type: number, minimum: 0}}\n        unit: {{type: string, enum: [c, f]}}\n        meta: {{$ref: '#/components/schemas/Common'}}\n"
        ));
    }
    text
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// User plus system time of the whole process, every thread included (Linux `/proc/self/stat`,
/// in clock ticks of 10 ms); unlike wall time it does not grow while other processes hold the
/// cores. `None` where it is unavailable.
fn cpu_time() -> Option<Duration> {
    const TICK: Duration = Duration::from_millis(10);
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = text.rsplit_once(") ")?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u32>().ok();
    let total = ticks(11)?.checked_add(ticks(12)?)?;
    (total > 0).then(|| TICK * total)
}

/// Median wall time and mean CPU time (when known) of `runs` calls of `f`. The CPU clock advances in
/// ticks of 10 ms, so only the mean over many runs is meaningful.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Option<Duration>) {
    let mut wall = Vec::with_capacity(runs);
    let cpu_start = cpu_time();
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f());
        wall.push(start.elapsed());
    }
    let cpu = match (cpu_start, cpu_time()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before) / runs as u32),
        _ => None,
    };
    (median(wall), cpu)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (channels, runs) = if full { (2_000, 21) } else { (100, 1) };
    let text = synthetic(channels);
    let no_files = |_: &Path| -> Result<String, ReadError> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, "in memory").into())
    };

    let loaded = load_with(
        Path::new("synthetic.yaml"),
        "synthetic.yaml",
        text.clone(),
        &no_files,
    );
    assert!(!loaded.has_errors(), "{}", loaded.render());
    let doc = loaded.document.expect("document");
    assert_eq!(doc.channels.len(), channels);
    assert_eq!(doc.messages.len(), channels);
    assert!(doc.schemas.len() > channels);

    // For profilers (`valgrind --tool=callgrind`): only the full load, `runs` times.
    if std::env::var_os("MQTTGEN_BENCH_LOAD_ONLY").is_some() {
        time(runs, || {
            load_with(
                Path::new("synthetic.yaml"),
                "synthetic.yaml",
                text.clone(),
                &no_files,
            )
        });
        return;
    }
    let baseline = time(runs, || {
        serde_yaml::from_str::<serde_json::Value>(&text).expect("serde_yaml parses it")
    });
    let one_pass = time(runs, || yaml::parse_one_pass(&text, 0));
    let tree = time(runs, || yaml::parse(&text, 0));
    // The structure check on its own (part of the full load), as the load runs it: the official
    // AsyncAPI JSON Schema (on the located tree seen through its references) and the rules beyond
    // it.
    let parsed = parse_only(
        Path::new("synthetic.yaml"),
        "synthetic.yaml",
        text.clone(),
        &no_files,
    );
    // The first call also compiles the schema: once per process, which `mqttgen check` pays once.
    let first = Instant::now();
    assert!(parsed.structure_findings("3.0.0").is_empty());
    let first = first.elapsed();
    let schema = time(runs, || parsed.structure_findings("3.0.0"));
    // The same on the resolved copy of the document (what the check did before #18's speed-ups,
    // and still does for documents with reference cycles or unresolvable references).
    let resolved = resolved_value(
        Path::new("synthetic.yaml"),
        "synthetic.yaml",
        text.clone(),
        &no_files,
    )
    .expect("resolves");
    assert!(structure::findings(&resolved, "3.0.0").is_empty());
    let schema_resolved = time(runs, || structure::findings(&resolved, "3.0.0"));
    let load = time(runs, || {
        load_with(
            Path::new("synthetic.yaml"),
            "synthetic.yaml",
            text.clone(),
            &no_files,
        )
    });

    println!(
        "front-end load: {channels} channels, {channels} messages, {} schemas, {} KiB, {runs} runs per step",
        doc.schemas.len(),
        text.len() / 1024
    );
    // Wall time is what a user waits; CPU time (all threads) is what the step costs.
    let ms = |d: Option<Duration>| {
        d.map_or("n/a".to_string(), |d| {
            format!("{:.2} ms", d.as_secs_f64() * 1e3)
        })
    };
    let cost = |(wall, _): (Duration, Option<Duration>)| wall.as_secs_f64();
    println!("| step                          | wall (median) |    CPU (mean) | vs baseline |");
    println!("|-------------------------------|---------------|---------------|-------------|");
    for (name, step) in [
        ("serde_yaml → JSON (baseline)", baseline),
        ("located YAML tree, one pass", one_pass),
        ("located YAML tree", tree),
        ("schema validation alone", schema),
        ("  on a resolved copy (old way)", schema_resolved),
        ("full load (model + checks)", load),
    ] {
        println!(
            "| {name:<29} | {:>13} | {:>13} | {:>10.2}x |",
            ms(Some(step.0)),
            ms(step.1),
            cost(step) / cost(baseline).max(1e-9)
        );
    }
    println!(
        "schema validation: {:.2} ms per load (median), {:.2} ms once per process for compiling the schema and the first run",
        schema.0.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3
    );
    if full {
        let goal = Duration::from_millis(50);
        let (wall, cpu) = load;
        println!(
            "goal: full load under {} ms (median wall time) — {} (wall {:.2} ms, {:.2}x baseline; CPU of all threads {})",
            goal.as_millis(),
            if wall <= goal { "met" } else { "NOT met" },
            wall.as_secs_f64() * 1e3,
            cost(load) / cost(baseline).max(1e-9),
            ms(cpu),
        );
    }
}
