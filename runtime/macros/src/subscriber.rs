//! `#[subscriber("topic/{param}", ...)]` on an `async fn` handler.

use crate::args::{address_params, Args};
use crate::common::{endpoint_type, message_doc, operation_doc, qos_tokens};
use crate::signature::{arguments, ok_type, Role};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{ItemFn, Type};

pub fn expand(args: Args, item: ItemFn) -> syn::Result<TokenStream> {
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            "a #[subscriber] handler must be an `async fn`",
        ));
    }
    let params = args.params()?;
    if let Some(reply_topic) = &args.reply_topic {
        for p in address_params(reply_topic)? {
            if !params.contains(&p) {
                return Err(syn::Error::new(
                    reply_topic.span(),
                    format!("`{{{p}}}` of the reply topic is not a parameter of the subscribed topic, so its value is unknown"),
                ));
            }
        }
    }
    let inputs = arguments(sig, &params, &["Context", "Message"])?;
    for arg in &inputs {
        if matches!(arg.role, Role::Param | Role::Payload) {
            if let Type::Reference(r) = &arg.ty {
                return Err(syn::Error::new(
                    r.span(),
                    "take this argument by value (e.g. `String`, not `&str`)",
                ));
            }
        }
    }
    let reply = ok_type(sig)?;
    let fn_name = &sig.ident;
    let address = &args.address;
    let qos_level = args.qos.map_or(1, |(q, _)| q);
    let qos = qos_tokens(qos_level);

    // --- the AsyncAPI operation
    let mut operation = operation_doc(&args, fn_name, &item.attrs, quote!(receive), 1);
    if let Some(payload) = inputs.iter().find(|a| matches!(a.role, Role::Payload)) {
        let fallback = format!("{fn_name}.payload");
        let message = message_doc(&args, &payload.ty, &fallback);
        operation.extend(quote!(.message(#message)));
    }
    if let Some(reply_ty) = &reply {
        let fallback = format!("{fn_name}.reply");
        let message =
            quote!(::mqttgen::asyncapi::MessageDoc::json_or_named::<#reply_ty>(#fallback));
        let reply_doc = match &args.reply_topic {
            Some(topic) => quote!(::mqttgen::asyncapi::ReplyDoc::to_topic(#topic, #message)),
            None => quote!(::mqttgen::asyncapi::ReplyDoc::to_response_topic(#message)),
        };
        operation.extend(quote!(.reply(#reply_doc)));
    }

    // --- the route
    let msg = format_ident!("__mqttgen_msg");
    let ctx = format_ident!("__mqttgen_ctx");
    let target = format_ident!("__mqttgen_reply");
    let mut decode = Vec::new();
    let mut call_args = Vec::new();
    for arg in &inputs {
        let ident = &arg.ident;
        let ty = &arg.ty;
        match arg.role {
            Role::Param => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                decode.push(
                    quote!(let #ident: #ty = ::mqttgen::asyncapi::glue::param(&#ctx, #name)?;),
                );
                call_args.push(quote!(#ident));
            }
            Role::Payload => {
                decode.push(quote!(let #ident: #ty = ::mqttgen::asyncapi::glue::payload(&#msg)?;));
                call_args.push(quote!(#ident));
            }
            Role::Context | Role::Message => {
                let value = if matches!(arg.role, Role::Context) {
                    &ctx
                } else {
                    &msg
                };
                call_args.push(match ty {
                    Type::Reference(_) => quote!(&#value),
                    _ => quote!(::std::clone::Clone::clone(&#value)),
                });
            }
            Role::Publisher => unreachable!("not allowed for subscribers"),
        }
    }
    let finish = match &reply {
        None => quote!(::mqttgen::asyncapi::glue::done(__mqttgen_result)),
        Some(_) => quote! {
            match __mqttgen_result {
                ::std::result::Result::Ok(value) => #target.reply(&value, #qos, false),
                ::std::result::Result::Err(error) => ::std::result::Result::Err(::std::convert::Into::into(error)),
            }
        },
    };
    let capture = reply.as_ref().map(|_| {
        let template = match &args.reply_topic {
            Some(t) => quote!(::std::option::Option::Some(#t)),
            None => quote!(::std::option::Option::None),
        };
        quote!(let #target = ::mqttgen::asyncapi::glue::ReplyTarget::new(&#msg, &#ctx, #template);)
    });
    let id = args
        .id
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_else(|| fn_name.to_string());
    let share = args
        .shared
        .as_ref()
        .map(|g| quote!(.share(::mqttgen::Share::Group(::std::string::String::from(#g)))));
    let workers = args.max_workers.as_ref().map(|n| quote!(.max_workers(#n)));
    let route = quote! {
        ::mqttgen::Route::new(
            #address,
            |#msg: ::mqttgen::Message, #ctx: ::mqttgen::Context| async move {
                #capture
                #(#decode)*
                let __mqttgen_result = #fn_name(#(#call_args),*).await;
                #finish
            },
        )
        .name(#id)
        .qos(#qos)
        #share
        #workers
    };

    let vis = &item.vis;
    let endpoint = endpoint_type(
        vis,
        fn_name,
        operation,
        quote!(::std::option::Option::Some(Self::route())),
    );
    Ok(quote! {
        #item
        #endpoint
        impl #fn_name {
            /// The runtime route: subscribes to the topic, decodes parameters and payload, calls
            /// the handler and publishes its reply.
            #[allow(dead_code)]
            #vis fn route() -> ::mqttgen::Route {
                #route
            }
        }
    })
}
