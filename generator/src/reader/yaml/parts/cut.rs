//! Where a YAML text can be cut into parts that parse alone exactly as they do in the whole.
//!
//! The text must be a top-level block mapping. A part starts at a line that starts a key of a block
//! mapping the scan can follow from the top: the top level itself, or the block mapping value of
//! the last key of such a mapping (`channels:` then `  ch1:`), down to [`MAX_DEPTH`] levels. At
//! that line the one-pass parser is inside those mappings expecting a key, everything deeper being
//! closed, so the part read alone (a mapping indented like its first line) gives the same entries.
//! A part ends where the text goes back to a shallower level; the next part starts there.
//!
//! Anything the scan cannot follow with certainty gives no cut at all (`None`): directives,
//! document markers, merge keys, indented or non-mapping roots, a line going back to an
//! indentation that is not one of the open levels, a part that would end with an empty block
//! scalar. Whatever passes here is still checked after parsing (see [`super`]).

use std::ops::Range;

use crate::reader::yaml::lines::lines_from;

/// Deepest level a part may start in (1: entries of a top-level key's mapping).
const MAX_DEPTH: usize = 3;

/// One part of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Its bytes: from a line start to a line start (or the end of the text).
    pub range: Range<usize>,
    /// Lines of the text before it.
    pub lines_before: usize,
    /// 0 when it starts at a top-level key; `n` when it continues the mapping reached from the
    /// top by following the last entry's value `n` times.
    pub depth: usize,
    /// The indentation of its keys (of its first line).
    pub indent: usize,
}

impl Part {
    fn at(start: usize, lines_before: usize, depth: usize, indent: usize) -> Part {
        Part {
            range: start..start,
            lines_before,
            depth,
            indent,
        }
    }
}

/// A block mapping the scan is inside: the indentation of its keys and how many it has seen.
struct Level {
    indent: usize,
    keys: usize,
}

/// Where to cut `text` into about `parts` parts of similar size (see the module documentation);
/// `None` when it cannot be cut.
pub fn cut(text: &str, parts: usize) -> Option<Vec<Part>> {
    let size = text.len() / parts.max(1);
    let mut cuts = vec![Part::at(0, 0, 0, 0)];
    // The open block mappings, the top level first; empty until the first content line.
    let mut levels: Vec<Level> = Vec::new();
    // The last line was `key:` alone at this level: a deeper key line opens its mapping.
    let mut opened: Option<usize> = None;
    // The last content line (without indentation): when it leaves a node empty (`key:`, `- `,
    // `key: &anchor`, a block scalar header), that node's position is the next token's, so no
    // part may end after it. Block scalar content is never at the indentation of an open mapping,
    // so every cut follows a content line that can be judged alone.
    let mut previous = "";
    let mut offset = 0;
    for (line_number, line) in lines_from(text, 0).enumerate() {
        let start = offset;
        offset += line.len();
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let rest = &line[indent..];
        let first = match rest.as_bytes().first() {
            None | Some(b'\n' | b'\r' | b'#') => continue,
            Some(&byte) => byte,
        };
        if (indent == 0 && (rest.starts_with("---") || rest.starts_with("...") || first == b'%'))
            || (matches!(first, b'<' | b'"' | b'\'')
                && rest.trim_start_matches(['"', '\'']).starts_with("<<"))
            || first == b'\t'
        {
            // A directive, document marker, merge key or tab indentation: one pass.
            return None;
        }
        let key_line = starts_plain_key(first);
        let before = std::mem::replace(&mut previous, rest);
        let can_end_before = || !leaves_empty(without_comment(before.trim_end()));
        if levels.is_empty() {
            if indent > 0 || !key_line {
                // An indented root, a flow collection, a sequence, an anchor, a tag: one pass.
                return None;
            }
            levels.push(Level { indent: 0, keys: 0 });
        }
        // Open the mapping of the last `key:` when this is its first key.
        if let Some(parent) = opened.take() {
            if indent > parent && key_line && levels.len() <= MAX_DEPTH {
                levels.push(Level { indent, keys: 0 });
            }
        }
        // Close the mappings this line is outside of.
        while levels.last().is_some_and(|l| l.indent > indent) {
            levels.pop();
        }
        let level = levels.len() - 1;
        let at_key = key_line && levels[level].indent == indent;
        let part = cuts.last()?;
        if indent < part.indent {
            // Back to a shallower level: the current part ends here, at a key of an open mapping,
            // and not right after an empty node.
            if !at_key || !can_end_before() {
                return None;
            }
            cuts.push(Part::at(start, line_number, level, indent));
        } else if at_key
            && levels[level].keys > 0
            && start - part.range.start >= size
            && can_end_before()
        {
            cuts.push(Part::at(start, line_number, level, indent));
        }
        if at_key {
            levels[level].keys += 1;
            let content = rest.trim_end();
            if content.ends_with(':') && !content.as_bytes().windows(2).any(|w| w == b": ") {
                opened = Some(indent);
            }
        } else if indent == levels[level].indent {
            // Not a key where a key belongs (a sequence or a stray scalar): nothing below can be
            // followed.
            opened = None;
        }
    }
    if cuts.len() < 2 {
        return None;
    }
    let ends: Vec<usize> = cuts
        .iter()
        .skip(1)
        .map(|p| p.range.start)
        .chain(std::iter::once(text.len()))
        .collect();
    for (part, end) in cuts.iter_mut().zip(ends) {
        part.range.end = end;
    }
    Some(cuts)
}

/// `content` (a trimmed line) without a trailing comment, trimmed. Searches bytes: this runs on
/// every line of large documents.
fn without_comment(content: &str) -> &str {
    let bytes = content.as_bytes();
    let mut from = 0;
    while let Some(i) = content[from..].find('#') {
        let at = from + i;
        if at == 0 || bytes[at - 1] == b' ' || bytes[at - 1] == b'\t' {
            return content[..at].trim_end();
        }
        from = at + 1;
    }
    content
}

/// True when `bare` (a line without indentation and comment) ends with a block scalar header (`|`,
/// `>-`, `|+2`, ...). Lines that merely end like one count too: that only costs a place to cut.
fn opens_block_scalar(bare: &str) -> bool {
    let head = bare.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    head.ends_with('|') || head.ends_with('>')
}

/// True when `bare` (a line without indentation and comment) leaves a node empty: a key or an item
/// without a value, or only an anchor, tag or block scalar header for it.
fn leaves_empty(bare: &str) -> bool {
    let Some(&end) = bare.as_bytes().last() else {
        return false;
    };
    if end == b':' || opens_block_scalar(bare) {
        return true;
    }
    let last = bare.rfind(' ').map_or(bare, |i| &bare[i + 1..]);
    matches!(last, "-" | "?") || last.starts_with(['&', '!'])
}

/// True for the first byte of a plain (unquoted) key: never an indicator, a quote or blank.
fn starts_plain_key(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}
