//! Prints a module in pieces whose concatenation is the module printed at once, so that the
//! pieces can be printed on different threads (syntax trees cannot cross threads; text can).
//!
//! prettyplease prints the items of a module one after the other, each at the module's
//! indentation, with nothing between them; so `head + items(a) + items(b) + MODULE_END` is
//! exactly `#[doc] pub mod name { #![attrs] a b }` printed whole. The pipeline's tests compare
//! the two on our specs.

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
    let mut file = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items,
    };
    inert_docs(&mut file);
    prettyplease::unparse(&file)
}

/// Makes every `#[doc = "..."]` of `file` safe to print as a doc comment and inert under
/// `cargo test`: a multi-line one (typify's descriptions, a spec name with a line break) goes
/// through [`crate::markdown::inert`]; a single line gets its control and bidirectional
/// characters spelled out. The generator's own docs hold no code blocks, so they are unchanged;
/// spec text reaching a doc line by line is made inert before it is split
/// ([`crate::service`]'s `doc_attrs`).
pub fn inert_docs(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;
    struct Docs;
    impl VisitMut for Docs {
        fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
            if !attr.path().is_ident("doc") {
                return;
            }
            let syn::Meta::NameValue(meta) = &mut attr.meta else {
                return;
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &meta.value
            else {
                return;
            };
            let value = text.value();
            let fixed = if value.contains(['\n', '\r']) {
                crate::markdown::inert(&value)
            } else {
                crate::markdown::normalise(&value)
            };
            if fixed != value {
                meta.value = syn::parse_quote!(#fixed);
            }
        }
    }
    Docs.visit_file_mut(file);
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
