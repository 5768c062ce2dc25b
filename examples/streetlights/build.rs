//! Generates both sides of `specs/streetlights.yaml` into OUT_DIR: the service and the lamp simulator.

use mqttgen_codegen::{Builder, Role};

fn main() {
    let spec = "../../specs/streetlights.yaml";
    for (role, module) in [
        (Role::App, "streetlights_app"),
        (Role::Client, "streetlights_lamp"),
    ] {
        Builder::new(spec)
            .role(role)
            .module_name(module)
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
