//! The official parser's rules beyond the schema (its Spectral ruleset, `@asyncapi/parser`
//! `ruleset/v2`), on the resolved document. Rules the front end already applies while building
//! the model (declared and used parameters, undeclared server variables, operation ids, channel
//! servers, `#` in addresses) are not repeated here.
//!
//! AsyncAPI 2.x:
//! - `default` and each of `examples` of a top-level payload, parameter or component schema
//!   satisfy that schema (`asyncapi2-schema-default`, `asyncapi2-schema-examples`);
//! - each message example's `payload` and `headers` satisfy the message's schemas
//!   (`asyncapi2-message-examples`);
//! - a server URL with variables declares no variable it does not use (`asyncapi2-server-variables`);
//! - tag names are unique in each list (`asyncapi2-tags-uniqueness`);
//! - a channel name has no query (`?`) (`asyncapi2-channel-no-query-nor-fragment`).

use serde_json::Value;

use super::explain::Finding;
use crate::reader::pointer;

/// The findings of every rule for AsyncAPI `version`.
pub fn run(doc: &Value, version: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if !apply(version) {
        return out;
    }
    for (at, schema) in top_level_schemas(doc) {
        schema_samples(&at, schema, &mut out);
    }
    for (at, message) in messages(doc) {
        message_examples(&at, message, &mut out);
    }
    for (at, server) in entries(doc, &["servers"])
        .into_iter()
        .chain(entries(doc, &["components", "servers"]))
    {
        redundant_variables(&at, server, &mut out);
    }
    for (at, tags) in tag_lists(doc) {
        unique_tags(&at, tags, &mut out);
    }
    if let Some(channels) = doc.get("channels").and_then(Value::as_object) {
        for name in channels.keys().filter(|k| k.contains('?')) {
            out.push(Finding {
                pointer: join("/channels", name),
                message: format!(
                    "channel `{name}` has a query (`?`); a channel name is a topic, not a URL"
                ),
                code: "channel-query",
            });
        }
    }
    out
}

/// True when AsyncAPI `version` has rules here (2.x; 3.x documents have none beyond the schema).
pub fn apply(version: &str) -> bool {
    version.starts_with('2')
}

fn join(base: &str, key: &str) -> String {
    pointer::push(base, key)
}

/// (pointer, value) of each entry of the mapping at `path`.
fn entries<'v>(doc: &'v Value, path: &[&str]) -> Vec<(String, &'v Value)> {
    let mut node = doc;
    let mut at = String::new();
    for key in path {
        match node.get(*key) {
            Some(next) => {
                node = next;
                at = join(&at, key);
            }
            None => return Vec::new(),
        }
    }
    node.as_object()
        .map(|m| m.iter().map(|(k, v)| (join(&at, k), v)).collect())
        .unwrap_or_default()
}

/// The operations of the 2.x channels: (pointer, operation).
fn operations(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (at, channel) in entries(doc, &["channels"]) {
        for verb in ["publish", "subscribe"] {
            if let Some(op) = channel.get(verb) {
                out.push((join(&at, verb), op));
            }
        }
    }
    out
}

/// Messages the rules look at: operation messages (and their `oneOf`), component messages.
fn messages(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (at, op) in operations(doc) {
        let Some(message) = op.get("message") else {
            continue;
        };
        let at = join(&at, "message");
        match message.get("oneOf").and_then(Value::as_array) {
            Some(list) => {
                for (i, m) in list.iter().enumerate() {
                    out.push((join(&join(&at, "oneOf"), &i.to_string()), m));
                }
            }
            None => out.push((at, message)),
        }
    }
    out.extend(entries(doc, &["components", "messages"]));
    out.retain(|(_, m)| m.get("schemaFormat").is_none() && m.is_object());
    out
}

/// Top-level schemas whose `default`/`examples` the official parser checks.
fn top_level_schemas(doc: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (at, op) in operations(doc) {
        if let Some(message) = op
            .get("message")
            .filter(|m| m.get("schemaFormat").is_none())
        {
            if let Some(payload) = message.get("payload") {
                out.push((join(&join(&at, "message"), "payload"), payload));
            }
        }
    }
    for (at, channel) in entries(doc, &["channels"]) {
        if let Some(params) = channel.get("parameters").and_then(Value::as_object) {
            for (name, param) in params {
                if let Some(schema) = param.get("schema") {
                    out.push((
                        join(&join(&join(&at, "parameters"), name), "schema"),
                        schema,
                    ));
                }
            }
        }
    }
    out.extend(entries(doc, &["components", "schemas"]));
    for (at, param) in entries(doc, &["components", "parameters"]) {
        if let Some(schema) = param.get("schema") {
            out.push((join(&at, "schema"), schema));
        }
    }
    for (at, message) in entries(doc, &["components", "messages"])
        .into_iter()
        .chain(entries(doc, &["components", "messageTraits"]))
    {
        if message.get("schemaFormat").is_none() {
            if let Some(payload) = message.get("payload") {
                out.push((join(&at, "payload"), payload));
            }
        }
    }
    out
}

/// The reasons `value` does not satisfy `schema` (none when the schema cannot be compiled alone,
/// e.g. it still holds a reference).
fn violations(schema: &Value, value: &Value) -> Option<Vec<String>> {
    if !schema.is_object() {
        return None;
    }
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(schema)
        .ok()?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().as_str().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("at `{at}`: {e}")
            }
        })
        .collect();
    (!errors.is_empty()).then_some(errors)
}

fn schema_samples(at: &str, schema: &Value, out: &mut Vec<Finding>) {
    if let Some(default) = schema.get("default") {
        if let Some(why) = violations(schema, default) {
            out.push(Finding {
                pointer: join(at, "default"),
                message: format!(
                    "the `default` does not satisfy its own schema: {}",
                    why.join("; ")
                ),
                code: "schema-default",
            });
        }
    }
    if let Some(examples) = schema.get("examples").and_then(Value::as_array) {
        for (i, example) in examples.iter().enumerate() {
            if let Some(why) = violations(schema, example) {
                out.push(Finding {
                    pointer: join(&join(at, "examples"), &i.to_string()),
                    message: format!(
                        "example {} does not satisfy its schema: {}",
                        i + 1,
                        why.join("; ")
                    ),
                    code: "schema-example",
                });
            }
        }
    }
}

fn message_examples(at: &str, message: &Value, out: &mut Vec<Finding>) {
    let Some(examples) = message.get("examples").and_then(Value::as_array) else {
        return;
    };
    for (i, example) in examples.iter().enumerate() {
        for part in ["payload", "headers"] {
            let (Some(schema), Some(value)) = (message.get(part), example.get(part)) else {
                continue;
            };
            if let Some(why) = violations(schema, value) {
                out.push(Finding {
                    pointer: join(&join(&join(at, "examples"), &i.to_string()), part),
                    message: format!(
                        "the {part} of example {} does not satisfy the message's {part} schema: {}",
                        i + 1,
                        why.join("; ")
                    ),
                    code: "message-example",
                });
            }
        }
    }
}

/// `{name}`s in a URL.
fn url_variables(url: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

fn redundant_variables(at: &str, server: &Value, out: &mut Vec<Finding>) {
    let (Some(url), Some(variables)) = (
        server.get("url").and_then(Value::as_str),
        server.get("variables").and_then(Value::as_object),
    ) else {
        return;
    };
    let used = url_variables(url);
    // Like the official parser: a URL without any variable is not checked.
    if used.is_empty() {
        return;
    }
    for name in variables.keys().filter(|k| !used.contains(&k.as_str())) {
        out.push(Finding {
            pointer: join(&join(at, "variables"), name),
            message: format!("server variable `{name}` is declared but `{{{name}}}` does not appear in the URL `{url}`"),
            code: "server-variable-unused",
        });
    }
}

/// Every `tags` list the official parser checks.
fn tag_lists(doc: &Value) -> Vec<(String, &Value)> {
    let mut holders: Vec<(String, &Value)> = vec![(String::new(), doc)];
    for (at, op) in operations(doc) {
        if let Some(traits) = op.get("traits").and_then(Value::as_array) {
            for (i, t) in traits.iter().enumerate() {
                holders.push((join(&join(&at, "traits"), &i.to_string()), t));
            }
        }
        holders.push((at, op));
    }
    let all_messages = messages(doc);
    for (at, message) in &all_messages {
        if let Some(traits) = message.get("traits").and_then(Value::as_array) {
            for (i, t) in traits.iter().enumerate() {
                holders.push((join(&join(at, "traits"), &i.to_string()), t));
            }
        }
    }
    holders.extend(all_messages);
    holders.extend(entries(doc, &["components", "operationTraits"]));
    holders.extend(entries(doc, &["components", "messageTraits"]));
    holders
        .into_iter()
        .filter_map(|(at, holder)| holder.get("tags").map(|tags| (join(&at, "tags"), tags)))
        .collect()
}

fn unique_tags(at: &str, tags: &Value, out: &mut Vec<Finding>) {
    let Some(tags) = tags.as_array() else { return };
    let mut seen = std::collections::HashSet::new();
    for (i, tag) in tags.iter().enumerate() {
        if let Some(name) = tag.get("name").and_then(Value::as_str) {
            if !seen.insert(name) {
                out.push(Finding {
                    pointer: join(&join(at, &i.to_string()), "name"),
                    message: format!("tag `{name}` is listed twice"),
                    code: "tag-duplicate",
                });
            }
        }
    }
}
