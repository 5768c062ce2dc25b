//! The generated code of `specs/streetlights.yaml`, `specs/device-config.yaml`, `specs/fleet` and
//! `specs/boundaries.yaml`, both roles, with the `proptest` feature on and every warning an
//! error: the test kits' strategies compile clean, and `tests/schemas.rs` checks their values.
#![deny(warnings)]

/// `specs/streetlights.yaml`.
pub mod streetlights {
    mqttgen::include_service!("streetlights");
}

/// `specs/device-config.yaml` (request/reply).
pub mod device_config {
    mqttgen::include_service!("device_config");
}

/// `specs/fleet` (several files, headers, a discriminated enum).
pub mod fleet {
    mqttgen::include_service!("fleet");
}

/// `specs/boundaries.yaml`: constraints at their edges.
pub mod boundaries {
    mqttgen::include_service!("boundaries");
}
