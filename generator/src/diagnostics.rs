//! Diagnostics: what is wrong, how bad, where (file, JSON pointer, line:column) and what to do.
//!
//! Every stage (front end, payload types, service code) reports through [`Diagnostic`]; the front end
//! knows how to turn a [`NodeId`] into file:line:column and a source snippet when rendering.

use crate::spec::model::NodeId;

/// How bad a diagnostic is. Errors stop generation; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
        }
    }

    /// Adds advice on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
