//! MQTT bindings 0.1.0 and 0.2.0 (server, channel, operation, message), with warnings for fields
//! written in the wrong place or with the wrong type.

use crate::model::{LastWill, MqttMessageBinding, MqttOperationBinding, MqttServerBinding, Qos};
use crate::reader::yaml::{Node, Value};
use crate::spec::context::Ctx;

/// The MQTT binding versions mqttgen understands.
pub const KNOWN_VERSIONS: &[&str] = &["0.1.0", "0.2.0"];

const SERVER_FIELDS: &[&str] = &[
    "clientId",
    "cleanSession",
    "keepAlive",
    "lastWill",
    "sessionExpiryInterval",
    "maximumPacketSize",
];
const OPERATION_FIELDS: &[&str] = &["qos", "retain", "messageExpiryInterval"];
const MESSAGE_FIELDS: &[&str] = &[
    "payloadFormatIndicator",
    "correlationData",
    "contentType",
    "responseTopic",
];

/// Which object a binding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Server,
    Channel,
    Operation,
    Message,
}

impl Place {
    fn name(self) -> &'static str {
        match self {
            Place::Server => "server",
            Place::Channel => "channel",
            Place::Operation => "operation",
            Place::Message => "message",
        }
    }

    fn fields(self) -> &'static [&'static str] {
        match self {
            Place::Server => SERVER_FIELDS,
            Place::Channel => &[],
            Place::Operation => OPERATION_FIELDS,
            Place::Message => MESSAGE_FIELDS,
        }
    }

    fn example_path(self) -> &'static str {
        match self {
            Place::Server => "servers.<name>.bindings.mqtt",
            Place::Channel => "channels.<name>.bindings.mqtt",
            Place::Operation => "`bindings.mqtt` of the operation or of an operation trait",
            Place::Message => "`bindings.mqtt` of the message",
        }
    }
}

/// The `mqtt` entry of an object's `bindings`, checked against `place`.
fn mqtt_binding<'a>(ctx: &mut Ctx<'a>, object: &'a Node, place: Place) -> Option<&'a Node> {
    let bindings = ctx.field(object, "bindings")?;
    let mqtt = ctx.field(bindings, "mqtt")?;
    if mqtt.as_map().is_none() {
        let message = format!("the mqtt binding must be a mapping, not {}", mqtt.kind());
        ctx.error("binding-invalid", mqtt, message);
        return None;
    }
    if let Some(version_node) = mqtt.get("bindingVersion") {
        let version = version_node.scalar_text().unwrap_or_default();
        if !KNOWN_VERSIONS.contains(&version.as_str()) {
            // As the official parser does: a binding of a version we cannot interpret (its
            // fields differ per version) is skipped, with a warning.
            let id = ctx.id(version_node);
            ctx.diagnostics.push(
                crate::diagnostics::Diagnostic::warning(
                    "binding-version",
                    Some(id),
                    format!("unknown MQTT bindingVersion `{version}`; this binding is ignored"),
                )
                .with_help("use bindingVersion \"0.2.0\" (or \"0.1.0\"), or leave it out"),
            );
            return None;
        }
    }
    for entry in mqtt.as_map().unwrap_or_default() {
        let key = entry.key.as_str();
        if key == "bindingVersion" || key.starts_with("x-") || place.fields().contains(&key) {
            continue;
        }
        let home = [Place::Server, Place::Operation, Place::Message]
            .into_iter()
            .find(|p| p.fields().contains(&key));
        match home {
            Some(home) => {
                let also = match &entry.value.value {
                    Value::String(s) if s.parse::<u64>().is_ok() => {
                        format!("; write it as the integer {s}, not the string \"{s}\"")
                    }
                    _ => String::new(),
                };
                ctx.warn(
                    "binding-misplaced",
                    &entry.value,
                    format!(
                        "`{key}` is not a field of the MQTT {} binding; it belongs in the {} binding ({}) and is ignored here{also}",
                        place.name(),
                        home.name(),
                        home.example_path()
                    ),
                )
            }
            None => ctx.warn(
                "binding-unknown-field",
                &entry.value,
                format!(
                    "`{key}` is not a field of the MQTT {} binding",
                    place.name()
                ),
            ),
        }
    }
    Some(mqtt)
}

/// The MQTT server binding of `server`.
pub fn server<'a>(ctx: &mut Ctx<'a>, server: &'a Node) -> Option<MqttServerBinding> {
    let mqtt = mqtt_binding(ctx, server, Place::Server)?;
    let last_will = match ctx.field(mqtt, "lastWill") {
        Some(will) if will.as_map().is_some() => Some(LastWill {
            topic: ctx.string(will, "topic"),
            qos: qos(ctx, will),
            message: ctx.string(will, "message"),
            retain: boolean(ctx, will, "retain"),
        }),
        Some(other) => {
            let message = format!("`lastWill` must be a mapping, not {}", other.kind());
            ctx.error("binding-invalid", other, message);
            None
        }
        None => None,
    };
    Some(MqttServerBinding {
        client_id: ctx.string(mqtt, "clientId"),
        clean_session: boolean(ctx, mqtt, "cleanSession"),
        keep_alive: integer(ctx, mqtt, "keepAlive", false),
        last_will,
        session_expiry_interval: integer(ctx, mqtt, "sessionExpiryInterval", true),
        maximum_packet_size: integer(ctx, mqtt, "maximumPacketSize", true),
        binding_version: mqtt.get("bindingVersion").and_then(Node::scalar_text),
    })
}

/// Checks the MQTT channel binding (it has no fields).
pub fn channel<'a>(ctx: &mut Ctx<'a>, channel: &'a Node) {
    mqtt_binding(ctx, channel, Place::Channel);
}

/// The MQTT operation binding of `operation` (traits already applied).
pub fn operation<'a>(ctx: &mut Ctx<'a>, operation: &'a Node) -> Option<MqttOperationBinding> {
    let mqtt = mqtt_binding(ctx, operation, Place::Operation)?;
    Some(MqttOperationBinding {
        qos: qos(ctx, mqtt),
        retain: boolean(ctx, mqtt, "retain"),
        message_expiry_interval: integer(ctx, mqtt, "messageExpiryInterval", true),
        binding_version: mqtt.get("bindingVersion").and_then(Node::scalar_text),
    })
}

/// The MQTT message binding of `message` (traits already applied).
pub fn message<'a>(ctx: &mut Ctx<'a>, message: &'a Node) -> Option<MqttMessageBinding> {
    let mqtt = mqtt_binding(ctx, message, Place::Message)?;
    let payload_format_indicator = match integer(ctx, mqtt, "payloadFormatIndicator", true) {
        Some(v @ 0..=1) => Some(v as u8),
        Some(other) => {
            if let Some(node) = mqtt.get("payloadFormatIndicator") {
                ctx.error(
                    "binding-invalid",
                    node,
                    format!("payloadFormatIndicator must be 0 or 1, not {other}"),
                );
            }
            None
        }
        None => None,
    };
    let correlation_data = ctx
        .field(mqtt, "correlationData")
        .map(|n| ctx.schema_value(n));
    let response_topic = ctx
        .field(mqtt, "responseTopic")
        .map(|n| ctx.schema_value(n));
    Some(MqttMessageBinding {
        payload_format_indicator,
        correlation_data,
        content_type: ctx.string(mqtt, "contentType"),
        response_topic,
        binding_version: mqtt.get("bindingVersion").and_then(Node::scalar_text),
    })
}

fn qos<'a>(ctx: &mut Ctx<'a>, parent: &'a Node) -> Option<Qos> {
    let node = parent.get("qos")?;
    let (value, quoted) = match &node.value {
        Value::Number(n) => (n.as_u64(), false),
        Value::String(s) => (s.trim().parse::<u64>().ok(), true),
        Value::Null => return None,
        _ => (None, false),
    };
    let qos = match value {
        Some(0) => Qos::AtMostOnce,
        Some(1) => Qos::AtLeastOnce,
        Some(2) => Qos::ExactlyOnce,
        _ => {
            ctx.error(
                "binding-invalid",
                node,
                format!("qos must be 0, 1 or 2, not {}", node.to_json()),
            );
            return None;
        }
    };
    if quoted {
        let id = ctx.id(node);
        ctx.diagnostics.push(
            crate::diagnostics::Diagnostic::warning(
                "binding-type",
                Some(id),
                format!(
                    "qos is the string {}; it must be the integer {}",
                    node.to_json(),
                    qos as u8
                ),
            )
            .with_help(format!("write `qos: {}` without quotes", qos as u8)),
        );
    }
    Some(qos)
}

fn boolean<'a>(ctx: &mut Ctx<'a>, parent: &'a Node, key: &str) -> Option<bool> {
    let node = parent.get(key)?;
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Null => None,
        Value::String(s) if s == "true" || s == "false" => {
            ctx.warn(
                "binding-type",
                node,
                format!("`{key}` is the string \"{s}\"; it must be the boolean {s}"),
            );
            Some(s == "true")
        }
        _ => {
            let message = format!("`{key}` must be a boolean, not {}", node.kind());
            ctx.error("binding-invalid", node, message);
            None
        }
    }
}

/// A non-negative integer; when `schema_allowed`, a mapping (0.2.0 schema form) gives `None`.
fn integer<'a>(
    ctx: &mut Ctx<'a>,
    parent: &'a Node,
    key: &str,
    schema_allowed: bool,
) -> Option<u64> {
    let node = parent.get(key)?;
    match &node.value {
        Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
        Value::Null => None,
        Value::Map(_) if schema_allowed => None,
        Value::String(s) if s.trim().parse::<u64>().is_ok() => {
            ctx.warn(
                "binding-type",
                node,
                format!("`{key}` is the string \"{s}\"; it must be an integer"),
            );
            s.trim().parse().ok()
        }
        _ => {
            let message = format!(
                "`{key}` must be a non-negative integer, not {}",
                node.to_json()
            );
            ctx.error("binding-invalid", node, message);
            None
        }
    }
}
