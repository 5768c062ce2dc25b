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
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use jsonschema::json::{cmp, Array, Json, Node as JsonNode, NodeIdentity, Object};
use jsonschema::types::JsonType;
use serde_json::Value as JsonValue;

use super::resolved::{self, MAX_VALUES};
use crate::reader::refs::{ref_of, Files, MAX_REF_HOPS};
use crate::reader::yaml::{Entry, Node, Pos, Value};

/// The representation: the located tree seen through its references.
pub struct Located;

/// The target of every reference the resolved document would expand, by the reference node's
/// address.
pub struct Targets<'f> {
    files: &'f Files,
    by_ref: ByAddress<&'f Node>,
    /// The values below each target, by the target's address: the nodes the view shows at more
    /// than one place.
    shared: ByAddress<usize>,
    /// Verdicts found for shared nodes ([`View::once`]).
    memo: RefCell<Memo>,
}

/// The verdicts of one validation run for the values the view shows at several places.
#[derive(Default)]
struct Memo {
    /// Per (unit, node address).
    verdicts: HashMap<(usize, usize), bool, BuildHasherDefault<AddressHasher>>,
    /// The (unit, node address) pairs being validated.
    active: Vec<(usize, usize)>,
}

/// A map keyed by node addresses: looked up for every mapping the validator steps into, so it
/// hashes an address with one multiplication instead of SipHash.
type ByAddress<V> = HashMap<usize, V, BuildHasherDefault<AddressHasher>>;

/// The hasher of [`ByAddress`] (only ever given one `usize`).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_usize(usize::from(b));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl<'f> Targets<'f> {
    /// The targets of the references reachable from `root`; `None` when resolving `root` would
    /// keep a reference in place (a cycle, an unresolvable reference, past [`MAX_VALUES`]).
    pub fn of(files: &'f Files, root: &'f Node) -> Option<Targets<'f>> {
        let mut targets = Targets {
            files,
            by_ref: ByAddress::default(),
            shared: ByAddress::default(),
            memo: RefCell::default(),
        };
        let mut sizing = Sizing {
            sizes: ByAddress::default(),
            active: Vec::new(),
            hops: ByAddress::default(),
        };
        let values = sizing.size(&mut targets, root)?;
        targets.shared = sizing.sizes;
        targets
            .memo
            .get_mut()
            .verdicts
            .reserve(targets.shared.len());
        (values <= MAX_VALUES).then_some(targets)
    }

    /// The view of the document rooted at `root`.
    pub fn view(&'f self, root: &'f Node) -> View<'f> {
        View {
            node: self.follow(root),
            targets: Some(self),
        }
    }

    /// `node`, or what it names when it is a reference. Every reference reachable from the root
    /// was found by [`Targets::of`], so a mapping that is not in the map is not a reference.
    fn follow(&self, node: &'f Node) -> &'f Node {
        if !matches!(node.value, Value::Map(_)) {
            return node;
        }
        self.by_ref.get(&address(node)).copied().unwrap_or(node)
    }
}

/// Counts the values resolving would create, finding every reference's target on the way.
struct Sizing {
    /// Values below each target already counted, by the target's address.
    sizes: ByAddress<usize>,
    /// The targets being counted (identity), to find cycles.
    active: Vec<usize>,
    /// The `$ref` hops from each reference already followed to its target (the target itself is
    /// in [`Targets::by_ref`]).
    hops: ByAddress<usize>,
}

impl Sizing {
    fn size<'f>(&mut self, targets: &mut Targets<'f>, node: &'f Node) -> Option<usize> {
        if ref_of(node).is_some() {
            let (target, _) = self.target(targets, node, 0)?;
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

    /// What the reference `node` names and the `$ref` hops to it: [`Files::deref`], but a
    /// reference met again on a chain (`#/channels/a/messages/m` naming the reference
    /// `#/components/messages/M`) is not resolved again. `None` where `deref` fails: an
    /// unresolvable reference or a chain of [`MAX_REF_HOPS`] hops or more (a cycle). `depth` is
    /// the hops already taken to reach `node`.
    fn target<'f>(
        &mut self,
        targets: &mut Targets<'f>,
        node: &'f Node,
        depth: usize,
    ) -> Option<(&'f Node, usize)> {
        let key = address(node);
        if let (Some(&target), Some(&hops)) = (targets.by_ref.get(&key), self.hops.get(&key)) {
            // The caller adds its hops to these and checks the chain's length.
            return Some((target, hops));
        }
        let reference = ref_of(node)?;
        if depth >= MAX_REF_HOPS {
            return None;
        }
        let next = targets.files.resolve(node, reference).ok()?;
        let (target, hops) = if ref_of(next).is_some() {
            let (target, hops) = self.target(targets, next, depth + 1)?;
            (target, hops + 1)
        } else {
            (next, 1)
        };
        if hops >= MAX_REF_HOPS {
            return None;
        }
        targets.by_ref.insert(key, target);
        self.hops.insert(key, hops);
        Some((target, hops))
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

    /// The verdict of `check` (this value against unit `unit` of the schema, see
    /// [`super::units`]), found once per validation run for a value the view shows at several
    /// places. Asked again while `check` runs (a schema that reaches the same unit again without
    /// descending), it answers valid, as the validator does for such a cycle.
    pub(crate) fn once(&self, unit: usize, check: impl FnOnce() -> bool) -> bool {
        let Some(targets) = self.targets else {
            return check();
        };
        let at = address(self.node);
        if !targets.shared.contains_key(&at) {
            // Seen at one place only: no other place asks again.
            return check();
        }
        let key = (unit, at);
        {
            let mut memo = targets.memo.borrow_mut();
            if let Some(&known) = memo.verdicts.get(&key) {
                return known;
            }
            if memo.active.contains(&key) {
                return true;
            }
            memo.active.push(key);
        }
        let valid = check();
        let mut memo = targets.memo.borrow_mut();
        memo.active.pop();
        memo.verdicts.insert(key, valid);
        valid
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

    fn is_unique(&self) -> bool {
        // Most arrays checked for `uniqueItems` are lists of names (`required`, tag names).
        let strings: Option<Vec<&str>> = self
            .items
            .iter()
            .map(|item| self.view.child(item).node.as_str())
            .collect();
        match strings {
            Some(mut strings) => {
                strings.sort_unstable();
                strings.windows(2).all(|w| w[0] != w[1])
            }
            None => {
                let values: Vec<Cow<'a, JsonValue>> =
                    self.elements().map(|element| element.to_value()).collect();
                jsonschema::json::unique::is_unique(&values)
            }
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::spec::structure::{explain, official};
    use crate::spec::ReadError;

    /// Every `.yaml`/`.json` file of the folders the front end is tested on.
    fn documents() -> Vec<PathBuf> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        for dir in [
            "specs",
            "specs/invalid",
            "specs/hostile",
            "../shared/specs/public",
        ] {
            let Ok(read) = std::fs::read_dir(repo.join(dir)) else {
                continue;
            };
            for entry in read.flatten() {
                let path = entry.path();
                if path
                    .extension()
                    .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
                {
                    out.push(path);
                }
            }
        }
        out.sort();
        out
    }

    /// Compares the view with the resolved copy on the document rooted at `root`: the verdict of
    /// the whole schema and of its units, and the findings. `None` when the document is not
    /// viewed or has no vendored schema; otherwise whether it has findings.
    fn compare(files: &Files, root: &Node, name: &str) -> Option<bool> {
        let version = root
            .get("asyncapi")
            .and_then(Node::scalar_text)
            .filter(|v| official::vendored(v))?;
        let targets = Targets::of(files, root)?;
        let view = official::view_validator(&version).expect("compiles");
        let copy = official::validator(&version).expect("compiles");
        let resolved = resolved::resolve(files, root).value;
        let doc = targets.view(root);
        let valid = copy.is_valid(&resolved);
        assert_eq!(view.is_valid(doc), valid, "{name}");
        let units = official::units(&version).expect("registers");
        assert_eq!(units.is_valid(targets.view(root)), Some(valid), "{name}");
        let found = explain::findings(view.iter_errors(doc));
        assert_eq!(
            found,
            explain::findings(copy.iter_errors(&resolved)),
            "{name}"
        );
        assert_eq!(found.is_empty(), valid, "{name}");
        Some(!found.is_empty())
    }

    #[test]
    fn the_view_gives_the_findings_of_the_resolved_copy() {
        let read = |p: &Path| -> Result<String, ReadError> { Ok(std::fs::read_to_string(p)?) };
        let mut compared = 0;
        let mut invalid = 0;
        for path in documents() {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let name = path.display().to_string();
            let files = Files::load_all(&path, &name, text, &read);
            let Some(root) = files.sources.files[0].root.as_ref() else {
                continue;
            };
            if let Some(found) = compare(&files, root, &name) {
                compared += 1;
                invalid += usize::from(found);
            }
        }
        assert!(
            compared >= 40 && invalid >= 5,
            "{compared} documents, {invalid} invalid"
        );
    }

    /// A component named at several places, each of which expects an object of its own kind.
    const SHARED: &str = "asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  a:
    address: a
    messages:
      m: {$ref: '#/components/messages/M'}
operations:
  o:
    action: send
    channel: {$ref: '#/channels/a'}
    messages: [{$ref: '#/channels/a/messages/m'}]
  p:
    action: receive
    channel: {$ref: '#/channels/a'}
    messages: [{$ref: '#/components/messages/M'}]
components:
  messages:
    M: {name: m, payload: {$ref: '#/components/schemas/S'}}
  schemas:
    S: {type: object, properties: {x: {type: string}}}
";

    #[test]
    fn a_target_named_at_several_places_gets_the_verdict_of_each_place() {
        let no_files = |_: &Path| -> Result<String, ReadError> {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "in memory").into())
        };
        for (change, invalid) in [
            (None, false),
            // A schema where a message belongs: valid as the payload, not as a message.
            (Some(("      m: {$ref: '#/components/messages/M'}", "      m: {$ref: '#/components/messages/M'}\n      s: {$ref: '#/components/schemas/S'}")), true),
            // The same, only from an operation.
            (Some(("messages: [{$ref: '#/components/messages/M'}]", "messages: [{$ref: '#/components/schemas/S'}]")), true),
            // A message where a channel belongs.
            (Some(("    channel: {$ref: '#/channels/a'}\n    messages: [{$ref: '#/components/messages/M'}]", "    channel: {$ref: '#/components/messages/M'}\n    messages: [{$ref: '#/components/messages/M'}]")), true),
            // A message that is wrong wherever it is named.
            (Some(("M: {name: m,", "M: {name: 5,")), true),
            // A payload that is wrong wherever its message is named.
            (Some(("properties: {x: {type: string}}", "properties: {x: {type: text}}")), true),
            // A schema a parameter cannot be.
            (Some(("    address: a\n", "    address: a/{id}\n    parameters: {id: {$ref: '#/components/schemas/S'}}\n")), true),
        ] {
            let text = match change {
                Some((from, to)) => {
                    assert!(SHARED.contains(from), "{from}");
                    SHARED.replace(from, to)
                }
                None => SHARED.to_string(),
            };
            let files = Files::load_all(Path::new("t.yaml"), "t.yaml", text.clone(), &no_files);
            let root = files.sources.files[0].root.as_ref().expect("a root");
            assert_eq!(compare(&files, root, &text), Some(invalid), "{text}");
        }
    }

    #[test]
    fn a_cycle_or_an_unresolvable_reference_is_not_viewed() {
        let no_files = |_: &Path| -> Result<String, ReadError> {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "in memory").into())
        };
        for (text, viewed) in [
            ("a: {$ref: '#/b'}\nb: {c: {$ref: '#/d'}}\nd: 1\n", true),
            ("a: {$ref: '#/c'}\nc: {next: {$ref: '#/c'}}\n", false),
            ("a: {$ref: '#/missing'}\n", false),
            ("a: {$ref: 'other.yaml#/x'}\n", false),
        ] {
            let files = Files::load_all(Path::new("t.yaml"), "t.yaml", text.into(), &no_files);
            let root = files.sources.files[0].root.as_ref().expect("a root");
            assert_eq!(Targets::of(&files, root).is_some(), viewed, "{text}");
        }
    }

    /// Chains of references, some sharing a tail that is followed once: a document is viewed
    /// exactly when every reference in it dereferences, up to the last hop [`Files::deref`]
    /// allows.
    #[test]
    fn a_chain_of_references_is_viewed_as_deref_follows_it() {
        let no_files = |_: &Path| -> Result<String, ReadError> {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "in memory").into())
        };
        // `r0` → `r1` → … → `r{n-1}` → `v`: `n` hops from `r0`, fewer from the others.
        let chain = |n: usize| {
            let mut text = String::new();
            for i in 0..n {
                let next = if i + 1 == n {
                    "v".to_string()
                } else {
                    format!("r{}", i + 1)
                };
                text.push_str(&format!("r{i}: {{$ref: '#/{next}'}}\n"));
            }
            text + "v: {x: 1}\n"
        };
        let texts = [
            "a: {$ref: '#/b/c'}\nb: {c: {$ref: '#/d'}}\nd: {$ref: '#/e'}\ne: 1\n".to_string(),
            "a: {$ref: '#/b'}\nb: {$ref: '#/a'}\n".to_string(),
            chain(MAX_REF_HOPS - 1),
            chain(MAX_REF_HOPS),
            // The long chain entered from its far end first, then from its start.
            format!("first: {{$ref: '#/r40'}}\n{}", chain(MAX_REF_HOPS)),
        ];
        for text in &texts {
            let files = Files::load_all(Path::new("t.yaml"), "t.yaml", text.clone(), &no_files);
            let root = files.sources.files[0].root.as_ref().expect("a root");
            let derefs = root
                .as_map()
                .expect("a mapping")
                .iter()
                .all(|e| files.deref(&e.value).is_ok());
            assert_eq!(Targets::of(&files, root).is_some(), derefs, "{text}");
        }
        let viewed = |text: &str| {
            let files = Files::load_all(Path::new("t.yaml"), "t.yaml", text.into(), &no_files);
            let root = files.sources.files[0].root.as_ref().expect("a root");
            Targets::of(&files, root).is_some()
        };
        assert!(viewed(&texts[0]));
        assert!(!viewed(&texts[1]));
        assert!(viewed(&texts[2]));
        assert!(!viewed(&texts[3]));
        assert!(!viewed(&texts[4]));
    }
}
