//! AsyncAPI 2.0–2.6 into the model. `publish` means the application receives, `subscribe` means
//! it sends.

use crate::model::{Action, Channel, ChannelMessage, Operation, Server};
use crate::reader::yaml::Node;
use crate::spec::bindings;
use crate::spec::context::Ctx;
use crate::spec::objects::{self, expect_map};

/// Builds the model from a 2.x root.
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
    for (key, decl) in ctx.map(root, "channels") {
        let Some(node) = ctx.deref(decl) else {
            continue;
        };
        if !expect_map(ctx, node, "a channel") {
            continue;
        }
        channel(ctx, key, decl, node);
    }
}

fn server<'a>(ctx: &mut Ctx<'a>, name: &str, node: &'a Node) -> Server {
    objects::unknown_fields(ctx, node, "server");
    let url = ctx.string(node, "url").unwrap_or_default();
    let without_scheme = match url.split_once("://") {
        Some((_, rest)) => rest,
        None => url.as_str(),
    };
    let (host, pathname) = match without_scheme.find('/') {
        Some(i) => (
            without_scheme[..i].to_string(),
            Some(without_scheme[i..].to_string()),
        ),
        None => (without_scheme.to_string(), None),
    };
    let url_node = node.get("url").unwrap_or(node);
    let variables = objects::server_variables(ctx, node, &[(url.as_str(), url_node)], true);
    Server {
        name: name.to_string(),
        host,
        pathname,
        protocol: ctx
            .string(node, "protocol")
            .unwrap_or_default()
            .to_lowercase(),
        protocol_version: ctx.string(node, "protocolVersion"),
        description: ctx.string(node, "description"),
        variables,
        security: objects::security(ctx, node),
        mqtt: bindings::server(ctx, node),
        node: ctx.id(node),
    }
}

fn channel<'a>(ctx: &mut Ctx<'a>, key: &str, decl: &'a Node, node: &'a Node) {
    let address_node = decl;
    let (address, parameters) =
        objects::address_and_parameters(ctx, key, address_node, node, false);
    bindings::channel(ctx, node);
    objects::unknown_fields(ctx, node, "channel");
    let servers = objects::channel_servers(ctx, node);
    let index = ctx.doc.channels.len();
    let description = ctx.string(node, "description");
    let channel_node = ctx.id(decl);
    ctx.doc.channels.push(Channel {
        id: key.to_string(),
        address: Some(address),
        title: None,
        summary: None,
        description,
        parameters,
        messages: Vec::new(),
        servers,
        tags: Vec::new(),
        node: channel_node,
    });
    for entry in node.as_map().unwrap_or_default() {
        let action = match entry.key.as_str() {
            "publish" => Action::Receive,
            "subscribe" => Action::Send,
            _ => continue,
        };
        let Some(op) = ctx.deref(&entry.value) else {
            continue;
        };
        if !expect_map(ctx, op, "an operation") {
            continue;
        }
        operation(ctx, index, key, &entry.key, action, op);
    }
}

fn operation<'a>(
    ctx: &mut Ctx<'a>,
    channel: usize,
    channel_key: &str,
    role: &str,
    action: Action,
    declared: &'a Node,
) {
    let op = ctx.with_traits(declared);
    objects::unknown_fields(ctx, op, "operation");
    let mut messages = Vec::new();
    if let Some(message) = ctx.field(op, "message") {
        let alternatives: Vec<&Node> = match message.get("oneOf") {
            Some(list) => ctx
                .deref(list)
                .and_then(Node::as_seq)
                .map(|items| items.iter().collect())
                .unwrap_or_default(),
            None => vec![op.get("message").unwrap_or(message)],
        };
        for (i, decl) in alternatives.into_iter().enumerate() {
            let fallback = format!("{channel_key} {role} {i}");
            if let Some(index) = objects::message(ctx, decl, &fallback) {
                messages.push(index);
            }
        }
    }
    for &m in &messages {
        let key = ctx.doc.messages[m].name.clone();
        let channel = &mut ctx.doc.channels[channel];
        if !channel.messages.iter().any(|c| c.message == m) {
            channel.messages.push(ChannelMessage { key, message: m });
        }
    }
    let id = ctx
        .string(op, "operationId")
        .unwrap_or_else(|| format!("{channel_key}.{role}"));
    let operation = Operation {
        id,
        action: Some(action),
        channel,
        messages,
        title: None,
        summary: ctx.string(op, "summary"),
        description: ctx.string(op, "description"),
        mqtt: bindings::operation(ctx, op),
        security: objects::security(ctx, op),
        reply: None,
        tags: ctx.tags(op),
        node: ctx.id(declared),
    };
    ctx.doc.operations.push(operation);
}
