//! Generated code end to end, in one cargo workspace built once (`build`, then `clippy -D
//! warnings`, then the generated tests):
//! - every document of the public corpus that the front end accepts (no errors), as one crate
//!   each holding the whole generated module for both roles (`app` and `client`: payload types,
//!   topic parameters, handler trait, publisher, servers; `#![deny(warnings)]`, message examples
//!   as tests); documents with a committed payload-type snapshot
//!   (`generator/tests/snapshots_types`) also compile that snapshot, so snapshots are compiled;
//! - `specs/payload-types.yaml` with the hand-written wire tests of
//!   `tests/fixtures/payload_types_wire.rs` appended, which are then run;
//! - a document of odd and broken schemas, which must still give compiling code.
//!
//! Everything is built with `cargo build --all-targets` (`#![deny(warnings)]` in every crate),
//! linted with `cargo clippy -- -D warnings`, and the unit tests (message examples, wire tests)
//! run with `cargo test --lib`.
//!
//! Then a binary of the same workspace writes every corpus crate's `app::asyncapi()` as YAML:
//! each exported document must load in our front end without errors and pass the official
//! AsyncAPI parser (`tools/asyncapi-validate`, one `node` call).
//!
//! The corpus part is skipped with a message when the corpus is absent (a failure under CI).

use std::time::Instant;

use mqttgen_codegen::spec::load_file;
use mqttgen_e2e::types_harness::{
    boundary_constraints_yaml, generate_module, odd_schemas_document, service_crate,
    snapshot_crate, snapshot_for, types_crate,
};
use mqttgen_e2e::{
    corpus_dir, corpus_documents, exporter_crate, official_parser_errors, workspace_root,
    CrateSpec, GeneratedWorkspace,
};

const EXPORTER_CRATE: &str = "corpus-exporter";

/// A binary writing `<crate>.yaml` with `app::asyncapi()` of every crate in `crates` into the
/// folder given as its argument.
fn corpus_exporter(crates: &[String]) -> CrateSpec {
    let documents: Vec<(String, String)> = crates
        .iter()
        .map(|name| {
            (
                name.clone(),
                format!("{}::app::asyncapi", name.replace('-', "_")),
            )
        })
        .collect();
    exporter_crate(EXPORTER_CRATE, crates, &documents)
}

/// Runs the exporter and checks every exported document: it loads without errors in our front
/// end and the official parser finds no error.
fn check_exported_documents(workspace: &GeneratedWorkspace, crates: &[String]) {
    let out_dir = workspace.root.join("exported");
    if out_dir.exists() {
        std::fs::remove_dir_all(&out_dir).expect("clear the previous export");
    }
    workspace.cargo_ok(&[
        "run",
        "--quiet",
        "-p",
        EXPORTER_CRATE,
        "--",
        out_dir.to_str().expect("UTF-8 path"),
    ]);
    let mut failures = Vec::new();
    let mut files = Vec::new();
    for name in crates {
        if let Ok(reason) = std::fs::read_to_string(out_dir.join(format!("{name}.error"))) {
            failures.push(format!("{name}: asyncapi() cannot be serialised: {reason}"));
            continue;
        }
        let file = out_dir.join(format!("{name}.yaml"));
        let loaded = load_file(&file);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        if loaded.document.is_none() || !errors.is_empty() {
            failures.push(format!("{name}: the export does not load: {errors:?}"));
        }
        files.push(file);
    }
    failures.extend(official_parser_errors(&files));
    println!(
        "{} corpus documents exported; {} checked by the official parser",
        crates.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue #22: the boundary-constraint matrix, loaded without errors.
fn boundary_constraints_document() -> mqttgen_codegen::spec::model::Document {
    let loaded = mqttgen_codegen::spec::load_str(&boundary_constraints_yaml(), "boundaries.json");
    assert!(!loaded.has_errors(), "{}", loaded.render());
    loaded.document.expect("a document")
}

/// Issue #22: no check that a type makes trivially true or false (`< 0usize`, a length no
/// string reaches, limits an integer type already guarantees). The crate built from the same
/// matrix in [`generated_types_compile_and_keep_the_wire_form`] proves it warning-free under
/// `deny(warnings)` and clippy in both roles.
#[test]
fn boundary_constraints_generate_no_useless_checks() {
    let (generated, text) = generate_module(&boundary_constraints_document(), "boundaries");
    assert!(
        generated.diagnostics.iter().all(|d| !d.is_error()),
        "{:#?}",
        generated.diagnostics
    );
    for useless in ["< 0usize", "4294967295usize", "::MIN", "::MAX"] {
        assert!(!text.contains(useless), "generated code holds `{useless}`");
    }
    // Which limits are dead for which type: `constraints::tests` in the generator.
}

const PAYLOAD_TYPES_CRATE: &str = "payload-types";

fn payload_types_crate() -> mqttgen_e2e::CrateSpec {
    let spec = workspace_root().join("specs/payload-types.yaml");
    let loaded = load_file(&spec);
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "specs/payload-types.yaml: {errors:#?}");
    let doc = loaded.document.expect("payload-types.yaml loads");
    let (generated, text) = generate_module(&doc, "specs/payload-types.yaml");
    let mut krate = types_crate(PAYLOAD_TYPES_CRATE, &text, generated.dependencies);
    let wire = workspace_root().join("tests/tests/fixtures/payload_types_wire.rs");
    krate.file(
        "src/lib.rs",
        format!(
            "#![deny(warnings)]\n\npub mod types;\n\n#[cfg(test)]\n#[path = {:?}]\nmod wire;\n",
            wire.display().to_string()
        ),
    );
    krate
}

#[test]
fn generated_types_compile_and_keep_the_wire_form() {
    let started = Instant::now();
    let mut workspace = GeneratedWorkspace::new("types");
    workspace.add_crate(payload_types_crate());
    let (odd, odd_text) = generate_module(&odd_schemas_document(), "odd schemas");
    workspace.add_crate(types_crate("odd-schemas", &odd_text, odd.dependencies));
    workspace.add_crate(service_crate(
        "boundary-constraints",
        &boundary_constraints_document(),
        "the boundary-constraint matrix",
    ));

    let mut exported = Vec::new();
    if let Some(dir) = corpus_dir() {
        let mut included = Vec::new();
        let mut excluded = Vec::new();
        for document in corpus_documents(&dir) {
            let name = document.crate_name();
            if let Some(snapshot) = snapshot_for(&document.label) {
                workspace.add_crate(snapshot_crate(&format!("{name}-types-snapshot"), &snapshot));
                included.push(format!("{} (payload-type snapshot)", document.label));
            }
            let loaded = document.load();
            let first_error = loaded.diagnostics.iter().find(|d| d.is_error());
            match (loaded.document, first_error) {
                (Some(doc), None) => {
                    let (generated, _) = generate_module(&doc, &document.label);
                    workspace.add_crate(service_crate(&name, &doc, &document.label));
                    exported.push(name.clone());
                    let fallbacks = generated
                        .diagnostics
                        .iter()
                        .filter(|d| d.code == "type-fallback")
                        .count();
                    included.push(format!(
                        "{} (app + client; {} type warnings, {} schemas fell back to serde_json::Value)",
                        document.label,
                        generated.diagnostics.len(),
                        fallbacks
                    ));
                    for d in &generated.diagnostics {
                        println!("    {}: {} {}", document.label, d.code, d.message);
                    }
                }
                (_, error) => excluded.push(format!(
                    "{}: {}",
                    document.label,
                    error.map_or("no document".to_string(), |e| e.message.clone())
                )),
            }
        }
        println!("corpus documents included ({}):", included.len());
        for label in &included {
            println!("  + {label}");
        }
        println!(
            "corpus documents excluded, rejected by the front end ({}):",
            excluded.len()
        );
        for label in &excluded {
            println!("  - {label}");
        }
    }

    if !exported.is_empty() {
        workspace.add_crate(corpus_exporter(&exported));
    }
    workspace.write().expect("write the generated workspace");
    println!(
        "generated {} crates in {:.1?}; building {}",
        workspace.crates().len(),
        started.elapsed(),
        workspace.root.display()
    );
    workspace.cargo_ok(&["build", "--workspace", "--all-targets", "--keep-going"]);
    println!("built in {:.1?}", started.elapsed());
    // Generated code must be clippy-clean too (typify's quirks are allowed in the module header).
    if workspace
        .cargo(&["clippy", "--version"])
        .is_ok_and(|o| o.status.success())
    {
        workspace.cargo_ok(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--keep-going",
            "--",
            "-D",
            "warnings",
        ]);
        println!("clippy-clean in {:.1?}", started.elapsed());
    } else {
        println!("cargo clippy is not installed: generated code not linted");
    }
    let run = workspace.cargo_ok(&["test", "--workspace", "--lib", "--no-fail-fast"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let passed: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    println!(
        "{passed} tests passed (message examples and payload-types wire tests) in {:.1?}",
        started.elapsed()
    );
    if !exported.is_empty() {
        check_exported_documents(&workspace, &exported);
        println!("exports checked in {:.1?} total", started.elapsed());
    }
}
