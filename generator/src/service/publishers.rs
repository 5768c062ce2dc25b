//! The publisher side: `PublishOptions` and a `Publisher` with one pair of methods per published
//! operation — `{operation}` with the spec's QoS/retain and `{operation}_with` with per-call options.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc_attrs;
use super::messages::{MessagePlans, TypeNames};
use super::names::ident;
use super::operations::{OperationPlan, Side};
use super::rt;
use super::topics::TopicPlans;

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
    let error = rt::error();
    let send = (!published.is_empty()).then(|| {
        let qos = rt::qos();
        let outgoing = rt::outgoing();
        quote! {
            /// Applies the spec's defaults, then `options`.
            fn prepare(
                mut outgoing: #outgoing,
                options: PublishOptions,
                qos: #qos,
                retain: bool,
                message_expiry: Option<u32>,
            ) -> #outgoing {
                outgoing.qos = options.qos.unwrap_or(qos);
                outgoing.retain = options.retain.unwrap_or(retain);
                outgoing.properties.message_expiry_interval = options
                    .properties
                    .message_expiry_interval
                    .or(message_expiry);
                let properties = options.properties;
                if properties.content_type.is_some() {
                    outgoing.properties.content_type = properties.content_type;
                }
                if properties.payload_format_indicator.is_some() {
                    outgoing.properties.payload_format_indicator = properties.payload_format_indicator;
                }
                outgoing.properties.response_topic = properties.response_topic.or(outgoing.properties.response_topic);
                outgoing.properties.correlation_data = properties.correlation_data.or(outgoing.properties.correlation_data);
                outgoing.properties.user_properties.extend(properties.user_properties);
                outgoing
            }
        }
    });
    let fire = published
        .iter()
        .any(|operation| operation.reply.is_none())
        .then(|| {
            let outgoing = rt::outgoing();
            let qos = rt::qos();
            quote! {
                /// Publishes with the spec's defaults and `options` (see [`Publisher::prepare`]), waiting
                /// for the broker's acknowledgement when `options.confirmed`.
                async fn send(
                    &self,
                    outgoing: #outgoing,
                    options: PublishOptions,
                    qos: #qos,
                    retain: bool,
                    message_expiry: Option<u32>,
                ) -> Result<(), #error> {
                    let confirmed = options.confirmed;
                    let outgoing = Self::prepare(outgoing, options, qos, retain, message_expiry);
                    if confirmed {
                        self.inner.publish_confirmed(outgoing).await
                    } else {
                        self.inner.publish(outgoing).await
                    }
                }
            }
        });
    let requests = published.iter().any(|operation| operation.reply.is_some());
    let request_error = requests.then(request_error);
    let options = publish_options();
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
        #options

        /// Publishes this side's operations through the runtime's single connection. Cheap to clone.
        #[derive(Clone, Debug)]
        pub struct Publisher {
            inner: ::mqttgen::Publisher,
            #flag_field
        }

        // Method names are operation ids: `new_order` or `into_storage` is not a constructor.
        #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
        impl Publisher {
            /// Wraps the runtime publisher (from the running app or a handler's context).
            pub fn new(inner: ::mqttgen::Publisher) -> Self {
                Publisher { inner #flag_init }
            }

            #flag_method

            /// The untyped runtime publisher, for topics the spec does not describe.
            pub fn runtime(&self) -> &::mqttgen::Publisher {
                &self.inner
            }

            #(#methods)*

            #send

            #fire
        }

        #request_error
    }
}

/// `RequestError`: what a request (an operation with a reply) fails with.
fn request_error() -> TokenStream {
    let error = rt::error();
    let decode_error = rt::decode_error();
    let handler_error = rt::handler_error();
    quote! {
        /// Why a request got no usable reply.
        #[derive(Debug)]
        pub enum RequestError {
            /// Publishing the request failed, or no reply came in time ([`::mqttgen::Error::Timeout`]).
            Request(#error),
            /// A reply came but is not one of the spec's reply messages.
            Reply(#decode_error),
        }

        impl ::std::fmt::Display for RequestError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    RequestError::Request(error) => ::std::write!(f, "request failed: {}", error),
                    RequestError::Reply(error) => ::std::write!(f, "unusable reply: {}", error),
                }
            }
        }

        impl ::std::error::Error for RequestError {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    RequestError::Request(error) => Some(error),
                    RequestError::Reply(error) => Some(error),
                }
            }
        }

        impl From<#error> for RequestError {
            fn from(error: #error) -> Self {
                RequestError::Request(error)
            }
        }

        impl From<#decode_error> for RequestError {
            fn from(error: #decode_error) -> Self {
                RequestError::Reply(error)
            }
        }

        /// So that handlers can make requests with `?`.
        impl From<RequestError> for #handler_error {
            fn from(error: RequestError) -> Self {
                match error {
                    RequestError::Request(error) => #handler_error::Publish(error),
                    RequestError::Reply(error) => #handler_error::Decode(error),
                }
            }
        }
    }
}

fn publish_options() -> TokenStream {
    let qos = rt::qos();
    let error = rt::error();
    quote! {
        /// Per-call publish options; whatever is left unset uses the operation's defaults from the
        /// spec (MQTT binding QoS/retain/message expiry).
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct PublishOptions {
            /// QoS instead of the operation's.
            pub qos: Option<#qos>,
            /// Retain flag instead of the operation's.
            pub retain: Option<bool>,
            /// MQTT 5 properties to add (user properties are appended; others replace).
            pub properties: ::mqttgen::Properties,
            /// Wait until the broker acknowledged the publish (PUBACK/PUBCOMP).
            pub confirmed: bool,
            /// How long a request waits for its reply (default 30 s).
            pub timeout: Option<::std::time::Duration>,
            /// Skip checking the payload against its schema before sending (by default a value
            /// its receivers would reject fails with `Error::Encode` naming the member).
            pub unchecked: bool,
        }

        impl PublishOptions {
            /// No overrides.
            pub fn new() -> Self {
                Self::default()
            }

            /// Publishes with `qos`.
            pub fn qos(mut self, qos: #qos) -> Self {
                self.qos = Some(qos);
                self
            }

            /// Sets the retain flag.
            pub fn retain(mut self, retain: bool) -> Self {
                self.retain = Some(retain);
                self
            }

            /// Waits for the broker's acknowledgement.
            pub fn confirmed(mut self) -> Self {
                self.confirmed = true;
                self
            }

            /// Sends the payload without checking it against its schema first.
            pub fn unchecked(mut self) -> Self {
                self.unchecked = true;
                self
            }

            /// How long a request waits for its reply.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }

            /// Sets the message expiry interval in seconds.
            pub fn message_expiry(mut self, seconds: u32) -> Self {
                self.properties.message_expiry_interval = Some(seconds);
                self
            }

            /// Sets the response topic (request/reply).
            pub fn response_topic(mut self, topic: impl Into<String>) -> Self {
                self.properties.response_topic = Some(topic.into());
                self
            }

            /// Sets the correlation data (request/reply).
            pub fn correlation_data(mut self, data: impl Into<Vec<u8>>) -> Self {
                let data: Vec<u8> = data.into();
                self.properties.correlation_data = Some(data.into());
                self
            }

            /// Appends an MQTT 5 user property.
            pub fn user_property(
                mut self,
                key: impl Into<String>,
                value: impl Into<String>,
            ) -> Self {
                self.properties.user_properties.push((key.into(), value.into()));
                self
            }

            /// Sends typed message headers as MQTT 5 user properties (strings as they are, other
            /// values as JSON; `null`s are left out).
            pub fn headers<H: ::serde::Serialize>(mut self, headers: &H) -> Result<Self, #error> {
                let value = ::serde_json::to_value(headers)
                    .map_err(|error| ::mqttgen::Error::Encode(ToString::to_string(&error)))?;
                let ::serde_json::Value::Object(map) = value else {
                    return Err(::mqttgen::Error::Encode(
                        String::from("headers must serialize to an object"),
                    ));
                };
                for (key, value) in map {
                    match value {
                        ::serde_json::Value::Null => {}
                        ::serde_json::Value::String(text) => self.properties.user_properties.push((key, text)),
                        other => self.properties.user_properties.push((key, ToString::to_string(&other))),
                    }
                }
                Ok(self)
            }
        }
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
            Some(quote! {
                let outgoing = if self.spec_reply_channels {
                    #reply_params
                    outgoing.response_topic(reply_params.topic()?)
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
    let (output, finish) = match &operation.reply {
        None => (
            quote!(()),
            quote! {
                self.send(outgoing, options, #qos, #retain, #expiry).await
            },
        ),
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
            (
                input.types.set_type(reply_set),
                quote! {
                    let timeout = options.timeout.unwrap_or(::std::time::Duration::from_secs(30));
                    let request = Self::prepare(outgoing, options, #qos, #retain, #expiry);
                    let request_options = #request_options::new(timeout)
                        #correlation
                        #reply_correlation
                        #reply_address;
                    let reply = self.inner.request_with(request, &request_options).await?;
                    Ok(#decode)
                },
            )
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
