//! `mqttgen docs` renders every document the front end accepts: our own specs (hostile ones
//! included) and the public corpus (`../shared/specs/public`, or `$MQTTGEN_CORPUS`; absent: the
//! corpus half says so and skips, under `CI=true` it fails). Each page names every channel,
//! operation and message, and holds no element, handler or link that spec text could have
//! injected (read from the rendered HTML; the browser tests check the live DOM).

mod docs_support;

use std::path::{Path, PathBuf};

use docs_support::{corpus, decode, inert_problems, root, Dom};
use mqttgen_codegen::docs::render;
use mqttgen_codegen::spec::{load_file_with, LoadOptions};

/// Renders `path` when it loads without errors; returns a problem description, `Ok(false)` when
/// the front end rejects the document (not a docs matter), `Ok(true)` when rendered and checked.
fn render_checked(path: &Path, ref_root: &Path) -> Result<bool, String> {
    let loaded = load_file_with(path, &LoadOptions::with_ref_root(ref_root));
    let (Some(doc), false) = (&loaded.document, loaded.has_errors()) else {
        return Ok(false);
    };
    let site = render(doc).map_err(|e| format!("{}: render error {e:#}", path.display()))?;
    let html = site.file("index.html").expect("index.html");
    let dom = Dom::parse(html);
    let problems = inert_problems(&dom);
    if !problems.is_empty() {
        return Err(format!("{}: {problems:#?}", path.display()));
    }
    let names = doc
        .channels
        .iter()
        .map(|c| &c.id)
        .chain(doc.operations.iter().map(|o| &o.id))
        .chain(doc.messages.iter().map(|m| &m.name));
    for name in names {
        // Text is normalised by nothing but escaping: the decoded text holds the name verbatim.
        if !dom.text.contains(name.as_str()) && !decode(html).contains(name.as_str()) {
            return Err(format!("{}: `{name}` not on the page", path.display()));
        }
    }
    Ok(true)
}

#[test]
fn our_specs_render() {
    let mut specs: Vec<PathBuf> = Vec::new();
    for dir in ["specs", "specs/hostile", "specs/fleet"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let is_spec = path.extension().is_some_and(|e| e == "yaml" || e == "json");
            let fragment = path.file_name().is_some_and(|n| n == "schemas.yaml");
            if is_spec && !fragment {
                specs.push(path);
            }
        }
    }
    specs.sort();
    let mut rendered = 0;
    for spec in &specs {
        match render_checked(spec, &root().join("specs")) {
            Ok(true) => rendered += 1,
            Ok(false) => panic!("{} does not load", spec.display()),
            Err(problem) => panic!("{problem}"),
        }
    }
    assert!(rendered >= 10, "only {rendered} specs rendered");
}

/// Entry files of SOURCES.md's table (valid and invalid: whatever the front end accepts renders).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    text.lines()
        .filter(|line| line.starts_with("| "))
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 7 || cells[1] == "File" || cells[1].starts_with("---") {
                return None;
            }
            if !(cells[5].starts_with("OK") || cells[5].starts_with("INVALID")) {
                return None;
            }
            Some(dir.join(cells[1].split_whitespace().next()?))
        })
        .collect()
}

#[test]
fn every_accepted_corpus_document_renders() {
    let Some(dir) = corpus() else {
        return;
    };
    let mut rendered = 0;
    let mut problems = Vec::new();
    for path in entries(&dir) {
        match render_checked(&path, &dir) {
            Ok(true) => rendered += 1,
            Ok(false) => {}
            Err(problem) => problems.push(problem),
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(rendered >= 30, "only {rendered} corpus documents rendered");
    eprintln!("{rendered} corpus documents rendered");
}

#[path = "../benches/synthetic/mod.rs"]
mod synthetic;

#[test]
fn large_specs_start_collapsed_and_stay_small() {
    let channels = 200;
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("synthetic.yaml");
    std::fs::write(&spec, synthetic::synthetic_spec(channels)).unwrap();
    let doc = docs_support::load(&spec, dir.path());
    let site = render(&doc).unwrap();
    let html = site.file("index.html").unwrap();
    // Item sections are collapsed (the topic tree's upper levels stay open).
    for kind in ["op", "ch", "msg"] {
        let open = format!("<details class=\"item {kind}\" id=");
        let items = html.matches(&open).count();
        assert_eq!(items, channels, "{kind} items");
        for at in html.match_indices(&open).map(|(at, _)| at) {
            let tag_end = at + html[at..].find('>').unwrap();
            assert!(
                !html[at..tag_end].contains(" open"),
                "{}",
                &html[at..tag_end]
            );
        }
    }
    // The README states about 5.5 MiB for the 2,000-channel spec: at most 2,900 bytes a channel
    // (its operation and message included).
    let per_channel = html.len() / channels;
    assert!(per_channel <= 2_900, "{per_channel} bytes per channel");
}
