//! Shorter payload types without changing them: typify's placeholder docs that only repeat the
//! type's name (`` /// `State` ``) are dropped.

/// True when `attr` is typify's placeholder doc for `name`: `` `Name` ``.
fn is_name_only_doc(attr: &syn::Attribute, name: &syn::Ident) -> bool {
    let syn::Meta::NameValue(meta) = &attr.meta else {
        return false;
    };
    if !meta.path.is_ident("doc") {
        return false;
    }
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &meta.value
    else {
        return false;
    };
    text.value().trim() == format!("`{name}`")
}

/// The attributes and name of a struct or enum.
fn parts(item: &mut syn::Item) -> Option<(&mut Vec<syn::Attribute>, syn::Ident)> {
    match item {
        syn::Item::Struct(item) => Some((&mut item.attrs, item.ident.clone())),
        syn::Item::Enum(item) => Some((&mut item.attrs, item.ident.clone())),
        _ => None,
    }
}

/// Drops typify's placeholder docs (`` `Name` ``) from the structs and enums of `file`, and
/// splits long derive lists into serde's and the others (two short lines instead of one list
/// printed a name per line); the same for `#[serde(rename = "..", skip_serializing_if = "..")]`
/// on fields.
pub fn rewrite(file: &mut syn::File) {
    for item in &mut file.items {
        if let Some((attrs, name)) = parts(item) {
            attrs.retain(|attr| !is_name_only_doc(attr, &name));
            split_derives(attrs);
        }
        match item {
            syn::Item::Struct(item) => item
                .fields
                .iter_mut()
                .for_each(|field| split_serde(&mut field.attrs)),
            syn::Item::Enum(item) => item
                .variants
                .iter_mut()
                .for_each(|variant| split_serde(&mut variant.attrs)),
            _ => {}
        }
    }
}

/// A derive list longer than this is printed a name per line (prettyplease's margin is 89
/// columns; types are indented by 4 in their module).
const LONG_DERIVE: usize = 85;

/// The same for a field's or variant's `#[serde(..)]` (indented by 8).
const LONG: usize = 81;

/// The length of `attr` as prettyplease prints it on one line: token text without spaces
/// outside string literals, one space after each comma and around each `=`.
fn printed_len(attr: &syn::Attribute) -> usize {
    let text = quote::ToTokens::to_token_stream(attr).to_string();
    let mut len = 0;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            len += 1;
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                len += 1;
            }
            ' ' => {}
            ',' => len += 2,
            '=' => len += 3,
            _ => len += 1,
        }
    }
    len
}

/// `#[derive(::serde::Deserialize, ::serde::Serialize, Clone, ...)]` → the serde derives and
/// the others in two attributes, when the list is long.
fn split_derives(attrs: &mut Vec<syn::Attribute>) {
    let mut out = Vec::with_capacity(attrs.len() + 1);
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("derive") || printed_len(&attr) <= LONG_DERIVE {
            out.push(attr);
            continue;
        }
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            out.push(attr);
            continue;
        };
        let (serde, other): (Vec<&syn::Path>, Vec<&syn::Path>) = paths.iter().partition(|path| {
            path.segments
                .first()
                .is_some_and(|segment| segment.ident == "serde")
        });
        if serde.is_empty() || other.is_empty() {
            out.push(attr);
            continue;
        }
        out.push(syn::parse_quote!(#[derive(#(#serde),*)]));
        out.push(syn::parse_quote!(#[derive(#(#other),*)]));
    }
    *attrs = out;
}

/// `#[serde(a = .., b = ..)]` → one `#[serde(..)]` per item, when the attribute is long
/// (serde merges them).
fn split_serde(attrs: &mut Vec<syn::Attribute>) {
    let mut out = Vec::with_capacity(attrs.len() + 1);
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("serde") || printed_len(&attr) <= LONG {
            out.push(attr);
            continue;
        }
        let Ok(items) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        ) else {
            out.push(attr);
            continue;
        };
        if items.len() < 2 {
            out.push(attr);
            continue;
        }
        out.extend(
            items
                .iter()
                .map(|meta| -> syn::Attribute { syn::parse_quote!(#[serde(#meta)]) }),
        );
    }
    *attrs = merge_serde(out);
}

/// Neighbouring short `#[serde(..)]` attributes joined into one while it stays short.
fn merge_serde(attrs: Vec<syn::Attribute>) -> Vec<syn::Attribute> {
    let mut out: Vec<syn::Attribute> = Vec::with_capacity(attrs.len());
    for attr in attrs {
        if let Some(last) = out.last_mut() {
            if last.path().is_ident("serde") && attr.path().is_ident("serde") {
                let parse = |a: &syn::Attribute| {
                    a.parse_args_with(
                        syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                    )
                };
                if let (Ok(first), Ok(second)) = (parse(last), parse(&attr)) {
                    let items = first.iter().chain(second.iter());
                    let joined: syn::Attribute = syn::parse_quote!(#[serde(#(#items),*)]);
                    if printed_len(&joined) <= LONG {
                        *last = joined;
                        continue;
                    }
                }
            }
        }
        out.push(attr);
    }
    out
}
