//! What generating the types gives: [`GeneratedTypes`], and per message [`MessageTypes`] and
//! [`PayloadType`].

use proc_macro2::TokenStream;
use quote::{format_ident, ToTokens};

use super::dependencies::CrateUses;
use super::payload::PayloadKind;
use super::resolver;
use crate::diagnostics::Diagnostic;

/// Everything generated for a document's payloads and headers.
#[derive(Clone, Debug)]
pub struct GeneratedTypes {
    /// All type definitions, as a module body (see the [`super`] docs on placing it).
    pub file: syn::File,
    /// Per message, same index as [`Document::messages`](crate::model::Document::messages).
    pub messages: Vec<MessageTypes>,
    /// The crates the generated code uses, for the generated `Cargo.toml`.
    pub dependencies: CrateUses,
    /// `#[cfg(test)] mod message_examples { ... }` (empty when there are no examples); goes into
    /// the same module as [`GeneratedTypes::tokens`].
    pub example_tests: TokenStream,
    /// Warnings (fallbacks to `serde_json::Value`, raw-byte payloads, unresolved refs).
    pub diagnostics: Vec<Diagnostic>,
}

/// The Rust types of one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageTypes {
    /// How the payload is typed.
    pub payload: PayloadType,
    /// The headers type (an item of the types module), if the message declares headers.
    pub headers: Option<syn::Ident>,
    /// True when typify could not type the payload schema and it fell back to
    /// `serde_json::Value` (known only once the types are generated): such a payload accepts
    /// any JSON, so message selection tries it after the typed ones.
    pub untyped: bool,
}

/// How a payload is typed on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadType {
    /// JSON, decoded into this type (an item of the types module; refer to it as
    /// `types::#ident` from outside).
    Json(syn::Ident),
    /// UTF-8 text (`text/*` content types): `::std::string::String`.
    Text,
    /// A typed scalar (an enum, integer, number or boolean of the types module) carried as
    /// UTF-8 text (`text/*` content types with such a schema): `rebooting`, `42`, `true`.
    TextValue(syn::Ident),
    /// Raw bytes: non-JSON-Schema formats (Avro, Protobuf, ...) and binary content types.
    Bytes,
    /// No payload declared.
    Empty,
}

impl GeneratedTypes {
    /// The module body as tokens (inner attributes first).
    pub fn tokens(&self) -> TokenStream {
        self.file.to_token_stream()
    }
}

/// How each message of the bundle is typed (same index as [`Document::messages`](crate::model::Document::messages)).
pub(super) fn message_types(slots: &[resolver::MessageSlots]) -> Vec<MessageTypes> {
    slots
        .iter()
        .map(|slots| MessageTypes {
            payload: match &slots.payload {
                PayloadKind::Json(name) => PayloadType::Json(format_ident!("{}", name)),
                PayloadKind::Text => PayloadType::Text,
                PayloadKind::TextValue(name) => PayloadType::TextValue(format_ident!("{}", name)),
                PayloadKind::Bytes => PayloadType::Bytes,
                PayloadKind::Empty => PayloadType::Empty,
            },
            headers: slots.headers.as_ref().map(|h| format_ident!("{}", h)),
            untyped: false,
        })
        .collect()
}
