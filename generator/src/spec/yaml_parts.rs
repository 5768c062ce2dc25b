//! Large YAML documents read in parts on several threads.
//!
//! A document whose top level is a block mapping can be cut at lines that start a top-level key
//! (column 0): each part is then a block mapping of its own. The parts are parsed at the same time
//! (positions shifted to those of the whole text), their root mappings joined in order and the node
//! ids renumbered, which gives exactly the tree a single pass gives.
//!
//! This is only a faster route to the same result: whenever anything could make it differ — a
//! finding of any kind in any part (syntax error, duplicate key, warning), a part that is not a
//! mapping, a key defined in two parts, an alias budget exceeded only by the parts together, a
//! merge key, directive or document marker at the top level — [`parse`] gives `None` and the
//! caller parses the whole text in one pass, so diagnostics are exactly those of that pass.

use std::collections::HashSet;
use std::ops::Range;

use crate::spec::model::FileId;
use crate::spec::yaml::{self, Node, Parsed, PartParsed, Value, MAX_ALIAS_NODES};

/// Texts shorter than twice this are parsed in one pass (a thread is not worth it).
pub const MIN_PART_BYTES: usize = 128 * 1024;
/// Most parts (threads) one text is cut into.
const MAX_PARTS: usize = 4;

/// The tree of `text` parsed in parts on several threads, or `None` when the text is small, is not
/// a plain top-level block mapping, or the parts do not join into exactly the one-pass result.
pub fn parse(text: &str, file: FileId) -> Option<Parsed> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = cores.min(MAX_PARTS).min(text.len() / MIN_PART_BYTES);
    if parts < 2 {
        return None;
    }
    parse_in_parts(text, file, parts)
}

/// [`parse`] with exactly `parts` parts (fewer when the text has too few places to cut).
pub fn parse_in_parts(text: &str, file: FileId, parts: usize) -> Option<Parsed> {
    let ranges = cut(text, parts)?;
    let results = parse_ranges(text, file, &ranges)?;
    join(results)
}

/// One part: its byte range and the number of lines before it.
type Part = (Range<usize>, usize);

/// Parses every range, all but the first on threads of their own; `None` when a thread cannot be
/// started or fails.
fn parse_ranges(text: &str, file: FileId, ranges: &[Part]) -> Option<Vec<PartParsed>> {
    let (first, rest) = ranges.split_first()?;
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(rest.len());
        for (range, lines_before) in rest {
            let (range, lines_before) = (range.clone(), *lines_before);
            let handle = std::thread::Builder::new()
                .name("mqttgen-yaml-part".into())
                .spawn_scoped(scope, move || {
                    yaml::parse_range(text, file, range, lines_before)
                })
                .ok()?;
            handles.push(handle);
        }
        let mut results = vec![yaml::parse_range(text, file, first.0.clone(), first.1)];
        for handle in handles {
            results.push(handle.join().ok()?);
        }
        Some(results)
    })
}

/// Where to cut `text` into about `parts` parts of similar size: each part after the first starts
/// at a line that starts a top-level key. `None` (do not cut) unless the text is a top-level block
/// mapping without directives, document markers or top-level merge keys.
pub fn cut(text: &str, parts: usize) -> Option<Vec<Part>> {
    let mut starts: Vec<(usize, usize)> = vec![(0, 0)];
    let mut seen_content = false;
    let mut offset = 0;
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let bytes = line.as_bytes();
        let first = bytes.first().copied().unwrap_or(b'\n');
        if line.starts_with("---")
            || line.starts_with("...")
            || first == b'%'
            || line.starts_with("<<")
            || line.starts_with("\"<<")
            || line.starts_with("'<<")
        {
            return None;
        }
        if !seen_content {
            let trimmed = line.trim_start();
            match first {
                _ if trimmed.is_empty() || trimmed.starts_with('#') => continue,
                _ if starts_plain_key(first) => {
                    seen_content = true;
                    continue;
                }
                // A flow collection, sequence, anchor, tag or indented root: one pass.
                _ => return None,
            }
        }
        let wanted = text.len() * starts.len() / parts;
        if starts.len() < parts && start >= wanted && starts_plain_key(first) {
            starts.push((start, line_number));
        }
    }
    if starts.len() < 2 {
        return None;
    }
    let ends = starts.iter().skip(1).map(|&(start, _)| start);
    Some(
        starts
            .iter()
            .zip(ends.chain(std::iter::once(text.len())))
            .map(|(&(start, lines_before), end)| (start..end, lines_before))
            .collect(),
    )
}

/// True for the first byte of a plain (unquoted) key: never an indicator, a quote or blank.
fn starts_plain_key(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// The parts' root mappings joined into one, ids renumbered in document order; `None` when any part
/// has a finding or is not a mapping, a key is in two parts, or the aliases of all parts together
/// expand to more than the one-pass budget.
fn join(parts: Vec<PartParsed>) -> Option<Parsed> {
    let alias_nodes: usize = parts.iter().map(|p| p.alias_nodes).sum();
    if alias_nodes > MAX_ALIAS_NODES || parts.iter().any(|p| !p.parsed.diagnostics.is_empty()) {
        return None;
    }
    let mut roots = parts.into_iter().map(|p| p.parsed.root);
    let mut root = roots.next()??;
    let Value::Map(mut entries) = std::mem::replace(&mut root.value, Value::Null) else {
        return None;
    };
    let mut keys: HashSet<String> = entries.iter().map(|e| e.key.clone()).collect();
    for part in roots {
        let part = part?;
        let Value::Map(mut more) = part.value else {
            return None;
        };
        // The part's root mapping took id 0; its contents follow the joined tree's last id.
        let shift = root.last;
        for entry in &mut more {
            if !keys.insert(entry.key.clone()) {
                return None;
            }
            renumber(&mut entry.value, shift);
        }
        root.last += part.last;
        entries.append(&mut more);
    }
    root.key_index = yaml::key_index_of(&entries);
    root.value = Value::Map(entries);
    Some(Parsed {
        root: Some(root),
        diagnostics: Vec::new(),
    })
}

/// Adds `shift` to every id in the subtree of `node` (iterative: no recursion on deep trees).
fn renumber(node: &mut Node, shift: u32) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        node.id += shift;
        node.last += shift;
        match &mut node.value {
            Value::Map(entries) => stack.extend(entries.iter_mut().map(|e| &mut e.value)),
            Value::Seq(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}
