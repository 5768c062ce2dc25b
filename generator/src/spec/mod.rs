//! The spec front end: load AsyncAPI 2.0–3.1 (YAML or JSON, several files) into one [`model`].
//!
//! ```no_run
//! let loaded = mqttgen_codegen::spec::load_file(std::path::Path::new("asyncapi.yaml"));
//! eprint!("{}", loaded.render());
//! if let (false, Some(doc)) = (loaded.has_errors(), &loaded.document) {
//!     println!("{} channels", doc.channels.len());
//! }
//! ```

mod bindings;
mod checks;
mod context;
mod conversion;
mod loaded;
pub mod message_sets;
mod objects;
pub(crate) use objects::braced_names;
mod shared_levels;
pub mod structure;
mod traits;
mod v2;
mod v3;

// The reader (`crate::reader`) and the model (`crate::model`) live in their own places; their
// public paths under `spec` keep working.
pub use crate::model;
pub use crate::reader::yaml::parts as yaml_parts;
pub use crate::reader::{pointer, source, yaml};

use std::path::Path;

pub use crate::reader::reading::{
    LoadOptions, ReadError, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_TOTAL_BYTES,
};
pub use crate::reader::source::SourceMap;
pub use loaded::{diagnostic_json, header, render_one, Counts, Loaded, Snippet};
pub use mqttgen_address::parse as parse_address;

use crate::diagnostics::Diagnostic;
use crate::reader::reading::FsReader;
use crate::reader::refs::Files;
pub use crate::reader::refs::Reader;
use crate::reader::yaml::Node;
use context::Ctx;

/// Loads the document at `path` and every file it refers to, with the default [`LoadOptions`]:
/// `$ref`s may only reach files inside the entry document's folder.
///
/// I/O errors on the entry file are a single `io` diagnostic (no document).
pub fn load_file(path: &Path) -> Loaded {
    load_file_with(path, &LoadOptions::default())
}

/// Loads the document at `path` and every file it refers to, within `options`: external `$ref`s
/// must resolve inside the ref root (after following symlinks), only regular files are read and
/// every read is capped.
///
/// I/O errors on the entry file (or an unusable ref root) are a single `io` diagnostic (no
/// document).
pub fn load_file_with(path: &Path, options: &LoadOptions) -> Loaded {
    load_file_as(path, options, Extra::None)
}

/// [`load_file_with`], plus a warning for every payload rule the generated code cannot enforce
/// ([`crate::validation::diagnostics`], after the load's own diagnostics): what `mqttgen check`
/// reports. The payload rules run while the structure check is still running on its own thread.
pub fn check_file_with(path: &Path, options: &LoadOptions) -> Loaded {
    load_file_as(path, options, Extra::PayloadRules)
}

fn load_file_as(path: &Path, options: &LoadOptions, extra: Extra) -> Loaded {
    let reader = match FsReader::new(path, options) {
        Ok(reader) => reader,
        Err(why) => return not_loaded(why),
    };
    match reader.read_entry(path) {
        Ok(text) => load_as(
            path,
            &path.display().to_string(),
            text,
            &|p| reader.read(p),
            extra,
        ),
        Err(e) => not_loaded(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// What a load checks beyond the document itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extra {
    /// Nothing.
    None,
    /// The payload rules ([`check_file_with`]).
    PayloadRules,
}

/// Loads a document from memory; `name` is shown in diagnostics and relative `$ref`s are read
/// from disk relative to it (as if it were a path), inside its folder, with the default caps.
pub fn load_str(text: &str, name: &str) -> Loaded {
    let path = Path::new(name);
    match FsReader::new(path, &LoadOptions::default()) {
        Ok(reader) => load_with(path, name, text.to_string(), &|p| reader.read(p)),
        Err(why) => not_loaded(why),
    }
}

/// No document: one `io` error.
fn not_loaded(message: String) -> Loaded {
    Loaded {
        document: None,
        diagnostics: vec![Diagnostic::error("io", None, message)],
        sources: SourceMap::default(),
    }
}

/// Loads `text` (read from `path`, shown as `name`), reading referenced files through `read`.
pub fn load_with(path: &Path, name: &str, text: String, read: Reader<'_>) -> Loaded {
    load_as(path, name, text, read, Extra::None)
}

fn load_as(path: &Path, name: &str, text: String, read: Reader<'_>, extra: Extra) -> Loaded {
    structure::official::warm_up(&text);
    let files = Files::load_all(path, name, text, read);
    let mut diagnostics = Vec::new();
    let mut payload_rules = Vec::new();
    let document = build(&files, &mut diagnostics, extra, &mut payload_rules);
    diagnostics.extend(files.used_parse_diagnostics());
    let Files { sources, .. } = files;
    // Fill in line:column from pointers and sort by place.
    for d in &mut diagnostics {
        if d.location.is_none() {
            d.location = d.node.as_ref().and_then(|n| sources.locate(n));
        }
    }
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.file, l.offset))
                .unwrap_or((usize::MAX, usize::MAX))
        };
        key(a).cmp(&key(b))
    });
    diagnostics.dedup();
    diagnostics.append(&mut payload_rules);
    Loaded {
        document,
        diagnostics,
        sources,
    }
}

/// The document (read like [`load_with`]) with every `$ref` replaced by what it names: the value
/// the official parser checks against the AsyncAPI JSON Schema ([`structure::findings`]).
pub fn resolved_value(
    path: &Path,
    name: &str,
    text: String,
    read: Reader<'_>,
) -> Option<serde_json::Value> {
    let files = Files::load_all(path, name, text, read);
    let root = files.sources.files.first()?.root.as_ref()?;
    Some(structure::resolved_value(&files, root))
}

/// A document read and parsed with the files its references name, before its model is built: to
/// measure the structure check on its own ([`Parsed::structure_findings`]).
pub struct Parsed(Files);

/// Reads and parses `text` (read from `path`, shown as `name`) like [`load_with`], without
/// building the model or checking anything.
pub fn parse_only(path: &Path, name: &str, text: String, read: Reader<'_>) -> Parsed {
    Parsed(Files::load_all(path, name, text, read))
}

impl Parsed {
    /// The structure check's findings (the official schema of AsyncAPI `version` and the rules
    /// beyond it, unlocated), as [`load_with`] computes them.
    pub fn structure_findings(&self, version: &str) -> Vec<structure::Finding> {
        let Some(root) = self.0.sources.files.first().and_then(|f| f.root.as_ref()) else {
            return Vec::new();
        };
        structure::unlocated_findings(&self.0, root, version)
    }
}

/// The model of the document in `files`, with the diagnostics of the load in `diagnostics` and,
/// when `extra` asks for them, the payload rules' warnings in `payload_rules`.
fn build(
    files: &Files,
    diagnostics: &mut Vec<Diagnostic>,
    extra: Extra,
    payload_rules: &mut Vec<Diagnostic>,
) -> Option<model::Document> {
    let root = files.sources.files.first()?.root.as_ref()?;
    // The structure check (resolving every `$ref` and validating against the official schema)
    // needs nothing from the model: it runs on another thread while the model is built, and its
    // findings are located and filtered against the model's diagnostics at the end.
    std::thread::scope(|scope| {
        let structure = root
            .get("asyncapi")
            .and_then(Node::scalar_text)
            .filter(|v| structure::official::vendored(v))
            .map(|version| scope.spawn(move || structure::unlocated(files, root, &version)));
        let document = build_model(files, root, diagnostics)?;
        if extra == Extra::PayloadRules {
            // Beside the structure check, which usually takes longer than the model.
            *payload_rules = crate::validation::diagnostics(&document.0);
        }
        if document.1 {
            let found = structure.and_then(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            let version = &document.0.asyncapi_version;
            let found = structure::report(files, root, version, found, diagnostics);
            diagnostics.extend(found);
        }
        Some(document.0)
    })
}

/// The model of the document rooted at `root`, and whether its AsyncAPI version is known.
fn build_model(
    files: &Files,
    root: &Node,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(model::Document, bool)> {
    let (merged, trait_diagnostics) = traits::merge_all(files);
    let mut ctx = Ctx::new(files, &merged);
    if root.as_map().is_none() {
        ctx.error(
            "not-a-mapping",
            root,
            format!(
                "an AsyncAPI document must be a mapping at the top level, not {}",
                root.kind()
            ),
        );
        diagnostics.append(&mut ctx.diagnostics);
        return None;
    }
    let family = objects::version(&mut ctx, root);
    match family {
        Some(2) => v2::build(&mut ctx, root),
        Some(_) => v3::build(&mut ctx, root),
        None => {
            // Unknown version: read it as the nearest family so the user still gets a model.
            if root.get("operations").is_some() {
                v3::build(&mut ctx, root)
            } else {
                v2::build(&mut ctx, root)
            }
        }
    }
    ctx.finish_schemas();
    diagnostics.extend(trait_diagnostics);
    diagnostics.append(&mut ctx.diagnostics);
    diagnostics.extend(checks::run(&ctx.doc));
    Some((ctx.doc, family.is_some()))
}
