//! Documents shared by the AsyncAPI export tests: every one of them is also validated with the
//! official parser by `asyncapi_validate.rs`.
#![allow(dead_code)]

use mqttgen::asyncapi::*;
use mqttgen::{Context, HandlerError, QoS};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A reading with a nested type, an enum and optional fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reading {
    /// Degrees Celsius.
    pub celsius: f64,
    /// Where the sensor is.
    pub location: Option<Location>,
}

/// A location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// Room name.
    pub room: String,
    /// Floor.
    pub floor: Option<Floor>,
}

/// Floors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Floor {
    /// Ground floor.
    Ground,
    /// First floor.
    First,
}

/// MQTT 5 user properties sent with readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TraceHeaders {
    /// W3C trace parent.
    pub traceparent: Option<String>,
}

/// The answer to a ping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pong {
    /// Echoed text.
    pub echo: String,
}

/// Receives temperatures.
///
/// Longer description: readings arrive every minute.
#[mqttgen::subscriber(
    "sensors/{sensor_id}/temperature",
    qos = 1,
    shared = "workers",
    headers = TraceHeaders
)]
pub async fn on_temperature(sensor_id: String, reading: Reading) -> Result<(), HandlerError> {
    let _ = (sensor_id, reading);
    Ok(())
}

/// Answers pings on the response topic.
#[mqttgen::subscriber("ping/{client}", qos = 0)]
pub async fn on_ping(
    client: String,
    text: String,
    ctx: &Context,
    raw: mqttgen::Message,
) -> Result<Pong, HandlerError> {
    let _ = raw.topic;
    let _ = ctx.route_name();
    Ok(Pong {
        echo: format!("{client}:{text}"),
    })
}

/// Announces a reading.
#[mqttgen::publisher(
    "sensors/{sensor_id}/temperature",
    qos = 1,
    retain,
    headers = TraceHeaders
)]
pub fn announce(sensor_id: &str, reading: &Reading) -> Result<mqttgen::Outgoing, mqttgen::Error>;

/// A service listing the macro-described endpoints.
pub fn macro_service() -> Service {
    Service::new("Sensors", "0.1.0")
        .description("Macro fixtures")
        .handler::<on_temperature>()
        .handler::<on_ping>()
        .publisher::<announce>()
}

/// A document built by hand with most features of the model.
pub fn hand_built() -> Document {
    let mut config = mqttgen::Config::from_url(
        "wss://user:pw@broker.example.com:443/mqtt?protocol=3.1.1&client_id=c1",
    )
    .unwrap();
    config.tls = Some(mqttgen::config::TlsConfig {
        client_cert: Some(("cert.pem".into(), "key.pem".into())),
        ..Default::default()
    });
    let lamp = MessageDoc::new(
        "LampState",
        json!({"type": "string", "enum": ["on", "off"]}),
    )
    .summary("On or off")
    .example(json!("on"))
    .content_type("text/plain");
    Document::new(Info::new("Street lights", "2.0.0").description("Hand-built fixture"))
        .server_from_config("edge", &config)
        .server(Server::new("plain", "localhost:1883", "mqtt"))
        .channel(
            ChannelDoc::new("lights/{street}/{lamp}/state")
                .id("lampState")
                .description("State of one lamp"),
        )
        .operation(
            OperationDoc::send("publishLampState", "lights/{street}/{lamp}/state")
                .qos(QoS::ExactlyOnce)
                .retain(true)
                .parameter(ParameterDoc {
                    name: "street".into(),
                    description: Some("Street name".into()),
                    enum_values: vec!["main".into(), "high".into()],
                    examples: vec!["main".into()],
                    default: Some("main".into()),
                })
                .message(lamp.clone())
                .tag("lights"),
        )
        .operation(
            OperationDoc::receive("onLampState", "lights/{street}/{lamp}/state")
                .message(lamp)
                .description("Mirrors lamp states"),
        )
        .operation(
            OperationDoc::receive("onAnyRaw", "raw/+/data")
                .message(MessageDoc::json::<Vec<u8>>("RawBytes")),
        )
        .operation(
            OperationDoc::receive("onCommand", "lights/{street}/command").reply(
                ReplyDoc::to_topic(
                    "lights/{street}/command/result",
                    MessageDoc::json::<bool>("CommandResult"),
                ),
            ),
        )
}

/// What a code generator emits for a spec: named schemas referenced as
/// `#/components/schemas/...`, a reply at a runtime expression, explicit correlation ids.
pub fn generated_style() -> Document {
    Document::new(Info::new("Streetlights (generated)", "1.0.0"))
        .server(
            Server::new("production", "broker.example.com:8883", "secure-mqtt")
                .protocol_version("5")
                .security("apiKey"),
        )
        .security_scheme(
            SecuritySchemeDoc {
                location: Some("user".into()),
                ..SecuritySchemeDoc::new("apiKey", SecurityKind::Other("apiKey".into()))
            }
            .description("API key as the MQTT user name"),
        )
        .schema("sentAt", json!({"type": "string", "format": "date-time"}))
        .schema(
            "lightMeasuredPayload",
            json!({"type": "object", "properties": {
                "lumens": {"type": "integer", "minimum": 0},
                "sentAt": {"$ref": "#/components/schemas/sentAt"}}}),
        )
        .channel(
            ChannelDoc::new(
                "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
            )
            .id("lightingMeasured"),
        )
        .operation(
            OperationDoc::receive(
                "receiveLightMeasurement",
                "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
            )
            .parameter(ParameterDoc::new("streetlightId").description("The ID of the streetlight."))
            .message(
                MessageDoc::new(
                    "lightMeasured",
                    json!({"$ref": "#/components/schemas/lightMeasuredPayload"}),
                )
                .title("Light measured")
                .correlation_id(mqttgen::asyncapi::Location::header("correlationId"))
                .headers_schema(
                    json!({"type": "object", "properties": {"correlationId": {"type": "string"}}}),
                    None,
                ),
            )
            .reply(ReplyDoc {
                address: ReplyAddress::Location(mqttgen::asyncapi::Location::header("replyTo")),
                messages: vec![MessageDoc::new("ack", json!({"type": "boolean"}))],
            }),
        )
}

/// Every fixture document, by file stem.
pub fn all_documents() -> Vec<(String, Document)> {
    let macro_doc = macro_service().document().unwrap();
    vec![
        ("macro-service".into(), macro_doc.clone()),
        (
            "macro-service-3.1".into(),
            macro_doc.asyncapi_version(AsyncApiVersion::V3_1_0),
        ),
        ("hand-built".into(), hand_built()),
        ("odd-payloads".into(), odd_payloads()),
        ("generated-style".into(), generated_style()),
        (
            "hand-built-3.1".into(),
            hand_built().asyncapi_version(AsyncApiVersion::V3_1_0),
        ),
    ]
}

/// A recursive type (schemars refers to the root as `#`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tree {
    /// Child nodes.
    pub children: Vec<Tree>,
}

/// A generic envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope<T> {
    /// The wrapped value.
    pub inner: T,
    /// When it was sent.
    pub sent_at: Option<String>,
}

/// Odd payloads: recursive, generic, list, optional.
pub fn odd_payloads() -> Document {
    Document::new(Info::new("Odd payloads", "0.0.1"))
        .operation(
            OperationDoc::receive("tree", "trees/{id}").message(MessageDoc::json_named::<Tree>()),
        )
        .operation(
            OperationDoc::receive("envelope", "envelopes")
                .message(MessageDoc::json_named::<Envelope<Reading>>()),
        )
        .operation(
            OperationDoc::send("list", "lists")
                .message(MessageDoc::json::<Vec<Reading>>("ReadingList")),
        )
        .operation(
            OperationDoc::send("maybe", "maybe")
                .message(MessageDoc::json::<Option<Location>>("MaybeLocation")),
        )
}
