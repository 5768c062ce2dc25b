//! A located YAML 1.2 tree: every node knows its byte offset, line and column.
//!
//! Built from `yaml-rust2`'s event stream with an explicit stack (no recursion, so deeply nested input
//! cannot overflow the stack), YAML 1.2 core-schema scalars (`on`, `off`, `y`, `n` stay strings),
//! duplicate-key detection, a depth limit and a budget on alias expansion (billion laughs). JSON
//! files are read by [`crate::spec`]'s strict JSON reader into the same tree (JSON is almost, but
//! not quite, YAML 1.2).

/// Large documents parsed in parts on several threads.
pub mod parts;

/// The fast path for the common subset of YAML.
mod fast;
/// Finding line ends quickly.
mod lines;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::Arc;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diagnostics::{Diagnostic, Location};
use crate::model::FileId;

/// Deepest nesting accepted; deeper input gets a `yaml-too-deep` error instead of a stack overflow.
pub const MAX_DEPTH: usize = 200;
/// Most nodes that alias (`*name`) expansion may create in one file.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Bytes of text per entry (and per sequence item) the builder's stacks are first sized for.
const STACK_BYTES_PER_ENTRY: usize = 128;
const STACK_BYTES_PER_ITEM: usize = 1024;

/// Where a node starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// Byte offset in the file's text.
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub column: u32,
}

/// Key → entry position of a large mapping ([`Node::key_index`]). Every `$ref` and most model
/// lookups go through it, so it hashes with foldhash (randomly seeded, so crafted keys cannot
/// force collisions) instead of SipHash.
pub type KeyIndex = HashMap<String, usize, foldhash::fast::RandomState>;

/// A node of the located tree.
#[derive(Clone, Debug)]
pub struct Node {
    /// Pre-order number of the node in its file; a subtree holds ids `id..=last`.
    pub id: u32,
    /// The largest id in this node's subtree.
    pub last: u32,
    /// The file the node was read from.
    pub file: FileId,
    /// Where the node starts.
    pub pos: Pos,
    /// The value.
    pub value: Value,
    /// For large mappings: key → entry position, so lookups in maps with thousands of channels or
    /// schemas stay O(1). `None` for small maps and non-maps (and after edits such as trait merges).
    pub key_index: Option<Arc<KeyIndex>>,
}

/// A node's value (YAML 1.2 core schema).
#[derive(Clone, Debug)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or float.
    Number(serde_json::Number),
    /// Any other scalar.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order (duplicates removed and reported).
    Map(Vec<Entry>),
}

/// One mapping entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key as text.
    pub key: String,
    /// Where the key starts.
    pub key_pos: Pos,
    /// The value.
    pub value: Node,
}

impl Node {
    /// A node numbered `id` whose subtree holds every id a builder handed out before `next_id`
    /// (its next free id once the subtree is read), with no key index yet.
    pub(crate) fn closed(id: u32, next_id: u32, file: FileId, pos: Pos, value: Value) -> Node {
        Node {
            id,
            last: next_id.saturating_sub(1).max(id),
            file,
            pos,
            value,
            key_index: None,
        }
    }

    /// The entries when this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items when this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text when this is a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let entries = self.as_map()?;
        if let Some(index) = &self.key_index {
            return index
                .get(key)
                .and_then(|&i| entries.get(i))
                .map(|e| &e.value);
        }
        entries
            .iter()
            .find(|e| same_key(&e.key, key))
            .map(|e| &e.value)
    }

    /// True when this node is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A short name of the node's kind for messages (`a mapping`, `a string`, ...).
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as plain JSON (no positions).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => items.iter().map(Node::to_json).collect(),
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The scalar as text, for places where any scalar is accepted as a string (`1.0` as a version).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// Maps yaml-rust2 markers (character index, 0-based column) to byte offsets.
///
/// The parser may have read only a part of the text (a run of whole lines, see
/// [`crate::reader::yaml::parts`]); markers are then relative to that part and are shifted by where it
/// starts, so positions are always those of the whole text.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset where the parsed part starts (0 for the whole text).
    start: usize,
    /// Lines of the text before the parsed part.
    lines_before: usize,
    /// True when the parsed part is ASCII without `\r`: a marker's character index is then its
    /// byte offset in the part, and the line starts are never needed.
    ascii: bool,
    /// Byte offsets of line starts, computed on first use.
    line_starts: OnceCell<Vec<usize>>,
    /// Lines the parser read with extra leading spaces (see [`relax`]): (1-based line of the
    /// whole text, spaces added), sorted by line.
    pads: Vec<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        Self::for_part(text, 0, 0)
    }

    /// Indexes `text` for a parser that reads only `text[start..]` up to some line end, where
    /// `start` is a line start preceded by `lines_before` lines.
    pub(crate) fn for_part(text: &'a str, start: usize, lines_before: usize) -> Self {
        let part = text.get(start..).unwrap_or("");
        LineIndex {
            text,
            start,
            lines_before,
            ascii: part.is_ascii() && !part.as_bytes().contains(&b'\r'),
            line_starts: OnceCell::new(),
            pads: Vec::new(),
        }
    }

    /// Spaces the parser's text has in front of 1-based `line` that the real text does not.
    fn pad_of(&self, line: usize) -> usize {
        self.pads
            .binary_search_by_key(&line, |&(l, _)| l)
            .map_or(0, |i| self.pads[i].1)
    }

    /// Byte offset of 1-based `line` and 0-based character `col`, clamped to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let line_starts = self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            starts
        });
        let Some(&start) = line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        // Fast path: an ASCII prefix has one byte per character.
        if rest.len() >= col && rest.as_bytes()[..col].is_ascii() {
            return start + col;
        }
        let within = rest
            .char_indices()
            .nth(col)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        start + within
    }

    fn pos(&self, mark: &Marker) -> Pos {
        let line = mark.line().max(1) + self.lines_before;
        let col = mark.col().saturating_sub(self.pad_of(line));
        let offset = if self.ascii && self.pads.is_empty() {
            let offset = (self.start + mark.index()).min(self.text.len());
            debug_assert_eq!(offset, self.offset(line, col));
            offset
        } else {
            self.offset(line, col)
        };
        Pos {
            offset,
            line: line as u32,
            column: col as u32 + 1,
        }
    }

    /// A [`Location`] one token long at `pos`.
    pub fn location(&self, file: FileId, pos: Pos) -> Location {
        location(self.text, file, pos)
    }
}

/// A [`Location`] one token long at `pos` in `text`.
pub fn location(text: &str, file: FileId, pos: Pos) -> Location {
    Location {
        file,
        line: pos.line,
        column: pos.column,
        offset: pos.offset,
        length: token_length(text, pos.offset),
    }
}

/// Length of the token at `offset`: up to the end of the line, a `:` key separator or a comment.
pub fn token_length(text: &str, offset: usize) -> usize {
    let rest = text.get(offset..).unwrap_or("");
    let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
    let mut end = line.len();
    if let Some(i) = line.find(": ") {
        end = end.min(i);
    }
    if line.ends_with(':') && !line.starts_with(['{', '[', '"', '\'']) {
        end = end.min(line.len() - 1);
    }
    if let Some(i) = line.find(" #") {
        end = end.min(i);
    }
    let trimmed = line.get(..end).unwrap_or("").trim_end().len();
    if trimmed == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        trimmed
    }
}

/// The result of parsing one file.
pub struct Parsed {
    /// The tree; `None` when the file is not valid YAML (or empty).
    pub root: Option<Node>,
    /// Syntax errors, duplicate keys, limits exceeded.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses `text` (YAML 1.2 or JSON) into a located tree.
///
/// Large block-mapping documents are read in parts on several threads when that gives exactly
/// the tree a single pass would give (see [`crate::reader::yaml::parts`]); otherwise, and for any
/// input with findings, in one pass.
pub fn parse(text: &str, file: FileId) -> Parsed {
    crate::reader::yaml::parts::parse(text, file).unwrap_or_else(|| parse_one_pass(text, file))
}

/// [`parse`] in one pass on the calling thread (the reference the parallel route must match).
pub fn parse_one_pass(text: &str, file: FileId) -> Parsed {
    parse_range(text, file, 0..text.len(), 0).parsed
}

/// [`parse_one_pass`] with the full parser only (yaml-rust2's events), never the fast path: the
/// reference the fast path must match.
pub fn parse_full(text: &str, file: FileId) -> Parsed {
    parse_range_full(text, file, 0..text.len(), 0).parsed
}

/// The fast path alone on the whole of `text`: the tree when the text is written only with what
/// the fast path reads (then it is exactly [`parse_full`]'s tree, with no findings), else `None`.
pub fn parse_fast(text: &str, file: FileId) -> Option<Parsed> {
    fast::parse(text, file, 0..text.len(), 0).map(|part| part.parsed)
}

/// The outcome of parsing a part of a file.
pub(crate) struct PartParsed {
    /// The tree and findings, positions relative to the whole text.
    pub parsed: Parsed,
    /// Nodes created by alias expansion (counted against [`MAX_ALIAS_NODES`] per file).
    pub alias_nodes: usize,
}

/// Parses `text[range]`, where the range starts at a line start (or 0) and ends at a line start
/// (or the end of the text) and `lines_before` lines precede it; positions are those of the
/// whole `text`. The fast path first; the full parser when it gives up.
pub(crate) fn parse_range(
    text: &str,
    file: FileId,
    range: std::ops::Range<usize>,
    lines_before: usize,
) -> PartParsed {
    fast::parse(text, file, range.clone(), lines_before)
        .unwrap_or_else(|| parse_range_full(text, file, range, lines_before))
}

/// [`parse_range`] with the full parser (yaml-rust2's events) only.
fn parse_range_full(
    text: &str,
    file: FileId,
    range: std::ops::Range<usize>,
    lines_before: usize,
) -> PartParsed {
    let mut index = LineIndex::for_part(&text[..range.end], range.start, lines_before);
    let part = &text[range];
    let mut attempts = 0;
    loop {
        let (outcome, relax_at) = parse_padded(part, file, &index);
        attempts += 1;
        match relax_at {
            Some((line, pad)) if attempts <= MAX_RELAX_ATTEMPTS => {
                match index.pads.binary_search_by_key(&line, |&(l, _)| l) {
                    Ok(i) => index.pads[i].1 += pad,
                    Err(i) => index.pads.insert(i, (line, pad)),
                }
            }
            _ => return outcome,
        }
    }
}

/// Most re-parses [`relax`] may ask for before an indentation error stands. Every attempt parses
/// the whole part again, and one line may be asked for again after its first re-indent, so the
/// bound counts attempts, not lines: it keeps hostile input linear (a fuzzed document once padded
/// the same line forever) while real documents need one attempt per multi-line flow collection.
const MAX_RELAX_ATTEMPTS: usize = 256;

/// Parses `part` with the lines `index.pads` names indented further; also gives the line (of the
/// whole text) and the spaces to add to it when the parse failed only because a line inside a
/// flow collection is indented less than the block around the collection (see [`relax`]).
fn parse_padded(
    part: &str,
    file: FileId,
    index: &LineIndex<'_>,
) -> (PartParsed, Option<(usize, usize)>) {
    let padded = padded_text(part, index);
    let mut builder = Builder {
        file,
        index,
        stack: Vec::new(),
        // Sized for the open collections of typical documents up front: growing these stacks
        // copies every open entry and touches fresh memory again and again.
        items: Vec::with_capacity(part.len() / STACK_BYTES_PER_ITEM),
        entries: Vec::with_capacity(part.len() / STACK_BYTES_PER_ENTRY),
        anchors: HashMap::new(),
        next_id: 0,
        alias_nodes: 0,
        root: None,
        diagnostics: Vec::new(),
        scan_error: None,
        last_event: Pos::default(),
    };
    // yaml-rust2 is not known to panic, but a parser bug must not take the caller down.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut parser = Parser::new_from_str(&padded);
        builder.run(&mut parser)
    }));
    let result = outcome.unwrap_or_else(|_| {
        Err(Box::new(Diagnostic::error(
            "yaml-syntax",
            None,
            "the YAML parser failed on this input",
        )))
    });
    let relax_at = match (&result, &builder.scan_error) {
        (Err(_), Some(error)) => relax::line_to_pad(&builder, error),
        _ => None,
    };
    let mut diagnostics = std::mem::take(&mut builder.diagnostics);
    let alias_nodes = builder.alias_nodes;
    let parsed = match result {
        Ok(()) => {
            if builder.root.is_none() {
                diagnostics.push(
                    Diagnostic::error("yaml-empty", None, "the file holds no YAML document")
                        .with_location(index.location(
                            file,
                            Pos {
                                offset: 0,
                                line: 1,
                                column: 1,
                            },
                        )),
                );
            }
            Parsed {
                root: builder.root.take(),
                diagnostics,
            }
        }
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            Parsed {
                root: None,
                diagnostics,
            }
        }
    };
    (
        PartParsed {
            parsed,
            alias_nodes,
        },
        relax_at,
    )
}

/// `part` with `index.pads` spaces put in front of the lines it names (borrowed when none).
fn padded_text<'t>(part: &'t str, index: &LineIndex<'_>) -> std::borrow::Cow<'t, str> {
    if index.pads.is_empty() {
        return std::borrow::Cow::Borrowed(part);
    }
    let extra: usize = index.pads.iter().map(|&(_, pad)| pad).sum();
    let mut out = String::with_capacity(part.len() + extra);
    let mut pads = index.pads.iter().peekable();
    for (i, line) in part.split_inclusive('\n').enumerate() {
        let line_no = index.lines_before + i + 1;
        while pads.next_if(|&&(l, _)| l < line_no).is_some() {}
        if let Some(&(_, pad)) = pads.next_if(|&&(l, _)| l == line_no) {
            out.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

/// Reading flow collections the way the reference loaders do.
///
/// YAML 1.2 wants every line of a flow collection (`[...]`, `{...}`) that sits in a block
/// collection indented further than that block, so a closing bracket at the indentation of the
/// key that holds it is, strictly, an error; yaml-rust2 enforces that. PyYAML, js-yaml and the
/// official AsyncAPI parser accept it, and real documents are written that way:
///
/// ```yaml
/// enum: [
///   "on",
///   "off"
/// ]
/// ```
///
/// Inside a flow collection leading spaces carry no meaning (they separate tokens and fold away in
/// multi-line scalars), so such a line can be read with spaces added in front of it and nothing
/// else changes; positions are mapped back to the real text ([`LineIndex::pos`]).
mod relax {
    use super::{Builder, Frame, Pos};

    /// Most spaces put in front of one line.
    const MAX_PAD: usize = 256;

    /// The scanner's complaints about a line indented less than the block it is in.
    const INDENTATION_ERRORS: [&str; 2] = [
        "invalid indentation",
        "invalid indentation in flow construct",
    ];

    /// (line of the whole text, spaces to add) for a scan error that only a too-shallow line
    /// inside a flow collection caused, else `None`.
    pub(super) fn line_to_pad(
        builder: &Builder<'_>,
        error: &(usize, usize, String),
    ) -> Option<(usize, usize)> {
        let (line, col, info) = error;
        if !INDENTATION_ERRORS.contains(&info.as_str()) {
            return None;
        }
        let text = builder.index.text.as_bytes();
        let is_flow = |offset: usize| matches!(text.get(offset), Some(b'[' | b'{'));
        let line_abs = line + builder.index.lines_before;
        let padded = builder.index.pad_of(line_abs);
        // The column the parser saw, spaces already added included.
        let seen = *col;
        // The outermost open flow collection the parser has reported, and the block collection
        // that holds it; or, when the scanner stopped before the parser saw the collection open
        // (it reads ahead while a key may still follow), the innermost block collection, if the
        // text between the last event and the error opens a flow collection.
        let block = match builder
            .stack
            .iter()
            .position(|f| is_flow(frame_pos(f).offset))
        {
            Some(first_flow) => builder.stack[..first_flow].last()?,
            None => {
                let error_at = builder.index.offset(line_abs, seen.saturating_sub(padded));
                let from = builder.last_event.offset.min(error_at);
                if !opens_flow(&builder.index.text[from..error_at]) {
                    return None;
                }
                builder.stack.last()?
            }
        };
        let required = block_column(builder, block)? + 1;
        if seen < required {
            Some((line_abs, required - seen))
        } else if padded < MAX_PAD {
            // The scanner holds a deeper indentation than the block's column while it reads
            // ahead: move the line further (doubling), which changes nothing inside a flow
            // collection.
            Some((line_abs, padded.max(1)))
        } else {
            None
        }
    }

    /// True when `text` (from a place in block context) leaves a flow collection open: a `[` or
    /// `{` that starts a node, not closed again; quoted scalars and comments are skipped.
    fn opens_flow(text: &str) -> bool {
        let mut depth = 0usize;
        let mut prev = b' ';
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let token_start = matches!(
                prev,
                b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':' | b'-' | b'?'
            );
            match b {
                b'"' | b'\'' if token_start => {
                    // Skip the quoted scalar.
                    i += 1;
                    while i < bytes.len() {
                        if bytes[i] == b'\\' && b == b'"' {
                            i += 2;
                            continue;
                        }
                        if bytes[i] == b {
                            if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                                i += 2;
                                continue;
                            }
                            break;
                        }
                        i += 1;
                    }
                }
                b'#' if matches!(prev, b' ' | b'\t' | b'\n' | b'\r') => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'[' | b'{' if depth > 0 || token_start => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                _ => {}
            }
            prev = bytes.get(i).copied().unwrap_or(b' ');
            i += 1;
        }
        depth > 0
    }

    fn frame_pos(frame: &Frame) -> Pos {
        match frame {
            Frame::Seq { pos, .. } | Frame::Map { pos, .. } => *pos,
        }
    }

    /// The 0-based column of a block collection's entries (where its keys or `-` stand).
    fn block_column(builder: &Builder<'_>, frame: &Frame) -> Option<usize> {
        let column = match frame {
            Frame::Seq { pos, .. } => pos.column,
            Frame::Map { start, key, .. } => match (builder.entries.get(*start), key) {
                (Some(first), _) => first.key_pos.column,
                (None, Some((_, pos))) => pos.column,
                (None, None) => return None,
            },
        };
        Some(column as usize - 1)
    }
}

enum Frame {
    Seq {
        id: u32,
        pos: Pos,
        anchor: usize,
        /// Where the sequence's items start in [`Builder::items`].
        start: usize,
        count: usize,
    },
    Map {
        id: u32,
        pos: Pos,
        anchor: usize,
        /// Where the mapping's entries start in [`Builder::entries`].
        start: usize,
        key: Option<(String, Pos)>,
        seen: Option<KeyIndex>,
        count: usize,
        /// Values of `<<` merge keys, applied when the mapping ends.
        merges: Vec<Node>,
    },
}

struct Builder<'a> {
    file: FileId,
    index: &'a LineIndex<'a>,
    stack: Vec<Frame>,
    /// Items of the open sequences, innermost last (each frame knows where its own start).
    items: Vec<Node>,
    /// Entries of the open mappings, innermost last.
    entries: Vec<Entry>,
    /// Anchored nodes with the number of nodes in each (aliases copied in count fully).
    anchors: HashMap<usize, (Node, usize)>,
    next_id: u32,
    alias_nodes: usize,
    root: Option<Node>,
    diagnostics: Vec<Diagnostic>,
    /// The scanner's error, if any: (line of the part, column in the parser's text, message).
    scan_error: Option<(usize, usize, String)>,
    /// Where the last event the parser gave starts.
    last_event: Pos,
}

impl Builder<'_> {
    fn run(&mut self, parser: &mut Parser<std::str::Chars<'_>>) -> Result<(), Box<Diagnostic>> {
        loop {
            let (event, mark) = parser.next_token().map_err(|e| {
                let m = e.marker();
                self.scan_error = Some((m.line().max(1), m.col(), e.info().to_string()));
                let pos = self.index.pos(m);
                Box::new(
                    Diagnostic::error("yaml-syntax", None, format!("invalid YAML: {}", e.info()))
                        .with_location(self.index.location(self.file, pos)),
                )
            })?;
            let pos = self.index.pos(&mark);
            self.last_event = pos;
            match event {
                Event::StreamEnd => return Ok(()),
                Event::DocumentEnd => {
                    // Only the first document of a stream is read; say so if there are more.
                    if let Ok((Event::DocumentStart, mark)) = parser.next_token() {
                        let pos = self.index.pos(&mark);
                        self.diagnostics.push(
                            Diagnostic::warning(
                                "yaml-multiple-documents",
                                None,
                                "the file holds more than one YAML document; only the first is read",
                            )
                            .with_location(self.index.location(self.file, pos)),
                        );
                    }
                    return Ok(());
                }
                Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
                Event::Scalar(text, style, anchor, tag) => {
                    let value = scalar(text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                    let node = self.leaf(pos, value);
                    self.remember(anchor, &node, 1);
                    self.attach(node, 1)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.check_depth(pos)?;
                    let id = self.take_id();
                    self.stack.push(Frame::Seq {
                        id,
                        pos,
                        anchor,
                        start: self.items.len(),
                        count: 0,
                    });
                }
                Event::MappingStart(anchor, _) => {
                    self.check_depth(pos)?;
                    let id = self.take_id();
                    self.stack.push(Frame::Map {
                        id,
                        pos,
                        anchor,
                        start: self.entries.len(),
                        key: None,
                        seen: None,
                        count: 0,
                        merges: Vec::new(),
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = self.stack.pop() else {
                        continue;
                    };
                    let last = self.next_id.saturating_sub(1);
                    let (node, anchor, count) = match frame {
                        Frame::Seq {
                            id,
                            pos,
                            anchor,
                            start,
                            count,
                        } => {
                            // One allocation of the exact size per sequence.
                            let items = self.items.drain(start..).collect();
                            (self.node(id, last, pos, Value::Seq(items)), anchor, count)
                        }
                        Frame::Map {
                            id,
                            pos,
                            anchor,
                            start,
                            count,
                            mut seen,
                            merges,
                            ..
                        } => {
                            let mut entries: Vec<Entry> = self.entries.drain(start..).collect();
                            apply_merges(&mut entries, &mut seen, merges);
                            // yaml-rust2 marks a block mapping where its first `:` is; the
                            // mapping starts at its first key.
                            let pos = match entries.first() {
                                Some(first) if first.key_pos.offset < pos.offset => first.key_pos,
                                _ => pos,
                            };
                            let mut node = self.node(id, last, pos, Value::Map(Vec::new()));
                            node.key_index = key_index(&entries, seen);
                            node.value = Value::Map(entries);
                            (node, anchor, count)
                        }
                    };
                    self.remember(anchor, &node, count + 1);
                    self.attach(node, count + 1)?;
                }
                Event::Alias(anchor) => {
                    let Some((target, size)) = self.anchors.get(&anchor) else {
                        return Err(Box::new(
                            Diagnostic::error("yaml-syntax", None, "alias to an unknown anchor")
                                .with_location(self.index.location(self.file, pos)),
                        ));
                    };
                    let size = *size;
                    self.alias_nodes += size;
                    if self.alias_nodes > MAX_ALIAS_NODES {
                        return Err(Box::new(Diagnostic::error(
                            "yaml-alias-bomb",
                            None,
                            format!(
                                "alias expansion would create more than {MAX_ALIAS_NODES} nodes"
                            ),
                        )
                        .with_help("aliases that expand to aliases multiply; write the values out or use `$ref`")
                        .with_location(self.index.location(self.file, pos))));
                    }
                    if self.stack.len() + height(target) > MAX_DEPTH {
                        return Err(self.too_deep(pos));
                    }
                    let node = target.clone();
                    self.attach(node, size)?;
                }
            }
        }
    }

    fn too_deep(&self, pos: Pos) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                "yaml-too-deep",
                None,
                format!("the document nests deeper than {MAX_DEPTH} levels"),
            )
            .with_location(self.index.location(self.file, pos)),
        )
    }

    fn check_depth(&self, pos: Pos) -> Result<(), Box<Diagnostic>> {
        if self.stack.len() >= MAX_DEPTH {
            Err(self.too_deep(pos))
        } else {
            Ok(())
        }
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    fn node(&self, id: u32, last: u32, pos: Pos, value: Value) -> Node {
        Node {
            id,
            last: last.max(id),
            file: self.file,
            pos,
            value,
            key_index: None,
        }
    }

    fn leaf(&mut self, pos: Pos, value: Value) -> Node {
        let id = self.take_id();
        self.node(id, id, pos, value)
    }

    #[inline]
    fn remember(&mut self, anchor: usize, node: &Node, count: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
    }

    fn attach(&mut self, node: Node, size: usize) -> Result<(), Box<Diagnostic>> {
        let file = self.file;
        let index = self.index;
        match self.stack.last_mut() {
            Some(Frame::Seq { count, .. }) | Some(Frame::Map { count, .. }) => {
                *count = count.saturating_add(size)
            }
            None => {}
        }
        let all_entries = &mut self.entries;
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                start,
                key,
                seen,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let pos = node.pos;
                    let text = match node.value {
                        Value::String(text) => text,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        Value::Seq(_) | Value::Map(_) => {
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "yaml-complex-key",
                                    None,
                                    format!("a mapping key must be a scalar, not {}", node.kind()),
                                )
                                .with_location(index.location(file, node.pos)),
                            );
                            // Keep the entry under a key nobody uses so its value still parses.
                            format!("\u{0}complex-key-{}", node.id)
                        }
                    };
                    *key = Some((text, pos));
                }
                Some((text, _)) if text == "<<" && is_merge_source(&node) => merges.push(node),
                Some((text, key_pos)) => {
                    if is_duplicate(&all_entries[*start..], seen, &text) {
                        let first = all_entries[*start..]
                            .iter()
                            .find(|e| e.key == text)
                            .map(|e| e.key_pos.line)
                            .unwrap_or_default();
                        self.diagnostics.push(
                            Diagnostic::error(
                                "yaml-duplicate-key",
                                None,
                                format!("duplicate key `{text}` (first defined on line {first})"),
                            )
                            .with_help("YAML forbids duplicate keys; remove or rename one of them")
                            .with_location(index.location(file, key_pos)),
                        );
                    } else {
                        all_entries.push(Entry {
                            key: text,
                            key_pos,
                            value: node,
                        });
                    }
                }
            },
        }
        Ok(())
    }
}

/// True for the value of a YAML merge key: a mapping or a sequence of mappings.
fn is_merge_source(node: &Node) -> bool {
    match &node.value {
        Value::Map(_) => true,
        Value::Seq(items) => items.iter().all(|i| matches!(i.value, Value::Map(_))),
        _ => false,
    }
}

/// YAML merge keys (`<<: *defaults`, a YAML 1.1 feature that js-yaml and so the official parser
/// support): entries of the merged mappings are added unless the mapping has the key; earlier
/// merged mappings win over later ones.
fn apply_merges(entries: &mut Vec<Entry>, seen: &mut Option<KeyIndex>, merges: Vec<Node>) {
    for source in merges {
        let maps = match source.value {
            Value::Map(map) => vec![map],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|i| match i.value {
                    Value::Map(map) => Some(map),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for entry in maps.into_iter().flatten() {
            if !is_duplicate(entries, seen, &entry.key) {
                entries.push(entry);
            }
        }
    }
}

/// `a == b`, rejecting most different keys (same length, different first byte) without a call to
/// `memcmp`: small mappings are searched by comparing keys one after another.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

/// Above this many entries a mapping keeps a hash set of its keys for duplicate detection.
const LINEAR_KEY_SCAN: usize = 16;

fn is_duplicate(entries: &[Entry], seen: &mut Option<KeyIndex>, key: &str) -> bool {
    if entries.len() < LINEAR_KEY_SCAN {
        return entries.iter().any(|e| same_key(&e.key, key));
    }
    let index = seen.get_or_insert_with(|| {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect()
    });
    if index.contains_key(key) {
        return true;
    }
    index.insert(key.to_string(), entries.len());
    false
}

/// The key index a mapping with these entries gets (`None` for small mappings).
pub(crate) fn key_index_of(entries: &[Entry]) -> Option<Arc<KeyIndex>> {
    key_index(entries, None)
}

/// The key index of a finished mapping: the one built for duplicate detection, or a new one for
/// mappings just at the threshold.
fn key_index(entries: &[Entry], seen: Option<KeyIndex>) -> Option<Arc<KeyIndex>> {
    if entries.len() < LINEAR_KEY_SCAN {
        return None;
    }
    Some(Arc::new(seen.unwrap_or_else(|| {
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect()
    })))
}

fn height(node: &Node) -> usize {
    // Iterative: the tree was built under MAX_DEPTH, but stay safe anyway.
    let mut max = 0;
    let mut stack = vec![(node, 1usize)];
    while let Some((n, depth)) = stack.pop() {
        max = max.max(depth);
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Map(entries) => stack.extend(entries.iter().map(|e| (&e.value, depth + 1))),
            _ => {}
        }
    }
    max
}

/// Resolves a scalar with the YAML 1.2 core schema (plain style) or as a string (quoted/block).
fn scalar(text: String, style: TScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::String(text),
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != TScalarStyle::Plain && tag.is_none() {
        return Value::String(text);
    }
    core_value(&text).unwrap_or(Value::String(text))
}

/// The null, boolean or number a plain scalar stands for in the YAML 1.2 core schema; `None` for
/// a string.
fn core_value(text: &str) -> Option<Value> {
    // Every null, boolean and number starts with one of these (or is empty).
    if !matches!(
        text.as_bytes().first(),
        None | Some(
            b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'-' | b'+' | b'.' | b'0'..=b'9'
        )
    ) {
        return None;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => core_number(text).map(Value::Number),
    }
}

fn core_number(text: &str) -> Option<serde_json::Number> {
    let bytes = text.as_bytes();
    // Every number of the core schema starts with a sign, a dot or a digit.
    if !matches!(bytes.first(), Some(b'-' | b'+' | b'.' | b'0'..=b'9')) {
        return None;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned) {
        let clean = text.strip_prefix('+').unwrap_or(text);
        if let Ok(i) = clean.parse::<i64>() {
            return Some(i.into());
        }
        if let Ok(u) = clean.parse::<u64>() {
            return Some(u.into());
        }
        return clean
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Into::into);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Into::into);
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() && digits(frac)) || (digits(int) && (frac.is_empty() || digits(frac)))
        }
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if mantissa_ok && exponent_ok && !bytes.is_empty() {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        let parsed = parse(text, 0);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed.root.unwrap()
    }

    #[test]
    fn yaml_1_2_keeps_on_off_y_n_as_strings() {
        let node =
            root("a: on\nb: off\nc: y\nd: n\ne: yes\nf: true\ng: ~\nh: 0o17\ni: 1.5e3\nj: '1'\n");
        let json = node.to_json();
        assert_eq!(
            json,
            serde_json::json!({"a": "on", "b": "off", "c": "y", "d": "n", "e": "yes",
                "f": true, "g": null, "h": 15, "i": 1500.0, "j": "1"})
        );
        let keys = root("y: 1\nn: 2\non: 3\n");
        let names: Vec<_> = keys
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.clone())
            .collect();
        assert_eq!(names, ["y", "n", "on"]);
    }

    #[test]
    fn positions_are_byte_offsets_with_1_based_line_and_column() {
        let text = "é: 1\nkey:\n  inner: value\n";
        let node = root(text);
        let inner = node.get("key").unwrap().get("inner").unwrap();
        assert_eq!((inner.pos.line, inner.pos.column), (3, 10));
        assert_eq!(&text[inner.pos.offset..inner.pos.offset + 5], "value");
        let entry = &node.get("key").unwrap().as_map().unwrap()[0];
        assert_eq!((entry.key_pos.line, entry.key_pos.column), (3, 3));
    }

    #[test]
    fn duplicate_keys_are_errors_with_location() {
        let parsed = parse("a: 1\nb:\n  c: 1\n  c: 2\n", 0);
        assert_eq!(parsed.diagnostics.len(), 1);
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, "yaml-duplicate-key");
        let loc = d.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (4, 3));
        // Many keys: the hash-set path finds duplicates too.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k7: again\n");
        let parsed = parse(&text, 0);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].location.as_ref().unwrap().line, 41);
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let parsed = parse("a:\n  enum: [%]\n", 0);
        assert!(parsed.root.is_none());
        let loc = parsed.diagnostics[0].location.as_ref().unwrap();
        assert_eq!(loc.line, 2);
        assert!(loc.column >= 9, "{loc:?}");
    }

    #[test]
    fn deep_nesting_is_limited_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        let parsed = parse(&text, 0);
        assert!(parsed.root.is_none());
        assert!(parsed.diagnostics.iter().any(|d| d.is_error()));
        let block: String = (0..(MAX_DEPTH + 10))
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect();
        let parsed = parse(&block, 0);
        assert_eq!(parsed.diagnostics[0].code, "yaml-too-deep");
    }

    #[test]
    fn billion_laughs_is_stopped() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='j' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let parsed = parse(&text, 0);
        assert!(parsed.root.is_none());
        assert_eq!(parsed.diagnostics[0].code, "yaml-alias-bomb");
    }

    #[test]
    fn merge_keys_add_missing_entries_and_own_keys_win() {
        let node = root(
            "base: &base {qos: 1, retain: false}
other: &other {qos: 2, extra: x}
op:
  retain: true
  <<: [*base, *other]
",
        );
        assert_eq!(
            node.get("op").unwrap().to_json(),
            serde_json::json!({"retain": true, "qos": 1, "extra": "x"})
        );
    }

    #[test]
    fn only_the_first_document_is_read_with_a_warning() {
        let parsed = parse("a: 1\n---\nb: 2\n", 0);
        assert_eq!(parsed.root.unwrap().to_json(), serde_json::json!({"a": 1}));
        assert_eq!(parsed.diagnostics[0].code, "yaml-multiple-documents");
        assert_eq!(parsed.diagnostics[0].location.as_ref().unwrap().line, 2);
        assert!(parse("---\na: 1\n...\n", 0).diagnostics.is_empty());
    }

    #[test]
    fn json_goes_through_the_same_parser() {
        let node = root("{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": \"on\"}}");
        assert_eq!(
            node.to_json(),
            serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": "on"}})
        );
    }

    #[test]
    fn ids_are_preorder_ranges() {
        let node = root("a:\n  b: 1\n  c: [2, 3]\nd: 4\n");
        assert_eq!(node.id, 0);
        let a = node.get("a").unwrap();
        assert!(a.id > node.id && a.last <= node.last);
        let d = node.get("d").unwrap();
        assert!(d.id > a.last);
    }
}
