//! A strict JSON (RFC 8259) reader that builds the same located tree as [`crate::reader::yaml`].
//!
//! JSON is nearly YAML 1.2, but not quite: `\ud83d\ude00` surrogate-pair escapes (what most JSON
//! writers emit for emoji) are not valid YAML escapes. Documents that start with `{` or `[` are read
//! here first; when that fails the YAML parser gets its turn.

use std::sync::Arc;

use crate::diagnostics::Diagnostic;
use crate::model::FileId;
use crate::reader::yaml::{self, Entry, Node, Pos, Value, MAX_DEPTH};

/// Keys at which a mapping gets a key index (same threshold as the YAML reader).
const INDEXED_MAP: usize = 16;

/// Parses `text` as JSON; the error is a located `json-syntax` diagnostic.
pub fn parse(text: &str, file: FileId) -> Result<(Node, Vec<Diagnostic>), Box<Diagnostic>> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        line_start: 0,
        file,
        next_id: 0,
        diagnostics: Vec::new(),
    };
    if text.starts_with('\u{FEFF}') {
        reader.at = 3;
        reader.line_start = 3;
    }
    reader.skip_ws();
    let root = reader.value(0)?;
    reader.skip_ws();
    if reader.at < reader.bytes.len() {
        return Err(reader.error("unexpected text after the JSON value"));
    }
    Ok((root, reader.diagnostics))
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    line: u32,
    line_start: usize,
    file: FileId,
    next_id: u32,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn pos(&self) -> Pos {
        let column = self
            .text
            .get(self.line_start..self.at)
            .map_or(0, |s| s.chars().count());
        Pos {
            offset: self.at,
            line: self.line,
            column: column as u32 + 1,
        }
    }

    fn error(&self, message: &str) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error("json-syntax", None, format!("invalid JSON: {message}"))
                .with_location(yaml::location(self.text, self.file, self.pos())),
        )
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                b' ' | b'\t' | b'\r' => self.at += 1,
                _ => break,
            }
        }
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    fn node(&self, id: u32, pos: Pos, value: Value) -> Node {
        Node::closed(id, self.next_id, self.file, pos, value)
    }

    fn value(&mut self, depth: usize) -> Result<Node, Box<Diagnostic>> {
        if depth >= MAX_DEPTH {
            return Err(Box::new(
                Diagnostic::error(
                    "yaml-too-deep",
                    None,
                    format!("the document nests deeper than {MAX_DEPTH} levels"),
                )
                .with_location(yaml::location(self.text, self.file, self.pos())),
            ));
        }
        let pos = self.pos();
        match self.bytes.get(self.at) {
            Some(b'{') => self.object(depth, pos),
            Some(b'[') => self.array(depth, pos),
            Some(b'"') => {
                let id = self.take_id();
                let s = self.string()?;
                Ok(self.node(id, pos, Value::String(s)))
            }
            Some(b't') => self.literal("true", Value::Bool(true), pos),
            Some(b'f') => self.literal("false", Value::Bool(false), pos),
            Some(b'n') => self.literal("null", Value::Null, pos),
            Some(b'-' | b'0'..=b'9') => self.number(pos),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn literal(&mut self, word: &str, value: Value, pos: Pos) -> Result<Node, Box<Diagnostic>> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            let id = self.take_id();
            Ok(self.node(id, pos, value))
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn number(&mut self, pos: Pos) -> Result<Node, Box<Diagnostic>> {
        let start = self.at;
        while let Some(&b) = self.bytes.get(self.at) {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.at += 1;
            } else {
                break;
            }
        }
        let text = &self.text[start..self.at];
        let number = serde_json::from_str::<serde_json::Number>(text)
            .map_err(|_| self.error(&format!("`{text}` is not a number")))?;
        let id = self.take_id();
        Ok(self.node(id, pos, Value::Number(number)))
    }

    fn string(&mut self) -> Result<String, Box<Diagnostic>> {
        self.at += 1; // opening quote
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let Some(i) = rest.find(['"', '\\', '\n']) else {
                return Err(self.error("unterminated string"));
            };
            out.push_str(&rest[..i]);
            self.at += i;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\n' => return Err(self.error("line break inside a string")),
                _ => {
                    let escape = self.bytes.get(self.at + 1).copied();
                    self.at += 2;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first)
                                && self.bytes[self.at..].starts_with(b"\\u")
                            {
                                self.at += 2;
                                let second = self.hex4()?;
                                let combined = 0x10000
                                    + ((first - 0xD800) << 10)
                                    + second.wrapping_sub(0xDC00);
                                char::from_u32(combined)
                            } else {
                                char::from_u32(first)
                            };
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.at -= 2;
                            return Err(self.error("invalid escape in string"));
                        }
                    }
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Box<Diagnostic>> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("`\\u` needs four hex digits"))?;
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("`\\u` needs four hex digits"))
    }

    fn array(&mut self, depth: usize, pos: Pos) -> Result<Node, Box<Diagnostic>> {
        let id = self.take_id();
        self.at += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b']') {
            self.at += 1;
            return Ok(self.node(id, pos, Value::Seq(items)));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(self.node(id, pos, Value::Seq(items)));
                }
                _ => return Err(self.error("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize, pos: Pos) -> Result<Node, Box<Diagnostic>> {
        let id = self.take_id();
        self.at += 1;
        let mut entries: Vec<Entry> = Vec::new();
        let mut index = yaml::KeyIndex::default();
        self.skip_ws();
        if self.bytes.get(self.at) == Some(&b'}') {
            self.at += 1;
            return Ok(self.node(id, pos, Value::Map(entries)));
        }
        loop {
            self.skip_ws();
            let key_pos = self.pos();
            if self.bytes.get(self.at) != Some(&b'"') {
                return Err(self.error("expected a string key"));
            }
            // Keys take an id like YAML key scalars do, so ids stay comparable.
            self.take_id();
            let key = self.string()?;
            self.skip_ws();
            if self.bytes.get(self.at) != Some(&b':') {
                return Err(self.error("expected `:` after the key"));
            }
            self.at += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            if let Some(&first) = index.get(&key) {
                let line = entries[first].key_pos.line;
                self.diagnostics.push(
                    Diagnostic::error(
                        "yaml-duplicate-key",
                        None,
                        format!("duplicate key `{key}` (first defined on line {line})"),
                    )
                    .with_help("remove or rename one of them")
                    .with_location(yaml::location(self.text, self.file, key_pos)),
                );
            } else {
                index.insert(key.clone(), entries.len());
                entries.push(Entry {
                    key,
                    key_pos,
                    value,
                });
            }
            self.skip_ws();
            match self.bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    let mut node = self.node(id, pos, Value::Map(entries));
                    if index.len() >= INDEXED_MAP {
                        node.key_index = Some(Arc::new(index));
                    }
                    return Ok(node);
                }
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }
}

/// Parses a file's text. A `.json` file is read as strict JSON. Other files that look like JSON
/// (start with `{` or `[`) are tried as JSON first and fall back to YAML 1.2 (flow-style YAML such as
/// `{asyncapi: 3.0.0}` is not JSON); everything else is YAML 1.2.
pub fn parse_document(text: &str, file: FileId, named_json: bool) -> yaml::Parsed {
    let looks_like_json = text
        .trim_start_matches('\u{FEFF}')
        .trim_start()
        .starts_with(['{', '[']);
    if named_json || looks_like_json {
        match parse(text, file) {
            Ok((root, diagnostics)) => {
                return yaml::Parsed {
                    root: Some(root),
                    diagnostics,
                }
            }
            Err(error) if named_json => {
                return yaml::Parsed {
                    root: None,
                    diagnostics: vec![*error],
                }
            }
            Err(_) => {}
        }
    }
    yaml::parse(text, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_surrogate_pairs_and_positions() {
        let text = "{\n\t\"a\": \"\\ud83d\\ude00 \\u00e9\",\n\t\"b\": [1, -2.5e3, true, null]\n}";
        let (root, diagnostics) = parse(text, 0).unwrap();
        assert!(diagnostics.is_empty());
        assert_eq!(
            root.to_json(),
            serde_json::json!({"a": "😀 é", "b": [1, -2500.0, true, null]})
        );
        let b = root.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (3, 7));
        assert_eq!(&text[b.pos.offset..b.pos.offset + 1], "[");
    }

    #[test]
    fn errors_and_duplicates_are_located() {
        let err = parse("{\"a\": 1,\n \"b\": }", 0).unwrap_err();
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (2, 7));
        let (_, diagnostics) = parse("{\"a\": 1, \"a\": 2}", 0).unwrap();
        assert_eq!(diagnostics[0].code, "yaml-duplicate-key");
        assert!(parse(&"[".repeat(10_000), 0).is_err());
    }
}
