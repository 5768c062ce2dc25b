//! Snapshot tests of generated payload types for selected corpus documents.
//!
//! Each snapshot is the formatted output of `types::render_module`, committed under
//! `tests/snapshots_types/<label with non-alphanumerics as _>.rs`; the end-to-end test
//! (`tests/tests/types_corpus.rs`) compiles every committed snapshot with `#![deny(warnings)]`.
//! Update with `UPDATE_SNAPSHOTS=1 cargo test -p mqttgen-codegen --test types_snapshots`.
//! The corpus is `$MQTTGEN_CORPUS` or `../shared/specs/public`; when absent the test says so and
//! passes, except under `CI=true`.

#[path = "support/inputs.rs"]
mod support;

use std::path::Path;

use mqttgen_codegen::spec::load_file;
use mqttgen_codegen::types::{generate_types, render_module, TypeSettings};
use support::corpus;

const DOCUMENTS: &[&str] = &[
    "the-codegen-project-cli__asyncapi-payload-types.json",
    "lerenn-asyncapi-codegen__examples-ping-v3__asyncapi.yaml",
    "lerenn-asyncapi-codegen__test-v2-issues-74__asyncapi.yaml",
    "lerenn-asyncapi-codegen__test-v3-issues-145__asyncapi.yaml",
    "lerenn-asyncapi-codegen__test-v3-issues-190__asyncapi.yaml",
    "lerenn-asyncapi-codegen__test-v3-issues-224__asyncapi.yaml",
    "eclipse-canought-can-translator__asyncapi.yml",
    "Kaucrow-mqtt-broker__asyncapi.yaml",
];

fn snapshot_name(label: &str) -> String {
    let stem: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{stem}.rs")
}

#[test]
fn payload_type_snapshots() {
    let Some(corpus) = corpus() else {
        return;
    };
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots_types");
    let mut stale = Vec::new();
    for label in DOCUMENTS {
        let loaded = load_file(&corpus.join(label));
        let doc = loaded
            .document
            .unwrap_or_else(|| panic!("{label}: the front end gave no document"));
        let generated = generate_types(&doc, &TypeSettings::default());
        let text = render_module(&generated, label).expect("generated types parse");
        let path = dir.join(snapshot_name(label));
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old == text {
            continue;
        }
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            eprintln!("updated {}", path.display());
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots differ from the generated types (rerun with UPDATE_SNAPSHOTS=1 and review the \
         diff): {stale:#?}"
    );
}
