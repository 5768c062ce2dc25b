//! A fast path for the YAML most documents are written in: it reads the text byte by byte and
//! builds the located tree directly, with no scanner tokens or parser events in between.
//!
//! It reads block mappings and sequences (indentless and compact ones included), plain and quoted
//! scalars that end on their line, flow collections that end on their line, comments, blank lines
//! and CRLF line ends. At the first thing it does not read exactly as yaml-rust2 and our builder
//! do — anchors, aliases, tags, block scalars, multi-line scalars and flow collections, explicit
//! keys, merge keys, document markers, directives, tabs, odd indentation, duplicate keys, any
//! error, a null at the very end — it gives up (`None`) and the caller parses the text with the
//! full parser, so diagnostics only ever come from there.
//!
//! For every text it reads, the tree is the full parser's: the same values (YAML 1.2 core schema),
//! key order, node ids, positions (byte offset, line, character column) and key indexes. The
//! differential test `generator/tests/yaml_fast.rs` holds it to that on the yaml-test-suite, our
//! specs, the public corpus and seeded mutations of them.

mod scalar;

use std::ops::Range;

use super::lines::find_newline;
use super::{core_value, is_duplicate, key_index, Entry, Node, Parsed, PartParsed, Pos, Value};
use crate::model::FileId;
use scalar::{blank_or_end, Scalar, Style};

/// Deepest nesting the fast path reads: deeper documents go to the full parser (which reports
/// `yaml-too-deep` past [`super::MAX_DEPTH`]); keeps the recursion here shallow.
const MAX_FAST_DEPTH: usize = 64;
/// Longest key in bytes: the scanner refuses implicit keys longer than 1024 characters.
const MAX_KEY_BYTES: usize = 1000;

/// The tree of `text[range]` (a run of whole lines after `lines_before` lines; positions those of
/// the whole text), or `None` when the text holds anything the fast path does not read.
pub(super) fn parse(
    text: &str,
    file: FileId,
    range: Range<usize>,
    lines_before: usize,
) -> Option<PartParsed> {
    let bytes = text.as_bytes().get(range.clone())?;
    let ascii = printable_ascii(bytes);
    if !ascii && !plain_bytes(bytes) {
        return None;
    }
    let mut reader = Reader::new(&text[..range.end], file, range.start, lines_before);
    reader.ascii = ascii;
    reader.seek()?;
    let indent = reader.indent?;
    let root = if reader.is_entry() {
        reader.block_seq(indent, 0, false)?
    } else if matches!(reader.byte(reader.at), Some(b'[' | b'{')) {
        let node = reader.flow(0)?;
        reader.end_line()?;
        node
    } else if reader.key_ahead() {
        reader.block_map(indent, 0)?
    } else {
        return None;
    };
    if reader.indent.is_some() {
        // Content after the root that is not part of it: an error or a construct left out.
        return None;
    }
    Some(PartParsed {
        parsed: Parsed {
            root: Some(root),
            diagnostics: Vec::new(),
        },
        alias_nodes: 0,
    })
}

/// True when `bytes` has no character the fast path leaves to the full parser wherever it is:
/// tabs, control characters other than LF and CRLF, DEL, C1 controls (NEL among them), the line
/// and paragraph separators and byte order marks.
fn plain_bytes(bytes: &[u8]) -> bool {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    for (i, &b) in bytes.iter().enumerate() {
        let bad = match b {
            b'\n' => false,
            b'\r' => at(i + 1) != b'\n',
            0..=0x1f | 0x7f => true,
            0xc2 => (0x80..=0x9f).contains(&at(i + 1)),
            0xe2 => at(i + 1) == 0x80 && matches!(at(i + 2), 0xa8 | 0xa9),
            0xef => at(i + 1) == 0xbb && at(i + 2) == 0xbf,
            _ => false,
        };
        if bad {
            return false;
        }
    }
    true
}

/// True when `bytes` is printable ASCII and LF only (most documents), at about an instruction per
/// byte: whole blocks are checked without branches, so the compiler can vectorize the loop.
fn printable_ascii(bytes: &[u8]) -> bool {
    let odd = |b: u8| (b.wrapping_sub(0x20) >= 0x5f) & (b != b'\n');
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        if block.iter().fold(false, |any, &b| any | odd(b)) {
            return false;
        }
    }
    !blocks.remainder().iter().any(|&b| odd(b))
}

/// The cursor over the text and the tree being built.
struct Reader<'t> {
    /// The text up to the end of the part read.
    text: &'t str,
    file: FileId,
    /// Where the current line starts, where its content ends (before `\n` or `\r\n`) and where the
    /// next line starts.
    line_start: usize,
    line_end: usize,
    next_line: usize,
    /// The current line, 1-based, of the whole text.
    line: u32,
    /// The cursor: a byte offset on the current line.
    at: usize,
    /// True when the text read is ASCII: columns are then byte distances.
    ascii: bool,
    /// After [`Reader::seek`]: the indentation of the line the cursor is on (the cursor is at its
    /// first character), or `None` at the end of the text.
    indent: Option<usize>,
    next_id: u32,
    /// Items of the open sequences, innermost last.
    items: Vec<Node>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str, file: FileId, start: usize, lines_before: usize) -> Self {
        let mut reader = Reader {
            text,
            file,
            line_start: start,
            line_end: start,
            next_line: start,
            line: lines_before as u32 + 1,
            at: start,
            ascii: false,
            indent: None,
            next_id: 0,
            // Sized like the full parser's stacks.
            items: Vec::with_capacity(text.len().saturating_sub(start) / 1024),
            entries: Vec::with_capacity(text.len().saturating_sub(start) / 128),
        };
        reader.load_line(start);
        reader
    }

    /// Makes the line starting at `start` the current one.
    fn load_line(&mut self, start: usize) {
        let bytes = self.text.as_bytes();
        self.line_start = start;
        self.at = start;
        match find_newline(bytes, start) {
            Some(newline) => {
                self.next_line = newline + 1;
                self.line_end = if newline > start && bytes[newline - 1] == b'\r' {
                    newline - 1
                } else {
                    newline
                };
            }
            None => {
                self.next_line = bytes.len();
                self.line_end = bytes.len();
            }
        }
    }

    /// The byte at `i` when it is on the current line (before its line break).
    #[inline]
    fn byte(&self, i: usize) -> Option<u8> {
        (i < self.line_end).then(|| self.text.as_bytes()[i])
    }

    #[inline]
    fn skip_spaces(&mut self) {
        while self.byte(self.at) == Some(b' ') {
            self.at += 1;
        }
    }

    /// True when the cursor (after blanks) is at the end of the line or at a comment.
    #[inline]
    fn at_line_end(&self) -> bool {
        matches!(self.byte(self.at), None | Some(b'#'))
    }

    /// Moves from the cursor to the next content: past blanks, comments and empty lines. Sets
    /// [`Reader::indent`]. `None` at a document marker or directive.
    fn seek(&mut self) -> Option<()> {
        loop {
            self.skip_spaces();
            if !self.at_line_end() {
                let indent = self.at - self.line_start;
                if indent == 0 && self.marker_here() {
                    return None;
                }
                self.indent = Some(indent);
                return Some(());
            }
            if self.next_line >= self.text.len() {
                self.at = self.line_end;
                self.indent = None;
                return Some(());
            }
            self.line += 1;
            self.load_line(self.next_line);
        }
    }

    /// True at `---`, `...` (followed by a blank or the line end) or `%` at the start of a line.
    fn marker_here(&self) -> bool {
        let rest = &self.text.as_bytes()[self.at..self.line_end];
        rest.first() == Some(&b'%')
            || ((rest.starts_with(b"---") || rest.starts_with(b"..."))
                && blank_or_end(rest.get(3).copied()))
    }

    /// After a value: only blanks and a comment may follow on its line; then [`Reader::seek`].
    fn end_line(&mut self) -> Option<()> {
        let value_end = self.at;
        self.skip_spaces();
        match self.byte(self.at) {
            None => {}
            Some(b'#') if self.at > value_end => {}
            Some(_) => return None,
        }
        self.at = self.line_end;
        self.seek()
    }

    /// Where `offset` (on the current line) is.
    fn pos(&self, offset: usize) -> Pos {
        let column = if self.ascii {
            offset - self.line_start
        } else {
            self.text[self.line_start..offset].chars().count()
        };
        Pos {
            offset,
            line: self.line,
            column: column as u32 + 1,
        }
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn node(&self, id: u32, pos: Pos, value: Value) -> Node {
        Node::closed(id, self.next_id, self.file, pos, value)
    }

    fn leaf(&mut self, pos: Pos, value: Value) -> Node {
        let id = self.take_id();
        self.node(id, pos, value)
    }

    /// The scalar at the cursor; `flow` inside a flow collection.
    fn scalar(&self, flow: bool) -> Option<Scalar<'t>> {
        let line = &self.text[self.line_start..self.line_end];
        scalar::read(line, self.at - self.line_start, flow)
    }

    /// True at a block sequence entry: `-` followed by a blank or the line end.
    #[inline]
    fn is_entry(&self) -> bool {
        self.byte(self.at) == Some(b'-') && blank_or_end(self.byte(self.at + 1))
    }

    /// True when an implicit key (`key:` followed by a blank or the line end) starts at the cursor.
    fn key_ahead(&self) -> bool {
        let Some(key) = self.scalar(false) else {
            return false;
        };
        let mut i = self.line_start + key.end;
        while self.byte(i) == Some(b' ') {
            i += 1;
        }
        self.byte(i) == Some(b':') && blank_or_end(self.byte(i + 1))
    }

    /// A node on its own line at column `indent`.
    fn block_node(&mut self, indent: usize, depth: usize) -> Option<Node> {
        if self.is_entry() {
            return self.block_seq(indent, depth, false);
        }
        if self.key_ahead() {
            return self.block_map(indent, depth);
        }
        let node = self.inline(depth)?;
        self.end_line()?;
        Some(node)
    }

    /// A scalar or a flow collection after `key: ` or `- `, on one line.
    fn inline(&mut self, depth: usize) -> Option<Node> {
        if matches!(self.byte(self.at), Some(b'[' | b'{')) {
            return self.flow(depth);
        }
        let scalar = self.scalar(false)?;
        let pos = self.pos(self.at);
        self.at = self.line_start + scalar.end;
        let value = value_of(scalar);
        Some(self.leaf(pos, value))
    }

    /// The value of a block mapping entry or sequence item that is not on the line of its key or
    /// `-` (the cursor is at the end of that line): a deeper node, an indentless sequence (for a
    /// mapping's entry at `indent`) or a null, positioned where the next token is.
    fn value_below(&mut self, indent: usize, depth: usize, in_map: bool) -> Option<Node> {
        self.at = self.line_end;
        self.seek()?;
        match self.indent {
            // A null at the end of the text is placed at the end of the stream: left out.
            None => None,
            Some(m) if m > indent => self.block_node(m, depth),
            Some(m) if in_map && m == indent && self.is_entry() => self.block_seq(m, depth, true),
            Some(m) => {
                // The next token: a sequence entry of this sequence (yaml-rust2 places the entry
                // after its `-`), else a key or the end of blocks, where its text starts.
                let at = if !in_map && m == indent && self.is_entry() {
                    self.after_dash()
                } else {
                    self.at
                };
                let pos = self.pos(at);
                Some(self.leaf(pos, Value::Null))
            }
        }
    }

    /// Where yaml-rust2 places the block entry `-` at the cursor: after the `-` and its blanks, or
    /// at the end of the line when only a comment follows.
    fn after_dash(&self) -> usize {
        let mut i = self.at + 1;
        while self.byte(i) == Some(b' ') {
            i += 1;
        }
        if self.byte(i) == Some(b'#') {
            self.line_end
        } else {
            i
        }
    }

    /// A block mapping whose keys are at column `indent`; the cursor is at its first key.
    fn block_map(&mut self, indent: usize, depth: usize) -> Option<Node> {
        if depth >= MAX_FAST_DEPTH {
            return None;
        }
        let id = self.take_id();
        let start = self.entries.len();
        let mut seen: Option<super::KeyIndex> = None;
        loop {
            let key_at = self.at;
            let key = self.scalar(false)?;
            let mut colon = self.line_start + key.end;
            while self.byte(colon) == Some(b' ') {
                colon += 1;
            }
            if self.byte(colon) != Some(b':')
                || !blank_or_end(self.byte(colon + 1))
                || colon - key_at > MAX_KEY_BYTES
            {
                return None;
            }
            let key_pos = self.pos(key_at);
            self.take_id();
            let key = key_text(key);
            if key == "<<" {
                // A merge key: the full parser merges.
                return None;
            }
            self.at = colon + 1;
            self.skip_spaces();
            let value = if self.at_line_end() {
                self.value_below(indent, depth + 1, true)?
            } else {
                let value = self.inline(depth + 1)?;
                self.end_line()?;
                value
            };
            if is_duplicate(&self.entries[start..], &mut seen, &key) {
                return None;
            }
            self.entries.push(Entry {
                key,
                key_pos,
                value,
            });
            match self.indent {
                Some(m) if m == indent && !self.is_entry() => continue,
                Some(m) if m < indent => break,
                None => break,
                _ => return None,
            }
        }
        let entries: Vec<Entry> = self.entries.drain(start..).collect();
        let pos = entries.first()?.key_pos;
        let mut node = self.node(id, pos, Value::Map(Vec::new()));
        node.key_index = key_index(&entries, seen);
        node.value = Value::Map(entries);
        Some(node)
    }

    /// A block sequence whose `-` are at column `indent`; the cursor is at the first. An
    /// `indentless` sequence (a mapping's value at the mapping's own indentation) ends at a line
    /// of that indentation that is not an entry.
    fn block_seq(&mut self, indent: usize, depth: usize, indentless: bool) -> Option<Node> {
        if depth >= MAX_FAST_DEPTH {
            return None;
        }
        let id = self.take_id();
        // yaml-rust2 starts an indentless sequence where its first entry's token is.
        let pos = self.pos(if indentless {
            self.after_dash()
        } else {
            self.at
        });
        let start = self.items.len();
        loop {
            self.at += 1;
            self.skip_spaces();
            let item = if self.at_line_end() {
                self.value_below(indent, depth + 1, false)?
            } else {
                // Only `-` and blanks precede the cursor on this line: bytes are columns.
                let column = self.at - self.line_start;
                if self.is_entry() {
                    self.block_seq(column, depth + 1, false)?
                } else if self.key_ahead() {
                    self.block_map(column, depth + 1)?
                } else {
                    let value = self.inline(depth + 1)?;
                    self.end_line()?;
                    value
                }
            };
            self.items.push(item);
            match self.indent {
                Some(m) if m == indent && self.is_entry() => continue,
                Some(m) if m < indent => break,
                Some(m) if m == indent && indentless => break,
                None => break,
                _ => return None,
            }
        }
        let items: Vec<Node> = self.items.drain(start..).collect();
        Some(self.node(id, pos, Value::Seq(items)))
    }

    /// After a flow item: `Some(true)` past a `,` (more items follow), `Some(false)` past the
    /// `close` bracket, `None` for anything else, including a trailing comma (`[a, ]`), which is
    /// left to the full parser.
    fn flow_next(&mut self, close: u8) -> Option<bool> {
        match self.flow_space()? {
            b',' => {
                self.at += 1;
                (self.flow_space()? != close).then_some(true)
            }
            byte if byte == close => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Blanks inside a flow collection; `None` when the collection goes on to the next line.
    fn flow_space(&mut self) -> Option<u8> {
        self.skip_spaces();
        match self.byte(self.at) {
            None | Some(b'#') => None,
            Some(b) => Some(b),
        }
    }

    /// A node inside a flow collection.
    fn flow_item(&mut self, depth: usize) -> Option<Node> {
        if matches!(self.byte(self.at), Some(b'[' | b'{')) {
            return self.flow(depth);
        }
        let scalar = self.scalar(true)?;
        let pos = self.pos(self.at);
        self.at = self.line_start + scalar.end;
        let value = value_of(scalar);
        Some(self.leaf(pos, value))
    }

    /// A flow sequence or mapping at the cursor that ends on this line.
    fn flow(&mut self, depth: usize) -> Option<Node> {
        if depth >= MAX_FAST_DEPTH {
            return None;
        }
        let id = self.take_id();
        let pos = self.pos(self.at);
        let open = self.byte(self.at)?;
        self.at += 1;
        let value = if open == b'[' {
            let start = self.items.len();
            if self.flow_space()? == b']' {
                self.at += 1;
            } else {
                loop {
                    let item = self.flow_item(depth + 1)?;
                    self.items.push(item);
                    if !self.flow_next(b']')? {
                        break;
                    }
                }
            }
            Value::Seq(self.items.drain(start..).collect())
        } else {
            let start = self.entries.len();
            let mut seen: Option<super::KeyIndex> = None;
            if self.flow_space()? == b'}' {
                self.at += 1;
            } else {
                loop {
                    let key_at = self.at;
                    if matches!(self.byte(key_at), Some(b'[' | b'{')) {
                        return None;
                    }
                    let key = self.scalar(true)?;
                    self.at = self.line_start + key.end;
                    // `key: value` only: `{a}`, `{"a":1}` and `{a: }` go to the full parser.
                    if self.flow_space()? != b':' || self.byte(self.at + 1) != Some(b' ') {
                        return None;
                    }
                    if self.at - key_at > MAX_KEY_BYTES {
                        return None;
                    }
                    let key_pos = self.pos(key_at);
                    self.take_id();
                    let key = key_text(key);
                    if key == "<<" {
                        return None;
                    }
                    self.at += 1;
                    if matches!(self.flow_space()?, b',' | b'}') {
                        return None;
                    }
                    let value = self.flow_item(depth + 1)?;
                    if is_duplicate(&self.entries[start..], &mut seen, &key) {
                        return None;
                    }
                    self.entries.push(Entry {
                        key,
                        key_pos,
                        value,
                    });
                    if !self.flow_next(b'}')? {
                        break;
                    }
                }
            }
            let entries: Vec<Entry> = self.entries.drain(start..).collect();
            let mut node = self.node(id, pos, Value::Map(Vec::new()));
            node.key_index = key_index(&entries, seen);
            node.value = Value::Map(entries);
            return Some(node);
        };
        Some(self.node(id, pos, value))
    }
}

/// A scalar's value: plain ones resolved with the YAML 1.2 core schema, quoted ones strings.
fn value_of(scalar: Scalar<'_>) -> Value {
    match scalar.style {
        Style::Plain => {
            core_value(&scalar.text).unwrap_or_else(|| Value::String(scalar.text.into_owned()))
        }
        Style::Quoted => Value::String(scalar.text.into_owned()),
    }
}

/// A key's text, as the full builder makes it from the key's value (`1.0` → `"1.0"`, `~` → `""`).
fn key_text(scalar: Scalar<'_>) -> String {
    match value_of(scalar) {
        Value::String(text) => text,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Seq(_) | Value::Map(_) => String::new(),
    }
}
