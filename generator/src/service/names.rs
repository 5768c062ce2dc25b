//! Rust names from spec names: sanitised, cased, and made unique deterministically.
//!
//! Spec authors write ids like `receiveLightMeasurement`, `light.turn-on`, `3rd-party` or `type`;
//! generated code needs valid, non-keyword identifiers that never collide. Collisions are resolved by
//! appending `2`, `3`, ... in the order names are claimed (document order), so output is stable.

use std::collections::BTreeSet;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Words that cannot be plain identifiers (strict and reserved keywords of Rust 2021).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Replaces everything that is not ASCII alphanumeric by a word break, keeping word boundaries.
fn words(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Makes a cased word sequence a valid identifier: never empty, never starting with a digit, never a
/// keyword.
fn finish(mut name: String, fallback: &str, digit_prefix: &str) -> String {
    if name.is_empty() {
        name = fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, digit_prefix);
    }
    if name == "Self" {
        // The one keyword in UpperCamelCase; `SelfValue` (as typify names it) composes into
        // `SelfValueParams`, where `Self_` would give `Self_Params`.
        return "SelfValue".to_string();
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `snake_case` for methods, fields and modules: `receiveLightMeasurement` → `receive_light_measurement`.
pub fn snake(raw: &str) -> String {
    finish(words(raw).to_snake_case(), "unnamed", "n")
}

/// `UpperCamelCase` for types and variants: `lightTurnOn` → `LightTurnOn`.
pub fn camel(raw: &str) -> String {
    finish(words(raw).to_upper_camel_case(), "Unnamed", "N")
}

/// `SHOUTY_SNAKE_CASE` for constants: `lightTurnOn` → `LIGHT_TURN_ON`.
pub fn shouty(raw: &str) -> String {
    finish(words(raw).to_shouty_snake_case(), "UNNAMED", "N")
}

/// `name` without the `_` that [`snake`] and [`shouty`] append to keywords, for composing it
/// into a longer name (`type_` + `_with` → `type_with`, not `type__with`).
pub fn stem(name: &str) -> &str {
    name.trim_end_matches('_')
}

/// An identifier token for an already sanitised name.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// Hands out names unique within one scope (a module, a struct's fields, a trait's methods).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|name| name.to_string()).collect(),
        }
    }

    /// True when `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claims `wanted`, or `wanted2`, `wanted3`, ... when it is taken.
    pub fn claim(&mut self, wanted: &str) -> String {
        let mut candidate = wanted.to_string();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{wanted}{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// Claims one name per `(raw, wanted)` pair: first, in order, every pair whose `raw` spelling
    /// already is `wanted` (so JSON `"error"` gets `error` and `"Error"` the suffix, whatever their
    /// order), then the others in order. `snake` picks the `_2` style of [`Scope::claim_snake`]
    /// over the `2` style of [`Scope::claim`].
    pub fn claim_exact_first(&mut self, pairs: &[(&str, String)], snake: bool) -> Vec<String> {
        let mut names = vec![String::new(); pairs.len()];
        for exact in [true, false] {
            for (index, (raw, wanted)) in pairs.iter().enumerate() {
                if (*raw == wanted.as_str()) == exact {
                    names[index] = if snake {
                        self.claim_snake(wanted)
                    } else {
                        self.claim(wanted)
                    };
                }
            }
        }
        names
    }

    /// Claims `wanted` with a `_`-separated counter (for snake-case names: `on_x`, `on_x_2`).
    pub fn claim_snake(&mut self, wanted: &str) -> String {
        let mut candidate = wanted.to_string();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{wanted}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_spec_names() {
        assert_eq!(
            snake("receiveLightMeasurement"),
            "receive_light_measurement"
        );
        assert_eq!(camel("lightTurnOn"), "LightTurnOn");
        assert_eq!(shouty("light.turn-on"), "LIGHT_TURN_ON");
        assert_eq!(
            camel("smartylighting/streetlights/{id}"),
            "SmartylightingStreetlightsId"
        );
    }

    #[test]
    fn never_yields_invalid_identifiers() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(camel("self"), "SelfValue");
        assert_eq!(snake("3rd-party"), "n3rd_party");
        assert_eq!(camel("3rd-party"), "N3rdParty");
        assert_eq!(snake("$$$"), "unnamed");
        for name in ["type", "3rd", "", "a-b", "Self", "über"] {
            syn::parse_str::<syn::Ident>(&snake(name)).unwrap();
            syn::parse_str::<syn::Ident>(&camel(name)).unwrap();
        }
    }

    #[test]
    fn resolves_collisions_in_claim_order() {
        let mut scope = Scope::with_reserved(&["Router"]);
        assert_eq!(scope.claim("Router"), "Router2");
        assert_eq!(scope.claim("Light"), "Light");
        assert_eq!(scope.claim("Light"), "Light2");
        assert_eq!(scope.claim_snake("on_x"), "on_x");
        assert_eq!(scope.claim_snake("on_x"), "on_x_2");
    }

    #[test]
    fn exact_spellings_win_over_earlier_claimants() {
        let mut scope = Scope::default();
        let pairs = [("Error", snake("Error")), ("error", snake("error"))];
        assert_eq!(scope.claim_exact_first(&pairs, true), ["error_2", "error"]);
        let mut scope = Scope::default();
        let pairs = [("a", camel("a")), ("A", camel("A")), ("", camel(""))];
        assert_eq!(
            scope.claim_exact_first(&pairs, false),
            ["A2", "A", "Unnamed"]
        );
    }
}
