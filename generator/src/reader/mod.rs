//! The reader: YAML 1.2 and JSON with a location on every node, JSON pointers, `$ref`s across
//! files (each read once, cycles detected) and the size limits. It knows nothing of AsyncAPI
//! (that is `crate::spec`); it imports only the model's ids and the diagnostics.

pub mod json;
pub mod pointer;
pub mod reading;
pub mod refs;
pub mod source;
pub mod yaml;
