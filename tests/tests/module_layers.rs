//! Layers without circles (#17): no module of the runtime or the generator imports a module that
//! imports it back, directly or through others.
//!
//! Read from the source text: every `crate::m`, `super::m` (from a sibling) and re-exported name
//! (`crate::{Publisher, ..}` through `lib.rs`'s `pub use m::..`) outside comments and `mod tests`
//! counts as an import of `m`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The code of a file: comment lines dropped, the `#[cfg(test)] mod tests` at its end cut off.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `.rs` file of module `name` in `dir` (`name.rs`, and `name/**` when a folder).
fn files_of(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = dir.join(format!("{name}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut stack = vec![dir.join(name)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The modules directly in `dir` (not `lib.rs`, `main.rs` or `mod.rs`).
fn modules(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let name = path.file_stem()?.to_str()?.to_string();
            let module = path.is_dir() || path.extension().is_some_and(|e| e == "rs");
            (module && !["lib", "main", "mod"].contains(&name.as_str())).then_some(name)
        })
        .collect()
}

/// The identifiers following each occurrence of `prefix` (`crate::` → `app`, `{A, b::C}`...).
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let first = item.trim().split("::").next().unwrap_or("");
                names.push(first.trim().to_string());
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            names.push(rest[..end].to_string());
        }
    }
    names
}

/// `pub use m::{A, B};` in `lib.rs`: name → module.
fn reexports(lib: &Path) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for statement in code(lib).split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.rsplit("::").next().unwrap_or("").trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                map.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    map
}

/// Module → the sibling modules it imports. `path` names `dir` as seen from the crate root
/// (`crate` or e.g. `crate::service`).
fn graph(dir: &Path, path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(dir);
    let lib = dir.join("lib.rs");
    let reexports = if path == "crate" && lib.is_file() {
        reexports(&lib)
    } else {
        BTreeMap::new()
    };
    let mut edges = BTreeMap::new();
    for module in &modules {
        let mut targets = BTreeSet::new();
        for file in files_of(dir, module) {
            let text = code(&file);
            let direct = file.parent() == Some(dir) || file == dir.join(module).join("mod.rs");
            let mut names = names_after(&text, &format!("{path}::"));
            if direct {
                names.extend(names_after(&text, "super::"));
            }
            for name in names {
                let target = reexports.get(&name).cloned().unwrap_or(name);
                if modules.contains(&target) && &target != module {
                    targets.insert(target);
                }
            }
        }
        edges.insert(module.clone(), targets);
    }
    edges
}

/// One import circle of `edges`, as `a → b → a`, if there is any.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle.join(" → "));
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

fn assert_no_circle(dir: &str, path: &str) {
    let edges = graph(&workspace().join(dir), path);
    assert!(edges.len() > 2, "{dir}: modules not found");
    if let Some(found) = circle(&edges) {
        panic!("{dir}: import circle {found}\nimports: {edges:#?}");
    }
}

#[test]
fn the_runtime_has_no_import_circle() {
    assert_no_circle("runtime/src", "crate");
    assert_no_circle("runtime/src/transport", "crate::transport");
    assert_no_circle("runtime/src/asyncapi", "crate::asyncapi");
}

#[test]
fn the_generator_has_no_import_circle() {
    assert_no_circle("generator/src", "crate");
    assert_no_circle("generator/src/service", "crate::service");
    assert_no_circle("generator/src/spec", "crate::spec");
    assert_no_circle("generator/src/reader", "crate::reader");
    assert_no_circle("generator/src/types", "crate::types");
    assert_no_circle("generator/src/diff", "crate::diff");
    assert_no_circle("generator/src/docs", "crate::docs");
    assert_no_circle("generator/src/spec/structure", "crate::spec::structure");
}

#[test]
fn the_layers_read_in_order() {
    let runtime = graph(&workspace().join("runtime/src"), "crate");
    let imports = |m: &str| runtime.get(m).cloned().unwrap_or_default();
    // Metrics, hooks and the connection state are below every layer that reports to them.
    for low in ["metrics", "hooks", "state"] {
        assert!(!imports(low).contains("app"), "{low} imports app");
        for layer in ["transport", "driver", "dispatch", "publish", "request"] {
            assert!(!imports(low).contains(layer), "{low} imports {layer}");
        }
    }
    for layer in ["driver", "dispatch", "publish", "request", "transport"] {
        assert!(!imports(layer).contains("app"), "{layer} imports app");
    }
    assert!(!imports("transport").contains("driver"));
    assert!(!imports("config").contains("transport"));
    let generator = graph(&workspace().join("generator/src"), "crate");
    let g = |m: &str| generator.get(m).cloned().unwrap_or_default();
    assert!(g("model").is_empty(), "the model imports {:?}", g("model"));
    for upper in ["spec", "types", "service", "asyncapi_doc", "pipeline"] {
        assert!(!g("reader").contains(upper), "the reader imports {upper}");
    }
}

/// The check finds a circle when there is one (so the tests above can fail).
#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("lib.rs"), "pub use b::Thing;\n").unwrap();
    fs::write(dir.path().join("a.rs"), "use crate::Thing;\n").unwrap();
    fs::write(
        dir.path().join("b.rs"),
        "pub struct Thing;\nuse crate::c::X;\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("c.rs"),
        "// crate::b in a comment is no import\npub struct X;\n",
    )
    .unwrap();
    assert_eq!(circle(&graph(dir.path(), "crate")), None);
    fs::write(
        dir.path().join("c.rs"),
        "pub struct X;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    )
    .unwrap();
    assert_eq!(circle(&graph(dir.path(), "crate")), None);
    fs::write(
        dir.path().join("c.rs"),
        "pub struct X;\nfn f() { crate::a::g() }\n",
    )
    .unwrap();
    assert_eq!(
        circle(&graph(dir.path(), "crate")).as_deref(),
        Some("a → b → c → a")
    );
}
