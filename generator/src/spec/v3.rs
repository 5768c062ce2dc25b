//! AsyncAPI 3.0 and 3.1 into the model.

use std::collections::HashMap;

use crate::model::{Action, Channel, ChannelMessage, NodeId, Operation, Reply, Server};
use crate::reader::refs::ref_of;
use crate::reader::yaml::Node;
use crate::spec::bindings;
use crate::spec::context::Ctx;
use crate::spec::objects::{self, expect_map};

/// Builds the model from a 3.x root.
pub fn build<'a>(ctx: &mut Ctx<'a>, root: &'a Node) {
    objects::document_header(ctx, root);
    if let Some(components) = ctx.field(root, "components") {
        objects::component_schemas(ctx, components);
        ctx.doc.security_schemes = objects::security_schemes(ctx, components);
    }
    for (name, decl) in ctx.map(root, "servers") {
        if let Some(node) = ctx.deref(decl) {
            if expect_map(ctx, node, "a server") {
                let server = server(ctx, name, node);
                ctx.doc.servers.push(server);
            }
        }
    }
    // Channels are found by their declaration (`#/channels/x`) and by their target.
    let channels = ctx.map(root, "channels");
    let mut channel_index: HashMap<NodeId, usize> = HashMap::with_capacity(channels.len());
    // Reserved up front (most documents have about one message per channel): growing these
    // vectors of large structs copies them and touches fresh memory several times.
    ctx.doc.channels.reserve(channels.len());
    ctx.doc.messages.reserve(channels.len());
    ctx.reserve_messages(channels.len());
    for (key, decl) in channels {
        let Some(node) = ctx.deref(decl) else {
            continue;
        };
        if !expect_map(ctx, node, "a channel") {
            continue;
        }
        let index = channel(ctx, key, decl, node);
        channel_index.insert(ctx.doc.channels[index].node.clone(), index);
        if !std::ptr::eq(decl, node) {
            channel_index.insert(ctx.id(node), index);
        }
    }
    let operations = ctx.map(root, "operations");
    ctx.doc.operations.reserve(operations.len());
    for (key, decl) in operations {
        let Some(node) = ctx.deref(decl) else {
            continue;
        };
        if !expect_map(ctx, node, "an operation") {
            continue;
        }
        operation(ctx, key, node, &channel_index);
    }
}

fn server<'a>(ctx: &mut Ctx<'a>, name: &str, node: &'a Node) -> Server {
    objects::unknown_fields(ctx, node, "server");
    let host = ctx.string(node, "host").unwrap_or_default();
    let pathname = ctx.string(node, "pathname");
    let mut used = vec![(host.as_str(), node.get("host").unwrap_or(node))];
    if let Some(p) = &pathname {
        used.push((p.as_str(), node.get("pathname").unwrap_or(node)));
    }
    let variables = objects::server_variables(ctx, node, &used, false);
    let description = ctx
        .string(node, "description")
        .or_else(|| ctx.string(node, "summary"))
        .or_else(|| ctx.string(node, "title"));
    Server {
        name: name.to_string(),
        host: host.clone(),
        pathname: pathname.clone(),
        protocol: ctx
            .string(node, "protocol")
            .unwrap_or_default()
            .to_lowercase(),
        protocol_version: ctx.string(node, "protocolVersion"),
        description,
        variables,
        security: objects::security(ctx, node),
        mqtt: bindings::server(ctx, node),
        node: ctx.id(node),
    }
}

fn channel<'a>(ctx: &mut Ctx<'a>, key: &str, decl: &'a Node, node: &'a Node) -> usize {
    let (address, parameters) = match node.get("address") {
        Some(a) if !a.is_null() => match a.as_str() {
            Some(raw) => {
                let (address, parameters) =
                    objects::address_and_parameters(ctx, raw, a, node, true);
                (Some(address), parameters)
            }
            None => {
                let message = format!("`address` must be a string or null, not {}", a.kind());
                ctx.error("type-mismatch", a, message);
                (None, Vec::new())
            }
        },
        _ => (None, Vec::new()),
    };
    bindings::channel(ctx, node);
    objects::unknown_fields(ctx, node, "channel");
    let servers = objects::channel_servers(ctx, node);
    let index = ctx.doc.channels.len();
    let channel = Channel {
        id: key.to_string(),
        address,
        title: ctx.string(node, "title"),
        summary: ctx.string(node, "summary"),
        description: ctx.string(node, "description"),
        parameters,
        messages: Vec::new(),
        servers,
        tags: ctx.tags(node),
        node: ctx.id(decl),
    };
    ctx.doc.channels.push(channel);
    let mut messages = Vec::new();
    for (message_key, message_decl) in ctx.map(node, "messages") {
        // `map` dereferenced the values; use the declaration so a `$ref` keeps its identity.
        let decl = node
            .get("messages")
            .and_then(|m| ctx.files.deref(m).ok())
            .and_then(|m| m.get(message_key))
            .unwrap_or(message_decl);
        let fallback = format!("{key}.{message_key}");
        if let Some(m) = objects::message(ctx, decl, &fallback) {
            messages.push(ChannelMessage {
                key: message_key.to_string(),
                message: m,
            });
        }
    }
    ctx.doc.channels[index].messages = messages;
    index
}

fn operation<'a>(
    ctx: &mut Ctx<'a>,
    key: &str,
    declared: &'a Node,
    channels: &HashMap<NodeId, usize>,
) {
    let op = ctx.with_traits(declared);
    objects::unknown_fields(ctx, op, "operation");
    let action = match op.get("action").and_then(Node::as_str) {
        Some("send") => Some(Action::Send),
        Some("receive") => Some(Action::Receive),
        other => {
            let at = op.get("action").unwrap_or(op);
            let shown = other.map_or("missing".to_string(), |a| format!("`{a}`"));
            ctx.error(
                "operation-action",
                at,
                format!("operation `{key}` has action {shown}; it must be `send` or `receive`"),
            );
            None
        }
    };
    let Some(channel) = channel_of(ctx, op, channels) else {
        return;
    };
    let messages = operation_messages(ctx, op, channel);
    let reply = ctx.field(op, "reply").and_then(|r| reply(ctx, r, channels));
    let operation = Operation {
        id: key.to_string(),
        action,
        channel,
        messages,
        title: ctx.string(op, "title"),
        summary: ctx.string(op, "summary"),
        description: ctx.string(op, "description"),
        mqtt: bindings::operation(ctx, op),
        security: objects::security(ctx, op),
        reply,
        tags: ctx.tags(op),
        node: ctx.id(declared),
    };
    ctx.doc.operations.push(operation);
}

/// The channel an operation or reply refers to (`channel: {$ref: '#/channels/x'}`).
fn channel_of<'a>(
    ctx: &mut Ctx<'a>,
    object: &'a Node,
    channels: &HashMap<NodeId, usize>,
) -> Option<usize> {
    let Some(decl) = object.get("channel") else {
        ctx.error("operation-channel", object, "`channel` is missing");
        return None;
    };
    let Some(reference) = ref_of(decl) else {
        if decl.as_map().is_some_and(|m| m.is_empty()) {
            // `channel: {}` passes the official schema (and parser): it names no channel, so
            // there is nothing to generate for the operation.
            ctx.warn(
                "operation-channel",
                decl,
                "`channel: {}` names no channel; this operation is ignored (write `$ref: '#/channels/<id>'`)",
            );
            return None;
        }
        ctx.error(
            "operation-channel",
            decl,
            "`channel` must be a `$ref` to a channel (`$ref: '#/channels/<id>'`)",
        );
        return None;
    };
    let target = match ctx.files.resolve(decl, reference) {
        Ok(target) => target,
        Err(d) => {
            ctx.report_at(decl.get("$ref").unwrap_or(decl), d);
            return None;
        }
    };
    let id = ctx.id(target);
    if let Some(&i) = channels.get(&id) {
        return Some(i);
    }
    let deref_id = ctx.files.deref(target).ok().map(|t| ctx.id(t));
    if let Some(&i) = deref_id.and_then(|d| channels.get(&d)) {
        return Some(i);
    }
    ctx.error(
        "operation-channel",
        decl,
        format!("`{reference}` is not a channel of this document's `channels`"),
    );
    None
}

fn operation_messages<'a>(ctx: &mut Ctx<'a>, op: &'a Node, channel: usize) -> Vec<usize> {
    let Some(list) = op.get("messages") else {
        return ctx.doc.channels[channel]
            .messages
            .iter()
            .map(|m| m.message)
            .collect();
    };
    let items: Vec<&Node> = ctx
        .deref(list)
        .and_then(Node::as_seq)
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for item in items {
        let Some(target) = ctx.deref(item) else {
            continue;
        };
        let id = ctx.id(target);
        match ctx.message_index.get(&id) {
            Some(&m) => {
                if !ctx.doc.channels[channel]
                    .messages
                    .iter()
                    .any(|c| c.message == m)
                {
                    // An error, as in the official parser
                    // (`asyncapi3-operation-messages-from-referred-channel`): the 3.0 spec
                    // says an operation's messages MUST be a subset of its channel's.
                    ctx.error(
                        "operation-message-channel",
                        item,
                        format!(
                            "this message is not one of channel `{}`'s messages",
                            ctx.doc.channels[channel].id
                        ),
                    );
                }
                out.push(m);
            }
            None => {
                ctx.warn(
                    "operation-message-channel",
                    item,
                    "operation messages should refer to the channel's messages (`#/channels/<id>/messages/<key>`)",
                );
                let fallback = format!("{}.message", ctx.doc.channels[channel].id);
                if let Some(m) = objects::message(ctx, item, &fallback) {
                    out.push(m);
                }
            }
        }
    }
    out
}

fn reply<'a>(
    ctx: &mut Ctx<'a>,
    node: &'a Node,
    channels: &HashMap<NodeId, usize>,
) -> Option<Reply> {
    let channel = if node.get("channel").is_some() {
        channel_of(ctx, node, channels)
    } else {
        None
    };
    let address_location = ctx
        .field(node, "address")
        .and_then(|a| ctx.string(a, "location"));
    let messages = match (node.get("messages"), channel) {
        (Some(_), Some(c)) => operation_messages(ctx, node, c),
        (None, Some(c)) => ctx.doc.channels[c]
            .messages
            .iter()
            .map(|m| m.message)
            .collect(),
        (Some(list), None) => {
            let items: Vec<&Node> = list
                .as_seq()
                .map(|s| s.iter().collect())
                .unwrap_or_default();
            items
                .into_iter()
                .filter_map(|i| objects::message(ctx, i, "reply"))
                .collect()
        }
        (None, None) => Vec::new(),
    };
    if channel.is_none() && address_location.is_none() {
        ctx.warn(
            "reply-address",
            node,
            "the reply names neither a `channel` nor an `address`; mqttgen cannot tell where to reply",
        );
    }
    Some(Reply {
        channel,
        address_location,
        messages,
    })
}
