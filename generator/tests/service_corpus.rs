//! Service generation over the whole public corpus: for every document that loads, both roles
//! generate without panicking, parse as Rust, contain no error diagnostics and are deterministic.
//! (Compiling the output is the end-to-end suite's job.) Also: payload types generated in
//! several typify groups hold exactly the items and diagnostics of one run. Skips with a message
//! when the corpus is absent (set `MQTTGEN_CORPUS`), fails then under `CI=true`.

#[path = "support/inputs.rs"]
mod support;

use std::path::{Path, PathBuf};

use mqttgen_codegen::service::{generate_service, Role, ServiceSettings};
use mqttgen_codegen::spec::{load_file_with, LoadOptions};
use mqttgen_codegen::types::{generate_types, TypeSettings};
use support::corpus;

fn specs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml" | "json")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_loadable_corpus_document_generates_valid_rust_for_both_roles() {
    let Some(dir) = corpus() else { return };
    let mut generated = 0;
    let mut failures = Vec::new();
    for spec in specs(&dir) {
        // The corpus folder is the ref root: multi-file documents share `../common/`.
        let loaded = load_file_with(&spec, &LoadOptions::with_ref_root(&dir));
        let Some(doc) = loaded.document.as_ref().filter(|_| !loaded.has_errors()) else {
            continue;
        };
        let types = generate_types(
            doc,
            &TypeSettings {
                example_tests: false,
                ..TypeSettings::default()
            },
        );
        for role in [Role::App, Role::Client] {
            let settings = ServiceSettings::for_role(role);
            let code = generate_service(doc, &types.messages, &settings);
            let again = generate_service(doc, &types.messages, &settings);
            let name = format!("{} ({role:?})", spec.display());
            if code.tokens().to_string() != again.tokens().to_string() {
                failures.push(format!("{name}: output differs between runs"));
            }
            if let Some(error) = code.diagnostics.iter().find(|d| d.is_error()) {
                failures.push(format!("{name}: {}", error.message));
            }
            if let Err(error) = syn::parse2::<syn::File>(code.tokens()) {
                failures.push(format!("{name}: does not parse: {error}"));
            }
            generated += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        generated > 20,
        "only {generated} documents generated; is the corpus complete?"
    );
}

/// Every item of a types module as text, nested modules flattened into `module::item`, sorted:
/// what the module holds whatever the order.
fn item_texts(items: &[syn::Item], prefix: &str, out: &mut Vec<String>) {
    for item in items {
        match item {
            syn::Item::Mod(module) if module.content.is_some() => {
                let name = format!("{prefix}{}::", module.ident);
                item_texts(&module.content.as_ref().unwrap().1, &name, out);
            }
            other => out.push(format!(
                "{prefix}{}",
                quote::ToTokens::to_token_stream(other)
            )),
        }
    }
}

#[test]
fn types_generated_in_groups_equal_the_types_generated_at_once_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    let at_once = TypeSettings {
        max_groups: 1,
        ..TypeSettings::default()
    };
    let in_groups = TypeSettings {
        group_size: 1,
        max_groups: 3,
        ..TypeSettings::default()
    };
    let mut split = 0;
    let mut failures = Vec::new();
    for spec in specs(&dir) {
        // The corpus folder is the ref root: multi-file documents share `../common/`.
        let loaded = load_file_with(&spec, &LoadOptions::with_ref_root(&dir));
        let Some(doc) = loaded.document.as_ref().filter(|_| !loaded.has_errors()) else {
            continue;
        };
        let contents = |settings: &TypeSettings| {
            let types = generate_types(doc, settings);
            let mut items = Vec::new();
            item_texts(&types.file.items, "", &mut items);
            items.sort();
            let mut diagnostics: Vec<String> =
                types.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            diagnostics.sort();
            (items, diagnostics, types.dependencies)
        };
        let plan = mqttgen_codegen::types::plan_types(doc);
        if plan.groups(&in_groups).len() > 1 {
            split += 1;
        }
        if contents(&at_once) != contents(&in_groups) {
            failures.push(spec.display().to_string());
        }
    }
    assert!(failures.is_empty(), "grouped types differ: {failures:#?}");
    assert!(
        split >= 20,
        "only {split} corpus documents split into groups"
    );
}
