//! Spec text made safe for the docs page: Markdown rendered with raw HTML shown as text, links
//! limited to http(s), mailto and in-page anchors, and stable anchors for every item.
//!
//! Everything else on the page goes through minijinja's HTML autoescaping; the HTML produced here is
//! the only markup the templates mark as safe, so it must never carry spec-authored markup.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// True for a link target the page may point to: `http://`, `https://`, `mailto:` or `#anchor`.
/// Everything else (`javascript:`, `data:`, `file:`, relative paths, protocol-relative `//host`)
/// is refused; leading whitespace and control characters do not hide a scheme.
pub fn safe_link(target: &str) -> bool {
    let target = target.trim_start_matches(|c: char| c.is_whitespace() || c.is_control());
    if target.chars().any(char::is_control) {
        return false;
    }
    let lower = target.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
}

/// Renders spec Markdown to HTML that is inert: raw HTML (block and inline) becomes escaped text,
/// links with a refused target keep only their text, images become links to their source (never
/// loaded: the page fetches nothing) or plain text.
pub fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut dropped_links = Vec::new();
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_link(&dest_url);
            dropped_links.push(!keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => {
            let dropped = dropped_links.pop().unwrap_or(true);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_link(&dest_url);
            dropped_links.push(!keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Image) => {
            let dropped = dropped_links.pop().unwrap_or(true);
            (!dropped).then_some(Event::End(TagEnd::Link))
        }
        // Footnote and math extensions are off; everything else is ordinary, escaped Markdown.
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() + text.len() / 4);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Markdown of an optional text; empty when absent or blank.
pub fn markdown_opt(text: Option<&str>) -> String {
    match text {
        Some(text) if !text.trim().is_empty() => markdown(text),
        _ => String::new(),
    }
}

/// A stable, unique HTML id for an item: `{kind}-{name}` with every character outside
/// `[A-Za-z0-9.-]` written `_{hex}_`, so distinct names never share an anchor and the anchor needs
/// no URL escaping in `href="#..."`.
pub fn anchor(kind: &str, name: &str) -> String {
    let mut out = String::with_capacity(kind.len() + name.len() + 1);
    out.push_str(kind);
    out.push('-');
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = markdown("hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn links_are_limited() {
        let html = markdown("[a](javascript:alert(1)) [b](https://x.test) [c](#op-x) [d]( JaVaScRiPt:x) [e](mailto:a@b.c) [f](data:text/html,x) ![g](javascript:y)");
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("href=\"https://x.test\""), "{html}");
        assert!(html.contains("href=\"#op-x\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains('a') && html.contains('g'));
    }

    #[test]
    fn anchors_are_injective_and_plain() {
        assert_eq!(anchor("op", "receiveLight"), "op-receiveLight");
        assert_ne!(anchor("c", "a/b"), anchor("c", "a_2f_b"));
        assert!(anchor("c", "a b\"<")
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    }
}
