//! The public corpus (`../shared/specs/public`, or `$MQTTGEN_CORPUS`): documents marked OK in
//! SOURCES.md load without errors, INVALID ones give at least one located error, nothing panics.

#[path = "support/inputs.rs"]
mod support;

use std::path::{Path, PathBuf};

use mqttgen_codegen::spec::{load_file, load_file_with, LoadOptions, Loaded};
use support::corpus;

/// (entry file, is valid) rows of the SOURCES.md table; fragments (validity `-`) are skipped.
fn table(dir: &Path) -> Vec<(PathBuf, bool)> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).unwrap();
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 7 || cells[1] == "File" || cells[1].starts_with("---") {
            continue;
        }
        let file = cells[1].split_whitespace().next().unwrap_or("");
        let validity = cells[5];
        let valid = if validity.starts_with("OK") {
            true
        } else if validity.starts_with("INVALID") {
            false
        } else {
            continue;
        };
        rows.push((dir.join(file), valid));
    }
    rows
}

/// Loads a corpus document with the corpus folder as its ref root: the multi-file documents share
/// a `common/` folder next to their own (`../common/messages.yaml`).
fn load(dir: &Path, path: &Path) -> Loaded {
    load_file_with(path, &LoadOptions::with_ref_root(dir))
}

#[test]
fn corpus_documents_load_as_sources_md_says() {
    let Some(dir) = corpus() else { return };
    let rows = table(&dir);
    assert!(rows.len() >= 40, "only {} rows in SOURCES.md", rows.len());
    let mut failures = Vec::new();
    for (path, valid) in &rows {
        let loaded = load(&dir, path);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        if *valid && !errors.is_empty() {
            failures.push(format!(
                "{} should load cleanly:\n{}",
                path.display(),
                loaded.render()
            ));
        }
        if !*valid {
            if errors.is_empty() {
                failures.push(format!("{} is INVALID but gave no error", path.display()));
            }
            for e in &errors {
                let loc = e.location.as_ref();
                if loc.is_none_or(|l| l.line == 0 || l.column == 0) {
                    failures.push(format!(
                        "{}: error without line/column: {e:?}",
                        path.display()
                    ));
                }
            }
        }
        if *valid {
            assert!(loaded.document.is_some(), "{}", path.display());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_loads_without_panicking() {
    let Some(dir) = corpus() else { return };
    let mut stack = vec![dir];
    let mut count = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                let _ = load_file(&path).render();
                count += 1;
            }
        }
    }
    assert!(count > 40);
}

#[test]
fn multi_file_documents_resolve_their_external_refs() {
    let Some(dir) = corpus() else { return };
    let backend = load(
        &dir,
        &dir.join("asyncapi-spec__social-media/backend/asyncapi.yaml"),
    );
    assert!(!backend.has_errors(), "{}", backend.render());
    let doc = backend.document.unwrap();
    // Entry first, then common/servers, messages, parameters, schemas — each once.
    assert!(doc.files[0].ends_with("backend/asyncapi.yaml"));
    assert!(doc.files.iter().any(|f| f.ends_with("common/schemas.yaml")));
    let mut sorted = doc.files.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), doc.files.len());
    assert!(doc.servers.iter().any(|s| s.protocol == "mqtt"));
    assert!(doc.messages.iter().all(|m| m.payload.is_some()));

    // RuterNo: payloads are external JSON Schema files that must all resolve, even though the
    // document has other (expected) errors.
    let ruter = load(&dir, &dir.join("RuterNo-adt-doc__asyncapi/asyncapi.yml"));
    let broken_payloads: Vec<_> = ruter
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("ref-"))
        .collect();
    assert!(broken_payloads.is_empty(), "{broken_payloads:?}");
    let doc = ruter.document.unwrap();
    assert_eq!(doc.channels.len(), 34);
    for message in &doc.messages {
        let payload = message.payload.as_ref().expect("payload");
        let target = payload.schema["$ref"].as_str().expect("payload is a $ref");
        let id = mqttgen_codegen::spec::model::NodeId::parse(target).unwrap();
        assert!(id.file > 0, "payload of {} is external", message.name);
        assert!(doc.schemas.contains_key(&id));
    }
    // `qos: '1'` on a message binding: misplaced, and a string.
    assert!(ruter
        .diagnostics
        .iter()
        .any(|d| d.code == "binding-misplaced"
            && d.message.contains("operation binding")
            && d.message.contains("integer 1")));
}

#[test]
fn invalid_yaml_in_the_corpus_is_located() {
    let Some(dir) = corpus() else { return };
    let loaded = load_file(&dir.join("schmipeter-MECH-M-3-IIoT_Naegele_Schmidt__asyncapi.yml"));
    let error = &loaded.diagnostics[0];
    assert_eq!(error.code, "yaml-syntax");
    let loc = error.location.as_ref().unwrap();
    assert_eq!((loc.line, loc.column), (111, 18));
    let string_doc =
        load_file(&dir.join("cunba-disband-disbeac-disheap_mqtt-provider__asyncapi.yml"));
    assert_eq!(string_doc.diagnostics[0].code, "not-a-mapping");
}
