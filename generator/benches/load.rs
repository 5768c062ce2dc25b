//! Front-end load benchmark: a synthetic AsyncAPI 3 document with 2,000 channels, 2,000 messages
//! and their schemas, built in memory and loaded several times. Prints the median per step and its
//! ratio to a baseline from the same run (`serde_yaml` parsing the same text into JSON values).
//!
//! `cargo bench -p mqttgen-codegen --bench load` runs the full size (goal: full load under 50 ms
//! in release on a 2-core machine); under `cargo test` it runs a small size once, as a smoke test.

use std::path::Path;
use std::time::{Duration, Instant};

use mqttgen_codegen::spec::{load_with, yaml};

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

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let samples = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (channels, runs) = if full { (2_000, 9) } else { (100, 1) };
    let text = synthetic(channels);
    let no_files = |_: &Path| -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "in memory",
        ))
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
    let tree = time(runs, || yaml::parse(&text, 0));
    let load = time(runs, || {
        load_with(
            Path::new("synthetic.yaml"),
            "synthetic.yaml",
            text.clone(),
            &no_files,
        )
    });

    println!(
        "front-end load: {channels} channels, {channels} messages, {} schemas, {} KiB, median of {runs}",
        doc.schemas.len(),
        text.len() / 1024
    );
    println!("| step                          | median     | vs baseline |");
    println!("|-------------------------------|------------|-------------|");
    for (name, d) in [
        ("serde_yaml → JSON (baseline)", baseline),
        ("located YAML tree", tree),
        ("full load (model + checks)", load),
    ] {
        println!(
            "| {name:<29} | {:>7.2} ms | {:>10.2}x |",
            d.as_secs_f64() * 1e3,
            d.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
        );
    }
    if full {
        let goal = Duration::from_millis(50);
        println!(
            "goal: full load under {} ms — {}",
            goal.as_millis(),
            if load <= goal { "met" } else { "NOT met" }
        );
    }
}
