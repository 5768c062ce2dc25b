//! Turns a [`Document`] into the AsyncAPI 3 JSON value.
//!
//! Layout decisions (all deterministic):
//! * channels appear in the order their address is first used by an operation (or a reply);
//!   messages and parameters inside a channel in order of first use; parameters follow the
//!   address's `{}` levels exactly;
//! * operations, servers and security schemes keep the document's order;
//! * `components/schemas` is sorted by name;
//! * operations reference `#/channels/<id>/messages/<name>`; schemas live in
//!   `components/schemas` and are referenced from message payloads;
//! * the same key given to two different things is an [`ExportError::Duplicate`].

use super::document::{
    self, AsyncApi, Bindings, Components, CorrelationId, Example, Expression, Keyed, LastWill,
    MqttOperationBindings, MqttServerBindings, Operation, Reference, ServerObject, Tag, Variable,
};
use super::model::*;
use super::names::{self, KeyRegistry};
use super::refs;
use super::ExportError;
use mqttgen_address::Location;
use serde_json::Value;
use std::collections::BTreeMap;

/// MQTT bindings version written everywhere (the official parser accepts 0.1.0 and 0.2.0).
pub const MQTT_BINDING_VERSION: &str = "0.2.0";

/// The runtime expression used as the reply address of request/reply operations.
pub const RESPONSE_TOPIC_LOCATION: &str = "$message.header#/responseTopic";

/// The runtime expression naming the correlation data of replies sent to the response topic.
pub const CORRELATION_DATA_LOCATION: &str = "$message.header#/correlationData";

/// Builds the AsyncAPI JSON value of `doc`.
pub fn to_value(doc: &Document) -> Result<Value, ExportError> {
    let document = to_document(doc)?;
    serde_json::to_value(&document).map_err(|e| ExportError::Serialize(e.to_string()))
}

/// Lays `doc` out as a typed AsyncAPI 3 document.
pub fn to_document(doc: &Document) -> Result<AsyncApi, ExportError> {
    Builder::new(doc).build()
}

struct Channel {
    id: String,
    address: Option<String>,
    meta: Option<ChannelDoc>,
    parameters: Keyed<Variable>,
    messages: Keyed<document::Message>,
    /// Which operation put each message here (for duplicate errors).
    message_origins: BTreeMap<String, String>,
    /// Which operation described each parameter.
    parameter_origins: BTreeMap<String, String>,
}

impl Channel {
    fn new(id: String, address: Option<String>, meta: Option<ChannelDoc>) -> Channel {
        Channel {
            id,
            address,
            meta,
            parameters: Keyed::default(),
            messages: Keyed::default(),
            message_origins: BTreeMap::new(),
            parameter_origins: BTreeMap::new(),
        }
    }

    fn into_object(self) -> (String, document::Channel) {
        let meta = self.meta.unwrap_or_default();
        let channel = document::Channel {
            address: self.address,
            title: meta.title,
            summary: meta.summary,
            description: meta.description,
            messages: self.messages,
            parameters: self.parameters,
        };
        (self.id, channel)
    }
}

struct Builder<'d> {
    doc: &'d Document,
    channel_ids: KeyRegistry<Option<String>>,
    channels: Vec<Channel>,
    schemas: KeyRegistry<Value>,
    operation_ids: KeyRegistry<usize>,
}

impl<'d> Builder<'d> {
    fn new(doc: &'d Document) -> Self {
        Builder {
            doc,
            channel_ids: KeyRegistry::new("channel id"),
            channels: Vec::new(),
            schemas: KeyRegistry::new("schema name"),
            operation_ids: KeyRegistry::new("operation id"),
        }
    }

    fn build(mut self) -> Result<AsyncApi, ExportError> {
        let doc = self.doc;
        for (field, value) in [
            ("info.title", &doc.info.title),
            ("info.version", &doc.info.version),
        ] {
            if value.trim().is_empty() {
                return Err(ExportError::Missing { field });
            }
        }
        let security_schemes = self.security_schemes()?;
        let servers = self.servers()?;
        for (name, schema) in &doc.schemas {
            if names::sanitize(name) != *name {
                return Err(ExportError::InvalidName {
                    kind: "schema name",
                    name: name.clone(),
                });
            }
            self.schema(schema, Some(name), &format!("Document::schema(`{name}`)"))?;
        }
        let mut operations = Keyed::default();
        for (index, op) in doc.operations.iter().enumerate() {
            let key = names::sanitize(&op.id);
            self.operation_ids.claim(
                &key,
                format!("operation #{} `{}`", index + 1, op.id),
                index,
            )?;
            let value = self.operation(op)?;
            operations.insert(key, value);
        }
        self.check_channel_metadata()?;
        Ok(AsyncApi {
            asyncapi: doc.version.as_str(),
            id: doc.id.clone(),
            info: doc.info.clone(),
            default_content_type: doc.default_content_type.clone(),
            servers,
            channels: self
                .channels
                .into_iter()
                .map(Channel::into_object)
                .collect(),
            operations,
            components: Components {
                schemas: self.schemas.into_sorted().into_iter().collect(),
                security_schemes,
            },
        })
    }

    /// Every [`ChannelDoc`] must describe exactly one used address.
    fn check_channel_metadata(&self) -> Result<(), ExportError> {
        for (i, meta) in self.doc.channels.iter().enumerate() {
            if let Some(first) = self.doc.channels[..i]
                .iter()
                .find(|m| m.address == meta.address)
            {
                return Err(ExportError::Duplicate {
                    kind: "channel metadata for address",
                    key: meta.address.clone(),
                    first: format!("ChannelDoc {:?}", first.id),
                    second: format!("ChannelDoc {:?}", meta.id),
                });
            }
            if !self
                .channels
                .iter()
                .any(|c| c.address.as_deref() == Some(meta.address.as_str()))
            {
                return Err(ExportError::UnusedChannel {
                    address: meta.address.clone(),
                });
            }
        }
        Ok(())
    }

    fn security_schemes(&self) -> Result<Keyed<document::SecurityScheme>, ExportError> {
        let mut registry = KeyRegistry::new("security scheme name");
        let mut out = Keyed::default();
        for (i, scheme) in self.doc.security_schemes.iter().enumerate() {
            let key = names::sanitize(&scheme.name);
            registry.claim(&key, format!("security scheme `{}`", scheme.name), i)?;
            out.insert(
                key,
                document::SecurityScheme {
                    kind: scheme.kind.as_str().to_owned(),
                    description: scheme.description.clone(),
                    location: scheme.location.clone(),
                },
            );
        }
        Ok(out)
    }

    fn servers(&self) -> Result<Keyed<ServerObject>, ExportError> {
        let mut registry = KeyRegistry::new("server name");
        let mut out = Keyed::default();
        for (i, server) in self.doc.servers.iter().enumerate() {
            let key = names::sanitize(&server.name);
            registry.claim(&key, format!("server `{}`", server.name), i)?;
            let mut security = Vec::new();
            for scheme in &server.security {
                let key = names::sanitize(scheme);
                if !self
                    .doc
                    .security_schemes
                    .iter()
                    .any(|s| names::sanitize(&s.name) == key)
                {
                    return Err(ExportError::UnknownSecurityScheme {
                        server: server.name.clone(),
                        scheme: scheme.clone(),
                    });
                }
                security.push(Reference::to(&["components", "securitySchemes", &key]));
            }
            let variables = server
                .variables
                .iter()
                .map(|v| (v.name.clone(), server_variable(v)))
                .collect();
            let bindings = server.binding.as_ref().map(|binding| Bindings {
                mqtt: server_binding(binding),
            });
            out.insert(
                key,
                ServerObject {
                    host: server.host.clone(),
                    protocol: server.protocol.clone(),
                    protocol_version: server.protocol_version.clone(),
                    pathname: server.pathname.clone(),
                    description: server.description.clone(),
                    security,
                    variables,
                    bindings,
                },
            );
        }
        Ok(out)
    }

    fn operation(&mut self, op: &OperationDoc) -> Result<Operation, ExportError> {
        let params = address_params(&op.id, &op.address)?;
        let mut declared: Vec<&str> = Vec::new();
        for p in &op.parameters {
            if !params.contains(&p.name) {
                return Err(ExportError::UnknownParameter {
                    operation: op.id.clone(),
                    name: p.name.clone(),
                    address: op.address.clone(),
                });
            }
            if declared.contains(&p.name.as_str()) {
                return Err(ExportError::Duplicate {
                    kind: "parameter",
                    key: p.name.clone(),
                    first: format!("operation `{}`", op.id),
                    second: format!("operation `{}` (declared twice)", op.id),
                });
            }
            declared.push(&p.name);
        }
        let channel = self.channel(&op.address, &format!("operation `{}`", op.id))?;
        let origin = format!("operation `{}`", op.id);
        for name in &params {
            let ch = &mut self.channels[channel];
            let entry = ch.parameters.entry_or_insert_with(name, Variable::default);
            let Some(doc) = op.parameters.iter().find(|p| &p.name == name) else {
                continue;
            };
            let described = parameter(doc);
            if *entry == Variable::default() {
                *entry = described;
                ch.parameter_origins.insert(name.clone(), origin.clone());
            } else if *entry != described {
                return Err(ExportError::Duplicate {
                    kind: "parameter description",
                    key: format!("{name}` of channel `{}", ch.id),
                    first: ch.parameter_origins[name].clone(),
                    second: origin,
                });
            }
        }
        let messages = self.messages(channel, &op.messages, &origin)?;
        let channel_id = self.channels[channel].id.clone();
        let reply = match &op.reply {
            Some(reply) => Some(self.reply(op, reply)?),
            None => None,
        };
        Ok(Operation {
            action: op.action,
            channel: Reference::to(&["channels", &channel_id]),
            summary: op.summary.clone(),
            description: op.description.clone(),
            tags: op
                .tags
                .iter()
                .map(|name| Tag { name: name.clone() })
                .collect(),
            messages,
            bindings: Bindings {
                mqtt: MqttOperationBindings {
                    qos: op.qos,
                    retain: op.retain,
                    message_expiry_interval: op.message_expiry_interval,
                    binding_version: MQTT_BINDING_VERSION,
                },
            },
            reply,
            shared_group: op.shared_group.clone(),
        })
    }

    fn reply(
        &mut self,
        op: &OperationDoc,
        reply: &ReplyDoc,
    ) -> Result<document::Reply, ExportError> {
        let origin = format!("the reply of operation `{}`", op.id);
        let dynamic_id = format!("{}.reply", names::sanitize(&op.id));
        let (address, channel) = match &reply.address {
            ReplyAddress::ResponseTopic => {
                let address = CorrelationId {
                    description: Some(
                        "The MQTT 5 Response Topic property of the request.".to_owned(),
                    ),
                    location: Expression::ReplyAddress(Location::Property),
                };
                (Some(address), self.dynamic_channel(&dynamic_id, &origin)?)
            }
            ReplyAddress::Location(location) => {
                let address = CorrelationId {
                    description: None,
                    location: Expression::ReplyAddress(location.clone()),
                };
                (Some(address), self.dynamic_channel(&dynamic_id, &origin)?)
            }
            ReplyAddress::Topic(address) => {
                let params = address_params(&op.id, address)?;
                let channel = self.channel(address, &origin)?;
                for name in params {
                    self.channels[channel]
                        .parameters
                        .entry_or_insert_with(&name, Variable::default);
                }
                (None, channel)
            }
        };
        let messages = self.messages(channel, &reply.messages, &origin)?;
        if reply.address == ReplyAddress::ResponseTopic {
            // The dynamic channel belongs to this reply alone, so its messages may say how
            // replies are matched with requests (unless they say it themselves).
            for message in self.channels[channel].messages.values_mut() {
                message.correlation_id.get_or_insert_with(|| CorrelationId {
                    description: Some(
                        "The MQTT 5 Correlation Data of the request, echoed.".to_owned(),
                    ),
                    location: Expression::CorrelationId(Location::Property),
                });
            }
        }
        let channel_id = self.channels[channel].id.clone();
        Ok(document::Reply {
            address,
            channel: Reference::to(&["channels", &channel_id]),
            messages,
        })
    }

    /// The index of the channel for `address`, created on first use.
    fn channel(&mut self, address: &str, origin: &str) -> Result<usize, ExportError> {
        if let Some(i) = self
            .channels
            .iter()
            .position(|c| c.address.as_deref() == Some(address))
        {
            return Ok(i);
        }
        let meta = self.doc.channels.iter().find(|c| c.address == address);
        let id = match meta.and_then(|m| m.id.as_ref()) {
            Some(id) => names::sanitize(id),
            None => names::channel_id(address),
        };
        self.channel_ids.claim(
            &id,
            format!("address `{address}` (first used by {origin})"),
            Some(address.to_owned()),
        )?;
        self.channels
            .push(Channel::new(id, Some(address.to_owned()), meta.cloned()));
        Ok(self.channels.len() - 1)
    }

    /// A channel whose address is only known at run time (`address: null`).
    fn dynamic_channel(&mut self, id: &str, origin: &str) -> Result<usize, ExportError> {
        self.channel_ids
            .claim(id, format!("the dynamic channel of {origin}"), None)?;
        self.channels.push(Channel::new(id.to_owned(), None, None));
        Ok(self.channels.len() - 1)
    }

    /// Puts `messages` into the channel and returns the operation's references to them.
    fn messages(
        &mut self,
        channel: usize,
        messages: &[MessageDoc],
        origin: &str,
    ) -> Result<Vec<Reference>, ExportError> {
        let mut out = Vec::new();
        for message in messages {
            let key = names::sanitize(&message.name);
            let value = self.message(message, &key, origin)?;
            let ch = &mut self.channels[channel];
            match ch.messages.get(&key) {
                Some(existing) if *existing != value => {
                    return Err(ExportError::Duplicate {
                        kind: "message name",
                        key: format!("{key}` in channel `{}", ch.id),
                        first: ch.message_origins[&key].clone(),
                        second: origin.to_owned(),
                    })
                }
                Some(_) => {}
                None => {
                    ch.messages.insert(key.clone(), value);
                    ch.message_origins.insert(key.clone(), origin.to_owned());
                }
            }
            out.push(Reference::to(&["channels", &ch.id, "messages", &key]));
        }
        Ok(out)
    }

    fn message(
        &mut self,
        m: &MessageDoc,
        key: &str,
        origin: &str,
    ) -> Result<document::Message, ExportError> {
        let origin = format!("message `{}` of {origin}", m.name);
        let content_type = (self.doc.default_content_type.as_deref()
            != Some(m.content_type.as_str())
            && !m.content_type.is_empty())
        .then(|| m.content_type.clone());
        let headers = match &m.headers_schema {
            Some(headers) => Some(self.schema(headers, m.headers_name.as_deref(), &origin)?),
            None => None,
        };
        let payload = self.schema(&m.payload_schema, m.payload_name.as_deref(), &origin)?;
        Ok(document::Message {
            name: key.to_owned(),
            title: m.title.clone(),
            summary: m.summary.clone(),
            description: m.description.clone(),
            correlation_id: m.correlation_id.as_ref().map(|location| CorrelationId {
                description: None,
                location: Expression::CorrelationId(location.clone()),
            }),
            content_type,
            headers,
            payload,
            examples: m.examples.iter().map(example).collect(),
        })
    }

    /// Moves `definitions` (and the root, when named) into `components/schemas`.
    fn schema(
        &mut self,
        schema: &Value,
        name: Option<&str>,
        origin: &str,
    ) -> Result<Value, ExportError> {
        let mut root = schema.clone();
        let definitions = root
            .as_object_mut()
            .and_then(|o| o.remove("definitions"))
            .and_then(|d| match d {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
        // A recursive root refers to itself as `#`, which must point at its component.
        let root_key = name.map(names::sanitize);
        let root_ref = root_key
            .as_deref()
            .map(|key| refs::pointer(&["components", "schemas", key]));
        for (def_name, mut def) in definitions {
            rewrite(&mut def, root_ref.as_deref());
            let key = names::sanitize(&def_name);
            self.schemas
                .claim(&key, format!("`{def_name}` used by {origin}"), def)?;
        }
        rewrite(&mut root, root_ref.as_deref());
        match (name, root_key) {
            (Some(name), Some(key)) => {
                self.schemas
                    .claim(&key, format!("`{name}` used by {origin}"), root)?;
                Ok(refs::reference(&["components", "schemas", &key]))
            }
            _ if refs::has_root_ref(&root) => Err(ExportError::InvalidSchema {
                origin: origin.to_owned(),
                reason: "it refers to its own root (`$ref: \"#\"`) but has no name to be \
                         stored under in components/schemas; set MessageDoc::payload_name"
                    .to_owned(),
            }),
            _ => Ok(root),
        }
    }
}

/// Points `#/definitions/X` at `#/components/schemas/X` and `#` at `root` (when named).
fn rewrite(schema: &mut Value, root: Option<&str>) {
    refs::rewrite_refs(
        schema,
        "#/definitions/",
        &["components", "schemas"],
        &|name| names::sanitize(name),
    );
    if let Some(root) = root {
        refs::rewrite_root_refs(schema, root);
    }
}

/// The `{param}` names of `address` in order, after checking the address can be exported.
fn address_params(operation: &str, address: &str) -> Result<Vec<String>, ExportError> {
    let invalid = |reason: &str| ExportError::InvalidAddress {
        operation: operation.to_owned(),
        address: address.to_owned(),
        reason: reason.to_owned(),
    };
    let (written, _) = mqttgen_address::parse(address);
    if let Some(problem) = written.export_problem() {
        return Err(invalid(problem));
    }
    let parsed = mqttgen_address::Address::parse_strict(address)
        .map_err(|e| invalid(&format!("is not a valid topic template: {e}")))?;
    Ok(parsed.parameter_names())
}

fn example(e: &ExampleDoc) -> Example {
    Example {
        name: e.name.clone(),
        summary: e.summary.clone(),
        headers: e.headers.clone(),
        payload: e.payload.clone(),
    }
}

fn server_variable(v: &ServerVariableDoc) -> Variable {
    Variable {
        enum_values: v.enum_values.clone(),
        default: v.default.clone(),
        description: v.description.clone(),
        examples: v.examples.clone(),
    }
}

fn parameter(p: &ParameterDoc) -> Variable {
    Variable {
        enum_values: p.enum_values.clone(),
        default: p.default.clone(),
        description: p.description.clone(),
        examples: p.examples.clone(),
    }
}

fn server_binding(b: &MqttServerBinding) -> MqttServerBindings {
    MqttServerBindings {
        client_id: b.client_id.clone(),
        clean_session: b.clean_session,
        last_will: b.last_will.as_ref().map(|will| LastWill {
            topic: will.topic.clone(),
            qos: will.qos,
            message: will.message.clone(),
            retain: will.retain,
        }),
        keep_alive: b.keep_alive,
        session_expiry_interval: b.session_expiry_interval,
        maximum_packet_size: b.maximum_packet_size,
        binding_version: MQTT_BINDING_VERSION,
    }
}
