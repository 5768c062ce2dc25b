//! The one code path from a loaded document to a generated module: payload types, then service code,
//! formatted. The CLI's crate output and build.rs's `OUT_DIR` file both come from [`generate_module`].

use quote::format_ident;

use crate::diagnostics::Diagnostic;
use crate::output::Dependency;
use crate::service::{generate_service, ServiceSettings};
use crate::spec::model::Document;
use crate::types::{format_file, generate_types, TypeSettings};

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

    let invalid = |error: syn::Error| {
        vec![Diagnostic::error(
            "codegen-invalid-rust",
            None,
            format!("mqttgen generated Rust that does not parse ({error}); please report this with the spec"),
        )]
    };
    let title = format!(
        " Payload and header types of {}.",
        doc.info.title.replace('\n', " ")
    );
    let examples = syn::parse2::<syn::File>(types.example_tests.clone()).map_err(invalid)?;
    let dependency_uses = types.dependencies;
    let mut types_body = types.file;
    types_body.items.extend(examples.items);
    let service_body = syn::parse2::<syn::File>(service.tokens.clone()).map_err(invalid)?;
    let asyncapi_fn: syn::Item =
        syn::parse2(crate::asyncapi_doc::generate_asyncapi_fn(doc)).map_err(invalid)?;
    let file =
        syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: vec![
            module(&title, "types", types_body),
            module(
                " Topic parameters, messages, the handler trait, the publisher and server presets.",
                "service",
                service_body,
            ),
            syn::parse_quote!(pub use service::*;),
            asyncapi_fn,
        ],
        };
    // Printed from the syntax tree: the payload types (the largest part) are never re-parsed.
    let source = format_file(&file);
    let dependencies = dependency_uses
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

/// `#[doc = doc] pub mod name { body }`, with the body's inner attributes inside the braces.
fn module(doc: &str, name: &str, body: syn::File) -> syn::Item {
    let ident = format_ident!("{}", name);
    let mut item: syn::ItemMod = syn::parse_quote! {
        #[doc = #doc]
        pub mod #ident {}
    };
    item.attrs.extend(body.attrs);
    item.content = Some((Default::default(), body.items));
    syn::Item::Mod(item)
}
