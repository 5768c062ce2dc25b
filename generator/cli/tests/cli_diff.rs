//! `mqttgen diff` as a user runs it: exit codes by `--fail-on`, the three formats, `REV:path`
//! through `git show` (multi-file too), and documents that do not load.

#[path = "../../tests/support/inputs.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::corpus;

fn mqttgen(args: &[&str], dir: Option<&Path>) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mqttgen"));
    command.args(args).env("NO_COLOR", "1");
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let out = command.output().expect("run mqttgen");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn pair(name: &str) -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs/diff")
        .join(name);
    let file = |side: &str| -> PathBuf {
        let single = dir.join(format!("{side}.yaml"));
        if single.is_file() {
            single
        } else {
            dir.join(side).join("asyncapi.yaml")
        }
    };
    (
        file("old").display().to_string(),
        file("new").display().to_string(),
    )
}

#[test]
fn exit_codes_follow_fail_on() {
    let (old, new) = pair("docs-only");
    assert_eq!(
        mqttgen(&["diff", &old, &new], None).0,
        0,
        "docs-only passes by default"
    );
    assert_eq!(
        mqttgen(&["diff", &old, &new, "--fail-on", "any"], None).0,
        1
    );
    let (old, new) = pair("receive-required-added");
    let (code, out) = mqttgen(&["diff", &old, &new], None);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "wire-breaking for peers: message `reading` payload: property `note` is now required"
        ),
        "{out}"
    );
    assert!(
        out.contains("why: the application receives this message (operation `receiveReading`)"),
        "{out}"
    );
    assert!(
        out.contains("needs a major bump (suggested: 2.0.0)"),
        "{out}"
    );
    assert_eq!(
        mqttgen(&["diff", &old, &new, "--fail-on", "none"], None).0,
        0
    );
    let (old, new) = pair("send-new-optional-property");
    assert_eq!(
        mqttgen(&["diff", &old, &new], None).0,
        0,
        "compatible passes"
    );
    assert_eq!(
        mqttgen(&["diff", &old, &new, "--fail-on", "any"], None).0,
        1
    );
    let (old, new) = pair("identical");
    let (code, out) = mqttgen(&["diff", &old, &new, "--fail-on", "any"], None);
    assert_eq!(code, 0);
    assert!(out.contains("no changes"), "{out}");
}

#[test]
fn json_and_markdown_carry_the_same_findings() {
    let (old, new) = pair("send-enum-value-added");
    let (code, out) = mqttgen(&["diff", &old, &new, "--format", "json"], None);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["largest"], "wire-breaking");
    let change = &json["changes"][0];
    assert_eq!(change["code"], "enum-value-added");
    assert_eq!(
        change["new"]["pointer"],
        "/components/schemas/Command/properties/mode/enum"
    );
    assert!(change["new"]["line"].as_u64().unwrap() > 0);
    assert!(change["old"]["file"]
        .as_str()
        .unwrap()
        .ends_with("old.yaml"));
    assert_eq!(json["version"]["suggested"], "2.0.0");
    let (_, md) = mqttgen(&["diff", &old, &new, "--format", "markdown"], None);
    assert!(md.contains("❌ **wire-breaking**"), "{md}");
    assert!(
        md.contains(
            "| wire-breaking | message `command` payload `mode` | enum gains `\"fault\"` |"
        ),
        "{md}"
    );
}

#[test]
fn a_document_that_does_not_load_gets_checks_diagnostics_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  c: {address: 'a/{x}', messages: {m: {payload: {$ref: '#/nowhere'}}}}\n").unwrap();
    let (old, _) = pair("identical");
    let (code, out) = mqttgen(&["diff", &old, broken.to_str().unwrap()], None);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("broken.yaml:4:"),
        "located like `check`: {out}"
    );
    assert!(out.contains("error"), "{out}");
    assert!(
        out.contains("cannot compare documents that do not load"),
        "{out}"
    );
    let (code, out) = mqttgen(
        &["diff", &old, broken.to_str().unwrap(), "--format", "json"],
        None,
    );
    assert_eq!(code, 2, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["documents"][0]["errors"], 1, "{out}");
    assert_eq!(json["documents"][0]["diagnostics"][0]["line"], 4, "{out}");
    let (code, out) = mqttgen(&["diff", &old, "/no/such/spec.yaml"], None);
    assert_eq!(code, 2, "{out}");
    let (code, _) = mqttgen(&["diff", &old], None);
    assert_eq!(code, 2, "usage error");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn old_may_be_a_git_revision_with_its_referenced_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (old, new) = pair("multi-file-receive-narrowed");
    let old_dir = Path::new(&old).parent().unwrap();
    let new_dir = Path::new(&new).parent().unwrap();
    std::fs::create_dir(root.join("specs")).unwrap();
    for file in ["asyncapi.yaml", "schemas.yaml"] {
        std::fs::copy(old_dir.join(file), root.join("specs").join(file)).unwrap();
    }
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-qm", "v1"]);
    // The working tree moves on: only the referenced schemas file changes.
    std::fs::copy(
        new_dir.join("schemas.yaml"),
        root.join("specs/schemas.yaml"),
    )
    .unwrap();
    let (code, out) = mqttgen(
        &["diff", "HEAD:specs/asyncapi.yaml", "specs/asyncapi.yaml"],
        Some(root),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("old: HEAD:specs/schemas.yaml:8:12 #/Level/maximum"),
        "the revision's file is named: {out}"
    );
    assert!(
        out.contains("new: specs/schemas.yaml:8:12 #/Level/maximum"),
        "{out}"
    );
    assert!(out.contains("`maximum` `100` becomes `50`"), "{out}");
    let (code, out) = mqttgen(
        &[
            "diff",
            "HEAD:specs/asyncapi.yaml",
            "HEAD:specs/asyncapi.yaml",
        ],
        Some(root),
    );
    assert_eq!((code, out.contains("no changes")), (0, true), "{out}");
    let (code, out) = mqttgen(
        &[
            "diff",
            "nosuchrev:specs/asyncapi.yaml",
            "specs/asyncapi.yaml",
        ],
        Some(root),
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("git show"), "{out}");
}

#[test]
fn the_readme_report_is_what_mqttgen_diff_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (code, out) = mqttgen(
        &[
            "diff",
            "specs/diff/streetlights-release/old.yaml",
            "specs/diff/streetlights-release/new.yaml",
        ],
        Some(&root),
    );
    assert_eq!(code, 1, "{out}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(out.trim_end()),
        "README's `mqttgen diff` report is stale; the tool prints:\n{out}"
    );
}

#[test]
fn the_cli_exits_0_for_a_corpus_document_against_itself() {
    let Some(dir) = corpus() else { return };
    let spec = dir.join("asyncapi-spec__social-media/backend/asyncapi.yaml");
    let spec = spec.to_str().unwrap();
    let root = dir.to_str().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mqttgen"))
        .args(["diff", spec, spec, "--fail-on", "any", "--ref-root", root])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("no changes"), "{text}");
}
