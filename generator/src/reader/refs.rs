//! `$ref` resolution: local JSON pointers, relative external files (read once each, transitively,
//! relative to the referencing file) and clear errors for remote references and cycles.
//!
//! Loading happens in two phases: [`Files::load_all`] reads the entry document and every file any
//! `$ref` reaches (so that later stages can borrow trees freely), then [`Files::resolve`] and
//! [`Files::deref`] resolve references without further I/O. What may be read (the ref root, file
//! kinds, size caps) is the reader's decision ([`super::reading::FsReader`] on disk); a refusal
//! becomes a diagnostic at the `$ref` that asked for the file.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use percent_encoding::percent_decode_str;

use crate::diagnostics::Diagnostic;
use crate::model::{FileId, NodeId};
use crate::reader::json;
use crate::reader::pointer;
use crate::reader::reading::{self, normalise, ReadError};
use crate::reader::source::{child, SourceFile, SourceMap};
use crate::reader::yaml::{Node, Value};

/// Most `$ref` hops followed in one chain before reporting a cycle.
pub(crate) const MAX_REF_HOPS: usize = 64;

/// Reads a referenced file's text, or says why it may not or cannot be read:
/// [`super::reading::FsReader::read`] in production, a map in tests.
pub type Reader<'r> = &'r dyn Fn(&Path) -> Result<String, ReadError>;

/// The files of one load and the outcome of each external file.
pub struct Files {
    /// Every file read, entry first.
    pub sources: SourceMap,
    /// Normalised path → file id, or why the file could not be used.
    by_path: HashMap<PathBuf, Result<FileId, ReadError>>,
    /// Parse diagnostics per file, reported for the entry file and for external files when a
    /// reference into them is used.
    pub parse_diagnostics: Vec<Vec<Diagnostic>>,
    /// Files some reference was resolved into (their parse diagnostics are reported). A mutex, so
    /// the structure check can resolve references on another thread while the model is built.
    used: Mutex<BTreeSet<FileId>>,
}

impl Files {
    /// Parses the entry text, then reads every file reachable through `$ref`s.
    pub fn load_all(entry_path: &Path, name: &str, text: String, read: Reader<'_>) -> Files {
        let mut files = Files {
            sources: SourceMap::default(),
            by_path: HashMap::new(),
            parse_diagnostics: Vec::new(),
            used: Mutex::new(BTreeSet::new()),
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
                let Some(Target::File(target)) = target_of(&base, &reference) else {
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
                    Err(e) => Err(e),
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
        // A byte scan: references are short, and every one is resolved here.
        let (file_part, fragment) = match reference.bytes().position(|b| b == b'#') {
            Some(at) => (&reference[..at], &reference[at + 1..]),
            None => (reference, ""),
        };
        let file = if file_part.is_empty() {
            from.file
        } else {
            let base = self
                .sources
                .file(from.file)
                .map(|f| f.path.clone())
                .unwrap_or_default();
            let path = match target_of(&base, file_part) {
                Some(Target::File(path)) => path,
                _ => {
                    return Err(Diagnostic::error(
                        "ref-remote",
                        None,
                        format!("remote reference `{reference}` is not fetched"),
                    )
                    .with_help(
                        "mqttgen never downloads files: save the file next to the spec and refer to it by a relative path",
                    ))
                }
            };
            match self.by_path.get(&path) {
                Some(Ok(id)) => *id,
                Some(Err(why)) => return Err(read_diagnostic(&path, reference, why)),
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
            self.used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(file);
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
        let used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        for &file in used.iter().filter(|&&f| f > 0) {
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

/// True for `http:`, `https:` and other URL-scheme references (`file:` URLs of this machine are
/// local files).
pub fn is_remote(file_part: &str) -> bool {
    match file_part.split_once(':') {
        // A Windows drive letter (`C:\x`) is not a scheme.
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && file_url_path(file_part).is_none()
        }
        None => false,
    }
}

/// The path of a local `file:` URL (`file:///x`, `file://localhost/x`, `file:x`), still
/// percent-encoded; `None` for other references, including `file://host/...` (another host).
fn file_url_path(file_part: &str) -> Option<&str> {
    let scheme = file_part.get(..5)?;
    if !scheme.eq_ignore_ascii_case("file:") {
        return None;
    }
    let rest = &file_part[5..];
    match rest.strip_prefix("//") {
        Some(authority_and_path) => {
            let path_at = authority_and_path.find('/')?;
            let host = &authority_and_path[..path_at];
            (host.is_empty() || host.eq_ignore_ascii_case("localhost"))
                .then(|| &authority_and_path[path_at..])
        }
        None => Some(rest),
    }
}

/// What the file part of a reference names.
enum Target {
    /// A file: the normalised path (relative like the entry's path as given, or absolute).
    File(PathBuf),
    /// A URL of another scheme (never fetched).
    Remote,
}

/// The target of the file part of `reference`, relative to `base` (the referencing file); `None`
/// for a reference into the same file.
fn target_of(base: &Path, reference: &str) -> Option<Target> {
    let file_part = reference.split('#').next().unwrap_or("");
    if file_part.is_empty() {
        return None;
    }
    let path = match file_url_path(file_part) {
        Some(path) => path,
        None if is_remote(file_part) => return Some(Target::Remote),
        None => file_part,
    };
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let dir = base.parent().unwrap_or(Path::new(""));
    Some(Target::File(normalise(&dir.join(decoded.as_ref()))))
}

/// The diagnostic for a file `reference` needs that was not read (placed at the `$ref` later).
fn read_diagnostic(path: &Path, reference: &str, why: &ReadError) -> Diagnostic {
    const WIDEN: &str = "keep the files a spec refers to under its folder, or widen the root explicitly: `--ref-root DIR` on the command line, `Builder::ref_root(DIR)` in build.rs";
    match why {
        ReadError::OutsideRoot { resolved, root } => Diagnostic::error(
            "ref-outside-root",
            None,
            format!(
                "`{reference}` leads to `{}`, outside the ref root `{}`; it was not read",
                resolved.display(),
                root.display()
            ),
        )
        .with_help(WIDEN),
        ReadError::NotAFile { kind } => Diagnostic::error(
            "ref-not-a-file",
            None,
            format!(
                "`{reference}` names `{}`, which is {kind}; only regular files are read",
                path.display()
            ),
        )
        .with_help("refer to a YAML or JSON file"),
        ReadError::TooLarge { limit } => Diagnostic::error(
            "ref-too-large",
            None,
            format!(
                "`{}` (for `{reference}`) is larger than the {} cap per file; it was not read",
                path.display(),
                reading::size(*limit)
            ),
        )
        .with_help("split the file, or raise the cap: `--max-file-size` on the command line, `Builder::max_file_size` in build.rs"),
        ReadError::TotalTooLarge { limit } => Diagnostic::error(
            "ref-too-large",
            None,
            format!(
                "reading `{}` (for `{reference}`) would go over the {} cap on all files of the document; it was not read",
                path.display(),
                reading::size(*limit)
            ),
        )
        .with_help("raise the cap: `--max-total-size` on the command line, `Builder::max_total_size` in build.rs"),
        ReadError::Io(e) => Diagnostic::error(
            "ref-file",
            None,
            format!("cannot read `{}` for `{reference}`: {e}", path.display()),
        ),
    }
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

        pub fn read(&self, path: &Path) -> Result<String, ReadError> {
            self.reads.borrow_mut().push(path.to_path_buf());
            self.files.get(path).cloned().ok_or_else(|| {
                ReadError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file",
                ))
            })
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
