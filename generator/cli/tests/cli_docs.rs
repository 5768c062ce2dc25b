//! `mqttgen docs` as a user runs it: a site for a good spec, exit 1 and nothing written for a
//! broken one, exit 2 for a missing file. (The pages themselves are tested in
//! `generator/tests/docs_*.rs`.)

use std::path::{Path, PathBuf};

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_docs_command_writes_a_site_or_says_why_not() {
    let run = |spec: &Path, out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mqttgen"))
            .arg("docs")
            .arg(spec)
            .arg("-o")
            .arg(out)
            .output()
            .expect("run mqttgen docs")
    };
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let ok = run(&root().join("specs/streetlights.yaml"), &site);
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("wrote index.html"));
    for file in ["index.html", "style.css", "script.js"] {
        assert!(site.join(file).is_file(), "{file}");
    }

    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "asyncapi: 3.0.0\ninfo: {title: x}\nchannels: 7\n").unwrap();
    let not_written = dir.path().join("not-written");
    let errors = run(&broken, &not_written);
    assert_eq!(errors.status.code(), Some(1), "{errors:?}");
    let stdout = String::from_utf8_lossy(&errors.stdout);
    assert!(
        stdout.contains("broken.yaml") && stdout.contains("no docs written"),
        "{stdout}"
    );
    assert!(!not_written.exists(), "nothing written for a broken spec");

    let missing = run(&dir.path().join("missing.yaml"), &not_written);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}
