//! `mqttgen-codegen`: AsyncAPI documents in, typed Rust MQTT services out.
//!
//! The entry point is a [`Generator`] configured by [`Settings`] (load and check a spec, generate
//! the module, lay out a whole crate); build scripts use the [`Builder`] on top of it. The
//! `mqttgen` command line is a separate crate (`mqttgen-cli`), so this library pulls in no
//! argument parser, terminal renderer or allocator.
//!
//! Inside, the pipeline is reader → model → code, each in its own place:
//! - `reader`: YAML 1.2/JSON with source locations, `$ref`s across files, size limits;
//! - [`model`]: the typed AsyncAPI 3 model every later stage reads (no imports of its own);
//! - [`spec`]: the AsyncAPI builders (2.x and 3.x documents, traits, bindings, checks) that turn
//!   what the reader read into the [`model`], with located [`diagnostics`];
//! - `types`, `service`, `asyncapi_doc`: the Rust emitters (payload types, the service, the
//!   `asyncapi()` document builders), joined by `pipeline`;
//! - `output`: generated files (a module for `OUT_DIR`, or a whole crate).
//!
//! Two more public entry points work on the loaded model: [`diff`] compares two versions of a
//! contract (what `mqttgen diff` prints) and [`docs`] renders one as a static HTML page (what
//! `mqttgen docs` and `mqttgen export --html` write).
//!
//! The emitter modules are public only for this workspace's tests and benchmarks
//! (`#[doc(hidden)]`): they are not part of the API and change without notice.

pub mod builder;
pub mod diagnostics;
pub mod diff;
pub mod docs;
mod generator;
pub mod model;
pub(crate) mod reader;
mod rt;
pub mod spec;

#[doc(hidden)]
pub mod asyncapi_doc;
pub(crate) mod markdown;
#[doc(hidden)]
pub mod output;
pub(crate) mod parallel;
#[doc(hidden)]
pub mod pipeline;
pub(crate) mod printing;
#[doc(hidden)]
pub mod service;
#[doc(hidden)]
pub mod types;
#[doc(hidden)]
pub mod validation;

pub use builder::{BuildError, BuildOutput, Builder};
pub use generator::{Generator, Settings};
pub use output::{CrateOptions, Dependency, GeneratedFile, RuntimeDependency};
pub use pipeline::{Module, Role};
