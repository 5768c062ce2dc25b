//! `#[publisher("topic/{param}", ...)]` on a function that publishes (or builds) a message.
//!
//! Without a body the function's body is generated:
//! * `async fn f(publisher: &mqttgen::Publisher, {params}, payload: &T) -> Result<(), mqttgen::Error>;`
//!   publishes;
//! * `fn f({params}, payload: &T) -> Result<mqttgen::Outgoing, mqttgen::Error>;` builds the message.
//!
//! With a body the function is kept as written and only documented.

use crate::args::Args;
use crate::common::{endpoint_type, message_doc, operation_doc, qos_tokens};
use crate::signature::{arguments, strip_ref, Role};
use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Block, Signature, Token, Visibility};

/// A function with or without a body (`fn f(..) -> R;`).
pub struct MaybeBodyFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Option<Block>,
}

impl Parse for MaybeBodyFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            Some(input.parse()?)
        };
        Ok(MaybeBodyFn {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

pub fn expand(args: Args, item: MaybeBodyFn) -> syn::Result<TokenStream> {
    args.reject(&["shared", "reply_topic", "max_workers"], "publisher")?;
    let params = args.params()?;
    let sig = &item.sig;
    let inputs = arguments(sig, &params, &["Publisher"])?;
    let fn_name = &sig.ident;
    let qos = qos_tokens(args.qos.map_or(0, |(q, _)| q));
    let retain = args.retain;
    let address = &args.address;

    let mut operation = operation_doc(&args, fn_name, &item.attrs, quote!(send), 0);
    let payload = inputs.iter().find(|a| matches!(a.role, Role::Payload));
    if let Some(payload) = payload {
        let ty = strip_ref(&payload.ty);
        let message = message_doc(&args, ty, &format!("{fn_name}.payload"));
        operation.extend(quote!(.message(#message)));
    }

    let body = match &item.body {
        Some(body) => quote!(#body),
        None => {
            let Some(payload) = payload else {
                return Err(syn::Error::new(
                    sig.paren_token.span.join(),
                    "a publisher without a body needs a payload argument",
                ));
            };
            let payload_ident = &payload.ident;
            let payload_ref = if matches!(payload.ty, syn::Type::Reference(_)) {
                quote!(#payload_ident)
            } else {
                quote!(&#payload_ident)
            };
            let mut values = Vec::new();
            for name in &params {
                let Some(arg) = inputs
                    .iter()
                    .find(|a| matches!(a.role, Role::Param) && a.ident == name.as_str())
                else {
                    return Err(syn::Error::new(
                        sig.paren_token.span.join(),
                        format!("the topic has `{{{name}}}`: add an argument `{name}` (any `Display` type)"),
                    ));
                };
                let ident = &arg.ident;
                values.push(quote!((#name, &#ident as &dyn ::std::fmt::Display)));
            }
            // The operation id and address template name the publish in telemetry.
            let id = args
                .id
                .as_ref()
                .map(|l| l.value())
                .unwrap_or_else(|| fn_name.to_string());
            let build = quote! {
                ::mqttgen::asyncapi::glue::outgoing(
                    ::mqttgen::asyncapi::glue::fill(#address, &[#(#values),*])?,
                    #payload_ref,
                    #qos,
                    #retain,
                )
                .map(|out| out.operation(#id, #address))
            };
            match inputs.iter().find(|a| matches!(a.role, Role::Publisher)) {
                Some(publisher) => {
                    if sig.asyncness.is_none() {
                        return Err(syn::Error::new(
                            sig.fn_token.span(),
                            "a publisher taking a `Publisher` must be an `async fn`",
                        ));
                    }
                    let p = &publisher.ident;
                    quote!({
                        let __mqttgen_out = #build?;
                        #p.publish(__mqttgen_out).await
                    })
                }
                None => quote!({ #build }),
            }
        }
    };
    let attrs = &item.attrs;
    let vis = &item.vis;
    let endpoint = endpoint_type(vis, fn_name, operation, quote!(::std::option::Option::None));
    Ok(quote! {
        #(#attrs)*
        #vis #sig #body
        #endpoint
    })
}
