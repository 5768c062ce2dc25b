//! String enums get their `Display`, `FromStr`, `TryFrom<&str>`/`TryFrom<String>`, `Serialize`
//! and `Deserialize` impls from one runtime macro call instead of typify's four impls and serde's
//! derives (whose visitors were most of a string enum's expanded code).
//!
//! typify writes the same four impls for every enum of plain strings. When an enum's impls are
//! exactly what the runtime's `str_enum!` expands to (checked token for token against the
//! expansion's text), they are replaced by `str_enum!(Name { Variant = "wire", ... })`; any other
//! shape is left alone.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// The four impls typify writes for `name` with `(variant, wire)` pairs, as the runtime macro
/// expands them (`self::error` is the runtime's `error` module the types module re-exports).
fn expected(name: &syn::Ident, pairs: &[(syn::Ident, String)]) -> [String; 4] {
    let display = pairs
        .iter()
        .map(|(variant, wire)| quote!(Self::#variant => f.write_str(#wire)));
    let from_str = pairs
        .iter()
        .map(|(variant, wire)| quote!(#wire => Ok(Self::#variant)));
    [
        quote! {
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self {
                        #(#display,)*
                    }
                }
            }
        },
        quote! {
            impl ::std::str::FromStr for #name {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    match value {
                        #(#from_str,)*
                        _ => Err("invalid value".into()),
                    }
                }
            }
        },
        quote! {
            impl ::std::convert::TryFrom<&str> for #name {
                type Error = self::error::ConversionError;
                fn try_from(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    value.parse()
                }
            }
        },
        quote! {
            impl ::std::convert::TryFrom<::std::string::String> for #name {
                type Error = self::error::ConversionError;
                fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, self::error::ConversionError> {
                    value.parse()
                }
            }
        },
    ]
    .map(|tokens| tokens.to_string())
}

/// `(variant, wire)` of a unit-only enum whose variants all carry `#[serde(rename = "...")]`
/// or are named as on the wire.
fn pairs(item: &syn::ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
    item.variants
        .iter()
        .map(|variant| {
            if !matches!(variant.fields, syn::Fields::Unit) {
                return None;
            }
            let wire = super::serde_attrs::serde_rename(&variant.attrs)
                .unwrap_or_else(|| variant.ident.to_string());
            Some((variant.ident.clone(), wire))
        })
        .collect()
}

/// Whether a path in a `derive` is serde's `Serialize` or `Deserialize` (as typify writes them).
fn is_serde_derive(path: &syn::Path) -> bool {
    let text = path.to_token_stream().to_string().replace(' ', "");
    matches!(
        text.as_str(),
        "::serde::Serialize" | "::serde::Deserialize" | "serde::Serialize" | "serde::Deserialize"
    )
}

/// The derives of `attrs` without serde's, or `None` unless both serde derives are there and
/// no other serde attribute sits on the enum (the macro's impls are exactly those derives then).
fn without_serde(attrs: &[syn::Attribute]) -> Option<Vec<syn::Attribute>> {
    type Paths = syn::punctuated::Punctuated<syn::Path, syn::Token![,]>;
    let mut serde = 0;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs {
        if attr.path().is_ident("serde") {
            return None;
        }
        if !attr.path().is_ident("derive") {
            kept.push(attr.clone());
            continue;
        }
        let paths = attr.parse_args_with(Paths::parse_terminated).ok()?;
        let others: Vec<&syn::Path> = paths.iter().filter(|p| !is_serde_derive(p)).collect();
        serde += paths.len() - others.len();
        if !others.is_empty() {
            kept.push(syn::parse_quote!(#[derive(#(#others),*)]));
        }
    }
    (serde == 2).then_some(kept)
}

/// The enum without serde's derives and its variants' `rename`s (the `str_enum!` call writes
/// both impls), or `None` when the enum carries other serde attributes.
fn serde_by_macro(item: &syn::ItemEnum) -> Option<syn::ItemEnum> {
    let mut item = item.clone();
    item.attrs = without_serde(&item.attrs)?;
    for variant in &mut item.variants {
        let mut rename_only = true;
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                rename_only &= meta.path.is_ident("rename");
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        if !rename_only {
            return None;
        }
        variant.attrs.retain(|a| !a.path().is_ident("serde"));
    }
    Some(item)
}

/// The type an impl is for, as written.
fn self_type(item: &syn::ItemImpl) -> String {
    item.self_ty.to_token_stream().to_string()
}

/// Replaces typify's four string-enum impls and the enum's serde derives by one `str_enum!` call
/// where they match (an enum with other serde attributes is left alone). One pass
/// over the items: the impls are found by their self type once, not once per enum.
pub fn rewrite(file: &mut syn::File) {
    // (enum index, its rewrite without serde's derives, name, pairs)
    type Found = (usize, syn::ItemEnum, syn::Ident, Vec<(syn::Ident, String)>);
    let enums: Vec<Found> = file
        .items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| match item {
            syn::Item::Enum(item) if item.generics.params.is_empty() => Some((
                index,
                serde_by_macro(item)?,
                item.ident.clone(),
                pairs(item)?,
            )),
            _ => None,
        })
        .collect();
    if enums.is_empty() {
        return;
    }
    let mut impls: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, item) in file.items.iter().enumerate() {
        if let syn::Item::Impl(item) = item {
            impls.entry(self_type(item)).or_default().push(index);
        }
    }
    let str_enum = crate::rt::codegen(quote!(str_enum));
    // By item index: the call replacing it (first impl of an enum), or `None` to drop it.
    let mut replaced: HashMap<usize, Option<syn::Item>> = HashMap::new();
    for (enum_index, bare, name, pairs) in enums {
        let Some(candidates) = impls.get(&name.to_string()) else {
            continue;
        };
        let expected = expected(&name, &pairs);
        let positions: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&index| {
                let text = file.items[index].to_token_stream().to_string();
                expected.contains(&text)
            })
            .collect();
        if positions.len() != expected.len() {
            continue;
        }
        let arms: Vec<TokenStream> = pairs
            .iter()
            .map(|(variant, wire)| quote!(#variant = #wire))
            .collect();
        let call: syn::Item = syn::parse_quote!(#str_enum!(#name { #(#arms),* }););
        replaced.insert(enum_index, Some(syn::Item::Enum(bare)));
        replaced.insert(positions[0], Some(call));
        for index in &positions[1..] {
            replaced.insert(*index, None);
        }
    }
    if replaced.is_empty() {
        return;
    }
    let items = std::mem::take(&mut file.items);
    file.items = items
        .into_iter()
        .enumerate()
        .filter_map(|(index, item)| match replaced.remove(&index) {
            Some(call) => call,
            None => Some(item),
        })
        .collect();
}

#[cfg(test)]
mod tests {
    #[test]
    fn typify_impls_become_one_call() {
        let yaml = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    address: a\n    messages:\n      m:\n        payload: {type: object, properties: {mode: {type: string, enum: [idle, running]}}}\noperations:\n  r: {action: receive, channel: {$ref: '#/channels/c'}}\n";
        let loaded = crate::spec::load_str(yaml, "t.yaml");
        let doc = loaded.document.unwrap();
        let module = crate::pipeline::generate_module(&doc, crate::Role::App).unwrap();
        let impls = module
            .source
            .matches("impl ::std::str::FromStr for")
            .count();
        assert!(module.source.contains("str_enum!"), "{}", module.source);
        assert_eq!(impls, 0, "{}", module.source);
        // serde's derives and renames of the enum are the macro's too.
        let start = module.source.find("pub enum").expect("the enum");
        let attrs: Vec<&str> = module.source[..start]
            .trim_end()
            .lines()
            .rev()
            .take_while(|line| line.trim_start().starts_with("#["))
            .collect();
        assert!(!attrs.is_empty(), "{}", module.source);
        assert!(!attrs.iter().any(|a| a.contains("serde")), "{attrs:?}");
        let body = &module.source[start..];
        let body = &body[..body.find('}').unwrap()];
        assert!(!body.contains("serde"), "{body}");
    }
}
