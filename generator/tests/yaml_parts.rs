//! The parallel YAML route (`spec::yaml_parts`) gives exactly the one-pass tree — ids, positions,
//! keys, key indexes — or nothing, in which case `yaml::parse` falls back to the one pass and its
//! diagnostics are unchanged. Checked on our specs, the public corpus and cases made to fail. The
//! one-pass reference is the full parser alone (`yaml::parse_full`), so the parts' fast path is
//! held to it too.

#[path = "support/inputs.rs"]
mod support;
#[path = "support/tree_dump.rs"]
mod tree_dump;

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::yaml;
use mqttgen_codegen::spec::yaml_parts;
use tree_dump::dump;

/// Asserts that every cut of `text` into 2–4 or 9 parts (on 2 threads) that is taken gives the one-pass tree; returns
/// how many were taken.
fn same_as_one_pass(text: &str, what: &str) -> usize {
    let one_pass = yaml::parse_full(text, 3);
    let mut taken = 0;
    for parts in [2, 3, 4, 9] {
        let Some(parsed) = yaml_parts::parse_in_parts(text, 3, parts, 2) else {
            eprintln!("{what}: not cut in {parts} parts");
            continue;
        };
        taken += 1;
        assert!(
            one_pass.diagnostics.is_empty(),
            "{what}: parts taken although one pass finds {:?}",
            one_pass.diagnostics
        );
        assert!(parsed.diagnostics.is_empty());
        assert_eq!(
            dump(parsed.root.as_ref().unwrap()),
            dump(one_pass.root.as_ref().unwrap()),
            "{what} in {parts} parts"
        );
    }
    taken
}

/// A document with top-level keys, nested maps, flow collections, anchors and block scalars, and
/// large mappings one and two levels down (like `channels` and `components/schemas`) that are cut
/// inside.
fn sample(keys: usize, extra: &str) -> String {
    let mut text = String::from("# leading comment\nasyncapi: 3.0.0\n");
    for i in 0..keys {
        text.push_str(&format!(
            "key{i}:\n  name: n{i}\n  flow: {{a: [1, 2.5, x], b: ~}}\n  pair: [&a{i} {{q: {i}}}, *a{i}]\n  text: |\n    line one\n    line two\n\n# comment between keys\n"
        ));
    }
    text.push_str("channels:\n");
    for i in 0..keys {
        text.push_str(&format!(
            "  ch{i}:\n    address: a/{{id}}/{i}\n    pair: [&c{i} [1, 2], *c{i}]\n# a comment at column 0\n\n    messages: {{m{i}: {{$ref: '#/x'}}}}\n"
        ));
    }
    text.push_str("components:\n  schemas:\n");
    for i in 0..keys {
        text.push_str(&format!(
            "    S{i}:\n      type: object\n      description: >-\n        folded\n        text\n      properties: {{v: {{type: number}}}}\n"
        ));
    }
    text.push_str(extra);
    text
}

#[test]
fn parts_give_the_one_pass_tree() {
    let text = sample(40, "tail: end\n");
    assert_eq!(same_as_one_pass(&text, "sample"), 4);
    // Non-ASCII text and CRLF line ends: byte offsets and columns still match.
    let unicode = sample(20, "").replace("line one", "línea ü 😀");
    assert_eq!(same_as_one_pass(&unicode, "unicode"), 4);
    let crlf = sample(20, "").replace('\n', "\r\n");
    assert_eq!(same_as_one_pass(&crlf, "crlf"), 4);
}

#[test]
fn cuts_are_at_keys_of_open_mappings_and_cover_the_text() {
    let text = sample(40, "tail: end\n");
    let cuts = yaml_parts::cut(&text, 6).unwrap();
    assert!(cuts.len() >= 6, "{cuts:?}");
    for depth in 0..=2 {
        assert!(cuts.iter().skip(1).any(|p| p.depth == depth), "{cuts:?}");
    }
    assert_eq!(cuts[0].range.start, 0);
    assert_eq!(cuts.last().unwrap().range.end, text.len());
    for pair in cuts.windows(2) {
        assert_eq!(pair[0].range.end, pair[1].range.start);
        // Nothing in a part is less indented than its first line.
        for line in text[pair[0].range.clone()].lines() {
            let indent = line.len() - line.trim_start_matches(' ').len();
            assert!(
                line.trim().is_empty() || line.starts_with('#') || indent >= pair[0].indent,
                "{line:?} in {:?}",
                pair[0]
            );
        }
    }
    for part in &cuts[1..] {
        let at = &text[part.range.clone()];
        let key = &at[part.indent..];
        assert!(at[..part.indent].bytes().all(|b| b == b' '));
        assert!(
            key.starts_with(|c: char| c.is_ascii_alphanumeric()),
            "{at:.30}"
        );
        assert_eq!(part.indent, 2 * part.depth);
        assert_eq!(
            text[..part.range.start].matches('\n').count(),
            part.lines_before
        );
    }
}

#[test]
fn anything_unusual_is_left_to_the_one_pass() {
    let base = sample(30, "");
    let cases = [
        // Findings in a part: duplicate key across parts, syntax error, alias to an anchor of an
        // earlier part, a second document.
        format!("{base}key0: again\n"),
        format!("{base}broken: [1, 2\n"),
        format!("{base}late: *a0\n"),
        format!("{base}  late: *a0\n"),
        format!("{base}  schemas: again\n"),
        format!("{base}    S0: again\n"),
        format!("{base}---\nsecond: doc\n"),
        format!("{base}...\nsecond: doc\n"),
        // Top-level merge keys, directives, non-mapping roots.
        format!("{base}<<: {{merged: 1}}\n"),
        format!("{base}  <<: {{merged: 1}}\n"),
        format!("{base}    <<: {{merged: 1}}\n"),
        format!("%YAML 1.2\n---\n{base}"),
        format!("- item\n{base}"),
        format!("{{flow: 1}}\n{base}"),
        format!("  indented: 1\n{base}"),
    ];
    for (i, text) in cases.iter().enumerate() {
        for parts in [2, 3, 4, 9] {
            assert!(
                yaml_parts::parse_in_parts(text, 0, parts, 2).is_none(),
                "case {i} in {parts} parts"
            );
        }
        // And through the public entry point the findings are those of the one pass.
        let one_pass = yaml::parse_one_pass(text, 0);
        let parsed = yaml::parse(text, 0);
        assert_eq!(
            format!("{:?}", parsed.diagnostics),
            format!("{:?}", one_pass.diagnostics),
            "case {i}"
        );
    }
}

#[test]
fn large_documents_take_the_parts_route_with_unchanged_findings() {
    let keys = 2 * yaml_parts::MIN_PART_BYTES / 200;
    let text = sample(keys, "");
    assert!(text.len() >= 2 * yaml_parts::MIN_PART_BYTES);
    let one_pass = yaml::parse_full(&text, 0).root.unwrap();
    // Enough nodes after the first part that ids are renumbered on two threads.
    assert!(one_pass.last > 25_000, "{}", one_pass.last);
    assert_eq!(
        dump(yaml::parse(&text, 0).root.as_ref().unwrap()),
        dump(&one_pass)
    );
    let parts = yaml_parts::parse_in_parts(&text, 0, 8, 2).expect("cut into parts");
    assert_eq!(dump(parts.root.as_ref().unwrap()), dump(&one_pass));
    // A duplicate key far down: reported exactly as by the one pass.
    let bad = format!("{text}    S7: twice\n");
    let parsed = yaml::parse(&bad, 0);
    assert_eq!(parsed.diagnostics.len(), 1);
    assert_eq!(parsed.diagnostics[0].code, "yaml-duplicate-key");
    assert_eq!(
        format!("{:?}", parsed.diagnostics),
        format!("{:?}", yaml::parse_one_pass(&bad, 0).diagnostics)
    );
}

fn documents(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            documents(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

#[test]
fn our_specs_and_the_public_corpus_parse_the_same_in_parts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    documents(&root.join("specs"), &mut paths);
    let ours = paths.len();
    // Without the corpus (outside CI) only our specs run.
    if let Some(corpus) = support::corpus() {
        documents(&corpus, &mut paths);
    }
    assert!(ours >= 10, "only {ours} of our specs found");
    let mut taken = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        taken += same_as_one_pass(&text, &path.display().to_string());
    }
    // Most documents are top-level block mappings that can be cut.
    assert!(
        taken >= paths.len() / 2,
        "only {taken} cuts taken in {} documents",
        paths.len()
    );
}

#[test]
fn line_mutations_never_make_the_parts_differ_from_the_one_pass() {
    // Line-level edits hit what cutting depends on: indentation, top-level lines, anchors and
    // aliases, merge keys, document markers, block scalars and flow collections across lines.
    const LINES: &[&str] = &[
        "---",
        "...",
        "<<: {m: 1}",
        "  <<: {m: 1}",
        "  ref: *a3",
        "top: *c2",
        "  x: &z 1",
        "  y: *z",
        "- item",
        "  - item",
        "    deep:",
        "    - item",
        "  key: &anchor",
        "    key: !!str",
        "    S3: again",
        "      x: *c3",
        "key: |",
        "key: |+",
        "  key: >-",
        "  key: |2 # comment",
        "    indented text",
        "  ",
        "  text: in a block?",
        "flow: [1,",
        "  2]",
        "  \"quoted\": 1",
        "? complex",
        "# comment",
        "",
        "\ttab: 1",
        "%TAG ! tag:x,2024:",
        "plain",
        "  plain continued",
    ];
    let base: Vec<String> = sample(12, "tail: end\n")
        .lines()
        .map(String::from)
        .collect();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut taken = 0;
    let rounds = std::env::var("MQTTGEN_PARTS_MUTATIONS").map_or(300, |v| v.parse().unwrap());
    for round in 0..rounds {
        let mut lines = base.clone();
        for _ in 0..1 + next(3) {
            let at = next(lines.len());
            match next(4) {
                0 => lines.insert(at, LINES[next(LINES.len())].to_string()),
                1 => {
                    lines.remove(at);
                }
                2 => {
                    let line = lines[at].clone();
                    lines.insert(at, line);
                }
                _ => {
                    let line = lines[at].trim_start().to_string();
                    lines[at] = format!("{}{line}", " ".repeat(next(5)));
                }
            }
        }
        let text = lines.join("\n") + "\n";
        taken += same_as_one_pass(&text, &format!("mutation {round}:\n{text}"));
    }
    assert!(taken > 100, "only {taken} mutated documents were cut");
}
