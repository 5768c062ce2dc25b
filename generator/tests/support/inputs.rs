//! The tests' inputs from outside the repository — the public AsyncAPI corpus and the official
//! AsyncAPI validator — for every test crate that uses them (one file, included with `#[path]`:
//! `generator`'s tests, `generator/cli`'s tests and `mqttgen_e2e`).
//!
//! The corpus is `$MQTTGEN_CORPUS`, else `<workspace>/../shared/specs/public`; it counts as
//! present when the folder holds its `SOURCES.md`. When it is absent, [`corpus`] says so and
//! returns `None` (the caller skips), except under CI (`CI=true`), where absence is a failure.
//! The workspace root is found from the including crate's manifest folder, so the file works
//! from any member crate.

#![allow(dead_code)] // each including crate uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// The root of the mqttgen workspace: the nearest ancestor of the including crate's manifest
/// folder whose `Cargo.toml` declares `[workspace]`.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or_else(|| panic!("no workspace Cargo.toml above {}", manifest_dir.display()))
        .to_path_buf()
}

/// True when running under CI (`CI=true` or `CI=1`), where missing test data is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Where the corpus is looked for: `$MQTTGEN_CORPUS`, else `<workspace>/../shared/specs/public`
/// (whether or not it is there).
pub fn corpus_path() -> PathBuf {
    match std::env::var_os("MQTTGEN_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/specs/public"),
    }
}

/// The corpus folder, or `None` after printing why (the caller skips) when it is absent; under
/// CI its absence panics.
pub fn corpus() -> Option<PathBuf> {
    let dir = corpus_path();
    if dir.join("SOURCES.md").is_file() {
        return Some(dir);
    }
    let message = format!(
        "the public AsyncAPI corpus is not at {} (set MQTTGEN_CORPUS to its folder)",
        dir.display()
    );
    assert!(!under_ci(), "{message}; under CI this is a failure");
    eprintln!("SKIPPED: {message}");
    None
}

/// The official AsyncAPI validator's folder (`tools/asyncapi-validate`, npm `@asyncapi/parser`),
/// installed with `npm install` when it is not yet; panics naming what is missing (Node.js, npm).
pub fn official_validator() -> PathBuf {
    let tool_dir = workspace_root().join("tools/asyncapi-validate");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "the official AsyncAPI validator needs Node.js (`node`); install Node 20 and npm"
    );
    if !tool_dir.join("node_modules/@asyncapi/parser").exists() {
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(&tool_dir)
            .status()
            .expect("run npm install (is npm installed?)");
        assert!(
            status.success(),
            "npm install --prefix {} failed",
            tool_dir.display()
        );
    }
    tool_dir
}
