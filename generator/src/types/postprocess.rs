//! Edits typify's output where typify is correct but not what our users need.
//!
//! - Enum variants named after a wire value (string enums, tagged unions) get readable ASCII
//!   names from that value (typify turns `ui-mode` into
//!   `UiXmode`, `°C` into `Xc` and `""` into `X`; we give `UiMode`, `DegreeC`, `Empty`). The
//!   `#[serde(rename)]` that carries the wire value is untouched, so the wire form is the same.
//! - `date-time` becomes `chrono::DateTime<chrono::FixedOffset>` instead of `DateTime<Utc>`, so a
//!   decoded timestamp keeps the offset it was sent with and re-encodes to the same instant and
//!   offset.
//! - Fields whose names collide after typify's snake-casing (`Name` and `name`, `user-id` and
//!   `user_id`) get distinct names (`name_2`), and non-ASCII field names get ASCII ones
//!   (`größe` → `grosse`), each with a `#[serde(rename)]` keeping the wire name; typify would
//!   emit the same field twice, which does not compile.
//! - Integer enums (typify: a newtype whose `TryFrom` rejects other values, so the wire form is a
//!   JSON number) get one associated constant per allowed value (`Level::V2`, `Offset::MINUS1`),
//!   so code can name the values without `try_from(..).unwrap()`.
//! - Doc attributes (schema titles and descriptions) are made inert ([`crate::markdown::inert`]):
//!   no spec text becomes a doctest.
//! - typify's `defaults` helper module gets `#[allow(dead_code)]`: it emits generic helpers
//!   (`default_i64`, ...) even when no field uses them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use syn::visit_mut::{self, VisitMut};

use super::constraints::{self, ConstraintTable, Constraints};
use super::names::{field_name, variant_name, NameSet};
use super::serde_attrs::serde_rename;
use super::CrateUses;

/// What [`postprocess`] returns: the edited module body and the optional crates it uses.
pub struct Postprocessed {
    /// The module body, ready to be placed in a module or printed.
    pub file: syn::File,
    /// Which optional crates its paths name.
    pub uses: CrateUses,
    /// The numbers of the [`constraints`] checks its fields use.
    pub checks: BTreeSet<usize>,
    /// Some pattern check reads the shared input limit ([`super::patterns::limit_module`]).
    pub pattern_limit: bool,
    /// The structs that decode through [`super::objects::module`].
    pub objects: Vec<String>,
}

/// Parses typify's output (placeholders already restored, see
/// [`super::preprocess::restore_placeholders`]), applies the edits and attaches the decoding
/// checks of [`constraints`] (numbered by `table`; the helper module itself is emitted by the
/// caller). Fails only when typify's output does not parse (it always should).
pub fn postprocess(
    tokens: TokenStream,
    limits: &Constraints,
    table: &ConstraintTable,
) -> syn::Result<Postprocessed> {
    let mut file = syn::parse2::<syn::File>(tokens)?;
    let patterns = super::patterns::rewrite(&mut file);
    let renames = collect_variant_renames(&file);
    let mut editor = Editor {
        renames,
        current_impl: None,
        field_renames: HashMap::new(),
        uses: CrateUses::default(),
    };
    editor.visit_file_mut(&mut file);
    let checks = constraints::apply(&mut file, limits, table);
    super::structs::rewrite(&mut file);
    let objects = super::objects::rewrite(&mut file);
    super::str_enums::rewrite(&mut file);
    super::compact::rewrite(&mut file);
    Ok(Postprocessed {
        file,
        uses: editor.uses,
        checks,
        pattern_limit: patterns.input_limit,
        objects,
    })
}

/// enum name → (typify variant name → readable variant name), only where they differ.
fn collect_variant_renames(file: &syn::File) -> HashMap<String, BTreeMap<String, String>> {
    let mut renames = HashMap::new();
    for item in &file.items {
        let syn::Item::Enum(item) = item else {
            continue;
        };
        let mut taken = NameSet::new();
        let mut wanted = Vec::new();
        for variant in &item.variants {
            let current = variant.ident.to_string();
            match serde_rename(&variant.attrs) {
                Some(wire) => {
                    let readable = variant_name(&wire);
                    wanted.push((current, Some((wire, readable))));
                }
                None => {
                    taken.reserve(&current);
                    wanted.push((current, None));
                }
            }
        }
        // A value that already is its variant name keeps it (`Error` over `error`), whatever the
        // order; the others are named in order.
        let mut map = BTreeMap::new();
        for exact in [true, false] {
            for (current, readable) in &wanted {
                let Some((wire, readable)) = readable else {
                    continue;
                };
                if (wire == readable) != exact {
                    continue;
                }
                let name = taken.claim(readable);
                if name != *current {
                    map.insert(current.clone(), name);
                }
            }
        }
        if !map.is_empty() {
            renames.insert(item.ident.to_string(), map);
        }
    }
    renames
}

const INTEGER_TYPES: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];

/// Finds `[v1, v2, ...].contains(&value)` (typify's enum-membership check).
#[derive(Default)]
struct FindAllowedValues {
    values: Option<Vec<syn::Expr>>,
}

impl VisitMut for FindAllowedValues {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        if call.method == "contains" {
            if let syn::Expr::Array(array) = call.receiver.as_ref() {
                self.values = Some(array.elems.iter().cloned().collect());
            }
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }
}

/// The integer written by a literal like `3_i64` or `-1_i64`.
fn integer_literal(expr: &syn::Expr) -> Option<i128> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse::<i128>().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => integer_literal(expr).map(|v| -v),
        _ => None,
    }
}

/// `impl X { pub const V0: Self = Self(0_i64); ... }` for an integer-enum newtype `X`.
fn integer_enum_constants(item: &syn::Item) -> Option<syn::Item> {
    let syn::Item::Impl(imp) = item else {
        return None;
    };
    let (_, trait_path, _) = imp.trait_.as_ref()?;
    let last = trait_path.segments.last()?;
    if last.ident != "TryFrom" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(arg))) = args.args.first() else {
        return None;
    };
    if !arg
        .path
        .get_ident()
        .is_some_and(|i| INTEGER_TYPES.contains(&i.to_string().as_str()))
    {
        return None;
    }
    let mut finder = FindAllowedValues::default();
    finder.visit_item_impl_mut(&mut imp.clone());
    let values = finder.values?;
    let self_ty = &imp.self_ty;
    let mut taken = NameSet::new();
    let mut constants = Vec::new();
    for value in &values {
        let number = integer_literal(value)?;
        let name = syn::Ident::new(
            &taken.claim(&variant_name(&number.to_string()).to_shouty_snake_case()),
            proc_macro2::Span::call_site(),
        );
        let doc = format!(" The value `{number}`.");
        constants.push(quote::quote! {
            #[doc = #doc]
            pub const #name: Self = Self(#value);
        });
    }
    Some(syn::parse_quote! {
        impl #self_ty {
            #(#constants)*
        }
    })
}

struct Editor {
    renames: HashMap<String, BTreeMap<String, String>>,
    current_impl: Option<String>,
    /// struct name → the field names in declaration order after de-duplication (only for
    /// structs that had duplicates).
    field_renames: HashMap<String, Vec<(String, String)>>,
    /// Optional crates named by a path (`::chrono::...`).
    uses: CrateUses,
}

/// Makes the named fields ASCII and distinct, keeping wire names with `#[serde(rename)]`;
/// returns (old, new) per field in order when anything changed.
fn normalise_fields(fields: &mut syn::FieldsNamed) -> Option<Vec<(String, String)>> {
    let idents: Vec<String> = fields
        .named
        .iter()
        .map(|f| f.ident.as_ref().map(ToString::to_string))
        .collect::<Option<_>>()?;
    let mut seen = std::collections::HashSet::new();
    let duplicate = idents.iter().any(|n| !seen.insert(n.clone()));
    let non_ascii = idents.iter().any(|n| !n.is_ascii());
    if !duplicate && !non_ascii {
        return None;
    }
    let mut taken: std::collections::HashSet<String> =
        idents.iter().filter(|n| n.is_ascii()).cloned().collect();
    // Which field keeps a duplicated name: the one whose wire name is exactly it (JSON `"error"`
    // keeps `error`, `"Error"` gets `error_2`), else the first.
    let mut keepers: HashMap<String, usize> = HashMap::new();
    for (index, field) in fields.named.iter().enumerate() {
        let name = idents[index].clone();
        let exact = serde_rename(&field.attrs).is_none_or(|wire| wire == name);
        match keepers.get(&name) {
            None => {
                keepers.insert(name, index);
            }
            Some(&first) if exact => {
                let first_exact =
                    serde_rename(&fields.named[first].attrs).is_none_or(|wire| wire == name);
                if !first_exact {
                    keepers.insert(name, index);
                }
            }
            Some(_) => {}
        }
    }
    let mut order = Vec::new();
    for (index, field) in fields.named.iter_mut().enumerate() {
        let ident = field.ident.clone()?;
        let name = ident.to_string();
        if name.is_ascii() && keepers.get(&name) == Some(&index) {
            order.push((name.clone(), name));
            continue;
        }
        let base = if name.is_ascii() {
            name.trim_end_matches('_').to_string()
        } else {
            field_name(&name)
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate) || !typify::accept_as_ident(&candidate) {
            candidate = format!("{}_{n}", base.trim_end_matches('_'));
            n += 1;
        }
        taken.insert(candidate.clone());
        if serde_rename(&field.attrs).is_none() {
            let wire = name.trim_start_matches("r#").to_string();
            field
                .attrs
                .push(syn::parse_quote!(#[serde(rename = #wire)]));
        }
        field.ident = Some(syn::Ident::new(&candidate, ident.span()));
        order.push((name, candidate));
    }
    Some(order)
}

impl VisitMut for Editor {
    fn visit_file_mut(&mut self, file: &mut syn::File) {
        for item in &mut file.items {
            match item {
                syn::Item::Struct(item) => {
                    if let syn::Fields::Named(fields) = &mut item.fields {
                        if let Some(order) = normalise_fields(fields) {
                            self.field_renames.insert(item.ident.to_string(), order);
                        }
                    }
                }
                syn::Item::Enum(item) => {
                    for variant in &mut item.variants {
                        if let syn::Fields::Named(fields) = &mut variant.fields {
                            normalise_fields(fields);
                        }
                    }
                }
                _ => {}
            }
        }
        visit_mut::visit_file_mut(self, file);
        let constants: Vec<syn::Item> = file
            .items
            .iter()
            .filter_map(integer_enum_constants)
            .collect();
        file.items.extend(constants);
    }

    fn visit_expr_struct_mut(&mut self, expr: &mut syn::ExprStruct) {
        let target = expr.path.segments.last().map(|s| s.ident.to_string());
        let target = match target.as_deref() {
            Some("Self") => self.current_impl.clone(),
            other => other.map(str::to_string),
        };
        if let Some(order) = target.and_then(|t| self.field_renames.get(&t)) {
            let mut used = vec![false; order.len()];
            for field in expr.fields.iter_mut() {
                let syn::Member::Named(ident) = &field.member else {
                    continue;
                };
                let name = ident.to_string();
                if let Some(index) = (0..order.len()).find(|&i| !used[i] && order[i].0 == name) {
                    used[index] = true;
                    if order[index].1 != name {
                        field.member =
                            syn::Member::Named(syn::Ident::new(&order[index].1, ident.span()));
                    }
                }
            }
        }
        visit_mut::visit_expr_struct_mut(self, expr);
    }

    /// typify writes a schema's title and description as one doc attribute per item: made inert
    /// whole (a description that is only an indented line is a doctest too).
    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        if !attr.path().is_ident("doc") {
            return;
        }
        let syn::Meta::NameValue(meta) = &mut attr.meta else {
            return;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &meta.value
        else {
            return;
        };
        let value = text.value();
        let fixed = crate::markdown::inert(&value);
        if fixed != value {
            meta.value = syn::parse_quote!(#fixed);
        }
    }

    fn visit_item_mod_mut(&mut self, item: &mut syn::ItemMod) {
        if item.ident == "defaults" {
            item.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
        }
        visit_mut::visit_item_mod_mut(self, item);
    }

    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        if let Some(map) = self.renames.get(&item.ident.to_string()) {
            for variant in &mut item.variants {
                if let Some(new) = map.get(&variant.ident.to_string()) {
                    variant.ident = syn::Ident::new(new, variant.ident.span());
                }
            }
        }
        visit_mut::visit_item_enum_mut(self, item);
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let previous = self.current_impl.take();
        if let syn::Type::Path(path) = item.self_ty.as_ref() {
            self.current_impl = path.path.segments.last().map(|s| s.ident.to_string());
        }
        visit_mut::visit_item_impl_mut(self, item);
        self.current_impl = previous;
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        // Runs for every path of the output: compares idents in place, allocates only to rename.
        if let Some(first) = path.segments.first() {
            if first.ident == "chrono" {
                self.uses.chrono = true;
            } else if first.ident == "uuid" {
                self.uses.uuid = true;
            } else if first.ident == "regress" {
                self.uses.regress = true;
            } else if first.ident == "regex" {
                self.uses.regex = true;
            }
        }
        let n = path.segments.len();
        if n == 3
            && path.segments[0].ident == "chrono"
            && path.segments[1].ident == "offset"
            && path.segments[2].ident == "Utc"
        {
            *path = syn::parse_quote!(::chrono::FixedOffset);
            return;
        }
        if n >= 2 && !self.renames.is_empty() {
            let owner_ident = &path.segments[n - 2].ident;
            let owner = if owner_ident == "Self" {
                self.current_impl.clone()
            } else {
                Some(owner_ident.to_string())
            };
            let last = &path.segments[n - 1].ident;
            if let Some(new) = owner
                .and_then(|o| self.renames.get(&o))
                .and_then(|m| m.get(&last.to_string()))
            {
                let last = path.segments.last_mut().expect("n >= 2");
                last.ident = syn::Ident::new(new, last.ident.span());
            }
        }
        visit_mut::visit_path_mut(self, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    #[test]
    fn variants_are_renamed_everywhere() {
        let out = postprocess(
            quote! {
            pub enum Unit {
                #[serde(rename = "°C")]
                Xc,
                #[serde(rename = "")]
                X,
            }
            impl Unit {
                fn f(&self) -> &str { match *self { Self::Xc => "°C", Self::X => "" } }
            }
            fn g() -> Unit { Unit::Xc }
            pub struct T(::chrono::DateTime<::chrono::offset::Utc>);
            },
            &Constraints::new(),
            &ConstraintTable::default(),
        )
        .expect("parses")
        .file
        .into_token_stream()
        .to_string();
        assert!(out.contains("DegreeC"), "{out}");
        assert!(out.contains("Self :: Empty"), "{out}");
        assert!(out.contains("Unit :: DegreeC"), "{out}");
        assert!(!out.contains("Xc"), "{out}");
        assert!(out.contains(":: chrono :: FixedOffset"), "{out}");
    }
}
