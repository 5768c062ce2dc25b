//! Structure checks: the document, with its references resolved, against the official AsyncAPI
//! JSON Schema of its exact version ([`official`]), each schema error turned into a located
//! diagnostic with a sentence ([`explain`]).
//!
//! Problems the front end already reported at a node (a missing `asyncapi`, an unknown field, a
//! wrong type) are not reported a second time at or below that node.

mod explain;
pub mod official;
mod resolved;

use crate::diagnostics::Diagnostic;
use crate::spec::model::NodeId;
use crate::spec::refs::Files;
use crate::spec::yaml::Node;

pub use explain::Finding;

/// Checks the document rooted at `root` against the schema of AsyncAPI `version`; nothing for a
/// version without a vendored schema. `reported` are the diagnostics found so far.
pub fn check(
    files: &Files,
    root: &Node,
    version: &str,
    reported: &[Diagnostic],
) -> Vec<Diagnostic> {
    let Some(validator) = official::validator(version) else {
        return Vec::new();
    };
    let resolved = resolved::resolve(files, root);
    if validator.is_valid(&resolved.value) {
        return Vec::new();
    }
    let findings = explain::findings(validator.iter_errors(&resolved.value));
    let mut out = Vec::new();
    for finding in findings {
        if resolved
            .kept_refs
            .iter()
            .any(|r| within(&finding.pointer, r))
        {
            continue;
        }
        let node = resolved::locate(files, root, &finding.pointer);
        let id = files.id(node);
        if reported
            .iter()
            .any(|d| d.is_error() && covers(d.node.as_ref(), &id))
        {
            continue;
        }
        out.push(
            Diagnostic::error(finding.code, Some(id), finding.message)
                .with_help(format!("AsyncAPI {version} schema; see https://www.asyncapi.com/docs/reference/specification/v{version}")),
        );
    }
    out
}

/// True when `pointer` is `base` or below it.
fn within(pointer: &str, base: &str) -> bool {
    pointer == base
        || (pointer.starts_with(base) && pointer.as_bytes().get(base.len()) == Some(&b'/'))
}

/// True when an error reported at `node` covers a finding at `id` (same node or an ancestor).
fn covers(node: Option<&NodeId>, id: &NodeId) -> bool {
    node.is_some_and(|n| n.file == id.file && within(&id.pointer, &n.pointer))
}
