//! The YAML fast path (`reader/yaml/fast`) against the full parser (yaml-rust2's events), document
//! by document: whenever the fast path reads a text (`yaml::parse_fast` gives a tree), the full
//! parser must read it without a finding and give the identical tree — values, key order, node
//! ids, every position (byte offset, line, column) and key index. Texts the fast path gives up on
//! are the full parser's alone and need no comparison.
//!
//! Documents: the yaml-test-suite (`../shared/yaml-test-suite`), our `specs/`, the public corpus
//! (`MQTTGEN_CORPUS`), built-in samples of every construct the fast path reads, and seeded,
//! reproducible mutations of all of them: re-indentation, CRLF line ends, comments, the trees
//! written out again with random flow/block layout and quoting, and byte-level edits with
//! YAML-significant characters. Each test prints how many documents took the fast path.

#[path = "support/inputs.rs"]
mod support;
#[path = "support/tree_dump.rs"]
mod tree_dump;

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::yaml;
use serde_json::Value as Json;
use tree_dump::dump;
#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// How many documents were compared and how many of them the fast path read.
#[derive(Default)]
struct Tally {
    documents: usize,
    fast: usize,
}

impl Tally {
    /// Compares the fast path with the full parser on `text` (see the module documentation).
    fn compare(&mut self, text: &str, what: &str) {
        self.documents += 1;
        let Some(fast) = yaml::parse_fast(text, 3) else {
            return;
        };
        self.fast += 1;
        let full = yaml::parse_full(text, 3);
        assert!(
            fast.diagnostics.is_empty() && full.diagnostics.is_empty(),
            "{what}: the fast path read a text the full parser reports: {:?}\n---\n{text}",
            full.diagnostics
        );
        let (Some(fast), Some(full)) = (fast.root, full.root) else {
            panic!("{what}: a tree from one parser only\n---\n{text}");
        };
        assert_eq!(dump(&fast), dump(&full), "{what}\n---\n{text}");
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} documents, {} read by the fast path and identical to the full parser",
            self.documents, self.fast
        );
    }
}

/// Every construct the fast path reads, and neighbours of them it must leave alone.
const SAMPLES: &[&str] = &[
    "asyncapi: 3.0.0\ninfo:\n  title: T\n  version: '1.0'\nchannels:\n  a/b:\n    address: 'x/{id}'\n    messages: {m: {$ref: '#/components/messages/M'}}\n",
    "# comment\n\na: 1   # trailing\nb:\n  - x\n  - y: 1\n    z: [1, 2.5, -3, 0o17, 0x1f, .5, 1e3, +1, ~, null, true, False, on, 'q', \"d\"]\n",
    "key:\n- indentless\n- - compact\n  - nested\n-   wide: 1\n    next: 2\nafter: x\n",
    "empty:\nnext: 1\nseq:\n-\n- b\nlast: end\n",
    "\"quoted key\": 1\n'single ''key''': 2\n200: ok\n1.0: one\n~: nothing\ntrue: yes\n",
    "esc: \"tab\\tnl\\nq\\\"bs\\\\u\\u00e9x\\x41U\\U0001F600 slash\\/ nbsp\\_\"\nsingle: 'it''s'\n",
    "unicode: é 😀 ü\nkey é: [ä, {ö: ß}]\n\"ü\": 'ï'\n",
    "crlf: 1\r\nnested:\r\n  a: [1, 2]\r\n  b: \"x\"\r\n",
    "url: http://example.com:8080/path#frag\ntime: 12:30\nplain: a b  c\nhash: a#b\ncolon: a:b\n",
    "flow: {a: b, c: [d, {e: f}], 'g h': \"i\"}\nempty: {e1: {}, e2: []}\nspaces: [ a , b ]\n",
    "- a\n- b: c\n  d: e\n- [f, g]\n- {h: i}\n",
    "[a, b, {c: d}]\n",
    "{a: 1, b: [2, 3]}\n",
    "  indented: 1\n  root: 2\n",
    "a:\n  b:\n    c:\n      d: deep\n  e: back\nf: top\n",
    "a: 1\n  b: 2\n",
    "a: b: c\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |\n  block\n",
    "a: >-\n  folded\n",
    "a: multi\n  line\n",
    "a: 'multi\n  line'\n",
    "a: [1,\n  2]\n",
    "a: 1\na: 2\n",
    "<<: {a: 1}\n",
    "? a\n: b\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a:\tb\n",
    "a: [1, 2,]\n",
    "a: {b}\n",
    "a: {\"b\":1}\n",
    "a: -\n",
    "a: @b\n",
    "a: `b\n",
    "a: \"\\q\"\n",
    "a: 'x'y\n",
    "a: [x]y\n",
    "- a\nb: c\n",
    "a:\n  - b\n  c: d\n",
    "a:\n",
    "",
    "# only a comment\n",
    "scalar\n",
    "a: 1\r\nb: 2\rc: 3\n",
    "\u{feff}a: 1\n",
];

/// The synthetic shape of the load and diff benchmarks, `channels` channels.
fn synthetic(channels: usize) -> String {
    let mut text = String::from(
        "asyncapi: 3.0.0\ninfo:\n  title: Synthetic plant\n  version: 1.0.0\nchannels:\n",
    );
    for i in 0..channels {
        text.push_str(&format!(
            "  line{i}:\n    address: 'plant/{{site}}/line{i}/{{machineId}}/state'\n    parameters:\n      site: {{enum: [north, south]}}\n    messages:\n      state{i}: {{$ref: '#/components/messages/State{i}'}}\n"
        ));
    }
    text.push_str("components:\n  schemas:\n");
    for i in 0..channels {
        text.push_str(&format!(
            "    State{i}:\n      type: object\n      required: [mode, at]\n      properties:\n        rpm: {{type: integer, minimum: 0, maximum: 20000}}\n        position: {{type: object, properties: {{x: {{type: number}}}}}}\n"
        ));
    }
    text
}

fn collect(dir: &Path, names: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, names, out);
        } else if names(&path) {
            out.push(path);
        }
    }
}

fn is_document(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Our specs and the public corpus (when present), as (name, text).
fn spec_documents() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    collect(
        &support::workspace_root().join("specs"),
        &is_document,
        &mut paths,
    );
    if let Some(corpus) = support::corpus() {
        collect(&corpus, &is_document, &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

/// The yaml-test-suite's inputs, as (name, text); `None` when the suite is absent (a failure
/// under CI).
fn suite_documents() -> Option<Vec<(String, String)>> {
    let dir = support::workspace_root().join("../shared/yaml-test-suite");
    if !dir.is_dir() {
        assert!(
            !support::under_ci(),
            "the yaml-test-suite is missing at {} (CI=true)",
            dir.display()
        );
        eprintln!("SKIPPED: yaml-test-suite not found at {}", dir.display());
        return None;
    }
    let mut paths = Vec::new();
    collect(
        &dir,
        &|p| p.file_name().is_some_and(|n| n == "in.yaml"),
        &mut paths,
    );
    Some(
        paths
            .into_iter()
            .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
            .collect(),
    )
}

#[test]
fn the_fast_path_matches_the_full_parser_on_samples() {
    let mut tally = Tally::default();
    for (i, text) in SAMPLES.iter().enumerate() {
        tally.compare(text, &format!("sample {i}"));
    }
    tally.compare(&synthetic(50), "synthetic");
    tally.report("samples");
    // The constructs it is meant for are read, not left to the full parser.
    for (i, text) in SAMPLES.iter().take(15).enumerate() {
        assert!(
            yaml::parse_fast(text, 0).is_some(),
            "sample {i} is left to the full parser:\n{text}"
        );
    }
    assert!(yaml::parse_fast(&synthetic(50), 0).is_some());
}

#[test]
fn the_whole_route_matches_the_full_parser_on_a_large_document() {
    // `yaml::parse`: parts on several threads, each part by the fast path.
    let text = synthetic(300);
    let full = yaml::parse_full(&text, 0);
    assert!(full.diagnostics.is_empty());
    assert_eq!(
        dump(yaml::parse(&text, 0).root.as_ref().unwrap()),
        dump(full.root.as_ref().unwrap())
    );
}

#[test]
fn the_fast_path_matches_the_full_parser_on_the_yaml_test_suite() {
    let Some(documents) = suite_documents() else {
        return;
    };
    let mut tally = Tally::default();
    for (name, text) in &documents {
        tally.compare(text, name);
    }
    tally.report("yaml-test-suite");
    assert!(tally.documents > 300, "{} documents", tally.documents);
    assert!(
        tally.fast > 30,
        "only {} documents took the fast path",
        tally.fast
    );
}

#[test]
fn the_fast_path_matches_the_full_parser_on_specs_and_the_corpus() {
    let documents = spec_documents();
    let mut tally = Tally::default();
    for (name, text) in &documents {
        tally.compare(text, name);
    }
    tally.report("specs and corpus");
    assert!(
        tally.fast > 50,
        "only {} documents took the fast path",
        tally.fast
    );
}

/// Documents made from `text`: re-indented, CRLF, commented, and byte-level edits.
fn line_mutations(rng: &mut Rng, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let indent_of = |line: &str| line.len() - line.trim_start_matches(' ').len();
    let mut out = Vec::new();
    // Every indentation doubled, or shifted right by one column.
    for (scale, shift) in [(2, 0), (1, 1)] {
        out.push(
            lines
                .iter()
                .map(|l| {
                    let n = indent_of(l);
                    format!("{}{}", " ".repeat(n * scale + shift), &l[n..])
                })
                .collect(),
        );
    }
    out.push(text.replace('\n', "\r\n"));
    // Comments after values and on lines of their own, at random indentation.
    let mut commented = String::new();
    for line in &lines {
        if rng.chance(20) {
            commented.push_str(&" ".repeat(rng.below(6)));
            commented.push_str("# a comment: [x, {y}] 'q'\n");
        }
        if rng.chance(25) && !line.trim_end().is_empty() && !line.trim_end().ends_with(['|', '>']) {
            commented.push_str(line.trim_end_matches(['\n', '\r']));
            commented.push_str(if rng.chance(50) {
                " # note"
            } else {
                "  #note: a"
            });
            commented.push('\n');
        } else {
            commented.push_str(line);
        }
    }
    out.push(commented);
    // Byte-level edits with characters that mean something in YAML.
    const TOKENS: &[&str] = &[
        ":", ": ", "- ", "-", "#", " #", "'", "\"", "&a ", "*a", "!", "|", ">", "[", "]", "{", "}",
        ",", " ", "  ", "\t", "\r", "\n", "\n  ", "é", "😀", "?", "? ", "%", "---", "...", "\\",
        "~", "0x", ".5", "<<: ", "\u{85}", "\u{feff}",
    ];
    for _ in 0..6 {
        let mut edited = text.to_string();
        for _ in 0..1 + rng.below(3) {
            let mut at = rng.below(edited.len() + 1);
            while !edited.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(4) {
                0 | 1 => edited.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
                2 => {
                    let mut end = (at + 1 + rng.below(3)).min(edited.len());
                    while !edited.is_char_boundary(end) {
                        end += 1;
                    }
                    edited.replace_range(at..end, "");
                }
                _ => {
                    // Duplicate the line `at` is on.
                    let start = edited[..at].rfind('\n').map_or(0, |i| i + 1);
                    let end = edited[at..].find('\n').map_or(edited.len(), |i| at + i + 1);
                    let line = edited[start..end].to_string();
                    edited.insert_str(end, &line);
                }
            }
        }
        out.push(edited);
    }
    out
}

/// `value` written out as YAML with random layout: block or flow collections, indentless or
/// compact sequences, indentation widths, and plain, single- or double-quoted scalars.
fn write_out(rng: &mut Rng, value: &Json) -> String {
    let mut out = String::new();
    let step = 1 + rng.below(4);
    if rng.chance(10) {
        out.push_str("# written out\n");
    }
    block(rng, value, 0, step, &mut out);
    out
}

fn block(rng: &mut Rng, value: &Json, indent: usize, step: usize, out: &mut String) {
    match value {
        Json::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                out.push_str(&" ".repeat(indent));
                out.push_str(&scalar_text(rng, &Json::String(key.clone()), false));
                out.push(':');
                block_value(rng, item, indent, step, true, out);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push('-');
                block_value(rng, item, indent, step, false, out);
            }
        }
        other => {
            out.push_str(&" ".repeat(indent));
            out.push_str(&flow(rng, other));
            out.push('\n');
        }
    }
}

/// What follows `key:` or `-` at `indent`.
fn block_value(
    rng: &mut Rng,
    value: &Json,
    indent: usize,
    step: usize,
    in_map: bool,
    out: &mut String,
) {
    let collection = match value {
        Json::Object(map) => !map.is_empty(),
        Json::Array(items) => !items.is_empty(),
        _ => false,
    };
    if !collection || rng.chance(30) {
        let text = flow(rng, value);
        if text.is_empty() {
            out.push('\n');
        } else {
            out.push(' ');
            out.push_str(&text);
            out.push_str(if rng.chance(10) { "  # c\n" } else { "\n" });
        }
        return;
    }
    if !in_map && value.is_object() && rng.chance(50) {
        // A compact mapping: its first key on the `-` line.
        let mut nested = String::new();
        block(rng, value, indent + 2, step, &mut nested);
        out.push(' ');
        out.push_str(&nested[indent + 2..]);
        return;
    }
    out.push('\n');
    let indentless = in_map && value.is_array() && rng.chance(40);
    block(
        rng,
        value,
        if indentless { indent } else { indent + step },
        step,
        out,
    );
}

fn flow(rng: &mut Rng, value: &Json) -> String {
    match value {
        Json::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar_text(rng, &Json::String(k.clone()), true),
                        flow(rng, v)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| flow(rng, v)).collect();
            format!("[{}]", items.join(", "))
        }
        scalar => scalar_text(rng, scalar, true),
    }
}

fn scalar_text(rng: &mut Rng, value: &Json, in_flow: bool) -> String {
    match value {
        Json::Null => ["null", "~", "Null", ""][rng.below(if in_flow { 3 } else { 4 })].into(),
        Json::Bool(b) => {
            if rng.chance(50) {
                b.to_string()
            } else {
                (if *b { "True" } else { "FALSE" }).to_string()
            }
        }
        Json::Number(n) => n.to_string(),
        Json::String(s) => match rng.below(3) {
            0 if !s.is_empty() => s.clone(),
            1 if !s.contains(['\n', '\r', '\t']) => format!("'{}'", s.replace('\'', "''")),
            _ => serde_json::to_string(s).unwrap(),
        },
        other => flow(rng, other),
    }
}

#[test]
fn the_fast_path_matches_the_full_parser_on_seeded_mutations() {
    let mut rng = Rng(0x5EED_FA57_0022_0018);
    let mut bases: Vec<(String, String)> = SAMPLES
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("sample {i}"), t.to_string()))
        .collect();
    bases.push(("synthetic".into(), synthetic(8)));
    bases.extend(spec_documents());
    if let Some(suite) = suite_documents() {
        bases.extend(suite);
    }
    let mut tally = Tally::default();
    let mut written = Tally::default();
    for (name, text) in &bases {
        // Keep the run short: large documents are mutated through a prefix of whole lines.
        let mut cut = text.len().min(6_000);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let base = &text[..text[..cut].rfind('\n').map_or(cut, |i| i + 1)];
        for (i, mutated) in line_mutations(&mut rng, base).iter().enumerate() {
            tally.compare(mutated, &format!("{name}, mutation {i}"));
        }
        // The tree written out again in other layouts.
        if let Some(root) = yaml::parse_full(base, 0).root {
            let json = root.to_json();
            for i in 0..2 {
                let text = write_out(&mut rng, &json);
                written.compare(&text, &format!("{name}, written out {i}"));
            }
        }
    }
    tally.report("line and byte mutations");
    written.report("trees written out in other layouts");
    assert!(
        tally.fast > 200,
        "only {} mutations took the fast path",
        tally.fast
    );
    assert!(
        written.fast > 100,
        "only {} layouts took the fast path",
        written.fast
    );
}
