//! Specs as untrusted input (issue #23): external `$ref`s stay inside the ref root (the spec's
//! folder unless widened), only regular files are read, and reads are capped. Each refusal is a
//! located error (`file:line:column` and JSON pointer of the `$ref`), returned fast: a regression
//! that reads a device or a FIFO fails through the time guard instead of hanging the suite.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mqttgen_codegen::spec::{load_file_with, LoadOptions, Loaded};
use mqttgen_codegen::Builder;

/// The text of the file outside the tree; it must never appear in any output.
const SECRET: &str = "TOP-SECRET-TOKEN-7f3a";

/// Time guard for a single load or CLI run on a tiny spec (a hang fails instead of blocking).
const GUARD: Duration = Duration::from_secs(1);
/// A CLI run also starts a process; on a busy machine that alone can take a moment.
const CLI_GUARD: Duration = Duration::from_secs(10);

/// A spec whose only payload is `$ref: <reference>` (line 8, column 25).
fn spec_with_ref(reference: &str) -> String {
    format!(
        "asyncapi: 3.0.0
info: {{title: Leak, version: '1'}}
channels:
  c:
    address: c
    messages:
      m:
        payload: {{$ref: '{reference}'}}
operations:
  op:
    action: receive
    channel: {{$ref: '#/channels/c'}}
"
    )
}

/// The `$ref` of [`spec_with_ref`] as diagnostics show it.
const REF_AT: &str = "asyncapi.yaml:8:25: error[";
const REF_POINTER: &str = "at /channels/c/messages/m/payload/$ref";

/// `dir/secret.yaml` (outside the tree) and `dir/tree/asyncapi.yaml` referring to `reference`.
struct Layout {
    _dir: tempfile::TempDir,
    outer: PathBuf,
    tree: PathBuf,
    entry: PathBuf,
}

fn layout(reference: impl Fn(&Path) -> String) -> Layout {
    let dir = tempfile::tempdir().unwrap();
    let outer = fs::canonicalize(dir.path()).unwrap();
    fs::write(
        outer.join("secret.yaml"),
        format!("Secret: {{type: object, description: '{SECRET}'}}\n"),
    )
    .unwrap();
    let tree = outer.join("tree");
    fs::create_dir_all(&tree).unwrap();
    let entry = tree.join("asyncapi.yaml");
    fs::write(&entry, spec_with_ref(&reference(&outer))).unwrap();
    Layout {
        _dir: dir,
        outer,
        tree,
        entry,
    }
}

/// Loads on another thread and fails when that takes longer than [`GUARD`].
fn load_guarded(entry: &Path, options: LoadOptions) -> (Loaded, Duration) {
    let (send, receive) = mpsc::channel();
    let entry = entry.to_path_buf();
    std::thread::spawn(move || {
        let started = Instant::now();
        let loaded = load_file_with(&entry, &options);
        let _ = send.send((loaded, started.elapsed()));
    });
    receive
        .recv_timeout(GUARD)
        .unwrap_or_else(|_| panic!("loading did not finish within {GUARD:?}"))
}

/// Runs the built `mqttgen`; kills it and fails when it runs longer than [`CLI_GUARD`].
fn mqttgen(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqttgen"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mqttgen");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > CLI_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mqttgen {args:?} still running after {CLI_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The one error of `loaded`, asserted to be `code`, located at the `$ref`.
fn single_located_error(loaded: &Loaded, code: &str) -> String {
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{}", loaded.render());
    assert_eq!(errors[0].code, code, "{}", loaded.render());
    let pointer = errors[0].node.as_ref().map(|n| n.pointer.as_str());
    assert_eq!(pointer, Some("/channels/c/messages/m/payload/$ref"));
    let location = errors[0].location.as_ref().expect("a located error");
    assert_eq!((location.line, location.column), (8, 25));
    let rendered = loaded.render();
    assert!(rendered.contains(REF_AT), "{rendered}");
    assert!(rendered.contains(REF_POINTER), "{rendered}");
    rendered
}

/// Only the entry was read: no file outside the tree is among the sources.
fn read_only_the_entry(loaded: &Loaded) {
    let paths: Vec<_> = loaded.sources.files.iter().map(|f| &f.path).collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(
        loaded
            .sources
            .files
            .iter()
            .all(|f| !f.text.contains(SECRET)),
        "the secret was read"
    );
}

/// How a case writes the `$ref` to the secret, given the folder above the tree.
type RefTo = fn(&Path) -> String;

#[test]
fn relative_absolute_and_file_url_escapes_are_refused_and_nothing_leaks() {
    let cases: [(&str, RefTo); 3] = [
        ("relative", |_| "../secret.yaml#/Secret".to_string()),
        ("absolute", |outer| {
            format!("{}#/Secret", outer.join("secret.yaml").display())
        }),
        ("file URL", |outer| {
            format!("file://{}#/Secret", outer.join("secret.yaml").display())
        }),
    ];
    for (case, reference) in cases {
        let layout = layout(reference);
        let (loaded, took) = load_guarded(&layout.entry, LoadOptions::default());
        let rendered = single_located_error(&loaded, "ref-outside-root");
        read_only_the_entry(&loaded);
        // The message names the ref, the file it leads to and the root; the help says how to widen.
        assert!(
            rendered.contains("secret.yaml#/Secret"),
            "{case}: {rendered}"
        );
        assert!(
            rendered.contains(&format!("outside the ref root `{}`", layout.tree.display())),
            "{case}: {rendered}"
        );
        assert!(rendered.contains("--ref-root DIR"), "{case}: {rendered}");
        assert!(!rendered.contains(SECRET), "{case}: {rendered}");
        eprintln!("{case}: refused in {took:?}");

        // The same through the CLI: `check` and `generate` fail, nothing is generated, and the
        // secret's text is in no output.
        let entry = layout.entry.to_str().unwrap();
        let (code, text) = mqttgen(&["check", entry]);
        assert_eq!(code, 1, "{case}: {text}");
        assert!(text.contains("error[ref-outside-root]"), "{case}: {text}");
        assert!(text.contains(REF_POINTER), "{case}: {text}");
        let out = layout.outer.join("out");
        let (code, text) = mqttgen(&["generate", entry, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 1, "{case}: {text}");
        assert!(text.contains("error[ref-outside-root]"), "{case}: {text}");
        assert!(!text.contains(SECRET), "{case}: {text}");
        assert!(!out.exists(), "{case}: nothing is generated");
    }
}

#[test]
fn a_symlink_inside_the_tree_that_points_outside_is_refused() {
    let layout = layout(|_| "link.yaml#/Secret".to_string());
    std::os::unix::fs::symlink(
        layout.outer.join("secret.yaml"),
        layout.tree.join("link.yaml"),
    )
    .unwrap();
    let (loaded, _) = load_guarded(&layout.entry, LoadOptions::default());
    let rendered = single_located_error(&loaded, "ref-outside-root");
    read_only_the_entry(&loaded);
    // The message shows where the link really leads.
    assert!(
        rendered.contains(&layout.outer.join("secret.yaml").display().to_string()),
        "{rendered}"
    );

    // A symlinked folder inside the tree is no way out either.
    fs::create_dir(layout.outer.join("elsewhere")).unwrap();
    fs::write(
        layout.outer.join("elsewhere/s.yaml"),
        format!("Secret: {{description: '{SECRET}'}}\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(layout.outer.join("elsewhere"), layout.tree.join("shared")).unwrap();
    fs::write(&layout.entry, spec_with_ref("shared/s.yaml#/Secret")).unwrap();
    let (loaded, _) = load_guarded(&layout.entry, LoadOptions::default());
    single_located_error(&loaded, "ref-outside-root");
    read_only_the_entry(&loaded);

    // A symlink that stays inside the tree is followed as before.
    fs::write(layout.tree.join("real.yaml"), "S: {type: string}\n").unwrap();
    std::os::unix::fs::symlink(
        layout.tree.join("real.yaml"),
        layout.tree.join("alias.yaml"),
    )
    .unwrap();
    fs::write(&layout.entry, spec_with_ref("alias.yaml#/S")).unwrap();
    let (loaded, _) = load_guarded(&layout.entry, LoadOptions::default());
    assert!(!loaded.has_errors(), "{}", loaded.render());
    // So are an absolute path and a `file://` URL inside the tree.
    for reference in [
        format!("{}#/S", layout.tree.join("real.yaml").display()),
        format!("file://{}#/S", layout.tree.join("real.yaml").display()),
    ] {
        fs::write(&layout.entry, spec_with_ref(&reference)).unwrap();
        let (loaded, _) = load_guarded(&layout.entry, LoadOptions::default());
        assert!(!loaded.has_errors(), "{reference}: {}", loaded.render());
        assert_eq!(loaded.sources.files.len(), 2, "{reference}");
    }
}

#[test]
fn devices_are_refused_without_reading() {
    for device in ["/dev/zero", "/dev/urandom"] {
        let layout = layout(|_| format!("{device}#/A"));
        // Outside the default root...
        let (loaded, took) = load_guarded(&layout.entry, LoadOptions::default());
        single_located_error(&loaded, "ref-outside-root");
        read_only_the_entry(&loaded);
        // ...and not a regular file even with the whole file system as the root.
        let (loaded, took_wide) = load_guarded(&layout.entry, LoadOptions::with_ref_root("/"));
        let rendered = single_located_error(&loaded, "ref-not-a-file");
        assert!(rendered.contains("a character device"), "{rendered}");
        read_only_the_entry(&loaded);
        eprintln!("{device}: refused in {took:?} / {took_wide:?}");

        let (code, text) = mqttgen(&["check", layout.entry.to_str().unwrap()]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("error[ref-outside-root]"), "{text}");
        let (code, text) = mqttgen(&["check", "--ref-root", "/", layout.entry.to_str().unwrap()]);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("error[ref-not-a-file]"), "{text}");
    }
    // A device as the spec itself is an I/O error (exit 2), not a hang.
    let (code, text) = mqttgen(&["check", "/dev/zero"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not a regular file"), "{text}");
}

#[test]
fn a_fifo_is_refused_without_opening_it_for_reading() {
    let layout = layout(|_| "pipe.yaml#/A".to_string());
    let fifo = layout.tree.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // Nobody ever writes to the FIFO: opening it for reading would block for good.
    let (loaded, took) = load_guarded(&layout.entry, LoadOptions::default());
    let rendered = single_located_error(&loaded, "ref-not-a-file");
    assert!(rendered.contains("a FIFO"), "{rendered}");
    eprintln!("FIFO: refused in {took:?}");
    let (code, text) = mqttgen(&["check", layout.entry.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[ref-not-a-file]"), "{text}");
}

#[test]
fn files_over_the_caps_are_not_read() {
    let layout = layout(|_| "big.yaml#/A".to_string());
    let big = format!("A: {{description: '{}'}}\n", "x".repeat(2000));
    fs::write(layout.tree.join("big.yaml"), &big).unwrap();

    // The default cap (16 MiB) reads it.
    let (loaded, _) = load_guarded(&layout.entry, LoadOptions::default());
    assert!(!loaded.has_errors(), "{}", loaded.render());

    // A 1 KiB cap per file refuses it, unread.
    let small = LoadOptions {
        max_file_bytes: 1024,
        ..LoadOptions::default()
    };
    let (loaded, took) = load_guarded(&layout.entry, small);
    let rendered = single_located_error(&loaded, "ref-too-large");
    assert!(rendered.contains("1 KiB cap per file"), "{rendered}");
    read_only_the_entry(&loaded);
    eprintln!("over the cap: refused in {took:?}");

    // The cap on the total: the entry fits, the entry and the referenced file together do not.
    let entry_len = fs::metadata(&layout.entry).unwrap().len();
    let total = LoadOptions {
        max_total_bytes: entry_len + 1000,
        ..LoadOptions::default()
    };
    let (loaded, _) = load_guarded(&layout.entry, total);
    let rendered = single_located_error(&loaded, "ref-too-large");
    assert!(rendered.contains("cap on all files"), "{rendered}");
    read_only_the_entry(&loaded);

    // So do build.rs's.
    let build_out = tempfile::tempdir().unwrap();
    let capped = |builder: Builder| {
        builder
            .out_dir(build_out.path())
            .generate_to(&mut Vec::new())
            .expect_err("over the cap")
            .to_string()
    };
    let report = capped(Builder::new(&layout.entry).max_file_size(1024));
    assert!(report.contains("error[ref-too-large]"), "{report}");
    let report = capped(Builder::new(&layout.entry).max_total_size(entry_len + 1000));
    assert!(report.contains("error[ref-too-large]"), "{report}");

    // The CLI flags set the same caps.
    let entry = layout.entry.to_str().unwrap();
    let (code, text) = mqttgen(&["check", "--max-file-size", "1KiB", entry]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[ref-too-large]"), "{text}");
    let (code, text) = mqttgen(&["check", "--max-total-size", "1KiB", entry]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("error[ref-too-large]"), "{text}");
    let (code, text) = mqttgen(&["check", entry]);
    assert_eq!(code, 0, "{text}");
    // An entry over the cap is an I/O error.
    let (code, text) = mqttgen(&["check", "--max-file-size", "100", entry]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("cap per file"), "{text}");
}

#[test]
fn ref_root_widens_the_root_on_the_cli_and_in_build_rs() {
    let layout = layout(|_| "../secret.yaml#/Secret".to_string());
    let entry = layout.entry.to_str().unwrap();
    let outer = layout.outer.to_str().unwrap();
    let (code, text) = mqttgen(&["check", "--ref-root", outer, entry]);
    assert_eq!(code, 0, "{text}");
    let out = layout.outer.join("out");
    let out_str = out.to_str().unwrap();
    let (code, text) = mqttgen(&["generate", "--ref-root", outer, entry, "-o", out_str]);
    assert_eq!(code, 0, "{text}");
    let lib = fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(lib.contains(SECRET), "the widened root reads the file");

    // A root that does not hold the spec is a usage error, not a silent narrowing.
    let (code, text) = mqttgen(&["check", "--ref-root", out_str, entry]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not inside the ref root"), "{text}");

    // build.rs: the default refuses, `Builder::ref_root` widens.
    let build_out = tempfile::tempdir().unwrap();
    let refused = Builder::new(&layout.entry)
        .out_dir(build_out.path())
        .generate_to(&mut Vec::new())
        .expect_err("the escape is refused");
    let report = refused.to_string();
    assert!(report.contains("error[ref-outside-root]"), "{report}");
    assert!(!report.contains(SECRET), "{report}");
    let mut directives = Vec::new();
    let built = Builder::new(&layout.entry)
        .ref_root(&layout.outer)
        .out_dir(build_out.path())
        .generate_to(&mut directives)
        .unwrap();
    assert!(fs::read_to_string(&built.file).unwrap().contains(SECRET));
    // The file read gets its rerun line, as every `$ref`ed file does.
    let directives = String::from_utf8(directives).unwrap();
    assert!(
        directives.contains("secret.yaml") && directives.contains("cargo:rerun-if-changed="),
        "{directives}"
    );
}

#[test]
fn the_specs_of_this_repository_load_with_the_default_root() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for spec in [
        "specs/fleet/asyncapi.yaml",
        "specs/streetlights.yaml",
        "specs/device-config.yaml",
    ] {
        let (loaded, _) = load_guarded(&root.join(spec), LoadOptions::default());
        assert!(!loaded.has_errors(), "{spec}: {}", loaded.render());
    }
    let (loaded, _) = load_guarded(
        &root.join("specs/fleet/asyncapi.yaml"),
        LoadOptions::default(),
    );
    assert_eq!(
        loaded.sources.files.len(),
        2,
        "fleet reads its schemas.yaml"
    );
}
