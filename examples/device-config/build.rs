//! Generates both sides of `specs/device-config.yaml` into OUT_DIR: the configuration service
//! (answers get/set requests) and its client (sends them and awaits the replies).

use mqttgen_codegen::{Builder, Role};

fn main() {
    let spec = "../../specs/device-config.yaml";
    for (role, module) in [
        (Role::App, "device_config_app"),
        (Role::Client, "device_config_client"),
    ] {
        Builder::new(spec)
            .role(role)
            .module_name(module)
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
