//! A stable, seeded, bounded mutation fuzzer over the loader (cargo-fuzz needs nightly), plus the
//! replay of every input in `tests/fuzz_regressions/`.
//!
//! Seeds are our own specs, the public corpus when present and a few built-in documents. Each
//! iteration mutates one seed (byte flips, YAML-significant characters, truncation, splicing, line
//! duplication, deep nesting, aliases, odd `$ref`s) and loads it; a panic saves the input to
//! `tests/fuzz_regressions/` and fails. `MQTTGEN_FUZZ_ITERS` and `MQTTGEN_FUZZ_SEED` override the
//! defaults.
//!
//! The generator has its own fuzzer, which mutates names and strings of valid specs instead of
//! bytes and runs both roles through generate: `tests/tests/generator_fuzz.rs` (regressions in
//! `tests/tests/fixtures/generator_fuzz/`).

#[path = "support/inputs.rs"]
mod support;

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mqttgen_codegen::spec::load_with;
#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const DEFAULT_ITERS: u64 = 3_000;
const TIME_BUDGET: Duration = Duration::from_secs(8);

const BUILTIN: &[&str] = &[
    "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  c:\n    address: a/{p}/+/#\n    parameters: {p: {enum: [x]}}\n    messages:\n      m: {$ref: '#/components/messages/M'}\noperations:\n  o:\n    action: send\n    channel: {$ref: '#/channels/c'}\n    traits: [{bindings: {mqtt: {qos: 1}}}]\n    reply: {address: {location: '$message.header#/r'}}\ncomponents:\n  messages:\n    M:\n      payload: {$ref: '#/components/schemas/S'}\n      bindings: {mqtt: {qos: '1'}}\n  schemas:\n    S: {type: object, properties: {s: {$ref: '#/components/schemas/S'}}}\n",
    "asyncapi: 2.6.0\ninfo: {title: T, version: '1'}\nservers:\n  s: {url: 'mqtt://{h}:1883', protocol: mqtt, bindings: {mqtt: {lastWill: {qos: 2}}}}\nchannels:\n  a/{id}:\n    parameters: {id: {$ref: '#/components/parameters/id'}}\n    publish:\n      traits: [{$ref: '#/components/operationTraits/t'}]\n      message: {oneOf: [{$ref: '#/components/messages/A'}, {payload: {type: string}}]}\ncomponents:\n  parameters: {id: {schema: {type: string}}}\n  operationTraits: {t: {bindings: {mqtt: {qos: 1}}}}\n  messages: {A: {payload: {enum: [on, off, y, n]}, traits: [{headers: {type: object}}]}}\n",
    "{\"asyncapi\": \"3.1.0\", \"info\": {\"title\": \"T\", \"version\": \"1\"}, \"channels\": {\"c\": {\"address\": null, \"messages\": {\"m\": {\"payload\": {\"$ref\": \"#/x~1y/%25\"}}}}}}",
    "a: &a [1, 2]\nb: &b [*a, *a, *a]\nc: [*b, *b]\nasyncapi: 2.0.0\n",
];

const SIGNIFICANT: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    ",",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!str ",
    "|",
    ">",
    "- ",
    "#",
    "%",
    "@",
    "\n",
    "\t",
    " ",
    "~",
    "$ref: '#/'",
    "$ref: '#/~2'",
    "$ref: 'x.yaml#/a'",
    "$ref: 'http://h/x'",
    "{p}",
    "+",
    "/",
    "\u{FEFF}",
    "é",
    "\0",
    "---\n",
    "...\n",
    "? ",
];

fn seeds() -> Vec<String> {
    let mut seeds: Vec<String> = BUILTIN.iter().map(|s| s.to_string()).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("../specs")];
    dirs.push(support::corpus_path());
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    // Keep iterations fast: large documents are cut to their first 16 KiB.
                    let cut = text
                        .char_indices()
                        .nth(16_384)
                        .map_or(text.len(), |(i, _)| i);
                    seeds.push(text[..cut].to_string());
                }
            }
        }
    }
    seeds.sort();
    seeds
}

fn mutate(rng: &mut Rng, seeds: &[String]) -> Vec<u8> {
    let mut bytes = seeds[rng.below(seeds.len())].clone().into_bytes();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let at = rng.below(bytes.len() + 1);
        match rng.below(9) {
            0 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                let s = SIGNIFICANT[rng.below(SIGNIFICANT.len())];
                bytes.splice(at..at, s.bytes());
            }
            2 => bytes.truncate(at),
            3 => {
                let other = seeds[rng.below(seeds.len())].as_bytes();
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(400)).min(other.len());
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            4 => {
                // Duplicate a line (duplicate keys, odd indentation).
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    let mut out = lines.clone();
                    out.insert(i, lines[i]);
                    bytes = out.join("\n").into_bytes();
                }
            }
            5 => {
                // Deep nesting, flow or block.
                let depth = 1 + rng.below(400);
                let nest = if rng.below(2) == 0 {
                    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    (0..depth)
                        .map(|i| format!("\n{}k:", " ".repeat(i + 1)))
                        .collect()
                };
                bytes.splice(at..at, nest.into_bytes());
            }
            6 => {
                let s = ["&x ", "*x", "<<: *x\n", "&y [*x, *x, *x, *x]"][rng.below(4)];
                bytes.splice(at..at, s.bytes());
            }
            7 => {
                if !bytes.is_empty() {
                    let to = (at + rng.below(64)).min(bytes.len());
                    bytes.drain(at.min(to)..to);
                }
            }
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = (rng.bits() & 0xFF) as u8;
                }
            }
        }
    }
    bytes
}

/// Loads `bytes` (lossily decoded) with a file system that has no other files.
fn load_bytes(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // As YAML, and as a `.json` file (the strict JSON reader).
        for name in ["input.yaml", "input.json"] {
            let path = Path::new("fuzz").join(name);
            let loaded = load_with(&path, name, text.clone(), &|_| {
                Err(io::Error::new(io::ErrorKind::NotFound, "no files while fuzzing").into())
            });
            let _ = loaded.render();
            let _ = loaded.to_json();
        }
    }));
    outcome.map(|_| ()).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions")
}

#[test]
fn mutation_fuzzer_finds_no_panics() {
    let iterations = std::env::var("MQTTGEN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ITERS);
    let seed = std::env::var("MQTTGEN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_0FA5_CA71_u64);
    let seeds = seeds();
    let mut rng = Rng(seed | 1);
    let started = Instant::now();
    let mut done = 0;
    let default_budget = std::env::var_os("MQTTGEN_FUZZ_ITERS").is_none();
    while done < iterations {
        if default_budget && started.elapsed() > TIME_BUDGET {
            break;
        }
        let input = mutate(&mut rng, &seeds);
        if let Err(why) = load_bytes(&input) {
            let name = format!("crash-{seed:x}-{done}.yaml");
            let _ = std::fs::write(regressions_dir().join(&name), &input);
            panic!("the loader panicked ({why}); input saved as tests/fuzz_regressions/{name}");
        }
        done += 1;
    }
    eprintln!("fuzz: {done} inputs in {:?}", started.elapsed());
    assert!(done >= 500 || !default_budget, "only {done} iterations ran");
}

#[test]
fn fuzz_regressions_replay_without_panics() {
    let mut count = 0;
    for entry in std::fs::read_dir(regressions_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.extension().is_none_or(|e| e != "md") {
            let bytes = std::fs::read(&path).unwrap();
            if let Err(why) = load_bytes(&bytes) {
                panic!("{} panics again: {why}", path.display());
            }
            count += 1;
        }
    }
    assert!(count > 0, "the regression folder is empty");
}

#[test]
fn deep_but_allowed_nesting_does_not_overflow_a_small_stack() {
    // Just under the depth limit, in a payload schema, on a 2 MiB thread (the test default).
    let depth = 190;
    let mut schema = String::from("{type: string}");
    for _ in 0..depth {
        schema = format!("{{type: object, properties: {{a: {schema}}}}}");
    }
    let text = format!(
        "asyncapi: 3.0.0\ninfo: {{title: T, version: '1'}}\nchannels:\n  c:\n    address: c\n    messages:\n      m: {{payload: {schema}, traits: [{{payload: {schema}}}]}}\n"
    );
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || load_bytes(text.as_bytes()))
        .unwrap();
    assert!(handle.join().unwrap().is_ok());
}
