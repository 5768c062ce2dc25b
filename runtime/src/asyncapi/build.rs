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

use super::model::*;
use super::names::{self, KeyRegistry};
use super::refs::{self, reference};
use super::ExportError;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// MQTT bindings version written everywhere (the official parser accepts 0.1.0 and 0.2.0).
pub const MQTT_BINDING_VERSION: &str = "0.2.0";

/// The runtime expression used as the reply address of request/reply operations.
pub const RESPONSE_TOPIC_LOCATION: &str = "$message.header#/responseTopic";

/// The runtime expression naming the correlation data of replies sent to the response topic.
pub const CORRELATION_DATA_LOCATION: &str = "$message.header#/correlationData";

/// Builds the AsyncAPI JSON value of `doc`.
pub fn to_value(doc: &Document) -> Result<Value, ExportError> {
    Builder::new(doc).build()
}

struct Channel {
    id: String,
    address: Option<String>,
    meta: Option<ChannelDoc>,
    parameters: Map<String, Value>,
    messages: Map<String, Value>,
    /// Which operation put each message here (for duplicate errors).
    message_origins: BTreeMap<String, String>,
    /// Which operation described each parameter.
    parameter_origins: BTreeMap<String, String>,
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

    fn build(mut self) -> Result<Value, ExportError> {
        let doc = self.doc;
        for (field, value) in [
            ("info.title", &doc.info.title),
            ("info.version", &doc.info.version),
        ] {
            if value.trim().is_empty() {
                return Err(ExportError::Missing { field });
            }
        }
        let mut root = Map::new();
        root.insert("asyncapi".into(), doc.version.as_str().into());
        if let Some(id) = &doc.id {
            root.insert("id".into(), id.as_str().into());
        }
        root.insert("info".into(), info(&doc.info));
        if let Some(ct) = &doc.default_content_type {
            root.insert("defaultContentType".into(), ct.as_str().into());
        }
        let schemes = self.security_schemes()?;
        let servers = self.servers()?;
        if !servers.is_empty() {
            root.insert("servers".into(), Value::Object(servers));
        }
        for (name, schema) in &doc.schemas {
            if names::sanitize(name) != *name {
                return Err(ExportError::InvalidName {
                    kind: "schema name",
                    name: name.clone(),
                });
            }
            self.schema(schema, Some(name), &format!("Document::schema(`{name}`)"))?;
        }
        let mut operations = Map::new();
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
        let channels: Map<String, Value> = self
            .channels
            .iter()
            .map(|c| (c.id.clone(), channel_value(c)))
            .collect();
        if !channels.is_empty() {
            root.insert("channels".into(), Value::Object(channels));
        }
        if !operations.is_empty() {
            root.insert("operations".into(), Value::Object(operations));
        }
        let mut components = Map::new();
        let schemas: Map<String, Value> = self.schemas.into_sorted().into_iter().collect();
        if !schemas.is_empty() {
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if !schemes.is_empty() {
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        if !components.is_empty() {
            root.insert("components".into(), Value::Object(components));
        }
        Ok(Value::Object(root))
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

    fn security_schemes(&self) -> Result<Map<String, Value>, ExportError> {
        let mut registry = KeyRegistry::new("security scheme name");
        let mut out = Map::new();
        for (i, scheme) in self.doc.security_schemes.iter().enumerate() {
            let key = names::sanitize(&scheme.name);
            registry.claim(&key, format!("security scheme `{}`", scheme.name), i)?;
            let mut value = Map::new();
            value.insert("type".into(), scheme.kind.as_str().into());
            insert_opt(&mut value, "description", &scheme.description);
            insert_opt(&mut value, "in", &scheme.location);
            out.insert(key, Value::Object(value));
        }
        Ok(out)
    }

    fn servers(&self) -> Result<Map<String, Value>, ExportError> {
        let mut registry = KeyRegistry::new("server name");
        let mut out = Map::new();
        for (i, server) in self.doc.servers.iter().enumerate() {
            let key = names::sanitize(&server.name);
            registry.claim(&key, format!("server `{}`", server.name), i)?;
            let mut value = Map::new();
            value.insert("host".into(), server.host.as_str().into());
            value.insert("protocol".into(), server.protocol.as_str().into());
            insert_opt(&mut value, "protocolVersion", &server.protocol_version);
            insert_opt(&mut value, "pathname", &server.pathname);
            insert_opt(&mut value, "description", &server.description);
            if !server.security.is_empty() {
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
                    security.push(reference(&["components", "securitySchemes", &key]));
                }
                value.insert("security".into(), Value::Array(security));
            }
            if !server.variables.is_empty() {
                let variables: Map<String, Value> = server
                    .variables
                    .iter()
                    .map(|v| (v.name.clone(), server_variable(v)))
                    .collect();
                value.insert("variables".into(), Value::Object(variables));
            }
            if let Some(binding) = &server.binding {
                value.insert(
                    "bindings".into(),
                    json!({ "mqtt": server_binding(binding) }),
                );
            }
            out.insert(key, Value::Object(value));
        }
        Ok(out)
    }

    fn operation(&mut self, op: &OperationDoc) -> Result<Value, ExportError> {
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
            let entry = ch
                .parameters
                .entry(name.clone())
                .or_insert_with(|| json!({}));
            let Some(doc) = op.parameters.iter().find(|p| &p.name == name) else {
                continue;
            };
            let described = parameter(doc);
            if entry.as_object().is_some_and(Map::is_empty) {
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
        let message_refs = self.messages(channel, &op.messages, &origin)?;
        let channel_id = self.channels[channel].id.clone();

        let mut value = Map::new();
        value.insert("action".into(), op.action.as_str().into());
        value.insert("channel".into(), reference(&["channels", &channel_id]));
        insert_opt(&mut value, "summary", &op.summary);
        insert_opt(&mut value, "description", &op.description);
        if !op.tags.is_empty() {
            let tags = op.tags.iter().map(|t| json!({ "name": t })).collect();
            value.insert("tags".into(), Value::Array(tags));
        }
        if !message_refs.is_empty() {
            value.insert("messages".into(), Value::Array(message_refs));
        }
        let mut mqtt = json!({
            "qos": op.qos as u8,
            "retain": op.retain,
        });
        if let Some(seconds) = op.message_expiry_interval {
            mqtt["messageExpiryInterval"] = seconds.into();
        }
        mqtt["bindingVersion"] = MQTT_BINDING_VERSION.into();
        value.insert("bindings".into(), json!({ "mqtt": mqtt }));
        if let Some(reply) = &op.reply {
            value.insert("reply".into(), self.reply(op, reply)?);
        }
        if let Some(group) = &op.shared_group {
            value.insert("x-mqtt-shared-group".into(), group.as_str().into());
        }
        Ok(Value::Object(value))
    }

    fn reply(&mut self, op: &OperationDoc, reply: &ReplyDoc) -> Result<Value, ExportError> {
        let origin = format!("the reply of operation `{}`", op.id);
        let mut value = Map::new();
        let dynamic_id = format!("{}.reply", names::sanitize(&op.id));
        let channel = match &reply.address {
            ReplyAddress::ResponseTopic => {
                value.insert(
                    "address".into(),
                    json!({
                        "description": "The MQTT 5 Response Topic property of the request.",
                        "location": RESPONSE_TOPIC_LOCATION,
                    }),
                );
                self.dynamic_channel(&dynamic_id, &origin)?
            }
            ReplyAddress::Location(location) => {
                value.insert("address".into(), json!({ "location": location }));
                self.dynamic_channel(&dynamic_id, &origin)?
            }
            ReplyAddress::Topic(address) => {
                let params = address_params(&op.id, address)?;
                let channel = self.channel(address, &origin)?;
                for name in params {
                    self.channels[channel]
                        .parameters
                        .entry(name)
                        .or_insert_with(|| json!({}));
                }
                channel
            }
        };
        let message_refs = self.messages(channel, &reply.messages, &origin)?;
        if reply.address == ReplyAddress::ResponseTopic {
            // The dynamic channel belongs to this reply alone, so its messages may say how
            // replies are matched with requests (unless they say it themselves).
            for message in self.channels[channel].messages.values_mut() {
                if let Value::Object(m) = message {
                    m.entry("correlationId").or_insert_with(|| {
                        json!({
                            "description": "The MQTT 5 Correlation Data of the request, echoed.",
                            "location": CORRELATION_DATA_LOCATION,
                        })
                    });
                }
            }
        }
        let channel_id = self.channels[channel].id.clone();
        value.insert("channel".into(), reference(&["channels", &channel_id]));
        if !message_refs.is_empty() {
            value.insert("messages".into(), Value::Array(message_refs));
        }
        Ok(Value::Object(value))
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
        self.channels.push(Channel {
            id,
            address: Some(address.to_owned()),
            meta: meta.cloned(),
            parameters: Map::new(),
            messages: Map::new(),
            message_origins: BTreeMap::new(),
            parameter_origins: BTreeMap::new(),
        });
        Ok(self.channels.len() - 1)
    }

    /// A channel whose address is only known at run time (`address: null`).
    fn dynamic_channel(&mut self, id: &str, origin: &str) -> Result<usize, ExportError> {
        self.channel_ids
            .claim(id, format!("the dynamic channel of {origin}"), None)?;
        self.channels.push(Channel {
            id: id.to_owned(),
            address: None,
            meta: None,
            parameters: Map::new(),
            messages: Map::new(),
            message_origins: BTreeMap::new(),
            parameter_origins: BTreeMap::new(),
        });
        Ok(self.channels.len() - 1)
    }

    /// Puts `messages` into the channel and returns the operation's references to them.
    fn messages(
        &mut self,
        channel: usize,
        messages: &[MessageDoc],
        origin: &str,
    ) -> Result<Vec<Value>, ExportError> {
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
            out.push(reference(&["channels", &ch.id, "messages", &key]));
        }
        Ok(out)
    }

    fn message(&mut self, m: &MessageDoc, key: &str, origin: &str) -> Result<Value, ExportError> {
        let origin = format!("message `{}` of {origin}", m.name);
        let mut value = Map::new();
        value.insert("name".into(), key.into());
        insert_opt(&mut value, "title", &m.title);
        insert_opt(&mut value, "summary", &m.summary);
        insert_opt(&mut value, "description", &m.description);
        if let Some(location) = &m.correlation_id {
            value.insert("correlationId".into(), json!({ "location": location }));
        }
        if self.doc.default_content_type.as_deref() != Some(m.content_type.as_str())
            && !m.content_type.is_empty()
        {
            value.insert("contentType".into(), m.content_type.as_str().into());
        }
        if let Some(headers) = &m.headers_schema {
            let headers = self.schema(headers, m.headers_name.as_deref(), &origin)?;
            value.insert("headers".into(), headers);
        }
        let payload = self.schema(&m.payload_schema, m.payload_name.as_deref(), &origin)?;
        value.insert("payload".into(), payload);
        if !m.examples.is_empty() {
            let examples = m.examples.iter().map(example).collect();
            value.insert("examples".into(), Value::Array(examples));
        }
        Ok(Value::Object(value))
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
                Ok(reference(&["components", "schemas", &key]))
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

fn info(info: &Info) -> Value {
    let mut value = Map::new();
    value.insert("title".into(), info.title.as_str().into());
    value.insert("version".into(), info.version.as_str().into());
    insert_opt(&mut value, "description", &info.description);
    Value::Object(value)
}

fn example(e: &ExampleDoc) -> Value {
    let mut value = Map::new();
    insert_opt(&mut value, "name", &e.name);
    insert_opt(&mut value, "summary", &e.summary);
    if let Some(headers) = &e.headers {
        value.insert("headers".into(), headers.clone());
    }
    if let Some(payload) = &e.payload {
        value.insert("payload".into(), payload.clone());
    }
    Value::Object(value)
}

fn server_variable(v: &ServerVariableDoc) -> Value {
    let mut value = Map::new();
    if !v.enum_values.is_empty() {
        value.insert("enum".into(), json!(v.enum_values));
    }
    insert_opt(&mut value, "default", &v.default);
    insert_opt(&mut value, "description", &v.description);
    if !v.examples.is_empty() {
        value.insert("examples".into(), json!(v.examples));
    }
    Value::Object(value)
}

fn parameter(p: &ParameterDoc) -> Value {
    let mut value = Map::new();
    if !p.enum_values.is_empty() {
        value.insert("enum".into(), json!(p.enum_values));
    }
    insert_opt(&mut value, "default", &p.default);
    insert_opt(&mut value, "description", &p.description);
    if !p.examples.is_empty() {
        value.insert("examples".into(), json!(p.examples));
    }
    Value::Object(value)
}

fn channel_value(c: &Channel) -> Value {
    let mut value = Map::new();
    value.insert(
        "address".into(),
        c.address.as_deref().map_or(Value::Null, Value::from),
    );
    if let Some(meta) = &c.meta {
        insert_opt(&mut value, "title", &meta.title);
        insert_opt(&mut value, "summary", &meta.summary);
        insert_opt(&mut value, "description", &meta.description);
    }
    if !c.messages.is_empty() {
        value.insert("messages".into(), Value::Object(c.messages.clone()));
    }
    if !c.parameters.is_empty() {
        value.insert("parameters".into(), Value::Object(c.parameters.clone()));
    }
    Value::Object(value)
}

fn server_binding(b: &MqttServerBinding) -> Value {
    let mut value = Map::new();
    insert_opt(&mut value, "clientId", &b.client_id);
    if let Some(clean) = b.clean_session {
        value.insert("cleanSession".into(), clean.into());
    }
    if let Some(will) = &b.last_will {
        let mut w = Map::new();
        w.insert("topic".into(), will.topic.as_str().into());
        w.insert("qos".into(), (will.qos as u8).into());
        insert_opt(&mut w, "message", &will.message);
        w.insert("retain".into(), will.retain.into());
        value.insert("lastWill".into(), Value::Object(w));
    }
    for (key, v) in [
        ("keepAlive", b.keep_alive),
        ("sessionExpiryInterval", b.session_expiry_interval),
        ("maximumPacketSize", b.maximum_packet_size),
    ] {
        if let Some(v) = v {
            value.insert(key.into(), v.into());
        }
    }
    value.insert("bindingVersion".into(), MQTT_BINDING_VERSION.into());
    Value::Object(value)
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.into(), v.as_str().into());
    }
}
