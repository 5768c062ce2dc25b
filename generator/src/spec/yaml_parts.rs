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

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::spec::model::FileId;
use crate::spec::yaml::{self, Entry, Node, Parsed, PartParsed, Value, MAX_ALIAS_NODES};

/// Texts shorter than twice this are parsed in one pass; parts are about this long or longer.
pub const MIN_PART_BYTES: usize = 64 * 1024;
/// Most threads one text is parsed on.
const MAX_THREADS: usize = 4;
/// Parts per thread: threads take parts from a shared list, so a thread that waits for a core
/// (the machine is busy) leaves its share to the others instead of holding up the result.
const PARTS_PER_THREAD: usize = 4;

/// The tree of `text` parsed in parts on several threads, or `None` when the text is small, is not
/// a plain top-level block mapping, or the parts do not join into exactly the one-pass result.
pub fn parse(text: &str, file: FileId) -> Option<Parsed> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(MAX_THREADS);
    let parts = (threads * PARTS_PER_THREAD).min(text.len() / MIN_PART_BYTES);
    if threads < 2 || parts < 2 {
        return None;
    }
    parse_in_parts(text, file, parts, threads)
}

/// [`parse`] with about `parts` parts (fewer when the text has too few places to cut, a few more
/// where a cut inside a top-level mapping forces one at the next top-level key) on up to `threads`
/// threads.
pub fn parse_in_parts(text: &str, file: FileId, parts: usize, threads: usize) -> Option<Parsed> {
    let cuts = cut(text, parts)?;
    let results = parse_parts(text, file, &cuts, threads)?;
    join(results.into_iter().zip(cuts.iter().map(|p| p.nested)))
}

/// One part of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Its bytes: from a line start to a line start (or the end of the text).
    pub range: Range<usize>,
    /// Lines of the text before it.
    pub lines_before: usize,
    /// True when it starts inside the mapping of the last top-level key (at an entry indented by
    /// two spaces) and continues that mapping; false when it starts at a top-level key.
    pub nested: bool,
}

/// Parses every part, on the calling thread and up to `threads - 1` more, which take parts from a
/// shared counter, largest first; `None` when a part cannot be used (the others stop early) or a
/// thread fails.
fn parse_parts(
    text: &str,
    file: FileId,
    parts: &[Part],
    threads: usize,
) -> Option<Vec<PartParsed>> {
    // Largest parts first, so that no thread is left with a large part when the others are done.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(parts[i].range.len()));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let part = &parts[i];
            let parsed = yaml::parse_range(text, file, part.range.clone(), part.lines_before);
            if !usable(&parsed) {
                failed.store(true, Ordering::Relaxed);
            }
            done.push((i, parsed));
        }
        done
    };
    let mut results = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(parts.len()))
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("mqttgen-yaml-part".into())
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut results = work();
        for helper in helpers {
            results.extend(helper.join().ok()?);
        }
        Some(results)
    })?;
    if failed.load(Ordering::Relaxed) || results.len() != parts.len() {
        return None;
    }
    results.sort_unstable_by_key(|(i, _)| *i);
    Some(results.into_iter().map(|(_, parsed)| parsed).collect())
}

/// True when a part parsed without any finding into a mapping.
fn usable(part: &PartParsed) -> bool {
    part.parsed.diagnostics.is_empty()
        && part
            .parsed
            .root
            .as_ref()
            .is_some_and(|root| root.as_map().is_some())
}

/// Where to cut `text` into about `parts` parts of similar size. A part starts at a line that
/// starts a top-level key, or at an entry (indented by two spaces) of the block mapping of the last
/// top-level key after its first entry; such a nested part always ends at the next top-level line.
/// `None` (do not cut) unless the text is a top-level block mapping without directives, document
/// markers or merge keys at the top two levels.
pub fn cut(text: &str, parts: usize) -> Option<Vec<Part>> {
    let size = text.len() / parts.max(1);
    let mut cuts = vec![Part {
        range: 0..0,
        lines_before: 0,
        nested: false,
    }];
    let mut seen_content = false;
    // The last top-level line is `key:` alone, and how many of its entries were seen since.
    let mut open_block = false;
    let mut entries_seen = 0usize;
    // The indentation of the last block scalar header (`key: |`) whose content may still go on,
    // and whether it has content lines yet.
    let mut block_scalar: Option<(usize, bool)> = None;
    let mut offset = 0;
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let bytes = line.as_bytes();
        let first = bytes.first().copied().unwrap_or(b'\n');
        if line.starts_with("---") || line.starts_with("...") || first == b'%' {
            return None;
        }
        let unindented = line.strip_prefix("  ").unwrap_or(line);
        if ["<<", "\"<<", "'<<"]
            .iter()
            .any(|m| unindented.starts_with(m))
        {
            return None;
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !seen_content && (first == b' ' || first == b'\t') {
            // An indented root mapping: one pass.
            return None;
        }
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        // A block scalar ends at a line indented no deeper than its header; a part must not end
        // with an empty one (at the end of a text yaml-rust2 reads it differently).
        let mut after_empty_block_scalar = false;
        match &mut block_scalar {
            Some((header, content)) if indent > *header => *content = true,
            Some((_, content)) => {
                after_empty_block_scalar = !*content;
                block_scalar = None;
            }
            None => {}
        }
        if block_scalar.is_none() && opens_block_scalar(line) {
            block_scalar = Some((indent, false));
        }
        let last_start = cuts.last()?.range.start;
        let in_nested = cuts.last()?.nested;
        if in_nested && (first == b'\t' || (first == b' ' && bytes.get(1) != Some(&b' '))) {
            // Less indented than the mapping a nested part continues (but not top level): the
            // part alone would not read like the whole.
            return None;
        }
        if first != b' ' && first != b'\t' {
            // A top-level line.
            if !seen_content {
                if !starts_plain_key(first) {
                    // A flow collection, sequence, anchor, tag or quoted key: one pass.
                    return None;
                }
                seen_content = true;
            } else if in_nested && after_empty_block_scalar {
                // A nested part must end here, but not right after an empty block scalar.
                return None;
            } else if in_nested
                || (start - last_start >= size
                    && starts_plain_key(first)
                    && !after_empty_block_scalar)
            {
                cuts.push(Part {
                    range: start..start,
                    lines_before: line_number,
                    nested: false,
                });
            }
            let content = line.trim_end();
            open_block = starts_plain_key(first)
                && content.ends_with(':')
                && !content.contains(": ")
                && !content.contains(" #");
            entries_seen = 0;
        } else if seen_content
            && open_block
            && bytes.get(2).is_some_and(|&b| starts_plain_key(b))
            && bytes[..2] == *b"  "
        {
            // An entry of the last top-level key's mapping.
            if entries_seen > 0 && start - last_start >= size && !after_empty_block_scalar {
                cuts.push(Part {
                    range: start..start,
                    lines_before: line_number,
                    nested: true,
                });
            }
            entries_seen += 1;
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

/// True when `line` ends with a block scalar header (`|`, `>-`, `|+2`, ... and maybe a comment).
/// Lines that merely end like one count too: that only costs a place to cut.
fn opens_block_scalar(line: &str) -> bool {
    let content = line.split(" #").next().unwrap_or(line).trim_end();
    let head = content.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    head.ends_with('|') || head.ends_with('>')
}

/// True for the first byte of a plain (unquoted) key: never an indicator, a quote or blank.
fn starts_plain_key(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// The parts' root mappings joined into one (a nested part's into the mapping of the last
/// top-level key), ids renumbered in document order; `None` when a part is not a mapping, a key is
/// in two parts, or the aliases of all parts together expand to more than the one-pass budget.
fn join(parts: impl IntoIterator<Item = (PartParsed, bool)>) -> Option<Parsed> {
    let mut parts = parts.into_iter();
    let (first, _) = parts.next()?;
    let mut alias_nodes = first.alias_nodes;
    let mut root = first.parsed.root?;
    for (part, nested) in parts {
        alias_nodes += part.alias_nodes;
        let part = part.parsed.root?;
        let Value::Map(more) = part.value else {
            return None;
        };
        // The part's root mapping took id 0; its contents follow the joined tree's last id.
        let shift = root.last;
        if nested {
            let Value::Map(entries) = &mut root.value else {
                return None;
            };
            let parent = &mut entries.last_mut()?.value;
            append(parent, more, shift)?;
            parent.last += part.last;
        } else {
            append(&mut root, more, shift)?;
        }
        root.last += part.last;
    }
    if alias_nodes > MAX_ALIAS_NODES {
        return None;
    }
    Some(Parsed {
        root: Some(root),
        diagnostics: Vec::new(),
    })
}

/// Appends `more` (ids shifted by `shift`) to the mapping `target` and updates its key index;
/// `None` when `target` is not a mapping or already has one of the keys.
fn append(target: &mut Node, mut more: Vec<Entry>, shift: u32) -> Option<()> {
    if target.as_map().is_none() || more.iter().any(|e| target.get(&e.key).is_some()) {
        return None;
    }
    for entry in &mut more {
        renumber(&mut entry.value, shift);
    }
    let Value::Map(entries) = &mut target.value else {
        return None;
    };
    let base = entries.len();
    match &mut target.key_index {
        Some(index) => {
            let index = Arc::make_mut(index);
            for (i, entry) in more.iter().enumerate() {
                index.insert(entry.key.clone(), base + i);
            }
            entries.append(&mut more);
        }
        None => {
            entries.append(&mut more);
            target.key_index = yaml::key_index_of(entries);
        }
    }
    Some(())
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
