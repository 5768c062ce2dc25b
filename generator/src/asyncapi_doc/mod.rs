//! The generated `asyncapi()` function: the spec's contract rebuilt from the model with the
//! runtime's export model ([`mqttgen::asyncapi`](https://docs.rs/mqttgen)), so a generated
//! service can publish the AsyncAPI document it implements (`mqttgen export`, docs, CI checks).
//!
//! What is kept: info, `id`, `defaultContentType`, servers (variables replaced by their
//! defaults) with MQTT server bindings, security schemes, channels (ids, addresses,
//! descriptions), operations (ids, actions as seen by the application, summaries, QoS/retain,
//! tags, parameters with description/enum/examples, messages, replies) and messages (names,
//! content types, payload and headers schemas, correlation ids, example payloads). Every
//! schema that the spec refers to becomes a named component schema, so `$ref`s stay `$ref`s.
//!
//! What the export model cannot hold is listed in the generated function's documentation
//! ("Not exported"): e.g. OAuth/OpenID security schemes, parameter
//! defaults, operations on addresses the exporter rejects (`#`, mixed levels, `address: null`).
//! Channels no operation uses are not exported either (the export model is operation-driven).
//!
//! The document describes the spec's application (its actions), in both roles: a client crate
//! exports the contract it talks to, not a mirrored one.
//!
//! Using it from a generated crate (`streetlights_app` here):
//!
//! ```text
//! // src/bin/asyncapi.rs: `mqttgen export` runs this binary
//! fn main() -> std::process::ExitCode {
//!     mqttgen::asyncapi::cli_main(streetlights_app::asyncapi())
//! }
//!
//! // a test keeping a committed copy in sync (MQTTGEN_UPDATE=1 rewrites it)
//! #[test]
//! fn asyncapi_is_up_to_date() {
//!     mqttgen::asyncapi::assert_matches_file(&streetlights_app::asyncapi(), "asyncapi.yaml");
//! }
//! ```

mod document;
mod formats;
mod operations;
mod schemas;
mod values;

use proc_macro2::TokenStream;
use quote::quote;

use crate::spec::model::{Document, Qos};
use schemas::SchemaNames;
use values::ValueTable;

/// Emits `pub fn asyncapi() -> ::mqttgen::asyncapi::Document` for `doc`.
///
/// Pure and deterministic: the same model gives the same tokens. The generated code needs
/// `mqttgen` and `serde_json` (JSON values are stored as one string literal parsed on first
/// use, which keeps the generated code small).
pub fn generate_asyncapi_fn(doc: &Document) -> TokenStream {
    let mut ex = Export {
        doc,
        schemas: SchemaNames::new(doc),
        values: ValueTable::default(),
        left_out: Vec::new(),
    };
    let (schemes, exported_schemes) = document::security_schemes(&mut ex);
    let servers = document::servers(&mut ex, &exported_schemes);
    let schemas = document::schemas(&mut ex);
    let body = operations::channels_and_operations(&mut ex);
    let changed_later = [&schemes, &servers, &schemas, &body]
        .iter()
        .any(|tokens| !tokens.is_empty());
    let head = document::head(&ex, changed_later);
    let values = ex.values.definitions();
    let docs = function_docs(doc, &ex.left_out);
    quote! {
        #(#[doc = #docs])*
        pub fn asyncapi() -> ::mqttgen::asyncapi::Document {
            use ::mqttgen::asyncapi as api;
            #values
            #head
            #schemes
            #servers
            #schemas
            #body
            document
        }
    }
}

/// The state of one export: the model, schema names, the JSON values used, what was left out.
struct Export<'d> {
    doc: &'d Document,
    schemas: SchemaNames,
    values: ValueTable,
    left_out: Vec<String>,
}

fn function_docs(doc: &Document, left_out: &[String]) -> Vec<String> {
    let title = doc.info.title.replace('\n', " ");
    let mut lines = vec![
        format!(" The AsyncAPI document of {title}, rebuilt from the spec this code was generated from."),
        String::new(),
        " Serialise it with `to_yaml()` / `to_json()`, or compare it with a committed file with"
            .to_owned(),
        " `::mqttgen::asyncapi::assert_matches_file`. It describes the spec's application (its"
            .to_owned(),
        " send/receive actions) whichever role this code was generated for.".to_owned(),
    ];
    let mut left_out = left_out.to_vec();
    left_out.sort();
    left_out.dedup();
    if !left_out.is_empty() {
        lines.push(String::new());
        lines.push(" Not exported (the export model has no place for it):".to_owned());
        lines.push(String::new());
        lines.extend(
            left_out
                .iter()
                .map(|l| format!(" - {}", l.replace('\n', " "))),
        );
    }
    lines
}

/// `.name("value")` for every `Some` option, in order.
fn optional_calls(calls: &[(&str, &Option<String>)]) -> TokenStream {
    let mut tokens = TokenStream::new();
    for (method, value) in calls {
        if let Some(value) = value {
            let method = proc_macro2::Ident::new(method, proc_macro2::Span::call_site());
            tokens.extend(quote! { .#method(#value) });
        }
    }
    tokens
}

/// `Some(String::from("value"))` or `None`.
fn string_option(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote! { ::std::option::Option::Some(::std::string::String::from(#value)) },
        None => quote! { ::std::option::Option::None },
    }
}

fn qos_tokens(qos: Qos) -> TokenStream {
    match qos {
        Qos::AtMostOnce => quote! { ::mqttgen::QoS::AtMostOnce },
        Qos::AtLeastOnce => quote! { ::mqttgen::QoS::AtLeastOnce },
        Qos::ExactlyOnce => quote! { ::mqttgen::QoS::ExactlyOnce },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::{MqttOperationBinding, SecurityScheme};
    use std::path::Path;

    fn streetlights() -> Document {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/streetlights.yaml");
        crate::spec::load_file(&path)
            .document
            .expect("specs/streetlights.yaml loads")
    }

    fn docs_of(function: &syn::ItemFn) -> String {
        function
            .attrs
            .iter()
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn emits_one_deterministic_public_function() {
        let doc = streetlights();
        let tokens = generate_asyncapi_fn(&doc);
        assert_eq!(tokens.to_string(), generate_asyncapi_fn(&doc).to_string());
        let function: syn::ItemFn = syn::parse2(tokens).expect("an fn item");
        assert_eq!(function.sig.ident, "asyncapi");
        assert!(matches!(function.vis, syn::Visibility::Public(_)));
        assert!(function.sig.inputs.is_empty());
        let body = quote!(#function).to_string();
        for expected in [
            r#"document . schema ("lightMeasuredPayload""#,
            r#"ChannelDoc :: new ("city/{district}/lights/{lightId}/measured") . id ("lightMeasured")"#,
            r#"OperationDoc :: send ("sendLightCommand" , "city/{district}/lights/{lightId}/command")"#,
            r#"enum_values (["north" , "south" , "east" , "west"])"#,
            r#"Server :: new ("local" , "localhost:1883" , "mqtt")"#,
            "QoS :: AtLeastOnce",
        ] {
            assert!(body.contains(expected), "missing `{expected}` in\n{body}");
        }
        // JSON values live in one string literal, not in `json!` trees.
        assert!(!body.contains("json !"), "{body}");
        assert!(docs_of(&function).contains("the variables of server `local`"));
    }

    #[test]
    fn a_document_with_nothing_to_add_has_no_mutable_binding() {
        let mut doc = Document::default();
        doc.info.title = "Empty".into();
        doc.info.version = "1".into();
        doc.default_content_type = Some("application/json".into());
        let body = generate_asyncapi_fn(&doc).to_string();
        assert!(body.contains("let document ="), "{body}");
        assert!(!body.contains("VALUES"), "{body}");
        doc.default_content_type = Some("text/plain".into());
        let body = generate_asyncapi_fn(&doc).to_string();
        assert!(body.contains("let mut document ="), "{body}");
    }

    #[test]
    fn what_the_export_model_cannot_hold_is_documented() {
        let mut doc = streetlights();
        doc.security_schemes.push(SecurityScheme {
            name: "oauth".into(),
            kind: "oauth2".into(),
            ..SecurityScheme::default()
        });
        doc.operations[1].mqtt = Some(MqttOperationBinding {
            message_expiry_interval: Some(60),
            ..MqttOperationBinding::default()
        });
        doc.channels[0].address = None;
        doc.messages[1].payload = None;
        let function: syn::ItemFn = syn::parse2(generate_asyncapi_fn(&doc)).unwrap();
        let docs = docs_of(&function);
        for expected in [
            "Not exported",
            "security scheme `oauth`",
            "operation `receiveLightMeasured`: its channel has no address",
            "message `turnOn` has no payload",
        ] {
            assert!(docs.contains(expected), "missing `{expected}` in\n{docs}");
        }
        let body = quote!(#function).to_string();
        assert!(!body.contains("receiveLightMeasured\" ,"), "{body}");
        assert!(
            body.contains("message_expiry_interval (60u32)"),
            "the expiry is exported: {body}"
        );
    }
}
