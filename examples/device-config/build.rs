//! Generates both sides of `specs/device-config.yaml` into OUT_DIR: the configuration service
//! (answers get/set requests) and its client (sends them and awaits the replies); and both sides
//! of `specs/device-diagnostics.yaml` (MQTT 3.1.1 request/reply, correlation in the payload).

use mqttgen_codegen::{Builder, Role};

fn main() {
    for (spec, role, module) in [
        (
            "../../specs/device-config.yaml",
            Role::App,
            "device_config_app",
        ),
        (
            "../../specs/device-config.yaml",
            Role::Client,
            "device_config_client",
        ),
        (
            "../../specs/device-diagnostics.yaml",
            Role::App,
            "device_diagnostics_app",
        ),
        (
            "../../specs/device-diagnostics.yaml",
            Role::Client,
            "device_diagnostics_client",
        ),
    ] {
        Builder::new(spec)
            .role(role)
            .module_name(module)
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
