//! The handler side: the `Handler` trait users implement (one required async method per handled
//! operation), the `MessageContext` handlers receive, and `routes`/`mount`, which put a handler on
//! the runtime's router (decode topic and payload, call the method, publish a reply).

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::docs::doc_attrs;
use super::messages::{MessagePlans, MessageSet, TypeNames};
use super::names::ident;
use super::operations::{OperationPlan, Side};
use super::topics::TopicPlans;
use crate::model::{Document, NodeId};
use crate::rt;

/// Everything the handler side needs to emit.
pub struct HandlerInput<'a> {
    /// The document.
    pub doc: &'a Document,
    /// Topic plans.
    pub topics: &'a TopicPlans,
    /// Message sets and codecs.
    pub messages: &'a MessagePlans,
    /// Operation plans (all sides; only `Side::Handle` ones are used).
    pub operations: &'a [OperationPlan],
    /// Rust types of messages.
    pub types: &'a TypeNames<'a>,
}

/// The typed headers of a set: the common headers type of its messages, if they all share one.
pub fn set_headers(types: &TypeNames<'_>, set: &MessageSet) -> Option<TokenStream> {
    let first = types.headers(set.messages[0])?;
    let text = first.to_string();
    set.messages[1..]
        .iter()
        .all(|&index| types.headers(index).map(|h| h.to_string()) == Some(text.clone()))
        .then_some(first)
}

/// Names of header properties whose schema type is not `string`: their user-property text is read as
/// JSON (`42`, `true`) before deserializing.
fn typed_header_names(doc: &Document, set: &MessageSet) -> Vec<String> {
    let Some(headers) = doc.messages[set.messages[0]].headers.as_ref() else {
        return Vec::new();
    };
    let resolve = |schema: &Value| -> Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(NodeId::parse)
            .and_then(|id| doc.schemas.get(&id))
            .map(|schema| schema.value.clone())
            .unwrap_or_else(|| schema.clone())
    };
    let schema = resolve(&headers.schema);
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter(|(_, property)| {
            let property = resolve(property);
            match property.get("type") {
                Some(Value::String(kind)) => kind != "string",
                Some(Value::Array(kinds)) => !kinds.iter().any(|kind| kind == "string"),
                _ => false,
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The handler side, empty when the role handles nothing.
pub fn generate(input: &HandlerInput<'_>) -> TokenStream {
    let handled: Vec<&OperationPlan> = input
        .operations
        .iter()
        .filter(|operation| operation.side == Side::Handle)
        .collect();
    if handled.is_empty() {
        return TokenStream::new();
    }
    let context = message_context();
    let methods = handled
        .iter()
        .map(|operation| trait_method(input, operation));
    let route_fields = handled.iter().map(|operation| {
        let name = ident(&operation.method);
        let doc = format!(" The route of operation `{}`.", operation.id);
        quote!(#[doc = #doc] pub #name: rt::Route)
    });
    let route_inits: Vec<TokenStream> = handled
        .iter()
        .map(|operation| route_init(input, operation))
        .collect();
    let route_names = handled.iter().map(|operation| ident(&operation.method));
    quote! {
        #context

        /// The operations this side handles, one required method each. Implement it in your own
        /// file and pass it to [`mount`]; a spec change that adds or changes an operation is a
        /// compile error there, not a silently ignored message.
        // Method names are operation ids: `new_order` or `into_storage` is not a constructor.
        #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
        pub trait Handler: Send + Sync + 'static {
            #(#methods)*
        }

        /// One runtime route per handled operation, ready to be adjusted (shared subscription group,
        /// workers, ack policy) before [`Routes::into_router`].
        #[derive(Debug)]
        pub struct Routes {
            #(#route_fields,)*
        }

        impl Routes {
            /// All routes in one router.
            pub fn into_router(self) -> rt::Router {
                rt::Router::new()
                    #(.route(self.#route_names))*
            }
        }

        /// The routes of `handler`, one per handled operation, subscribing with the QoS of the
        /// operation's MQTT binding (the runtime's default, QoS 1, when the spec gives none).
        /// Routes of a channel this side also publishes to use MQTT 5 No Local (this service's
        /// own publishes are not handled; `.no_local(false)` turns it off), and replies to a
        /// request's reply address go only to the spec's reply channel when it has an address
        /// (`.reply_to(..)` changes that).
        pub fn routes<H: Handler>(handler: ::std::sync::Arc<H>) -> Routes {
            Routes {
                #(#route_inits,)*
            }
        }

        /// Mounts `handler` on a router: subscribes to every handled operation's topic filter,
        /// decodes topic parameters and payloads, calls the handler and publishes its replies.
        pub fn mount<H: Handler>(handler: H) -> rt::Router {
            routes(::std::sync::Arc::new(handler)).into_router()
        }
    }
}

fn message_context() -> TokenStream {
    let context = rt::message_context();
    quote! {
        /// What a handler gets besides the payload: where and how the message arrived, its MQTT 5
        /// properties, its typed headers (`headers`) and the runtime context (publisher, route);
        /// `publisher()` is this service's typed [`Publisher`].
        pub type MessageContext<H = ()> = #context<H, Publisher>;
    }
}

fn headers_type(input: &HandlerInput<'_>, set: &MessageSet) -> TokenStream {
    set_headers(input.types, set).unwrap_or_else(|| quote!(()))
}

fn trait_method(input: &HandlerInput<'_>, operation: &OperationPlan) -> TokenStream {
    let name = ident(&operation.method);
    let topic = input.topics.topics[operation.channel].as_ref();
    let params = topic
        .and_then(|topic| topic.params_type.as_ref())
        .map(|params| {
            let params = ident(params);
            quote!(params: #params,)
        });
    let set = &input.messages.sets[operation.set];
    let message = input.types.set_type(set);
    let headers = headers_type(input, set);
    let output = match &operation.reply {
        Some(reply) => input.types.set_type(&input.messages.sets[reply.set]),
        None => quote!(()),
    };
    let handler_error = rt::handler_error();
    let mut text = operation.doc.clone().unwrap_or_default();
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Operation `{}` on `{}`.",
        operation.id,
        topic
            .map(|topic| topic.address.as_str())
            .unwrap_or_default()
    ));
    if operation.reply.is_some() {
        text.push_str(
            " The returned value is published as the reply: to the request's MQTT 5 response topic \
             (else the spec's reply address header or payload field, else the reply channel, its \
             parameters taken from the request's), echoing its correlation id (Correlation Data, \
             and where the spec's `correlationId` says). A reply topic the request names is \
             published only if the route's `ReplyTo` policy accepts it (never a `$` topic; only \
             the reply channel's topics and private inboxes when the channel has an address): else it is reported to the error \
             hook, counted and dropped.",
        );
    }
    let docs = doc_attrs(Some(&text));
    quote! {
        #docs
        fn #name(
            &self,
            #params
            message: #message,
            context: MessageContext<#headers>,
        ) -> impl ::std::future::Future<Output = Result<#output, #handler_error>> + Send;
    }
}

/// A `Routes` field initialiser: the runtime route on the operation's address, which captures
/// the topic parameters, decodes payload and headers, calls the handler method and publishes
/// its reply.
fn route_init(input: &HandlerInput<'_>, operation: &OperationPlan) -> TokenStream {
    let name = ident(&operation.method);
    let Some(topic) = input.topics.topics[operation.channel].as_ref() else {
        return TokenStream::new();
    };
    let address = &topic.address;
    let set = &input.messages.sets[operation.set];
    let decode = match &set.enum_name {
        Some(enum_name) => {
            let enum_name = ident(enum_name);
            quote!(#enum_name::decode)
        }
        None => {
            let decoder = ident(&input.messages.codec_names[set.messages[0]].0);
            quote!(#decoder)
        }
    };
    let decoders = rt::facade(quote!(Decoders));
    let decoders = if set_headers(input.types, set).is_some() {
        let typed = typed_header_names(input.doc, set);
        quote!(#decoders::with_headers(#decode, &[#(#typed),*]))
    } else {
        quote!(#decoders::new(#decode))
    };
    let params_type = match &topic.params_type {
        Some(params) => {
            let params = ident(params);
            quote!(#params)
        }
        None => quote!(()),
    };
    let params_arg = topic.params_type.as_ref().map(|_| quote!(params,));
    let method = ident(&operation.method);
    let id = &operation.id;
    let params_arg = params_arg.map(|_| quote!(p,));
    let params_pattern = match &params_arg {
        Some(_) => quote!(p),
        None => quote!(_),
    };
    let call = quote! {
        |h, #params_pattern: #params_type, m, c| async move {
            <H as Handler>::#method(&h, #params_arg m, c).await
        }
    };
    let route = match &operation.reply {
        None => {
            let route = rt::facade(quote!(route));
            quote!(#route(#address, #id, &handler, #decoders, #call))
        }
        Some(reply) => {
            let reply_set = &input.messages.sets[reply.set];
            let encode = match &reply_set.enum_name {
                Some(enum_name) => {
                    let enum_name = ident(enum_name);
                    quote!(|topic, reply: &#enum_name| reply.encode(topic))
                }
                None => {
                    let encoder = ident(&input.messages.codec_names[reply_set.messages[0]].1);
                    quote!(|topic, reply| #encoder(topic, reply, true))
                }
            };
            let reply_topic = reply
                .channel
                .and_then(|channel| input.topics.topics[channel].as_ref());
            let fixed = reply_topic
                .filter(|reply_topic| reply_topic.is_fixed())
                .map(|reply_topic| reply_topic.address.clone());
            let derived =
                reply_topic.and_then(|reply_topic| reply_params_from_request(topic, reply_topic));
            let fallback_type = rt::facade(quote!(Fallback));
            let fallback = match (fixed, derived) {
                (Some(address), _) => quote!(#fallback_type::Fixed(#address)),
                (None, Some(reply_params)) => {
                    let topic_params = rt::topic_params();
                    quote!(#fallback_type::Derived(|params: &#params_type| #topic_params::topic(&#reply_params)))
                }
                (None, None) => {
                    let text = format!(
                        "the request to operation `{}` has no response topic; cannot reply",
                        operation.id
                    );
                    quote!(#fallback_type::Missing(#text))
                }
            };
            // `reply.address.location` (a header or payload field): where an MQTT 3.1.1 requester,
            // or one that does not set the Response Topic property, names its reply topic.
            let address_location = reply.address.as_ref().map(|location| {
                let location = rt::location(location);
                quote!(.address(#location))
            });
            // `correlationId.location` (a header or payload field): echo the request's correlation
            // id where the reply carries it (besides the MQTT 5 Correlation Data property).
            let echo = match operation.correlation_locations() {
                (Some(read), Some(write)) => {
                    let (read, write) = (rt::location(read), rt::location(write));
                    Some(quote!(.echo(#read, #write)))
                }
                _ => None,
            };
            let reply_route = rt::facade(quote!(reply_route));
            let spec = rt::facade(quote!(ReplySpec));
            quote! {
                #reply_route(
                    #address, #id, &handler,
                    #decoders,
                    #spec::new(#encode, #fallback) #address_location #echo,
                    #call,
                )
            }
        }
    };
    let qos = operation.qos.map(|qos| {
        let qos = rt::qos_value(qos);
        quote!(.qos(#qos))
    });
    // Replies to a peer's address go only to the spec's reply channel, when it has an address.
    let reply_to = operation
        .reply
        .as_ref()
        .and_then(|reply| reply.channel)
        .and_then(|channel| input.topics.topics[channel].as_ref())
        .map(|reply_topic| {
            let filter = &reply_topic.filter;
            let reply_to = rt::reply_to();
            quote!(.reply_to(#reply_to::channel(#filter)))
        });
    // A service that also publishes to this channel must not handle (and answer) its own
    // messages: MQTT 5 No Local, which users can turn off per route.
    let publishes_here = input.operations.iter().any(|other| {
        other.side == super::operations::Side::Publish
            && input.topics.topics[other.channel]
                .as_ref()
                .is_some_and(|other| other.filter == topic.filter)
    });
    let no_local = publishes_here.then(|| quote!(.no_local(true)));
    quote! {
        #name: #route #qos #reply_to #no_local
    }
}

/// The reply channel's parameters built from the request's, when every parameter of the reply
/// channel is a parameter of the request channel with the same name and type (MQTT 3.1.1
/// requesters cannot send a response topic: `devices/{id}/get` → `devices/{id}/reply`). Returns
/// the expression building the reply channel's parameters from `params`.
pub(super) fn reply_params_from_request(
    request: &super::topics::TopicPlan,
    reply: &super::topics::TopicPlan,
) -> Option<TokenStream> {
    let params_type = reply.params_type.as_ref()?;
    let fields = reply
        .fields
        .iter()
        .map(|field| {
            let source = request.fields.iter().find(|candidate| {
                candidate.wire == field.wire
                    && candidate.kind == field.kind
                    && field.kind != super::topics::FieldKind::Tail
                    && !field.wire.starts_with('+')
            })?;
            let (to, from) = (ident(&field.rust), ident(&source.rust));
            Some(quote!(#to: Clone::clone(&params.#from)))
        })
        .collect::<Option<Vec<_>>>()?;
    let ty = ident(params_type);
    Some(quote!(#ty { #(#fields),* }))
}
