//! Whole-document checks that need the finished model.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::model::Document;

/// Runs every whole-document check.
pub fn run(doc: &Document) -> Vec<Diagnostic> {
    let mut out = duplicate_operation_ids(doc);
    out.extend(super::shared_levels::check(doc));
    out.extend(super::message_sets::check(doc));
    out
}

/// Two operations with the same id (2.x `operationId`s, or derived ids that collide).
pub fn duplicate_operation_ids(doc: &Document) -> Vec<Diagnostic> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, op) in doc.operations.iter().enumerate() {
        match first.get(op.id.as_str()) {
            Some(&j) => out.push(
                Diagnostic::error(
                    "operation-id-duplicate",
                    Some(op.node.clone()),
                    format!(
                        "operation id `{}` is used twice (first by the operation at `{}`)",
                        op.id, doc.operations[j].node.pointer
                    ),
                )
                .with_help("operation ids name generated functions; make them unique"),
            ),
            None => {
                first.insert(&op.id, i);
            }
        }
    }
    out
}
