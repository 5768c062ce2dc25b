//! Every path into the `mqttgen` runtime that generated service code uses, in one place.
//!
//! Generated code names runtime items only through these helpers, so the list of what the output
//! depends on is this file, and a runtime rename is a one-line change here.

use proc_macro2::TokenStream;
use quote::quote;

/// The error of building a topic or publishing: `::mqttgen::Error`.
pub fn error() -> TokenStream {
    quote!(::mqttgen::Error)
}

/// The error of decoding a received topic or payload: `::mqttgen::DecodeError`.
pub fn decode_error() -> TokenStream {
    quote!(::mqttgen::DecodeError)
}

/// `::mqttgen::QoS`.
pub fn qos() -> TokenStream {
    quote!(::mqttgen::QoS)
}

/// The QoS variant for a model QoS.
pub fn qos_value(qos: crate::spec::model::Qos) -> TokenStream {
    use crate::spec::model::Qos;
    match qos {
        Qos::AtMostOnce => quote!(::mqttgen::QoS::AtMostOnce),
        Qos::AtLeastOnce => quote!(::mqttgen::QoS::AtLeastOnce),
        Qos::ExactlyOnce => quote!(::mqttgen::QoS::ExactlyOnce),
    }
}

/// A statement checking that `value` (a `&str`) is a valid topic level for parameter `name`,
/// returning `::mqttgen::Error` from the enclosing function otherwise.
pub fn validate_level(name: TokenStream, value: TokenStream) -> TokenStream {
    quote!(::mqttgen::topic::validate_param_value(#name, #value)?)
}

/// A statement checking the text captured by a trailing `#` (`/` allowed, no wildcards or NUL);
/// `value` is a place expression of type `String`.
pub fn validate_tail(name: TokenStream, value: TokenStream) -> TokenStream {
    quote! {
        if #value.contains(['+', '#', '\0']) {
            return ::std::result::Result::Err(::mqttgen::Error::InvalidTopic {
                topic: ::std::format!("{} = `{}`", #name, #value),
                reason: "topic levels after `#` must not contain wildcards or NUL",
            });
        }
    }
}

/// A `::mqttgen::DecodeError` for a received topic that does not match the channel address.
pub fn topic_mismatch(topic: TokenStream, address: TokenStream) -> TokenStream {
    quote! {
        ::mqttgen::DecodeError::new(
            "topic",
            ::std::format!("`{}` does not match the address `{}`", #topic, #address),
        )
    }
}

/// A `::mqttgen::DecodeError` for a topic parameter value that is not `expected`.
pub fn invalid_param(name: TokenStream, value: TokenStream, expected: &str) -> TokenStream {
    let expected = format!("expected {expected}");
    quote! {
        ::mqttgen::DecodeError::new(
            "topic parameter",
            ::std::format!("`{}` = `{}`: {}", #name, #value, #expected),
        )
    }
}

/// A received message: `::mqttgen::Message`.
pub fn message() -> TokenStream {
    quote!(::mqttgen::Message)
}

/// A message to publish: `::mqttgen::Outgoing`.
pub fn outgoing() -> TokenStream {
    quote!(::mqttgen::Outgoing)
}

/// What a handler method fails with: `::mqttgen::HandlerError`.
pub fn handler_error() -> TokenStream {
    quote!(::mqttgen::HandlerError)
}

/// `::mqttgen::Location` for a correlation id or reply address location.
pub fn location(location: &super::operations::MessageLocation) -> TokenStream {
    use super::operations::MessageLocation;
    match location {
        MessageLocation::Header(name) => quote!(::mqttgen::Location::header(#name)),
        MessageLocation::Payload(pointer) => quote!(::mqttgen::Location::payload(#pointer)),
    }
}

/// `::mqttgen::RequestOptions`.
pub fn request_options() -> TokenStream {
    quote!(::mqttgen::RequestOptions)
}
