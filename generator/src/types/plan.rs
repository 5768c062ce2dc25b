//! The stages of [`generate_types`] in order: naming ([`TypeNames`]), pre-processing
//! ([`TypePlan`]), the groups one after the other, the shared modules, the example tests.

use proc_macro2::TokenStream;

use super::dependencies::CrateUses;
use super::payload::PayloadKind;
use super::render::module_attributes;
use super::results::{message_types, GeneratedTypes, MessageTypes};
use super::settings::TypeSettings;
use super::{constraints, examples, resolver};
use crate::diagnostics::Diagnostic;
use crate::model::Document;
use crate::printing::empty_file;

/// The first, cheap stage of [`generate_types`]: every schema bundled and named, so the Rust
/// names of each message's types ([`TypePlan::messages`]) are known before any type is generated.
/// It holds no syntax trees, so other threads can generate the types from it (a group each, see
/// [`super::groups`]) while this one generates the service code.
pub struct TypePlan {
    pub(super) bundle: resolver::Bundle,
    pub(super) checks: constraints::ConstraintTable,
}

/// Bundles and names the schemas of `doc` (stage 1 of the [`super`] docs).
pub fn plan_types(doc: &Document) -> TypePlan {
    name_types(doc).plan(doc)
}

/// The names of every type, before any schema is pre-processed: enough for the service code
/// ([`TypeNames::messages`]); [`TypeNames::plan`] finishes stage 1.
pub struct TypeNames<'a> {
    naming: resolver::Naming<'a>,
}

/// Names the types of `doc` (the cheap first half of stage 1).
pub fn name_types(doc: &Document) -> TypeNames<'_> {
    TypeNames {
        naming: resolver::name(doc),
    }
}

impl TypeNames<'_> {
    /// Per message (same index as [`Document::messages`]), how its payload and headers are typed.
    pub fn messages(&self) -> Vec<MessageTypes> {
        message_types(self.naming.messages())
    }

    /// Pre-processes the schemas: the [`TypePlan`] the types are generated from.
    pub fn plan(self, doc: &Document) -> TypePlan {
        let bundle = self.naming.bundle(doc);
        let checks = constraints::ConstraintTable::new(&bundle.constraints);
        TypePlan { bundle, checks }
    }
}

/// The error reported when generated types do not parse (a bug of ours or typify's).
pub(super) fn invalid_types(error: &syn::Error) -> Diagnostic {
    Diagnostic::error(
        "codegen-invalid-rust",
        None,
        format!(
            "the payload types do not parse as Rust ({error}); please report this with the spec"
        ),
    )
}

/// Generates the payload and headers types of `doc` (see the [`super`] docs).
pub fn generate_types(doc: &Document, settings: &TypeSettings) -> GeneratedTypes {
    plan_types(doc).generate(doc, settings)
}

impl TypePlan {
    /// Per message (same index as [`Document::messages`]), how its payload and headers are typed.
    pub fn messages(&self) -> Vec<MessageTypes> {
        message_types(&self.bundle.messages)
    }

    /// [`TypePlan::messages`] once the types are generated: payloads whose definition is one of
    /// `fallbacks` (typify could not type it) are marked [`MessageTypes::untyped`].
    pub fn messages_after(
        &self,
        fallbacks: &std::collections::BTreeSet<String>,
    ) -> Vec<MessageTypes> {
        let mut messages = self.messages();
        for (types, slots) in messages.iter_mut().zip(&self.bundle.messages) {
            if let PayloadKind::Json(name) | PayloadKind::TextValue(name) = &slots.payload {
                types.untyped = fallbacks.contains(name);
            }
        }
        messages
    }

    /// The plan-level warnings (bundling), which come before every group's.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.bundle.diagnostics
    }

    /// `#[cfg(test)] mod message_examples` (stage 5 of the [`super`] docs; empty when disabled or
    /// when no message has examples). `uses` says whether the types use `chrono`.
    pub fn example_tests(
        &self,
        doc: &Document,
        settings: &TypeSettings,
        uses: CrateUses,
    ) -> (TokenStream, Vec<crate::diagnostics::Diagnostic>) {
        if !settings.example_tests {
            return (TokenStream::new(), Vec::new());
        }
        let targets: Vec<examples::MessageExampleTarget<'_>> = self
            .bundle
            .messages
            .iter()
            .enumerate()
            .map(|(index, slots)| examples::MessageExampleTarget {
                message: index,
                payload_type: match &slots.payload {
                    PayloadKind::Json(name) | PayloadKind::TextValue(name) => Some(name.as_str()),
                    _ => None,
                },
                payload_is_text: slots.payload == PayloadKind::Text,
                headers_type: slots.headers.as_deref(),
            })
            .collect();
        examples::example_tests(doc, &targets, uses.chrono)
    }

    /// Generates the types (stages 2-5 of the [`super`] docs) of the `doc` this plan was made from,
    /// the groups one after the other (the pipeline runs them on threads; same result).
    pub fn generate(&self, doc: &Document, settings: &TypeSettings) -> GeneratedTypes {
        let mut diagnostics = self.bundle.diagnostics.clone();
        let mut file = empty_file();
        file.attrs = module_attributes();
        let mut uses = CrateUses::default();
        let mut shared = Vec::new();
        let mut fallbacks = std::collections::BTreeSet::new();
        for group in self.groups(settings) {
            let group = self.generate_group(&group);
            fallbacks.extend(group.fallbacks);
            file.items.extend(group.items);
            uses = uses.union(group.uses);
            diagnostics.extend(group.diagnostics);
            shared.push(group.shared);
        }
        match self.shared_items(&shared) {
            Ok(items) => file.items.extend(items),
            Err(error) => diagnostics.push(invalid_types(&error)),
        }
        let (example_tests, example_warnings) = self.example_tests(doc, settings, uses);
        diagnostics.extend(example_warnings);
        GeneratedTypes {
            file,
            messages: self.messages_after(&fallbacks),
            dependencies: uses,
            example_tests,
            diagnostics,
        }
    }
}
