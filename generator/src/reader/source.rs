//! The files a document was read from, with their located trees: JSON pointer ↔ line:column.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::diagnostics::Location;
use crate::model::{FileId, NodeId};
use crate::reader::pointer;
use crate::reader::yaml::{self, Node, Value};

/// One file read by the front end.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as resolved (relative to the entry file's path as given).
    pub path: PathBuf,
    /// The name shown to users (the path as given, or the name passed to `load_str`).
    pub name: String,
    /// The full text.
    pub text: String,
    /// The located tree; `None` when the file could not be parsed.
    pub root: Option<Node>,
}

/// All files of one load, entry first; a [`FileId`] indexes [`SourceMap::files`].
#[derive(Debug, Default)]
pub struct SourceMap {
    /// The files, entry document first.
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    /// The file with this id.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    /// The node at `id` (plain pointer walk, `$ref`s are not followed).
    pub fn get(&self, id: &NodeId) -> Option<&Node> {
        let mut node = self.file(id.file)?.root.as_ref()?;
        for segment in pointer::tokens(&id.pointer)? {
            node = child(node, &segment)?;
        }
        Some(node)
    }

    /// The JSON pointer of `node` inside its file (found through the pre-order ids).
    pub fn pointer_of(&self, node: &Node) -> String {
        let Some(mut current) = self.file(node.file).and_then(|f| f.root.as_ref()) else {
            return String::new();
        };
        let mut out = String::with_capacity(64);
        while current.id != node.id {
            let next = match &current.value {
                Value::Map(entries) => find_by_id(entries, node.id, |e| &e.value).map(|i| {
                    out.push('/');
                    pointer::push_escaped(&mut out, &entries[i].key);
                    &entries[i].value
                }),
                Value::Seq(items) => find_by_id(items, node.id, |n| n).map(|i| {
                    let _ = write!(out, "/{i}");
                    &items[i]
                }),
                _ => None,
            };
            let Some(child) = next else {
                break;
            };
            current = child;
        }
        out
    }

    /// The [`NodeId`] of a node.
    pub fn node_id(&self, node: &Node) -> NodeId {
        NodeId {
            file: node.file,
            pointer: self.pointer_of(node),
        }
    }

    /// File, line and column of the node at `id`; for a pointer that does not exist (e.g. a missing
    /// field), the nearest existing ancestor.
    pub fn locate(&self, id: &NodeId) -> Option<Location> {
        let file = self.file(id.file)?;
        let mut node = file.root.as_ref()?;
        let mut key_pos = None;
        for segment in pointer::tokens(&id.pointer).into_iter().flatten() {
            key_pos = node
                .as_map()
                .and_then(|entries| entries.iter().find(|e| e.key == segment))
                .map(|e| e.key_pos);
            match child(node, &segment) {
                Some(next) => node = next,
                None => break,
            }
        }
        // A mapping or sequence is shown at its key (`floorId:`), which reads better than the
        // position of its first child.
        let pos = match (&node.value, key_pos) {
            (Value::Map(_) | Value::Seq(_), Some(key)) => key,
            _ => node.pos,
        };
        Some(yaml::location(&file.text, id.file, pos))
    }

    /// The display name of a file.
    pub fn name(&self, id: FileId) -> &str {
        self.file(id).map_or("<unknown>", |f| f.name.as_str())
    }
}

/// The child of a mapping or sequence named by one unescaped pointer segment.
pub fn child<'a>(node: &'a Node, segment: &str) -> Option<&'a Node> {
    match &node.value {
        Value::Map(_) => node.get(segment),
        Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

/// Index of the element whose subtree holds `id`: binary search (ids are increasing in document
/// order), then a linear scan for trees with copied alias nodes.
fn find_by_id<T>(items: &[T], id: u32, node: impl Fn(&T) -> &Node) -> Option<usize> {
    let holds = |n: &Node| n.id <= id && id <= n.last;
    let i = items.partition_point(|t| node(t).id <= id);
    if i > 0 && holds(node(&items[i - 1])) {
        return Some(i - 1);
    }
    items.iter().position(|t| holds(node(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_and_location_round_trip() {
        let text = "a:\n  b/c:\n    - x\n    - y: 1\n";
        let root = yaml::parse(text, 0).root;
        let map = SourceMap {
            files: vec![SourceFile {
                path: "t.yaml".into(),
                name: "t.yaml".into(),
                text: text.into(),
                root,
            }],
        };
        let id = NodeId {
            file: 0,
            pointer: "/a/b~1c/1/y".into(),
        };
        let node = map.get(&id).unwrap();
        assert_eq!(map.pointer_of(node), "/a/b~1c/1/y");
        let loc = map.locate(&id).unwrap();
        assert_eq!((loc.line, loc.column), (4, 10));
        // A missing field is located at its parent.
        let missing = NodeId {
            file: 0,
            pointer: "/a/nope".into(),
        };
        assert_eq!(map.locate(&missing).unwrap().line, 2);
    }
}
