//! `mqttgen docs`: the contract as a self-contained static HTML site.
//!
//! [`render`] turns a loaded [`Document`] (the same model `generate` reads) into an `index.html`,
//! a stylesheet and a small script (search and the sends/receives filter), from the minijinja
//! templates in the repository's `templates/docs/` (compiled in). The page loads nothing from the
//! network and opens from `file://`.
//!
//! Spec text is untrusted: every value is HTML-escaped by minijinja's autoescaping; descriptions
//! are Markdown rendered by [`text::markdown`] with raw HTML turned into text and links limited to
//! http(s), mailto and in-page anchors. The page's Content-Security-Policy allows only its own
//! script and stylesheet, so even a mistake in escaping could not run a spec's script.

pub mod schema;
pub mod text;
pub mod tree;
pub mod view;

use std::path::Path;

use minijinja::Environment;

use crate::model::Document;

const INDEX_HTML: &str = include_str!("../../../templates/docs/index.html");
const STYLE_CSS: &str = include_str!("../../../templates/docs/style.css");
const SCRIPT_JS: &str = include_str!("../../../templates/docs/script.js");

/// One file of the site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFile {
    /// Path relative to the site folder (`index.html`).
    pub path: &'static str,
    /// Contents.
    pub contents: String,
}

/// The rendered site.
#[derive(Clone, Debug)]
pub struct Site {
    /// `index.html`, `style.css`, `script.js`.
    pub files: Vec<SiteFile>,
}

impl Site {
    /// The contents of `path`, if the site has it.
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|file| file.path == path)
            .map(|file| file.contents.as_str())
    }

    /// Writes every file into `dir` (created when missing).
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for file in &self.files {
            std::fs::write(dir.join(file.path), &file.contents)?;
        }
        Ok(())
    }
}

/// minijinja's escaping formatter, except that strings are escaped for `&`, `<`, `>`, `"` and `'`
/// only: minijinja also writes every `/` as `&#x2f;`, which HTML does not need and which makes a
/// page of topic addresses markedly larger.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    let escaping = matches!(state.auto_escape(), minijinja::AutoEscape::Html);
    match value.as_str() {
        Some(text) if escaping && !value.is_safe() => {
            let mut escaped = String::with_capacity(text.len() + 8);
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#39;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped).map_err(minijinja::Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Renders the site of `doc`. Fails only on a template error (a bug of ours).
pub fn render(doc: &Document) -> Result<Site, minijinja::Error> {
    let page = view::page(doc);
    let mut env = Environment::new();
    // Names ending in `.html` are autoescaped (minijinja's default rule): every spec string.
    env.set_formatter(html_formatter);
    env.add_template("index.html", INDEX_HTML)?;
    let index = env
        .get_template("index.html")?
        .render(minijinja::Value::from_serialize(&page))?;
    Ok(Site {
        files: vec![
            SiteFile {
                path: "index.html",
                contents: index,
            },
            SiteFile {
                path: "style.css",
                contents: STYLE_CSS.to_string(),
            },
            SiteFile {
                path: "script.js",
                contents: SCRIPT_JS.to_string(),
            },
        ],
    })
}
