//! Structs decode from JSON objects only (issue #26).
//!
//! A serde-derived struct also reads a sequence (`[1, 2]` fills its fields in order), which no
//! `type: object` schema allows. Each struct with named fields that derives `Deserialize` gets
//! `#[serde(remote = "Self")]` (so the derives become inherent functions) and hand-written
//! `Serialize`/`Deserialize` impls calling them; `Deserialize` goes through the shared
//! [`module`]'s `MapOnly`, which hands the derived visitor maps only.

/// Rewrites the structs of `file` and returns their names (then [`module`] is needed); their
/// `Serialize`/`Deserialize` impls come from one [`impls`] invocation for the whole module.
pub fn rewrite(file: &mut syn::File) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for item in &mut file.items {
        let syn::Item::Struct(item) = item else {
            continue;
        };
        if !matches!(item.fields, syn::Fields::Named(_)) || !item.generics.params.is_empty() {
            continue;
        }
        let Some(derive) = item.attrs.iter_mut().find(|a| a.path().is_ident("derive")) else {
            continue;
        };
        let derived = quote::ToTokens::to_token_stream(&derive.meta).to_string();
        let compact = derived.replace(' ', "");
        if !compact.contains("::serde::Deserialize") || !compact.contains("::serde::Serialize") {
            continue;
        }
        item.attrs
            .push(syn::parse_quote!(#[serde(remote = "Self")]));
        names.push(item.ident.to_string());
    }
    names
}

/// `map_only!(A, B, ..)`: the runtime writes the impls of the structs [`rewrite`] named.
pub fn impls(names: &[String]) -> Option<syn::Item> {
    if names.is_empty() {
        return None;
    }
    let names = names.iter().map(|name| quote::format_ident!("{name}"));
    let map_only = crate::rt::codegen(quote::quote!(objects::map_only));
    Some(syn::parse_quote!(#map_only!(#(#names),*);))
}

/// The `objects` helper module: the runtime's deserializer adaptor whose visitors see maps
/// only.
pub fn module() -> syn::Item {
    let objects = crate::rt::codegen(quote::quote!(objects));
    syn::parse_quote! {
        /// Decoding of objects: a JSON array is never read as a struct.
        #[doc(hidden)]
        pub use #objects;
    }
}
