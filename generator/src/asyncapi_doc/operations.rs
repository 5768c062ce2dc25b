//! Channels, operations, their messages and replies, as the export model sees them: operations
//! carry their address, parameters and messages; channels only add ids and descriptions.

use std::collections::{BTreeMap, BTreeSet};

use mqttgen_address::Location;
use mqttgen_asyncapi as export;
use serde_json::Value;

use super::{formats, qos, Export};
use crate::model::{Action, Address, Channel, Message, Operation, Qos, Reply};

/// The channels and operations of the model: channel metadata for every used address, and
/// every exportable operation with its messages (each used message is built once).
pub(super) fn channels_and_operations(
    ex: &mut Export<'_>,
) -> (Vec<export::ChannelDoc>, Vec<export::OperationDoc>) {
    let doc = ex.doc;
    let mut used_messages = BTreeSet::new();
    let mut used_channels = BTreeSet::new();
    let mut operations = Vec::new();
    for op in &doc.operations {
        let channel = &doc.channels[op.channel];
        let address = match (op.action, exportable(channel.address.as_ref())) {
            (None, _) => Err("it has no action".to_owned()),
            (_, Err(reason)) => Err(reason),
            (Some(_), Ok(address)) => Ok(address),
        };
        let address = match address {
            Ok(address) => address,
            Err(reason) => {
                ex.left_out.push(format!("operation `{}`: {reason}", op.id));
                continue;
            }
        };
        used_channels.insert(op.channel);
        used_messages.extend(op.messages.iter().copied());
        let reply = op
            .reply
            .as_ref()
            .and_then(|reply| match reply_address(ex, reply) {
                Ok(address) => {
                    used_messages.extend(reply.messages.iter().copied());
                    if matches!(address, ReplyTarget::Topic(_)) {
                        used_channels.extend(reply.channel);
                    }
                    Some((reply, address))
                }
                Err(reason) => {
                    ex.left_out
                        .push(format!("the reply of operation `{}`: {reason}", op.id));
                    None
                }
            });
        operations.push((op, address, reply));
    }

    let messages: BTreeMap<usize, export::MessageDoc> = used_messages
        .into_iter()
        .map(|index| (index, message_doc(ex, &doc.messages[index])))
        .collect();
    let channels = channel_docs(ex, &used_channels);
    let operations = operations
        .into_iter()
        .map(|(op, address, reply)| operation(ex, &messages, op, address, reply))
        .collect();
    (channels, operations)
}

/// Where a reply goes, as far as the export model can say.
enum ReplyTarget {
    Location(Location),
    Topic(String),
    ResponseTopic,
}

fn reply_address(ex: &Export<'_>, reply: &Reply) -> Result<ReplyTarget, String> {
    if let Some(expression) = &reply.address_location {
        return Location::parse(expression)
            .map(ReplyTarget::Location)
            .map_err(|error| format!("its address location: {error}"));
    }
    match reply.channel.map(|c| &ex.doc.channels[c]) {
        Some(channel) if channel.address.is_some() => {
            exportable(channel.address.as_ref()).map(|a| ReplyTarget::Topic(a.to_owned()))
        }
        _ => Ok(ReplyTarget::ResponseTopic),
    }
}

/// The address as the exporter accepts it: whole-level `{param}`s, no `#`, `?` or `$share/`.
fn exportable(address: Option<&Address>) -> Result<&str, String> {
    let Some(address) = address else {
        return Err("its channel has no address (`address: null`)".to_owned());
    };
    let raw = address.raw.as_str();
    let reason = address.export_problem();
    match reason {
        Some(reason) => Err(format!("its address `{raw}` {reason}")),
        None => Ok(raw),
    }
}

/// A message with everything the export model holds.
fn message_doc(ex: &mut Export<'_>, message: &Message) -> export::MessageDoc {
    let name = &message.name;
    let payload = match &message.payload {
        Some(slot) => {
            let (schema, wrapped) = formats::exportable_schema(slot);
            if wrapped {
                ex.left_out.push(format!(
                    "the `{}` payload schema of message `{name}` (exported under `x-schema`)",
                    slot.schema_format
                ));
            }
            ex.schemas.export_value(&schema)
        }
        None => {
            // The export model always writes `payload` and the official parser rejects `null`:
            // an open schema is the closest valid statement of "no payload".
            ex.left_out.push(format!(
                "that message `{name}` has no payload (exported as an open schema `{{}}`)"
            ));
            serde_json::json!({})
        }
    };
    let headers = message
        .headers
        .as_ref()
        .map(|slot| ex.schemas.export_value(&formats::exportable_schema(slot).0));
    let examples = message
        .examples
        .iter()
        .filter(|e| e.payload.is_some() || e.headers.is_some())
        .map(|e| export::ExampleDoc {
            name: e.name.clone(),
            summary: e.summary.clone(),
            headers: e.headers.clone(),
            payload: e.payload.clone(),
        })
        .collect();
    let correlation_id = message.correlation_id.as_deref().and_then(|expression| {
        Location::parse(expression)
            .map_err(|error| {
                ex.left_out
                    .push(format!("the correlation id of message `{name}`: {error}"))
            })
            .ok()
    });
    export::MessageDoc {
        name: name.clone(),
        content_type: message.content_type.clone().unwrap_or_default(),
        title: message.title.clone(),
        summary: message.summary.clone(),
        description: message.description.clone(),
        correlation_id,
        payload_schema: payload,
        headers_schema: headers,
        examples,
        ..export::MessageDoc::default()
    }
}

/// Metadata for the first channel of every used address (the exporter keys channels by
/// address), keeping the spec's channel id when it is a valid key.
fn channel_docs(ex: &mut Export<'_>, used: &BTreeSet<usize>) -> Vec<export::ChannelDoc> {
    let mut by_address: BTreeMap<&str, &Channel> = BTreeMap::new();
    let mut channels = Vec::new();
    for &index in used {
        let channel = &ex.doc.channels[index];
        let Some(address) = channel.address.as_ref().map(|a| a.raw.as_str()) else {
            continue;
        };
        if let Some(first) = by_address.get(address) {
            ex.left_out.push(format!(
                "channel `{}` (same address as channel `{}`)",
                channel.id, first.id
            ));
            continue;
        }
        by_address.insert(address, channel);
        let id = (super::schemas::sanitize(&channel.id) == channel.id).then_some(&channel.id);
        channels.push(export::ChannelDoc {
            address: address.to_owned(),
            id: id.cloned(),
            title: channel.title.clone(),
            summary: channel.summary.clone(),
            description: channel.description.clone(),
        });
    }
    channels
}

fn operation(
    ex: &mut Export<'_>,
    messages: &BTreeMap<usize, export::MessageDoc>,
    op: &Operation,
    address: &str,
    reply: Option<(&Reply, ReplyTarget)>,
) -> export::OperationDoc {
    let doc = ex.doc;
    let id = &op.id;
    let action = match op.action {
        Some(Action::Send) => export::Action::Send,
        _ => export::Action::Receive,
    };
    let channel = &doc.channels[op.channel];
    let mqtt = op.mqtt.as_ref();
    let expiry = mqtt.and_then(|mqtt| mqtt.message_expiry_interval);
    let expiry = expiry.and_then(|seconds| match u32::try_from(seconds) {
        Ok(seconds) => Some(seconds),
        Err(_) => {
            ex.left_out.push(format!(
                "the messageExpiryInterval of operation `{id}` (above u32::MAX seconds)"
            ));
            None
        }
    });
    let parameters = channel
        .parameters
        .iter()
        .filter(|p| p.declared)
        .map(|p| {
            if p.location.is_some() {
                ex.left_out.push(format!(
                    "the location of parameter `{}` of channel `{}`",
                    p.name, channel.id
                ));
            }
            export::ParameterDoc {
                name: p.name.clone(),
                description: p.description.clone(),
                default: p.default.as_ref().map(text),
                enum_values: p.allowed.iter().map(text).collect(),
                examples: p.examples.iter().map(text).collect(),
            }
        })
        .collect();
    let uses = |channel: Option<&Channel>, indexes: &[usize]| -> Vec<export::MessageDoc> {
        indexes
            .iter()
            .map(|&m| message_use(messages, doc.messages.as_slice(), channel, m))
            .collect()
    };
    let reply = reply.map(|(reply, target)| {
        let address = match target {
            ReplyTarget::Location(location) => export::ReplyAddress::Location(location),
            ReplyTarget::Topic(topic) => export::ReplyAddress::Topic(topic),
            ReplyTarget::ResponseTopic => export::ReplyAddress::ResponseTopic,
        };
        let reply_channel = reply.channel.map(|c| &doc.channels[c]);
        export::ReplyDoc {
            address,
            messages: uses(reply_channel, &reply.messages),
        }
    });
    export::OperationDoc {
        id: id.clone(),
        action,
        address: address.to_owned(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        qos: qos(effective_qos(op)),
        retain: mqtt.and_then(|mqtt| mqtt.retain).unwrap_or(false),
        message_expiry_interval: expiry,
        tags: op.tags.iter().map(|t| t.name.clone()).collect(),
        parameters,
        messages: uses(Some(channel), &op.messages),
        reply,
        ..export::OperationDoc::default()
    }
}

/// The QoS the generated code uses for `op`: the binding's, else QoS 1 for the subscription
/// of a receive operation (the runtime's route default) and QoS 0 for a publish.
pub(crate) fn effective_qos(op: &Operation) -> Qos {
    match op.mqtt.as_ref().and_then(|mqtt| mqtt.qos) {
        Some(qos) => qos,
        None if op.action == Some(Action::Receive) => Qos::AtLeastOnce,
        None => Qos::AtMostOnce,
    }
}

/// The message at `index`, renamed to its key in `channel`'s `messages` when that differs.
fn message_use(
    built: &BTreeMap<usize, export::MessageDoc>,
    messages: &[Message],
    channel: Option<&Channel>,
    index: usize,
) -> export::MessageDoc {
    let key = channel
        .and_then(|c| c.messages.iter().find(|m| m.message == index))
        .map(|m| m.key.as_str());
    match key.filter(|key| *key != messages[index].name) {
        Some(key) => built[&index].named(key),
        None => built[&index].clone(),
    }
}

/// A parameter value as the text it stands for in a topic.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
