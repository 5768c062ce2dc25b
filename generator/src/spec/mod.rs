//! The spec front end: load AsyncAPI 2.0–3.1 (YAML or JSON, several files) into one [`model`].

pub mod model;
