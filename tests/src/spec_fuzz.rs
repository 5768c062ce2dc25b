//! A seeded fuzzer that takes the loader fuzzer (`generator/tests/fuzz.rs`) on to the generator:
//! it mutates the *names and strings* of our own specs, loads each mutant and generates both
//! roles. Every generated module must parse with `syn`, and no doc comment in it may hold a code
//! block rustdoc would run (checked with pulldown-cmark, the Markdown parser rustdoc uses).
//!
//! Mutations replace, in a document parsed to JSON: property names, enum values, titles,
//! summaries and descriptions, operation ids, message names, schema and channel keys (and every
//! `$ref` to them), and channel parameter names (and their `{name}` in the address). Replacements
//! come from [`HOSTILE`]: Rust keywords, the generator's own helper names, prelude names, quotes,
//! `"#`, `*/`, code fences and indented code, CR, NUL, bidirectional controls, emoji and very long
//! names. Mutants the loader rejects are counted and skipped.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use mqttgen_codegen::pipeline::{generate_module, Role};
use mqttgen_codegen::spec::load_with;
use mqttgen_codegen::spec::model::Document;
use serde_json::{Map, Value};
#[path = "../../generator/tests/support/rng.rs"]
mod rng;
pub use rng::Rng;

/// Strings that have broken generators: keywords, our own helper and prelude names, Markdown
/// code, comment and string terminators, control and bidirectional characters, emoji, long names.
pub const HOSTILE: &[&str] = &[
    "type",
    "self",
    "Self",
    "fn",
    "async",
    "crate",
    "super",
    "r#type",
    "dyn",
    "gen",
    "try",
    "send",
    "prepare",
    "new",
    "inner",
    "runtime",
    "spec_reply_channels",
    "mount",
    "routes",
    "route",
    "into_router",
    "decode_headers",
    "handle_x",
    "encode_x",
    "decode_x",
    "Handler",
    "Publisher",
    "Routes",
    "MessageContext",
    "PublishOptions",
    "RequestError",
    "Result",
    "Option",
    "String",
    "Vec",
    "Box",
    "Ok",
    "Err",
    "Some",
    "None",
    "Default",
    "From",
    "H",
    "F",
    "clone",
    "fmt",
    "topic",
    "parse",
    "ADDRESS",
    "FILTER",
    "PIECES",
    "tail",
    "level_0",
    "types",
    "service",
    "asyncapi",
    "Error",
    "error",
    "ERROR",
    "e-rror",
    "e_rror",
    "\"",
    "'",
    "\"#",
    "#\"",
    "*/",
    "/*",
    "\\",
    "```",
    "```rust\nstd::process::abort();\n```",
    "\n\n    std::process::abort();\n",
    "~~~\nabort()\n~~~",
    "- ```\n  x",
    "a\rb",
    "\r",
    "\r\n",
    "\0",
    "a\0b",
    "\u{1}",
    "\u{7f}",
    "\u{202E}rtl",
    "\u{2066}",
    "\u{2028}",
    "🦀",
    "💥 boom",
    "",
    " ",
    "-",
    "_",
    "__",
    "0",
    "1a",
    "é",
    "ß",
    "İ",
    "\t",
    "{",
    "}",
    "$",
    "+",
    "/",
    "%",
    "~",
    "<!-- x -->",
    "<script>",
    "[x]",
    "[x]: http://y",
    "# h",
    "{{ x }}",
];

/// A hostile replacement: one of [`HOSTILE`], a long name, or two joined.
fn hostile(rng: &mut Rng) -> String {
    match rng.below(12) {
        0 => "a".repeat(200 + rng.below(400)),
        1 => "Name_".repeat(60),
        2 => format!(
            "{}{}",
            HOSTILE[rng.below(HOSTILE.len())],
            HOSTILE[rng.below(HOSTILE.len())]
        ),
        _ => HOSTILE[rng.below(HOSTILE.len())].to_string(),
    }
}

/// The seed documents: our own specs (including `specs/hostile`) and the generator's fixtures,
/// as JSON values, sorted by path.
pub fn seeds(root: &Path) -> Vec<(String, Value)> {
    let mut paths = Vec::new();
    let mut dirs = vec![root.join("specs"), root.join("generator/tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "invalid" {
                    dirs.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "yaml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let value: Value = serde_yaml::from_str(&text).ok()?;
            value.get("asyncapi")?;
            Some((path.display().to_string(), value))
        })
        .collect()
}

/// A place in a document that a mutation can rename or rewrite.
enum Target {
    /// A string value at this JSON pointer.
    Text(String),
    /// An object key at this pointer (the key's parent) with this name; `refs` is the `$ref`
    /// prefix that names it (`#/components/schemas/X`), if any.
    Key {
        parent: String,
        name: String,
        refs: Option<String>,
    },
    /// A channel parameter: the channel's pointer and the parameter name.
    Parameter { channel: String, name: String },
}

fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes a JSON pointer token for a `$ref` fragment.
fn ref_token(token: &str) -> String {
    let mut out = String::new();
    for byte in escape_pointer(token).bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn collect(value: &Value, pointer: &str, parent_key: &str, targets: &mut Vec<Target>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape_pointer(key));
                if parent_key == "properties" {
                    targets.push(Target::Key {
                        parent: pointer.to_string(),
                        name: key.clone(),
                        refs: None,
                    });
                }
                if matches!(
                    key.as_str(),
                    "title" | "summary" | "description" | "operationId" | "name"
                ) && child.is_string()
                {
                    targets.push(Target::Text(child_pointer.clone()));
                }
                collect(child, &child_pointer, key, targets);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                if parent_key == "enum" && child.is_string() {
                    targets.push(Target::Text(format!("{pointer}/{index}")));
                }
                collect(child, &format!("{pointer}/{index}"), "", targets);
            }
        }
        _ => {}
    }
}

fn targets(doc: &Value) -> Vec<Target> {
    let mut targets = Vec::new();
    collect(doc, "", "", &mut targets);
    let v3 = doc
        .get("asyncapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with('3'));
    let keyed = |section: &str, targets: &mut Vec<Target>| {
        let pointer = format!("/{}", section.replace('.', "/"));
        if let Some(Value::Object(map)) = doc.pointer(&pointer) {
            for name in map.keys() {
                targets.push(Target::Key {
                    parent: pointer.clone(),
                    name: name.clone(),
                    refs: Some(format!("#{pointer}/")),
                });
            }
        }
    };
    keyed("components.schemas", &mut targets);
    keyed("components.messages", &mut targets);
    if v3 {
        keyed("operations", &mut targets);
        keyed("channels", &mut targets);
        if let Some(Value::Object(channels)) = doc.get("channels") {
            for (key, channel) in channels {
                if let Some(Value::Object(parameters)) = channel.get("parameters") {
                    for name in parameters.keys() {
                        targets.push(Target::Parameter {
                            channel: format!("/channels/{}", escape_pointer(key)),
                            name: name.clone(),
                        });
                    }
                }
            }
        }
    }
    targets
}

/// Replaces every `$ref` string starting with `old` (followed by `/` or the end) by `new`.
fn rewrite_refs(value: &mut Value, old: &str, new: &str) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(text) = child {
                        if let Some(rest) = text.strip_prefix(old) {
                            if rest.is_empty() || rest.starts_with('/') {
                                *text = format!("{new}{rest}");
                            }
                        }
                    }
                } else {
                    rewrite_refs(child, old, new);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, old, new)),
        _ => {}
    }
}

fn rename_key(map: &mut Map<String, Value>, old: &str, new: &str) -> bool {
    if map.contains_key(new) {
        return false;
    }
    // Keep the order of keys (document order drives naming).
    let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    for (key, value) in entries {
        if key == old {
            map.insert(new.to_string(), value);
        } else {
            map.insert(key, value);
        }
    }
    true
}

/// Applies one mutation to `doc`.
fn mutate_once(rng: &mut Rng, doc: &mut Value) {
    let mut all = targets(doc);
    if all.is_empty() {
        return;
    }
    let target = all.swap_remove(rng.below(all.len()));
    let new = hostile(rng);
    match target {
        Target::Text(pointer) => {
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = Value::String(new);
            }
        }
        Target::Key { parent, name, refs } => {
            let Some(Value::Object(map)) = doc.pointer_mut(&parent) else {
                return;
            };
            if !rename_key(map, &name, &new) {
                return;
            }
            if let Some(prefix) = refs {
                let old = format!("{prefix}{}", ref_token(&name));
                let old_plain = format!("{prefix}{}", escape_pointer(&name));
                let replacement = format!("{prefix}{}", ref_token(&new));
                rewrite_refs(doc, &old, &replacement);
                rewrite_refs(doc, &old_plain, &replacement);
            }
        }
        Target::Parameter { channel, name } => {
            let Some(Value::Object(channel)) = doc.pointer_mut(&channel) else {
                return;
            };
            if let Some(Value::String(address)) = channel.get_mut("address") {
                *address = address.replace(&format!("{{{name}}}"), &format!("{{{new}}}"));
            }
            if let Some(Value::Object(parameters)) = channel.get_mut("parameters") {
                rename_key(parameters, &name, &new);
            }
        }
    }
}

/// A mutant of a random seed: 1 to 4 mutations.
pub fn mutant(rng: &mut Rng, seeds: &[(String, Value)]) -> (String, Value) {
    let (label, seed) = &seeds[rng.below(seeds.len())];
    let mut doc = seed.clone();
    for _ in 0..1 + rng.below(4) {
        mutate_once(rng, &mut doc);
    }
    (label.clone(), doc)
}

/// Loads a mutant the way a `.json` spec file is loaded (no other files).
pub fn load(doc: &Value) -> Option<Document> {
    let text = serde_json::to_string_pretty(doc).ok()?;
    let path = PathBuf::from("fuzz/input.json");
    let loaded = load_with(&path, "input.json", text, &|_| {
        Err(io::Error::new(io::ErrorKind::NotFound, "no files").into())
    });
    if loaded.has_errors() {
        return None;
    }
    loaded.document
}

/// Doc comment texts of every documented node of `file`, each joined as rustdoc joins them.
pub fn doc_blocks(file: &syn::File) -> Vec<String> {
    use syn::visit::Visit;
    #[derive(Default)]
    struct Docs(Vec<String>);
    impl Docs {
        fn take(&mut self, attrs: &[syn::Attribute]) {
            let lines: Vec<String> = attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .filter_map(|a| match &a.meta {
                    syn::Meta::NameValue(meta) => match &meta.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(text),
                            ..
                        }) => Some(text.value()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if !lines.is_empty() {
                self.0.push(lines.join("\n"));
            }
        }
    }
    impl<'a> Visit<'a> for Docs {
        fn visit_file(&mut self, node: &'a syn::File) {
            self.take(&node.attrs);
            syn::visit::visit_file(self, node);
        }
        fn visit_item_mod(&mut self, node: &'a syn::ItemMod) {
            self.take(&node.attrs);
            syn::visit::visit_item_mod(self, node);
        }
        fn visit_item_struct(&mut self, node: &'a syn::ItemStruct) {
            self.take(&node.attrs);
            syn::visit::visit_item_struct(self, node);
        }
        fn visit_item_enum(&mut self, node: &'a syn::ItemEnum) {
            self.take(&node.attrs);
            syn::visit::visit_item_enum(self, node);
        }
        fn visit_item_fn(&mut self, node: &'a syn::ItemFn) {
            self.take(&node.attrs);
            syn::visit::visit_item_fn(self, node);
        }
        fn visit_item_trait(&mut self, node: &'a syn::ItemTrait) {
            self.take(&node.attrs);
            syn::visit::visit_item_trait(self, node);
        }
        fn visit_item_const(&mut self, node: &'a syn::ItemConst) {
            self.take(&node.attrs);
            syn::visit::visit_item_const(self, node);
        }
        fn visit_item_type(&mut self, node: &'a syn::ItemType) {
            self.take(&node.attrs);
            syn::visit::visit_item_type(self, node);
        }
        fn visit_item_impl(&mut self, node: &'a syn::ItemImpl) {
            self.take(&node.attrs);
            syn::visit::visit_item_impl(self, node);
        }
        fn visit_impl_item_fn(&mut self, node: &'a syn::ImplItemFn) {
            self.take(&node.attrs);
            syn::visit::visit_impl_item_fn(self, node);
        }
        fn visit_impl_item_const(&mut self, node: &'a syn::ImplItemConst) {
            self.take(&node.attrs);
            syn::visit::visit_impl_item_const(self, node);
        }
        fn visit_trait_item_fn(&mut self, node: &'a syn::TraitItemFn) {
            self.take(&node.attrs);
            syn::visit::visit_trait_item_fn(self, node);
        }
        fn visit_field(&mut self, node: &'a syn::Field) {
            self.take(&node.attrs);
            syn::visit::visit_field(self, node);
        }
        fn visit_variant(&mut self, node: &'a syn::Variant) {
            self.take(&node.attrs);
            syn::visit::visit_variant(self, node);
        }
    }
    let mut docs = Docs::default();
    docs.visit_file(file);
    docs.0
}

/// The code blocks of `markdown` that rustdoc would compile: indented ones and fenced ones whose
/// info string is not exactly `text`.
pub fn runnable_code_blocks(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
    Parser::new(markdown)
        .filter_map(|event| match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some("(indented)".into()),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if info.trim() != "text" => {
                Some(format!("```{info}"))
            }
            _ => None,
        })
        .collect()
}

/// What a fuzz run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Mutants generated.
    pub documents: usize,
    /// Mutants the loader accepted (no errors), each generated for both roles.
    pub generated: usize,
    /// Mutants whose generation failed with errors (other than unparsable output).
    pub rejected: usize,
    /// Panics while loading or generating, with the seed label and the message.
    pub panics: Vec<String>,
    /// Generated modules that do not parse (or that generation reported as invalid Rust).
    pub unparsable: Vec<String>,
    /// Doc comments with a code block rustdoc would run.
    pub runnable_docs: Vec<String>,
    /// Accepted mutants kept as samples to compile (the first `samples` of them).
    pub samples: Vec<(String, Value)>,
    /// The mutants behind the panics, unparsable modules and runnable doc blocks.
    pub failures: Vec<(String, Value)>,
}

/// Generates and checks one mutant; `label` names it in the report.
pub fn check(label: &str, doc: &Value, report: &mut Report) -> bool {
    report.documents += 1;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let document = load(doc)?;
        let mut problems = Vec::new();
        for role in [Role::App, Role::Client] {
            match generate_module(&document, role) {
                Ok(module) => match syn::parse_file(&module.source) {
                    Ok(file) => {
                        for block in doc_blocks(&file) {
                            let runnable = runnable_code_blocks(&block);
                            if !runnable.is_empty() {
                                problems
                                    .push(("doc", format!("{role:?}: {runnable:?} in {block:?}")));
                            }
                        }
                    }
                    Err(e) => problems.push(("parse", format!("{role:?}: {e}"))),
                },
                Err(errors) => {
                    if errors.iter().any(|d| d.code == "codegen-invalid-rust") {
                        problems.push(("parse", format!("{role:?}: {errors:?}")));
                    } else {
                        problems.push(("rejected", String::new()));
                    }
                }
            }
        }
        Some(problems)
    }));
    match outcome {
        Ok(None) => false,
        Ok(Some(problems)) => {
            report.generated += 1;
            let mut clean = true;
            for (kind, text) in problems {
                clean = false;
                if kind != "rejected" && report.failures.iter().all(|(l, _)| l != label) {
                    report.failures.push((label.to_string(), doc.clone()));
                }
                match kind {
                    "doc" => report.runnable_docs.push(format!("{label}: {text}")),
                    "parse" => report.unparsable.push(format!("{label}: {text}")),
                    _ => report.rejected += 1,
                }
            }
            clean
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            report.panics.push(format!("{label}: {message}"));
            report.failures.push((label.to_string(), doc.clone()));
            false
        }
    }
}

/// Runs `iterations` mutants from `seed` (stopping early after `budget`), keeping up to
/// `samples` accepted, clean mutants.
pub fn run(
    root: &Path,
    seed: u64,
    iterations: usize,
    budget: std::time::Duration,
    samples: usize,
) -> Report {
    let seeds = seeds(root);
    assert!(!seeds.is_empty(), "no seed specs under {}", root.display());
    let mut rng = Rng(seed | 1);
    let mut report = Report::default();
    let started = std::time::Instant::now();
    for index in 0..iterations {
        if started.elapsed() > budget {
            break;
        }
        let (label, doc) = mutant(&mut rng, &seeds);
        let label = format!("{label} #{index}");
        if check(&label, &doc, &mut report) && report.samples.len() < samples {
            report.samples.push((label, doc));
        }
    }
    report
}
