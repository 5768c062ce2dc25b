//! Builders for the objects 2.x and 3.x share: messages, server variables, security, parameters,
//! security schemes and component schemas.

use crate::diagnostics::Diagnostic;
use crate::model::{Address, Message, MessageExample, Parameter, SecurityScheme, ServerVariable};
use crate::reader::pointer;
use crate::reader::refs::ref_of;
use crate::reader::yaml::{Node, Value};
use crate::spec::bindings;
use crate::spec::context::Ctx;

/// Adds the message declared at `decl` (a `$ref` or inline) once and returns its index.
/// `fallback` names it when it has neither a component key nor a `name`.
pub fn message<'a>(ctx: &mut Ctx<'a>, decl: &'a Node, fallback: &str) -> Option<usize> {
    let target = ctx.deref(decl)?;
    let id = ctx.id(target);
    if let Some(&index) = ctx.message_index.get(&id) {
        return Some(index);
    }
    if target.as_map().is_none() {
        let message = format!("a message must be a mapping, not {}", target.kind());
        ctx.error("type-mismatch", target, message);
        return None;
    }
    let node = ctx.with_traits(target);
    unknown_fields(ctx, node, "message");
    let segments: Vec<_> = pointer::tokens(&id.pointer)
        .map(Iterator::collect)
        .unwrap_or_default();
    let component_key = match segments.as_slice() {
        [c, m, key] if c == "components" && m == "messages" => Some(key.to_string()),
        [.., key] if id.file != 0 => Some(key.to_string()),
        _ => None,
    };
    let message_name = ctx.string(node, "name");
    let wanted = component_key
        .or_else(|| message_name.clone())
        .unwrap_or_else(|| fallback.to_string());
    let name = ctx.unique_message_name(wanted);

    // 3.x: payload may be a Multi Format Schema object; 2.x: `schemaFormat` on the message.
    let mut format = ctx.string(node, "schemaFormat");
    let payload = ctx.field(node, "payload").map(|p| {
        let multi = p.get("schemaFormat").is_some() && p.get("schema").is_some();
        if multi && ctx.doc.asyncapi_version.starts_with('3') {
            format = ctx.string(p, "schemaFormat");
            let schema = p.get("schema").unwrap_or(p);
            ctx.schema_slot(schema, format.clone())
        } else {
            let decl = node.get("payload").unwrap_or(p);
            ctx.schema_slot(decl, format.clone())
        }
    });
    let headers = ctx.field(node, "headers").map(|h| {
        let multi = h.get("schemaFormat").is_some() && h.get("schema").is_some();
        if multi {
            let f = ctx.string(h, "schemaFormat");
            let schema = h.get("schema").unwrap_or(h);
            ctx.schema_slot(schema, f)
        } else {
            let decl = node.get("headers").unwrap_or(h);
            ctx.schema_slot(decl, None)
        }
    });
    let correlation_id = ctx
        .field(node, "correlationId")
        .and_then(|c| ctx.string(c, "location"));
    let mut examples = Vec::new();
    for item in ctx.seq(node, "examples") {
        let Some(example) = ctx.deref(item) else {
            continue;
        };
        if example.as_map().is_none() {
            continue;
        }
        examples.push(MessageExample {
            name: ctx.string(example, "name"),
            summary: ctx.string(example, "summary"),
            headers: example.get("headers").map(Node::to_json),
            payload: example.get("payload").map(Node::to_json),
        });
    }
    let content_type = ctx
        .string(node, "contentType")
        .or_else(|| ctx.doc.default_content_type.clone());
    let message = Message {
        name,
        message_name,
        title: ctx.string(node, "title"),
        summary: ctx.string(node, "summary"),
        description: ctx.string(node, "description"),
        content_type,
        payload,
        headers,
        correlation_id,
        examples,
        mqtt: bindings::message(ctx, node),
        tags: ctx.tags(node),
        node: id.clone(),
    };
    let index = ctx.doc.messages.len();
    ctx.doc.messages.push(message);
    ctx.message_index.insert(id, index);
    Some(index)
}

/// Server `variables`, and checks that every `{var}` used in `texts` is declared: an error when
/// `undeclared_is_error` (2.x, where the official parser checks it too), else a warning (3.x,
/// valid AsyncAPI; `mqttgen generate` refuses the server, see crate::pipeline).
pub fn server_variables<'a>(
    ctx: &mut Ctx<'a>,
    server: &'a Node,
    used_in: &[(&str, &'a Node)],
    undeclared_is_error: bool,
) -> Vec<ServerVariable> {
    let mut variables = Vec::new();
    for (name, decl) in ctx.map(server, "variables") {
        let Some(var) = ctx.deref(decl) else { continue };
        let allowed = ctx
            .seq(var, "enum")
            .into_iter()
            .filter_map(Node::scalar_text)
            .collect();
        let examples = ctx
            .seq(var, "examples")
            .into_iter()
            .filter_map(Node::scalar_text)
            .collect();
        variables.push(ServerVariable {
            name: name.to_string(),
            default: ctx.string(var, "default"),
            allowed,
            description: ctx.string(var, "description"),
            examples,
        });
    }
    for (text, node) in used_in {
        for name in braced_names(text) {
            if !variables.iter().any(|v| v.name == name) {
                let id = ctx.id(node);
                let message =
                    format!("server variable `{{{name}}}` is used but not declared in `variables`");
                let diagnostic = if undeclared_is_error {
                    Diagnostic::error("server-variable-undeclared", Some(id), message)
                } else {
                    Diagnostic::warning(
                        "server-variable-undeclared",
                        Some(id),
                        format!("{message}; `mqttgen generate` refuses this server"),
                    )
                };
                ctx.diagnostics.push(diagnostic.with_help(format!(
                    "declare it: `variables: {{{name}: {{default: ...}}}}`"
                )));
            }
        }
    }
    variables
}

/// Names between braces in `text`.
pub fn braced_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.push(after[..close].to_string());
        rest = &after[close + 1..];
    }
    out
}

/// Security requirement names: 2.x `[{name: [scopes]}]`, 3.x `[$ref | inline scheme]`.
pub fn security<'a>(ctx: &mut Ctx<'a>, parent: &'a Node) -> Vec<String> {
    let mut names = Vec::new();
    for item in ctx.seq(parent, "security") {
        if let Some(reference) = ref_of(item) {
            if let Err(d) = ctx.files.resolve(item, reference) {
                ctx.report_at(item.get("$ref").unwrap_or(item), d);
                continue;
            }
            names.push(pointer::last_segment(
                reference.split('#').nth(1).unwrap_or(""),
            ));
        } else if let Some(entries) = item.as_map() {
            if item.get("type").is_some() {
                // An inline 3.x security scheme.
                names.push(
                    ctx.string(item, "name")
                        .or_else(|| ctx.string(item, "type"))
                        .unwrap_or_default(),
                );
            } else {
                // 2.x: `{schemeName: [scopes]}`, the name must be a declared scheme.
                for entry in entries {
                    let declared = ctx.doc.security_schemes.iter().any(|s| s.name == entry.key);
                    if !declared {
                        let message = format!(
                            "security scheme `{}` is not declared in `components/securitySchemes`",
                            entry.key
                        );
                        ctx.error("security-undeclared", &entry.value, message);
                    }
                    names.push(entry.key.clone());
                }
            }
        }
    }
    names
}

/// `components/securitySchemes`.
pub fn security_schemes<'a>(ctx: &mut Ctx<'a>, components: &'a Node) -> Vec<SecurityScheme> {
    let mut out = Vec::new();
    for (name, decl) in ctx.map(components, "securitySchemes") {
        let Some(scheme) = ctx.deref(decl) else {
            continue;
        };
        out.push(SecurityScheme {
            name: name.to_string(),
            kind: ctx.string(scheme, "type").unwrap_or_default(),
            description: ctx.string(scheme, "description"),
            location: ctx.string(scheme, "in"),
        });
    }
    out
}

/// Adds every `components/schemas/*` to the document's schemas.
pub fn component_schemas<'a>(ctx: &mut Ctx<'a>, components: &'a Node) {
    if let Some(schemas) = components.get("schemas").and_then(Node::as_map) {
        for entry in schemas {
            ctx.add_schema(&entry.value);
        }
    }
}

/// Parses a channel address, reports its issues at `node`, and builds the parameter list: in
/// address order, undeclared ones added as strings (warning), declared-but-unused ones an error.
pub fn address_and_parameters<'a>(
    ctx: &mut Ctx<'a>,
    raw: &str,
    node: &'a Node,
    channel: &'a Node,
    is_v3: bool,
) -> (Address, Vec<Parameter>) {
    let (address, issues) = mqttgen_address::parse(raw);
    for issue in issues {
        if issue.is_error && matches!(issue.code, "address-wildcard" | "address-braces") {
            // Valid AsyncAPI (the official parser accepts it), but no MQTT filter or topic
            // parameters can be made from it: a warning here, and `mqttgen generate` refuses the
            // channel (crate::pipeline).
            ctx.warn(
                issue.code,
                node,
                format!("{}; `mqttgen generate` refuses this channel", issue.message),
            );
        } else if issue.is_error {
            ctx.error(issue.code, node, issue.message);
        } else {
            ctx.warn(issue.code, node, issue.message);
        }
    }
    let names = address.parameter_names();
    let declared = ctx.map(channel, "parameters");
    let mut parameters = Vec::with_capacity(names.len());
    for name in &names {
        match declared.iter().find(|(key, _)| key == name) {
            Some((_, decl)) => {
                if let Some(param) = ctx.deref(decl) {
                    parameters.push(parameter(ctx, name, param, is_v3));
                }
            }
            None => {
                let id = ctx.id(node);
                // Like the official parser: once a channel has `parameters`, every `{name}` of
                // its address must be declared there (an error); without any, a warning.
                let has_parameters = channel.get("parameters").is_some();
                let make = if has_parameters {
                    Diagnostic::error
                } else {
                    Diagnostic::warning
                };
                let consequence = if has_parameters {
                    ""
                } else {
                    "; it is treated as a string"
                };
                ctx.diagnostics.push(
                    make(
                        "param-undeclared",
                        Some(id),
                        format!(
                            "`{{{name}}}` in address `{raw}` is not declared in the channel's `parameters`{consequence}"
                        ),
                    )
                    .with_help(format!(
                        "declare it under the channel: `parameters: {{{name}: {{description: ...}}}}`"
                    )),
                );
                parameters.push(Parameter {
                    name: name.clone(),
                    declared: false,
                    ..Parameter::default()
                });
            }
        }
    }
    for (key, decl) in &declared {
        if !names.iter().any(|n| n == key) {
            // Like the official parser, a declared parameter is only an error when the address
            // uses parameters at all; on a fixed address it is a warning.
            let is_error = !names.is_empty();
            let at = channel
                .get("parameters")
                .and_then(|p| p.as_map())
                .and_then(|entries| entries.iter().find(|e| e.key == *key))
                .map(|e| &e.value)
                .unwrap_or(decl);
            let message = format!(
                "parameter `{key}` is declared but `{{{key}}}` does not appear in address `{raw}`"
            );
            let id = ctx.id(at);
            let help = format!("use `{{{key}}}` in the address or remove the parameter");
            ctx.diagnostics.push(if is_error {
                Diagnostic::error("param-unused", Some(id), message).with_help(help)
            } else {
                Diagnostic::warning("param-unused", Some(id), message).with_help(help)
            });
        }
    }
    (address, parameters)
}

fn parameter<'a>(ctx: &mut Ctx<'a>, name: &str, param: &'a Node, is_v3: bool) -> Parameter {
    let mut allowed: Vec<serde_json::Value> =
        ctx.seq(param, "enum").iter().map(|n| n.to_json()).collect();
    let mut default = param.get("default").map(Node::to_json);
    let mut examples: Vec<serde_json::Value> = ctx
        .seq(param, "examples")
        .iter()
        .map(|n| n.to_json())
        .collect();
    let schema = if is_v3 {
        let mut schema = serde_json::Map::new();
        schema.insert("type".into(), "string".into());
        if !allowed.is_empty() {
            schema.insert("enum".into(), allowed.clone().into());
        }
        if let Some(d) = &default {
            schema.insert("default".into(), d.clone());
        }
        if !examples.is_empty() {
            schema.insert("examples".into(), examples.clone().into());
        }
        Some(serde_json::Value::Object(schema))
    } else {
        let decl = param.get("schema");
        let value = decl.map(|s| ctx.schema_value(s));
        if let Some(target) = decl.and_then(|s| ctx.deref(s)) {
            if allowed.is_empty() {
                allowed = ctx
                    .seq(target, "enum")
                    .iter()
                    .map(|n| n.to_json())
                    .collect();
            }
            if default.is_none() {
                default = target.get("default").map(Node::to_json);
            }
            if examples.is_empty() {
                examples = ctx
                    .seq(target, "examples")
                    .iter()
                    .map(|n| n.to_json())
                    .collect();
            }
        }
        value
    };
    Parameter {
        name: name.to_string(),
        description: ctx.string(param, "description"),
        schema,
        allowed,
        default,
        examples,
        location: ctx.string(param, "location"),
        declared: true,
    }
}

/// The `asyncapi` version family: 2 or 3, `None` when unsupported (reported).
pub fn version<'a>(ctx: &mut Ctx<'a>, root: &'a Node) -> Option<u8> {
    let Some(node) = root.get("asyncapi") else {
        ctx.error(
            "version-missing",
            root,
            "this is not an AsyncAPI document: the `asyncapi` field is missing",
        );
        return None;
    };
    let text = node.scalar_text().unwrap_or_default();
    ctx.doc.asyncapi_version = text.clone();
    let parts: Vec<u32> = text.split('.').filter_map(|p| p.parse().ok()).collect();
    let family = match parts.as_slice() {
        [2, minor, _] if *minor <= 6 => Some(2),
        [3, 0 | 1, _] => Some(3),
        _ => None,
    };
    if family.is_none() {
        let id = ctx.id(node);
        ctx.diagnostics.push(
            Diagnostic::error(
                "version-unsupported",
                Some(id),
                format!("AsyncAPI version `{text}` is not supported"),
            )
            .with_help("mqttgen reads AsyncAPI 2.0.0–2.6.0, 3.0.0 and 3.1.0"),
        );
    }
    family
}

/// True when `node` is a mapping (reports a `type-mismatch` otherwise).
pub fn expect_map<'a>(ctx: &mut Ctx<'a>, node: &'a Node, what: &str) -> bool {
    if matches!(node.value, Value::Map(_)) {
        return true;
    }
    let message = format!("{what} must be a mapping, not {}", node.kind());
    ctx.error("type-mismatch", node, message);
    false
}

/// `id`, `info`, `defaultContentType`, tags (root `tags` in 2.x, `info.tags` in 3.x).
pub fn document_header<'a>(ctx: &mut Ctx<'a>, root: &'a Node) {
    ctx.doc.id = ctx.string(root, "id");
    ctx.doc.default_content_type = ctx.string(root, "defaultContentType");
    match ctx.field(root, "info") {
        Some(info) if expect_map(ctx, info, "`info`") => {
            ctx.doc.info = crate::model::Info {
                title: ctx.string(info, "title").unwrap_or_default(),
                version: ctx.string(info, "version").unwrap_or_default(),
                description: ctx.string(info, "description"),
            };
            let mut tags = ctx.tags(info);
            tags.extend(ctx.tags(root));
            ctx.doc.tags = tags;
        }
        Some(_) => {}
        None => ctx.warn("info-missing", root, "the document has no `info`"),
    }
}

/// Fixed fields of the objects whose unknown fields are reported, per version family.
pub fn fixed_fields(kind: &str, v3: bool) -> &'static [&'static str] {
    match (kind, v3) {
        ("operation", false) => &[
            "operationId",
            "summary",
            "description",
            "security",
            "tags",
            "externalDocs",
            "bindings",
            "traits",
            "message",
        ],
        ("operation", true) => &[
            "action",
            "channel",
            "title",
            "summary",
            "description",
            "security",
            "tags",
            "externalDocs",
            "bindings",
            "traits",
            "messages",
            "reply",
        ],
        ("message", false) => &[
            "headers",
            "payload",
            "correlationId",
            "schemaFormat",
            "contentType",
            "name",
            "title",
            "summary",
            "description",
            "tags",
            "externalDocs",
            "bindings",
            "examples",
            "traits",
            "messageId",
        ],
        ("message", true) => &[
            "headers",
            "payload",
            "correlationId",
            "contentType",
            "name",
            "title",
            "summary",
            "description",
            "tags",
            "externalDocs",
            "bindings",
            "examples",
            "traits",
        ],
        ("server", false) => &[
            "url",
            "protocol",
            "protocolVersion",
            "description",
            "variables",
            "security",
            "tags",
            "bindings",
        ],
        ("server", true) => &[
            "host",
            "protocol",
            "protocolVersion",
            "pathname",
            "description",
            "title",
            "summary",
            "variables",
            "security",
            "tags",
            "externalDocs",
            "bindings",
        ],
        ("channel", false) => &[
            "$ref",
            "description",
            "servers",
            "subscribe",
            "publish",
            "parameters",
            "bindings",
        ],
        ("channel", true) => &[
            "address",
            "messages",
            "title",
            "summary",
            "description",
            "servers",
            "parameters",
            "tags",
            "externalDocs",
            "bindings",
        ],
        _ => &[],
    }
}

/// Reports fields of `node` that the AsyncAPI `kind` object does not have (`x-` extensions are fine).
pub fn unknown_fields<'a>(ctx: &mut Ctx<'a>, node: &'a Node, kind: &str) {
    let v3 = ctx.doc.asyncapi_version.starts_with('3');
    let allowed = fixed_fields(kind, v3);
    for entry in node.as_map().unwrap_or_default() {
        let key = entry.key.as_str();
        if key.starts_with("x-") || allowed.contains(&key) {
            continue;
        }
        let version = ctx.doc.asyncapi_version.clone();
        let id = ctx.id(&entry.value);
        ctx.diagnostics.push(
            Diagnostic::error(
                "unknown-field",
                Some(id),
                format!("`{key}` is not a field of an AsyncAPI {version} {kind} object"),
            )
            .with_help(format!(
                "remove it, or rename it to `x-{key}` to keep it as an extension"
            )),
        );
    }
}

/// Server names a channel is limited to: 2.x names, 3.x `$ref`s to `#/servers/<name>`; names that
/// are not servers of the document are errors.
pub fn channel_servers<'a>(ctx: &mut Ctx<'a>, channel: &'a Node) -> Vec<String> {
    let mut names = Vec::new();
    for item in ctx.seq(channel, "servers") {
        let name = match (ref_of(item), item.scalar_text()) {
            (Some(reference), _) => {
                if let Err(d) = ctx.files.resolve(item, reference) {
                    ctx.report_at(item.get("$ref").unwrap_or(item), d);
                    continue;
                }
                pointer::last_segment(reference.split('#').nth(1).unwrap_or(""))
            }
            (None, Some(name)) => name,
            (None, None) => {
                let message = format!(
                    "a channel server must be a server name or `$ref`, not {}",
                    item.kind()
                );
                ctx.error("type-mismatch", item, message);
                continue;
            }
        };
        if !ctx.doc.servers.iter().any(|s| s.name == name) {
            let message = format!("channel refers to server `{name}`, which is not in `servers`");
            ctx.error("server-undeclared", item, message);
        }
        names.push(name);
    }
    names
}
