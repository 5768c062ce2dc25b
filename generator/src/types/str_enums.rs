//! String enums get their `Display`, `FromStr` and `TryFrom<&str>`/`TryFrom<String>` impls from
//! one runtime macro call instead of typify's four impls.
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

/// The type an impl is for, as written.
fn self_type(item: &syn::ItemImpl) -> String {
    item.self_ty.to_token_stream().to_string()
}

/// Replaces typify's four string-enum impls by one `str_enum!` call where they match. One pass
/// over the items: the impls are found by their self type once, not once per enum.
pub fn rewrite(file: &mut syn::File) {
    let enums: Vec<(syn::Ident, Vec<(syn::Ident, String)>)> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Enum(item) if item.generics.params.is_empty() => {
                Some((item.ident.clone(), pairs(item)?))
            }
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
    for (name, pairs) in enums {
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
    }
}
