//! Export AsyncAPI 3 documents from Rust code (issue #7).
//!
//! * [`model`]: the plain-data document ([`Document`], [`OperationDoc`], [`MessageDoc`]...), which
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
//! assert!(yaml.contains("$ref: '#/channels/devices.device_id.status/messages/Online'"));
//! ```

pub mod build;
pub mod cli;
pub mod compare;
mod error;
#[doc(hidden)]
pub mod glue;
pub mod model;
pub mod names;
pub mod refs;
pub mod schema;
mod server;
pub mod service;
pub mod yaml;

pub use cli::{cli_main, IntoDocument};
pub use compare::{assert_matches_file, check_file};
pub use error::ExportError;
pub use model::*;
pub use server::{USER_PASSWORD_SCHEME, X509_SCHEME};
pub use service::{Endpoint, Service};
pub use yaml::Format;

/// The JSON content type.
pub const JSON: &str = "application/json";
