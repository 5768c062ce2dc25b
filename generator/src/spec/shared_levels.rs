//! Parameters sharing an address level (`cfg/{a}.{b}`): a receiver splits such a level at the
//! first occurrence of the text after each parameter, so a value holding that text is read back
//! differently (`a = "x.y", b = "z"` arrives as `a = "x", b = "y.z"`). Generated `topic()`
//! functions reject such values; this check warns about the address up front unless the
//! parameter's `enum`, type or `pattern` rules the separator out.

use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::model::{Channel, Document, Level, LevelPart, Parameter};

/// One `address-shared-level` warning per parameter whose value could contain the text that
/// separates it from the rest of its level, and per pair of parameters with no text between them.
pub fn check(doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for channel in &doc.channels {
        let Some(address) = &channel.address else {
            continue;
        };
        for level in &address.levels {
            let Level::Mixed(parts) = level else {
                continue;
            };
            for pair in parts.windows(2) {
                match pair {
                    [LevelPart::Parameter(name), LevelPart::Literal(separator)] => {
                        let parameter = channel.parameters.iter().find(|p| &p.name == name);
                        if may_contain(doc, parameter, separator) {
                            out.push(warning(channel, &address.raw, name, separator));
                        }
                    }
                    [LevelPart::Parameter(first), LevelPart::Parameter(second)] => {
                        out.push(
                            Diagnostic::warning(
                                "address-shared-level",
                                Some(channel.node.clone()),
                                format!(
                                    "parameters `{first}` and `{second}` of address `{}` follow each \
                                     other with no text between them; a receiver cannot tell where \
                                     `{first}` ends",
                                    address.raw
                                ),
                            )
                            .with_help("put a separator between them, or give them levels of their own"),
                        );
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

fn warning(channel: &Channel, address: &str, name: &str, separator: &str) -> Diagnostic {
    Diagnostic::warning(
        "address-shared-level",
        Some(channel.node.clone()),
        format!(
            "parameter `{name}` shares a level of address `{address}` and nothing keeps its value \
             from containing `{separator}`, the text after it; receivers would split such a value \
             at the first `{separator}` (generated `topic()` functions reject it)"
        ),
    )
    .with_help(format!(
        "give `{name}` an `enum` or a `pattern` (e.g. `^[a-z0-9]+$`) without `{separator}`, or a \
         level of its own"
    ))
}

/// True unless the parameter's allowed values, type or pattern rule out `separator`.
fn may_contain(doc: &Document, parameter: Option<&Parameter>, separator: &str) -> bool {
    let Some(parameter) = parameter else {
        return true;
    };
    if !parameter.allowed.is_empty() {
        return parameter.allowed.iter().any(|value| match value {
            Value::String(text) => text.contains(separator),
            other => other.to_string().contains(separator),
        });
    }
    let schema = parameter.schema.as_ref().map(|schema| resolve(doc, schema));
    let Some(schema) = schema else {
        return true;
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().any(|value| match value {
            Value::String(text) => text.contains(separator),
            other => other.to_string().contains(separator),
        });
    }
    let only = |allowed: &dyn Fn(char) -> bool| separator.chars().all(allowed);
    let type_allows = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => {
            let non_negative = schema
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|min| min >= 0.0);
            only(&|c| c.is_ascii_digit() || (c == '-' && !non_negative))
        }
        Some("number") => only(&|c| c.is_ascii_digit() || "+-.eEinfNa".contains(c)),
        Some("boolean") => "true".contains(separator) || "false".contains(separator),
        _ => true,
    };
    if !type_allows {
        return false;
    }
    match schema
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(pattern_alphabet)
    {
        Some(alphabet) => separator.chars().all(|c| alphabet.contains(c)),
        None => true,
    }
}

fn resolve<'a>(doc: &'a Document, schema: &'a Value) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(crate::model::NodeId::parse)
        .and_then(|id| doc.schemas.get(&id))
        .map_or(schema, |target| &target.value)
}

/// The characters a value matching `pattern` can hold, for the simple anchored patterns
/// parameters use (`^[a-z0-9-]+$`, `^\d{3}$`, `^v[0-9]+$`): a sequence of literal characters,
/// `\d`/`\w`, escapes and bracket classes, each optionally quantified. `None` (anything) for
/// patterns outside that shape.
fn pattern_alphabet(pattern: &str) -> Option<Alphabet> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let mut alphabet = Alphabet::default();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                if chars.peek() == Some(&'^') {
                    return None;
                }
                let mut previous: Option<char> = None;
                loop {
                    let c = chars.next()?;
                    match c {
                        ']' => break,
                        '\\' => {
                            let escaped = chars.next()?;
                            if !alphabet.add_escape(escaped) {
                                alphabet.chars.push(escaped);
                            }
                            previous = Some(escaped);
                        }
                        '-' if previous.is_some() && chars.peek().is_some_and(|n| *n != ']') => {
                            let end = chars.next()?;
                            alphabet.ranges.push((previous.take()?, end));
                        }
                        other => {
                            alphabet.chars.push(other);
                            previous = Some(other);
                        }
                    }
                }
            }
            '\\' => {
                let escaped = chars.next()?;
                if !alphabet.add_escape(escaped) {
                    if escaped.is_ascii_alphanumeric() {
                        return None;
                    }
                    alphabet.chars.push(escaped);
                }
            }
            '+' | '*' | '?' => {}
            '{' => {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    if !(c.is_ascii_digit() || c == ',') {
                        return None;
                    }
                }
            }
            '(' | ')' | '|' | '.' | '^' | '$' => return None,
            other => alphabet.chars.push(other),
        }
    }
    Some(alphabet)
}

/// A set of characters: single characters and inclusive ranges.
#[derive(Default)]
struct Alphabet {
    chars: Vec<char>,
    ranges: Vec<(char, char)>,
}

impl Alphabet {
    /// Adds the class of `\d`, `\w`; false for other escapes.
    fn add_escape(&mut self, escaped: char) -> bool {
        match escaped {
            'd' => self.ranges.push(('0', '9')),
            'w' => {
                self.ranges.extend([('0', '9'), ('a', 'z'), ('A', 'Z')]);
                self.chars.push('_');
            }
            _ => return false,
        }
        true
    }

    fn contains(&self, c: char) -> bool {
        self.chars.contains(&c) || self.ranges.iter().any(|&(a, b)| a <= c && c <= b)
    }
}

#[cfg(test)]
mod tests {
    fn warnings(parameters: &str) -> Vec<String> {
        let yaml = format!(
            "asyncapi: 2.6.0\ninfo: {{title: t, version: '1'}}\nchannels:\n  'cfg/{{a}}.{{b}}/x':\n    \
             parameters:\n{parameters}    subscribe:\n      message: {{payload: {{type: string}}}}\n"
        );
        let loaded = crate::spec::load_str(&yaml, "test.yaml");
        loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == "address-shared-level")
            .map(|d| d.message.clone())
            .collect()
    }

    #[test]
    fn warns_when_a_value_could_hold_the_separator() {
        let found =
            warnings("      a: {schema: {type: string}}\n      b: {schema: {type: string}}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("parameter `a`"), "{found:?}");
        assert!(found[0].contains("`.`"), "{found:?}");
    }

    #[test]
    fn enums_types_and_patterns_rule_the_separator_out() {
        for a in [
            "{schema: {type: string, enum: [x, y]}}",
            "{schema: {type: integer}}",
            "{schema: {type: boolean}}",
            "{schema: {type: string, pattern: '^[a-z0-9_-]+$'}}",
            "{schema: {type: string, pattern: '^\\w{2,8}$'}}",
        ] {
            let found = warnings(&format!("      a: {a}\n      b: {{}}\n"));
            assert!(found.is_empty(), "{a}: {found:?}");
        }
        for a in [
            "{schema: {type: number}}",
            "{schema: {type: string, enum: [x, y.z]}}",
            "{schema: {type: string, pattern: '[a-z]+'}}",
            "{schema: {type: string, pattern: '^[a-z.]+$'}}",
        ] {
            let found = warnings(&format!("      a: {a}\n      b: {{}}\n"));
            assert_eq!(found.len(), 1, "{a}: {found:?}");
        }
    }
}
