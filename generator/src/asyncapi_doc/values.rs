//! The JSON values of the generated `asyncapi()` (schemas, examples, enums), stored once as a
//! single JSON string literal parsed on first use: far less code for rustc than `json!` trees.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

/// Distinct JSON values in first-use order; equal values share one slot.
#[derive(Debug, Default)]
pub struct ValueTable {
    values: Vec<Value>,
    index: BTreeMap<String, usize>,
}

impl ValueTable {
    /// An expression evaluating to an owned copy of `value` (`value(3)` in the generated code).
    pub fn get(&mut self, value: &Value) -> TokenStream {
        let key = value.to_string();
        let next = self.values.len();
        let slot = *self.index.entry(key).or_insert(next);
        if slot == next {
            self.values.push(value.clone());
        }
        let slot = proc_macro2::Literal::usize_unsuffixed(slot);
        quote! { value(#slot) }
    }

    /// The statements that define `value` (nothing when no value was used, so the generated
    /// code has no unused closure).
    pub fn definitions(&self) -> TokenStream {
        if self.values.is_empty() {
            return TokenStream::new();
        }
        let json = raw_string(&self.json());
        quote! {
            const VALUES_JSON: &str = #json;
            static VALUES: ::std::sync::OnceLock<::std::vec::Vec<::serde_json::Value>> =
                ::std::sync::OnceLock::new();
            let values = VALUES.get_or_init(|| {
                ::serde_json::from_str(VALUES_JSON).expect("mqttgen wrote these values as valid JSON")
            });
            let value = |index: usize| values[index].clone();
        }
    }
}

impl ValueTable {
    /// The values as a JSON array, one compact value per line (readable, and diffs stay local).
    fn json(&self) -> String {
        let lines: Vec<String> = self.values.iter().map(Value::to_string).collect();
        format!("[\n{}\n]", lines.join(",\n"))
    }
}

/// `text` as a raw string literal with enough `#`s that it cannot end early.
fn raw_string(text: &str) -> TokenStream {
    let mut hashes = String::new();
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .expect("a raw string literal is one valid token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_share_a_slot() {
        let mut table = ValueTable::default();
        assert!(table.definitions().is_empty());
        let a = table.get(&json!({"type": "string"})).to_string();
        let b = table.get(&json!(1)).to_string();
        assert_eq!(table.get(&json!({"type": "string"})).to_string(), a);
        assert_ne!(a, b);
        assert_eq!(table.json(), "[\n{\"type\":\"string\"},\n1\n]");
        let defs = table.definitions().to_string();
        assert!(
            defs.contains("r#\"[\n{\"type\":\"string\"},\n1\n]\"#"),
            "{defs}"
        );
    }
}
