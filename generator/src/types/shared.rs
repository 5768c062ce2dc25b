//! Merging the groups' output: the modules every group's types share (`defaults`, typify's
//! `error` module, the decoding checks, the `patterns` limit and `objects`), each emitted once.

use quote::ToTokens;

use super::plan::TypePlan;
use super::{constraints, objects, patterns};

/// A group's part of the modules every group shares (`defaults`, `error`, `constraints`), as
/// plain data so that it can leave the group's thread; [`TypePlan::shared_items`] builds the
/// modules from the parts of all groups.
#[derive(Clone, Debug, Default)]
pub struct SharedParts {
    /// typify's `error` module (the same in every group), as tokens.
    pub(super) error_module: Option<String>,
    /// typify's default-value helpers: (name, tokens), in typify's order.
    pub(super) defaults: Vec<(String, String)>,
    /// The numbers of the decoding checks the group's fields use.
    pub(super) checks: std::collections::BTreeSet<usize>,
    /// Some pattern check reads the shared input limit (the `patterns` module).
    pub(super) pattern_limit: bool,
    /// The structs that decode through the `objects` module.
    pub(super) objects: Vec<String>,
}

impl SharedParts {
    /// Moves typify's `error` and `defaults` modules out of `file`.
    pub(super) fn take_from(
        file: &mut syn::File,
        checks: std::collections::BTreeSet<usize>,
    ) -> SharedParts {
        let mut shared = SharedParts {
            checks,
            ..SharedParts::default()
        };
        file.items.retain_mut(|item| {
            let syn::Item::Mod(module) = item else {
                return true;
            };
            if module.ident == "error" {
                shared.error_module = Some(module.to_token_stream().to_string());
                false
            } else if module.ident == "defaults" {
                for inner in module
                    .content
                    .take()
                    .map(|(_, items)| items)
                    .unwrap_or_default()
                {
                    let tokens = inner.to_token_stream().to_string();
                    let name = match &inner {
                        syn::Item::Fn(function) => function.sig.ident.to_string(),
                        _ => tokens.clone(),
                    };
                    shared.defaults.push((name, tokens));
                }
                false
            } else {
                true
            }
        });
        shared
    }
}

impl TypePlan {
    /// The modules all groups share, built from the parts of every group: `defaults` (each
    /// helper once, first group first), typify's `error` module and the decoding checks.
    /// Fails only when a part does not parse back (it always should: it was printed from a
    /// syntax tree).
    pub fn shared_items(&self, parts: &[SharedParts]) -> syn::Result<Vec<syn::Item>> {
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let defaults = parts
            .iter()
            .flat_map(|part| &part.defaults)
            .filter(|(name, _)| seen.insert(name.as_str()))
            .map(|(_, tokens)| syn::parse_str::<syn::Item>(tokens))
            .collect::<syn::Result<Vec<_>>>()?;
        if !defaults.is_empty() {
            items.push(syn::parse_quote! {
                #[doc = " Generation of default values for serde."]
                #[allow(dead_code)]
                pub mod defaults {
                    #(#defaults)*
                }
            });
        }
        if parts.iter().any(|part| part.error_module.is_some()) {
            // typify's `error` module is the same in every crate: the runtime holds it.
            let error = crate::rt::codegen(quote::quote!(error));
            items.push(syn::parse_quote! {
                /// Error types.
                pub use #error;
            });
        }
        let used: std::collections::BTreeSet<usize> = parts
            .iter()
            .flat_map(|part| part.checks.iter().copied())
            .collect();
        items.extend(constraints::module(&self.checks, &used));
        if parts.iter().any(|part| part.pattern_limit) {
            items.push(patterns::limit_module());
        }
        let mut structs: Vec<String> = parts
            .iter()
            .flat_map(|part| part.objects.iter().cloned())
            .collect();
        structs.sort();
        if let Some(impls) = objects::impls(&structs) {
            items.push(objects::module());
            items.push(impls);
        }
        Ok(items)
    }
}
