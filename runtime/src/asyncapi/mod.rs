//! Export AsyncAPI 3 documents from Rust code (issue #7).
//!
//! * [`model`] (from the `mqttgen-asyncapi` crate, shared with the code generator): the plain-data document ([`Document`], [`OperationDoc`], [`MessageDoc`]...), which
//!   generated code and hand-written code can build directly;
//! * `#[subscriber]` / `#[publisher]` ([`crate::subscriber`], [`crate::publisher`]) describe
//!   handler functions and publishers, [`Service`] lists them explicitly (no global registry);
//! * [`build`] lays the document out (channel ids, `$ref`s, components), failing loudly on
//!   duplicate names; [`Document::to_yaml`] / [`Document::to_json`] serialise it byte-stably;
//! * [`cli_main`] is the `main` of a crate's `asyncapi` binary (`mqttgen export` runs it);
//!   [`assert_matches_file`] keeps a committed `asyncapi.yaml` in sync in CI.
//!
//! ```
//! use mqttgen::asyncapi::{Service, OperationDoc, MessageDoc};
//! let service = Service::new("Thermostat", "1.0.0").operation(
//!     OperationDoc::send("publish_status", "devices/{device_id}/status")
//!         .message(MessageDoc::json::<bool>("Online")),
//! );
//! let yaml = service.document().unwrap().to_yaml().unwrap();
//! assert!(yaml.contains("$ref: \"#/channels/devices.device_id.status/messages/Online\""));
//! ```

//! # For generated services
//!
//! Code generated from a spec exposes the same document with a plain function built from the
//! model (no macros, no schemars). Schemas are draft-07 JSON values; named sub-schemas go under
//! `definitions` and are referenced as `#/definitions/Name` (they end up in
//! `components/schemas`, refs rewritten):
//!
//! ```
//! use mqttgen::asyncapi::*;
//! use mqttgen::QoS;
//! use serde_json::json;
//!
//! /// The AsyncAPI document of this generated service.
//! pub fn asyncapi() -> Document {
//!     Document::new(Info::new("Streetlights", "1.0.0").description("From specs/streetlights.yaml"))
//!         .server(Server::new("production", "broker.example.com:8883", "secure-mqtt")
//!             .protocol_version("5")
//!             .security("userPassword"))
//!         .security_scheme(SecuritySchemeDoc::new("userPassword", SecurityKind::UserPassword))
//!         .channel(ChannelDoc::new("lights/{streetlightId}/measured").id("lightMeasured"))
//!         .operation(
//!             OperationDoc::receive("onLightMeasured", "lights/{streetlightId}/measured")
//!                 .summary("Lumens measured by a streetlight")
//!                 .qos(QoS::AtLeastOnce)
//!                 .parameter(ParameterDoc::new("streetlightId").description("The streetlight"))
//!                 .message(
//!                     MessageDoc::new("lightMeasured", json!({
//!                         "type": "object",
//!                         "properties": {
//!                             "lumens": {"type": "integer", "minimum": 0},
//!                             "sentAt": {"$ref": "#/definitions/sentAt"}
//!                         },
//!                         "definitions": {"sentAt": {"type": "string", "format": "date-time"}}
//!                     }))
//!                     .payload_name("lightMeasuredPayload"),
//!                 ),
//!         )
//! }
//!
//! let v = asyncapi().to_value().unwrap();
//! assert_eq!(v["channels"]["lightMeasured"]["address"], "lights/{streetlightId}/measured");
//! assert_eq!(
//!     v["components"]["schemas"]["lightMeasuredPayload"]["properties"]["sentAt"]["$ref"],
//!     "#/components/schemas/sentAt"
//! );
//! ```

pub mod cli;
pub mod compare;
#[doc(hidden)]
pub mod glue;
mod server;
pub mod service;
pub mod yaml;

// The document model, its layout and its writer live in `mqttgen-asyncapi`, which the code
// generator uses too: generated `asyncapi()` functions and `mqttgen export` share one model.
pub use mqttgen_asyncapi::{build, document, model, names, refs, schema, writer};
pub use mqttgen_asyncapi::{AsyncApi, ExportError, JSON};

pub use cli::{cli_main, IntoDocument};
pub use compare::{assert_matches_file, check_file};
pub use model::*;
pub use server::{DocumentServerFromConfig, ServerFromConfig, USER_PASSWORD_SCHEME, X509_SCHEME};
pub use service::{Endpoint, Service};
pub use yaml::Format;
