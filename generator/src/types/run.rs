//! Running one group of definitions (see [`super::groups`]): typify, then post-processing, with
//! the modules every group shares taken out ([`super::shared`]).

use super::dependencies::CrateUses;
use super::plan::{invalid_types, TypePlan};
use super::settings::TypeSettings;
use super::shared::SharedParts;
use super::{groups, postprocess, preprocess, typify_engine};
use crate::diagnostics::Diagnostic;

/// The types of one group of definitions (see [`groups`]): typify's output, post-processed,
/// with the modules all groups share taken out.
pub struct GroupTypes {
    /// The group's types, their impls and integer-enum constants.
    pub items: Vec<syn::Item>,
    /// What the group adds to the shared modules.
    pub shared: SharedParts,
    /// Which optional crates the items use.
    pub uses: CrateUses,
    /// Fallbacks and other warnings of the group.
    pub diagnostics: Vec<Diagnostic>,
    /// Definitions of the group that fell back to `serde_json::Value`.
    pub fallbacks: Vec<String>,
}

impl TypePlan {
    /// The groups (indices of definitions) typify runs on separately: one per
    /// [`TypeSettings::group_size`] definitions, at most [`TypeSettings::max_groups`].
    pub fn groups(&self, settings: &TypeSettings) -> Vec<Vec<usize>> {
        let definitions = &self.bundle.definitions;
        let wanted =
            (definitions.len() / settings.group_size.max(1)).clamp(1, settings.max_groups.max(1));
        groups::partition(definitions, wanted)
    }

    /// Runs typify on one group of definitions (indices from [`TypePlan::groups`]) and
    /// post-processes its output (stages 3 and 4 of the [`super`] docs).
    pub fn generate_group(&self, group: &[usize]) -> GroupTypes {
        let bundle = &self.bundle;
        let definitions: Vec<&typify_engine::Definition> =
            group.iter().map(|&i| &bundle.definitions[i]).collect();
        let engine = typify_engine::generate(&definitions);
        let mut diagnostics = engine.diagnostics;
        let fallbacks = engine.fallbacks;
        // Rebuilding typify's whole output to restore placeholders costs as much as a tenth of
        // the group: only done when some schema of the group holds one.
        let tokens = if definitions
            .iter()
            .any(|definition| preprocess::has_placeholders(&definition.schema))
        {
            preprocess::restore_placeholders(engine.tokens)
        } else {
            engine.tokens
        };
        match postprocess::postprocess(tokens, &bundle.constraints, &self.checks) {
            Ok(mut done) => {
                let mut shared = SharedParts::take_from(&mut done.file, done.checks);
                shared.pattern_limit = done.pattern_limit;
                shared.objects = done.objects;
                GroupTypes {
                    items: done.file.items,
                    shared,
                    uses: done.uses,
                    diagnostics,
                    fallbacks,
                }
            }
            Err(error) => {
                diagnostics.push(invalid_types(&error));
                GroupTypes {
                    items: Vec::new(),
                    shared: SharedParts::default(),
                    uses: CrateUses::default(),
                    diagnostics,
                    fallbacks,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Enum values that collide as identifiers go through typify as placeholders; the group's
    /// output gets the real values back (the restore is skipped only for groups without one).
    #[test]
    fn colliding_enum_values_keep_their_wire_form() {
        let yaml = "asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  c:\n    address: a\n    messages:\n      m:\n        payload: {type: object, properties: {mode: {type: string, enum: [a-b, a_b, A B]}}}\noperations:\n  r: {action: receive, channel: {$ref: '#/channels/c'}}\n";
        let doc = crate::spec::load_str(yaml, "t.yaml")
            .document
            .expect("loads");
        let module = crate::pipeline::generate_module(&doc, crate::Role::App).expect("generates");
        for wire in ["\"a-b\"", "\"a_b\"", "\"A B\""] {
            assert!(module.source.contains(wire), "{wire}: {}", module.source);
        }
        assert!(!module.source.contains("mqttgenvalue"), "{}", module.source);
    }
}
