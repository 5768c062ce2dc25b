//! `specs/diff/*`: every pair of our own is classified as the `expected.txt` next to it says.
//!
//! Each pair folder holds `old.yaml` and `new.yaml` (or `old/asyncapi.yaml` and `new/asyncapi.yaml`
//! for multi-file specs) and `expected.txt`: a `# what it shows` line, `exit N` (the exit code
//! under the default `--fail-on breaking`), then one `class code subject` line per change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mqttgen_codegen::diff::{diff, Class, FailOn, Side};
use mqttgen_codegen::spec::load_file;

fn pairs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/diff")
}

/// The entry documents of a pair.
fn entries(dir: &Path) -> (PathBuf, PathBuf) {
    let pick = |side: &str| {
        let single = dir.join(format!("{side}.yaml"));
        if single.is_file() {
            single
        } else {
            dir.join(side).join("asyncapi.yaml")
        }
    };
    (pick("old"), pick("new"))
}

struct Expected {
    exit: u8,
    changes: Vec<(String, String, String)>,
}

fn expected(dir: &Path) -> Expected {
    let text = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
    let mut exit = None;
    let mut changes = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(code) = line.strip_prefix("exit ") {
            exit = Some(code.parse().unwrap());
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let class = parts.next().unwrap().to_string();
        assert!(Class::parse(&class).is_some(), "unknown class in {line}");
        let code = parts.next().unwrap().to_string();
        let subject = parts.next().unwrap_or("").to_string();
        changes.push((class, code, subject));
    }
    changes.sort();
    Expected {
        exit: exit.unwrap_or_else(|| panic!("{}: no `exit` line", dir.display())),
        changes,
    }
}

fn pair_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(pairs_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_pair_is_classified_as_expected_and_located_in_both_documents() {
    let dirs = pair_dirs();
    assert!(dirs.len() >= 40, "only {} pairs", dirs.len());
    let mut failures = Vec::new();
    let mut classes_seen = BTreeSet::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (old_path, new_path) = entries(dir);
        let (old, new) = (load_file(&old_path), load_file(&new_path));
        assert!(!old.has_errors(), "{name}/old:\n{}", old.render());
        assert!(!new.has_errors(), "{name}/new:\n{}", new.render());
        let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
        let want = expected(dir);
        let mut got: Vec<(String, String, String)> = report
            .changes
            .iter()
            .map(|c| {
                (
                    c.class.as_str().to_string(),
                    c.code.to_string(),
                    c.subject.clone(),
                )
            })
            .collect();
        got.sort();
        if got != want.changes {
            failures.push(format!(
                "{name}:\n  want {:#?}\n  got  {:#?}",
                want.changes, got
            ));
        }
        let exit = report.exit_code(FailOn::Breaking);
        if exit != want.exit {
            failures.push(format!("{name}: exit {exit}, want {}", want.exit));
        }
        for change in &report.changes {
            classes_seen.insert(change.class);
            for (side, place) in [("old", &change.old), ("new", &change.new)] {
                let place = place.as_ref().unwrap_or_else(|| {
                    panic!("{name}: `{}` has no place in {side}", change.message)
                });
                assert!(place.line >= 1 && place.column >= 1, "{name}: {place}");
                assert!(
                    place.file.contains(&name),
                    "{name}: {place} is not in the pair"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(classes_seen.len(), 4, "every class is shown by some pair");
}

#[test]
fn every_schema_rule_is_shown_in_both_directions() {
    let names: BTreeSet<String> = pair_dirs()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let mut rules = 0;
    for name in &names {
        if let Some(rule) = name.strip_prefix("receive-") {
            if rule.starts_with("parameter") || rule == "content-type" || rule == "message-added" {
                continue;
            }
            rules += 1;
            assert!(names.contains(&format!("send-{rule}")), "no send-{rule}");
        }
        if let Some(rule) = name.strip_prefix("send-") {
            if rule == "message-added" {
                continue;
            }
            assert!(
                names.contains(&format!("receive-{rule}")),
                "no receive-{rule}"
            );
        }
    }
    assert!(rules >= 20, "{rules} rules in both directions");
}

#[test]
fn a_change_is_located_at_its_keyword_in_both_files() {
    let dir = pairs_dir().join("multi-file-receive-narrowed");
    let (old_path, new_path) = entries(&dir);
    let (old, new) = (load_file(&old_path), load_file(&new_path));
    let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
    let change = &report.changes[0];
    for place in [change.old.as_ref().unwrap(), change.new.as_ref().unwrap()] {
        assert!(place.file.ends_with("schemas.yaml"), "{place}");
        assert_eq!(place.pointer, "/Level/maximum");
        assert_eq!((place.line, place.column), (8, 12), "{place}");
    }
    assert_eq!(change.class, Class::WireBreaking);
    assert!(change.why.as_deref().unwrap().contains("receives"));
}

#[test]
fn the_version_verdict_follows_the_largest_change() {
    let load = |name: &str| {
        let (o, n) = entries(&pairs_dir().join(name));
        (load_file(&o), load_file(&n))
    };
    let (old, new) = load("docs-only");
    let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
    assert_eq!(report.largest(), Some(Class::DocsOnly));
    assert!(
        report.version.sufficient,
        "1.0.0 → 1.0.1 is enough for docs"
    );
    let (old, new) = load("receive-required-added");
    let report = diff(Side::of(&old).unwrap(), Side::of(&new).unwrap());
    assert!(!report.version.sufficient);
    assert_eq!(report.version.suggested.as_deref(), Some("2.0.0"));
}
