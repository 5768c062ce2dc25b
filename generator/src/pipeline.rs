//! The one code path from a loaded document to a generated module: payload types, then service code,
//! formatted. The CLI's crate output and build.rs's `OUT_DIR` file both come from [`generate_module`].

use quote::quote;

use crate::diagnostics::Diagnostic;
use crate::output::Dependency;
use crate::service::{generate_service, ServiceSettings};
use crate::spec::model::Document;
use crate::types::{format_tokens, generate_types, TypeSettings};

pub use crate::service::Role;

/// A generated module: formatted source plus what it needs.
#[derive(Debug, Clone)]
pub struct Module {
    /// Formatted Rust source (no header, no inner attributes at its top, so it can be `include!`d).
    pub source: String,
    /// Crates the source uses besides `mqttgen`.
    pub dependencies: Vec<Dependency>,
    /// Warnings found while generating.
    pub diagnostics: Vec<Diagnostic>,
}

/// Generates the module for `role`: `pub mod types` (payloads and headers), `pub mod service`
/// (topic parameters, message enums, handler trait, publisher, servers) re-exported at the top.
/// Fails with the error diagnostics when any stage reports an error.
pub fn generate_module(doc: &Document, role: Role) -> Result<Module, Vec<Diagnostic>> {
    let types = generate_types(doc, &TypeSettings::default());
    let service = generate_service(doc, &types, &ServiceSettings::for_role(role));
    let mut diagnostics = types.diagnostics.clone();
    diagnostics.extend(service.diagnostics.iter().cloned());
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect());
    }

    let type_items = &types.tokens;
    let example_tests = &types.example_tests;
    let service_items = &service.tokens;
    let title = format!(
        " Payload and header types of {}.",
        doc.info.title.replace('\n', " ")
    );
    let asyncapi_fn = crate::asyncapi_doc::generate_asyncapi_fn(doc);
    let tokens = quote! {
        #[doc = #title]
        pub mod types {
            #type_items
            #example_tests
        }

        /// Topic parameters, messages, the handler trait, the publisher and server presets.
        pub mod service {
            #service_items
        }

        pub use service::*;

        #asyncapi_fn
    };
    let source = format_tokens(tokens).map_err(|e| {
        vec![Diagnostic::error(
            "codegen-invalid-rust",
            None,
            format!("mqttgen generated Rust that does not parse ({e}); please report this with the spec"),
        )]
    })?;
    let dependencies = types
        .dependencies
        .dependencies()
        .iter()
        .map(|d| {
            let line = d.toml_line();
            let (name, spec) = line.split_once(" = ").unwrap_or((d.name, "\"*\""));
            Dependency::new(name, spec)
        })
        .collect();
    Ok(Module {
        source,
        dependencies,
        diagnostics,
    })
}
