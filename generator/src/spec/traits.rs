//! Message and operation traits: the trait values are defaults and the object's own fields win.
//!
//! Both versions are merged the same way, with JSON Merge Patch (RFC 7386) semantics: traits are
//! applied in order (a later trait patches an earlier one), then the object itself is patched on top,
//! so nested objects merge field by field and an explicit `null` removes a trait's value. AsyncAPI 3
//! specifies exactly this; for 2.x the parser-js reference lets traits override the object, but the
//! 2.x spec text calls traits reusable defaults, so mqttgen lets the object win in both versions.
//! Merged nodes keep the ids and files they came from, so diagnostics still point at the source.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::model::FileId;
use crate::reader::refs::Files;
use crate::reader::yaml::{Entry, Node, Value};

/// Merged objects by (file, node id) of the object that declared `traits`.
pub type Merged = HashMap<(FileId, u32), Node>;

/// Finds every object with a `traits` sequence in every file and merges its traits into it.
///
/// Runs before the model is built so the merged nodes can be borrowed for the whole build.
pub fn merge_all(files: &Files) -> (Merged, Vec<Diagnostic>) {
    let mut merged = Merged::new();
    let mut diagnostics = Vec::new();
    for source in &files.sources.files {
        let Some(root) = &source.root else { continue };
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match &node.value {
                Value::Map(entries) => {
                    if let Some(list) = node.get("traits").and_then(Node::as_seq) {
                        if list.iter().all(|t| t.as_map().is_some()) {
                            let mut traits = Vec::new();
                            for item in list {
                                match files.deref(item) {
                                    Ok(t) => traits.push(t),
                                    Err(mut d) => {
                                        d.node = Some(files.id(item));
                                        diagnostics.push(d);
                                    }
                                }
                            }
                            merged.insert((node.file, node.id), apply(node, &traits));
                        }
                    }
                    stack.extend(entries.iter().map(|e| &e.value));
                }
                Value::Seq(items) => stack.extend(items.iter()),
                _ => {}
            }
        }
    }
    (merged, diagnostics)
}

/// `object` with `traits` (already dereferenced, in document order) applied; `traits` and the
/// object's `traits` key are not part of the result.
pub fn apply(object: &Node, traits: &[&Node]) -> Node {
    let mut base: Option<Node> = None;
    for t in traits {
        base = Some(match base {
            None => without_traits(t),
            Some(b) => merge_patch(&b, &without_traits(t)),
        });
    }
    let own = without_traits(object);
    match base {
        None => own,
        Some(b) => {
            let mut merged = merge_patch(&b, &own);
            merged.id = object.id;
            merged.last = object.last;
            merged.file = object.file;
            merged.pos = object.pos;
            merged
        }
    }
}

fn without_traits(node: &Node) -> Node {
    let mut copy = node.clone();
    if let Value::Map(entries) = &mut copy.value {
        entries.retain(|e| e.key != "traits");
        copy.key_index = None;
    }
    copy
}

/// RFC 7386: `patch` applied to `target`.
pub fn merge_patch(target: &Node, patch: &Node) -> Node {
    let (Value::Map(base), Value::Map(changes)) = (&target.value, &patch.value) else {
        return patch.clone();
    };
    let mut entries: Vec<Entry> = base.clone();
    for change in changes {
        let existing = entries.iter().position(|e| e.key == change.key);
        match (existing, change.value.is_null()) {
            (Some(i), true) => {
                entries.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => {
                let merged = merge_patch(&entries[i].value, &change.value);
                entries[i] = Entry {
                    key: change.key.clone(),
                    key_pos: change.key_pos,
                    value: merged,
                };
            }
            (None, false) => entries.push(change.clone()),
        }
    }
    Node {
        value: Value::Map(entries),
        ..patch.clone_shallow()
    }
}

impl Node {
    /// A copy of the node's id, file and position with a null value.
    fn clone_shallow(&self) -> Node {
        Node {
            id: self.id,
            last: self.last,
            file: self.file,
            pos: self.pos,
            value: Value::Null,
            key_index: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::yaml;

    fn node(text: &str) -> Node {
        yaml::parse(text, 0).root.unwrap()
    }

    #[test]
    fn object_fields_win_and_objects_merge_deeply() {
        let object = node(
            "contentType: application/json\nheaders: {properties: {a: {type: string}}}\ntraits: [x]\n",
        );
        let t1 = node("contentType: text/plain\nsummary: from trait\nheaders: {properties: {b: {type: integer}}}\n");
        let t2 = node("summary: from second trait\ndescription: null\n");
        let merged = apply(&object, &[&t1, &t2]).to_json();
        assert_eq!(
            merged,
            serde_json::json!({
                "contentType": "application/json",
                "summary": "from second trait",
                "headers": {"properties": {"b": {"type": "integer"}, "a": {"type": "string"}}},
            })
        );
    }

    #[test]
    fn null_in_the_object_removes_a_trait_value() {
        let object = node("summary: null\n");
        let t = node("summary: s\nbindings: {mqtt: {qos: 1}}\n");
        assert_eq!(
            apply(&object, &[&t]).to_json(),
            serde_json::json!({"bindings": {"mqtt": {"qos": 1}}})
        );
    }

    #[test]
    fn merged_node_keeps_the_object_identity() {
        let object = node("a: 1\n");
        let t = node("b: 2\n");
        let merged = apply(&object, &[&t]);
        assert_eq!(merged.id, object.id);
    }
}
