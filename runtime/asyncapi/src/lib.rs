//! The AsyncAPI 3 document model of mqttgen, shared by the code generator (`mqttgen-codegen`)
//! and the runtime (`mqttgen`, which re-exports it as `mqttgen::asyncapi`).
//!
//! * [`model`]: the service description ([`Document`], [`OperationDoc`], [`MessageDoc`]...):
//!   what an application sends and receives. Generated `asyncapi()` functions, the attribute
//!   macros of code-first export and hand-written code build it; the generator writes it into
//!   generated code as JSON through its `serde` form and the runtime reads it back
//!   ([`Document::from_model_json`]), so both sides use these very types;
//! * [`document`]: the typed AsyncAPI 3.0 document ([`AsyncApi`]: info, servers, channels with
//!   address, parameters and messages, operations with action, channel, messages and reply,
//!   components, MQTT bindings, correlation ids), whose field order is the output's key order;
//! * [`build`] lays a [`Document`] out as an [`AsyncApi`] (channel ids, `$ref`s, components),
//!   failing loudly on duplicate names ([`ExportError`]);
//! * [`writer`]: byte-stable YAML ([`Document::to_yaml`]) and JSON ([`Document::to_json`]).
//!
//! Dependencies are serde, serde_json, thiserror, percent-encoding and `mqttgen-address`
//! (addresses and message locations); the `schemars` feature adds [`MessageDoc::json`] and
//! friends for payload types.
//!
//! ```
//! use mqttgen_asyncapi::{Document, Info, MessageDoc, OperationDoc, QoS};
//! let doc = Document::new(Info::new("Thermostat", "1.0.0")).operation(
//!     OperationDoc::send("publish_status", "devices/{device_id}/status")
//!         .qos(QoS::AtLeastOnce)
//!         .message(MessageDoc::new("Online", serde_json::json!({"type": "boolean"}))),
//! );
//! let yaml = doc.to_yaml().unwrap();
//! assert!(yaml.contains("$ref: \"#/channels/devices.device_id.status/messages/Online\""));
//! ```

pub mod build;
pub mod document;
mod error;
pub mod model;
mod model_json;
pub mod names;
mod qos;
pub mod refs;
#[cfg(feature = "schemars")]
pub mod schema;
pub mod writer;
mod yaml_emit;

pub use document::AsyncApi;
pub use error::ExportError;
pub use model::*;
pub use qos::QoS;
pub use writer::Format;

/// The JSON content type.
pub const JSON: &str = "application/json";
