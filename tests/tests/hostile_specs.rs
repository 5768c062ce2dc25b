//! Our hostile specs (`specs/hostile/`, issue #14) through the whole generator, built and tested
//! the way a user's CI would: every spec becomes two complete crates (`mqttgen generate` output
//! for the app and the client role: `Cargo.toml` and `README.md` from the templates, `src/lib.rs`
//! with `#![deny(warnings)]` added), plus one crate that includes the doc-hostile spec's module
//! from its build.rs (`mqttgen::include_service!`). All of them are built in one workspace,
//! linted with `cargo clippy -D warnings` and tested with `cargo test`, **doctests included**.
//!
//! Asserted:
//! - every spec loads without errors and generates without `type-fallback` (no enum loses its
//!   type over naming);
//! - the workspace builds, is clippy-clean, documents without a rustdoc warning (the document's
//!   prose: `[Foo]`, `<T>`, bare URLs) and its tests (message examples: each enum value decodes
//!   and re-encodes unchanged) pass;
//! - not one doctest runs in any crate, and no spec code block left its marker file
//!   (`mqttgen-hostile-marker`, which every code block in `doc-code-blocks.yaml` would write);
//! - the generated README keeps the description's code blocks as `text` blocks.

use std::path::{Path, PathBuf};

use mqttgen_codegen::output::{crate_files, CrateOptions, RuntimeDependency};
use mqttgen_codegen::pipeline::{generate_module, Role};
use mqttgen_codegen::spec::load_file;
use mqttgen_codegen::spec::model::Document;
use mqttgen_e2e::spec_fuzz;
use mqttgen_e2e::{path_dependency, workspace_root, CrateSpec, GeneratedWorkspace};

/// The file every spec code block would create if it ran.
const MARKER: &str = "mqttgen-hostile-marker";

/// The generator fuzzer's seed for the compiled samples, and how many.
const FUZZ_SEED: u64 = 0x05A3_F1E5;
const FUZZ_SAMPLES: usize = 3;

/// The hostile spec whose build.rs module is also tested (its doctests run in the user's crate).
const BUILD_RS_SPEC: &str = "doc-code-blocks.yaml";

fn hostile_specs() -> Vec<PathBuf> {
    let dir = workspace_root().join("specs/hostile");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    specs
}

fn stem(spec: &Path) -> String {
    spec.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The crate `mqttgen generate SPEC --role ROLE` writes, with `#![deny(warnings)]` on top.
fn generated_crate(workspace: &GeneratedWorkspace, spec: &Path, role: Role) -> CrateSpec {
    let loaded = load_file(spec);
    let doc = loaded.document.as_ref().expect("the spec loads");
    let label = format!(
        "specs/hostile/{}",
        spec.file_name().unwrap().to_string_lossy()
    );
    crate_for(workspace, doc, &stem(spec), &label, role)
}

/// The crate `mqttgen generate` writes for `doc` (named `hostile-{name}-{role}`), with
/// `#![deny(warnings)]` on top.
fn crate_for(
    workspace: &GeneratedWorkspace,
    doc: &Document,
    name: &str,
    label: &str,
    role: Role,
) -> CrateSpec {
    let spec = Path::new(label);
    let module = generate_module(doc, role)
        .unwrap_or_else(|errors| panic!("{} ({role:?}): {errors:#?}", spec.display()));
    let fallbacks: Vec<_> = module
        .diagnostics
        .iter()
        .filter(|d| d.code == "type-fallback")
        .collect();
    assert!(
        fallbacks.is_empty(),
        "{}: types fell back to serde_json::Value: {fallbacks:#?}",
        spec.display()
    );
    let role_name = match role {
        Role::App => "app",
        Role::Client => "client",
    };
    let name = format!("hostile-{name}-{role_name}");
    let options = CrateOptions {
        crate_name: Some(name.clone()),
        runtime: RuntimeDependency::Path(workspace_root().join("runtime")),
        output_dir: workspace.root.join(&name),
        spec_label: label.to_string(),
        role_name: role_name.to_string(),
    };
    let files = crate_files(doc, &module.source, &module.dependencies, &options)
        .unwrap_or_else(|e| panic!("{}: templates: {e}", spec.display()));
    let mut krate = CrateSpec::new(&name);
    for file in files {
        let mut contents = file.contents;
        if file.path == Path::new("src/lib.rs") {
            contents.insert_str(0, "#![deny(warnings)]\n");
        }
        if file.path == Path::new("README.md") {
            check_readme(spec, &contents);
        }
        // The generated Cargo.toml replaces the harness's manifest (files are written after it).
        krate.file(file.path, contents);
    }
    krate
}

/// The README's description keeps its code blocks, as `text` blocks only.
fn check_readme(spec: &Path, readme: &str) {
    for line in readme.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed
            .strip_prefix("```")
            .or_else(|| trimmed.strip_prefix("~~~"))
        {
            let info = info.trim_start_matches(['`', '~']).trim();
            assert!(
                matches!(info, "" | "text" | "sh"),
                "{}: README code block with info `{info}`:\n{readme}",
                spec.display()
            );
        }
    }
    assert!(
        !readme.contains('\r'),
        "{}: README has a bare CR",
        spec.display()
    );
}

/// A crate whose build.rs generates `spec` with `mqttgen_codegen::Builder` and includes it.
fn build_rs_crate(spec: &Path) -> CrateSpec {
    let text = std::fs::read_to_string(spec).unwrap();
    let mut krate = CrateSpec::new("hostile-build-rs");
    krate
        .file(
            "build.rs",
            "fn main() {\n    mqttgen_codegen::Builder::new(\"spec/asyncapi.yaml\")\n        .module_name(\"hostile\")\n        .generate()\n        .unwrap_or_else(|e| panic!(\"{e}\"));\n}\n",
        )
        .file(
            "src/lib.rs",
            "//! A user's crate including a generated module from build.rs.\n#![deny(warnings)]\n\nmqttgen::include_service!(\"hostile\");\n",
        )
        .file("spec/asyncapi.yaml", text)
        .build_dependency(path_dependency("mqttgen-codegen", "generator"))
        .dependency(path_dependency("mqttgen", "runtime"))
        .dependency("serde = { version = \"1\", features = [\"derive\"] }")
        .dependency("serde_json = \"1\"");
    krate
}

/// Removes every `examples` member (message examples become generated tests).
fn strip_examples(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("examples");
            map.values_mut().for_each(strip_examples);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_examples),
        _ => {}
    }
}

/// Every `mqttgen-hostile-marker` below `dir`.
fn markers(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "target" {
                    dirs.push(path);
                }
            } else if entry.file_name() == MARKER {
                found.push(path);
            }
        }
    }
    found
}

/// Tests passed, from `cargo test` output ("test result: ok. N passed; ...").
fn tests_passed(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// Doctests that ran, from `cargo test --doc` output ("running N tests" per crate).
fn doctests_run(stdout: &str) -> usize {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("running "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

#[test]
fn hostile_specs_build_lint_and_test_without_running_spec_text() {
    let specs = hostile_specs();
    assert!(
        specs.len() >= 3,
        "specs/hostile holds {} specs",
        specs.len()
    );
    let mut workspace = GeneratedWorkspace::new("hostile");
    for spec in &specs {
        let loaded = load_file(spec);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", spec.display());
        for role in [Role::App, Role::Client] {
            let krate = generated_crate(&workspace, spec, role);
            workspace.add_crate(krate);
        }
        if spec.file_name().is_some_and(|name| name == BUILD_RS_SPEC) {
            workspace.add_crate(build_rs_crate(spec));
        }
    }
    // A sample of the generator fuzzer's clean mutants (see `generator_fuzz.rs`), both roles.
    let fuzz = spec_fuzz::run(
        &workspace_root(),
        FUZZ_SEED,
        200,
        std::time::Duration::from_secs(20),
        FUZZ_SAMPLES,
    );
    assert_eq!(
        fuzz.samples.len(),
        FUZZ_SAMPLES,
        "too few clean fuzz mutants"
    );
    for (index, (label, value)) in fuzz.samples.iter().enumerate() {
        // A mutated enum value can leave a message example behind: the samples compile without.
        let mut value = value.clone();
        strip_examples(&mut value);
        let doc = spec_fuzz::load(&value).expect("a sample loads");
        for role in [Role::App, Role::Client] {
            let name = format!("fuzz-sample-{index}");
            workspace.add_crate(crate_for(&workspace, &doc, &name, label, role));
        }
    }
    workspace.write().expect("write the hostile workspace");
    for marker in markers(&workspace.root) {
        std::fs::remove_file(marker).unwrap();
    }
    workspace.cargo_ok(&["build", "--workspace", "--all-targets", "--keep-going"]);
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
    } else {
        println!("cargo clippy is not installed: hostile crates not linted");
    }
    // The document's prose in rustdoc: no lint (the crates deny warnings) fails the docs.
    workspace.cargo_ok(&["doc", "--workspace", "--no-deps", "--keep-going"]);
    let units = workspace.cargo_ok(&["test", "--workspace", "--lib", "--no-fail-fast"]);
    let passed = tests_passed(&String::from_utf8_lossy(&units.stdout));
    assert!(
        passed >= 20,
        "only {passed} generated tests (message examples) passed"
    );
    let docs = workspace.cargo_ok(&["test", "--workspace", "--doc", "--no-fail-fast"]);
    let doc_stdout = String::from_utf8_lossy(&docs.stdout);
    let sections = String::from_utf8_lossy(&docs.stderr)
        .matches("Doc-tests ")
        .count();
    assert_eq!(
        sections,
        workspace.crates().len(),
        "not every crate's doctests ran"
    );
    let ran = doctests_run(&doc_stdout);
    let left = markers(&workspace.root);
    println!(
        "hostile specs: {} specs + {FUZZ_SAMPLES} fuzz samples, {} crates; {passed} generated tests passed; {ran} doctests ran; \
         {} markers",
        specs.len(),
        workspace.crates().len(),
        left.len()
    );
    assert_eq!(ran, 0, "spec text ran as doctests:\n{doc_stdout}");
    assert!(left.is_empty(), "spec code ran and left {left:?}");
}
