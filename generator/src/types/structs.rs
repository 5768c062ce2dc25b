//! Plain payload structs get their `Serialize` and `Deserialize` impls from one runtime
//! `object!` call instead of serde's derives (issue #17: the derives were most of a generated
//! crate's expanded code, and their sequence path and field-identifier enum are never used by
//! structs read from maps only).
//!
//! A struct is taken over when all its serde attributes are ones the macro writes exactly:
//! `deny_unknown_fields` on the struct, and `rename`, `default`, `default = ".."`,
//! `deserialize_with` and `skip_serializing_if` on fields. Any other shape (`flatten`, generics,
//! tuple structs, ...) keeps the derive (and [`super::objects`]' map-only adaptor).

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// How one field is read and written.
struct Field {
    ident: syn::Ident,
    wire: String,
    /// `default` (`None` inside: `Default::default()`).
    default: Option<Option<syn::Path>>,
    with: Option<syn::Path>,
    skip_if: Option<syn::Path>,
}

impl Field {
    fn tokens(&self, ty: &syn::Type) -> TokenStream {
        let Field {
            ident,
            wire,
            default,
            with,
            skip_if,
        } = self;
        let default = default.as_ref().map(|function| match function {
            Some(function) => quote!(default = #function,),
            None => quote!(default = ::std::default::Default::default,),
        });
        let with = with.as_ref().map(|with| quote!(with = #with as #ty,));
        let skip_if = skip_if.as_ref().map(|skip| quote!(skip_if = #skip,));
        if default.is_none() && with.is_none() && skip_if.is_none() {
            return quote!(#ident = #wire);
        }
        quote!(#ident = #wire { #default #with #skip_if })
    }
}

/// A path written as a string in a serde attribute (`deserialize_with = "constraints::check_0"`).
fn path_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<syn::Path> {
    let text: syn::LitStr = meta.value()?.parse()?;
    text.parse()
}

/// The field's serde attributes read into a [`Field`] (and removed), or `None` when one of them
/// is not something `object!` writes.
fn field(field: &mut syn::Field) -> Option<Field> {
    let ident = field.ident.clone()?;
    let mut read = Field {
        wire: ident.to_string().trim_start_matches("r#").to_owned(),
        ident,
        default: None,
        with: None,
        skip_if: None,
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let wire: syn::LitStr = meta.value()?.parse()?;
                read.wire = wire.value();
            } else if meta.path.is_ident("default") {
                read.default = Some(match meta.input.peek(syn::Token![=]) {
                    true => Some(path_value(&meta)?),
                    false => None,
                });
            } else if meta.path.is_ident("deserialize_with") {
                read.with = Some(path_value(&meta)?);
            } else if meta.path.is_ident("skip_serializing_if") {
                read.skip_if = Some(path_value(&meta)?);
            } else {
                return Err(meta.error("not written by object!"));
            }
            Ok(())
        })
        .ok()?;
    }
    field.attrs.retain(|a| !a.path().is_ident("serde"));
    Some(read)
}

/// Whether a path in a `derive` is serde's `Serialize` or `Deserialize` (as typify writes them).
fn is_serde_derive(path: &syn::Path) -> bool {
    let text = path.to_token_stream().to_string().replace(' ', "");
    matches!(text.as_str(), "::serde::Serialize" | "::serde::Deserialize")
}

/// `item` without serde's derives and attributes, and the `object!` call writing its impls; or
/// `None` when the struct is not one the macro writes exactly.
fn take_over(item: &syn::ItemStruct) -> Option<(syn::ItemStruct, syn::Item)> {
    if !item.generics.params.is_empty() || !matches!(item.fields, syn::Fields::Named(_)) {
        return None;
    }
    let mut item = item.clone();
    let mut deny_unknown = false;
    let mut serde_derives = 0;
    let mut attrs = Vec::with_capacity(item.attrs.len());
    type Paths = syn::punctuated::Punctuated<syn::Path, syn::Token![,]>;
    for attr in &item.attrs {
        if attr.path().is_ident("serde") {
            attr.parse_nested_meta(|meta| match meta.path.is_ident("deny_unknown_fields") {
                true => {
                    deny_unknown = true;
                    Ok(())
                }
                false => Err(meta.error("not written by object!")),
            })
            .ok()?;
        } else if attr.path().is_ident("derive") {
            let paths = attr.parse_args_with(Paths::parse_terminated).ok()?;
            let others: Vec<&syn::Path> = paths.iter().filter(|p| !is_serde_derive(p)).collect();
            serde_derives += paths.len() - others.len();
            if !others.is_empty() {
                attrs.push(syn::parse_quote!(#[derive(#(#others),*)]));
            }
        } else {
            attrs.push(attr.clone());
        }
    }
    if serde_derives != 2 {
        return None;
    }
    item.attrs = attrs;
    let mut fields = Vec::with_capacity(item.fields.len());
    for field_item in item.fields.iter_mut() {
        let read = field(field_item)?;
        fields.push(read.tokens(&field_item.ty));
    }
    let name = &item.ident;
    let deny = deny_unknown.then(|| quote!(#[deny_unknown_fields]));
    let object = crate::rt::codegen(quote!(object));
    let call = syn::parse_quote!(#object!(#deny #name { #(#fields),* }););
    Some((item, call))
}

/// Replaces serde's derives of the plain structs of `file` by an `object!` call after each.
pub fn rewrite(file: &mut syn::File) {
    let items = std::mem::take(&mut file.items);
    file.items.reserve(items.len());
    for item in items {
        match &item {
            syn::Item::Struct(found) => match take_over(found) {
                Some((bare, call)) => {
                    file.items.push(syn::Item::Struct(bare));
                    file.items.push(call);
                }
                None => file.items.push(item),
            },
            _ => file.items.push(item),
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    fn rewritten(item: syn::ItemStruct) -> String {
        let mut file: syn::File = syn::parse_quote!(#item);
        super::rewrite(&mut file);
        file.into_token_stream().to_string()
    }

    #[test]
    fn plain_structs_get_one_call() {
        let text = rewritten(syn::parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(deny_unknown_fields)]
            pub struct State {
                /// When.
                pub at: String,
                #[serde(rename = "machineId", default = "defaults::machine")]
                pub machine_id: String,
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                #[serde(deserialize_with = "constraints::check_0", default)]
                pub rpm: ::std::option::Option<u64>,
            }
        });
        assert!(!text.contains("serde"), "{text}");
        assert!(text.contains("# [derive (Clone , Debug)]"), "{text}");
        assert!(text.contains("# [doc = r\" When.\"]"), "{text}");
        let call = ":: mqttgen :: codegen :: object ! (# [deny_unknown_fields] State { \
            at = \"at\" , machine_id = \"machineId\" { default = defaults :: machine , } , \
            rpm = \"rpm\" { default = :: std :: default :: Default :: default , with = constraints :: check_0 as :: std :: option :: \
            Option < u64 > , skip_if = :: std :: option :: Option :: is_none , } }) ;";
        assert!(text.contains(call), "{text}");
    }

    #[test]
    fn other_shapes_keep_the_derive() {
        for item in [
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Flat {
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<String, ::serde_json::Value>,
                }
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(transparent)]
                pub struct Wrapped { pub value: u8 }
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Tuple(pub u8);
            },
            syn::parse_quote! {
                #[derive(::serde::Deserialize, Clone)]
                pub struct DecodeOnly { pub value: u8 }
            },
        ] {
            let text = rewritten(item);
            assert!(text.contains(":: serde :: Deserialize"), "{text}");
            assert!(!text.contains("object !"), "{text}");
        }
    }
}
