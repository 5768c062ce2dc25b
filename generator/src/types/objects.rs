//! Structs decode from JSON objects only (issue #26).
//!
//! A serde-derived struct also reads a sequence (`[1, 2]` fills its fields in order), which no
//! `type: object` schema allows. Each struct with named fields that derives `Deserialize` gets
//! `#[serde(remote = "Self")]` (so the derives become inherent functions) and hand-written
//! `Serialize`/`Deserialize` impls calling them; `Deserialize` goes through the shared
//! [`module`]'s `MapOnly`, which hands the derived visitor maps only.

/// Rewrites the structs of `file`; true when any was rewritten (then [`module`] is needed).
pub fn rewrite(file: &mut syn::File) -> bool {
    let mut impls: Vec<syn::Item> = Vec::new();
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
        let name = &item.ident;
        impls.push(syn::parse_quote! {
            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                {
                    #name::deserialize(self::objects::MapOnly(deserializer))
                }
            }
        });
        impls.push(syn::parse_quote! {
            impl ::serde::Serialize for #name {
                fn serialize<S>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error>
                where
                    S: ::serde::Serializer,
                {
                    #name::serialize(self, serializer)
                }
            }
        });
    }
    let any = !impls.is_empty();
    file.items.extend(impls);
    any
}

/// The `objects` helper module: a deserializer adaptor whose visitors see maps only.
pub fn module() -> syn::Item {
    syn::parse_quote! {
        /// Decoding of objects: a JSON array is never read as a struct.
        #[doc(hidden)]
        pub mod objects {
            /// Hands the visitor of a derived struct maps only (a sequence is a type error).
            pub struct MapOnly<D>(pub D);

            struct Visitor<V>(V);

            impl<'de, V: ::serde::de::Visitor<'de>> ::serde::de::Visitor<'de> for Visitor<V> {
                type Value = V::Value;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    self.0.expecting(f)
                }

                fn visit_map<A>(self, map: A) -> ::std::result::Result<V::Value, A::Error>
                where
                    A: ::serde::de::MapAccess<'de>,
                {
                    self.0.visit_map(map)
                }
            }

            impl<'de, D: ::serde::Deserializer<'de>> ::serde::Deserializer<'de> for MapOnly<D> {
                type Error = D::Error;

                fn deserialize_any<V>(self, visitor: V) -> ::std::result::Result<V::Value, D::Error>
                where
                    V: ::serde::de::Visitor<'de>,
                {
                    self.0.deserialize_any(Visitor(visitor))
                }

                fn deserialize_map<V>(self, visitor: V) -> ::std::result::Result<V::Value, D::Error>
                where
                    V: ::serde::de::Visitor<'de>,
                {
                    self.0.deserialize_map(Visitor(visitor))
                }

                fn deserialize_struct<V>(
                    self,
                    name: &'static str,
                    fields: &'static [&'static str],
                    visitor: V,
                ) -> ::std::result::Result<V::Value, D::Error>
                where
                    V: ::serde::de::Visitor<'de>,
                {
                    self.0.deserialize_struct(name, fields, Visitor(visitor))
                }

                fn is_human_readable(&self) -> bool {
                    self.0.is_human_readable()
                }

                ::serde::forward_to_deserialize_any! {
                    bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                    byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct enum
                    identifier ignored_any
                }
            }
        }
    }
}
