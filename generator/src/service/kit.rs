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
//! Messages go through the module's own encoders and decoders (the ones the service does not
//! need itself are generated under the same `cfg`), so they are exactly what goes on the wire.
//! The generic machinery is the runtime's `kit::Kit`; this file emits only thin typed
//! methods.

use proc_macro2::TokenStream;
use quote::quote;

use super::messages::{MessagePlans, MessageSet, SchemaStatics, TypeNames};
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
}

/// The `testing` module.
pub fn generate(input: &KitInput<'_>) -> TokenStream {
    let types_path = from_child(input.types.types_path);
    let types = TypeNames {
        messages: input.types.messages,
        types_path: &types_path,
    };
    let kit = Kit {
        input,
        types: &types,
    };
    let grandchild_path = from_child(&types_path);
    let strategies = super::strategies::generate(
        input.doc,
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
        .collect();
    let kit_type = rt::facade(quote!(kit::Kit));
    let broker = rt::facade(quote!(kit::MemoryBroker));
    let (generics, handler_arg, handler_param, router) = if handles {
        (
            quote!(<H: super::Handler>),
            quote!(handler: H),
            quote!(handler),
            quote!(super::mount(handler)),
        )
    } else {
        let router = rt::facade(quote!(Router));
        (
            TokenStream::new(),
            TokenStream::new(),
            TokenStream::new(),
            quote!(#router::new()),
        )
    };
    let cfg = cfg();
    quote! {
        /// A test kit for this side: `testing::Harness` runs a handler on an in-memory broker,
        /// delivers typed messages and checks what it published. Compiled for this crate's own
        /// tests and, in other crates, with its `testing` feature.
        #cfg
        pub mod testing {
            #[allow(unused_imports)]
            use super::rt;

            /// The handler on an in-memory broker: a method per handled operation delivers a
            /// typed message exactly as on the wire and waits until the handler is done;
            /// `expect_*` methods return what it published, decoded; failures of the kit itself
            /// (timeouts, mismatches) panic with what was published instead.
            #[derive(Debug)]
            pub struct Harness {
                kit: #kit_type,
            }

            // Method names are operation ids.
            #[allow(
                clippy::wrong_self_convention,
                clippy::should_implement_trait,
                clippy::new_ret_no_self
            )]
            impl Harness {
                /// Starts the handler on a new in-memory broker, subscribed and ready.
                pub async fn start #generics (#handler_arg) -> Self {
                    Self::start_on(&#broker::new(), #handler_param).await
                }

                /// Starts the handler on `broker` (set up beforehand), subscribed and ready.
                pub async fn start_on #generics (broker: &#broker, #handler_arg) -> Self {
                    Harness { kit: #kit_type::start_on(broker, #router).await }
                }

                /// The generic kit: broker, running app, timeout, raw messages.
                pub fn kit(&self) -> &#kit_type {
                    &self.kit
                }

                /// This side's typed publisher on the handler's connection.
                pub fn publisher(&self) -> super::Publisher {
                    super::Publisher::new(self.kit.publisher())
                }

                /// Waits until the broker is idle, then panics if anything was published that
                /// no `expect_*` call took.
                pub async fn assert_nothing_published(&self) {
                    self.kit.assert_nothing_published().await
                }

                #(#methods)*
            }

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
                quote!(super::#name)
            }
            None => self.types.payload(set.messages[0]),
        }
    }

    /// `decode` for a set: the enum's, or the message's decoder.
    fn decoder(&self, set: &MessageSet) -> TokenStream {
        match &set.enum_name {
            Some(name) => {
                let name = ident(name);
                quote!(super::#name::decode)
            }
            None => {
                let decoder = ident(&self.input.messages.codec_names[set.messages[0]].0);
                quote!(super::#decoder)
            }
        }
    }

    /// An expression encoding `message` of `set` for `topic` (a `Result`).
    fn encode(&self, set: &MessageSet, topic: TokenStream, checked: TokenStream) -> TokenStream {
        match &set.enum_name {
            Some(_) => quote!(message.encode_checked(#topic, #checked)),
            None => {
                let encoder = ident(&self.input.messages.codec_names[set.messages[0]].1);
                quote!(super::#encoder(#topic, message, #checked))
            }
        }
    }

    fn methods(&self, operation: &OperationPlan, scope: &mut Scope) -> TokenStream {
        let Some(topic) = self.input.topics.topics[operation.channel].as_ref() else {
            return TokenStream::new();
        };
        let params = topic.params_type.as_ref().map(|name| {
            let name = ident(name);
            quote!(super::#name)
        });
        match operation.side {
            Side::Handle => self.deliver(operation, topic, params.as_ref(), scope),
            Side::Publish => self.expect(operation, topic, params.as_ref(), scope),
        }
    }

    fn deliver(
        &self,
        operation: &OperationPlan,
        topic: &super::topics::TopicPlan,
        params: Option<&TokenStream>,
        scope: &mut Scope,
    ) -> TokenStream {
        let set = &self.input.messages.sets[operation.set];
        let message = self.set_type(set);
        let (params_decl, params_arg, topic_expr) = match params {
            Some(params) => (
                quote!(params: &#params,),
                quote!(params,),
                quote!(rt::TopicParams::topic(params)),
            ),
            None => {
                let constant = ident(&topic.const_name);
                (
                    TokenStream::new(),
                    TokenStream::new(),
                    quote!(Ok::<_, rt::Error>(String::from(super::#constant))),
                )
            }
        };
        let encode = self.encode(set, quote!(topic), quote!(!options.unchecked));
        let outgoing = quote!(#topic_expr.and_then(|topic| #encode));
        let defaults = defaults(operation);
        let id = &operation.id;
        let options = quote!(super::PublishOptions);
        let delivery = match &operation.reply {
            None => {
                let name = scope.claim_snake(&operation.method);
                let name_with = scope.claim_snake(&suffixed(&name, "with"));
                let doc = format!(
                    " Delivers `message` to operation `{id}` on `{}` and waits until the handler \
                     is done with it; `Err` when it failed or the message did not decode.",
                    topic.address
                );
                let doc_with =
                    format!(" [`Harness::{name}`] with publish options (headers, QoS, unchecked).");
                let (name, name_with) = (ident(&name), ident(&name_with));
                let rejected = rt::facade(quote!(kit::Rejected));
                quote! {
                    #[doc = #doc]
                    pub async fn #name(&self, #params_decl message: &#message) -> Result<(), #rejected> {
                        self.#name_with(#params_arg message, #options::default()).await
                    }

                    #[doc = #doc_with]
                    pub async fn #name_with(&self, #params_decl message: &#message, options: #options) -> Result<(), #rejected> {
                        let outgoing = #outgoing;
                        self.kit.deliver(#id, outgoing, options, #defaults).await
                    }
                }
            }
            Some(reply) => {
                let name = scope.claim_snake(&prefixed("request", &operation.method));
                let name_with = scope.claim_snake(&suffixed(&name, "with"));
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
                let doc = format!(
                    " Sends `message` to request/reply operation `{id}` on `{}` as a requester \
                     would and returns the handler's reply, decoded.",
                    topic.address
                );
                let doc_with = format!(
                    " [`Harness::{name}`] with publish options (headers, QoS, unchecked, timeout)."
                );
                let (name, name_with) = (ident(&name), ident(&name_with));
                quote! {
                    #[doc = #doc]
                    pub async fn #name(&self, #params_decl message: &#message) -> #reply_type {
                        self.#name_with(#params_arg message, #options::default()).await
                    }

                    #[doc = #doc_with]
                    pub async fn #name_with(&self, #params_decl message: &#message, options: #options) -> #reply_type {
                        let outgoing = #outgoing;
                        let request = #request_options::new(::std::time::Duration::ZERO) #correlation #reply_correlation;
                        self.kit.request(#id, outgoing, options, #defaults, request, #decode).await
                    }
                }
            }
        };
        let rejects = {
            let name = ident(&scope.claim_snake(&prefixed("assert_rejects", &operation.method)));
            let doc = format!(
                " Publishes `payload` as it is (not encoded, not checked) to operation `{id}` on \
                 `{}`, as a misbehaving peer would, and panics unless the runtime rejected it \
                 before the handler (which is never called) and nothing was published in \
                 response; returns the decoder's reason.",
                topic.address
            );
            quote! {
                #[doc = #doc]
                pub async fn #name(&self, #params_decl payload: &[u8]) -> String {
                    self.kit.assert_rejects(#id, #topic_expr, payload, #defaults).await
                }
            }
        };
        quote!(#delivery #rejects)
    }

    fn expect(
        &self,
        operation: &OperationPlan,
        topic: &super::topics::TopicPlan,
        params: Option<&TokenStream>,
        scope: &mut Scope,
    ) -> TokenStream {
        let set = &self.input.messages.sets[operation.set];
        let message = self.set_type(set);
        let decode = self.decoder(set);
        let filter = &topic.filter;
        let id = &operation.id;
        let name = scope.claim_snake(&prefixed("expect", &operation.method));
        let name_eq = scope.claim_snake(&suffixed(&name, "eq"));
        let (output, decode, params_decl, expected) = match params {
            Some(params) => (
                quote!((#params, #message)),
                quote!(|m: &rt::Message| Ok((<#params as rt::TopicParams>::parse(&m.topic)?, #decode(m)?))),
                quote!(params: #params,),
                quote!((params, message)),
            ),
            None => (message.clone(), decode, TokenStream::new(), quote!(message)),
        };
        let shape = if params.is_some() {
            "`(params, message)`"
        } else {
            "the message"
        };
        let doc = format!(
            " Waits for the next message published to operation `{id}` (`{}`) and returns {shape}, \
             decoded; panics when none comes in time or it does not decode.",
            topic.address
        );
        let doc_eq =
            format!(" [`Harness::{name}`], and panics with a diff unless the message is {shape}.");
        let reply = operation.reply.as_ref().map(|reply| {
            let reply_name = ident(&scope.claim_snake(&prefixed("reply", &operation.method)));
            let reply_set = &self.input.messages.sets[reply.set];
            let reply_type = self.set_type(reply_set);
            let encode = match &reply_set.enum_name {
                Some(_) => quote!(|topic| message.encode_checked(topic, true)),
                None => {
                    let encoder = ident(&self.input.messages.codec_names[reply_set.messages[0]].1);
                    quote!(|topic| super::#encoder(topic, message, true))
                }
            };
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
            let doc = format!(
                " Answers the request of operation `{id}` that [`Harness::{name}`] returned last \
                 with `message`, as a responder generated from the spec would."
            );
            quote! {
                #[doc = #doc]
                pub async fn #reply_name(&self, message: &#reply_type) {
                    self.kit.reply(#id, #encode, #address, #echo).await
                }
            }
        });
        let (name, name_eq) = (ident(&name), ident(&name_eq));
        quote! {
            #[doc = #doc]
            pub async fn #name(&self) -> #output {
                self.kit.expect(#id, #filter, #decode).await
            }

            #[doc = #doc_eq]
            pub async fn #name_eq(&self, #params_decl message: #message) {
                self.kit.expect_eq(#id, #filter, #decode, #expected).await
            }

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

/// `rt::Defaults::new(qos, retain, expiry)` of an operation's MQTT binding.
fn defaults(operation: &OperationPlan) -> TokenStream {
    let qos = rt::qos_value(operation.qos.unwrap_or_default());
    let retain = operation.retain.unwrap_or(false);
    let expiry = match operation
        .message_expiry
        .and_then(|seconds| u32::try_from(seconds).ok())
    {
        Some(seconds) => quote!(Some(#seconds)),
        None => quote!(None),
    };
    let defaults = rt::facade(quote!(Defaults));
    quote!(#defaults::new(#qos, #retain, #expiry))
}
