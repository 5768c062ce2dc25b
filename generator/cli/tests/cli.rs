//! `mqttgen check` as a user runs it: output, summary line, `--format json` and exit codes.

use std::path::Path;
use std::process::Command;

fn mqttgen(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mqttgen"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mqttgen");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spec(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn clean_document_exits_0_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.yaml");
    std::fs::write(
        &path,
        "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  c: {address: c, messages: {m: {payload: {type: string}}}}\noperations:\n  o: {action: receive, channel: {$ref: '#/channels/c'}}\n",
    )
    .unwrap();
    let (code, stdout, _) = mqttgen(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains(
            "AsyncAPI 3.0.0, 0 servers, 1 channel, 1 operation, 1 message; 0 errors, 0 warnings"
        ),
        "{stdout}"
    );
}

#[test]
fn errors_exit_1_with_located_snippets() {
    let path = spec("invalid/ref-unresolved-local.yaml");
    let (code, stdout, _) = mqttgen(&["check", &path]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("ref-unresolved-local.yaml:9:15: error[ref-unresolved] at /channels/a/publish/message/$ref"), "{stdout}");
    assert!(
        stdout.contains("$ref: '#/components/messages/Missing'"),
        "{stdout}"
    );
    assert!(stdout.contains("1 error, 0 warnings"), "{stdout}");
}

#[test]
fn json_format_is_machine_readable() {
    let path = spec("invalid/duplicate-keys.yaml");
    let (code, stdout, _) = mqttgen(&["check", "--format", "json", &path]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let doc = &json["documents"][0];
    assert_eq!(doc["errors"], 2);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["code"], "yaml-duplicate-key");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(8), Some(5))
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(mqttgen(&["check"]).0, 2);
    assert_eq!(mqttgen(&["frobnicate"]).0, 2);
    let (code, stdout, _) = mqttgen(&["check", "/nonexistent/spec.yaml"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("cannot read"), "{stdout}");
    assert_eq!(mqttgen(&["--help"]).0, 0);
}

#[test]
fn ambiguous_shared_levels_and_indistinguishable_messages_are_warned_about() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/service-fidelity-2.6.yaml")
        .display()
        .to_string();
    let (code, stdout, _) = mqttgen(&["check", &fixture]);
    assert_eq!(code, 0, "warnings only: {stdout}");
    assert!(stdout.contains("warning[address-shared-level]"), "{stdout}");
    assert!(
        stdout.contains("parameter `a` shares a level of address `cfg/{a}.{b}`"),
        "{stdout}"
    );
    // `b` ends the level; `major` and `minor` are non-negative integers, which hold no `.`.
    assert!(!stdout.contains("parameter `b`"), "{stdout}");
    assert!(!stdout.contains("parameter `major`"), "{stdout}");
    // Typed messages ahead of a single catch-all can all be received.
    assert!(!stdout.contains("messages-indistinguishable"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two-open.yaml");
    std::fs::write(
        &path,
        "asyncapi: 3.0.0\ninfo: {title: T, version: '1'}\nchannels:\n  c:\n    address: c\n    \
         messages:\n      a: {payload: {description: anything}}\n      b: {payload: {type: object}}\n\
         operations:\n  r: {action: receive, channel: {$ref: '#/channels/c'}}\n",
    )
    .unwrap();
    let (code, stdout, _) = mqttgen(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("warning[messages-indistinguishable]"),
        "{stdout}"
    );
    assert!(stdout.contains("`c.b` is never received"), "{stdout}");
}
