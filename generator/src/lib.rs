//! `mqttgen-codegen`: AsyncAPI documents in, typed Rust MQTT services out.
//!
//! The pipeline is spec → [`spec::model`] → Rust tokens; this crate does no I/O outside the front
//! end's file loading and the [`Builder`]-style entry points that write files.

pub mod asyncapi_doc;
pub mod builder;
pub mod diagnostics;
pub mod diff;
pub mod docs;
pub mod markdown;
pub mod output;
pub mod pipeline;
pub mod printing;
mod rt;
pub mod service;
pub mod spec;
pub mod types;
pub mod validation;

pub use builder::Builder;
pub use pipeline::Role;
