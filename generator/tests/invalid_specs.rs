//! Our negative suite: every document under `specs/invalid/` (files, and folders with an
//! `asyncapi.yaml` entry) must give at least one located error; its diagnostics are compared with
//! the `.expected` snapshot next to it. Run with `MQTTGEN_BLESS=1` to rewrite the snapshots.

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::load_file;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/invalid")
        .canonicalize()
        .unwrap()
}

/// (entry document, snapshot file)
fn cases() -> Vec<(PathBuf, PathBuf)> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(suite()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            cases.push((path.join("asyncapi.yaml"), path.join("asyncapi.expected")));
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            cases.push((path.clone(), path.with_extension("expected")));
        }
    }
    cases.sort();
    cases
}

/// One line per diagnostic: severity, code, file#pointer, line:column, message.
fn snapshot(entry: &Path) -> String {
    let loaded = load_file(entry);
    let base = entry.parent().unwrap().canonicalize().unwrap();
    let base = base.as_path();
    let mut out = String::new();
    for d in &loaded.diagnostics {
        let file_of = |id: usize| {
            loaded.sources.file(id).map_or("?".to_string(), |f| {
                f.path
                    .strip_prefix(base)
                    .unwrap_or(&f.path)
                    .display()
                    .to_string()
            })
        };
        let place = match (&d.node, &d.location) {
            (Some(n), _) => format!("{}#{}", file_of(n.file), n.pointer),
            (None, Some(l)) => file_of(l.file),
            (None, None) => "-".to_string(),
        };
        let at = d
            .location
            .as_ref()
            .map_or("-".to_string(), |l| format!("{}:{}", l.line, l.column));
        let severity = if d.is_error() { "error" } else { "warning" };
        // Paths in messages are made relative so snapshots do not depend on the checkout.
        let message = d
            .message
            .replace(&format!("{}/", base.display()), "")
            .replace(&format!("{}/", entry.parent().unwrap().display()), "");
        out.push_str(&format!("{severity} {} {place} {at} {message}\n", d.code));
    }
    out
}

#[test]
fn invalid_specs_match_their_snapshots() {
    let cases = cases();
    assert!(cases.len() >= 25, "only {} invalid specs", cases.len());
    let bless = std::env::var_os("MQTTGEN_BLESS").is_some();
    let mut failures = Vec::new();
    for (entry, expected_path) in &cases {
        let loaded = load_file(entry);
        let located_error = loaded
            .diagnostics
            .iter()
            .any(|d| d.is_error() && d.location.as_ref().is_some_and(|l| l.line > 0));
        if !located_error {
            failures.push(format!(
                "{}: no located error\n{}",
                entry.display(),
                loaded.render()
            ));
        }
        let actual = snapshot(entry);
        if bless {
            std::fs::write(expected_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{} differs from {}:\n--- expected\n{expected}--- actual\n{actual}",
                entry.display(),
                expected_path.display()
            )),
            Err(_) => failures.push(format!(
                "{} has no snapshot {} (run with MQTTGEN_BLESS=1)",
                entry.display(),
                expected_path.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
