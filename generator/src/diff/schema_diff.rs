//! Two schemas compared by meaning: what NEW accepts or produces that OLD did not, and the reverse.
//!
//! Each difference is an [`Effect`] (narrows, widens, changes meaning, API impact) that the
//! [`Recorder`] classifies by the message's [`Flow`]. Subschemas are compared recursively, each
//! pair of places once (recursive and shared schemas terminate).

use serde_json::Value;

use super::record::{Effect, Flow, Recorder, What};
use super::rust_api::{enum_has_variants, field_type, value_type};
use super::schema::{child, Additional, Norm, Owned, ANNOTATIONS};
use crate::model::{Document, NodeId};
use crate::types::names::type_name;

/// Keywords whose larger value accepts less.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
/// Keywords whose larger value accepts more.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// One schema on one side.
#[derive(Clone, Copy)]
pub struct At<'v> {
    /// The schema value.
    pub value: &'v Value,
    /// Its place.
    pub node: &'v NodeId,
}

/// Compares the schemas `old` and `new` of a message travelling as `flow`; `subject` names the
/// slot (``message `x` payload``), `path` the member inside it (`a.b[]`, empty at the top).
pub fn compare(
    rec: &mut Recorder<'_>,
    old: At<'_>,
    new: At<'_>,
    flow: &Flow,
    subject_base: &str,
    path: &str,
    member: Option<bool>,
) {
    // The same text without references is the same schema: nothing to compare (most schemas of a
    // large spec take this path).
    let (old_doc, new_doc) = (rec.old.doc, rec.new.doc);
    let (a, a_name) = unref(old_doc, old.value);
    let (b, b_name) = unref(new_doc, new.value);
    if a_name == b_name && same_without_refs(a, b) {
        return;
    }
    let key = (
        old.node.clone(),
        new.node.clone(),
        flow.receives,
        flow.sends,
    );
    if !rec.seen.insert(key) {
        return;
    }
    let o = Norm::of(old_doc, old.value, old.node);
    let n = Norm::of(new_doc, new.value, new.node);
    let subject = if path.is_empty() {
        subject_base.to_string()
    } else {
        format!("{subject_base} `{path}`")
    };
    let mut cx = Pair {
        rec,
        flow,
        base: subject_base,
        subject: &subject,
        path,
        o: &o,
        n: &n,
        member,
    };
    cx.names();
    cx.scalars();
    cx.limits();
    cx.members();
    cx.items();
    cx.variants();
    cx.defaults();
    cx.docs();
}

/// The two flattened schemas being compared and where to record.
struct Pair<'r, 'a, 's, 'd> {
    rec: &'r mut Recorder<'a>,
    flow: &'s Flow,
    base: &'s str,
    subject: &'s str,
    path: &'s str,
    o: &'s Norm<'d>,
    n: &'s Norm<'d>,
    /// `Some(required in NEW)` for a struct member (its Rust type is `Option<T>` unless required
    /// or defaulted), `None` for a value of its own.
    member: Option<bool>,
}

impl Pair<'_, '_, '_, '_> {
    fn record(&mut self, code: &'static str, message: String, effect: Effect) {
        self.record_at(code, message, effect, None, None);
    }

    /// Records a change located at `keyword` of both schemas (the schema itself when the keyword
    /// is absent on a side, or comes from an `allOf` member).
    fn record_keyword(
        &mut self,
        keyword: &str,
        code: &'static str,
        message: String,
        effect: Effect,
    ) {
        let old = child(&self.o.node, &[keyword]);
        let new = child(&self.n.node, &[keyword]);
        let old = self.rec.old.sources.get(&old).is_some().then_some(old);
        let new = self.rec.new.sources.get(&new).is_some().then_some(new);
        self.record_at(code, message, effect, old, new);
    }

    fn record_at(
        &mut self,
        code: &'static str,
        message: String,
        effect: Effect,
        old: Option<NodeId>,
        new: Option<NodeId>,
    ) {
        let old = old.unwrap_or_else(|| self.o.node.clone());
        let new = new.unwrap_or_else(|| self.n.node.clone());
        self.rec.record(
            What {
                code,
                subject: self.subject,
                message,
            },
            effect,
            Some(self.flow),
            Some(&old),
            Some(&new),
        );
    }

    /// The Rust value type changed (`u8` → `u16`, `String` → `DateTime`), as an API note.
    fn rust_change(&self) -> Option<String> {
        let (a, b) = match self.member {
            Some(required) => (field_type(self.o, required), field_type(self.n, required)),
            None => (value_type(self.o), value_type(self.n)),
        };
        (a != b).then(|| format!("the generated type changes from `{a}` to `{b}`"))
    }

    /// A named type that gets another name (a `$ref` to another component, a new `title`).
    fn names(&mut self) {
        // At the top of a payload or headers schema the message's own type names are compared
        // (the generator's names, `<Message>Payload` for inline schemas).
        if self.path.is_empty() || !(self.o.named && self.n.named) {
            return;
        }
        let name = |n: &Norm<'_>| {
            n.ref_name
                .as_ref()
                .or(n.title.as_ref())
                .map(|s| type_name(s))
        };
        let (a, b) = (name(self.o), name(self.n));
        if a == b {
            return;
        }
        let show =
            |n: Option<String>| n.map_or("a name from its place".to_string(), |n| format!("`{n}`"));
        let api = format!(
            "the generated type is renamed from {} to {}",
            show(a),
            show(b)
        );
        self.record(
            "type-renamed",
            "the schema's Rust type has another name (another `$ref` target or `title`)".into(),
            Effect::default().api(api),
        );
    }

    /// `type`, nullability, `enum` and `format`.
    fn scalars(&mut self) {
        let (o, n) = (self.o, self.n);
        let differs = o.accepts != n.accepts
            || o.types != n.types
            || o.nullable != n.nullable
            || o.values != n.values
            || o.format != n.format;
        if !differs {
            return;
        }
        let rust = self.rust_change();
        if o.accepts != n.accepts {
            let effect = if n.accepts {
                Effect::widens()
            } else {
                Effect::narrows()
            };
            self.record(
                "schema-accepts-changed",
                format!(
                    "the schema now accepts {}",
                    if n.accepts {
                        "values"
                    } else {
                        "nothing (`false`)"
                    }
                ),
                effect,
            );
        }
        if o.types != n.types {
            let covers = |set: &Option<std::collections::BTreeSet<String>>, t: &str| match set {
                None => true,
                Some(set) => set.contains(t) || (t == "integer" && set.contains("number")),
            };
            let listed = |set: &Option<std::collections::BTreeSet<String>>| match set {
                None => "any type".to_string(),
                Some(s) => s.iter().cloned().collect::<Vec<_>>().join(" | "),
            };
            let narrows = match &o.types {
                None => true,
                Some(old) => old.iter().any(|t| !covers(&n.types, t)),
            };
            let widens = match &n.types {
                None => true,
                Some(new) => new.iter().any(|t| !covers(&o.types, t)),
            };
            let effect = Effect {
                narrows,
                widens,
                ..Effect::default()
            }
            .api_if(rust.clone());
            self.record_keyword(
                "type",
                "type-changed",
                format!("type `{}` becomes `{}`", listed(&o.types), listed(&n.types)),
                effect,
            );
        }
        if o.nullable != n.nullable {
            let (code, effect, text) = if n.nullable {
                ("nullable-added", Effect::widens(), "may now be `null`")
            } else {
                (
                    "nullable-removed",
                    Effect::narrows(),
                    "may no longer be `null`",
                )
            };
            self.record(code, text.to_string(), effect.api_if(rust.clone()));
        }
        self.enums(rust.clone());
        if o.format != n.format {
            let show =
                |f: &Option<String>| f.as_ref().map_or("none".to_string(), |f| format!("`{f}`"));
            let effect = match (&o.format, &n.format) {
                (None, Some(_)) => Effect::narrows(),
                (Some(_), None) => Effect::widens(),
                _ => Effect {
                    narrows: true,
                    widens: true,
                    ..Effect::default()
                },
            };
            self.record_keyword(
                "format",
                "format-changed",
                format!("format {} becomes {}", show(&o.format), show(&n.format)),
                effect.api_if(rust.clone()),
            );
        }
    }

    /// `enum`/`const` values added or removed.
    fn enums(&mut self, rust: Option<String>) {
        let (o, n) = (self.o, self.n);
        match (&o.values, &n.values) {
            (None, None) => {}
            (Some(old), Some(new)) => {
                let added: Vec<&Value> = new.iter().filter(|v| !old.contains(v)).collect();
                let removed: Vec<&Value> = old.iter().filter(|v| !new.contains(v)).collect();
                let variants = enum_has_variants(n);
                if !removed.is_empty() {
                    let api = if variants {
                        "code naming the removed variants no longer compiles".to_string()
                    } else {
                        "the constants of the removed values are gone".to_string()
                    };
                    self.record_keyword(
                        "enum",
                        "enum-value-removed",
                        format!("enum loses {}", list(&removed)),
                        Effect::narrows().api(rust.clone().unwrap_or(api)),
                    );
                }
                if !added.is_empty() {
                    let api = variants.then(|| {
                        "the Rust enum gains variants: exhaustive `match`es no longer compile"
                            .to_string()
                    });
                    self.record_keyword(
                        "enum",
                        "enum-value-added",
                        format!("enum gains {}", list(&added)),
                        Effect::widens().api_if(rust.clone().or(api)),
                    );
                }
            }
            (None, Some(new)) => self.record(
                "enum-added",
                format!(
                    "values are now limited to {}",
                    list(&new.iter().collect::<Vec<_>>())
                ),
                Effect::narrows().api_if(rust),
            ),
            (Some(_), None) => self.record(
                "enum-removed",
                "values are no longer limited to an enum".to_string(),
                Effect::widens().api_if(rust),
            ),
        }
    }

    /// Numeric, length, count and pattern limits.
    fn limits(&mut self) {
        let (o, n) = (self.o, self.n);
        if o.limits == n.limits {
            return;
        }
        let rust = self.rust_change();
        let keys: std::collections::BTreeSet<&&str> =
            o.limits.keys().chain(n.limits.keys()).collect();
        for key in keys {
            let (a, b) = (o.limits.get(*key), n.limits.get(*key));
            if a == b {
                continue;
            }
            let lower = LOWER_BOUNDS.contains(key);
            let upper = UPPER_BOUNDS.contains(key);
            let (narrows, widens) = match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
                (Some(x), Some(y)) if lower => (y > x, y < x),
                (Some(x), Some(y)) if upper => (y < x, y > x),
                _ => match (a, b) {
                    (None, Some(Value::Bool(false))) | (Some(Value::Bool(false)), None) => {
                        (false, false)
                    }
                    (None, Some(_)) => (true, false),
                    (Some(_), None) => (false, true),
                    _ => (true, true),
                },
            };
            let show = |v: Option<&Value>| v.map_or("none".to_string(), |v| format!("`{v}`"));
            let effect = Effect {
                narrows,
                widens,
                ..Effect::default()
            }
            .api_if(rust.clone());
            self.record_keyword(
                key,
                "limit-changed",
                format!("`{key}` {} becomes {}", show(a), show(b)),
                effect,
            );
        }
    }

    /// Properties, `required` and `additionalProperties`.
    fn members(&mut self) {
        let (o, n) = (self.o, self.n);
        let (old_doc, new_doc) = (self.rec.old.doc, self.rec.new.doc);
        for (name, old_prop) in &o.properties {
            let old_required = o.required.contains(name);
            match n.properties.get(name) {
                Some(new_prop) => {
                    let new_required = n.required.contains(name);
                    if old_required == new_required
                        && old_prop.value == new_prop.value
                        && !has_ref(old_prop.value)
                    {
                        continue;
                    }
                    let on = Norm::of(old_doc, old_prop.value, &old_prop.node);
                    let nn = Norm::of(new_doc, new_prop.value, &new_prop.node);
                    let (a, b) = (field_type(&on, old_required), field_type(&nn, new_required));
                    let api =
                        (a != b).then(|| format!("field `{name}` changes from `{a}` to `{b}`"));
                    if old_required != new_required {
                        let (code, effect, text) = if new_required {
                            (
                                "property-required-added",
                                Effect::narrows(),
                                "is now required",
                            )
                        } else {
                            (
                                "property-required-removed",
                                Effect::widens(),
                                "is no longer required",
                            )
                        };
                        self.record_at(
                            code,
                            format!("property `{name}` {text}"),
                            effect.api_if(api),
                            Some(old_prop.node.clone()),
                            Some(new_prop.node.clone()),
                        );
                    }
                    let path = join(self.path, name);
                    compare(
                        self.rec,
                        At {
                            value: old_prop.value,
                            node: &old_prop.node,
                        },
                        At {
                            value: new_prop.value,
                            node: &new_prop.node,
                        },
                        self.flow,
                        self.base,
                        &path,
                        Some(new_required),
                    );
                }
                None => {
                    let effect = Effect {
                        widens: old_required,
                        narrows: matches!(n.additional, Additional::Deny),
                        ..Effect::default()
                    }
                    .api(format!(
                        "field `{name}` is removed from the generated struct"
                    ));
                    let new_place = super::schema::child(&n.node, &["properties", name]);
                    self.record_at(
                        "property-removed",
                        format!(
                            "{} property `{name}` is removed",
                            if old_required { "required" } else { "optional" }
                        ),
                        effect,
                        Some(old_prop.node.clone()),
                        Some(new_place),
                    );
                }
            }
        }
        for (name, new_prop) in &n.properties {
            if o.properties.contains_key(name) {
                continue;
            }
            let required = n.required.contains(name);
            let nn = Norm::of(new_doc, new_prop.value, &new_prop.node);
            let old_place = super::schema::child(&o.node, &["properties", name]);
            let (code, effect, text) = if required {
                (
                    "property-required-new",
                    Effect::narrows().api(format!(
                        "the generated struct gains the required field `{name}: {}`",
                        field_type(&nn, true)
                    )),
                    "new required property",
                )
            } else {
                (
                    "property-optional-new",
                    Effect {
                        widens: matches!(o.additional, Additional::Deny),
                        ..Effect::default()
                    },
                    "new optional property",
                )
            };
            self.record_at(
                code,
                format!("{text} `{name}`"),
                effect,
                Some(old_place),
                Some(new_prop.node.clone()),
            );
        }
        // `required` names without a property schema still change what is accepted.
        for name in n.required.difference(&o.required) {
            if !n.properties.contains_key(name) && !o.properties.contains_key(name) {
                self.record(
                    "property-required-added",
                    format!("member `{name}` is now required"),
                    Effect::narrows(),
                );
            }
        }
        for name in o.required.difference(&n.required) {
            if !n.properties.contains_key(name) && !o.properties.contains_key(name) {
                self.record(
                    "property-required-removed",
                    format!("member `{name}` is no longer required"),
                    Effect::widens(),
                );
            }
        }
        self.additional();
    }

    fn additional(&mut self) {
        let (o, n) = (self.o, self.n);
        let map_note = "the generated struct's map of other members changes".to_string();
        let (code, effect, text) = match (&o.additional, &n.additional) {
            (Additional::Any, Additional::Any) | (Additional::Deny, Additional::Deny) => return,
            (Additional::Schema(a), Additional::Schema(b)) => {
                let path = join(self.path, "*");
                compare(
                    self.rec,
                    At {
                        value: a.value,
                        node: &a.node,
                    },
                    At {
                        value: b.value,
                        node: &b.node,
                    },
                    self.flow,
                    self.base,
                    &path,
                    None,
                );
                return;
            }
            (Additional::Any, Additional::Deny) => (
                "additional-properties-denied",
                Effect::narrows(),
                "other members are now rejected",
            ),
            (Additional::Deny, Additional::Any) => (
                "additional-properties-allowed",
                Effect::widens(),
                "other members are now accepted",
            ),
            (Additional::Any, Additional::Schema(_)) => (
                "additional-properties-limited",
                Effect::narrows().api(map_note),
                "other members must now match a schema",
            ),
            (Additional::Schema(_), Additional::Any) => (
                "additional-properties-unlimited",
                Effect::widens().api(map_note),
                "other members may now be anything",
            ),
            (Additional::Deny, Additional::Schema(_)) => (
                "additional-properties-allowed",
                Effect::widens().api(map_note),
                "other members are now accepted",
            ),
            (Additional::Schema(_), Additional::Deny) => (
                "additional-properties-denied",
                Effect::narrows().api(map_note),
                "other members are now rejected",
            ),
        };
        self.record(code, text.to_string(), effect);
    }

    /// `items`.
    fn items(&mut self) {
        match (&self.o.items, &self.n.items) {
            (Some(a), Some(b)) => {
                let path = format!("{}[]", self.path);
                compare(
                    self.rec,
                    At {
                        value: a.value,
                        node: &a.node,
                    },
                    At {
                        value: b.value,
                        node: &b.node,
                    },
                    self.flow,
                    self.base,
                    &path,
                    None,
                );
            }
            (None, Some(_)) => self.record(
                "items-limited",
                "list items must now match a schema".into(),
                Effect::narrows().api("the list's item type changes"),
            ),
            (Some(_), None) => self.record(
                "items-unlimited",
                "list items may now be anything".into(),
                Effect::widens().api("the list's item type changes"),
            ),
            (None, None) => {}
        }
    }

    /// `oneOf`/`anyOf` variants, matched by `$ref` target, then `title`, then position.
    fn variants(&mut self) {
        let (old_doc, new_doc) = (self.rec.old.doc, self.rec.new.doc);
        let label = |doc, v: &Owned<'_>| {
            let norm = Norm::of(doc, v.value, &v.node);
            norm.ref_name.or(norm.title)
        };
        let old: Vec<(Option<String>, &Owned<'_>)> = self
            .o
            .variants
            .iter()
            .map(|v| (label(old_doc, v), v))
            .collect();
        let new: Vec<(Option<String>, &Owned<'_>)> = self
            .n
            .variants
            .iter()
            .map(|v| (label(new_doc, v), v))
            .collect();
        let mut new_used = vec![false; new.len()];
        let mut pairs = Vec::new();
        let mut removed = Vec::new();
        for (i, (name, v)) in old.iter().enumerate() {
            let by_name = name.as_ref().and_then(|name| {
                new.iter()
                    .enumerate()
                    .position(|(j, (other, _))| !new_used[j] && other.as_ref() == Some(name))
            });
            let by_position = || {
                (i < new.len() && !new_used[i] && new[i].0.is_none() && name.is_none()).then_some(i)
            };
            match by_name.or_else(by_position) {
                Some(j) => {
                    new_used[j] = true;
                    pairs.push((i, *v, new[j].1));
                }
                None => removed.push((i, name.clone(), *v)),
            }
        }
        for (i, old_v, new_v) in pairs {
            let path = format!("{}|{}", self.path, i);
            compare(
                self.rec,
                At {
                    value: old_v.value,
                    node: &old_v.node,
                },
                At {
                    value: new_v.value,
                    node: &new_v.node,
                },
                self.flow,
                self.base,
                &path,
                None,
            );
        }
        for (i, name, v) in removed {
            let shown = name.map_or(format!("#{i}"), |n| format!("`{n}`"));
            self.record_at(
                "variant-removed",
                format!("`oneOf`/`anyOf` variant {shown} is removed"),
                Effect::narrows().api("the generated enum loses a variant"),
                Some(v.node.clone()),
                None,
            );
        }
        for (j, (name, v)) in new.iter().enumerate() {
            if new_used[j] {
                continue;
            }
            let shown = name.clone().map_or(format!("#{j}"), |n| format!("`{n}`"));
            self.record_at(
                "variant-added",
                format!("`oneOf`/`anyOf` variant {shown} is added"),
                Effect::widens().api(
                    "the generated enum gains a variant: exhaustive `match`es no longer compile",
                ),
                None,
                Some(v.node.clone()),
            );
        }
    }

    /// `default`: what an omitted member means.
    fn defaults(&mut self) {
        let (a, b) = (&self.o.default, &self.n.default);
        if a == b {
            return;
        }
        let show = |v: &Option<Value>| v.as_ref().map_or("none".to_string(), |v| format!("`{v}`"));
        let effect = if a.is_some() {
            Effect {
                meaning: true,
                ..Effect::default()
            }
        } else {
            Effect::default()
        }
        .api_if(self.rust_change());
        self.record_keyword(
            "default",
            "default-changed",
            format!("default {} becomes {}", show(a), show(b)),
            effect,
        );
    }

    /// Descriptions, examples and titles that name no type.
    fn docs(&mut self) {
        let (o, n) = (self.o, self.n);
        for key in ANNOTATIONS {
            if o.annotations.get(key) != n.annotations.get(key) {
                self.record_keyword(
                    key,
                    "schema-docs-changed",
                    format!("`{key}` changed"),
                    Effect::docs(),
                );
            }
        }
        if o.title != n.title && !(o.named && n.named) {
            self.record_keyword(
                "title",
                "schema-docs-changed",
                "`title` changed".into(),
                Effect::docs(),
            );
        }
    }
}

/// `value` with a chain of plain `{$ref: ..}` followed, and the first target's name hint.
fn unref<'d>(doc: &'d Document, mut value: &'d Value) -> (&'d Value, Option<&'d str>) {
    let mut name = None;
    for _ in 0..8 {
        let target = value
            .as_object()
            .filter(|map| map.len() == 1)
            .and_then(|map| map.get("$ref"))
            .and_then(Value::as_str)
            .and_then(NodeId::parse)
            .and_then(|id| doc.schemas.get(&id));
        let Some(target) = target else { break };
        name.get_or_insert(target.name_hint.as_str());
        value = &target.value;
    }
    (value, name)
}

/// `a == b && !has_ref(a)`: the same value, with no `$ref` whose target could differ. Two
/// documents that share a schema usually write its keys in the same order, so the values are first
/// walked side by side in that order (one pass, no key lookups); only when that finds a difference
/// or a `$ref` is the order-insensitive comparison made.
fn same_without_refs(a: &Value, b: &Value) -> bool {
    let mut refs = false;
    if same_in_order(a, b, &mut refs) {
        return !refs;
    }
    a == b && !has_ref(a)
}

/// `a == b` with mapping keys in the same order; sets `refs` when a `$ref` key is passed.
fn same_in_order(a: &Value, b: &Value, refs: &mut bool) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|((k, v), (l, w))| {
                    *refs |= k == "$ref";
                    k == l && same_in_order(v, w, refs)
                })
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_in_order(v, w, refs))
        }
        _ => a == b,
    }
}

/// True when `value` holds a `$ref` anywhere (its meaning then depends on the document).
fn has_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

/// `a.b` (or `b` at the top).
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// `` `a`, `b` `` for values.
fn list(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_without_refs_is_equality_of_values_without_references() {
        let a =
            json!({"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]});
        let reordered =
            json!({"required": ["x"], "properties": {"x": {"type": "string"}}, "type": "object"});
        assert!(same_without_refs(&a, &a.clone()));
        assert!(same_without_refs(&a, &reordered));
        assert!(!same_without_refs(&a, &json!({"type": "object"})));
        let deeper =
            json!({"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]});
        assert!(!same_without_refs(&a, &deeper));
        let with_ref = json!({"type": "array", "items": [{"$ref": "#/components/schemas/X"}]});
        assert!(!same_without_refs(&with_ref, &with_ref.clone()));
        let other_ref = json!({"type": "array", "items": [{"$ref": "#/components/schemas/Y"}]});
        assert!(!same_without_refs(&with_ref, &other_ref));
    }
}
