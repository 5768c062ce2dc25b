//! The `mqttgen` runtime: generated services run on this crate.

pub mod asyncapi;
/// Attribute macros describing handlers and publishers (AsyncAPI export, see [`asyncapi`]).
pub use mqttgen_macros::{publisher, subscriber};
