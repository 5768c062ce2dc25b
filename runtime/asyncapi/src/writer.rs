//! Serialising a [`Document`] as YAML or JSON. Both are byte-stable: the same document always
//! gives the same bytes (key order is defined by [`build`](mod@super::build), not by hashing).

use crate::build;
use crate::model::Document;
use crate::ExportError;
use serde_json::Value;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// YAML (default).
    #[default]
    Yaml,
    /// Pretty-printed JSON.
    Json,
}

impl Format {
    /// The format for a file name: `.json` is JSON, anything else YAML.
    pub fn for_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Yaml,
        }
    }
}

impl Document {
    /// The AsyncAPI document as a JSON value.
    pub fn to_value(&self) -> Result<Value, ExportError> {
        build::to_value(self)
    }

    /// The AsyncAPI document as YAML. Strings that a YAML 1.1 or 1.2 reader could take for
    /// numbers, booleans, null or dates (`ON`, `no`, `1e3`, `2024-01-01`) are quoted, so PyYAML
    /// and the official parser read back exactly this document.
    pub fn to_yaml(&self) -> Result<String, ExportError> {
        value_to_string(&self.to_value()?, Format::Yaml)
    }

    /// The AsyncAPI document as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> Result<String, ExportError> {
        value_to_string(&self.to_value()?, Format::Json)
    }

    /// The document in `format`.
    pub fn render(&self, format: Format) -> Result<String, ExportError> {
        value_to_string(&self.to_value()?, format)
    }
}

/// Serialises an already built value.
pub fn value_to_string(value: &Value, format: Format) -> Result<String, ExportError> {
    match format {
        Format::Yaml => Ok(crate::yaml_emit::to_string(value)),
        Format::Json => serde_json::to_string_pretty(value)
            .map(|s| s + "\n")
            .map_err(|e| ExportError::Serialize(e.to_string())),
    }
}
