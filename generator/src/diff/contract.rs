//! The whole contract compared: info, servers, security, channels, operations and their messages.
//!
//! Operations decide which way each message travels: a message paired in OLD and NEW is compared
//! once, with the [`Flow`] of every operation (and reply) that uses it on either side.

use std::collections::BTreeMap;

use serde_json::Value;

use super::matching::pair;
use super::raw::external_docs;
use super::record::{Effect, Flow, Recorder, What};
use super::rust_api::method;
use super::schema::child;
use super::schema_diff::{compare as compare_schema, At};
use super::{Change, Side};
use crate::model::{
    Action, Channel, Document, Message, NodeId, Operation, Qos, Reply, SchemaSlot, Tag,
};
use crate::service::names::camel;
use crate::service::topics::channel_base_name;
use crate::types::payload::media_type;
use crate::types::{name_types, PayloadType};

/// Every change from `old` to `new`, unsorted.
pub fn compare(old: Side<'_>, new: Side<'_>) -> Vec<Change> {
    // Naming every message's Rust types is the largest part of the comparison and needs one
    // document each: both are named on threads of their own while the rest is compared here.
    std::thread::scope(|scope| {
        let old_types = scope.spawn(|| type_texts(old.doc));
        let new_types = scope.spawn(|| type_texts(new.doc));
        let join = |handle: std::thread::ScopedJoinHandle<'_, Vec<TypeText>>| {
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        };
        compare_with(old, new, || (join(old_types), join(new_types)))
    })
}

/// [`compare`], with the messages' type names from `types` (asked for once, when the messages are
/// compared).
fn compare_with(
    old: Side<'_>,
    new: Side<'_>,
    types: impl FnOnce() -> (Vec<TypeText>, Vec<TypeText>),
) -> Vec<Change> {
    let mut rec = Recorder::new(old, new);
    info(&mut rec);
    servers(&mut rec);
    security_schemes(&mut rec);
    let channels = pair(
        &old.doc.channels,
        &new.doc.channels,
        |c| c.id.clone(),
        |c| c.address.as_ref().map(|a| a.raw.clone()),
    );
    let channel_of: BTreeMap<usize, usize> = channels.pairs.iter().copied().collect();
    let mut flows: BTreeMap<(usize, usize), Flow> = BTreeMap::new();
    let mut channel_flows: BTreeMap<(usize, usize), Flow> = BTreeMap::new();
    let (old_keys, new_keys) = (operation_keys(old.doc), operation_keys(new.doc));
    let operations = pair(&old_keys, &new_keys, |k| k.0.clone(), |k| k.1.clone());
    for &(i, j) in &operations.pairs {
        let (a, b) = (&old.doc.operations[i], &new.doc.operations[j]);
        let flow = Flow::one(
            a.action == Some(Action::Receive),
            &format!("operation `{}`", b.id),
        );
        if channel_of.get(&a.channel) == Some(&b.channel) {
            channel_flows
                .entry((a.channel, b.channel))
                .or_default()
                .join(&flow);
        }
        operation(&mut rec, a, b, &channel_of, &mut flows);
    }
    for &i in &operations.removed {
        let a = &old.doc.operations[i];
        let receives = a.action == Some(Action::Receive);
        let api = a
            .action
            .map(|action| format!("`{}` is removed", method(&a.id, action)));
        rec.record(
            What {
                code: "operation-removed",
                subject: &format!("operation `{}`", a.id),
                message: format!("{} operation is removed", action_word(a.action)),
            },
            Effect::wire().api_if(api),
            Some(&Flow::one(receives, &format!("operation `{}`", a.id))),
            Some(&a.node),
            Some(&near(new.doc, &a.node)),
        );
    }
    for &j in &operations.added {
        let b = &new.doc.operations[j];
        let (code, effect) = match b.action {
            Some(Action::Receive) => (
                "operation-receive-added",
                Effect::default().api(format!(
                    "`Handler` gains the required method `{}`: implementations written against OLD no longer compile",
                    method(&b.id, Action::Receive)
                )),
            ),
            _ => ("operation-send-added", Effect::default()),
        };
        rec.record(
            What {
                code,
                subject: &format!("operation `{}`", b.id),
                message: format!("new {} operation", action_word(b.action)),
            },
            effect,
            None,
            Some(&near(old.doc, &b.node)),
            Some(&b.node),
        );
    }
    for &(i, j) in &channels.pairs {
        let flow = channel_flows.get(&(i, j)).cloned().unwrap_or(Flow {
            receives: true,
            sends: true,
            via: vec![format!("channel `{}`", new.doc.channels[j].id)],
        });
        channel(&mut rec, &old.doc.channels[i], &new.doc.channels[j], &flow);
    }
    for &i in &channels.removed {
        let a = &old.doc.channels[i];
        rec.record(
            What {
                code: "channel-removed",
                subject: &format!("channel `{}`", a.id),
                message: format!("channel `{}` is removed", shown_address(a)),
            },
            Effect::wire().api("its parameters type and topic constant are removed"),
            None,
            Some(&a.node),
            Some(&near(new.doc, &a.node)),
        );
    }
    for &j in &channels.added {
        let b = &new.doc.channels[j];
        rec.record(
            What {
                code: "channel-added",
                subject: &format!("channel `{}`", b.id),
                message: format!("new channel `{}`", shown_address(b)),
            },
            Effect::default(),
            None,
            Some(&near(old.doc, &b.node)),
            Some(&b.node),
        );
    }
    let (old_types, new_types) = types();
    for ((i, j), flow) in &flows {
        message(&mut rec, (*i, *j), flow, (&old_types, &new_types));
    }
    rec.changes
}

/// What the comparison needs of one message's generated types, as text: the generator's names are
/// `syn::Ident`s, which cannot leave the thread that made them.
struct TypeText {
    /// How the payload is typed ([`PayloadType`]'s variant).
    kind: &'static str,
    /// The payload type's name, for a payload of a named type.
    payload: Option<String>,
    /// The headers type's name, when the message declares headers.
    headers: Option<String>,
}

impl TypeText {
    /// The payload's Rust type: its kind and name.
    fn payload_type(&self) -> (&'static str, Option<&str>) {
        (self.kind, self.payload.as_deref())
    }
}

/// Per message of `doc` (same index as [`Document::messages`]), its types as the generator names
/// them.
fn type_texts(doc: &Document) -> Vec<TypeText> {
    name_types(doc)
        .messages()
        .into_iter()
        .map(|t| {
            let (kind, payload) = match &t.payload {
                PayloadType::Json(n) => ("json", Some(n.to_string())),
                PayloadType::TextValue(n) => ("text value", Some(n.to_string())),
                PayloadType::Text => ("text", None),
                PayloadType::Bytes => ("bytes", None),
                PayloadType::Empty => ("empty", None),
            };
            TypeText {
                kind,
                payload,
                headers: t.headers.as_ref().map(ToString::to_string),
            }
        })
        .collect()
}

/// Per operation: its id, and its action and channel address (what peers see).
type OperationKey = (String, Option<(Option<Action>, String)>);

fn operation_keys(doc: &Document) -> Vec<OperationKey> {
    doc.operations
        .iter()
        .map(|o| {
            let address = doc
                .channels
                .get(o.channel)
                .and_then(|c| c.address.as_ref())
                .map(|a| (o.action, a.raw.clone()));
            (o.id.clone(), address)
        })
        .collect()
}

fn action_word(action: Option<Action>) -> &'static str {
    match action {
        Some(Action::Receive) => "receive",
        Some(Action::Send) => "send",
        None => "an",
    }
}

fn shown_address(channel: &Channel) -> String {
    channel
        .address
        .as_ref()
        .map_or_else(|| "(no address)".to_string(), |a| a.raw.clone())
}

/// Where something of the other document would be: its parent's pointer, in the entry file.
fn near(other: &Document, node: &NodeId) -> NodeId {
    let parent = node
        .pointer
        .rsplit_once('/')
        .map_or(String::new(), |(p, _)| p.to_string());
    NodeId {
        file: if node.file < other.files.len().max(1) {
            node.file
        } else {
            0
        },
        pointer: parent,
    }
}

/// `info`: version, title, description, tags, root external docs.
fn info(rec: &mut Recorder<'_>) {
    let (a, b) = (rec.old.doc, rec.new.doc);
    let info = NodeId {
        file: 0,
        pointer: "/info".into(),
    };
    let root = NodeId::default();
    if a.info.version != b.info.version {
        let at = child(&info, &["version"]);
        rec.record(
            What {
                code: "info-version-changed",
                subject: "info.version",
                message: format!("`{}` becomes `{}`", a.info.version, b.info.version),
            },
            Effect::docs(),
            None,
            Some(&at),
            Some(&at),
        );
    }
    let docs = [
        ("title", a.info.title != b.info.title),
        ("description", a.info.description != b.info.description),
        ("tags", tags(&a.tags) != tags(&b.tags)),
    ];
    for (what, changed) in docs {
        if changed {
            docs_change(rec, "info", what, &info, &info);
        }
    }
    raw_docs(rec, "document", &root, &root);
    raw_docs(rec, "info", &info, &info);
}

/// A docs-only change of `what` on `subject`.
fn docs_change(rec: &mut Recorder<'_>, subject: &str, what: &str, old: &NodeId, new: &NodeId) {
    rec.record(
        What {
            code: "docs-changed",
            subject,
            message: format!("`{what}` changed"),
        },
        Effect::docs(),
        None,
        Some(&child(old, &[what])),
        Some(&child(new, &[what])),
    );
}

/// `externalDocs` (not in the model, see [`super::raw`]) of the objects at `old`/`new`.
fn raw_docs(rec: &mut Recorder<'_>, subject: &str, old: &NodeId, new: &NodeId) {
    if external_docs(rec.old.sources, old) != external_docs(rec.new.sources, new) {
        docs_change(rec, subject, "externalDocs", old, new);
    }
}

fn tags(tags: &[Tag]) -> Vec<(&str, Option<&str>)> {
    tags.iter()
        .map(|t| (t.name.as_str(), t.description.as_deref()))
        .collect()
}

/// Servers: removed, added, moved, secured differently.
fn servers(rec: &mut Recorder<'_>) {
    let (a, b) = (rec.old.doc, rec.new.doc);
    let servers = pair(&a.servers, &b.servers, |s| s.name.clone(), |_| None::<()>);
    for (i, j) in servers.pairs {
        let (s, t) = (&a.servers[i], &b.servers[j]);
        let subject = format!("server `{}`", s.name);
        let wire = [
            ("host", s.host != t.host),
            ("pathname", s.pathname != t.pathname),
            ("protocol", s.protocol != t.protocol),
            ("protocolVersion", s.protocol_version != t.protocol_version),
            (
                "security",
                requirements(a, &s.security) != requirements(b, &t.security),
            ),
            (
                "bindings/mqtt/lastWill",
                format!("{:?}", s.mqtt.as_ref().map(|m| &m.last_will))
                    != format!("{:?}", t.mqtt.as_ref().map(|m| &m.last_will)),
            ),
        ];
        for (what, changed) in wire {
            if changed {
                rec.record(
                    What {
                        code: "server-changed",
                        subject: &subject,
                        message: format!(
                            "`{what}` changed: peers connect or authenticate differently"
                        ),
                    },
                    Effect::wire(),
                    None,
                    Some(&s.node),
                    Some(&t.node),
                );
            }
        }
        let strip = |m: &Option<crate::model::MqttServerBinding>| {
            m.clone().map(|mut m| {
                m.last_will = None;
                format!("{m:?}")
            })
        };
        if strip(&s.mqtt) != strip(&t.mqtt) {
            rec.record(
                What {
                    code: "server-binding-changed",
                    subject: &subject,
                    message: "the MQTT server binding (client id, keep-alive, session) changed"
                        .into(),
                },
                Effect::default(),
                None,
                Some(&s.node),
                Some(&t.node),
            );
        }
        let names = |s: &crate::model::Server| {
            s.variables
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
        };
        if names(s) != names(t) {
            rec.record(
                What {
                    code: "server-variables-changed",
                    subject: &subject,
                    message: "server variables were added or removed".into(),
                },
                Effect::default().api("the fields of the generated server type change"),
                None,
                Some(&s.node),
                Some(&t.node),
            );
        }
        if s.description != t.description {
            docs_change(rec, &subject, "description", &s.node, &t.node);
        }
    }
    for i in servers.removed {
        let s = &a.servers[i];
        rec.record(
            What {
                code: "server-removed",
                subject: &format!("server `{}`", s.name),
                message: "server is removed".into(),
            },
            Effect::wire().api("its generated server type is removed"),
            None,
            Some(&s.node),
            Some(&near(b, &s.node)),
        );
    }
    for j in servers.added {
        let t = &b.servers[j];
        rec.record(
            What {
                code: "server-added",
                subject: &format!("server `{}`", t.name),
                message: "new server".into(),
            },
            Effect::default(),
            None,
            Some(&near(a, &t.node)),
            Some(&t.node),
        );
    }
}

/// Security requirements as what peers must do: each scheme's type and `in` (names alone differ
/// between a 2.x component and a 3.x inline scheme of the same kind).
fn requirements<'d>(doc: &'d Document, names: &'d [String]) -> Vec<(&'d str, Option<&'d str>)> {
    names
        .iter()
        .map(
            |name| match doc.security_schemes.iter().find(|s| &s.name == name) {
                Some(s) => (s.kind.as_str(), s.location.as_deref()),
                None => (name.as_str(), None),
            },
        )
        .collect()
}

/// Security schemes whose kind or placement changed (which servers and operations require them is
/// compared there).
fn security_schemes(rec: &mut Recorder<'_>) {
    let (a, b) = (rec.old.doc, rec.new.doc);
    let schemes = pair(
        &a.security_schemes,
        &b.security_schemes,
        |s| s.name.clone(),
        |_| None::<()>,
    );
    for (i, j) in schemes.pairs {
        let (s, t) = (&a.security_schemes[i], &b.security_schemes[j]);
        let node = NodeId {
            file: 0,
            pointer: format!(
                "/components/securitySchemes/{}",
                crate::reader::pointer::escape(&s.name)
            ),
        };
        if s.kind != t.kind || s.location != t.location {
            rec.record(
                What {
                    code: "security-changed",
                    subject: &format!("security scheme `{}`", s.name),
                    message: format!("`{}` becomes `{}`", s.kind, t.kind),
                },
                Effect::wire(),
                None,
                Some(&node),
                Some(&node),
            );
        } else if s.description != t.description {
            docs_change(
                rec,
                &format!("security scheme `{}`", s.name),
                "description",
                &node,
                &node,
            );
        }
    }
}

/// One operation in OLD and NEW; its messages' pairs go into `flows`.
fn operation(
    rec: &mut Recorder<'_>,
    a: &Operation,
    b: &Operation,
    channel_of: &BTreeMap<usize, usize>,
    flows: &mut BTreeMap<(usize, usize), Flow>,
) {
    let (old, new) = (rec.old.doc, rec.new.doc);
    let subject = format!("operation `{}`", b.id);
    let flow = Flow::one(a.action == Some(Action::Receive), &subject);
    let wire = |rec: &mut Recorder<'_>, code, message: String, effect: Effect| {
        rec.record(
            What {
                code,
                subject: &subject,
                message,
            },
            effect,
            Some(&flow),
            Some(&a.node),
            Some(&b.node),
        );
    };
    if a.id != b.id {
        let api = a.action.map(|action| {
            format!(
                "`{}` is now `{}`",
                method(&a.id, action),
                method(&b.id, action)
            )
        });
        wire(
            rec,
            "operation-renamed",
            format!(
                "operation `{}` is renamed to `{}` (same action and address)",
                a.id, b.id
            ),
            Effect::default().api_if(api),
        );
    }
    if a.action != b.action {
        wire(
            rec,
            "operation-action-changed",
            format!(
                "action `{}` becomes `{}`",
                action_word(a.action),
                action_word(b.action)
            ),
            Effect::wire().api("the method moves between `Handler` and `Publisher`"),
        );
    }
    if channel_of.get(&a.channel) != Some(&b.channel) {
        let (from, to) = (&old.channels[a.channel], &new.channels[b.channel]);
        let same_address = from.address == to.address;
        let effect = if same_address {
            Effect::default().api("its parameters type changes")
        } else {
            Effect::wire().api("its parameters type changes")
        };
        wire(
            rec,
            "operation-channel-changed",
            format!(
                "channel `{}` becomes `{}`",
                shown_address(from),
                shown_address(to)
            ),
            effect,
        );
    }
    bindings(rec, a, b, &subject);
    if requirements(old, &a.security) != requirements(new, &b.security) {
        wire(
            rec,
            "security-changed",
            format!("security `{:?}` becomes `{:?}`", a.security, b.security),
            Effect::wire(),
        );
    }
    reply(rec, a, b, &subject, flows);
    messages(
        rec,
        &a.messages,
        &b.messages,
        &subject,
        &flow,
        (&a.node, &b.node),
        flows,
    );
    let docs = [
        ("title", a.title != b.title),
        ("summary", a.summary != b.summary),
        ("description", a.description != b.description),
        ("tags", tags(&a.tags) != tags(&b.tags)),
    ];
    for (what, changed) in docs {
        if changed {
            docs_change(rec, &subject, what, &a.node, &b.node);
        }
    }
    raw_docs(rec, &subject, &a.node, &b.node);
}

/// QoS, retain and message expiry: weaker delivery guarantees break peers.
fn bindings(rec: &mut Recorder<'_>, a: &Operation, b: &Operation, subject: &str) {
    let qos = |o: &Operation| {
        o.mqtt
            .as_ref()
            .and_then(|m| m.qos)
            .unwrap_or(Qos::AtMostOnce)
    };
    let retain = |o: &Operation| o.mqtt.as_ref().and_then(|m| m.retain).unwrap_or(false);
    let expiry = |o: &Operation| o.mqtt.as_ref().and_then(|m| m.message_expiry_interval);
    let node = (
        child(&a.node, &["bindings", "mqtt"]),
        child(&b.node, &["bindings", "mqtt"]),
    );
    let record = |rec: &mut Recorder<'_>, code, message: String, weaker: bool| {
        let effect = if weaker {
            Effect::wire()
        } else {
            Effect::default()
        };
        rec.record(
            What {
                code,
                subject,
                message,
            },
            effect,
            None,
            Some(&node.0),
            Some(&node.1),
        );
    };
    if qos(a) != qos(b) {
        let weaker = qos(b) < qos(a);
        record(
            rec,
            "qos-changed",
            format!(
                "QoS {} becomes {}{}",
                qos(a) as u8,
                qos(b) as u8,
                if weaker {
                    ": delivery guarantees weaken"
                } else {
                    ""
                }
            ),
            weaker,
        );
    }
    if retain(a) != retain(b) {
        let weaker = !retain(b);
        record(
            rec,
            "retain-changed",
            format!(
                "retain {} becomes {}{}",
                retain(a),
                retain(b),
                if weaker {
                    ": late subscribers no longer get the last message"
                } else {
                    ""
                }
            ),
            weaker,
        );
    }
    if expiry(a) != expiry(b) {
        let weaker = match (expiry(a), expiry(b)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(x), Some(y)) => y < x,
        };
        record(
            rec,
            "message-expiry-changed",
            format!("message expiry {:?} s becomes {:?} s", expiry(a), expiry(b)),
            weaker,
        );
    }
}

/// The reply of a request/reply operation: its address, and its messages (which travel the
/// other way).
fn reply(
    rec: &mut Recorder<'_>,
    a: &Operation,
    b: &Operation,
    subject: &str,
    flows: &mut BTreeMap<(usize, usize), Flow>,
) {
    let (old, new) = (rec.old.doc, rec.new.doc);
    let nodes = (child(&a.node, &["reply"]), child(&b.node, &["reply"]));
    let record = |rec: &mut Recorder<'_>, code, message: String, effect| {
        rec.record(
            What {
                code,
                subject,
                message,
            },
            effect,
            None,
            Some(&nodes.0),
            Some(&nodes.1),
        );
    };
    match (&a.reply, &b.reply) {
        (None, None) => {}
        (None, Some(_)) | (Some(_), None) => record(
            rec,
            if a.reply.is_none() {
                "reply-added"
            } else {
                "reply-removed"
            },
            format!(
                "the operation {} a reply",
                if a.reply.is_none() {
                    "now has"
                } else {
                    "no longer has"
                }
            ),
            Effect::wire().api("the handler's or publisher's return type changes"),
        ),
        (Some(x), Some(y)) => {
            let address = |r: &Reply, doc: &Document| {
                r.channel
                    .and_then(|c| doc.channels[c].address.as_ref().map(|a| a.raw.clone()))
            };
            if address(x, old) != address(y, new) || x.address_location != y.address_location {
                record(
                    rec,
                    "reply-address-changed",
                    format!(
                        "the reply address `{}` becomes `{}`",
                        address(x, old)
                            .or(x.address_location.clone())
                            .unwrap_or_default(),
                        address(y, new)
                            .or(y.address_location.clone())
                            .unwrap_or_default()
                    ),
                    Effect::wire(),
                );
            }
            let receives = a.action != Some(Action::Receive);
            let flow = Flow::one(receives, &format!("the reply of {subject}"));
            messages(
                rec,
                &x.messages,
                &y.messages,
                &format!("{subject} reply"),
                &flow,
                (&nodes.0, &nodes.1),
                flows,
            );
        }
    }
}

/// The messages of one operation (or reply): paired by name; added and removed ones judged by
/// direction; the pairs recorded in `flows`.
fn messages(
    rec: &mut Recorder<'_>,
    a: &[usize],
    b: &[usize],
    subject: &str,
    flow: &Flow,
    nodes: (&NodeId, &NodeId),
    flows: &mut BTreeMap<(usize, usize), Flow>,
) {
    let (old, new) = (rec.old.doc, rec.new.doc);
    let names = |doc: &Document, list: &[usize]| -> Vec<String> {
        list.iter().map(|&i| doc.messages[i].name.clone()).collect()
    };
    let (old_names, new_names) = (names(old, a), names(new, b));
    let mut pairing = pair(&old_names, &new_names, String::clone, |_| None::<()>);
    if pairing.removed.len() == 1 && pairing.added.len() == 1 {
        pairing.pairs.push((pairing.removed[0], pairing.added[0]));
        pairing.removed.clear();
        pairing.added.clear();
    }
    for &(i, j) in &pairing.pairs {
        flows.entry((a[i], b[j])).or_default().join(flow);
    }
    for &i in &pairing.removed {
        let m = &old.messages[a[i]];
        rec.record(
            What {
                code: "operation-message-removed",
                subject,
                message: format!("message `{}` is no longer used", m.name),
            },
            Effect::narrows().api("the operation's message type loses a variant"),
            Some(flow),
            Some(&m.node),
            Some(nodes.1),
        );
    }
    for &j in &pairing.added {
        let m = &rec.new.doc.messages[b[j]];
        rec.record(
            What {
                code: "operation-message-added",
                subject,
                message: format!("message `{}` is added", m.name),
            },
            Effect::widens().api("the operation's message type gains a variant"),
            Some(flow),
            Some(nodes.0),
            Some(&m.node),
        );
    }
}

/// A channel: address, parameters, docs.
fn channel(rec: &mut Recorder<'_>, a: &Channel, b: &Channel, flow: &Flow) {
    let subject = format!("channel `{}`", b.id);
    // The same base name makes the same type name: only a changed one is worth naming.
    let (base_a, base_b) = (channel_base_name(a), channel_base_name(b));
    let (pa, pb) = if base_a == base_b {
        Default::default()
    } else {
        (params_type(&base_a), params_type(&base_b))
    };
    if pa != pb {
        rec.record(
            What {
                code: "channel-renamed",
                subject: &subject,
                message: format!("channel id `{}` becomes `{}` (same address)", a.id, b.id),
            },
            Effect::default().api(format!(
                "its parameters type and topic constant are named from the channel: `{pa}` becomes `{pb}`"
            )),
            None,
            Some(&a.node),
            Some(&b.node),
        );
    }
    if a.address != b.address {
        rec.record(
            What {
                code: "address-changed",
                subject: &subject,
                message: format!(
                    "address `{}` becomes `{}`",
                    shown_address(a),
                    shown_address(b)
                ),
            },
            Effect::wire().api_if(
                (params(a) != params(b)).then(|| "its parameters type changes".to_string()),
            ),
            Some(flow),
            Some(&child(&a.node, &["address"])),
            Some(&child(&b.node, &["address"])),
        );
    }
    let empty = Value::Object(Default::default());
    for pa in &a.parameters {
        let Some(pb) = b.parameters.iter().find(|p| p.name == pa.name) else {
            continue;
        };
        let param_subject = format!("channel `{}` parameter `{}`", b.id, pa.name);
        let (na, nb) = (
            child(&a.node, &["parameters", &pa.name]),
            child(&b.node, &["parameters", &pb.name]),
        );
        if pa.allowed != pb.allowed && pa.schema.as_ref().and_then(|s| s.get("enum")).is_none() {
            let added = pb.allowed.iter().any(|v| !pa.allowed.contains(v)) || pb.allowed.is_empty();
            let removed =
                pa.allowed.iter().any(|v| !pb.allowed.contains(v)) || pa.allowed.is_empty();
            rec.record(
                What {
                    code: "parameter-values-changed",
                    subject: &param_subject,
                    message: format!(
                        "allowed values {:?} become {:?}",
                        shown(&pa.allowed),
                        shown(&pb.allowed)
                    ),
                },
                Effect {
                    narrows: removed,
                    widens: added,
                    ..Effect::default()
                }
                .api("the generated parameter enum changes"),
                Some(flow),
                Some(&na),
                Some(&nb),
            );
        }
        let (sa, sb) = (
            pa.schema.as_ref().unwrap_or(&empty),
            pb.schema.as_ref().unwrap_or(&empty),
        );
        compare_schema(
            rec,
            At {
                value: sa,
                node: &na,
            },
            At {
                value: sb,
                node: &nb,
            },
            flow,
            &param_subject,
            "",
            None,
        );
        if pa.description != pb.description {
            docs_change(rec, &param_subject, "description", &na, &nb);
        }
    }
    let docs = [
        ("title", a.title != b.title),
        ("summary", a.summary != b.summary),
        ("description", a.description != b.description),
        ("tags", tags(&a.tags) != tags(&b.tags)),
    ];
    for (what, changed) in docs {
        if changed {
            docs_change(rec, &subject, what, &a.node, &b.node);
        }
    }
    raw_docs(rec, &subject, &a.node, &b.node);
}

/// The generated parameters type of a channel with this base name ([`channel_base_name`]: 3.x the
/// channel id; 2.x the address's last two literal levels), named as the service generator names
/// it.
fn params_type(base_name: &str) -> String {
    format!("{}Params", camel(base_name))
}

fn params(channel: &Channel) -> Vec<&str> {
    channel.parameters.iter().map(|p| p.name.as_str()).collect()
}

fn shown(values: &[Value]) -> Vec<String> {
    values.iter().map(Value::to_string).collect()
}

/// One message in OLD and NEW, travelling as `flow`.
fn message(
    rec: &mut Recorder<'_>,
    (i, j): (usize, usize),
    flow: &Flow,
    (old_types, new_types): (&[TypeText], &[TypeText]),
) {
    let (old, new) = (rec.old.doc, rec.new.doc);
    let (a, b) = (&old.messages[i], &new.messages[j]);
    let subject = format!("message `{}`", b.name);
    let (ka, kb) = (
        old_types.get(i).map(TypeText::payload_type),
        new_types.get(j).map(TypeText::payload_type),
    );
    let media = |m: &Message| m.content_type.as_deref().map(media_type);
    if media(a) != media(b) {
        rec.record(
            What {
                code: "content-type-changed",
                subject: &subject,
                message: format!(
                    "content type `{}` becomes `{}`",
                    a.content_type.as_deref().unwrap_or("none"),
                    b.content_type.as_deref().unwrap_or("none")
                ),
            },
            Effect::wire()
                .api_if((ka != kb).then(|| "the payload's Rust type changes".to_string())),
            Some(flow),
            Some(&a.node),
            Some(&b.node),
        );
    } else if let (Some(x), Some(y)) = (old_types.get(i), new_types.get(j)) {
        let slots = [
            ("payload", &x.payload, &y.payload),
            ("headers", &x.headers, &y.headers),
        ];
        for (slot, p, q) in slots {
            let (Some(p), Some(q)) = (p, q) else { continue };
            if p != q {
                rec.record(
                    What {
                        code: "type-renamed",
                        subject: &format!("{subject} {slot}"),
                        message: format!("the {slot}'s Rust type has another name"),
                    },
                    Effect::default().api(format!("the {slot} type `{p}` is now `{q}`")),
                    Some(flow),
                    Some(&a.node),
                    Some(&b.node),
                );
            }
        }
    }
    slot(
        rec,
        a.payload.as_ref(),
        b.payload.as_ref(),
        flow,
        &format!("{subject} payload"),
        (&a.node, &b.node),
    );
    slot(
        rec,
        a.headers.as_ref(),
        b.headers.as_ref(),
        flow,
        &format!("{subject} headers"),
        (&a.node, &b.node),
    );
    if a.correlation_id != b.correlation_id {
        rec.record(
            What {
                code: "correlation-id-changed",
                subject: &subject,
                message: format!(
                    "correlation id `{:?}` becomes `{:?}`",
                    a.correlation_id, b.correlation_id
                ),
            },
            Effect::wire(),
            Some(flow),
            Some(&child(&a.node, &["correlationId"])),
            Some(&child(&b.node, &["correlationId"])),
        );
    }
    let binding = |m: &Message| {
        format!(
            "{:?}",
            m.mqtt.as_ref().map(|b| (
                &b.payload_format_indicator,
                &b.content_type,
                &b.response_topic,
                &b.correlation_data
            ))
        )
    };
    if binding(a) != binding(b) {
        rec.record(
            What {
                code: "message-binding-changed",
                subject: &subject,
                message: "the MQTT message binding changed".into(),
            },
            Effect::wire(),
            Some(flow),
            Some(&child(&a.node, &["bindings"])),
            Some(&child(&b.node, &["bindings"])),
        );
    }
    let examples = |m: &Message| format!("{:?}", m.examples);
    let docs = [
        ("title", a.title != b.title),
        ("summary", a.summary != b.summary),
        ("description", a.description != b.description),
        ("examples", examples(a) != examples(b)),
        ("tags", tags(&a.tags) != tags(&b.tags)),
    ];
    for (what, changed) in docs {
        if changed {
            docs_change(rec, &subject, what, &a.node, &b.node);
        }
    }
    raw_docs(rec, &subject, &a.node, &b.node);
}

/// A payload or headers schema.
fn slot(
    rec: &mut Recorder<'_>,
    a: Option<&SchemaSlot>,
    b: Option<&SchemaSlot>,
    flow: &Flow,
    subject: &str,
    nodes: (&NodeId, &NodeId),
) {
    match (a, b) {
        (None, None) => {}
        (Some(_), None) | (None, Some(_)) => rec.record(
            What {
                code: "schema-slot-changed",
                subject,
                message: format!(
                    "{} declared",
                    if a.is_none() {
                        "is now"
                    } else {
                        "is no longer"
                    }
                ),
            },
            Effect::wire().api("the message's Rust type changes"),
            Some(flow),
            Some(a.map_or(nodes.0, |s| &s.node)),
            Some(b.map_or(nodes.1, |s| &s.node)),
        ),
        (Some(x), Some(y)) => {
            if x.is_json_schema && y.is_json_schema {
                compare_schema(
                    rec,
                    At {
                        value: &x.schema,
                        node: &x.node,
                    },
                    At {
                        value: &y.schema,
                        node: &y.node,
                    },
                    flow,
                    subject,
                    "",
                    None,
                );
            } else if x.schema_format != y.schema_format || x.schema != y.schema {
                rec.record(
                    What {
                        code: "schema-format-changed",
                        subject,
                        message: format!(
                            "schema format `{}` becomes `{}` (or a non-JSON schema changed)",
                            x.schema_format, y.schema_format
                        ),
                    },
                    Effect::wire(),
                    Some(flow),
                    Some(&x.node),
                    Some(&y.node),
                );
            }
        }
    }
}
