//! The generated `asyncapi()` reads the runtime's export model from JSON
//! (`mqttgen::asyncapi::Document::from_model_json`), which the generator writes without
//! depending on the runtime. This test keeps the two shapes in agreement: the spec
//! `tests/fixtures/export_model.yaml` uses every field of the model, and the `asyncapi()` of the
//! crate generated from it must equal the same document built with the builder API
//! (`tests/fixtures/export_model_builder.rs`, run as a unit test of the generated crate).
//!
//! The round trip (`round_trip.rs`) checks the exported documents against their specs; this
//! test checks, field by field, that nothing the generator writes is read into the wrong place.

use mqttgen_codegen::pipeline::{generate_module, Role};
use mqttgen_codegen::spec::load_file;
use mqttgen_e2e::{path_dependency, workspace_root, CrateSpec, GeneratedWorkspace};

#[test]
fn generated_asyncapi_equals_the_document_built_with_the_builder_api() {
    let fixtures = workspace_root().join("tests/tests/fixtures");
    let loaded = load_file(&fixtures.join("export_model.yaml"));
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "export_model.yaml: {errors:#?}");
    let doc = loaded.document.expect("export_model.yaml loads");
    let module = generate_module(&doc, Role::App).expect("export_model.yaml generates");

    let mut krate = CrateSpec::new("export-model");
    krate.file(
        "src/lib.rs",
        format!(
            "{}\n#[cfg(test)]\n#[path = {:?}]\nmod builder;\n",
            module.source,
            fixtures
                .join("export_model_builder.rs")
                .display()
                .to_string()
        ),
    );
    krate.dependency(path_dependency("mqttgen", "runtime"));
    for dependency in &module.dependencies {
        krate.dependency(format!("{} = {}", dependency.name, dependency.spec));
    }
    let mut workspace = GeneratedWorkspace::new("asyncapi-model");
    workspace.add_crate(krate);
    workspace.write().expect("write the generated workspace");
    let run = workspace.cargo_ok(&["test", "--quiet", "--lib", "--", "builder::"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("1 passed"), "{stdout}");
}
