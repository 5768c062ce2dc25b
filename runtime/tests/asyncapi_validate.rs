//! Every AsyncAPI document the export tests produce, plus the committed documents of the
//! code-first example, passes the official parser (`tools/asyncapi-validate`, npm
//! `@asyncapi/parser`) with zero errors. All files go through one `node` call.

mod asyncapi_fixtures;

use mqttgen::asyncapi::Format;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `target/exported-asyncapi/` of the target directory this test binary was built in.
fn export_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test-binary>
    let target = exe.ancestors().nth(3).unwrap().to_owned();
    let dir = target.join("exported-asyncapi");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool_available(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs the validator's node_modules when missing; panics with a clear message when node
/// or npm are not installed.
fn ensure_validator(tool_dir: &Path) {
    assert!(
        tool_available("node"),
        "the official AsyncAPI validator needs Node.js (`node`), which is not installed; \
         install Node 20 and npm"
    );
    if tool_dir.join("node_modules/@asyncapi/parser").exists() {
        return;
    }
    assert!(
        tool_available("npm"),
        "{}/node_modules is missing and `npm` is not installed to create it; install npm or run \
         `npm install --prefix tools/asyncapi-validate`",
        tool_dir.display()
    );
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(tool_dir)
        .status()
        .expect("run npm install");
    assert!(
        status.success(),
        "npm install --prefix {} failed",
        tool_dir.display()
    );
}

#[test]
fn exported_documents_pass_the_official_parser() {
    let dir = export_dir();
    let mut files = Vec::new();
    for (i, (name, doc)) in asyncapi_fixtures::all_documents().into_iter().enumerate() {
        // JSON carries the same value as YAML; checking it once keeps the (slow) parser run short.
        let formats: &[Format] = if i == 0 {
            &[Format::Yaml, Format::Json]
        } else {
            &[Format::Yaml]
        };
        for &format in formats {
            let ext = if format == Format::Json {
                "json"
            } else {
                "yaml"
            };
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(&path, doc.render(format).unwrap()).unwrap();
            files.push(path);
        }
    }
    let example = repo_root().join("examples/code-first/asyncapi.yaml");
    assert!(example.exists(), "{} is missing", example.display());
    files.push(example);

    let tool_dir = repo_root().join("tools/asyncapi-validate");
    ensure_validator(&tool_dir);
    let output = Command::new("node")
        .arg(tool_dir.join("validate.mjs"))
        .args(&files)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in stdout.lines() {
        let report: serde_json::Value =
            serde_json::from_str(line).expect("validator prints JSON lines");
        checked += 1;
        if report["errors"] != 0 {
            failures.push(serde_json::to_string_pretty(&report).unwrap());
        }
        if report["warnings"] != 0 {
            eprintln!("warnings: {line}");
        }
    }
    assert!(
        failures.is_empty() && output.status.success(),
        "the official parser rejected exported documents:\n{}\nstderr: {}",
        failures.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        checked,
        files.len(),
        "one report per file; stdout:\n{stdout}"
    );
}
