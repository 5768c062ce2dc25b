//! Rustdoc attributes from spec text (titles, summaries, descriptions).

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "..."]` attributes, one per line, for `text` (nothing for `None` or blank text).
///
/// Each line gets a leading space so that rendered Markdown keeps the author's formatting.
pub fn doc_attrs(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return TokenStream::new();
    };
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Joins the present parts with blank lines.
pub fn join(parts: &[Option<&str>]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}
