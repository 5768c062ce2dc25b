//! Large YAML documents read in parts on several threads.
//!
//! A document whose top level is a block mapping can be cut at lines that start a key of a block
//! mapping, at the top level or a few levels down ([`cut`]): each part is then a block mapping of its
//! own. The parts are parsed at the same time (positions shifted to those of the whole text), their
//! root mappings joined in order into the mappings they continue and the node ids renumbered, which
//! gives exactly the tree a single pass gives.
//!
//! This is only a faster route to the same result: whenever anything could make it differ — a
//! finding of any kind in any part (syntax error, duplicate key, warning), a part that is not a
//! mapping, a key defined in two parts, an alias to an anchor of another part, an alias budget
//! exceeded only by the parts together, a merge key, directive or document marker where cuts are
//! made — [`parse`] gives `None` and the caller parses the whole text in one pass, so diagnostics
//! are exactly those of that pass.

mod cut;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::model::FileId;
use crate::reader::yaml::{self, Entry, Node, Parsed, PartParsed, Value, MAX_ALIAS_NODES};
pub use cut::{cut, Part};

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
    let (threads, parts) = plan(text.len());
    if threads < 2 || parts < 2 {
        return None;
    }
    parse_in_parts(text, file, parts, threads)
}

/// How many threads and parts [`parse`] tries for a text of `len` bytes.
fn plan(len: usize) -> (usize, usize) {
    let threads = crate::parallel::cores().min(MAX_THREADS);
    (
        threads,
        (threads * PARTS_PER_THREAD).min(len / MIN_PART_BYTES),
    )
}

/// True when [`parse`] of a text of `len` bytes tries to read it on every core of the machine
/// (so other work started at the same time only slows the reading down).
pub fn fills_every_core(len: usize) -> bool {
    let (threads, parts) = plan(len);
    threads >= 2 && parts >= 2 && threads >= crate::parallel::cores()
}

/// [`parse`] with about `parts` parts (fewer when the text has too few places to cut, more where a
/// cut inside a mapping forces one where the text leaves it) on up to `threads` threads.
pub fn parse_in_parts(text: &str, file: FileId, parts: usize, threads: usize) -> Option<Parsed> {
    let cuts = cut(text, parts)?;
    let mut results = parse_parts(text, file, &cuts, threads)?;
    if !renumber_parts(&mut results, threads) {
        return None;
    }
    join(results.into_iter().zip(cuts.iter().map(|p| p.depth)))
}

/// Below this many nodes after the first part, renumbering stays on the calling thread.
const PARALLEL_RENUMBER_NODES: u32 = 20_000;

/// Renumbers the contents of every part after the first so that ids follow on from the parts
/// before it (each part's root mapping took id 0 and is dropped when joined); the later half of
/// the parts on a second thread when there are many nodes. False when that thread could not be
/// started or failed.
fn renumber_parts(parts: &mut [PartParsed], threads: usize) -> bool {
    let last = |p: &PartParsed| p.parsed.root.as_ref().map_or(0, |r| r.last);
    let Some((first, rest)) = parts.split_first_mut() else {
        return true;
    };
    let mut shift = last(first);
    let mut shifted: Vec<(u32, &mut PartParsed)> = Vec::with_capacity(rest.len());
    for part in rest {
        let part_last = last(part);
        shifted.push((shift, part));
        shift = shift.saturating_add(part_last);
    }
    let total = shift - shifted.first().map_or(shift, |(s, _)| *s);
    let apply = |parts: &mut [(u32, &mut PartParsed)]| {
        for (shift, part) in parts {
            if let Some(Value::Map(entries)) = part.parsed.root.as_mut().map(|r| &mut r.value) {
                for entry in entries {
                    renumber(&mut entry.value, *shift);
                }
            }
        }
    };
    if threads < 2 || total < PARALLEL_RENUMBER_NODES {
        apply(&mut shifted);
        return true;
    }
    // Split where about half of the nodes are on either side.
    let half = shifted.first().map_or(0, |(s, _)| *s) + total / 2;
    let mid = shifted.partition_point(|(s, _)| *s < half).max(1);
    let (early, late) = shifted.split_at_mut(mid);
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("mqttgen-yaml-ids".into())
            .spawn_scoped(scope, || apply(late));
        // Without the thread (the system refuses one) the caller parses in one pass.
        helper.is_ok_and(|helper| {
            apply(early);
            helper.join().is_ok()
        })
    })
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

/// The parts' root mappings joined into one (a nested part's into the mapping it continues: the
/// last entry's value, `depth` levels down), ids already renumbered; `None` when a part
/// is not a mapping, a key is in two parts, or the aliases of all parts together expand to more
/// than the one-pass budget.
fn join(parts: impl IntoIterator<Item = (PartParsed, usize)>) -> Option<Parsed> {
    let mut parts = parts.into_iter();
    let (first, _) = parts.next()?;
    let mut alias_nodes = first.alias_nodes;
    let mut root = first.parsed.root?;
    for (part, depth) in parts {
        alias_nodes += part.alias_nodes;
        let part = part.parsed.root?;
        let Value::Map(more) = part.value else {
            return None;
        };
        let mut target = &mut root;
        for _ in 0..depth {
            // Every mapping on the way holds the new entries in its subtree.
            target.last += part.last;
            let Value::Map(entries) = &mut target.value else {
                return None;
            };
            target = &mut entries.last_mut()?.value;
        }
        append(target, more)?;
        target.last += part.last;
    }
    if alias_nodes > MAX_ALIAS_NODES {
        return None;
    }
    Some(Parsed {
        root: Some(root),
        diagnostics: Vec::new(),
    })
}

/// Appends `more` (already renumbered) to the mapping `target` and updates its key index; `None`
/// when `target` is not a mapping or already has one of the keys.
fn append(target: &mut Node, mut more: Vec<Entry>) -> Option<()> {
    if target.as_map().is_none() || more.iter().any(|e| target.get(&e.key).is_some()) {
        return None;
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
