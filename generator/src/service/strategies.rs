//! Property-test strategies of a service module (issue #21): a `testing::strategies` module,
//! compiled only with the generated crate's `proptest` feature, with
//!
//! - per message whose JSON payload is checked against its schema, a function named after the
//!   message (`light_measured()`) returning a strategy of valid payloads, typed;
//! - per handled operation whose messages all have a checked schema, `invalid_<op>()`: payload
//!   bytes the operation must reject, for the harness's `assert_rejects_<op>`.
//!
//! The strategies are the runtime's `testing::strategies::{valid, invalid}` over the module's own
//! schema statics, the ones the decoders check: values are built from the schema and filtered
//! by the same check (see the runtime module for which keywords are built in and which filtered).

use proc_macro2::TokenStream;
use quote::quote;

use super::messages::{MessagePlans, SchemaStatics, TypeNames};
use super::names::{ident, snake, stem, Scope};
use super::operations::{OperationPlan, Side};
use crate::rt;

/// `#[cfg(feature = "proptest")]`: what the strategies are compiled under (inside `testing`).
pub fn cfg() -> TokenStream {
    quote!(#[cfg(feature = "proptest")])
}

/// The `strategies` module, placed inside `testing`; `types` names the types as a child of
/// `testing` does. Empty when no message has a checked schema.
pub fn generate(
    messages: &MessagePlans,
    operations: &[OperationPlan],
    types: &TypeNames<'_>,
    schemas: &SchemaStatics,
) -> TokenStream {
    if schemas.is_empty() {
        return TokenStream::new();
    }
    let mut scope = Scope::with_reserved(&["proptest", "InvalidPayload", "rt", "check_all"]);
    let valid: Vec<TokenStream> = schemas
        .iter()
        .map(|(&index, schema)| {
            let decode = &messages.codec_names[index].0;
            let name = scope.claim_snake(&snake(decode.strip_prefix("decode_").unwrap_or(decode)));
            let name = ident(&name);
            let ty = types.payload(index);
            quote!(#name: #ty = #schema)
        })
        .collect();
    let invalid: Vec<TokenStream> = operations
        .iter()
        .filter(|operation| operation.side == Side::Handle)
        .filter_map(|operation| {
            let set = &messages.sets[operation.set];
            let statics: Option<Vec<&syn::Ident>> = set
                .messages
                .iter()
                .map(|index| schemas.get(index))
                .collect();
            let statics = statics?;
            let name = ident(&scope.claim_snake(&format!(
                "invalid_{}",
                stem(operation.method.trim_start_matches('_'))
            )));
            Some(quote!(#name = [#(#statics),*]))
        })
        .collect();
    let strategies = rt::facade(quote!(kit_strategies));
    let cfg = cfg();
    quote! {
        /// Property-test strategies from the payload schemas (the `proptest` feature).
        #cfg
        pub mod strategies {
            // The service module's schema statics.
            #[allow(unused_imports)]
            use super::super::*;
            #strategies!(valid [#(#valid),*] invalid [#(#invalid),*]);
        }
    }
}
