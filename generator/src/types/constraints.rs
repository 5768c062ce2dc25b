//! Numeric and array constraints typify does not check, checked on decoding.
//!
//! typify enforces `pattern` and string lengths (validating newtypes) but not `minimum`,
//! `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `minItems`, `maxItems` or
//! `uniqueItems`. The pre-processor records those per struct field (and per newtype); this
//! module adds `#[serde(deserialize_with = "constraints::check_<n>")]` to the matching fields and
//! emits the `constraints` helper module, so decoding a value outside the schema fails with a
//! message naming the broken rule. Fields keep their plain Rust types (`u8`, `f64`, `Vec<T>`),
//! so building a value in Rust is not checked. Only fields whose type is a number, a `NonZero`
//! integer, a `Vec`, or an `Option` of those are checked (anything else is left alone).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

/// MQTT's largest packet (the largest "remaining length", 256 MiB - 1): no payload is longer,
/// so no decoded string or list has more characters or items; a larger `maxLength`/`maxItems`
/// is a dead check and generates none.
pub const MQTT_MAX_PACKET: u64 = 268_435_455;

/// The checkable constraints of one schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    multiple_of: Option<f64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    unique_items: bool,
}

/// type name → wire member name (`""` for a newtype's own value) → limits.
pub type Constraints = BTreeMap<String, BTreeMap<String, Limits>>;

impl Limits {
    /// The limits written in a (pre-processed) schema, if any. A fixed-length array
    /// (`minItems == maxItems`) is a Rust array or tuple already and records no item counts.
    pub fn from_schema(schema: &Value) -> Option<Limits> {
        let map: &Map<String, Value> = schema.as_object()?;
        let number = |key: &str| map.get(key).and_then(Value::as_f64);
        let count = |key: &str| map.get(key).and_then(Value::as_u64);
        let (min_items, max_items) = match (count("minItems"), count("maxItems")) {
            (Some(a), Some(b)) if a == b => (None, None),
            other => other,
        };
        let (low, high) = integer_range(map).unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        let integer = low.is_finite();
        // Limits the Rust type already guarantees are dead checks: left out.
        let limits = Limits {
            minimum: number("minimum").filter(|m| *m > low),
            maximum: number("maximum").filter(|m| *m < high),
            exclusive_minimum: number("exclusiveMinimum").filter(|m| *m >= low),
            exclusive_maximum: number("exclusiveMaximum").filter(|m| *m <= high),
            multiple_of: number("multipleOf")
                .filter(|m| *m > 0.0)
                .filter(|m| !(integer && (1.0 / m).fract() == 0.0)),
            min_items: min_items.filter(|n| *n > 0),
            max_items: max_items.filter(|n| *n < MQTT_MAX_PACKET),
            unique_items: map.get("uniqueItems") == Some(&Value::Bool(true)),
        };
        (limits != Limits::default()).then_some(limits)
    }
}

/// The values the Rust type of an integer schema holds (typify's mapping of `format`, `i64`
/// without one; an unsigned type with `minimum: 1` is a `NonZero` type), or `None` for other
/// schemas.
fn integer_range(map: &Map<String, Value>) -> Option<(f64, f64)> {
    let integer = match map.get("type") {
        Some(Value::String(t)) => t == "integer",
        Some(Value::Array(types)) => {
            types.iter().any(|t| t == "integer")
                && types.iter().all(|t| t == "integer" || t == "null")
        }
        _ => false,
    };
    if !integer {
        return None;
    }
    let number = |key: &str| map.get(key).and_then(Value::as_f64);
    // typify's effective bounds: the tighter of the inclusive and exclusive ones.
    let min = match (number("minimum"), number("exclusiveMinimum")) {
        (Some(m), Some(e)) => Some(m.max(e + 1.0)),
        (m, e) => m.or(e.map(|e| e + 1.0)),
    };
    let max = match (number("maximum"), number("exclusiveMaximum")) {
        (Some(m), Some(e)) => Some(m.min(e - 1.0)),
        (m, e) => m.or(e.map(|e| e - 1.0)),
    };
    let format_range = match map.get("format").and_then(Value::as_str) {
        Some("int8") => Some((i8::MIN as f64, i8::MAX as f64)),
        Some("uint8") => Some((0.0, u8::MAX as f64)),
        Some("int16") => Some((i16::MIN as f64, i16::MAX as f64)),
        Some("uint16") => Some((0.0, u16::MAX as f64)),
        Some("int" | "int32") => Some((i32::MIN as f64, i32::MAX as f64)),
        Some("uint" | "uint32") => Some((0.0, u32::MAX as f64)),
        Some("int64") => Some((i64::MIN as f64, i64::MAX as f64)),
        Some("uint64") => Some((0.0, u64::MAX as f64)),
        _ => None,
    }
    // typify keeps the format's type only when the bounds fit in it.
    .filter(|(low, high)| min.is_none_or(|m| m >= *low) && max.is_none_or(|m| m <= *high));
    if min == Some(1.0) {
        // typify's `NonZero` types are unsigned, of the format's width.
        let high = match format_range.map(|(_, high)| high) {
            Some(high) if high <= u8::MAX as f64 => u8::MAX as f64,
            Some(high) if high <= u16::MAX as f64 => u16::MAX as f64,
            Some(high) if high <= u32::MAX as f64 => u32::MAX as f64,
            _ => u64::MAX as f64,
        };
        return Some((1.0, high));
    }
    Some(format_range.unwrap_or((i64::MIN as f64, i64::MAX as f64)))
}

fn option_tokens<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

/// The type's last path segment and its first generic argument, if any.
fn segment(ty: &syn::Type) -> Option<(String, Option<&syn::Type>)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let inner = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    };
    Some((last.ident.to_string(), inner))
}

/// True when the generated `Checked` trait is implemented for `ty`.
fn checkable(ty: &syn::Type) -> bool {
    const NUMBERS: &[&str] = &[
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64",
    ];
    const NON_ZERO: &[&str] = &["NonZeroU8", "NonZeroU16", "NonZeroU32", "NonZeroU64"];
    match segment(ty) {
        Some((name, None)) => NUMBERS.contains(&name.as_str()) || NON_ZERO.contains(&name.as_str()),
        Some((name, Some(_))) if name == "Vec" => true,
        Some((name, Some(inner))) if name == "Option" => checkable(inner),
        _ => false,
    }
}

fn is_option(ty: &syn::Type) -> bool {
    matches!(segment(ty), Some((name, Some(_))) if name == "Option")
}

/// What a field's `#[serde(...)]` attributes say.
#[derive(Default)]
struct SerdeFacts {
    rename: Option<String>,
    default: bool,
    deserialize_with: Option<String>,
}

fn serde_facts(attrs: &[syn::Attribute]) -> SerdeFacts {
    let mut facts = SerdeFacts::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") || meta.path.is_ident("deserialize_with") {
                let value: syn::LitStr = meta.value()?.parse()?;
                if meta.path.is_ident("rename") {
                    facts.rename = Some(value.value());
                } else {
                    facts.deserialize_with = Some(value.value());
                }
            } else {
                if meta.path.is_ident("default") {
                    facts.default = true;
                }
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
            }
            Ok(())
        });
    }
    facts
}

/// Removes a `#[serde(deserialize_with = "...")]` attribute that holds nothing else.
fn remove_deserialize_with(attrs: &mut Vec<syn::Attribute>) -> bool {
    let before = attrs.len();
    attrs.retain(|attr| {
        if !attr.path().is_ident("serde") {
            return true;
        }
        let mut only_deserialize_with = true;
        let mut any = false;
        let _ = attr.parse_nested_meta(|meta| {
            any = true;
            if !meta.path.is_ident("deserialize_with") {
                only_deserialize_with = false;
            }
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        !(any && only_deserialize_with)
    });
    attrs.len() != before
}

/// Every distinct set of limits in a bundle, numbered: `constraints::check_<n>` checks the
/// `n`-th. Numbered once for the whole bundle (in [`Constraints`] order), so types generated in
/// separate groups name the same checks; only the checks some field uses are emitted.
#[derive(Clone, Debug, Default)]
pub struct ConstraintTable {
    distinct: Vec<Limits>,
    numbers: HashMap<LimitsKey, usize>,
}

/// [`Limits`] as a hashable value (numbers by their bits), so that numbering a bundle's fields
/// is not quadratic in its number of constrained fields.
type LimitsKey = [Option<u64>; 8];

impl Limits {
    fn key(&self) -> LimitsKey {
        let bits = |n: Option<f64>| n.map(f64::to_bits);
        [
            bits(self.minimum),
            bits(self.maximum),
            bits(self.exclusive_minimum),
            bits(self.exclusive_maximum),
            bits(self.multiple_of),
            self.min_items,
            self.max_items,
            Some(u64::from(self.unique_items)),
        ]
    }
}

impl ConstraintTable {
    /// Numbers the distinct limits of `constraints`.
    pub fn new(constraints: &Constraints) -> ConstraintTable {
        let mut table = ConstraintTable::default();
        for limits in constraints.values().flat_map(BTreeMap::values) {
            let next = table.distinct.len();
            if let Entry::Vacant(slot) = table.numbers.entry(limits.key()) {
                slot.insert(next);
                table.distinct.push(limits.clone());
            }
        }
        table
    }

    fn index(&self, limits: &Limits) -> Option<usize> {
        self.numbers.get(&limits.key()).copied()
    }
}

/// Adds `#[serde(deserialize_with = "constraints::check_<n>")]` to the constrained fields of
/// `file` (see the module docs) and returns the numbers of the checks used; [`module`] emits them.
pub fn apply(
    file: &mut syn::File,
    constraints: &Constraints,
    table: &ConstraintTable,
) -> BTreeSet<usize> {
    let mut used = BTreeSet::new();
    let mut attach = |field: &mut syn::Field, wire: &str, owner: &BTreeMap<String, Limits>| {
        let Some(limits) = owner.get(wire) else {
            return;
        };
        if !checkable(&field.ty) {
            return;
        }
        let facts = serde_facts(&field.attrs);
        // typify marks a required but nullable member with `Option::deserialize` (so a missing
        // member is an error); the check replaces it and keeps the member required.
        let required_nullable = match facts.deserialize_with.as_deref() {
            None => false,
            Some(path) if path.ends_with("Option::deserialize") => {
                if !remove_deserialize_with(&mut field.attrs) {
                    return;
                }
                true
            }
            Some(_) => return,
        };
        let Some(index) = table.index(limits) else {
            return;
        };
        used.insert(index);
        let path = format!("constraints::check_{index}");
        field
            .attrs
            .push(syn::parse_quote!(#[serde(deserialize_with = #path)]));
        if is_option(&field.ty) && !facts.default && !required_nullable {
            field.attrs.push(syn::parse_quote!(#[serde(default)]));
        }
    };
    for item in &mut file.items {
        let syn::Item::Struct(item) = item else {
            continue;
        };
        let Some(owner) = constraints.get(&item.ident.to_string()) else {
            continue;
        };
        match &mut item.fields {
            syn::Fields::Named(fields) => {
                for field in fields.named.iter_mut() {
                    let wire = serde_facts(&field.attrs).rename.unwrap_or_else(|| {
                        field
                            .ident
                            .as_ref()
                            .map(|i| i.to_string().trim_start_matches("r#").to_string())
                            .unwrap_or_default()
                    });
                    attach(field, &wire, owner);
                }
            }
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                if let Some(field) = fields.unnamed.first_mut() {
                    attach(field, "", owner);
                }
            }
            _ => {}
        }
    }
    used
}

/// The `constraints` helper module with the checks numbered in `used`; `None` when there are
/// none.
pub fn module(table: &ConstraintTable, used: &BTreeSet<usize>) -> Option<syn::Item> {
    if used.is_empty() {
        return None;
    }
    let checks = crate::rt::codegen(quote!(constraints));
    let functions = used.iter().map(|&index| {
        let limits = &table.distinct[index];
        let name = format_ident!("check_{index}");
        let number = |value: Option<f64>| value.map(|v| option_tokens(Some(v)));
        let count = |value: Option<u64>| value.map(|n| option_tokens(Some(n as usize)));
        let set = [
            ("minimum", number(limits.minimum)),
            ("maximum", number(limits.maximum)),
            ("exclusive_minimum", number(limits.exclusive_minimum)),
            ("exclusive_maximum", number(limits.exclusive_maximum)),
            ("multiple_of", number(limits.multiple_of)),
            ("min_items", count(limits.min_items)),
            ("max_items", count(limits.max_items)),
        ]
        .into_iter()
        .filter_map(|(field, value)| Some((field, value?)))
        .map(|(field, value)| {
            let field = format_ident!("{field}");
            quote!(#field: #value,)
        });
        let unique = limits.unique_items.then(|| quote!(unique_items: true,));
        quote! {
            pub(super) fn #name<'de, D, T>(deserializer: D) -> ::std::result::Result<T, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de> + #checks::Checked,
            {
                #checks::check(deserializer, &#checks::Limits { #(#set)* #unique ..::std::default::Default::default() })
            }
        }
    });
    let module: syn::Item = syn::parse_quote! {
        /// Decoding checks for `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
        /// `multipleOf`, `minItems`, `maxItems` and `uniqueItems` (the checks themselves are the
        /// runtime's).
        #[doc(hidden)]
        pub mod constraints {
            #(#functions)*
        }
    };
    Some(module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits(schema: Value) -> Option<Limits> {
        Limits::from_schema(&schema)
    }

    #[test]
    fn limits_the_rust_type_guarantees_are_left_out() {
        // `minimum: 0` on an unsigned type, the bounds of the width, `multipleOf: 1`.
        assert_eq!(
            limits(json!({"type": "integer", "format": "uint64", "minimum": 0})),
            None
        );
        assert_eq!(
            limits(json!({"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255})),
            None
        );
        assert_eq!(
            limits(
                json!({"type": "integer", "format": "int8", "exclusiveMinimum": -129, "exclusiveMaximum": 128})
            ),
            None
        );
        assert_eq!(limits(json!({"type": "integer", "multipleOf": 1})), None);
        assert_eq!(limits(json!({"type": "integer", "multipleOf": 0.5})), None);
        assert_eq!(
            limits(json!({"type": "integer", "minimum": -1e30, "maximum": 1e30})),
            None
        );
        // `minimum: 1` is a NonZero type.
        assert_eq!(
            limits(json!({"type": "integer", "format": "uint64", "minimum": 1})),
            None
        );
        assert_eq!(
            limits(json!({"type": "array", "minItems": 0, "maxItems": 1e15})),
            None
        );
        // No MQTT payload holds more items than its largest packet has bytes.
        assert_eq!(
            limits(json!({"type": "array", "maxItems": 300_000_000})),
            None
        );
        assert!(limits(json!({"type": "array", "maxItems": 1000})).is_some());
    }

    #[test]
    fn limits_the_type_can_break_are_kept() {
        let kept =
            limits(json!({"type": "integer", "format": "uint8", "minimum": 1, "maximum": 200}))
                .unwrap();
        assert_eq!((kept.minimum, kept.maximum), (None, Some(200.0)));
        // Exclusive bounds at the type's limits exclude a value the type holds.
        let at = limits(json!({"type": "integer", "format": "uint8", "exclusiveMinimum": 0, "exclusiveMaximum": 255}))
            .unwrap();
        assert_eq!(at.exclusive_maximum, Some(255.0));
        // Numbers: `minimum: 0` and `multipleOf: 1` are real checks on `f64`.
        let number = limits(json!({"type": "number", "minimum": 0, "multipleOf": 1})).unwrap();
        assert_eq!((number.minimum, number.multiple_of), (Some(0.0), Some(1.0)));
        // A format whose range the bounds leave is not the type typify picks (`i64`).
        let wide = limits(json!({"type": "integer", "format": "uint8", "maximum": 1000})).unwrap();
        assert_eq!(wide.maximum, Some(1000.0));
        assert_eq!(
            limits(json!({"type": "integer", "multipleOf": 3}))
                .unwrap()
                .multiple_of,
            Some(3.0)
        );
    }
}
