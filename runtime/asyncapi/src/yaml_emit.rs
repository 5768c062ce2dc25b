//! A YAML writer for JSON values that every YAML reader reads back as the same value.
//!
//! Block style, two-space indentation, keys in the value's order. A string is written plain
//! only when no YAML 1.1 or 1.2 reader can take it for anything else: strings that YAML 1.1
//! (PyYAML, SnakeYAML, go-yaml v2) reads as booleans, null, numbers, dates or merge keys (`ON`,
//! `off`, `yes`, `n`, `~`, `1e3`, `0x1F`, `1_000`, `12:30`, `2024-01-01`, `<<`, `.inf`) are
//! double-quoted, and so is anything starting with an indicator character or holding `: `,
//! ` #`, a tab or a control character. Multi-line strings without control characters are
//! literal blocks (`|`, `|-`, `|+` keep their final line breaks exactly).

use serde_json::{Map, Value};

/// `value` as a YAML document (ends with a line break).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        scalar => {
            inline(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

fn mapping(out: &mut String, map: &Map<String, Value>, level: usize) {
    for (index, (key, value)) in map.iter().enumerate() {
        // The first key of a mapping that is a sequence item follows the `- ` directly.
        if index > 0 || !out.ends_with("- ") {
            indent(out, level);
        }
        if is_plain_safe(key) {
            out.push_str(key);
        } else {
            out.push_str(&double_quoted(key));
        }
        out.push(':');
        nested(out, value, level + 2, true);
    }
}

fn sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        if !out.ends_with("- ") {
            indent(out, level);
        }
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, level + 2),
            Value::Array(inner) if !inner.is_empty() => {
                // A sequence in a sequence: `- - a` style.
                sequence(out, inner, level + 2)
            }
            scalar => {
                inline(out, scalar, level + 2);
                out.push('\n');
            }
        }
    }
}

/// The value after `key:` (`after_key`), on the same line when it is a scalar or empty.
fn nested(out: &mut String, value: &Value, level: usize, after_key: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, level);
        }
        // Sequences under a key are not indented further (as serde_yaml writes them).
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, level - 2);
        }
        scalar => {
            if after_key {
                out.push(' ');
            }
            inline(out, scalar, level);
            out.push('\n');
        }
    }
}

/// A scalar or an empty collection, on the current line; `level` is the indentation of the
/// lines of a literal block.
fn inline(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => out.push_str(&scalar_text(text, level)),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// `text` as a plain, literal-block or double-quoted scalar.
fn scalar_text(text: &str, level: usize) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else if let Some(block) = literal_block(text, level) {
        block
    } else {
        double_quoted(text)
    }
}

/// True when `text` can be written plain and reads back as this string under YAML 1.1 and 1.2.
pub(crate) fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`=~<.+".contains(first) || first.is_ascii_digit() {
        return false;
    }
    if first.is_whitespace() || text.ends_with(char::is_whitespace) || text.ends_with(':') {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.contains('\t') {
        return false;
    }
    if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'))
    {
        return false;
    }
    !is_reserved_word(text)
}

/// Words YAML 1.1 or 1.2 reads as booleans, null or special floats.
fn is_reserved_word(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "nan", "inf",
    ];
    let lower = text.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
}

/// A literal block for multi-line text, when its lines survive one (no control characters,
/// no whitespace-only or leading-space first line).
fn literal_block(text: &str, level: usize) -> Option<String> {
    if !text.contains('\n')
        || text.starts_with([' ', '\n'])
        || text.chars().any(|c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
        })
    {
        return None;
    }
    let body = text.trim_end_matches('\n');
    if body
        .lines()
        .any(|line| !line.is_empty() && line.trim().is_empty())
    {
        return None;
    }
    let trailing = text.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    let pad = " ".repeat(level.max(2));
    for line in text[..text.len() - trailing.min(1)].split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    Some(out)
}

/// `text` in double quotes with `"`, `\` and every non-printable character escaped.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_1_1_lookalikes_are_quoted_and_read_back() {
        let ambiguous = [
            "ON",
            "OFF",
            "On",
            "yes",
            "No",
            "y",
            "N",
            "true",
            "False",
            "null",
            "~",
            "",
            "1e3",
            "0x1F",
            "0o17",
            "017",
            "1_000",
            "12:30",
            "2024-01-01",
            "<<",
            "=",
            ".inf",
            "-.Inf",
            ".NaN",
            "+1",
            "-1",
            "1.5",
            "3",
            "- item",
            "key: value",
            "a #comment",
            "#x",
            "@x",
            "`x",
            "!tag",
            "&anchor",
            "*alias",
            "|",
            ">",
            "'q'",
            "\"q\"",
            "%x",
            " lead",
            "trail ",
            "tab\there",
            "nul\0",
            "bell\u{7}",
            "line\u{2028}sep",
            "a:",
            "?",
            "[1]",
            "{a}",
        ];
        for text in ambiguous {
            let value = json!({ text: [text] });
            let yaml = to_string(&value);
            assert!(
                !yaml.starts_with(&format!("{text}:")) || text.is_empty(),
                "{text:?} written plain:\n{yaml}"
            );
            let read: Value = serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
            assert_eq!(read, value, "{yaml}");
        }
        for plain in [
            "TOGGLE", "online", "a b", "ümlaut", "v1.0", "x-y", "a:b", "path/to",
        ] {
            assert!(is_plain_safe(plain), "{plain}");
        }
    }

    #[test]
    fn nested_collections_and_literal_blocks_read_back() {
        let value = json!({
            "asyncapi": "3.0.0",
            "info": {"title": "T", "description": "line one\nline two\n"},
            "list": [{"a": 1, "b": [true, null, 1.5]}, [], {}, [["x", "y"], "z"], "w"],
            "empty": {},
            "none": [],
            "chomp": ["a\nb", "a\nb\n\n", "a\n\nb\n", "  lead\nx", "a\n  indented\nb"],
            "deep": {"x": {"y": {"z": ["ON"]}}},
        });
        let yaml = to_string(&value);
        let read: Value = serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        assert_eq!(read, value, "{yaml}");
        assert!(
            yaml.contains("description: |\n    line one\n    line two\n"),
            "{yaml}"
        );
        assert!(yaml.contains("- \"ON\""), "{yaml}");
    }
}
