//! The document's head: `info`, `id`, `defaultContentType`, security schemes, servers (with
//! their MQTT bindings) and the named component schemas.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::{optional_calls, qos_tokens, string_option, Export};
use crate::spec::model::{MqttServerBinding, SecurityScheme, Server};

/// `let mut document = Document::new(..);` plus `id` and `defaultContentType`; `changed_later`
/// says whether more statements reassign `document` (else it is not `mut` unless needed here).
pub(super) fn head(ex: &Export<'_>, changed_later: bool) -> TokenStream {
    let info = &ex.doc.info;
    let (title, version) = (&info.title, &info.version);
    let description = optional_calls(&[("description", &info.description)]);
    let id = ex.doc.id.as_deref().map(|id| {
        let id = string_option(Some(id));
        quote! { document.id = #id; }
    });
    // `Document::new` already says `application/json`.
    let content_type = ex.doc.default_content_type.as_deref();
    let content_type = (content_type != Some("application/json")).then(|| {
        let content_type = string_option(content_type);
        quote! { document.default_content_type = #content_type; }
    });
    let binding = if changed_later || id.is_some() || content_type.is_some() {
        quote! { let mut document }
    } else {
        quote! { let document }
    };
    quote! {
        #binding = api::Document::new(
            api::Info::new(#title, #version) #description
        );
        #id
        #content_type
    }
}

/// `document = document.security_scheme(..);` for every scheme the export model can describe
/// completely, and the names of those schemes.
pub(super) fn security_schemes(ex: &mut Export<'_>) -> (TokenStream, BTreeSet<String>) {
    let mut tokens = TokenStream::new();
    let mut exported = BTreeSet::new();
    for scheme in &ex.doc.security_schemes {
        let Some(kind) = security_kind(scheme) else {
            ex.left_out.push(format!(
                "security scheme `{}` (type `{}` needs fields the export model does not have)",
                scheme.name, scheme.kind
            ));
            continue;
        };
        let name = &scheme.name;
        let description = optional_calls(&[("description", &scheme.description)]);
        let mut scheme_doc = quote! { api::SecuritySchemeDoc::new(#name, #kind) };
        if let Some(location) = &scheme.location {
            let location = string_option(Some(location));
            scheme_doc = quote! {
                api::SecuritySchemeDoc { location: #location, ..#scheme_doc }
            };
        }
        tokens.extend(quote! {
            document = document.security_scheme(#scheme_doc #description);
        });
        exported.insert(scheme.name.clone());
    }
    (tokens, exported)
}

/// The `SecurityKind` of a scheme, `None` for types whose required fields (OAuth flows, OpenID
/// URL, HTTP scheme, header name) the export model cannot hold.
fn security_kind(scheme: &SecurityScheme) -> Option<TokenStream> {
    let kind = quote! { api::SecurityKind };
    Some(match scheme.kind.as_str() {
        "userPassword" => quote! { #kind::UserPassword },
        "X509" => quote! { #kind::X509 },
        "symmetricEncryption" => quote! { #kind::SymmetricEncryption },
        "asymmetricEncryption" => quote! { #kind::AsymmetricEncryption },
        other @ ("apiKey" | "plain" | "scramSha256" | "scramSha512" | "gssapi") => {
            quote! { #kind::Other(::std::string::String::from(#other)) }
        }
        _ => return None,
    })
}

/// `document = document.server(..);` for every server; server variables are replaced by their
/// default (the export model has no variables), security limited to exported schemes.
pub(super) fn servers(ex: &mut Export<'_>, schemes: &BTreeSet<String>) -> TokenStream {
    let mut tokens = TokenStream::new();
    for server in &ex.doc.servers {
        let name = &server.name;
        if !server.variables.is_empty() {
            ex.left_out.push(format!(
                "the variables of server `{name}` (replaced by their defaults)"
            ));
        }
        let host = substitute_variables(server, &server.host);
        let protocol = &server.protocol;
        let mut server_doc = quote! { api::Server::new(#name, #host, #protocol) };
        if let Some(pathname) = &server.pathname {
            let pathname = string_option(Some(&substitute_variables(server, pathname)));
            server_doc = quote! { api::Server { pathname: #pathname, ..#server_doc } };
        }
        let calls = optional_calls(&[
            ("protocol_version", &server.protocol_version),
            ("description", &server.description),
        ]);
        let security = server.security.iter().filter(|s| schemes.contains(*s));
        let binding = server.mqtt.as_ref().map(|b| {
            let b = server_binding(b);
            quote! { .binding(#b) }
        });
        tokens.extend(quote! {
            document = document.server(#server_doc #calls #( .security(#security) )* #binding);
        });
    }
    tokens
}

/// `text` with every `{variable}` of `server` replaced by its default (else its first allowed
/// value); unknown variables stay as written.
fn substitute_variables(server: &Server, text: &str) -> String {
    server.variables.iter().fold(text.to_owned(), |text, v| {
        match v.default.as_ref().or(v.allowed.first()) {
            Some(value) => text.replace(&format!("{{{}}}", v.name), value),
            None => text,
        }
    })
}

fn server_binding(b: &MqttServerBinding) -> TokenStream {
    let client_id = string_option(b.client_id.as_deref());
    let option_u64 = |v: Option<u64>| match v.map(proc_macro2::Literal::u64_unsuffixed) {
        Some(v) => quote! { ::std::option::Option::Some(#v) },
        None => quote! { ::std::option::Option::None },
    };
    let clean_session = match b.clean_session {
        Some(v) => quote! { ::std::option::Option::Some(#v) },
        None => quote! { ::std::option::Option::None },
    };
    let keep_alive = option_u64(b.keep_alive);
    let session_expiry = option_u64(b.session_expiry_interval);
    let max_packet = option_u64(b.maximum_packet_size);
    let last_will = match b
        .last_will
        .as_ref()
        .and_then(|w| Some((w, w.topic.as_ref()?)))
    {
        Some((will, topic)) => {
            let qos = qos_tokens(will.qos.unwrap_or_default());
            let message = string_option(will.message.as_deref());
            let retain = will.retain.unwrap_or(false);
            quote! {
                ::std::option::Option::Some(api::LastWillDoc {
                    topic: ::std::string::String::from(#topic),
                    qos: #qos,
                    message: #message,
                    retain: #retain,
                })
            }
        }
        None => quote! { ::std::option::Option::None },
    };
    quote! {
        api::MqttServerBinding {
            client_id: #client_id,
            clean_session: #clean_session,
            keep_alive: #keep_alive,
            session_expiry_interval: #session_expiry,
            maximum_packet_size: #max_packet,
            last_will: #last_will,
        }
    }
}

/// `document = document.schema(name, ..);` for every named schema, by name.
pub(super) fn schemas(ex: &mut Export<'_>) -> TokenStream {
    let mut named: Vec<(String, serde_json::Value)> = ex
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
    let mut tokens = TokenStream::new();
    for (name, value) in named {
        let value = ex.values.get(&value);
        tokens.extend(quote! { document = document.schema(#name, #value); });
    }
    tokens
}
