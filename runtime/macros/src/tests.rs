//! Expansion tests: good input expands to valid Rust, bad input gives a located, explained error.

use crate::args::Args;
use crate::docs::summary_and_description;
use crate::{publisher, subscriber};
use quote::quote;

fn sub(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Result<String, String> {
    let args: Args = syn::parse2(attr).map_err(|e| e.to_string())?;
    let item: syn::ItemFn = syn::parse2(item).map_err(|e| e.to_string())?;
    let tokens = subscriber::expand(args, item).map_err(|e| e.to_string())?;
    syn::parse2::<syn::File>(tokens.clone()).expect("expansion is valid Rust");
    Ok(tokens.to_string())
}

fn publ(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Result<String, String> {
    let args: Args = syn::parse2(attr).map_err(|e| e.to_string())?;
    let item: publisher::MaybeBodyFn = syn::parse2(item).map_err(|e| e.to_string())?;
    let tokens = publisher::expand(args, item).map_err(|e| e.to_string())?;
    syn::parse2::<syn::File>(tokens.clone()).expect("expansion is valid Rust");
    Ok(tokens.to_string())
}

#[test]
fn subscriber_expands_route_and_operation() {
    let out = sub(
        quote!("devices/{device_id}/temperature", qos = 2, shared = "g", max_workers = 4, params(device_id = "Device")),
        quote! {
            /// Reads.
            async fn handle(device_id: String, reading: Reading, ctx: mqttgen::Context) -> Result<(), HandlerError> { Ok(()) }
        },
    )
    .unwrap();
    for needle in [
        "struct handle { }",
        "OperationDoc :: receive (\"handle\" , \"devices/{device_id}/temperature\")",
        "glue :: param (& __mqttgen_ctx , \"device_id\")",
        "Share :: Group",
        "max_workers (4)",
        "QoS :: ExactlyOnce",
        ". summary (\"Reads.\")",
        "ParameterDoc :: new (\"device_id\") . description (\"Device\")",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in {out}");
    }
}

#[test]
fn subscriber_errors_explain_what_to_do() {
    let cases = [
        (
            quote!("a"),
            quote!(
                fn h(x: X) -> Result<(), E> {}
            ),
            "must be an `async fn`",
        ),
        (
            quote!("a/{id}"),
            quote!(
                async fn h(x: X, y: Y) -> Result<(), E> {}
            ),
            "a second payload argument (the first is `x`)",
        ),
        (
            quote!("a/{id}"),
            quote!(
                async fn h(id: &str) -> Result<(), E> {}
            ),
            "take this argument by value",
        ),
        (
            quote!("a"),
            quote!(
                async fn h(x: X) {}
            ),
            "returns `Result<(), mqttgen::HandlerError>`",
        ),
        (
            quote!("a"),
            quote!(
                async fn h<T>(x: T) -> Result<(), E> {}
            ),
            "generic functions",
        ),
        (
            quote!("a/{id}", reply_topic = "r/{other}"),
            quote!(
                async fn h(x: X) -> Result<R, E> {}
            ),
            "`{other}` of the reply topic",
        ),
        (
            quote!("a/{b"),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "unbalanced `{` `}`",
        ),
        (
            quote!("jobs/#"),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "`#` and `?` cannot be exported",
        ),
        (
            quote!("$share/g/a"),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "set `shared = \"group\"`",
        ),
        (
            quote!("a/{x}/{x}"),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "appears twice",
        ),
        (
            quote!("a", qos = 3),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "QoS must be 0, 1 or 2",
        ),
        (
            quote!("a", colour = "red"),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "unknown argument `colour`",
        ),
        (
            quote!("a", qos = 1, qos = 2),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "`qos` is given twice",
        ),
        (
            quote!(qos = 1),
            quote!(
                async fn h() -> Result<(), E> {}
            ),
            "expected the topic template first",
        ),
    ];
    for (attr, item, needle) in cases {
        let err = sub(attr.clone(), item).expect_err(&attr.to_string());
        assert!(
            err.contains(needle),
            "{attr}: expected `{needle}` in `{err}`"
        );
    }
}

#[test]
fn publisher_generates_bodies() {
    let out = publ(
        quote!("alerts/{device_id}", qos = 1, retain),
        quote!(
            pub async fn alert(p: &Publisher, device_id: &str, alert: &Alert) -> Result<(), Error>;
        ),
    )
    .unwrap();
    assert!(out.contains("p . publish (__mqttgen_out) . await"), "{out}");
    assert!(out.contains("OperationDoc :: send"), "{out}");
    let out = publ(
        quote!("alerts/{device_id}"),
        quote!(
            fn alert(device_id: u32, alert: Alert) -> Result<Outgoing, Error>;
        ),
    )
    .unwrap();
    assert!(out.contains("& alert"), "{out}");
    // With a body: kept, only documented.
    let out = publ(
        quote!("x"),
        quote!(
            fn send(v: V) -> u8 {
                7
            }
        ),
    )
    .unwrap();
    assert!(out.contains("{ 7 }"), "{out}");
}

#[test]
fn publisher_errors() {
    let cases = [
        (
            quote!("a/{id}"),
            quote!(
                fn f(v: &V) -> R;
            ),
            "add an argument `id`",
        ),
        (
            quote!("a"),
            quote!(
                fn f() -> R;
            ),
            "needs a payload argument",
        ),
        (
            quote!("a", shared = "g"),
            quote!(
                fn f(v: V) -> R;
            ),
            "`shared` is not supported by #[publisher]",
        ),
        (
            quote!("a"),
            quote!(
                fn f(p: &Publisher, v: V) -> R;
            ),
            "must be an `async fn`",
        ),
    ];
    for (attr, item, needle) in cases {
        let err = publ(attr.clone(), item).expect_err(&attr.to_string());
        assert!(
            err.contains(needle),
            "{attr}: expected `{needle}` in `{err}`"
        );
    }
}

#[test]
fn doc_comments_split_into_summary_and_description() {
    let item: syn::ItemFn = syn::parse2(quote! {
        /// First line
        /// continues.
        ///
        /// Details here.
        ///
        /// More details.
        fn f() {}
    })
    .unwrap();
    let (summary, description) = summary_and_description(&item.attrs);
    assert_eq!(summary.as_deref(), Some("First line continues."));
    assert_eq!(
        description.as_deref(),
        Some("Details here.\n\nMore details.")
    );
    let item: syn::ItemFn = syn::parse2(quote!(
        fn f() {}
    ))
    .unwrap();
    assert_eq!(summary_and_description(&item.attrs), (None, None));
}

#[test]
fn mixed_level_addresses_are_accepted_as_in_spec_first() {
    let out = sub(
        quote!("fleet/{id}/v{major}.{minor}/config"),
        quote! {
            async fn handle(id: String, major: u32, minor: u32, config: Config, ctx: mqttgen::Context) -> Result<(), HandlerError> { Ok(()) }
        },
    )
    .unwrap();
    for needle in [
        "OperationDoc :: receive (\"handle\" , \"fleet/{id}/v{major}.{minor}/config\")",
        "glue :: param (& __mqttgen_ctx , \"major\")",
        "glue :: param (& __mqttgen_ctx , \"minor\")",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in {out}");
    }
    let out = publ(
        quote!("fleet/{id}/v{major}.{minor}/config"),
        quote! {
            fn config(id: &str, major: u32, minor: u32, config: &Config) -> Result<mqttgen::Outgoing, mqttgen::Error>;
        },
    )
    .unwrap();
    assert!(out.contains("glue :: fill"), "{out}");
}
