//! A [`Report`] as human text, JSON (for machines) or Markdown (for a pull-request comment).

use std::fmt::Write as _;

use serde_json::json;

use super::semver::Bump;
use super::{Change, Class, Report};

/// The output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Plain text, one block per change.
    #[default]
    Human,
    /// One JSON object.
    Json,
    /// A Markdown table and summary, for a pull-request comment.
    Markdown,
}

/// Renders `report` comparing `old` and `new` (their display names).
pub fn render(report: &Report, old: &str, new: &str, format: Format) -> String {
    match format {
        Format::Human => human(report, old, new),
        Format::Json => {
            serde_json::to_string_pretty(&to_json(report, old, new)).unwrap_or_default() + "\n"
        }
        Format::Markdown => markdown(report, old, new),
    }
}

const ORDER: [Class; 4] = [
    Class::WireBreaking,
    Class::ApiBreaking,
    Class::Compatible,
    Class::DocsOnly,
];

/// `3 changes: 1 wire-breaking, 2 docs-only` (or `no changes`).
pub fn counts(report: &Report) -> String {
    if report.changes.is_empty() {
        return "no changes".to_string();
    }
    let parts: Vec<String> = ORDER
        .iter()
        .filter(|c| report.count(**c) > 0)
        .map(|c| format!("{} {}", report.count(*c), c.as_str()))
        .collect();
    format!(
        "{} change{}: {}",
        report.changes.len(),
        if report.changes.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// The `info.version` sentence.
pub fn version_line(report: &Report) -> String {
    let v = &report.version;
    let needed = v.needed.unwrap_or(Bump::None);
    let largest = report.largest().map_or("nothing", Class::as_str);
    let mut line = format!(
        "info.version `{}` → `{}`; largest change: {largest}; the generated crate needs {}",
        v.old,
        v.new,
        match needed {
            Bump::None => "no new version".to_string(),
            bump => format!("a {} bump", bump.as_str()),
        }
    );
    if let Some(suggested) = &v.suggested {
        let _ = write!(line, " (suggested: {suggested})");
    }
    line.push_str(if v.sufficient {
        ""
    } else {
        " — NEW's version is not bumped enough"
    });
    line
}

fn human(report: &Report, old: &str, new: &str) -> String {
    let mut out = format!("mqttgen diff {old} → {new}\n");
    if report.formats.0 != report.formats.1 {
        let _ = writeln!(
            out,
            "(AsyncAPI {} → {}: the format version alone is not a contract change)",
            report.formats.0, report.formats.1
        );
    }
    for change in &report.changes {
        out.push('\n');
        let _ = writeln!(
            out,
            "{}: {}: {} [{}]",
            change.class.label(),
            change.subject,
            change.message,
            change.code
        );
        if let Some(old) = &change.old {
            let _ = writeln!(out, "  old: {old}");
        }
        if let Some(new) = &change.new {
            let _ = writeln!(out, "  new: {new}");
        }
        if let Some(why) = &change.why {
            let _ = writeln!(out, "  why: {why}");
        }
        if let Some(rust) = &change.rust {
            let _ = writeln!(out, "  rust: {rust}");
        }
    }
    let _ = writeln!(out, "\n{}", counts(report));
    let _ = writeln!(out, "{}", version_line(report));
    out
}

fn change_json(change: &Change) -> serde_json::Value {
    let place = |p: &Option<super::Place>| {
        p.as_ref().map(
            |p| json!({ "file": p.file, "line": p.line, "column": p.column, "pointer": p.pointer }),
        )
    };
    json!({
        "class": change.class.as_str(),
        "code": change.code,
        "subject": change.subject,
        "message": change.message,
        "why": change.why,
        "rust": change.rust,
        "old": place(&change.old),
        "new": place(&change.new),
    })
}

/// The report as one JSON object: `old`, `new`, `changes`, `counts`, `largest`, `version`.
pub fn to_json(report: &Report, old: &str, new: &str) -> serde_json::Value {
    let v = &report.version;
    json!({
        "old": old,
        "new": new,
        "asyncapi": { "old": report.formats.0, "new": report.formats.1 },
        "largest": report.largest().map(Class::as_str),
        "counts": ORDER.iter().map(|c| (c.as_str().to_string(), json!(report.count(*c)))).collect::<serde_json::Map<_, _>>(),
        "version": {
            "old": v.old,
            "new": v.new,
            "needed": v.needed.map(Bump::as_str),
            "made": v.made.map(Bump::as_str),
            "suggested": v.suggested,
            "sufficient": v.sufficient,
        },
        "changes": report.changes.iter().map(change_json).collect::<Vec<_>>(),
    })
}

/// `|` and newlines would break a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(report: &Report, old: &str, new: &str) -> String {
    let mut out = String::from("### mqttgen diff\n\n");
    let verdict = match report.largest() {
        Some(Class::WireBreaking) => "❌ **wire-breaking**: peers built on the old contract break",
        Some(Class::ApiBreaking) => "⚠️ **API-breaking** for the generated Rust crate",
        Some(Class::Compatible) => "✅ compatible",
        Some(Class::DocsOnly) => "✅ documentation only",
        None => "✅ no changes",
    };
    let _ = writeln!(out, "`{old}` → `{new}`: {verdict} ({}).\n", counts(report));
    let _ = writeln!(out, "{}\n", version_line(report));
    if report.changes.is_empty() {
        return out;
    }
    out.push_str("| Class | What | Change | Where (new) | Why / Rust |\n|---|---|---|---|---|\n");
    for change in &report.changes {
        let place = change
            .new
            .as_ref()
            .or(change.old.as_ref())
            .map_or(String::new(), |p| {
                format!("`{}:{}:{}` `{}`", p.file, p.line, p.column, p.pointer)
            });
        let notes: Vec<&str> = [change.why.as_deref(), change.rust.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            change.class.as_str(),
            cell(&change.subject),
            cell(&change.message),
            cell(&place),
            cell(&notes.join("; "))
        );
    }
    out
}
