//! Attribute macros of `mqttgen` (use them through the `mqttgen` crate: `mqttgen::subscriber`,
//! `mqttgen::publisher`).
//!
//! Both keep the function as written (or generate the body of a bodiless publisher) and add a
//! hidden type with the function's name implementing `mqttgen::asyncapi::Endpoint`, so a
//! service lists its endpoints explicitly:
//! `Service::new("t", "1.0.0").handler::<handle_temperature>().publisher::<publish_status>()`.
//!
//! Arguments (after the topic template, all optional): `qos = 0|1|2` (subscriber default 1,
//! publisher default 0), `retain`, `shared = "group"`, `reply_topic = "x/{param}"`,
//! `headers = Type`, `id = "..."`, `summary = "..."`, `description = "..."` (both default to the
//! doc comment), `message = "Name"`, `max_workers = N`, `tags("a", "b")`,
//! `params(device_id = "description", ...)`.

mod args;
mod common;
mod docs;
mod publisher;
mod signature;
mod subscriber;

use proc_macro::TokenStream;

/// Marks an `async fn` as the handler of a topic template.
///
/// Arguments named like a `{param}` of the topic are decoded from the topic (`FromStr`); one
/// other argument is the JSON payload (`Deserialize + JsonSchema`); `Context` and `Message`
/// arguments receive the runtime's context and the raw message. Returning `Result<(), E>`
/// publishes nothing; returning `Result<T, E>` publishes `T` as JSON to `reply_topic` or to the
/// request's MQTT 5 response topic (with its correlation data). `E: Into<HandlerError>`.
#[proc_macro_attribute]
pub fn subscriber(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr as args::Args);
    let item = syn::parse_macro_input!(item as syn::ItemFn);
    subscriber::expand(args, item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Marks a function that publishes to (or builds a message for) a topic template.
///
/// Without a body, `async fn f(publisher: &Publisher, {params}, payload: &T) -> Result<(), Error>;`
/// publishes and `fn f({params}, payload: &T) -> Result<Outgoing, Error>;` builds the message;
/// `{param}` values must be single safe topic levels. With a body the function is only
/// documented.
#[proc_macro_attribute]
pub fn publisher(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr as args::Args);
    let item = syn::parse_macro_input!(item as publisher::MaybeBodyFn);
    publisher::expand(args, item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[cfg(test)]
mod tests;
