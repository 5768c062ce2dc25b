//! Channels, operations, their messages and replies, as the export model sees them: operations
//! carry their address, parameters and messages; channels only add ids and descriptions.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::{formats, optional_calls, qos_tokens, Export};
use crate::spec::model::{Action, Address, Channel, Level, Message, Operation, Reply};

/// Everything from the channels and operations: message variables, channel metadata and
/// `document = document.operation(..);` per exportable operation.
pub(super) fn channels_and_operations(ex: &mut Export<'_>) -> TokenStream {
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

    let mut tokens = TokenStream::new();
    for &index in &used_messages {
        let var = message_var(index);
        let message = message_doc(ex, &doc.messages[index]);
        tokens.extend(quote! { let #var = #message; });
    }
    tokens.extend(channel_docs(ex, &used_channels));
    for (op, address, reply) in operations {
        let op_tokens = operation(ex, op, address, reply);
        tokens.extend(quote! { document = document.operation(#op_tokens); });
    }
    tokens
}

/// Where a reply goes, as far as the export model can say.
enum ReplyTarget {
    Location(String),
    Topic(String),
    ResponseTopic,
}

fn reply_address(ex: &Export<'_>, reply: &Reply) -> Result<ReplyTarget, String> {
    if let Some(location) = &reply.address_location {
        return Ok(ReplyTarget::Location(location.clone()));
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
    let reason = if raw.starts_with("$share/") {
        Some("its address starts with `$share/`")
    } else if raw.contains('?') {
        Some("its address contains `?`")
    } else if address.levels.iter().any(|l| matches!(l, Level::AnyMulti)) {
        Some("its address ends in the wildcard `#`")
    } else if address.levels.iter().any(|l| matches!(l, Level::Mixed(_))) {
        Some("its address mixes text and `{parameters}` in one level")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(format!("{reason} (`{raw}`), which the exporter rejects")),
        None => Ok(raw),
    }
}

fn message_var(index: usize) -> Ident {
    Ident::new(&format!("message_{index}"), Span::call_site())
}

/// `MessageDoc::new(name, payload)` with everything the export model holds.
fn message_doc(ex: &mut Export<'_>, message: &Message) -> TokenStream {
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
            let value = ex.schemas.export_value(&schema);
            ex.values.get(&value)
        }
        None => {
            // The export model always writes `payload` and the official parser rejects `null`:
            // an open schema is the closest valid statement of "no payload".
            ex.left_out.push(format!(
                "that message `{name}` has no payload (exported as an open schema `{{}}`)"
            ));
            ex.values.get(&serde_json::json!({}))
        }
    };
    let content_type = message.content_type.as_deref().unwrap_or_default();
    let calls = optional_calls(&[
        ("title", &message.title),
        ("summary", &message.summary),
        ("description", &message.description),
        ("correlation_id", &message.correlation_id),
    ]);
    let headers = message.headers.as_ref().map(|slot| {
        let value = ex.schemas.export_value(&formats::exportable_schema(slot).0);
        let value = ex.values.get(&value);
        quote! { .headers_schema(#value, ::std::option::Option::None) }
    });
    let examples: Vec<TokenStream> = message
        .examples
        .iter()
        .filter_map(|e| e.payload.as_ref())
        .map(|payload| ex.values.get(payload))
        .collect();
    quote! {
        api::MessageDoc::new(#name, #payload)
            .content_type(#content_type)
            #calls
            #headers
            #( .example(#examples) )*
    }
}

/// `document = document.channel(..);` for the first channel of every used address (the
/// exporter keys channels by address), keeping the spec's channel id when it is a valid key.
fn channel_docs(ex: &mut Export<'_>, used: &BTreeSet<usize>) -> TokenStream {
    let mut by_address: BTreeMap<&str, &Channel> = BTreeMap::new();
    let mut tokens = TokenStream::new();
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
        let id = (super::schemas::sanitize(&channel.id) == channel.id).then(|| {
            let id = &channel.id;
            quote! { .id(#id) }
        });
        let calls = optional_calls(&[
            ("title", &channel.title),
            ("summary", &channel.summary),
            ("description", &channel.description),
        ]);
        tokens.extend(quote! {
            document = document.channel(
                api::ChannelDoc::new(#address) #id #calls
            );
        });
    }
    tokens
}

fn operation(
    ex: &mut Export<'_>,
    op: &Operation,
    address: &str,
    reply: Option<(&Reply, ReplyTarget)>,
) -> TokenStream {
    let doc = ex.doc;
    let id = &op.id;
    let constructor = match op.action {
        Some(Action::Send) => quote! { send },
        _ => quote! { receive },
    };
    let channel = &doc.channels[op.channel];
    let calls = optional_calls(&[("summary", &op.summary), ("description", &op.description)]);
    let mut bindings = TokenStream::new();
    if let Some(mqtt) = &op.mqtt {
        if let Some(qos) = mqtt.qos {
            let qos = qos_tokens(qos);
            bindings.extend(quote! { .qos(#qos) });
        }
        if let Some(retain) = mqtt.retain {
            bindings.extend(quote! { .retain(#retain) });
        }
        if let Some(seconds) = mqtt.message_expiry_interval {
            match u32::try_from(seconds) {
                Ok(seconds) => bindings.extend(quote! { .message_expiry_interval(#seconds) }),
                Err(_) => ex.left_out.push(format!(
                    "the messageExpiryInterval of operation `{id}` (above u32::MAX seconds)"
                )),
            }
        }
    }
    let tags = op.tags.iter().map(|t| &t.name);
    let parameters = channel
        .parameters
        .iter()
        .filter(|p| p.declared)
        .map(|p| {
            if p.default.is_some() || p.location.is_some() {
                ex.left_out.push(format!(
                    "the default/location of parameter `{}` of channel `{}`",
                    p.name, channel.id
                ));
            }
            let name = &p.name;
            let description = optional_calls(&[("description", &p.description)]);
            let allowed = p.allowed.iter().map(text);
            let enum_values =
                (!p.allowed.is_empty()).then(|| quote! { .enum_values([#(#allowed),*]) });
            let examples = p.examples.iter().map(text);
            quote! {
                api::ParameterDoc::new(#name)
                    #description #enum_values #( .example(#examples) )*
            }
        })
        .collect::<Vec<_>>();
    let messages = op
        .messages
        .iter()
        .map(|&m| message_use(doc.messages.as_slice(), Some(channel), m));
    let reply = reply.map(|(reply, target)| {
        let reply_channel = reply.channel.map(|c| &doc.channels[c]);
        let address = match target {
            ReplyTarget::Location(location) => quote! {
                api::ReplyAddress::Location(::std::string::String::from(#location))
            },
            ReplyTarget::Topic(topic) => quote! {
                api::ReplyAddress::Topic(::std::string::String::from(#topic))
            },
            ReplyTarget::ResponseTopic => {
                quote! { api::ReplyAddress::ResponseTopic }
            }
        };
        let messages = reply
            .messages
            .iter()
            .map(|&m| message_use(doc.messages.as_slice(), reply_channel, m));
        quote! {
            .reply(api::ReplyDoc {
                address: #address,
                messages: ::std::vec![#(#messages),*],
            })
        }
    });
    quote! {
        api::OperationDoc::#constructor(#id, #address)
            #calls #bindings #( .tag(#tags) )*
            #( .parameter(#parameters) )*
            #( .message(#messages) )*
            #reply
    }
}

/// The message variable, renamed to its key in `channel`'s `messages` when that differs.
fn message_use(messages: &[Message], channel: Option<&Channel>, index: usize) -> TokenStream {
    let var = message_var(index);
    let key = channel
        .and_then(|c| c.messages.iter().find(|m| m.message == index))
        .map(|m| m.key.as_str());
    match key {
        Some(key) if key != messages[index].name => quote! { #var.named(#key) },
        _ => quote! { #var.clone() },
    }
}

/// A parameter value as the text it stands for in a topic.
fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
