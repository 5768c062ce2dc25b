//! The document as the official parser checks it: one JSON value with every `$ref` replaced by
//! what it names, and the way back from a place in that value to the located node it came from.

use serde_json::{Map, Value as Json};

use crate::reader::pointer;
use crate::reader::refs::{ref_of, Files};
use crate::reader::source::child;
use crate::reader::yaml::{Node, Value};

/// Most JSON values resolving may create; beyond it references are left in place (a document whose
/// references multiply it past this is checked in the parts it spells out).
pub const MAX_VALUES: usize = 2_000_000;

/// The resolved document.
pub struct Resolved {
    /// The value.
    pub value: Json,
    /// JSON pointers (in `value`) of references left in place: unresolvable, cyclic, or past the
    /// budget. Findings at or below them are not the document's structure but its references'.
    pub kept_refs: Vec<String>,
}

/// Resolves `root` (a node of `files`).
pub fn resolve(files: &Files, root: &Node) -> Resolved {
    let mut walk = Walk {
        files,
        active: Vec::new(),
        values: 0,
        kept_refs: Vec::new(),
        path: Vec::new(),
    };
    let value = walk.value(root);
    Resolved {
        value,
        kept_refs: walk.kept_refs,
    }
}

struct Walk<'f> {
    files: &'f Files,
    /// Targets of the references being expanded (identity), to stop at cycles.
    active: Vec<*const Node>,
    values: usize,
    kept_refs: Vec<String>,
    /// Where the value being built is (its JSON pointer, written out only for a kept reference).
    path: Vec<Step<'f>>,
}

/// One step of [`Walk::path`].
#[derive(Clone, Copy)]
enum Step<'f> {
    Key(&'f str),
    Index(usize),
}

impl<'f> Walk<'f> {
    fn value(&mut self, node: &'f Node) -> Json {
        self.values += 1;
        if ref_of(node).is_some() {
            return self.reference(node);
        }
        match &node.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(s.clone()),
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    out.push(self.value(item));
                    self.path.pop();
                }
                Json::Array(out)
            }
            Value::Map(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for entry in entries {
                    self.path.push(Step::Key(&entry.key));
                    let value = self.value(&entry.value);
                    self.path.pop();
                    out.insert(entry.key.clone(), value);
                }
                Json::Object(out)
            }
        }
    }

    fn reference(&mut self, node: &'f Node) -> Json {
        let target = match self.files.deref(node) {
            Ok(target) => target,
            Err(_) => return self.keep(node),
        };
        let id = target as *const Node;
        if self.active.contains(&id) || self.values > MAX_VALUES {
            return self.keep(node);
        }
        self.active.push(id);
        let value = self.value(target);
        self.active.pop();
        value
    }

    fn keep(&mut self, node: &Node) -> Json {
        let mut at = String::new();
        for step in &self.path {
            at.push('/');
            match step {
                Step::Key(key) => pointer::push_escaped(&mut at, key),
                Step::Index(i) => at.push_str(&i.to_string()),
            }
        }
        self.kept_refs.push(at);
        node.to_json()
    }
}

/// The located node at `pointer` of the resolved document rooted at `root`, following `$ref`s on
/// the way; the deepest node reached when the pointer leaves the document.
pub fn locate<'f>(files: &'f Files, root: &'f Node, pointer: &str) -> &'f Node {
    let mut node = files.deref(root).unwrap_or(root);
    for segment in pointer::tokens(pointer).into_iter().flatten() {
        match child(node, &segment) {
            Some(next) => node = files.deref(next).unwrap_or(next),
            None => break,
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::spec::ReadError;

    fn resolved(text: &str) -> Resolved {
        let no_files = |_: &Path| -> Result<String, ReadError> {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "in memory").into())
        };
        let files = Files::load_all(Path::new("t.yaml"), "t.yaml", text.into(), &no_files);
        let root = files.sources.files[0].root.as_ref().expect("a root");
        resolve(&files, root)
    }

    #[test]
    fn a_target_named_several_times_is_expanded_alike_at_every_place() {
        let out = resolved(
            "a: {$ref: '#/defs/s'}\nb: [{$ref: '#/defs/s'}, {$ref: '#/defs/t'}]\n\
             defs:\n  s: {type: object, properties: {x: {$ref: '#/defs/t'}}}\n  t: {type: string}\n",
        );
        let s = json!({"type": "object", "properties": {"x": {"type": "string"}}});
        let t = json!({"type": "string"});
        assert_eq!(
            out.value,
            json!({"a": s, "b": [s, t], "defs": {"s": s, "t": t}})
        );
        assert!(out.kept_refs.is_empty());
    }

    #[test]
    fn a_cycle_is_kept_at_every_place_it_is_met() {
        // `c` refers to itself: each expansion of it keeps the inner reference, at its own place
        // (under `c` itself, one level down: `c` is not a reference, its `next` is the first).
        let out = resolved("a: {$ref: '#/c'}\nb: {$ref: '#/c'}\nc: {next: {$ref: '#/c'}}\n");
        assert_eq!(
            out.kept_refs,
            ["/a/next", "/b/next", "/c/next/next"],
            "{:#}",
            out.value
        );
        assert_eq!(out.value["b"], json!({"next": {"$ref": "#/c"}}));
    }
}
