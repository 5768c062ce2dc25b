//! build.rs integration: the fleet service is generated into OUT_DIR from a spec whose payload
//! schemas live in another file (`specs/fleet/schemas.yaml`). The builder prints
//! `cargo:rerun-if-changed` for both files, so editing either regenerates the code.

fn main() {
    mqttgen_codegen::Builder::new("../../specs/fleet/asyncapi.yaml")
        .role(mqttgen_codegen::Role::App)
        .module_name("fleet")
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
}
