//! The test kit of a service module (issue #21): a `testing` module, compiled only under
//! `cfg(test)` or the crate's `testing` feature, whose `Harness` mounts the user's handler on an
//! in-memory broker and offers one typed method per operation:
//!
//! - a handled operation `op`: `op(params, message)` (and `op_with(.., options)` for headers,
//!   QoS, unchecked payloads) delivers the message and waits until the handler is done; a request
//!   `request_op(params, message)` returns the typed reply;
//! - a published operation `op`: `expect_op()` returns the next `(params, message)` published on
//!   it (just the message for a fixed topic), `expect_op_eq(params, message)` panics with a diff
//!   unless they are equal; a published request gets `reply_op(reply)`, answering the request
//!   `expect_op` returned.
//!
//! Messages go through the module's own encoders and decoders, or, where only the kit needs one
//! for a checked JSON message, through the runtime's with the module's schema static, so they
//! are exactly what goes on the wire. The generic machinery is the runtime's `kit::Kit`, and the
//! typed methods are written once, as the facade's macros (`rt::harness!`, `rt::kit_deliver!`,
//! `rt::kit_request!`, `rt::kit_expect!`, `rt::kit_reply!`): this file emits one macro call per
//! operation with its names, types, codecs and defaults (issue #17: the kit costs a few lines
//! per operation, not 30–40).

use proc_macro2::TokenStream;
use quote::quote;

use super::messages::{InlineCodecs, MessagePlans, MessageSet, SchemaStatics, TypeNames};
use super::names::{ident, Scope};
use super::operations::{OperationPlan, Side};
use super::topics::TopicPlans;
use crate::rt;

pub use super::messages::kit_cfg as cfg;

/// Everything the kit needs to emit.
pub struct KitInput<'a> {
    /// The document (message names for docs).
    pub doc: &'a crate::spec::model::Document,
    /// Topic plans.
    pub topics: &'a TopicPlans,
    /// Message sets and codecs.
    pub messages: &'a MessagePlans,
    /// Operation plans.
    pub operations: &'a [OperationPlan],
    /// Rust types of messages, as the service module names them.
    pub types: &'a TypeNames<'a>,
    /// The statics holding checked payload schemas, for the property-test strategies.
    pub schemas: &'a SchemaStatics,
    /// The codecs only the kit needs, done by the runtime with the schema statics.
    pub inline: &'a InlineCodecs,
}

/// The `testing` module.
pub fn generate(input: &KitInput<'_>) -> TokenStream {
    // The types module as `testing` names it: `types`, imported, unless its path ends in
    // `super`/`self`/`crate` (then in full).
    let child_path = from_child(input.types.types_path);
    let aliased = child_path
        .segments
        .last()
        .is_some_and(|last| !matches!(last.ident.to_string().as_str(), "super" | "self" | "crate"));
    let local: syn::Path = syn::parse_quote!(types);
    let types_path = if aliased {
        local.clone()
    } else {
        child_path.clone()
    };
    let types_import = aliased.then(|| {
        let named_types = child_path
            .segments
            .last()
            .is_some_and(|last| last.ident == "types");
        let alias = (!named_types).then(|| quote!(as types));
        quote! {
            #[allow(unused_imports)]
            use #child_path #alias;
        }
    });
    let types = TypeNames {
        messages: input.types.messages,
        types_path: &types_path,
    };
    let kit = Kit {
        input,
        types: &types,
    };
    let grandchild_path = if aliased {
        syn::parse_quote!(super::types)
    } else {
        from_child(&types_path)
    };
    let strategies = super::strategies::generate(
        input.messages,
        input.operations,
        &TypeNames {
            messages: input.types.messages,
            types_path: &grandchild_path,
        },
        input.schemas,
    );
    let handles = input
        .operations
        .iter()
        .any(|operation| operation.side == Side::Handle);
    let mut scope = Scope::with_reserved(&[
        "start",
        "start_on",
        "kit",
        "publisher",
        "assert_nothing_published",
    ]);
    let methods: Vec<TokenStream> = input
        .operations
        .iter()
        .map(|operation| kit.methods(operation, &mut scope))
        .filter(|tokens| !tokens.is_empty())
        .collect();
    let harness = rt::facade(quote!(harness));
    let base = if handles {
        quote!(#harness!(handler: super::Handler, super::mount, super::Publisher);)
    } else {
        quote!(#harness!(router: super::Publisher);)
    };
    let methods = (!methods.is_empty()).then(|| {
        quote! {
            // Method names are operation ids.
            #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
            impl Harness {
                #(#methods)*
            }
        }
    });
    let cfg = cfg();
    quote! {
        /// This side's test kit (`Harness`), under `cfg(test)` or the `testing` feature.
        #cfg
        pub mod testing {
            // The service module's `rt`, parameters structs, codecs and schema statics.
            #[allow(unused_imports)]
            use super::*;
            #types_import
            #base
            #methods
            #strategies
        }
    }
}

/// `path` (the types module as the service module names it) as the `testing` child module
/// names it.
fn from_child(path: &syn::Path) -> syn::Path {
    let first = path
        .segments
        .first()
        .map(|segment| segment.ident.to_string());
    if path.leading_colon.is_some() || first.as_deref() == Some("crate") {
        return path.clone();
    }
    let mut child: syn::Path = syn::parse_quote!(super);
    for segment in &path.segments {
        if segment.ident == "self" {
            continue;
        }
        child.segments.push(segment.clone());
    }
    child
}

struct Kit<'a> {
    input: &'a KitInput<'a>,
    types: &'a TypeNames<'a>,
}

impl Kit<'_> {
    /// The Rust type of a set, as the `testing` module names it.
    fn set_type(&self, set: &MessageSet) -> TokenStream {
        match &set.enum_name {
            Some(name) => {
                let name = ident(name);
                quote!(#name)
            }
            None => self.types.payload(set.messages[0]),
        }
    }

    /// The decoder of `set` for the kit's macros: `[the enum's decode]`, `[the message's
    /// decoder]`, or `[json SCHEMA]` when only the kit decodes it (see [`InlineCodecs`]).
    fn decoder(&self, set: &MessageSet) -> TokenStream {
        let index = set.messages[0];
        match &set.enum_name {
            Some(name) => {
                let name = ident(name);
                quote!([#name::decode])
            }
            None if self.input.inline.decoded.contains(&index) => {
                let schema = &self.input.schemas[&index];
                quote!([json #schema])
            }
            None => {
                let decoder = ident(&self.input.messages.codec_names[index].0);
                quote!([#decoder])
            }
        }
    }

    /// The encoder of `set` for the kit's macros, a callable `(topic, &message, checked)`: a
    /// closure over the enum's `encode_checked`, `[the message's encoder]`, or `[json SCHEMA,
    /// content type]` when only the kit encodes it.
    fn encoder(&self, set: &MessageSet) -> TokenStream {
        let index = set.messages[0];
        match &set.enum_name {
            Some(name) => {
                let name = ident(name);
                quote!([|t, m: &#name, c| m.encode_checked(t, c)])
            }
            None if self.input.inline.encoded.contains(&index) => {
                let schema = &self.input.schemas[&index];
                let content_type = match &self.input.doc.messages[index].content_type {
                    Some(content_type) => quote!(Some(#content_type)),
                    None => quote!(None),
                };
                quote!([json #schema, #content_type])
            }
            None => {
                let encoder = ident(&self.input.messages.codec_names[index].1);
                quote!([#encoder])
            }
        }
    }

    fn methods(&self, operation: &OperationPlan, scope: &mut Scope) -> TokenStream {
        let Some(topic) = self.input.topics.topics[operation.channel].as_ref() else {
            return TokenStream::new();
        };
        match operation.side {
            Side::Handle => self.deliver(operation, topic, scope),
            Side::Publish => self.expect(operation, topic, scope),
        }
    }

    /// `params super::Params` or `topic super::TOPIC`: how the kit's macros build the topic.
    fn topic(&self, topic: &super::topics::TopicPlan) -> TokenStream {
        match &topic.params_type {
            Some(name) => {
                let name = ident(name);
                quote!(params #name)
            }
            None => {
                let constant = ident(&topic.const_name);
                quote!(topic #constant)
            }
        }
    }

    fn deliver(
        &self,
        operation: &OperationPlan,
        topic: &super::topics::TopicPlan,
        scope: &mut Scope,
    ) -> TokenStream {
        let set = &self.input.messages.sets[operation.set];
        let message = self.set_type(set);
        let encode = self.encoder(set);
        let target = self.topic(topic);
        let defaults = defaults(operation);
        let id = &operation.id;
        match &operation.reply {
            None => {
                let name = scope.claim_snake(&operation.method);
                let name_with = scope.claim_snake(&suffixed(&name, "with"));
                let rejects = scope.claim_snake(&prefixed("assert_rejects", &operation.method));
                let (name, name_with, rejects) = (ident(&name), ident(&name_with), ident(&rejects));
                let deliver = rt::facade(quote!(kit_deliver));
                quote! {
                    #deliver!(#name, #name_with, #rejects, #id, #target, #message, #encode, #defaults);
                }
            }
            Some(reply) => {
                let name = scope.claim_snake(&prefixed("request", &operation.method));
                let name_with = scope.claim_snake(&suffixed(&name, "with"));
                let rejects = scope.claim_snake(&prefixed("assert_rejects", &operation.method));
                let (name, name_with, rejects) = (ident(&name), ident(&name_with), ident(&rejects));
                let reply_set = &self.input.messages.sets[reply.set];
                let reply_type = self.set_type(reply_set);
                let decode = self.decoder(reply_set);
                let request_options = rt::request_options();
                let (write, read) = operation.correlation_locations();
                let correlation = write.map(|location| {
                    let location = rt::location(location);
                    quote!(.correlation(#location))
                });
                let reply_correlation = read.filter(|read| Some(*read) != write).map(|location| {
                    let location = rt::location(location);
                    quote!(.reply_correlation(#location))
                });
                let request = rt::facade(quote!(kit_request));
                quote! {
                    #request!(#name, #name_with, #rejects, #id, #target, #message, #encode, #defaults,
                        #reply_type, #decode,
                        #request_options::new(::std::time::Duration::ZERO) #correlation #reply_correlation);
                }
            }
        }
    }

    fn expect(
        &self,
        operation: &OperationPlan,
        topic: &super::topics::TopicPlan,
        scope: &mut Scope,
    ) -> TokenStream {
        let set = &self.input.messages.sets[operation.set];
        let message = self.set_type(set);
        let decode = self.decoder(set);
        let id = &operation.id;
        let name = scope.claim_snake(&prefixed("expect", &operation.method));
        let name_eq = scope.claim_snake(&suffixed(&name, "eq"));
        let target = match &topic.params_type {
            Some(name) => {
                let name = ident(name);
                quote!(params #name)
            }
            None => {
                let filter = &topic.filter;
                quote!(filter #filter)
            }
        };
        let reply = operation.reply.as_ref().map(|reply| {
            let reply_name = ident(&scope.claim_snake(&prefixed("reply", &operation.method)));
            let reply_set = &self.input.messages.sets[reply.set];
            let reply_type = self.set_type(reply_set);
            let encode = self.encoder(reply_set);
            let address = match &reply.address {
                Some(location) => {
                    let location = rt::location(location);
                    quote!(Some(#location))
                }
                None => quote!(None),
            };
            let echo = match operation.correlation_locations() {
                (Some(read), Some(write)) => {
                    let (read, write) = (rt::location(read), rt::location(write));
                    quote!(Some((#read, #write)))
                }
                _ => quote!(None),
            };
            let kit_reply = rt::facade(quote!(kit_reply));
            quote!(#kit_reply!(#reply_name, #id, #reply_type, #encode, #address, #echo);)
        });
        let (name, name_eq) = (ident(&name), ident(&name_eq));
        let expect = rt::facade(quote!(kit_expect));
        quote! {
            #expect!(#name, #name_eq, #id, #target, #message, #decode);
            #reply
        }
    }
}

/// `{prefix}_{method}`, without a double underscore (methods may start with one).
fn prefixed(prefix: &str, method: &str) -> String {
    format!("{prefix}_{}", method.trim_start_matches('_'))
}

/// `{name}_{suffix}`, without a double underscore (`type_` for a keyword gives `type_with`).
fn suffixed(name: &str, suffix: &str) -> String {
    format!("{}_{suffix}", name.trim_end_matches('_'))
}

/// `qos, retain, expiry` of an operation's MQTT binding, as the kit's macros take them
/// (`AtLeastOnce, false, None`).
pub(super) fn defaults(operation: &OperationPlan) -> TokenStream {
    use crate::model::Qos;
    let qos = match operation.qos.unwrap_or_default() {
        Qos::AtMostOnce => quote!(AtMostOnce),
        Qos::AtLeastOnce => quote!(AtLeastOnce),
        Qos::ExactlyOnce => quote!(ExactlyOnce),
    };
    let retain = operation.retain.unwrap_or(false);
    let expiry = match operation
        .message_expiry
        .and_then(|seconds| u32::try_from(seconds).ok())
    {
        Some(seconds) => quote!(Some(#seconds)),
        None => quote!(None),
    };
    quote!(#qos, #retain, #expiry)
}
