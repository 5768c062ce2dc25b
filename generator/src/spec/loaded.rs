//! The result of loading a document: the model, the diagnostics and the sources to render them.

use std::fmt::Write as _;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostics::{Diagnostic, Location, Severity};
use crate::spec::model::Document;
use crate::spec::source::SourceMap;

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

    /// All diagnostics as human text with source snippets (no colours).
    pub fn render(&self) -> String {
        self.render_styled(false)
    }

    /// All diagnostics as human text with source snippets, with ANSI colours when `colour` (for
    /// terminals).
    pub fn render_styled(&self, colour: bool) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&render_diagnostic(&self.sources, d, colour));
        }
        out
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
/// Lines of source shown before and after the offending line.
const CONTEXT_LINES: usize = 1;

/// The lines around one location, handed to miette without copying or rescanning the whole file
/// (a document with thousands of findings renders in linear time).
#[derive(Debug)]
struct Window<'t> {
    name: String,
    text: &'t str,
    /// Byte offset where the window starts (a line start).
    start: usize,
    /// Byte offset where the window ends (a line end).
    end: usize,
    /// 0-based line number of `start`.
    first_line: usize,
}

impl<'t> Window<'t> {
    /// `context` lines before and after the line holding `location`.
    fn around(name: &str, text: &'t str, location: &Location, context: usize) -> Self {
        let offset = location.offset.min(text.len());
        let bytes = text.as_bytes();
        let mut start = offset;
        let mut lines_back = 0;
        while start > 0 {
            if bytes[start - 1] == b'\n' {
                if lines_back == context {
                    break;
                }
                lines_back += 1;
            }
            start -= 1;
        }
        let mut end = offset;
        let mut lines_forward = 0;
        while end < bytes.len() {
            if bytes[end] == b'\n' {
                if lines_forward == context {
                    break;
                }
                lines_forward += 1;
            }
            end += 1;
        }
        // Keep the window on character boundaries.
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Window {
            name: name.to_string(),
            text,
            start,
            end,
            first_line: (location.line as usize).saturating_sub(1 + lines_back),
        }
    }
}

impl SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let window = self.text.get(self.start..self.end).unwrap_or("");
        let offset = span.offset().saturating_sub(self.start).min(window.len());
        let length = span.len().min(window.len() - offset);
        let inner = window.read_span(&(offset, length).into(), before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            (inner.span().offset() + self.start, inner.span().len()).into(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[derive(Debug)]
struct Report<'t> {
    message: String,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<Window<'t>>,
    labels: Vec<LabeledSpan>,
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// Renders one diagnostic with miette's graphical handler (Unicode, no colours), preceded by its
/// `file:line:column` and JSON pointer.
pub fn render_one(sources: &SourceMap, d: &Diagnostic) -> String {
    render_diagnostic(sources, d, false)
}

fn render_diagnostic(sources: &SourceMap, d: &Diagnostic, colour: bool) -> String {
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
    // A snippet of a very long line (minified JSON) would drown the message; show none.
    let snippet_fits = |l: &Location, text: &str| {
        let start = text
            .get(..l.offset)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = text
            .get(l.offset..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| l.offset + i);
        end.saturating_sub(start) <= MAX_SNIPPET_LINE
    };
    let place = loc
        .as_ref()
        .and_then(|l| Some((l, sources.file(l.file)?)))
        .filter(|(l, file)| snippet_fits(l, &file.text));
    let (source, labels) = match place {
        Some((l, file)) => (
            Some(Window::around(&file.name, &file.text, l, CONTEXT_LINES)),
            vec![LabeledSpan::new_with_span(None, (l.offset, l.length))],
        ),
        None => (None, Vec::new()),
    };
    let report = Report {
        message: d.message.clone(),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: d.help.clone(),
        source,
        labels,
    };
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(CONTEXT_LINES);
    let mut body = String::new();
    if handler.render_report(&mut body, &report).is_err() {
        body = format!("  × {}\n", d.message);
    }
    format!("{header}\n{body}\n")
}
