//! Helpers of the `mqttgen docs` tests: render a spec, run headless Chromium, read its DOM.

#![allow(dead_code)]

#[path = "../support/inputs.rs"]
mod inputs;

use std::path::{Path, PathBuf};
use std::process::Command;

use mqttgen_codegen::spec::model::Document;
use mqttgen_codegen::spec::{load_file_with, LoadOptions};

/// The repository root, and whether CI runs (where a missing tool or corpus is a failure).
#[allow(unused_imports)] // not every including crate uses all three
pub use inputs::{corpus, under_ci as ci, workspace_root as root};

/// Loads `path` (ref root `ref_root`), panicking with the diagnostics on errors.
pub fn load(path: &Path, ref_root: &Path) -> Document {
    let loaded = load_file_with(path, &LoadOptions::with_ref_root(ref_root));
    assert!(
        !loaded.has_errors(),
        "{} does not load:\n{}",
        path.display(),
        loaded.render()
    );
    loaded.document.expect("a document")
}

/// One element of a serialized DOM: tag name and attributes (values entity-decoded).
#[derive(Debug)]
pub struct Element {
    /// Lower-case tag name.
    pub tag: String,
    /// (lower-case name, decoded value).
    pub attributes: Vec<(String, String)>,
}

/// A serialized DOM (Chromium's `--dump-dom`), read back into elements and text.
///
/// In serialized HTML every `<` of text is written `&lt;`, so each literal `<` starts a tag;
/// attribute values are double-quoted with `"` written `&quot;`. That makes this small reader
/// exact for the serializer's output (not for arbitrary HTML).
#[derive(Debug, Default)]
pub struct Dom {
    /// Elements in document order.
    pub elements: Vec<Element>,
    /// The text content (outside `<script>`/`<style>`), entity-decoded, chunks joined by `\n`.
    pub text: String,
}

/// Decodes the entities the serializer (and minijinja's escaping) writes: the named basics and
/// numeric `&#NN;` / `&#xHH;`.
pub fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|&end| end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity.strip_prefix('#').and_then(|number| {
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

impl Dom {
    /// Reads `html`.
    pub fn parse(html: &str) -> Dom {
        let mut dom = Dom::default();
        let bytes = html.as_bytes();
        let mut i = 0;
        let mut raw_text_until: Option<String> = None;
        while i < bytes.len() {
            let next = html[i..].find('<').map_or(bytes.len(), |at| i + at);
            if raw_text_until.is_none() {
                dom.text.push_str(&decode(&html[i..next]));
                dom.text.push('\n');
            }
            if next >= bytes.len() {
                break;
            }
            i = next + 1;
            if html[i..].starts_with("!--") {
                i = html[i..].find("-->").map_or(bytes.len(), |at| i + at + 3);
                continue;
            }
            if html[i..].starts_with('!') || html[i..].starts_with('/') {
                let close = html[i..].find('>').map_or(bytes.len(), |at| i + at + 1);
                let name = html[i..close]
                    .trim_start_matches('/')
                    .trim_end_matches('>')
                    .to_ascii_lowercase();
                if raw_text_until.as_deref() == Some(name.trim()) {
                    raw_text_until = None;
                }
                i = close;
                continue;
            }
            let name_end = html[i..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map_or(bytes.len(), |at| i + at);
            let tag = html[i..name_end].to_ascii_lowercase();
            i = name_end;
            let mut attributes = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i] as char).is_whitespace() {
                    i += 1;
                }
                if i >= bytes.len() {
                    break;
                }
                if bytes[i] == b'>' {
                    i += 1;
                    break;
                }
                if bytes[i] == b'/' {
                    i += 1;
                    continue;
                }
                let end = html[i..]
                    .find(|c: char| c == '=' || c == '>' || c.is_whitespace())
                    .map_or(bytes.len(), |at| i + at);
                let name = html[i..end].to_ascii_lowercase();
                i = end;
                let mut value = String::new();
                if i < bytes.len() && bytes[i] == b'=' {
                    i += 1;
                    assert_eq!(bytes[i], b'"', "unquoted attribute value in serialized DOM");
                    let close = html[i + 1..].find('"').expect("closing quote") + i + 1;
                    value = decode(&html[i + 1..close]);
                    i = close + 1;
                }
                attributes.push((name, value));
            }
            if tag == "script" || tag == "style" {
                raw_text_until = Some(tag.clone());
            }
            dom.elements.push(Element { tag, attributes });
        }
        dom
    }

    /// The value of attribute `name` on the first `tag` element.
    pub fn attribute(&self, tag: &str, name: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|element| element.tag == tag)?
            .attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Elements the page's templates and inert Markdown produce; anything else came from a spec.
pub const ALLOWED_TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "title",
    "link",
    "script",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "div",
    "span",
    "input",
    "button",
    "nav",
    "a",
    "main",
    "section",
    "p",
    "dl",
    "dt",
    "dd",
    "article",
    "code",
    "ul",
    "ol",
    "li",
    "details",
    "summary",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "footer",
    "em",
    "strong",
    "del",
    "blockquote",
    "hr",
    "br",
    "i",
    "small",
];

/// Problems that would let spec text act: unknown elements, event handler attributes, link
/// targets other than http(s)/mailto/anchors, scripts other than the page's own.
pub fn inert_problems(dom: &Dom) -> Vec<String> {
    let mut problems = Vec::new();
    for element in &dom.elements {
        if !ALLOWED_TAGS.contains(&element.tag.as_str()) {
            problems.push(format!(
                "element <{}> {:?}",
                element.tag, element.attributes
            ));
        }
        for (name, value) in &element.attributes {
            if name.starts_with("on") {
                problems.push(format!("attribute {name}={value:?} on <{}>", element.tag));
            }
            if matches!(name.as_str(), "href" | "src" | "action" | "formaction") {
                let lower = value.trim().to_ascii_lowercase();
                let page_file = (element.tag == "link" && value == "style.css")
                    || (element.tag == "script" && value == "script.js");
                let ok = lower.starts_with("http://")
                    || lower.starts_with("https://")
                    || lower.starts_with("mailto:")
                    || lower.starts_with('#')
                    || page_file;
                if !ok {
                    problems.push(format!("{name}={value:?} on <{}>", element.tag));
                }
            }
        }
        if element.tag == "script"
            && element
                .attributes
                .iter()
                .all(|(name, value)| !(name == "src" && value == "script.js"))
        {
            problems.push(format!("script {:?}", element.attributes));
        }
    }
    problems
}

/// What a headless Chromium run of a page gave.
pub struct BrowserRun {
    /// The DOM after the page's script ran.
    pub dom: String,
    /// Console messages (`:CONSOLE` lines of Chromium's log).
    pub console: Vec<String>,
}

/// The Chromium binary, or `None` (with a message) when absent outside CI.
pub fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::var_os("PATH")
            .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    assert!(
        !ci(),
        "chromium is not installed (CI=true; .ci/run installs it)"
    );
    eprintln!("SKIPPED: chromium is not installed (apt-get install chromium)");
    None
}

/// Opens `page` once in headless Chromium (fresh profile, no network services): dumps the DOM
/// after the page's script ran, collects console messages and writes a screenshot.
pub fn open(chromium: &Path, page: &Path, screenshot: &Path) -> BrowserRun {
    let profile = tempfile::tempdir().expect("profile dir");
    let url = format!("file://{}", page.canonicalize().expect("page").display());
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1600",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}\n{stderr}",
        output.status
    );
    BrowserRun {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .map(str::to_string)
            .collect(),
    }
}
