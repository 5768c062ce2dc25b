//! Structs decode from JSON objects only (issue #26).
//!
//! A serde-derived struct also reads a sequence (`[1, 2]` fills its fields in order), which no
//! `type: object` schema allows. Each struct with named fields that derives `Deserialize` gets
//! `#[serde(remote = "Self")]` (so the derives become inherent functions) and hand-written
//! `Serialize`/`Deserialize` impls calling them; `Deserialize` goes through the shared
//! [`module`]'s `MapOnly`, which hands the derived visitor maps only.

/// Rewrites the structs of `file`; true when any was rewritten (then [`module`] is needed).
/// Their `Serialize`/`Deserialize` impls come from one `map_only!` invocation of the runtime.
pub fn rewrite(file: &mut syn::File) -> bool {
    let mut names: Vec<syn::Ident> = Vec::new();
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
        names.push(item.ident.clone());
    }
    if names.is_empty() {
        return false;
    }
    let map_only = crate::rt::codegen(quote::quote!(objects::map_only));
    file.items
        .push(syn::parse_quote!(#map_only!(#(#names),*);));
    true
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
