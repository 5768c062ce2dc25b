//! The document's head: `info`, `id`, `defaultContentType`, security schemes, servers (with
//! their MQTT bindings) and the named component schemas.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{qos_level, Export, Object};
use crate::model::{MqttServerBinding, SecurityScheme};

/// The document object with `info`, `id` and `default_content_type` (exactly the spec's: the
/// model's default is none).
pub(super) fn head(doc: &crate::model::Document) -> Object {
    let info = Object::default()
        .set("title", doc.info.title.as_str())
        .set("version", doc.info.version.as_str())
        .opt("description", doc.info.description.as_deref());
    Object::default()
        .opt("id", doc.id.as_deref())
        .set("info", info)
        .opt("default_content_type", doc.default_content_type.as_deref())
}

/// Every security scheme the export model can describe completely, and the names of those
/// schemes.
pub(super) fn security_schemes(ex: &mut Export<'_>) -> (Vec<Value>, BTreeSet<String>) {
    let mut schemes = Vec::new();
    let mut exported = BTreeSet::new();
    for scheme in &ex.doc.security_schemes {
        if !is_exportable(scheme) {
            ex.left_out.push(format!(
                "security scheme `{}` (type `{}` needs fields the export model does not have)",
                scheme.name, scheme.kind
            ));
            continue;
        }
        schemes.push(
            Object::default()
                .set("name", scheme.name.as_str())
                .set("kind", scheme.kind.as_str())
                .opt("description", scheme.description.as_deref())
                .opt("location", scheme.location.as_deref())
                .into(),
        );
        exported.insert(scheme.name.clone());
    }
    (schemes, exported)
}

/// False for types whose required fields (OAuth flows, OpenID URL, HTTP scheme, header name)
/// the export model cannot hold.
fn is_exportable(scheme: &SecurityScheme) -> bool {
    matches!(
        scheme.kind.as_str(),
        "userPassword"
            | "X509"
            | "symmetricEncryption"
            | "asymmetricEncryption"
            | "apiKey"
            | "plain"
            | "scramSha256"
            | "scramSha512"
            | "gssapi"
    )
}

/// Every server with its variables (host and pathname as written), security limited to
/// exported schemes.
pub(super) fn servers(ex: &mut Export<'_>, schemes: &BTreeSet<String>) -> Vec<Value> {
    let mut servers = Vec::new();
    for server in &ex.doc.servers {
        let name = &server.name;
        let security: Vec<Value> = server
            .security
            .iter()
            .filter(|s| schemes.contains(*s))
            .map(|s| s.as_str().into())
            .collect();
        let variables = server
            .variables
            .iter()
            .map(|v| {
                Object::default()
                    .set("name", v.name.as_str())
                    .opt("description", v.description.as_deref())
                    .opt("default", v.default.as_deref())
                    .list(
                        "enum_values",
                        v.allowed.iter().map(|a| a.as_str().into()).collect(),
                    )
                    .list(
                        "examples",
                        v.examples.iter().map(|e| e.as_str().into()).collect(),
                    )
                    .into()
            })
            .collect();
        servers.push(
            Object::default()
                .set("name", name.as_str())
                .set("host", server.host.as_str())
                .set("protocol", server.protocol.as_str())
                .opt("protocol_version", server.protocol_version.as_deref())
                .opt("pathname", server.pathname.as_deref())
                .opt("description", server.description.as_deref())
                .list("security", security)
                .opt("binding", server.mqtt.as_ref().map(server_binding))
                .list("variables", variables)
                .into(),
        );
    }
    servers
}

/// The MQTT server binding; a last will without a topic is left out.
fn server_binding(b: &MqttServerBinding) -> Object {
    let last_will = b.last_will.as_ref().and_then(|will| {
        let topic = will.topic.as_deref()?;
        Some(
            Object::default()
                .set("topic", topic)
                .set("qos", qos_level(will.qos.unwrap_or_default()))
                .opt("message", will.message.as_deref())
                .set("retain", will.retain.unwrap_or(false)),
        )
    });
    Object::default()
        .opt("client_id", b.client_id.as_deref())
        .opt("clean_session", b.clean_session)
        .opt("keep_alive", b.keep_alive)
        .opt("session_expiry_interval", b.session_expiry_interval)
        .opt("maximum_packet_size", b.maximum_packet_size)
        .opt("last_will", last_will)
}

/// Every named schema as a `[name, schema]` pair, by name.
pub(super) fn schemas(ex: &Export<'_>) -> Vec<Value> {
    let mut named: Vec<(String, Value)> = ex
        .schemas
        .iter()
        .map(|(id, name)| {
            (
                name.to_owned(),
                ex.schemas.export_value(&ex.doc.schemas[id].value),
            )
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
        .into_iter()
        .map(|(name, schema)| Value::Array(vec![name.into(), schema]))
        .collect()
}
