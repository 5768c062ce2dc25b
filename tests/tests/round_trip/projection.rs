//! The part of an AsyncAPI document a round trip must keep, as one JSON value, and a
//! path-by-path difference of two such values.
//!
//! The projection is operation-centred (the export model is): every operation with its id
//! (sanitised the way the exporter writes keys), action, channel address and (3.x) id, MQTT binding
//! (when absent, `qos` is what generated code uses: 1 for receiving, 0 for sending; `retain`
//! false; `messageExpiryInterval`), channel parameters (names, `enum`s and defaults), messages
//! (by their key in the channel: content type, example names, payload and headers with
//! every `$ref` inlined) and reply (location, else channel address, else the response topic);
//! servers (host, protocol, version, required schemes, MQTT binding) and security schemes.

use mqttgen_codegen::spec::model::{Channel, Document, Operation, SchemaId, Server};
use serde_json::{json, Map, Value};

/// Where the exporter sends replies that name no address: the MQTT 5 response topic.
const RESPONSE_TOPIC: &str = "$message.header#/responseTopic";

/// The normalised projection of `doc`; channel ids only with `channel_ids` (give `false` for a
/// 2.x original, whose channel ids are addresses that the export replaces by key-safe ids).
pub fn project(doc: &Document, channel_ids: bool) -> Value {
    let mut operations = Map::new();
    for op in &doc.operations {
        operations.insert(sanitize(&op.id), operation(doc, op, channel_ids));
    }
    let servers: Map<String, Value> = doc
        .servers
        .iter()
        .map(|s| (s.name.clone(), server(s)))
        .collect();
    let schemes: Map<String, Value> = doc
        .security_schemes
        .iter()
        .map(|s| (s.name.clone(), json!({ "type": s.kind, "in": s.location })))
        .collect();
    json!({ "operations": operations, "servers": servers, "securitySchemes": schemes })
}

/// Host and pathname with variables replaced by their defaults, the variables themselves
/// (defaults and enums), protocol, version, required schemes and the MQTT server binding.
fn server(server: &Server) -> Value {
    let substitute = |text: &str| {
        server.variables.iter().fold(text.to_owned(), |text, v| {
            match v.default.as_ref().or(v.allowed.first()) {
                Some(value) => text.replace(&format!("{{{}}}", v.name), value),
                None => text,
            }
        })
    };
    let security: Map<String, Value> = server
        .security
        .iter()
        .map(|name| (name.clone(), Value::Bool(true)))
        .collect();
    let mqtt = server.mqtt.as_ref().map(|b| {
        let will = b.last_will.as_ref().map(|w| {
            json!({
                "topic": w.topic,
                "qos": w.qos.unwrap_or_default() as u8,
                "message": w.message,
                "retain": w.retain.unwrap_or(false),
            })
        });
        json!({
            "clientId": b.client_id,
            "cleanSession": b.clean_session,
            "keepAlive": b.keep_alive,
            "sessionExpiryInterval": b.session_expiry_interval,
            "maximumPacketSize": b.maximum_packet_size,
            "lastWill": will,
        })
    });
    let variables: Map<String, Value> = server
        .variables
        .iter()
        .map(|v| {
            (
                v.name.clone(),
                json!({ "default": v.default, "enum": v.allowed }),
            )
        })
        .collect();
    json!({
        "variables": variables,
        "host": substitute(&server.host),
        "pathname": server.pathname.as_deref().map(substitute),
        "protocol": server.protocol,
        "protocolVersion": server.protocol_version,
        "security": security,
        "mqtt": mqtt,
    })
}

fn operation(doc: &Document, op: &Operation, channel_ids: bool) -> Value {
    let channel = &doc.channels[op.channel];
    let mqtt = op.mqtt.clone().unwrap_or_default();
    let channel_id = channel_ids.then_some(&channel.id);
    let mut value = json!({
        "action": format!("{:?}", op.action),
        "channel": address(channel),
        "channelId": channel_id,
        "parameters": parameters(channel),
        "qos": mqtt.qos.map_or_else(
            || u8::from(op.action == Some(mqttgen_codegen::spec::model::Action::Receive)),
            |qos| qos as u8,
        ),
        "retain": mqtt.retain.unwrap_or(false),
        "messageExpiryInterval": mqtt.message_expiry_interval,
        "messages": messages(doc, Some(channel), &op.messages),
    });
    if let Some(reply) = &op.reply {
        let reply_channel = reply.channel.map(|c| &doc.channels[c]);
        let address = reply
            .address_location
            .clone()
            .map(Value::from)
            .or_else(|| reply_channel.map(address).filter(|a| !a.is_null()))
            .unwrap_or_else(|| RESPONSE_TOPIC.into());
        value["reply"] = json!({
            "address": address,
            "messages": messages(doc, reply_channel, &reply.messages),
        });
    }
    value
}

fn address(channel: &Channel) -> Value {
    channel
        .address
        .as_ref()
        .map_or(Value::Null, |a| a.raw.as_str().into())
}

fn parameters(channel: &Channel) -> Value {
    let mut out = Map::new();
    for p in &channel.parameters {
        let allowed: Vec<Value> = p
            .allowed
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v.to_string(), str::to_owned)
                    .into()
            })
            .collect();
        out.insert(
            p.name.clone(),
            json!({ "enum": allowed, "default": p.default }),
        );
    }
    Value::Object(out)
}

fn messages(doc: &Document, channel: Option<&Channel>, indexes: &[usize]) -> Value {
    let mut out = Map::new();
    for &index in indexes {
        let message = &doc.messages[index];
        let key = channel
            .and_then(|c| c.messages.iter().find(|m| m.message == index))
            .map_or(message.name.as_str(), |m| m.key.as_str());
        let slot = |slot: &Option<mqttgen_codegen::spec::model::SchemaSlot>| {
            slot.as_ref()
                .map_or(Value::Null, |s| inline(doc, &s.schema, &mut Vec::new()))
        };
        out.insert(
            sanitize(key),
            json!({
                "contentType": message.content_type,
                "examples": message.examples.iter().map(|e| &e.name).collect::<Vec<_>>(),
                "payload": slot(&message.payload),
                "headers": slot(&message.headers),
                "correlationId": message.correlation_id,
            }),
        );
    }
    Value::Object(out)
}

/// `value` with every canonical `$ref` replaced by its target (a ref back into a schema being
/// inlined becomes `{"$ref": "(recursive)"}`) and every `definitions` member dropped (the
/// export names referenced definitions as schemas of their own).
fn inline(doc: &Document, value: &Value, stack: &mut Vec<SchemaId>) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(id) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(SchemaId::parse)
            {
                if let Some(target) = doc.schemas.get(&id) {
                    if stack.contains(&id) {
                        return json!({ "$ref": "(recursive)" });
                    }
                    stack.push(id);
                    let inlined = inline(doc, &target.value, stack);
                    stack.pop();
                    return inlined;
                }
            }
            Value::Object(
                map.iter()
                    .filter(|(k, _)| *k != "definitions")
                    .map(|(k, v)| (k.clone(), inline(doc, v, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(doc, v, stack)).collect()),
        other => other.clone(),
    }
}

/// The exporter's key rule: characters outside `[A-Za-z0-9._-]` become `_`.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every difference between `original` and `exported`, as `path: original != exported`.
pub fn differences(original: &Value, exported: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff("", original, exported, &mut out);
    out
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{path}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&child, x, y, out),
                    (x, y) => out.push(format!("{child}: {} != {}", show(x), show(y))),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}/{i}"), x, y, out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} != {b}")),
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or_else(|| "(missing)".to_owned(), Value::to_string)
}
