//! String enums whose values collide once typify turns them into identifiers (`""` and `" "`, `A`
//! and `a`, `a-b` and `a_b`) make typify give up on the whole schema. Such values are handed to
//! typify as placeholders (`mqttgenvalue` + the value's bytes as letters `a`..`p` + `z`), which
//! always give distinct variants; [`restore_placeholders`] writes the real values back into every
//! string literal of typify's output (serde renames, `Display`, `FromStr`, docs) before anything
//! else reads it, and the post-processor then names each variant from its real value. The wire
//! form is the spec's values, unchanged.

use proc_macro2::{Group, Literal, TokenStream, TokenTree};
use serde_json::{Map, Value};

const PREFIX: &str = "mqttgenvalue";
const END: char = 'z';

fn encode(value: &str) -> String {
    let mut out = String::from(PREFIX);
    for byte in value.bytes() {
        out.push((b'a' + (byte >> 4)) as char);
        out.push((b'a' + (byte & 0x0F)) as char);
    }
    out.push(END);
    out
}

/// Decodes the placeholder at the start of `text` (after [`PREFIX`]): the value and the length
/// of the placeholder's tail.
fn decode_tail(text: &str) -> Option<(String, usize)> {
    let end = text.find(END)?;
    let letters = &text.as_bytes()[..end];
    if letters.len() % 2 != 0 || !letters.iter().all(|b| (b'a'..=b'p').contains(b)) {
        return None;
    }
    let bytes: Vec<u8> = letters
        .chunks(2)
        .map(|pair| ((pair[0] - b'a') << 4) | (pair[1] - b'a'))
        .collect();
    Some((String::from_utf8(bytes).ok()?, end + 1))
}

/// `text` with every placeholder replaced by its value.
fn restore_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..at]);
        let after = &rest[at + PREFIX.len()..];
        match decode_tail(after) {
            Some((value, used)) => {
                out.push_str(&value);
                rest = &after[used..];
            }
            None => {
                out.push_str(PREFIX);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The identifier key typify's variant naming could reduce a value to: its letters and digits,
/// lower-cased (a superset of typify's collisions).
fn key(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Replaces the values of a string `enum` (and a string `default` among them) by placeholders
/// when two of them share a [`key`].
pub fn placeholder_colliding_values(map: &mut Map<String, Value>) {
    let Some(Value::Array(values)) = map.get("enum").cloned() else {
        return;
    };
    let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    if strings.len() < 2 || values.iter().any(|v| !v.is_string() && !v.is_null()) {
        return;
    }
    let mut keys = std::collections::HashSet::new();
    if strings.iter().all(|value| keys.insert(key(value))) {
        return;
    }
    let replace = |value: &Value| match value {
        Value::String(text) => Value::String(encode(text)),
        other => other.clone(),
    };
    let replaced: Vec<Value> = values.iter().map(replace).collect();
    map.insert("enum".into(), Value::Array(replaced));
    if let Some(default) = map.get("default") {
        if default.as_str().is_some_and(|d| strings.contains(&d)) {
            let default = replace(default);
            map.insert("default".into(), default);
        }
    }
}

/// Whether any string of `schema` (a value or a member name, at any depth) holds the
/// placeholder prefix: only then can typify's output for it hold a placeholder, so only then
/// does it need [`restore_placeholders`] (which also restores a spec's own text that looks like
/// one, so it is checked here too).
pub fn has_placeholders(schema: &Value) -> bool {
    match schema {
        Value::String(text) => text.contains(PREFIX),
        Value::Array(items) => items.iter().any(has_placeholders),
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains(PREFIX) || has_placeholders(value)),
        _ => false,
    }
}

/// typify's output with the real values in place of the placeholders, in every string literal.
pub fn restore_placeholders(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut restored =
                    Group::new(group.delimiter(), restore_placeholders(group.stream()));
                restored.set_span(group.span());
                TokenTree::Group(restored)
            }
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                if !text.contains(PREFIX) {
                    return TokenTree::Literal(literal);
                }
                match syn::parse_str::<syn::LitStr>(&text) {
                    Ok(string) => {
                        let mut restored = Literal::string(&restore_text(&string.value()));
                        restored.set_span(literal.span());
                        TokenTree::Literal(restored)
                    }
                    Err(_) => TokenTree::Literal(literal),
                }
            }
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn colliding_values_round_trip_through_placeholders() {
        let mut map =
            json!({"type": "string", "enum": ["", " ", "A", "a", "é\u{0}"], "default": " "})
                .as_object()
                .cloned()
                .unwrap();
        placeholder_colliding_values(&mut map);
        let values: Vec<String> = map["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(values.iter().all(|v| v.starts_with(PREFIX)));
        let joined = format!("x {} y {}", values[1], values[4]);
        assert_eq!(restore_text(&joined), "x   y é\u{0}");
        assert_eq!(map["default"], json!(values[1]));
        // Only a schema holding a placeholder needs its output restored.
        assert!(has_placeholders(
            &json!({"properties": {"a": Value::Object(map.clone())}})
        ));
        assert!(has_placeholders(
            &json!({"properties": {values[0].clone(): {}}})
        ));
        assert!(!has_placeholders(
            &json!({"enum": ["mqttgen", "value"], "properties": {"a": {"type": "string"}}})
        ));
        let tokens: TokenStream = format!("#[serde(rename = {:?})] A", values[3])
            .parse()
            .unwrap();
        assert_eq!(
            restore_placeholders(tokens).to_string(),
            "# [serde (rename = \"a\")] A"
        );
    }

    #[test]
    fn distinct_values_are_left_alone() {
        let mut map = json!({"enum": ["on", "off", null]})
            .as_object()
            .cloned()
            .unwrap();
        let before = map.clone();
        placeholder_colliding_values(&mut map);
        assert_eq!(map, before);
    }
}
