//! Generates both sides of `specs/streetlights.yaml` into one module in OUT_DIR: the service
//! (`app`) and the lamp simulator (`lamp`), with the payload types generated once (`types`), so
//! both sides exchange the same Rust values.

use mqttgen_codegen::{Builder, Role};

fn main() {
    Builder::new("../../specs/streetlights.yaml")
        .roles([(Role::App, "app"), (Role::Client, "lamp")])
        .module_name("streetlights")
        .generate()
        .unwrap_or_else(|e| panic!("{e}"));
}
