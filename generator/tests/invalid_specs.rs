//! Our negative suite: every document under `specs/invalid/` (files, and folders with an
//! `asyncapi.yaml` entry) must give at least one located error; its diagnostics are compared with
//! the `.expected` snapshot next to it. Run with `MQTTGEN_BLESS=1` to rewrite the snapshots.
//!
//! `specs/warnings/` holds valid AsyncAPI documents (the official parser accepts them, so `check`
//! does too) that get warnings: each must give no error and at least one located warning, and its
//! snapshot also records what `generate` makes of it (MQTT-specific refusals such as `#` before
//! the last level of an address).

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::load_file;

fn suite(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// (entry document, snapshot file)
fn cases(suite: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(suite).unwrap() {
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
    let cases = cases(&suite("invalid"));
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
        compare(bless, entry, expected_path, &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn warning_specs_are_valid_and_match_their_snapshots() {
    let cases = cases(&suite("warnings"));
    assert!(cases.len() >= 3, "only {} warning specs", cases.len());
    let bless = std::env::var_os("MQTTGEN_BLESS").is_some();
    let mut failures = Vec::new();
    for (entry, expected_path) in &cases {
        let loaded = load_file(entry);
        let located_warning = loaded
            .diagnostics
            .iter()
            .any(|d| !d.is_error() && d.location.as_ref().is_some_and(|l| l.line > 0));
        if loaded.has_errors() || !located_warning {
            failures.push(format!(
                "{}: expected warnings only, at least one located\n{}",
                entry.display(),
                loaded.render()
            ));
            continue;
        }
        let mut actual = snapshot(entry);
        let document = loaded
            .document
            .as_ref()
            .expect("a valid document has a model");
        match mqttgen_codegen::pipeline::generate_module(document, mqttgen_codegen::Role::App) {
            Ok(_) => actual.push_str("generate: ok\n"),
            Err(errors) => {
                for d in errors {
                    actual.push_str(&format!("generate: error {} {}\n", d.code, d.message));
                }
            }
        }
        compare(bless, entry, expected_path, &actual, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compares `actual` with the snapshot at `expected_path` (or writes it when `bless`).
fn compare(
    bless: bool,
    entry: &Path,
    expected_path: &Path,
    actual: &str,
    failures: &mut Vec<String>,
) {
    {
        if bless {
            std::fs::write(expected_path, actual).unwrap();
            return;
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
}
