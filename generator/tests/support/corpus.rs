//! Where the public AsyncAPI corpus is, for every test crate that reads it (one file, included
//! with `#[path]`: `generator`'s tests, `generator/cli`'s tests and `mqttgen_e2e`).
//!
//! The corpus is `$MQTTGEN_CORPUS`, else `<workspace>/../shared/specs/public`; it counts as
//! present when the folder holds its `SOURCES.md`. When it is absent, [`corpus`] says so and
//! returns `None` (the caller skips), except under CI (`CI=true`), where absence is a failure.
//! The workspace root is found from the including crate's manifest folder, so the file works
//! from any member crate.

#![allow(dead_code)] // each including crate uses part of it

use std::path::{Path, PathBuf};

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
