//! build.rs integration: the fleet service is generated into OUT_DIR from a spec whose payload
//! schemas live in another file (`specs/fleet/schemas.yaml`). The builder prints
//! `cargo:rerun-if-changed` for both files, so editing either regenerates the code. The vehicle
//! side (`Role::Client`, module `fleet_client`) is generated too, for tests and simulators.

fn main() {
    for (role, module) in [
        (mqttgen_codegen::Role::App, "fleet"),
        (mqttgen_codegen::Role::Client, "fleet_client"),
    ] {
        mqttgen_codegen::Builder::new("../../specs/fleet/asyncapi.yaml")
            .role(role)
            .module_name(module)
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
