//! Every detail of a located YAML tree as text — ids, positions, values, keys and key indexes —
//! so two trees compare with one `assert_eq` (the YAML parts and fast-path tests).

#![allow(dead_code)] // each including test uses part of it

use std::fmt::Write as _;

use mqttgen_codegen::spec::yaml::{Node, Value};

/// Every detail of a tree as text (key indexes sorted), so two trees compare with one `assert_eq`.
pub fn dump(node: &Node) -> String {
    let mut out = String::new();
    let mut stack = vec![(node, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        let _ = write!(
            out,
            "{:depth$}#{}..{} f{} @{}:{}:{} ",
            "", node.id, node.last, node.file, node.pos.offset, node.pos.line, node.pos.column
        );
        match &node.value {
            Value::Map(entries) => {
                let mut index: Vec<_> = node
                    .key_index
                    .iter()
                    .flat_map(|i| i.iter().map(|(k, v)| (k.clone(), *v)))
                    .collect();
                index.sort();
                let _ = writeln!(out, "map index={index:?}");
                for entry in entries.iter().rev() {
                    stack.push((&entry.value, depth + 2));
                }
                for entry in entries {
                    let p = entry.key_pos;
                    let _ = writeln!(
                        out,
                        "{:depth$}  key {:?} @{}:{}:{}",
                        "", entry.key, p.offset, p.line, p.column
                    );
                }
            }
            Value::Seq(items) => {
                let _ = writeln!(out, "seq {}", items.len());
                stack.extend(items.iter().rev().map(|i| (i, depth + 2)));
            }
            other => {
                let _ = writeln!(out, "{other:?}");
            }
        }
    }
    out
}
