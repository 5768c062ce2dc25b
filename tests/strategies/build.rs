//! Both sides of each spec whose strategies `tests/schemas.rs` checks, one module per spec.

use mqttgen_codegen::{Builder, Role};

fn main() {
    for (spec, module) in [
        ("../../specs/streetlights.yaml", "streetlights"),
        ("../../specs/device-config.yaml", "device_config"),
        ("../../specs/fleet/asyncapi.yaml", "fleet"),
        ("../../specs/boundaries.yaml", "boundaries"),
    ] {
        Builder::new(spec)
            .roles([(Role::App, "app"), (Role::Client, "client")])
            .module_name(module)
            .generate()
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
}
