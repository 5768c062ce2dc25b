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
    doc: &crate::spec::model::Document,
    messages: &MessagePlans,
    operations: &[OperationPlan],
    types: &TypeNames<'_>,
    schemas: &SchemaStatics,
) -> TokenStream {
    if schemas.is_empty() {
        return TokenStream::new();
    }
    let mut scope = Scope::with_reserved(&["proptest", "InvalidPayload", "rt", "check_all"]);
    let strategy = rt::facade(quote!(strategies::proptest::strategy::BoxedStrategy));
    let valid = rt::facade(quote!(strategies::valid));
    let invalid = rt::facade(quote!(strategies::invalid));
    let invalid_payload = rt::facade(quote!(strategies::InvalidPayload));
    let check_valid = rt::facade(quote!(strategies::check_valid));
    let check_invalid = rt::facade(quote!(strategies::check_invalid));
    let check_struct = rt::facade(quote!(strategies::StrategyCheck));
    let mut checks: Vec<TokenStream> = Vec::new();
    let values = schemas.iter().map(|(&index, schema)| {
        let decode = &messages.codec_names[index].0;
        let name = scope.claim_snake(&snake(decode.strip_prefix("decode_").unwrap_or(decode)));
        let name_text = name.clone();
        let name = ident(&name);
        checks.push(quote!(#check_valid(#name_text, #name(), &super::super::#schema, cases)));
        let ty = types.payload(index);
        let doc_line = format!(
            " Valid payloads of message `{}`, built from its schema and checked by it as the \
             decoder checks them.",
            doc.messages[index].name
        );
        quote! {
            #[doc = #doc_line]
            pub fn #name() -> #strategy<#ty> {
                #valid(&super::super::#schema)
            }
        }
    });
    let values: Vec<TokenStream> = values.collect();
    let rejected = operations
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
            let name_text = scope.claim_snake(&format!(
                "invalid_{}",
                stem(operation.method.trim_start_matches('_'))
            ));
            let name = ident(&name_text);
            checks.push(quote! {
                #check_invalid(#name_text, #name(), vec![#(&super::super::#statics),*], cases)
            });
            let doc_line = format!(
                " Payloads operation `{}` must reject (every one of its messages' schemas \
                 rejects them): one thing broken in a valid payload, or bytes that are not JSON. \
                 For `Harness::assert_rejects_*`.",
                operation.id
            );
            Some(quote! {
                #[doc = #doc_line]
                pub fn #name() -> #strategy<#invalid_payload> {
                    #invalid(vec![#(&super::super::#statics),*])
                }
            })
        })
        .collect::<Vec<_>>();
    let check_name = ident("check_all");
    let cfg = cfg();
    quote! {
        /// Property-test strategies from the payload schemas (the crate's `proptest` feature):
        /// valid payloads per message, typed, to fuzz a handler through the `Harness`, and per
        /// handled operation payloads it must reject. Built from each schema (types, ranges,
        /// `multipleOf`, lengths, `enum`/`const`, patterns, formats, arrays, required and
        /// optional properties, `oneOf`/`anyOf`, nullable) and filtered by the schema check
        /// the decoder applies, which covers the keywords not built in (`not`, `if`/`then`,
        /// `dependencies`, `contains`, `patternProperties`, unsupported patterns).
        #cfg
        pub mod strategies {
            #[allow(unused_imports)]
            use super::rt;
            /// What the `invalid_*` strategies yield.
            pub use rt::strategies::InvalidPayload;
            /// proptest itself, for `proptest!` and the runner without another dependency.
            pub use rt::strategies::proptest;

            #(#values)*
            #(#rejected)*

            /// Checks every strategy above: draws `cases` values of each and panics, naming the
            /// strategy and the value, unless the valid ones pass their schema check and the
            /// invalid ones fail it; returns per strategy how much of what the schema builds
            /// passes before filtering (a strategy that relies on filtering a lot is slow).
            pub fn #check_name(cases: u32) -> Vec<#check_struct> {
                vec![#(#checks),*]
            }
        }
    }
}
