//! What both attributes generate: the hidden type named like the function and its
//! `Endpoint` implementation.

use crate::args::Args;
use crate::docs::summary_and_description;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Ident, Type, Visibility};

/// `OperationDoc` builder calls shared by both attributes (everything but messages and reply).
pub fn operation_doc(
    args: &Args,
    fn_name: &Ident,
    attrs: &[Attribute],
    action: TokenStream,
    default_qos: u8,
) -> TokenStream {
    let id = args
        .id
        .as_ref()
        .map(|l| l.value())
        .unwrap_or_else(|| fn_name.to_string());
    let address = &args.address;
    let qos = qos_tokens(args.qos.map_or(default_qos, |(q, _)| q));
    let retain = args.retain;
    let (doc_summary, doc_description) = summary_and_description(attrs);
    let summary = args.summary.as_ref().map(|l| l.value()).or(doc_summary);
    let description = args
        .description
        .as_ref()
        .map(|l| l.value())
        .or(doc_description);
    let summary = summary.map(|s| quote!(.summary(#s)));
    let description = description.map(|s| quote!(.description(#s)));
    let shared = args.shared.as_ref().map(|g| quote!(.shared_group(#g)));
    let tags = args.tags.iter().map(|t| quote!(.tag(#t)));
    let params = args.param_docs.iter().map(|(name, doc)| {
        let name = name.to_string();
        quote!(.parameter(::mqttgen::asyncapi::ParameterDoc::new(#name).description(#doc)))
    });
    quote! {
        ::mqttgen::asyncapi::OperationDoc::#action(#id, #address)
            .qos(#qos)
            .retain(#retain)
            #summary
            #description
            #shared
            #(#tags)*
            #(#params)*
    }
}

/// `::mqttgen::QoS::...` for a level.
pub fn qos_tokens(level: u8) -> TokenStream {
    match level {
        0 => quote!(::mqttgen::QoS::AtMostOnce),
        1 => quote!(::mqttgen::QoS::AtLeastOnce),
        _ => quote!(::mqttgen::QoS::ExactlyOnce),
    }
}

/// `MessageDoc` for a payload type.
pub fn message_doc(args: &Args, payload: &Type, fallback_name: &str) -> TokenStream {
    let headers = args.headers.as_ref().map(|h| quote!(.headers::<#h>()));
    let message = match &args.message {
        Some(name) => quote!(::mqttgen::asyncapi::MessageDoc::json::<#payload>(#name)),
        None => quote!(::mqttgen::asyncapi::MessageDoc::json_or_named::<#payload>(#fallback_name)),
    };
    quote!(#message #headers)
}

/// The hidden type (same name as the function, type namespace only) implementing `Endpoint`.
pub fn endpoint_type(
    vis: &Visibility,
    fn_name: &Ident,
    operation: TokenStream,
    route: TokenStream,
) -> TokenStream {
    let doc = format!(
        "AsyncAPI description and route of [`{fn_name}()`]; list it with \
         `Service::handler::<{fn_name}>()` or `Service::publisher::<{fn_name}>()`."
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #fn_name {}

        impl #fn_name {
            /// The operation as documented in AsyncAPI.
            #[allow(dead_code)]
            #vis fn operation() -> ::mqttgen::asyncapi::OperationDoc {
                <Self as ::mqttgen::asyncapi::Endpoint>::operation()
            }
        }

        impl ::mqttgen::asyncapi::Endpoint for #fn_name {
            fn operation() -> ::mqttgen::asyncapi::OperationDoc {
                #operation
            }
            fn route() -> ::std::option::Option<::mqttgen::Route> {
                #route
            }
        }
    }
}
