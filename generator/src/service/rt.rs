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

/// `::mqttgen::address::Piece`: one piece of a channel address in a parameters struct.
pub fn address_piece() -> TokenStream {
    quote!(::mqttgen::address::Piece)
}

/// A `::mqttgen::DecodeError` for a topic parameter value that is not `expected`.
pub fn invalid_param(name: TokenStream, value: TokenStream, expected: &str) -> TokenStream {
    quote!(::mqttgen::address::invalid_value(#name, #value, #expected))
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
