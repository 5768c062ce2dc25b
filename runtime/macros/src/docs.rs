//! Doc comments → summary (first paragraph) and description (the rest).

use syn::{Attribute, Expr, Lit, Meta};

/// Summary and description from `///` comments; `None` when absent.
pub fn summary_and_description(attrs: &[Attribute]) -> (Option<String>, Option<String>) {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(expr) => match &expr.lit {
                    Lit::Str(s) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| {
            if s.is_empty() {
                vec![String::new()]
            } else {
                s.lines().map(str::to_owned).collect()
            }
        })
        .map(|l| l.strip_prefix(' ').unwrap_or(&l).trim_end().to_owned())
        .collect();
    let text = lines.join("\n");
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    let (first, rest) = match text.split_once("\n\n") {
        Some((first, rest)) => (first, rest.trim()),
        None => (text, ""),
    };
    let summary = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let description = (!rest.is_empty()).then(|| rest.to_owned());
    (Some(summary), description)
}
