//! The publisher side: `PublishOptions` and a `Publisher` with one pair of methods per published
//! operation — `{operation}` with the spec's QoS/retain and `{operation}_with` with per-call options.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc_attrs;
use super::messages::{MessagePlans, TypeNames};
use super::names::ident;
use super::operations::{OperationPlan, Side};
use super::topics::TopicPlans;
use crate::rt;

/// Everything the publisher side needs to emit.
pub struct PublisherInput<'a> {
    /// Topic plans.
    pub topics: &'a TopicPlans,
    /// Message sets and codecs.
    pub messages: &'a MessagePlans,
    /// Operation plans (only `Side::Publish` ones are used).
    pub operations: &'a [OperationPlan],
    /// Rust types of messages.
    pub types: &'a TypeNames<'a>,
}

/// `PublishOptions` and `Publisher` (always emitted, so handlers can reach the runtime publisher).
pub fn generate(input: &PublisherInput<'_>) -> TokenStream {
    let published: Vec<&OperationPlan> = input
        .operations
        .iter()
        .filter(|operation| operation.side == Side::Publish)
        .collect();
    let methods = published.iter().map(|operation| methods(input, operation));
    let requests = published.iter().any(|operation| operation.reply.is_some());
    let request_error = requests.then(|| {
        let request_error = rt::request_error();
        quote! {
            /// Why a request got no usable reply.
            pub use #request_error;
        }
    });
    let options = rt::publish_options();
    let runtime_publisher = rt::publisher();
    // Requests whose reply channel has parameters can announce it instead of a private inbox.
    let derived = published
        .iter()
        .any(|operation| derived_reply_params(input, operation).is_some());
    let (flag_field, flag_init, flag_method) = if derived {
        (
            quote! {
                /// Requests announce the spec's reply channel (see [`Publisher::spec_reply_channels`]).
                spec_reply_channels: bool,
            },
            quote!(, spec_reply_channels: false),
            quote! {
                /// Requests announce the spec's reply channel as their response topic, its parameters
                /// taken from the request's (`devices/{id}/config/get` → `devices/{id}/config/reply`),
                /// instead of a private one the runtime generates. For MQTT 3.1.1, which cannot carry a
                /// response topic: the responder replies on the channel the spec names. Replies are
                /// matched by correlation id, which MQTT 3.1.1 carries only in a payload field
                /// (`correlationId.location: $message.payload#/...`); without one, two requests waiting
                /// on the same reply topic cannot overlap (the second fails at once). A response topic
                /// in the call's options still wins.
                pub fn spec_reply_channels(mut self) -> Self {
                    self.spec_reply_channels = true;
                    self
                }
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new(), TokenStream::new())
    };
    quote! {
        /// Per-call publish options; whatever is left unset uses the operation's defaults from
        /// the spec (MQTT binding QoS/retain/message expiry).
        pub use #options;

        /// Publishes this side's operations through the runtime's single connection. Cheap to clone.
        #[derive(Clone, Debug)]
        pub struct Publisher {
            inner: #runtime_publisher,
            #flag_field
        }

        impl From<#runtime_publisher> for Publisher {
            fn from(inner: #runtime_publisher) -> Self {
                Publisher::new(inner)
            }
        }

        // Method names are operation ids: `new_order` or `into_storage` is not a constructor.
        #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
        impl Publisher {
            /// Wraps the runtime publisher (from the running app or a handler's context).
            pub fn new(inner: #runtime_publisher) -> Self {
                Publisher { inner #flag_init }
            }

            #flag_method

            /// The untyped runtime publisher, for topics the spec does not describe.
            pub fn runtime(&self) -> &#runtime_publisher {
                &self.inner
            }

            #(#methods)*
        }

        #request_error
    }
}

fn methods(input: &PublisherInput<'_>, operation: &OperationPlan) -> TokenStream {
    let Some(topic) = input.topics.topics[operation.channel].as_ref() else {
        return TokenStream::new();
    };
    let name = ident(&operation.method);
    let name_with = ident(&operation.method_with);
    let set = &input.messages.sets[operation.set];
    let message = input.types.set_type(set);
    let error = rt::error();
    let (params_decl, params_arg, topic_expr) = match &topic.params_type {
        Some(params) => {
            let params = ident(params);
            (
                quote!(params: &#params,),
                quote!(params,),
                quote!(params.topic()?),
            )
        }
        None => {
            let constant = ident(&topic.const_name);
            (
                TokenStream::new(),
                TokenStream::new(),
                quote!(String::from(#constant)),
            )
        }
    };
    let encode = match &set.enum_name {
        Some(_) => quote!(message.encode_checked(#topic_expr, !options.unchecked)?),
        None => {
            let encoder = ident(&input.messages.codec_names[set.messages[0]].1);
            quote!(#encoder(#topic_expr, message, !options.unchecked)?)
        }
    };
    let topic_and_message = quote!(let outgoing = #encode;);
    let qos = rt::qos_value(operation.qos.unwrap_or_default());
    let retain = operation.retain.unwrap_or(false);
    let expiry = match operation
        .message_expiry
        .and_then(|seconds| u32::try_from(seconds).ok())
    {
        Some(seconds) => quote!(Some(#seconds)),
        None => quote!(None),
    };
    // A request whose reply goes to a fixed topic announces it as the response topic; one whose
    // reply channel takes its parameters from the request's does so when asked (MQTT 3.1.1).
    let response_topic = operation
        .reply
        .as_ref()
        .and_then(|reply| reply.channel)
        .and_then(|channel| input.topics.topics[channel].as_ref())
        .filter(|reply_topic| reply_topic.is_fixed())
        .map(|reply_topic| {
            let address = &reply_topic.address;
            quote!(let outgoing = outgoing.response_topic(#address);)
        })
        .or_else(|| {
            let reply_params = derived_reply_params(input, operation)?;
            let topic_params = rt::topic_params();
            Some(quote! {
                let outgoing = if self.spec_reply_channels {
                    outgoing.response_topic(#topic_params::topic(&#reply_params)?)
                } else {
                    outgoing
                };
            })
        });
    let mut text = operation.doc.clone().unwrap_or_default();
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Publishes operation `{}` to `{}` (QoS {}, retain {}).",
        operation.id,
        topic.address,
        operation.qos.unwrap_or_default() as u8,
        retain
    ));
    let with_doc = format!(
        " Like [`Publisher::{}`], with per-call options (QoS, retain, properties, headers{}).",
        operation.method,
        if operation.reply.is_some() {
            ", reply timeout"
        } else {
            ""
        }
    );
    if operation.reply.is_none() {
        return publish_macro(input, operation, topic, &text);
    }
    let defaults = rt::facade(quote!(Defaults));
    // The operation id and address template name the publish in telemetry (runtime `otel`).
    let (id, address) = (&operation.id, &topic.address);
    let defaults = quote!(#defaults::new(#qos, #retain, #expiry).operation(#id, #address));
    let (output, finish) = match &operation.reply {
        None => {
            let send = rt::facade(quote!(send));
            (
                quote!(()),
                quote! {
                    let defaults = #defaults;
                    #send(&self.inner, outgoing, options, defaults).await
                },
            )
        }
        Some(reply) => {
            text.push_str(
                " This is a request: it waits for the reply (default 30 s) on the response topic it \
                 announces (the fixed reply channel, else a private one the runtime generates), \
                 matched by the correlation id the runtime writes where the spec says, and \
                 returns it decoded.",
            );
            let reply_set = &input.messages.sets[reply.set];
            let decode = match &reply_set.enum_name {
                Some(enum_name) => {
                    let enum_name = ident(enum_name);
                    quote!(#enum_name::decode(&reply)?)
                }
                None => {
                    let decoder = ident(&input.messages.codec_names[reply_set.messages[0]].0);
                    quote!(#decoder(&reply)?)
                }
            };
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
            let reply_address = reply.address.as_ref().map(|location| {
                let location = rt::location(location);
                quote!(.reply_address(#location))
            });
            (input.types.set_type(reply_set), {
                let request = rt::facade(quote!(request));
                quote! {
                    let request_options = #request_options::new(::std::time::Duration::ZERO)
                        #correlation
                        #reply_correlation
                        #reply_address;
                    let defaults = #defaults;
                    let reply = #request(&self.inner, outgoing, options, defaults, request_options).await?;
                    Ok(#decode)
                }
            })
        }
    };
    let error = if operation.reply.is_some() {
        quote!(RequestError)
    } else {
        error
    };
    let docs = doc_attrs(Some(&text));
    quote! {
        #docs
        pub async fn #name(&self, #params_decl message: &#message) -> Result<#output, #error> {
            self.#name_with(#params_arg message, PublishOptions::default()).await
        }

        #[doc = #with_doc]
        pub async fn #name_with(
            &self,
            #params_decl
            message: &#message,
            options: PublishOptions,
        ) -> Result<#output, #error> {
            #topic_and_message
            #response_topic
            #finish
        }
    }
}

/// The `op` and `op_with` methods of a published operation that is not a request: one call of
/// the runtime's `publish!` macro with the operation's data (`text` is the method's doc).
fn publish_macro(
    input: &PublisherInput<'_>,
    operation: &OperationPlan,
    topic: &super::topics::TopicPlan,
    text: &str,
) -> TokenStream {
    let name = ident(&operation.method);
    let name_with = ident(&operation.method_with);
    let set = &input.messages.sets[operation.set];
    let message = input.types.set_type(set);
    let target = match &topic.params_type {
        Some(params) => {
            let params = ident(params);
            quote!(params #params)
        }
        None => {
            let constant = ident(&topic.const_name);
            quote!(topic #constant)
        }
    };
    let encode = match &set.enum_name {
        Some(enum_name) => {
            let enum_name = ident(enum_name);
            quote!([|t, m: &#enum_name, c| m.encode_checked(t, c)])
        }
        None => {
            let encoder = ident(&input.messages.codec_names[set.messages[0]].1);
            quote!([#encoder])
        }
    };
    let defaults = super::kit::defaults(operation);
    let id = &operation.id;
    let docs = doc_attrs(Some(text));
    let publish = rt::facade(quote!(publish));
    quote! {
        #publish!(#docs #name, #name_with, #id, #target, #message, #encode, #defaults);
    }
}

/// For a request whose reply channel has parameters that all come from the request channel's, the
/// statement building `reply_params` (see [`super::handlers::reply_params_from_request`]).
fn derived_reply_params(
    input: &PublisherInput<'_>,
    operation: &OperationPlan,
) -> Option<TokenStream> {
    let request = input.topics.topics[operation.channel].as_ref()?;
    let reply = input.topics.topics[operation.reply.as_ref()?.channel?].as_ref()?;
    if reply.is_fixed() {
        return None;
    }
    super::handlers::reply_params_from_request(request, reply)
}
