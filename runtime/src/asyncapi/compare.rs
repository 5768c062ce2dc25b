//! Comparing a document with a committed file: [`assert_matches_file`] for users' CI.

use super::model::Document;
use super::yaml::{parse, value_to_string, Format};
use serde_json::Value;
use std::path::Path;

/// Environment variable that makes [`assert_matches_file`] write the file instead of comparing.
pub const UPDATE_ENV: &str = "MQTTGEN_UPDATE";

/// One difference between two documents, at a JSON pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// JSON pointer of the differing value (`""` for the root).
    pub path: String,
    /// The value in the expected (committed) document, if present there.
    pub expected: Option<Value>,
    /// The value in the actual (exported) document, if present there.
    pub actual: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            Some(v) => v.to_string(),
            None => "(absent)".to_owned(),
        };
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{path}: file has {}, code exports {}",
            show(&self.expected),
            show(&self.actual)
        )
    }
}

/// Every path where `expected` and `actual` differ (key order is ignored).
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_into("", expected, actual, &mut out);
    out
}

fn diff_into(path: &str, expected: &Value, actual: &Value, out: &mut Vec<Difference>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let child = format!("{path}/{}", super::refs::escape_segment(key));
                match a.get(key) {
                    Some(av) => diff_into(&child, ev, av, out),
                    None => out.push(Difference {
                        path: child,
                        expected: Some(ev.clone()),
                        actual: None,
                    }),
                }
            }
            for (key, av) in a {
                if !e.contains_key(key) {
                    out.push(Difference {
                        path: format!("{path}/{}", super::refs::escape_segment(key)),
                        expected: None,
                        actual: Some(av.clone()),
                    });
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_into(&format!("{path}/{i}"), ev, av, out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(Difference {
            path: path.to_owned(),
            expected: Some(expected.clone()),
            actual: Some(actual.clone()),
        }),
    }
}

/// Checks that `doc` equals the AsyncAPI file at `path` (YAML, or JSON for `.json`), comparing
/// parsed values so formatting and key order do not matter.
///
/// Panics with the list of differing JSON pointers when they differ, when the file is missing
/// or when the document cannot be exported. With `MQTTGEN_UPDATE=1` the file is (re)written
/// instead. Relative paths are relative to the current directory (the package root under
/// `cargo test`).
#[track_caller]
pub fn assert_matches_file(doc: &Document, path: impl AsRef<Path>) {
    if let Err(message) = check_file(doc, path.as_ref()) {
        panic!("{message}");
    }
}

/// [`assert_matches_file`] without panicking: `Err` holds the readable report.
pub fn check_file(doc: &Document, path: &Path) -> Result<(), String> {
    let format = Format::for_path(path);
    let actual = doc
        .to_value()
        .map_err(|e| format!("cannot export the AsyncAPI document: {e}"))?;
    if std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1") {
        let text = value_to_string(&actual, format).map_err(|e| e.to_string())?;
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current != text {
            std::fs::write(path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {}: {e}\nrun with {UPDATE_ENV}=1 to create it",
            path.display()
        )
    })?;
    let expected =
        parse(&text).map_err(|e| format!("{} is not valid YAML/JSON: {e}", path.display()))?;
    // Normalise the exported value the same way the file went (text and back).
    let actual_text = value_to_string(&actual, format).map_err(|e| e.to_string())?;
    let actual = parse(&actual_text).map_err(|e| e.to_string())?;
    let diffs = differences(&expected, &actual);
    if diffs.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 40;
    let mut report = format!(
        "the exported AsyncAPI document differs from {} at {} path(s):\n",
        path.display(),
        diffs.len()
    );
    for d in diffs.iter().take(SHOWN) {
        report.push_str(&format!("  {d}\n"));
    }
    if diffs.len() > SHOWN {
        report.push_str(&format!("  ... and {} more\n", diffs.len() - SHOWN));
    }
    report.push_str(&format!(
        "if the change is intended, run the test again with {UPDATE_ENV}=1 to update the file"
    ));
    Err(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_paths() {
        let e = json!({"a": {"b/c": 1, "d": [1, 2]}, "x": true});
        let a = json!({"x": true, "a": {"b/c": 2, "d": [1, 3], "n": null}});
        let d: Vec<String> = differences(&e, &a).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            d,
            [
                "/a/b~1c: file has 1, code exports 2",
                "/a/d/1: file has 2, code exports 3",
                "/a/n: file has (absent), code exports null"
            ]
        );
        assert!(differences(&e, &e).is_empty());
    }
}
