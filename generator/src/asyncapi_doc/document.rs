//! The document's head: `info`, `id`, `defaultContentType`, security schemes, servers (with
//! their MQTT bindings) and the named component schemas, as values of the shared model
//! (`mqttgen-asyncapi`).

use std::collections::BTreeSet;

use mqttgen_asyncapi as export;
use serde_json::Value;

use super::{qos, Export};
use crate::model::{MqttServerBinding, SecurityScheme};

/// The document with `info`, `id` and `default_content_type` (exactly the spec's: the model's
/// default is none).
pub(super) fn head(doc: &crate::model::Document) -> export::Document {
    export::Document {
        id: doc.id.clone(),
        info: export::Info {
            title: doc.info.title.clone(),
            version: doc.info.version.clone(),
            description: doc.info.description.clone(),
        },
        default_content_type: doc.default_content_type.clone(),
        ..export::Document::default()
    }
}

/// Every security scheme the export model can describe completely, and the names of those
/// schemes.
pub(super) fn security_schemes(
    ex: &mut Export<'_>,
) -> (Vec<export::SecuritySchemeDoc>, BTreeSet<String>) {
    let mut schemes = Vec::new();
    let mut exported = BTreeSet::new();
    for scheme in &ex.doc.security_schemes {
        let Some(kind) = exportable_kind(scheme) else {
            ex.left_out.push(format!(
                "security scheme `{}` (type `{}` needs fields the export model does not have)",
                scheme.name, scheme.kind
            ));
            continue;
        };
        schemes.push(export::SecuritySchemeDoc {
            name: scheme.name.clone(),
            kind,
            description: scheme.description.clone(),
            location: scheme.location.clone(),
        });
        exported.insert(scheme.name.clone());
    }
    (schemes, exported)
}

/// The kind of a scheme the export model can hold; `None` for types whose required fields
/// (OAuth flows, OpenID URL, HTTP scheme, header name) it cannot hold.
fn exportable_kind(scheme: &SecurityScheme) -> Option<export::SecurityKind> {
    use export::SecurityKind as Kind;
    Some(match scheme.kind.as_str() {
        "userPassword" => Kind::UserPassword,
        "X509" => Kind::X509,
        "symmetricEncryption" => Kind::SymmetricEncryption,
        "asymmetricEncryption" => Kind::AsymmetricEncryption,
        "apiKey" | "plain" | "scramSha256" | "scramSha512" | "gssapi" => {
            Kind::Other(scheme.kind.clone())
        }
        _ => return None,
    })
}

/// Every server with its variables (host and pathname as written), security limited to
/// exported schemes.
pub(super) fn servers(ex: &Export<'_>, schemes: &BTreeSet<String>) -> Vec<export::Server> {
    ex.doc
        .servers
        .iter()
        .map(|server| export::Server {
            name: server.name.clone(),
            host: server.host.clone(),
            protocol: server.protocol.clone(),
            protocol_version: server.protocol_version.clone(),
            pathname: server.pathname.clone(),
            description: server.description.clone(),
            security: server
                .security
                .iter()
                .filter(|s| schemes.contains(*s))
                .cloned()
                .collect(),
            binding: server.mqtt.as_ref().map(server_binding),
            variables: server
                .variables
                .iter()
                .map(|v| export::ServerVariableDoc {
                    name: v.name.clone(),
                    description: v.description.clone(),
                    default: v.default.clone(),
                    enum_values: v.allowed.clone(),
                    examples: v.examples.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The MQTT server binding; a last will without a topic is left out.
fn server_binding(b: &MqttServerBinding) -> export::MqttServerBinding {
    let last_will = b.last_will.as_ref().and_then(|will| {
        Some(export::LastWillDoc {
            topic: will.topic.clone()?,
            qos: qos(will.qos.unwrap_or_default()),
            message: will.message.clone(),
            retain: will.retain.unwrap_or(false),
        })
    });
    export::MqttServerBinding {
        client_id: b.client_id.clone(),
        clean_session: b.clean_session,
        keep_alive: b.keep_alive,
        session_expiry_interval: b.session_expiry_interval,
        maximum_packet_size: b.maximum_packet_size,
        last_will,
    }
}

/// Every named schema with its name, by name.
pub(super) fn schemas(ex: &Export<'_>) -> Vec<(String, Value)> {
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
}
