//! The result of loading a document: the model, the diagnostics and the sources to render them.

use std::fmt::Write as _;

use crate::diagnostics::{Diagnostic, Location, Severity};
use crate::model::Document;
use crate::reader::source::SourceMap;

/// What [`crate::spec::load_file`] and [`crate::spec::load_str`] return.
#[derive(Debug)]
pub struct Loaded {
    /// The model, whenever the input could be turned into one (also with warnings, and with some
    /// errors); `None` when the entry file is not YAML/JSON or not a mapping.
    pub document: Option<Document>,
    /// Everything found, in a stable order (file, then position).
    pub diagnostics: Vec<Diagnostic>,
    /// The files read, to render diagnostics with source snippets.
    pub sources: SourceMap,
}

/// Counts of errors and warnings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
}

impl Loaded {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Errors and warnings.
    pub fn counts(&self) -> Counts {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        Counts {
            errors,
            warnings: self.diagnostics.len() - errors,
        }
    }

    /// All diagnostics as plain text with the offending lines (see [`render_one`]).
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| render_one(&self.sources, d))
            .collect()
    }

    /// The [`header`] of one diagnostic.
    pub fn header(&self, d: &Diagnostic) -> String {
        header(&self.sources, d)
    }

    /// The file text and place to show for `d`, when it is located and its line is short enough.
    pub fn snippet(&self, d: &Diagnostic) -> Option<Snippet<'_>> {
        snippet_at(&self.sources, location(&self.sources, d)?)
    }

    /// All diagnostics as a pretty-printed JSON array (see [`diagnostic_json`]).
    pub fn render_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_else(|_| "[]".to_string())
    }

    /// All diagnostics as a JSON array (see [`diagnostic_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        self.diagnostics
            .iter()
            .map(|d| diagnostic_json(&self.sources, d))
            .collect()
    }

    /// `file:line:column` of a diagnostic, when known.
    pub fn position(&self, d: &Diagnostic) -> Option<String> {
        let loc = location(&self.sources, d)?;
        Some(format!(
            "{}:{}:{}",
            self.sources.name(loc.file),
            loc.line,
            loc.column
        ))
    }
}

/// The location of a diagnostic: its own, or looked up from its node.
pub fn location(sources: &SourceMap, d: &Diagnostic) -> Option<Location> {
    d.location
        .clone()
        .or_else(|| d.node.as_ref().and_then(|n| sources.locate(n)))
}

/// One diagnostic as JSON: `severity`, `code`, `message`, `file`, `line`, `column`, `pointer`, `help`.
pub fn diagnostic_json(sources: &SourceMap, d: &Diagnostic) -> serde_json::Value {
    let loc = location(sources, d);
    let file = loc
        .as_ref()
        .map(|l| l.file)
        .or_else(|| d.node.as_ref().map(|n| n.file));
    serde_json::json!({
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "file": file.map(|f| sources.name(f).to_string()),
        "line": loc.as_ref().map(|l| l.line),
        "column": loc.as_ref().map(|l| l.column),
        "pointer": d.node.as_ref().map(|n| n.pointer.clone()),
        "help": d.help,
    })
}

/// Lines longer than this (bytes) are not shown as snippets.
const MAX_SNIPPET_LINE: usize = 400;

/// Where a diagnostic points and the text to show around it (see [`Loaded::snippet`]).
#[derive(Clone, Debug)]
pub struct Snippet<'a> {
    /// The file's name as shown to users.
    pub name: &'a str,
    /// The file's whole text.
    pub text: &'a str,
    /// The place in `text`.
    pub location: Location,
}

/// `file:line:column: error[code] at /pointer` (the parts that are known) for one diagnostic.
pub fn header(sources: &SourceMap, d: &Diagnostic) -> String {
    let loc = location(sources, d);
    let mut header = String::new();
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    match &loc {
        Some(l) => {
            let _ = write!(
                header,
                "{}:{}:{}: {kind}[{}]",
                sources.name(l.file),
                l.line,
                l.column,
                d.code
            );
        }
        None => {
            let _ = write!(header, "{kind}[{}]", d.code);
        }
    }
    if let Some(node) = &d.node {
        let pointer = if node.pointer.is_empty() {
            "/"
        } else {
            &node.pointer
        };
        let _ = write!(header, " at {pointer}");
    }
    header
}

/// Renders one diagnostic as plain text: its [`header`], the message, the offending line with a
/// caret under the place, and the help. (The `mqttgen` CLI draws the same with miette.)
pub fn render_one(sources: &SourceMap, d: &Diagnostic) -> String {
    let mut out = header(sources, d);
    let _ = write!(out, "\n  × {}\n", d.message);
    if let Some(snippet) = location(sources, d).and_then(|l| snippet_at(sources, l)) {
        let l = &snippet.location;
        let offset = l.offset.min(snippet.text.len());
        let line_start = snippet.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = snippet.text[offset..]
            .find('\n')
            .map_or(snippet.text.len(), |i| offset + i);
        let line = snippet.text[line_start..line_end].trim_end_matches('\r');
        let number = l.line.to_string();
        let pad = " ".repeat(number.len());
        let before = snippet.text[line_start..offset].chars().count();
        let width = snippet
            .text
            .get(offset..(offset + l.length).min(line_end))
            .map_or(1, |t| t.chars().count().max(1));
        let _ = write!(
            out,
            "   {number} │ {line}\n   {pad} · {}{}\n",
            " ".repeat(before),
            "^".repeat(width)
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  help: {help}");
    }
    out.push('\n');
    out
}

/// The file and place of `location`, unless its line is too long to show (a snippet of minified
/// JSON would drown the message).
fn snippet_at(sources: &SourceMap, l: Location) -> Option<Snippet<'_>> {
    let file = sources.file(l.file)?;
    let text = file.text.as_str();
    let start = text
        .get(..l.offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(l.offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| l.offset + i);
    (end.saturating_sub(start) <= MAX_SNIPPET_LINE).then_some(Snippet {
        name: &file.name,
        text,
        location: l,
    })
}
