//! What the model does not keep but the comparison reports: `externalDocs`, read from the files.
//!
//! Each file is walked once and every `externalDocs` is indexed by the place of the object that
//! holds it, so looking one up is a hash lookup rather than a walk through mappings of thousands
//! of channels.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::model::NodeId;
use crate::reader::pointer;
use crate::reader::yaml::{Node, Value};
use crate::spec::SourceMap;

/// `externalDocs` of every object that has one, by the object's place.
#[derive(Debug, Default)]
pub struct ExternalDocs(HashMap<NodeId, Json>);

impl ExternalDocs {
    /// Indexes every file of `sources`.
    pub fn index(sources: &SourceMap) -> ExternalDocs {
        let mut found = HashMap::new();
        for (file, source) in sources.files.iter().enumerate() {
            if let Some(root) = &source.root {
                let mut at = String::new();
                walk(root, file, &mut at, &mut found);
            }
        }
        ExternalDocs(found)
    }

    /// The `externalDocs` of the object at `node`, if it has one.
    pub fn of(&self, node: &NodeId) -> Option<&Json> {
        self.0.get(node)
    }
}

/// Indexes the `externalDocs` at and below `node` (at pointer `at` of `file`). One pointer buffer,
/// extended and truncated back on the way, so only the objects found allocate (the tree's depth
/// is bounded by the reader, so recursion is safe).
fn walk(node: &Node, file: usize, at: &mut String, found: &mut HashMap<NodeId, Json>) {
    let len = at.len();
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                if entry.key == "externalDocs" {
                    let id = NodeId {
                        file,
                        pointer: at.clone(),
                    };
                    found.insert(id, entry.value.to_json());
                } else if matches!(entry.value.value, Value::Map(_) | Value::Seq(_)) {
                    at.push('/');
                    pointer::push_escaped(at, &entry.key);
                    walk(&entry.value, file, at, found);
                    at.truncate(len);
                }
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item.value, Value::Map(_) | Value::Seq(_)) {
                    use std::fmt::Write as _;
                    let _ = write!(at, "/{i}");
                    walk(item, file, at, found);
                    at.truncate(len);
                }
            }
        }
        _ => {}
    }
}
