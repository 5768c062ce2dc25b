//! Rustdoc attributes from spec text (titles, summaries, descriptions).

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = "..."]` attributes, one per line, for `text` (nothing for `None` or blank text).
///
/// The text is made inert first ([`crate::markdown::inert`]: code blocks become `text` blocks,
/// so no spec text becomes a doctest). Each line gets a leading space so that rendered Markdown
/// keeps the author's formatting.
pub fn doc_attrs(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return TokenStream::new();
    };
    let text = crate::markdown::inert(text);
    let lines = indent_list_continuations(&text).into_iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// Width of a Markdown list marker at the start of `line` (after its indentation), if any.
fn list_marker_width(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    if rest.starts_with("- ") || rest.starts_with("* ") || rest.starts_with("+ ") {
        return Some(indent + 2);
    }
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && rest[digits..].starts_with(". ")).then_some(indent + digits + 2)
}

/// Indents the unindented continuation lines of Markdown list items ("lazy continuations"), which
/// rustdoc renders the same but clippy's `doc_lazy_continuation` rejects.
fn indent_list_continuations(text: &str) -> Vec<String> {
    let mut item_width: Option<usize> = None;
    text.lines()
        .map(|line| {
            if line.trim().is_empty() {
                item_width = None;
                return String::new();
            }
            if let Some(width) = list_marker_width(line) {
                item_width = Some(width);
                return line.to_string();
            }
            let indent = line.len() - line.trim_start().len();
            match item_width {
                Some(width) if indent < width => {
                    format!("{}{}", " ".repeat(width), line.trim_start())
                }
                _ => line.to_string(),
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_lazy_list_continuations() {
        let text = "Intro\n- item one\ncontinued\n\n1. first\nmore\nplain";
        assert_eq!(
            indent_list_continuations(text),
            [
                "Intro",
                "- item one",
                "  continued",
                "",
                "1. first",
                "   more",
                "   plain"
            ]
        );
    }
}
