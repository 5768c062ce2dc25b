//! The export model's JSON as it appears in generated code: one string literal, laid out so a
//! reader finds things and a change to the spec changes few lines.
//!
//! The document's keys are one per line, and so are the items of its lists (security schemes,
//! servers, `[name, schema]` pairs, channels, operations) and the messages of every operation
//! and reply; everything else (a schema, a parameter) stays compact on its line.

use proc_macro2::TokenStream;
use serde_json::{Map, Value};

/// The document object `model` laid out as described in the module docs.
pub(super) fn model_text(model: &Map<String, Value>) -> String {
    let mut out = String::from("{\n");
    for (i, (key, value)) in model.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        push_key(&mut out, key);
        match (key.as_str(), value) {
            ("operations", Value::Array(items)) => push_lines(&mut out, items, push_operation),
            (_, Value::Array(items)) => push_lines(&mut out, items, push_compact),
            _ => push_compact(&mut out, value),
        }
    }
    out.push_str("\n}");
    out
}

/// `text` as a raw string literal (`r##"…"##`).
///
/// The text is JSON, where `#` only occurs inside strings: escaping the first `#` of every `"##`
/// as `\u0023` keeps its meaning and leaves no `"##` to end the literal early. Unicode
/// bidirectional controls (which rustc's deny-by-default `text_direction_codepoint_in_literal`
/// lint rejects in a literal) are written as JSON `\uXXXX` escapes, with the same meaning.
pub(super) fn raw_string(text: &str) -> TokenStream {
    let mut text = text.replace("\"##", "\"\\u0023#");
    if text.contains(is_bidi) {
        text = text
            .chars()
            .map(|c| {
                if is_bidi(c) {
                    format!("\\u{:04x}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect();
    }
    format!("r##\"{text}\"##")
        .parse()
        .expect("a raw string literal is one valid token")
}

/// The characters rustc's `text_direction_codepoint_in_literal` lint rejects.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// An operation (or a reply): compact, except that its messages go one per line.
fn push_operation(out: &mut String, operation: &Value) {
    let Value::Object(map) = operation else {
        return push_compact(out, operation);
    };
    out.push('{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_key(out, key);
        match (key.as_str(), value) {
            ("messages", Value::Array(items)) => push_lines(out, items, push_compact),
            ("reply", _) => push_operation(out, value),
            _ => push_compact(out, value),
        }
    }
    out.push('}');
}

/// `[` and `]` on lines of their own around one item per line.
fn push_lines(out: &mut String, items: &[Value], push_item: fn(&mut String, &Value)) {
    out.push_str("[\n");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        push_item(out, item);
    }
    out.push_str("\n]");
}

fn push_key(out: &mut String, key: &str) {
    push_compact(out, &Value::from(key));
    out.push(':');
}

fn push_compact(out: &mut String, value: &Value) {
    out.push_str(&value.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_and_messages_go_one_per_line() {
        let model = json!({
            "info": {"title": "T", "version": "1"},
            "schemas": [["A", {"messages": [1, 2]}], ["B", {}]],
            "operations": [
                {"id": "a", "messages": [{"name": "m"}, {"name": "n"}],
                 "reply": {"address": "response_topic", "messages": [{"name": "r"}]}},
                {"id": "b"}
            ]
        });
        let Value::Object(model) = model else {
            unreachable!()
        };
        let text = model_text(&model);
        assert_eq!(
            text,
            r#"{
"info":{"title":"T","version":"1"},
"schemas":[
["A",{"messages":[1,2]}],
["B",{}]
],
"operations":[
{"id":"a","messages":[
{"name":"m"},
{"name":"n"}
],"reply":{"address":"response_topic","messages":[
{"name":"r"}
]}},
{"id":"b"}
]
}"#
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            Value::Object(model)
        );
    }

    #[test]
    fn the_raw_string_cannot_end_early() {
        let value = json!({"$ref": "#/a", "d": "\"## \"### ##", "e": "##x"});
        let text = value.to_string();
        let literal: syn::LitStr = syn::parse2(raw_string(&text)).expect("one string literal");
        assert!(literal.token().to_string().starts_with("r##\""));
        assert!(literal.value().contains(r##""$ref":"#/a""##));
        assert_eq!(
            serde_json::from_str::<Value>(&literal.value()).unwrap(),
            value
        );
    }
}
