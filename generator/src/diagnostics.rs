//! Diagnostics: what is wrong, how bad, where (file, JSON pointer, line:column) and what to do.
//!
//! Every stage (front end, payload types, service code) reports through [`Diagnostic`]; the front end
//! knows how to turn a [`NodeId`] into file:line:column and a source snippet when rendering.

use crate::model::{FileId, NodeId};

/// How bad a diagnostic is. Errors stop generation; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document cannot be used as written.
    Error,
    /// The document is usable, but something is probably not what the author meant.
    Warning,
}

/// One finding about a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short stable code, e.g. `ref-unresolved`, `param-undeclared`.
    pub code: &'static str,
    /// What is wrong, in the user's words.
    pub message: String,
    /// The offending node, when there is one.
    pub node: Option<NodeId>,
    /// What to do about it.
    pub help: Option<String>,
    /// File, line and column of the offending text; filled in by the front end from `node` (or set
    /// directly for findings that have no JSON pointer, such as YAML syntax errors).
    pub location: Option<Location>,
}

/// A place in a source file, for humans: 1-based line and column plus the byte range.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// The file (index into the source map / [`crate::model::Document::files`]).
    pub file: FileId,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// Byte offset of the start in the file's text.
    pub offset: usize,
    /// Length in bytes of the highlighted text (at least 1 when the file is not empty).
    pub length: usize,
}

impl Diagnostic {
    /// An error at `node`.
    pub fn error(code: &'static str, node: Option<NodeId>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            node,
            help: None,
            location: None,
        }
    }

    /// A warning at `node`.
    pub fn warning(code: &'static str, node: Option<NodeId>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            node,
            help: None,
            location: None,
        }
    }

    /// Adds advice on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the file:line:column directly (used when there is no JSON pointer, e.g. YAML syntax).
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
