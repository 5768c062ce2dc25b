//! Diagnostics drawn with miette's graphical handler (source snippets, Unicode, optional
//! colours): what `mqttgen check` and `mqttgen generate` print. The library renders the same
//! diagnostics as plain text (`Loaded::render`), so build scripts need no miette.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use mqttgen_codegen::diagnostics::{Diagnostic, Location, Severity};
use mqttgen_codegen::spec::Loaded;

/// All diagnostics of `loaded`, with ANSI colours when `colour` (for terminals).
pub fn render(loaded: &Loaded, colour: bool) -> String {
    loaded
        .diagnostics
        .iter()
        .map(|d| render_diagnostic(loaded, d, colour))
        .collect()
}

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

/// One diagnostic: its header (`file:line:column: error[code] at /pointer`), then miette's report.
fn render_diagnostic(loaded: &Loaded, d: &Diagnostic, colour: bool) -> String {
    let header = loaded.header(d);
    let (source, labels) = match loaded.snippet(d) {
        Some(snippet) => (
            Some(Window::around(
                snippet.name,
                snippet.text,
                &snippet.location,
                CONTEXT_LINES,
            )),
            vec![LabeledSpan::new_with_span(
                None,
                (snippet.location.offset, snippet.location.length),
            )],
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
