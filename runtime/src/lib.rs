//! The `mqttgen` runtime: generated services run on this crate.
