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

/// The QoS variant for a model QoS.
pub fn qos_value(qos: crate::spec::model::Qos) -> TokenStream {
    use crate::spec::model::Qos;
    match qos {
        Qos::AtMostOnce => quote!(::mqttgen::QoS::AtMostOnce),
        Qos::AtLeastOnce => quote!(::mqttgen::QoS::AtLeastOnce),
        Qos::ExactlyOnce => quote!(::mqttgen::QoS::ExactlyOnce),
    }
}

/// A `::mqttgen::DecodeError` for a topic parameter value that is not `expected`.
pub fn invalid_param(name: TokenStream, value: TokenStream, expected: &str) -> TokenStream {
    quote!(::mqttgen::codegen::invalid_value(#name, #value, #expected))
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
        MessageLocation::Property => quote!(::mqttgen::Location::Property),
    }
}

/// `::mqttgen::RequestOptions`.
pub fn request_options() -> TokenStream {
    quote!(::mqttgen::RequestOptions)
}

/// An item of the runtime's `#[doc(hidden)]` facade for generated code:
/// `::mqttgen::codegen::#item`.
pub fn codegen(item: TokenStream) -> TokenStream {
    quote!(::mqttgen::codegen::#item)
}

/// The trait generated parameters structs implement: `::mqttgen::TopicParams`.
pub fn topic_params() -> TokenStream {
    quote!(::mqttgen::TopicParams)
}

/// `::mqttgen::ReplyTo`.
pub fn reply_to() -> TokenStream {
    quote!(::mqttgen::ReplyTo)
}

/// The untyped runtime publisher: `::mqttgen::Publisher`.
pub fn publisher() -> TokenStream {
    quote!(::mqttgen::Publisher)
}

/// `::mqttgen::PublishOptions`, re-exported by generated modules.
pub fn publish_options() -> TokenStream {
    quote!(::mqttgen::PublishOptions)
}

/// `::mqttgen::RequestError`, re-exported by generated modules with requests.
pub fn request_error() -> TokenStream {
    quote!(::mqttgen::RequestError)
}

/// The handler context, generic in headers and typed publisher.
pub fn message_context() -> TokenStream {
    quote!(::mqttgen::codegen::MessageContext)
}
