//! Prints a module in pieces whose concatenation is the module printed at once, so that the
//! pieces can be printed on different threads (syntax trees cannot cross threads; text can).
//!
//! prettyplease prints the items of a module one after the other, each at the module's
//! indentation, with nothing between them; so `head + items(a) + items(b) + MODULE_END` is
//! exactly `#[doc] pub mod name { #![attrs] a b }` printed whole. The pipeline's tests compare
//! the two on our specs.

use proc_macro2::TokenStream;
use quote::format_ident;

/// The line that closes a module opened by [`module_head`].
pub const MODULE_END: &str = "}\n";

/// `#[doc = doc] pub mod name { #![inner] ...` printed up to (not including) its closing brace.
pub fn module_head(doc: &str, name: &str, inner: Vec<syn::Attribute>) -> String {
    let mut module = module(doc, name, Vec::new());
    if let syn::Item::Mod(item) = &mut module {
        item.attrs.extend(inner);
    }
    let text = print(vec![module]);
    match text.strip_suffix("{}\n") {
        // No inner attributes: prettyplease closes an empty module on the same line.
        Some(open) => format!("{open}{{\n"),
        None => text
            .strip_suffix(MODULE_END)
            .expect("a printed module ends with its closing brace")
            .to_string(),
    }
}

/// `items` printed as they appear inside a module at the top level of a file.
pub fn module_items(items: Vec<syn::Item>) -> String {
    if items.is_empty() {
        return String::new();
    }
    let text = print(vec![module("", "m", items)]);
    text.strip_prefix("mod m {\n")
        .and_then(|body| body.strip_suffix(MODULE_END))
        .expect("a printed module is its header line, its items and a closing brace")
        .to_string()
}

/// `#[doc = doc] pub mod name { items }` (no doc attribute and private when `doc` is empty), with
/// the inner attributes of a module body moved inside the braces by the caller.
pub fn module(doc: &str, name: &str, items: Vec<syn::Item>) -> syn::Item {
    let ident = format_ident!("{}", name);
    let mut item: syn::ItemMod = if doc.is_empty() {
        syn::parse_quote!(mod #ident {})
    } else {
        syn::parse_quote! {
            #[doc = #doc]
            pub mod #ident {}
        }
    };
    item.content = Some((Default::default(), items));
    syn::Item::Mod(item)
}

/// `items` as a file, printed by prettyplease, with every doc attribute made inert first (see
/// [`inert_docs`]).
pub fn print(items: Vec<syn::Item>) -> String {
    let mut file = empty_file();
    file.items = items;
    unparse_inert(file)
}

/// `file` printed by prettyplease after [`inert_docs`].
fn unparse_inert(mut file: syn::File) -> String {
    inert_docs(&mut file);
    prettyplease::unparse(&file)
}

/// Formats a token stream as a Rust file with prettyplease (parsed with `syn` first, so invalid
/// tokens give a `syn::Error` instead of bad text).
pub fn format_tokens(tokens: TokenStream) -> Result<String, syn::Error> {
    let file = syn::parse2::<syn::File>(tokens)?;
    Ok(format_file(&file))
}

/// Formats a parsed file with prettyplease.
pub fn format_file(file: &syn::File) -> String {
    unparse_inert(file.clone())
}

/// A file with no attributes and no items.
pub(crate) fn empty_file() -> syn::File {
    syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: Vec::new(),
    }
}

/// Makes the doc comments of `file` safe to print and inert under `cargo test`: the doc
/// attributes of each documented node are read together, as rustdoc joins them, and when
/// [`crate::markdown::inert`] changes that text (a code block, a bare CR, a control character),
/// they are replaced by the inert text, one attribute per line. Text that is already inert (all of
/// the generator's own docs, and spec text that `doc_attrs` made inert before splitting it into
/// lines) is left exactly as it is.
pub fn inert_docs(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;
    struct Docs;
    impl VisitMut for Docs {
        fn visit_file_mut(&mut self, node: &mut syn::File) {
            fix_docs(&mut node.attrs);
            syn::visit_mut::visit_file_mut(self, node);
        }
        fn visit_item_mut(&mut self, node: &mut syn::Item) {
            if let Some(attrs) = item_attrs(node) {
                fix_docs(attrs);
            }
            syn::visit_mut::visit_item_mut(self, node);
        }
        fn visit_field_mut(&mut self, node: &mut syn::Field) {
            fix_docs(&mut node.attrs);
            syn::visit_mut::visit_field_mut(self, node);
        }
        fn visit_variant_mut(&mut self, node: &mut syn::Variant) {
            fix_docs(&mut node.attrs);
            syn::visit_mut::visit_variant_mut(self, node);
        }
        fn visit_impl_item_mut(&mut self, node: &mut syn::ImplItem) {
            let attrs = match node {
                syn::ImplItem::Const(item) => Some(&mut item.attrs),
                syn::ImplItem::Fn(item) => Some(&mut item.attrs),
                syn::ImplItem::Type(item) => Some(&mut item.attrs),
                syn::ImplItem::Macro(item) => Some(&mut item.attrs),
                _ => None,
            };
            if let Some(attrs) = attrs {
                fix_docs(attrs);
            }
            syn::visit_mut::visit_impl_item_mut(self, node);
        }
        fn visit_trait_item_mut(&mut self, node: &mut syn::TraitItem) {
            let attrs = match node {
                syn::TraitItem::Const(item) => Some(&mut item.attrs),
                syn::TraitItem::Fn(item) => Some(&mut item.attrs),
                syn::TraitItem::Type(item) => Some(&mut item.attrs),
                syn::TraitItem::Macro(item) => Some(&mut item.attrs),
                _ => None,
            };
            if let Some(attrs) = attrs {
                fix_docs(attrs);
            }
            syn::visit_mut::visit_trait_item_mut(self, node);
        }
    }
    Docs.visit_file_mut(file);
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(item) => &mut item.attrs,
        syn::Item::Enum(item) => &mut item.attrs,
        syn::Item::Fn(item) => &mut item.attrs,
        syn::Item::Impl(item) => &mut item.attrs,
        syn::Item::Macro(item) => &mut item.attrs,
        syn::Item::Mod(item) => &mut item.attrs,
        syn::Item::Static(item) => &mut item.attrs,
        syn::Item::Struct(item) => &mut item.attrs,
        syn::Item::Trait(item) => &mut item.attrs,
        syn::Item::Type(item) => &mut item.attrs,
        syn::Item::Union(item) => &mut item.attrs,
        syn::Item::Use(item) => &mut item.attrs,
        _ => return None,
    })
}

/// The text of a `#[doc = "..."]` attribute.
fn doc_text(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("doc") {
        return None;
    }
    match &attr.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value:
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// Rewrites the doc attributes of one node when their joined text is not inert.
fn fix_docs(attrs: &mut Vec<syn::Attribute>) {
    let docs: Vec<(usize, String)> = attrs
        .iter()
        .enumerate()
        .filter_map(|(index, attr)| Some((index, doc_text(attr)?)))
        .collect();
    if docs.is_empty() {
        return;
    }
    let joined = docs
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let fixed = crate::markdown::inert(&joined);
    if fixed == joined {
        return;
    }
    let first = docs[0].0;
    let lines: Vec<syn::Attribute> = fixed
        .split('\n')
        .map(|line| syn::parse_quote!(#[doc = #line]))
        .collect();
    let mut kept = Vec::with_capacity(attrs.len() + lines.len());
    for (index, attr) in attrs.drain(..).enumerate() {
        if index == first {
            kept.extend(lines.iter().cloned());
        }
        if doc_text(&attr).is_none() {
            kept.push(attr);
        }
    }
    *attrs = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(source: &str) -> Vec<syn::Item> {
        syn::parse_str::<syn::File>(source).unwrap().items
    }

    #[test]
    fn pieces_join_into_the_module_printed_at_once() {
        let inner: Vec<syn::Attribute> = syn::parse_quote!(#![allow(dead_code)]);
        let first = items("pub struct A { pub x: u8 } impl A { fn f(&self) -> u8 { self.x } }");
        let second = items("pub enum B { One, Two } pub mod inner { pub fn g() {} }");
        let mut whole = module(" Docs.", "types", [first.clone(), second.clone()].concat());
        if let syn::Item::Mod(item) = &mut whole {
            item.attrs.extend(inner.clone());
        }
        let joined = module_head(" Docs.", "types", inner)
            + &module_items(first)
            + &module_items(Vec::new())
            + &module_items(second)
            + MODULE_END;
        assert_eq!(joined, print(vec![whole]));
    }

    #[test]
    fn a_head_without_inner_attributes_opens_the_module() {
        let joined = module_head(" Docs.", "types", Vec::new())
            + &module_items(items("struct A;"))
            + MODULE_END;
        assert_eq!(
            joined,
            print(vec![module(" Docs.", "types", items("struct A;"))])
        );
    }
}
