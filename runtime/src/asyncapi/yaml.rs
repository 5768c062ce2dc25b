//! YAML and JSON: the writer lives in `mqttgen-asyncapi` ([`Format`], [`value_to_string`]);
//! reading documents back (for comparisons) is here.

pub use mqttgen_asyncapi::writer::{value_to_string, Format};
use serde_json::Value;

/// Parses YAML or JSON text into a JSON value (JSON is valid YAML).
pub fn parse(text: &str) -> Result<Value, String> {
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}
