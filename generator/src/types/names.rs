//! Rust identifiers for schema, type and variant names: valid, readable, distinct and stable.
//!
//! Every name goes through [`type_name`] (UpperCamelCase) or [`variant_name`], then through a
//! [`NameSet`] that keeps names distinct (case-insensitively, because typify re-cases names and
//! because `getClaimedAddress` and `getclaimedaddress` would otherwise be two types that differ
//! only by case). Output is plain ASCII, so `non_ascii_idents`-style lints never fire.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;

/// Names that would shadow the prelude (or typify's own items) when a user glob-imports the
/// generated module; they get a `Type` suffix (`Result` → `ResultType`).
const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "String",
    "Vec",
    "Box",
    "Self",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Debug",
    "Hash",
    "Error",
    "ConversionError",
    "Serialize",
    "Deserialize",
    "Value",
    "Map",
    "Builder",
];

/// Replaces common accented Latin letters by their ASCII base letter; other non-ASCII characters
/// become word separators.
fn transliterate(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ç' => 'c',
            'Ç' => 'C',
            'ß' => 's',
            'ý' | 'ÿ' => 'y',
            'Ý' => 'Y',
            c if c.is_ascii_alphanumeric() => c,
            _ => ' ',
        })
        .collect()
}

/// Spells out the characters that carry meaning on their own, so that `+1`, `-1` or `°C` give
/// readable names instead of nothing.
fn spell_symbols(input: &str) -> String {
    let trimmed = input.trim();
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '-' if i == 0 => out.push_str("minus "),
            '+' if i == 0 => out.push_str("plus "),
            '°' => out.push_str(" degree "),
            '%' => out.push_str(" percent "),
            '*' => out.push_str(" star "),
            '#' => out.push_str(" hash "),
            '.' if trimmed
                .chars()
                .nth(i + 1)
                .is_some_and(|n| n.is_ascii_digit())
                && i > 0
                && trimmed
                    .chars()
                    .nth(i - 1)
                    .is_some_and(|p| p.is_ascii_digit()) =>
            {
                out.push('_')
            }
            _ => out.push(c),
        }
    }
    out
}

/// An UpperCamelCase, ASCII, keyword-free identifier for `raw`, or `fallback` when `raw` holds no
/// letters or digits. Names starting with a digit get a `fallback` prefix (`3dModel` → `N3dModel`
/// for `fallback = "N"`).
pub fn upper_camel(raw: &str, fallback: &str) -> String {
    plain_upper_camel(raw).unwrap_or_else(|| spelled_upper_camel(raw, fallback))
}

/// [`upper_camel`] of plain words (`state5 headers`, `Light measured`: each an ASCII letter, then
/// lowercase ASCII letters and digits, with a lowercase letter in every word but the last, single
/// spaces between them), where the general path below
/// comes to each word with its first letter upper-cased: most names are such words, and the
/// general path (two Unicode-aware heck passes) costs thousands of instructions per name for a
/// document with thousands of messages. `None` for anything else.
fn plain_upper_camel(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut words = raw.split(' ').peekable();
    while let Some(word) = words.next() {
        let (first, rest) = word.as_bytes().split_first()?;
        if !first.is_ascii_alphabetic()
            || !rest
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            // heck's second pass joins `X1` and the next word (`x1 y` → `X1y`): a word followed
            // by another needs a lowercase letter after its first.
            || (words.peek().is_some() && !rest.iter().any(u8::is_ascii_lowercase))
        {
            return None;
        }
        out.push(char::from(first.to_ascii_uppercase()));
        out.push_str(&word[1..]);
    }
    Some(out)
}

/// [`upper_camel`] of any text: symbols spelled out, accents dropped, heck's word boundaries.
fn spelled_upper_camel(raw: &str, fallback: &str) -> String {
    let spelled = spell_symbols(raw);
    let ascii = transliterate(&spelled.replace('_', " "));
    let mut name = ascii.to_upper_camel_case();
    // heck keeps digit runs glued to the previous word; a second pass is a fixed point.
    name = name.to_upper_camel_case();
    if name.is_empty() {
        return fallback.to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{fallback}{name}");
    }
    name
}

/// A type name for a schema, message or property path (`light measured payload` →
/// `LightMeasuredPayload`), avoiding prelude names.
pub fn type_name(raw: &str) -> String {
    let name = upper_camel(raw, "Type");
    if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        format!("{name}Type")
    } else {
        name
    }
}

/// A variant name for an enum value (`""` → `Empty`, `" "` → `Blank`, `"true"` → `True`, `V1.0` → `V1_0`,
/// `°C` → `DegreeC`, `-1` → `Minus1`, `3` → `V3`).
pub fn variant_name(raw: &str) -> String {
    if raw.is_empty() {
        return "Empty".to_string();
    }
    if raw.trim().is_empty() {
        return "Blank".to_string();
    }
    let name = upper_camel(raw, "V");
    // `V1_0`-style names: keep the underscore heck removed between digits for readability.
    if raw.contains('.') && raw.chars().any(|c| c.is_ascii_digit()) {
        let kept: String = spell_symbols(raw)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !kept.is_empty() && kept.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let mut chars = kept.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            return first.into_iter().chain(chars).collect();
        }
    }
    if name == "Self" {
        return "SelfValue".to_string();
    }
    name
}

/// An ASCII snake_case field name for a non-ASCII one (`größe` → `grosse`), keyword-safe
/// (`type` → `type_`) and starting with a letter (`2fa` → `x2fa`), as typify spells the others.
pub fn field_name(raw: &str) -> String {
    use heck::ToSnakeCase;
    let name = transliterate(&raw.replace('ß', "ss")).to_snake_case();
    let name = if name.is_empty() {
        "field".to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("x{name}")
    } else {
        name
    };
    if typify::accept_as_ident(&name) {
        name
    } else {
        format!("{name}_")
    }
}

/// A set of names already taken; [`NameSet::claim`] returns a distinct name, adding `2`, `3`, ...
/// to later claimants. Comparison ignores ASCII case so that names differing only by case stay
/// distinct after re-casing.
#[derive(Debug, Default, Clone)]
pub struct NameSet {
    taken: BTreeSet<String>,
}

impl NameSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks `name` as taken without checking.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_ascii_lowercase());
    }

    /// True when `name` (ignoring case) is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(&name.to_ascii_lowercase())
    }

    /// Claims `wanted`, or `wanted2`, `wanted3`, ... when taken.
    pub fn claim(&mut self, wanted: &str) -> String {
        let mut candidate = wanted.to_string();
        let mut n = 2;
        while self.contains(&candidate) {
            candidate = format!("{wanted}{n}");
            n += 1;
        }
        self.reserve(&candidate);
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_take_the_general_paths_name() {
        for raw in [
            "state5 headers",
            "State5",
            "light measured payload",
            "a",
            "xa1 yb2 z3",
            "line0abc",
            "Turn on",
        ] {
            assert_eq!(
                plain_upper_camel(raw).as_deref(),
                Some(spelled_upper_camel(raw, "Type").as_str()),
                "{raw}"
            );
        }
        // Every string of up to 5 characters over letters of both cases, digits and spaces:
        // wherever the plain path answers, it answers what the general path does.
        let alphabet = ['a', 'q', 'Z', 'B', '0', '7', ' '];
        let mut strings = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for raw in &longer {
                if let Some(plain) = plain_upper_camel(raw) {
                    assert_eq!(plain, spelled_upper_camel(raw, "Type"), "{raw:?}");
                }
            }
            strings = longer;
        }
        for raw in [
            "",
            " a",
            "a ",
            "a  b",
            "x1 y2",
            "a b",
            "HTTPServer",
            "aB",
            "3d model",
            "é",
            "a_b",
            "a-b",
            "°C",
        ] {
            assert_eq!(plain_upper_camel(raw), None, "{raw}");
        }
    }

    #[test]
    fn awkward_values_give_readable_variants() {
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("true"), "True");
        assert_eq!(variant_name("V1.0"), "V1_0");
        assert_eq!(variant_name("°C"), "DegreeC");
        assert_eq!(variant_name("ui-mode"), "UiMode");
        assert_eq!(variant_name("-1"), "Minus1");
        assert_eq!(variant_name("3"), "V3");
        assert_eq!(variant_name("gzip+base64"), "GzipBase64");
        assert_eq!(variant_name("%"), "Percent");
    }

    #[test]
    fn type_names_are_valid_and_avoid_the_prelude() {
        assert_eq!(type_name("lightMeasuredPayload"), "LightMeasuredPayload");
        assert_eq!(type_name("Result"), "ResultType");
        assert_eq!(type_name("option"), "OptionType");
        assert_eq!(type_name("3d model"), "Type3dModel");
        assert_eq!(type_name("00:10:01"), "Type001001");
        assert_eq!(
            type_name("Cerradura abierta ñandú"),
            "CerraduraAbiertaNandu"
        );
        assert_eq!(type_name("a/b.c d"), "Abcd");
        assert_eq!(type_name("type"), "Type");
        assert_eq!(type_name("测试"), "Type");
    }

    #[test]
    fn field_names_are_ascii() {
        assert_eq!(field_name("größe"), "grosse");
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("2fa"), "x2fa");
    }

    #[test]
    fn names_differing_by_case_stay_distinct() {
        let mut set = NameSet::new();
        assert_eq!(
            set.claim(&type_name("getClaimedAddress")),
            "GetClaimedAddress"
        );
        assert_eq!(
            set.claim(&type_name("getclaimedaddress")),
            "Getclaimedaddress2"
        );
    }
}
