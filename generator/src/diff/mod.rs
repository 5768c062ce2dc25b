//! `mqttgen diff OLD NEW`: what changed between two versions of a contract, and who breaks.
//!
//! Both documents are loaded by the same front end as `check` and `generate` (2.x and 3.x alike,
//! multi-file specs too) and compared on the model, so a change is judged by what it does, not
//! by how it is written: `$ref`s are followed, `allOf` members are merged, `nullable`, `type`
//! arrays with `null` and `oneOf: [.., {type: null}]` mean the same thing, and the Rust type each
//! schema becomes (integer sizing, formats, named types) is the generator's own.
//!
//! Every [`Change`] is located in both documents (file:line:column and JSON pointer, as `check`
//! reports) and classified ([`Class`]) by direction, seen from the application the documents
//! describe (AsyncAPI 2.x `publish` means the application *receives*):
//! - **wire-breaking:** a peer built on OLD and one built on NEW can no longer talk. For a message
//!   the application receives, NEW accepting less than OLD (a new required property, a narrower
//!   type, range or enum, a removed `oneOf` variant, another content type) breaks the senders; for
//!   a message it sends, NEW producing more (a wider enum, range or type, a new variant, a new
//!   property where OLD denied unknown ones) breaks the receivers. Removed operations, channels and
//!   servers, changed addresses and parameters, weaker QoS/retain, changed reply addresses,
//!   correlation ids and security are wire-breaking too;
//! - **API-breaking:** code written against the crate generated from OLD no longer compiles against
//!   NEW: a new string-enum variant (exhaustive matches), `u8` → `u16`, `Option<T>` → `T`, a new
//!   handled operation (a new required `Handler` method), renamed types and methods;
//! - **compatible:** new optional fields, new operations the application sends, wider acceptance on
//!   the receiving side, stronger delivery guarantees;
//! - **docs-only:** descriptions, summaries, titles that name nothing, examples, tags, external
//!   docs, `info.version`.
//!
//! [`diff`] is pure (two loaded documents in, a [`Report`] out); [`input`] reads `OLD`/`NEW` from
//! files or from `REV:path` through `git show`; [`render`] prints human text, JSON or Markdown.

mod contract;
pub mod input;
mod matching;
mod raw;
mod record;
pub mod render;
mod rust_api;
mod schema;
mod schema_diff;
pub mod semver;

use crate::model::{Document, NodeId};
use crate::spec::{Loaded, SourceMap};

/// How much a change matters, least first (`Ord` follows severity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Documentation only: descriptions, summaries, examples, tags, external docs, `info.version`.
    DocsOnly,
    /// Peers and generated code built on OLD keep working.
    Compatible,
    /// Code written against the crate generated from OLD no longer compiles against NEW.
    ApiBreaking,
    /// A peer built on OLD and one built on NEW can no longer talk.
    WireBreaking,
}

impl Class {
    /// `docs-only`, `compatible`, `api-breaking`, `wire-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::DocsOnly => "docs-only",
            Class::Compatible => "compatible",
            Class::ApiBreaking => "api-breaking",
            Class::WireBreaking => "wire-breaking",
        }
    }

    /// The words used in human output (`wire-breaking for peers`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Class::DocsOnly => "docs-only",
            Class::Compatible => "compatible",
            Class::ApiBreaking => "API-breaking for generated Rust",
            Class::WireBreaking => "wire-breaking for peers",
        }
    }

    /// Parses [`Class::as_str`].
    pub fn parse(text: &str) -> Option<Class> {
        [
            Class::DocsOnly,
            Class::Compatible,
            Class::ApiBreaking,
            Class::WireBreaking,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }

    /// True for [`Class::ApiBreaking`] and [`Class::WireBreaking`].
    pub fn is_breaking(self) -> bool {
        self >= Class::ApiBreaking
    }
}

/// A place in one of the two documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file's display name (as given, or `REV:path`).
    pub file: String,
    /// 1-based line (of the nearest existing node for something that is absent on this side).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// JSON pointer inside `file`.
    pub pointer: String,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{} #{}",
            self.file, self.line, self.column, self.pointer
        )
    }
}

/// One change between OLD and NEW.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The class: the most serious of what it does to peers and to generated code.
    pub class: Class,
    /// A short stable code, e.g. `property-required-added`, `enum-value-added`.
    pub code: &'static str,
    /// What changed, e.g. ``message `lightMeasured` payload `lumens` ``.
    pub subject: String,
    /// What happened to it.
    pub message: String,
    /// Why it is classified so (who sends, who receives), when it is not obvious.
    pub why: Option<String>,
    /// What it does to the generated Rust API, when anything.
    pub rust: Option<String>,
    /// Where it is in OLD (the nearest enclosing node when it is new).
    pub old: Option<Place>,
    /// Where it is in NEW (the nearest enclosing node when it was removed).
    pub new: Option<Place>,
}

/// Everything [`diff`] found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The changes, most serious first, then in OLD document order.
    pub changes: Vec<Change>,
    /// `info.version` in OLD and NEW and the bump the changes need.
    pub version: semver::Verdict,
    /// `asyncapi` of OLD and NEW (a different format version alone is not a contract change).
    pub formats: (String, String),
}

impl Report {
    /// The most serious class found, if any change was.
    pub fn largest(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).max()
    }

    /// How many changes of `class`.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }

    /// The exit code for `fail_on`: 1 when a change at or above the level was found, else 0.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        let threshold = match fail_on {
            FailOn::Breaking => Class::ApiBreaking,
            FailOn::Any => Class::DocsOnly,
            FailOn::None => return 0,
        };
        u8::from(self.largest().is_some_and(|c| c >= threshold))
    }
}

/// `--fail-on`: which changes make `mqttgen diff` exit with 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Wire- or API-breaking changes (the default).
    #[default]
    Breaking,
    /// Any change, docs-only included.
    Any,
    /// Never (report only).
    None,
}

/// One side of the comparison: the model and the sources to locate its nodes.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// The model.
    pub doc: &'a Document,
    /// The files it was read from.
    pub sources: &'a SourceMap,
}

impl<'a> Side<'a> {
    /// The side of a loaded document, when it has a model.
    pub fn of(loaded: &'a Loaded) -> Option<Side<'a>> {
        Some(Side {
            doc: loaded.document.as_ref()?,
            sources: &loaded.sources,
        })
    }

    /// Where `node` is, for the report; for something absent on this side (a new property in
    /// OLD, a removed one in NEW) its nearest existing ancestor.
    pub fn place(&self, node: &NodeId) -> Place {
        let mut node = node.clone();
        while self.sources.get(&node).is_none() && !node.pointer.is_empty() {
            let parent = node.pointer.rsplit_once('/').map_or("", |(p, _)| p);
            node.pointer = parent.to_string();
        }
        let node = &node;
        let location = self.sources.locate(node);
        Place {
            file: self.sources.name(node.file).to_string(),
            line: location.as_ref().map_or(0, |l| l.line),
            column: location.as_ref().map_or(0, |l| l.column),
            pointer: node.pointer.clone(),
        }
    }
}

/// Compares two loaded documents (see the module docs). Both must have a model; documents with
/// errors should be reported with their diagnostics instead (as the CLI does).
pub fn diff(old: Side<'_>, new: Side<'_>) -> Report {
    let mut changes = contract::compare(old, new);
    // Most serious first; within a class, in OLD's order (then NEW's for additions).
    changes.sort_by(|a, b| {
        let key = |c: &Change| {
            let place = c.old.as_ref().or(c.new.as_ref());
            (
                std::cmp::Reverse(c.class),
                c.old.is_none(),
                place.map(|p| (p.file.clone(), p.line, p.column)),
            )
        };
        key(a).cmp(&key(b))
    });
    changes.dedup();
    let largest = changes.iter().map(|c| c.class).max();
    Report {
        version: semver::verdict(&old.doc.info.version, &new.doc.info.version, largest),
        formats: (
            old.doc.asyncapi_version.clone(),
            new.doc.asyncapi_version.clone(),
        ),
        changes,
    }
}
