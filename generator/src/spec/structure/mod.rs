//! Structure checks: the document, with its references resolved, against the official AsyncAPI
//! JSON Schema of its exact version ([`official`]), each schema error turned into a located
//! diagnostic with a sentence ([`explain`]); then the official parser's rules beyond the schema
//! ([`rules`]).
//!
//! Problems the front end already reported at a node (a missing `asyncapi`, an unknown field, a
//! wrong type) are not reported a second time at or below that node.

mod explain;
pub mod official;
mod resolved;
mod rules;
mod units;
mod view;

use crate::diagnostics::Diagnostic;
use crate::model::NodeId;
use crate::reader::refs::Files;
use crate::reader::yaml::Node;

pub use explain::Finding;

/// Checks the document rooted at `root` against the schema of AsyncAPI `version`; nothing for a
/// version without a vendored schema. `reported` are the diagnostics found so far.
pub fn check(
    files: &Files,
    root: &Node,
    version: &str,
    reported: &[Diagnostic],
) -> Vec<Diagnostic> {
    report(
        files,
        root,
        version,
        unlocated(files, root, version),
        reported,
    )
}

/// The schema's and the rules' findings on the document rooted at `root`, not yet located or
/// filtered: the part of [`check`] that needs nothing from the model, so it can run on another
/// thread while the model is built. `None` for a version without a vendored schema.
pub(crate) fn unlocated(files: &Files, root: &Node, version: &str) -> Option<Unlocated> {
    if let Some(targets) = view::Targets::of(files, root) {
        // Every reference would be expanded: validate the located tree through its references
        // instead of building the resolved copy (the same value, see [`view`]).
        let doc = targets.view(root);
        // The verdict from the schema cut into units, which validates each reference target
        // once; the errors, for a document that is not valid, from the whole schema.
        let valid = official::units(version).and_then(|units| units.is_valid(doc)) == Some(true);
        let mut findings = if valid {
            Vec::new()
        } else {
            explain::findings(official::view_validator(version)?.iter_errors(doc))
        };
        if rules::apply(version) {
            findings.extend(rules::run(&resolved::resolve(files, root).value, version));
        }
        return Some(Unlocated {
            findings,
            kept_refs: Vec::new(),
        });
    }
    official::validator(version)?;
    let resolved = resolved::resolve(files, root);
    Some(Unlocated {
        findings: findings(&resolved.value, version),
        kept_refs: resolved.kept_refs,
    })
}

/// The findings of [`unlocated`] (none for a version without a vendored schema).
pub(crate) fn unlocated_findings(files: &Files, root: &Node, version: &str) -> Vec<Finding> {
    unlocated(files, root, version).map_or_else(Vec::new, |u| u.findings)
}

/// What [`unlocated`] found.
pub(crate) struct Unlocated {
    findings: Vec<Finding>,
    kept_refs: Vec<String>,
}

/// The findings of [`unlocated`] as located diagnostics, leaving out those below a reference that
/// was left in place and those at or below a node where `reported` already has an error.
pub(crate) fn report(
    files: &Files,
    root: &Node,
    version: &str,
    found: Option<Unlocated>,
    reported: &[Diagnostic],
) -> Vec<Diagnostic> {
    let Some(Unlocated {
        findings,
        kept_refs,
    }) = found
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for finding in findings {
        if kept_refs.iter().any(|r| within(&finding.pointer, r)) {
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

/// The findings of the official schema of `version` and of the rules beyond it on an already
/// resolved document (see [`crate::spec::resolved_value`]); what [`check`] locates and reports.
pub fn findings(doc: &serde_json::Value, version: &str) -> Vec<Finding> {
    let Some(validator) = official::validator(version) else {
        return Vec::new();
    };
    let mut findings = if validator.is_valid(doc) {
        Vec::new()
    } else {
        explain::findings(validator.iter_errors(doc))
    };
    findings.extend(rules::run(doc, version));
    findings
}

/// The resolved JSON value of the document rooted at `root`.
pub(crate) fn resolved_value(files: &Files, root: &Node) -> serde_json::Value {
    resolved::resolve(files, root).value
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
