//! Every path into the `mqttgen` runtime that generated code uses, in one place.
//!
//! Generated code (payload types, service code, `asyncapi()`) names runtime items only through
//! these helpers, so the list of what the output depends on is this file, and a runtime rename
//! is a one-line change here. Most of it is the runtime's `#[doc(hidden)]` facade
//! `::mqttgen::codegen`; a test (`only_rt_names_runtime_paths`) keeps other modules from
//! naming runtime paths.

use proc_macro2::TokenStream;
use quote::quote;

/// The error of building a topic or publishing: `::mqttgen::Error`.
pub fn error() -> TokenStream {
    quote!(rt::Error)
}

/// The error of decoding a received topic or payload: `::mqttgen::DecodeError`.
pub fn decode_error() -> TokenStream {
    quote!(rt::DecodeError)
}

/// The QoS variant for a model QoS.
pub fn qos_value(qos: crate::model::Qos) -> TokenStream {
    use crate::model::Qos;
    match qos {
        Qos::AtMostOnce => quote!(rt::QoS::AtMostOnce),
        Qos::AtLeastOnce => quote!(rt::QoS::AtLeastOnce),
        Qos::ExactlyOnce => quote!(rt::QoS::ExactlyOnce),
    }
}

/// A `::mqttgen::DecodeError` for a topic parameter value that is not `expected`.
pub fn invalid_param(name: TokenStream, value: TokenStream, expected: &str) -> TokenStream {
    quote!(rt::invalid_value(#name, #value, #expected))
}

/// A received message: `::mqttgen::Message`.
pub fn message() -> TokenStream {
    quote!(rt::Message)
}

/// A message to publish: `::mqttgen::Outgoing`.
pub fn outgoing() -> TokenStream {
    quote!(rt::Outgoing)
}

/// What a handler method fails with: `::mqttgen::HandlerError`.
pub fn handler_error() -> TokenStream {
    quote!(rt::HandlerError)
}

/// `::mqttgen::Location` for a correlation id or reply address location.
pub fn location(location: &mqttgen_address::Location) -> TokenStream {
    use mqttgen_address::Location as MessageLocation;
    match location {
        MessageLocation::Header(name) => quote!(rt::Location::header(#name)),
        MessageLocation::Payload(pointer) => quote!(rt::Location::payload(#pointer)),
        MessageLocation::Property => quote!(rt::Location::Property),
    }
}

/// `::mqttgen::RequestOptions`.
pub fn request_options() -> TokenStream {
    quote!(rt::RequestOptions)
}

/// An item of the runtime's `#[doc(hidden)]` facade for generated code:
/// `::mqttgen::codegen::#item`.
pub fn codegen(item: TokenStream) -> TokenStream {
    quote!(::mqttgen::codegen::#item)
}

/// The trait generated parameters structs implement: `::mqttgen::TopicParams`.
pub fn topic_params() -> TokenStream {
    quote!(rt::TopicParams)
}

/// `::mqttgen::ReplyTo`.
pub fn reply_to() -> TokenStream {
    quote!(rt::ReplyTo)
}

/// The untyped runtime publisher: `::mqttgen::Publisher`.
pub fn publisher() -> TokenStream {
    quote!(rt::Publisher)
}

/// `::mqttgen::PublishOptions`, re-exported by generated modules.
pub fn publish_options() -> TokenStream {
    quote!(rt::PublishOptions)
}

/// `::mqttgen::RequestError`, re-exported by generated modules with requests.
pub fn request_error() -> TokenStream {
    quote!(rt::RequestError)
}

/// The handler context, generic in headers and typed publisher.
pub fn message_context() -> TokenStream {
    quote!(rt::MessageContext)
}

/// An item of the facade as the service module names it (through its `use` of [`alias`]).
pub fn facade(item: TokenStream) -> TokenStream {
    quote!(rt::#item)
}

/// The first item of the service module: the facade under the short name `rt`, which every
/// path of the service code goes through.
pub fn alias() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::mqttgen::codegen as rt;
    }
}

/// The document `asyncapi()` returns: `::mqttgen::asyncapi::Document`.
pub fn asyncapi_document() -> TokenStream {
    quote!(::mqttgen::asyncapi::Document)
}

#[cfg(test)]
mod tests {
    /// Only this module names runtime paths (`::mqttgen::...`) in generated code: every other
    /// module of the generator goes through its functions. Mentions in comments and in
    /// backticks (documentation text) do not count.
    #[test]
    fn only_rt_names_runtime_paths() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("rt.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (number, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or_default();
                    let named = code.match_indices("::mqttgen").any(|(at, _)| {
                        !code[..at].ends_with('`')
                            && !code[at + "::mqttgen".len()..].starts_with('_')
                    });
                    if named {
                        offenders.push(format!("{}:{}: {line}", path.display(), number + 1));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "runtime paths named outside generator/src/rt.rs:\n{}",
            offenders.join("\n")
        );
    }
}
