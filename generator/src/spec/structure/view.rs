//! The resolved document without building it: a view of the located tree in which every `$ref`
//! stands for what it names, validated by the JSON Schema crate directly (its [`Json`] trait).
//!
//! Building the resolved document ([`super::resolved`]) copies every shared `$ref` target into
//! every place that names it, and most of that copy is then only read once and dropped. The view
//! reads the same values in place: a reference named at a hundred places is one node, seen a
//! hundred times (and the validator's own cache, keyed by node identity, often judges it once).
//!
//! The view is exactly the resolved document only when resolving would expand every reference:
//! [`Targets::of`] says `None` for a document with a reference cycle, an unresolvable reference or
//! more values than the resolving budget, and those documents are resolved as before.

use std::borrow::Cow;
use std::collections::HashMap;

use jsonschema::json::{cmp, Array, Json, Node as JsonNode, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde_json::Value as JsonValue;

use super::resolved::{self, MAX_VALUES};
use crate::reader::refs::{ref_of, Files};
use crate::reader::yaml::{Entry, Node, Pos, Value};

/// The representation: the located tree seen through its references.
pub struct Located;

/// The target of every reference the resolved document would expand, by the reference node's
/// address.
pub struct Targets<'f> {
    files: &'f Files,
    by_ref: HashMap<usize, &'f Node>,
}

impl<'f> Targets<'f> {
    /// The targets of the references reachable from `root`; `None` when resolving `root` would
    /// keep a reference in place (a cycle, an unresolvable reference, past [`MAX_VALUES`]).
    pub fn of(files: &'f Files, root: &'f Node) -> Option<Targets<'f>> {
        let mut targets = Targets {
            files,
            by_ref: HashMap::new(),
        };
        let mut sizing = Sizing {
            sizes: HashMap::new(),
            active: Vec::new(),
        };
        let values = sizing.size(&mut targets, root)?;
        (values <= MAX_VALUES).then_some(targets)
    }

    /// The view of the document rooted at `root`.
    pub fn view(&'f self, root: &'f Node) -> View<'f> {
        View {
            node: self.follow(root),
            targets: Some(self),
        }
    }

    /// `node`, or what it names when it is a reference.
    fn follow(&self, node: &'f Node) -> &'f Node {
        if ref_of(node).is_none() {
            return node;
        }
        match self.by_ref.get(&address(node)) {
            Some(target) => target,
            None => self.files.deref(node).unwrap_or(node),
        }
    }
}

/// Counts the values resolving would create, finding every reference's target on the way.
struct Sizing {
    /// Values below each target already counted, by the target's address.
    sizes: HashMap<usize, usize>,
    /// The targets being counted (identity), to find cycles.
    active: Vec<usize>,
}

impl Sizing {
    fn size<'f>(&mut self, targets: &mut Targets<'f>, node: &'f Node) -> Option<usize> {
        if ref_of(node).is_some() {
            let target = targets.files.deref(node).ok()?;
            targets.by_ref.insert(address(node), target);
            let key = address(target);
            if let Some(&size) = self.sizes.get(&key) {
                return Some(size.saturating_add(1));
            }
            if self.active.contains(&key) {
                return None;
            }
            self.active.push(key);
            let size = self.size(targets, target)?;
            self.active.pop();
            self.sizes.insert(key, size);
            return Some(size.saturating_add(1));
        }
        let mut size = 1usize;
        match &node.value {
            Value::Seq(items) => {
                for item in items {
                    size = size.saturating_add(self.size(targets, item)?);
                }
            }
            Value::Map(entries) => {
                for entry in entries {
                    size = size.saturating_add(self.size(targets, &entry.value)?);
                }
            }
            _ => {}
        }
        Some(size)
    }
}

fn address(node: &Node) -> usize {
    std::ptr::from_ref(node) as usize
}

/// One value of the view: a located node that is not a reference.
#[derive(Clone, Copy)]
pub struct View<'a> {
    node: &'a Node,
    /// `None` only for the property-name strings the validator makes.
    targets: Option<&'a Targets<'a>>,
}

impl<'a> View<'a> {
    fn child(&self, node: &'a Node) -> View<'a> {
        View {
            node: self.targets.map_or(node, |t| t.follow(node)),
            targets: self.targets,
        }
    }
}

impl Json for Located {
    type Node<'a> = View<'a>;
    type PreparedKey = String;
    type StringBuffer = ();
    // No node is its own descendant: documents with reference cycles are not viewed.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(View<'_>) -> T) -> T {
        let node = Node {
            id: 0,
            last: 0,
            file: 0,
            pos: Pos::default(),
            value: Value::String(string.to_owned()),
            key_index: None,
        };
        f(View {
            node: &node,
            targets: None,
        })
    }
}

impl<'a> JsonNode<'a, Located> for View<'a> {
    type Object = Members<'a>;
    type Array = Items<'a>;
    type Number = &'a serde_json::Number;

    fn as_object(&self) -> Option<Members<'a>> {
        match &self.node.value {
            Value::Map(entries) => Some(Members {
                view: *self,
                entries,
            }),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<Items<'a>> {
        match &self.node.value {
            Value::Seq(items) => Some(Items { view: *self, items }),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.node.value {
            Value::String(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<&'a serde_json::Number> {
        match &self.node.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.node.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.node.value, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.node.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &JsonValue) -> bool {
        match (&self.node.value, expected) {
            (Value::Null, JsonValue::Null) => true,
            (Value::Bool(a), JsonValue::Bool(b)) => a == b,
            (Value::Number(a), JsonValue::Number(b)) => cmp::equal_numbers(a, b),
            (Value::String(a), JsonValue::String(b)) => a == b,
            (Value::Seq(items), JsonValue::Array(others)) => {
                items.len() == others.len()
                    && items
                        .iter()
                        .zip(others)
                        .all(|(item, other)| self.child(item).equals_value(other))
            }
            (Value::Map(entries), JsonValue::Object(others)) => {
                entries.len() == others.len()
                    && entries.iter().all(|e| {
                        others
                            .get(&e.key)
                            .is_some_and(|other| self.child(&e.value).equals_value(other))
                    })
            }
            _ => false,
        }
    }

    fn to_value(&self) -> Cow<'a, JsonValue> {
        Cow::Owned(match (&self.node.value, self.targets) {
            (Value::Seq(_) | Value::Map(_), Some(targets)) => {
                resolved::resolve(targets.files, self.node).value
            }
            _ => self.node.to_json(),
        })
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(address(self.node)))
    }
}

/// The entries of a mapping of the view.
pub struct Members<'a> {
    view: View<'a>,
    entries: &'a [Entry],
}

impl<'a> Object<'a, Located> for Members<'a> {
    type Node = View<'a>;
    type MemberName = &'a str;
    type MembersIter = MembersIter<'a>;

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn get(&self, key: &String) -> Option<View<'a>> {
        let entry = match &self.view.node.key_index {
            Some(index) => index.get(key).and_then(|&i| self.entries.get(i)),
            None => self.entries.iter().find(|e| e.key == *key),
        };
        entry.map(|e| self.view.child(&e.value))
    }

    fn members(&self) -> MembersIter<'a> {
        MembersIter {
            view: self.view,
            entries: self.entries.iter(),
        }
    }
}

/// The iterator of [`Members::members`].
pub struct MembersIter<'a> {
    view: View<'a>,
    entries: std::slice::Iter<'a, Entry>,
}

impl<'a> Iterator for MembersIter<'a> {
    type Item = (&'a str, View<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.entries.next()?;
        Some((entry.key.as_str(), self.view.child(&entry.value)))
    }
}

/// The items of a sequence of the view.
pub struct Items<'a> {
    view: View<'a>,
    items: &'a [Node],
}

impl<'a> Array<'a, Located> for Items<'a> {
    type Node = View<'a>;
    type ElementsIter = ItemsIter<'a>;

    fn len(&self) -> usize {
        self.items.len()
    }

    fn elements(&self) -> ItemsIter<'a> {
        ItemsIter {
            view: self.view,
            items: self.items.iter(),
        }
    }
}

/// The iterator of [`Items::elements`].
pub struct ItemsIter<'a> {
    view: View<'a>,
    items: std::slice::Iter<'a, Node>,
}

impl<'a> Iterator for ItemsIter<'a> {
    type Item = View<'a>;

    fn next(&mut self) -> Option<View<'a>> {
        self.items.next().map(|item| self.view.child(item))
    }
}
