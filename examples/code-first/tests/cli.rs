//! The `asyncapi` binary (what `mqttgen export` runs): formats, versions, `--check`, errors.

use std::process::Command;

fn asyncapi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_asyncapi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run the asyncapi binary")
}

#[test]
fn prints_yaml_by_default_and_json_on_request() {
    let out = asyncapi(&[]);
    assert!(out.status.success());
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(yaml, std::fs::read_to_string("asyncapi.yaml").unwrap());

    let out = asyncapi(&["--format", "json", "--version", "3.1.0"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["asyncapi"], "3.1.0");
}

#[test]
fn check_and_output() {
    assert!(asyncapi(&["--check", "asyncapi.yaml"]).status.success());
    let dir = std::env::temp_dir().join(format!("code-first-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("doc.json");
    let out = asyncapi(&["--output", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.starts_with("{\n  \"asyncapi\": \"3.0.0\""),
        "format from extension"
    );
    std::fs::write(&file, "{}").unwrap();
    let out = asyncapi(&["--check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/asyncapi: file has (absent)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_exit_2_with_usage() {
    let out = asyncapi(&["--version", "2.6.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use 3.0.0 or 3.1.0"));
}
