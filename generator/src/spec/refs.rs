//! `$ref` resolution: local JSON pointers, relative external files (read once each, transitively,
//! relative to the referencing file) and clear errors for remote references and cycles.
//!
//! Loading happens in two phases: [`Files::load_all`] reads the entry document and every file any
//! `$ref` reaches (so that later stages can borrow trees freely), then [`Files::resolve`] and
//! [`Files::deref`] resolve references without further I/O.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};

use percent_encoding::percent_decode_str;

use crate::diagnostics::Diagnostic;
use crate::spec::json;
use crate::spec::model::{FileId, NodeId};
use crate::spec::pointer;
use crate::spec::source::{child, SourceFile, SourceMap};
use crate::spec::yaml::{Node, Value};

/// Most `$ref` hops followed in one chain before reporting a cycle.
const MAX_REF_HOPS: usize = 64;

/// Reads a file's text; `std::fs::read_to_string` in production, a map in tests.
pub type Reader<'r> = &'r dyn Fn(&Path) -> io::Result<String>;

/// The files of one load and the outcome of each external file.
pub struct Files {
    /// Every file read, entry first.
    pub sources: SourceMap,
    /// Normalised path → file id, or why the file could not be used.
    by_path: HashMap<PathBuf, Result<FileId, String>>,
    /// Parse diagnostics per file, reported for the entry file and for external files when a
    /// reference into them is used.
    pub parse_diagnostics: Vec<Vec<Diagnostic>>,
    /// Files some reference was resolved into (their parse diagnostics are reported).
    used: RefCell<BTreeSet<FileId>>,
}

impl Files {
    /// Parses the entry text, then reads every file reachable through `$ref`s.
    pub fn load_all(entry_path: &Path, name: &str, text: String, read: Reader<'_>) -> Files {
        let mut files = Files {
            sources: SourceMap::default(),
            by_path: HashMap::new(),
            parse_diagnostics: Vec::new(),
            used: RefCell::new(BTreeSet::new()),
        };
        let key = normalise(entry_path);
        let id = files.push(key.clone(), name.to_string(), text);
        files.by_path.insert(key, Ok(id));
        let mut next = 0;
        while next < files.sources.files.len() {
            let refs = match &files.sources.files[next].root {
                Some(root) => external_refs(root),
                None => Vec::new(),
            };
            let base = files.sources.files[next].path.clone();
            for reference in refs {
                let Some(target) = external_path(&base, &reference) else {
                    continue;
                };
                if files.by_path.contains_key(&target) {
                    continue;
                }
                let outcome = match read(&target) {
                    Ok(text) => {
                        let name = target.display().to_string();
                        Ok(files.push(target.clone(), name, text))
                    }
                    Err(e) => Err(e.to_string()),
                };
                files.by_path.insert(target, outcome);
            }
            next += 1;
        }
        files
    }

    fn push(&mut self, path: PathBuf, name: String, text: String) -> FileId {
        let id = self.sources.files.len();
        let named_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = json::parse_document(&text, id, named_json);
        self.sources.files.push(SourceFile {
            path,
            name,
            text,
            root: parsed.root,
        });
        self.parse_diagnostics.push(parsed.diagnostics);
        id
    }

    /// Resolves `reference` written in the file of `from`; the node it names after following any
    /// `$ref`s met on the way along the pointer (but not a `$ref` at the target itself).
    // The error is the diagnostic to report; errors are rare, so its size does not matter.
    #[allow(clippy::result_large_err)]
    pub fn resolve<'a>(&'a self, from: &Node, reference: &str) -> Result<&'a Node, Diagnostic> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, p)) => (f, p),
            None => (reference, ""),
        };
        let file = if file_part.is_empty() {
            from.file
        } else {
            if is_remote(file_part) {
                return Err(Diagnostic::error(
                    "ref-remote",
                    None,
                    format!("remote reference `{reference}` is not fetched"),
                )
                .with_help(
                    "mqttgen never downloads files: save the file next to the spec and refer to it by a relative path",
                ));
            }
            let base = self
                .sources
                .file(from.file)
                .map(|f| f.path.clone())
                .unwrap_or_default();
            let path = external_path(&base, file_part).unwrap_or_default();
            match self.by_path.get(&path) {
                Some(Ok(id)) => *id,
                Some(Err(why)) => {
                    return Err(Diagnostic::error(
                        "ref-file",
                        None,
                        format!("cannot read `{}` for `{reference}`: {why}", path.display()),
                    ))
                }
                None => {
                    return Err(Diagnostic::error(
                        "ref-file",
                        None,
                        format!("cannot read `{}` for `{reference}`", path.display()),
                    ))
                }
            }
        };
        if file > 0 {
            // Only external files' parse diagnostics depend on use (the entry's are always shown).
            self.used.borrow_mut().insert(file);
        }
        let pointer = pointer::from_fragment(fragment)
            .map_err(|why| Diagnostic::error("ref-invalid", None, why))?;
        let Some(source) = self.sources.file(file) else {
            return Err(Diagnostic::error("ref-file", None, "unknown file"));
        };
        let Some(root) = source.root.as_ref() else {
            let first = self
                .parse_diagnostics
                .get(file)
                .and_then(|d| d.first())
                .map(|d| d.message.clone())
                .unwrap_or_default();
            return Err(Diagnostic::error(
                "ref-file",
                None,
                format!("`{}` could not be parsed: {first}", source.name),
            ));
        };
        let mut node = root;
        for segment in pointer::tokens(&pointer).into_iter().flatten() {
            let segment = segment.as_ref();
            let mut hops = 0;
            loop {
                if let Some(next) = child(node, segment) {
                    node = next;
                    break;
                }
                // Step through a `$ref` on the way (`#/channels/x/messages/y` where `x` is a ref).
                match ref_of(node) {
                    Some(inner) if hops < MAX_REF_HOPS => {
                        hops += 1;
                        node = self.resolve(node, inner)?;
                    }
                    _ => {
                        return Err(Diagnostic::error(
                            "ref-unresolved",
                            None,
                            format!(
                                "`{reference}` does not resolve: `{segment}` not found in {}",
                                source.name
                            ),
                        )
                        .with_help(
                            "check the spelling; inside a pointer write `/` in a key as `~1` and `~` as `~0`",
                        ))
                    }
                }
            }
        }
        Ok(node)
    }

    /// Follows `$ref` at `node` (repeatedly) to the node that is not a reference. Returns the node
    /// itself when it is not a `$ref`.
    #[allow(clippy::result_large_err)]
    pub fn deref<'a>(&'a self, node: &'a Node) -> Result<&'a Node, Diagnostic> {
        let mut current = node;
        for _ in 0..MAX_REF_HOPS {
            match ref_of(current) {
                Some(reference) => current = self.resolve(current, reference)?,
                None => return Ok(current),
            }
        }
        Err(Diagnostic::error(
            "ref-cycle",
            None,
            "this `$ref` chain never reaches a value (it refers back to itself)",
        )
        .with_help("a `$ref` must eventually point at an object; break the cycle"))
    }

    /// Parse diagnostics of the entry file and of every external file a reference was resolved
    /// into.
    pub fn used_parse_diagnostics(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.parse_diagnostics.first().cloned().unwrap_or_default();
        for &file in self.used.borrow().iter().filter(|&&f| f > 0) {
            out.extend(
                self.parse_diagnostics
                    .get(file)
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        out
    }

    /// The canonical id of a node.
    pub fn id(&self, node: &Node) -> NodeId {
        self.sources.node_id(node)
    }

    /// Every path read, entry first.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.sources.files.iter().map(|f| f.path.clone()).collect()
    }
}

/// The `$ref` string of a `{"$ref": "..."}` mapping.
pub fn ref_of(node: &Node) -> Option<&str> {
    node.get("$ref")?.as_str()
}

/// True for `http:`, `https:` and other URL-scheme references.
pub fn is_remote(file_part: &str) -> bool {
    match file_part.split_once(':') {
        // A Windows drive letter (`C:\x`) is not a scheme.
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// The normalised path of the external file in `reference`, relative to `base` (the referencing
/// file); `None` for local or remote references.
fn external_path(base: &Path, reference: &str) -> Option<PathBuf> {
    let file_part = reference.split('#').next().unwrap_or("");
    if file_part.is_empty() || is_remote(file_part) {
        return None;
    }
    let decoded = percent_decode_str(file_part).decode_utf8_lossy();
    let dir = base.parent().unwrap_or(Path::new(""));
    Some(normalise(&dir.join(decoded.as_ref())))
}

/// Lexical normalisation (`a/./b/../c` → `a/c`), so that each file is read once.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Every `$ref` string in a tree that names another file (iterative walk).
fn external_refs(root: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    if entry.key == "$ref" {
                        if let Some(r) = entry.value.as_str() {
                            if !r.starts_with('#') {
                                out.push(r.to_string());
                            }
                        }
                    }
                    stack.push(&entry.value);
                }
            }
            Value::Seq(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// An in-memory file system that counts reads.
    pub(crate) struct MemFs {
        pub files: BTreeMap<PathBuf, String>,
        pub reads: RefCell<Vec<PathBuf>>,
    }

    impl MemFs {
        pub fn new(files: &[(&str, &str)]) -> Self {
            MemFs {
                files: files
                    .iter()
                    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                    .collect(),
                reads: RefCell::new(Vec::new()),
            }
        }

        pub fn read(&self, path: &Path) -> io::Result<String> {
            self.reads.borrow_mut().push(path.to_path_buf());
            self.files
                .get(path)
                .cloned()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))
        }
    }

    fn load(fs: &MemFs, entry: &str) -> Files {
        let text = fs.files[Path::new(entry)].clone();
        Files::load_all(Path::new(entry), entry, text, &|p| fs.read(p))
    }

    #[test]
    fn local_pointers_unescape_tilde_and_percent() {
        let fs = MemFs::new(&[(
            "a.yaml",
            "defs:\n  a/b: {v: 1}\n  m~n: {v: 2}\n  'x%y': {v: 3}\n  'sp ace': {v: 4}\n",
        )]);
        let files = load(&fs, "a.yaml");
        let root = files.sources.files[0].root.as_ref().unwrap();
        let value = |r: &str| {
            files
                .resolve(root, r)
                .map(|n| n.get("v").unwrap().to_json())
                .map_err(|d| d.code)
        };
        assert_eq!(value("#/defs/a~1b").unwrap(), 1);
        assert_eq!(value("#/defs/m~0n").unwrap(), 2);
        assert_eq!(value("#/defs/x%25y").unwrap(), 3);
        assert_eq!(value("#/defs/sp%20ace").unwrap(), 4);
        assert_eq!(value("#/defs/a/b").unwrap_err(), "ref-unresolved");
    }

    #[test]
    fn external_files_are_transitive_relative_and_read_once() {
        let fs = MemFs::new(&[
            (
                "api/main.yaml",
                "a: {$ref: '../common/m.yaml#/msg'}\nb: {$ref: '../common/m.yaml#/other'}\n",
            ),
            (
                "common/m.yaml",
                "msg: {payload: {$ref: './s.json#/S'}}\nother: {$ref: 's.json#/S'}\n",
            ),
            ("common/s.json", "{\"S\": {\"type\": \"string\"}}"),
        ]);
        let files = load(&fs, "api/main.yaml");
        assert_eq!(
            files.paths(),
            vec![
                PathBuf::from("api/main.yaml"),
                PathBuf::from("common/m.yaml"),
                PathBuf::from("common/s.json")
            ]
        );
        // The entry is passed in; each external file is read exactly once.
        assert_eq!(fs.reads.borrow().len(), 2);
        let root = files.sources.files[0].root.as_ref().unwrap();
        let b = files.deref(root.get("b").unwrap()).unwrap();
        assert_eq!(files.id(b).to_string(), "2#/S");
        let msg = files.deref(root.get("a").unwrap()).unwrap();
        let payload = files.deref(msg.get("payload").unwrap()).unwrap();
        assert_eq!(payload.to_json(), serde_json::json!({"type": "string"}));
    }

    #[test]
    fn remote_missing_and_cyclic_refs_are_errors() {
        let fs = MemFs::new(&[(
            "a.yaml",
            "r: {$ref: 'https://example.com/x.yaml#/A'}\nm: {$ref: 'missing.yaml#/A'}\nc1: {$ref: '#/c2'}\nc2: {$ref: '#/c1'}\n",
        )]);
        let files = load(&fs, "a.yaml");
        let root = files.sources.files[0].root.as_ref().unwrap();
        let err = |k: &str| files.deref(root.get(k).unwrap()).unwrap_err();
        assert_eq!(err("r").code, "ref-remote");
        assert!(err("r").help.unwrap().contains("relative path"));
        assert_eq!(err("m").code, "ref-file");
        assert_eq!(err("c1").code, "ref-cycle");
    }

    #[test]
    fn normalises_paths() {
        assert_eq!(
            normalise(Path::new("a/./b/../c.yaml")),
            PathBuf::from("a/c.yaml")
        );
        assert_eq!(normalise(Path::new("../x/../y")), PathBuf::from("../y"));
    }
}
