//! Seeded, reproducible mutations of AsyncAPI documents: some break structure, types or YAML
//! layout; others only reformat (indentation, flow ↔ block, CRLF, comments, key order,
//! document markers) and must not change any verdict.

use serde_json::{Map, Value};

/// A small deterministic generator (xorshift64*), so mutants are the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What a mutant changed (shown next to disagreements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Same value, other layout.
    Reformat,
    /// A field removed.
    DropField,
    /// A value replaced by one of another type.
    ChangeType,
    /// A field added that the object may not have.
    AddField,
    /// The text made invalid YAML (or YAML of another shape).
    BreakLayout,
}

pub const KINDS: [Kind; 5] = [
    Kind::Reformat,
    Kind::DropField,
    Kind::ChangeType,
    Kind::AddField,
    Kind::BreakLayout,
];

/// A mutant of `value` (a whole document), as YAML text.
pub fn mutant(value: &Value, kind: Kind, rng: &mut Rng) -> String {
    let mut value = value.clone();
    let style = Style::random(rng);
    match kind {
        Kind::Reformat => {}
        Kind::DropField => {
            if let Some(Value::Object(map)) = pick_container(&mut value, rng, true) {
                if !map.is_empty() {
                    let key = map.keys().nth(rng.below(map.len())).cloned().unwrap();
                    map.shift_remove(&key);
                }
            }
        }
        Kind::ChangeType => {
            if let Some(target) = pick_container(&mut value, rng, false) {
                let replacement = match target {
                    Value::String(_) => Value::from(42),
                    Value::Number(_) => Value::from("forty-two"),
                    Value::Object(_) => Value::from("not a mapping"),
                    Value::Array(_) => Value::Object(Map::new()),
                    Value::Bool(_) => Value::from("yes"),
                    Value::Null => Value::Array(Vec::new()),
                };
                *target = replacement;
            }
        }
        Kind::AddField => {
            if let Some(Value::Object(map)) = pick_container(&mut value, rng, true) {
                map.insert("unexpectedField".into(), Value::from(true));
            }
        }
        Kind::BreakLayout => {
            let text = emit(&value, &style, rng);
            return break_layout(&text, rng);
        }
    }
    emit(&value, &style, rng)
}

/// A random node of `value` (below the top); with `object`, a mapping.
fn pick_container<'v>(value: &'v mut Value, rng: &mut Rng, object: bool) -> Option<&'v mut Value> {
    // Collect paths first, then walk to the chosen one.
    let mut paths: Vec<Vec<PathStep>> = Vec::new();
    collect(value, &mut Vec::new(), &mut paths, object);
    if paths.is_empty() {
        return None;
    }
    let path = paths.swap_remove(rng.below(paths.len()));
    let mut node = value;
    for step in path {
        node = match (step, node) {
            (PathStep::Key(k), Value::Object(m)) => m.get_mut(&k)?,
            (PathStep::Index(i), Value::Array(a)) => a.get_mut(i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn collect(value: &Value, at: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>, object: bool) {
    if !at.is_empty() && (!object || value.is_object()) {
        out.push(at.clone());
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(PathStep::Key(k.clone()));
                collect(v, at, out, object);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(PathStep::Index(i));
                collect(v, at, out, object);
                at.pop();
            }
        }
        _ => {}
    }
}

/// How a mutant is written.
struct Style {
    indent: usize,
    /// Percent of collections written in flow style (`{...}`, `[...]`) across lines.
    flow: u64,
    crlf: bool,
    comments: bool,
    shuffle_keys: bool,
    markers: bool,
}

impl Style {
    fn random(rng: &mut Rng) -> Style {
        Style {
            indent: 2 + rng.below(3),
            flow: [0, 0, 20, 50][rng.below(4)],
            crlf: rng.chance(30),
            comments: rng.chance(40),
            shuffle_keys: rng.chance(40),
            markers: rng.chance(30),
        }
    }
}

/// `value` as YAML in `style`.
fn emit(value: &Value, style: &Style, rng: &mut Rng) -> String {
    let mut out = String::new();
    if style.markers {
        out.push_str("---\n");
    }
    if style.comments {
        out.push_str("# a reformatted mutant\n");
    }
    block(value, 0, style, rng, &mut out);
    if style.markers {
        out.push_str("...\n");
    }
    if style.crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::to_string(s).unwrap(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

fn is_collection(value: &Value) -> bool {
    matches!(value, Value::Object(m) if !m.is_empty())
        || matches!(value, Value::Array(a) if !a.is_empty())
}

fn entries<'v>(
    map: &'v Map<String, Value>,
    style: &Style,
    rng: &mut Rng,
) -> Vec<(&'v String, &'v Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    if style.shuffle_keys {
        for i in (1..entries.len()).rev() {
            entries.swap(i, rng.below(i + 1));
        }
    }
    entries
}

/// Writes a block collection whose entries stand at `indent` (the caller wrote the key line).
fn block(value: &Value, indent: usize, style: &Style, rng: &mut Rng, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in entries(map, style, rng) {
                if style.comments && rng.chance(10) {
                    out.push_str(&format!(
                        "{pad}# about {}\n",
                        key.replace(['\n', '\r'], " ")
                    ));
                }
                out.push_str(&format!("{pad}{}:", serde_json::to_string(key).unwrap()));
                value_after_key(v, indent, style, rng, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for v in items {
                out.push_str(&format!("{pad}-"));
                value_after_key(v, indent, style, rng, out);
            }
        }
        other => {
            out.push_str(&format!("{pad}{}\n", scalar(other)));
        }
    }
}

fn value_after_key(v: &Value, indent: usize, style: &Style, rng: &mut Rng, out: &mut String) {
    if !is_collection(v) {
        out.push_str(&format!(" {}\n", scalar(v)));
    } else if rng.chance(style.flow) {
        out.push(' ');
        // A flow collection across lines, closed at the key's own indentation, as people write
        // JSON-style examples in YAML.
        flow(v, indent + style.indent, indent, style, rng, out);
        out.push('\n');
    } else {
        out.push('\n');
        block(v, indent + style.indent, style, rng, out);
    }
}

fn flow(value: &Value, inner: usize, close: usize, style: &Style, rng: &mut Rng, out: &mut String) {
    let (open, shut) = if value.is_object() {
        ('{', '}')
    } else {
        ('[', ']')
    };
    out.push(open);
    out.push('\n');
    let pad = " ".repeat(inner);
    let items: Vec<(Option<&String>, &Value)> = match value {
        Value::Object(map) => entries(map, style, rng)
            .into_iter()
            .map(|(k, v)| (Some(k), v))
            .collect(),
        Value::Array(items) => items.iter().map(|v| (None, v)).collect(),
        _ => Vec::new(),
    };
    let count = items.len();
    for (i, (key, v)) in items.into_iter().enumerate() {
        out.push_str(&pad);
        if let Some(key) = key {
            out.push_str(&serde_json::to_string(key).unwrap());
            out.push_str(": ");
        }
        if is_collection(v) {
            flow(v, inner + style.indent, inner, style, rng, out);
        } else {
            out.push_str(&scalar(v));
        }
        if i + 1 < count {
            out.push(',');
        }
        if style.comments && rng.chance(10) {
            out.push_str(" # in a flow collection");
        }
        out.push('\n');
    }
    out.push_str(&" ".repeat(close));
    out.push(shut);
}

/// The text with one layout fault: a line indented one space more, a tab for indentation, an
/// unclosed flow collection, or a key repeated.
fn break_layout(text: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Lines that start a key of a block mapping below the top.
    let keyed: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].starts_with("  ")
                && lines[i].trim_start().starts_with('"')
                && lines[i].contains("\":")
        })
        .collect();
    if keyed.is_empty() {
        return format!("{text}[unclosed\n");
    }
    let i = keyed[rng.below(keyed.len())];
    let mut lines: Vec<String> = lines.into_iter().map(str::to_string).collect();
    match rng.below(4) {
        0 => lines[i] = format!(" {}", lines[i]),
        1 => lines[i] = format!("\t{}", lines[i].trim_start()),
        2 => lines.insert(
            i + 1,
            format!(
                "{}[\n",
                " ".repeat(lines[i].len() - lines[i].trim_start().len())
            ),
        ),
        _ => {
            let copy = lines[i].clone();
            let is_block_parent = copy.trim_end().ends_with(':');
            if is_block_parent {
                lines[i] = format!(" {}", lines[i]);
            } else {
                lines.insert(i + 1, copy);
            }
        }
    }
    lines.concat()
}
