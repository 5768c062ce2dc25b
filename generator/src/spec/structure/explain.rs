//! Schema errors as sentences a person understands, one per problem.
//!
//! A JSON Schema validator reports where a value failed which keyword of which sub-schema. The
//! AsyncAPI schemas are full of `oneOf` alternatives (a Reference Object or a Message Object, a
//! schema or a boolean, ...), so a single mistake fails every alternative. Of those only the
//! alternative the author evidently meant is explained: the one whose errors reach deepest into
//! the value (it matched the most), then the one with the fewest errors.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value;

/// One problem: where (a JSON pointer into the resolved document), what, and the keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Pointer of the value at fault.
    pub pointer: String,
    /// The sentence.
    pub message: String,
    /// The diagnostic code.
    pub code: &'static str,
}

/// The findings of a validation's errors, in order, without repeats.
pub fn findings<'a>(errors: impl Iterator<Item = ValidationError<'a>>) -> Vec<Finding> {
    let mut out = Vec::new();
    for error in errors {
        explain(&error, &mut out);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert((f.pointer.clone(), f.message.clone())));
    out
}

fn explain(error: &ValidationError<'_>, out: &mut Vec<Finding>) {
    let pointer = error.instance_path().as_str().to_string();
    let what = subject(&pointer);
    let object = object_name(error);
    let (code, message) = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            return alternatives(error, context, out);
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => (
            "schema-ambiguous",
            format!("{what} matches more than one of the forms {object} allows; it must match exactly one"),
        ),
        ValidationErrorKind::Required { property } => (
            "schema-required",
            format!("{object} is missing the required field `{}`", plain(property)),
        ),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for key in unexpected {
                let mut at = pointer.clone();
                at.push('/');
                crate::reader::pointer::push_escaped(&mut at, key);
                out.push(Finding {
                    pointer: at,
                    message: format!("`{key}` is not a field of {object}"),
                    code: "schema-unknown-field",
                });
            }
            return;
        }
        ValidationErrorKind::Type { kind } => (
            "schema-type",
            format!(
                "{what} must be {}, not {}",
                expected_types(kind),
                kind_of(error.instance())
            ),
        ),
        ValidationErrorKind::Enum { options } => (
            "schema-enum",
            format!("{what} is {}, which is not one of {}", shown(error.instance()), list(options)),
        ),
        ValidationErrorKind::Constant { expected_value } => (
            "schema-const",
            format!("{what} must be {}, not {}", shown(expected_value), shown(error.instance())),
        ),
        ValidationErrorKind::Format { format } => (
            "schema-format",
            format!("{what} {} is not a valid {format}", shown(error.instance())),
        ),
        ValidationErrorKind::Pattern { pattern } => (
            "schema-pattern",
            format!("{what} {} does not match the pattern `{pattern}`", shown(error.instance())),
        ),
        ValidationErrorKind::PropertyNames { error: inner } => (
            "schema-key",
            format!(
                "the key {} is not allowed in {object}: {}",
                shown(inner.instance()),
                inner.kind().keyword()
            ),
        ),
        ValidationErrorKind::FalseSchema => ("schema-not-allowed", format!("{what} is not allowed here")),
        ValidationErrorKind::Minimum { limit } => ("schema-range", format!("{what} must be at least {limit}")),
        ValidationErrorKind::Maximum { limit } => ("schema-range", format!("{what} must be at most {limit}")),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            ("schema-range", format!("{what} must be greater than {limit}"))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            ("schema-range", format!("{what} must be less than {limit}"))
        }
        ValidationErrorKind::MinItems { limit } => {
            ("schema-size", format!("{what} must have at least {limit} item(s)"))
        }
        ValidationErrorKind::MaxItems { limit } => {
            ("schema-size", format!("{what} must have at most {limit} item(s)"))
        }
        ValidationErrorKind::MinProperties { limit } => {
            ("schema-size", format!("{what} must have at least {limit} entr(y/ies)"))
        }
        ValidationErrorKind::MaxProperties { limit } => {
            ("schema-size", format!("{what} must have at most {limit} entr(y/ies)"))
        }
        ValidationErrorKind::MinLength { limit } => {
            ("schema-size", format!("{what} must be at least {limit} character(s) long"))
        }
        ValidationErrorKind::MaxLength { limit } => {
            ("schema-size", format!("{what} must be at most {limit} character(s) long"))
        }
        ValidationErrorKind::UniqueItems => ("schema-unique", format!("the items of {what} must be unique")),
        ValidationErrorKind::Not { .. } => ("schema-not", format!("{what} has a form {object} forbids")),
        other => ("schema-invalid", format!("{what} does not satisfy `{}` of {object}", other.keyword())),
    };
    out.push(Finding {
        pointer,
        message,
        code,
    });
}

/// A `oneOf`/`anyOf` that no alternative satisfies.
fn alternatives(
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    out: &mut Vec<Finding>,
) {
    let pointer = error.instance_path().as_str();
    let depth = |e: &ValidationError<'_>| e.instance_path().as_str().matches('/').count();
    let here = pointer.matches('/').count();
    // An alternative that failed only on the value's own kind (or on the `$ref` a Reference
    // Object needs) did not match at all.
    let shallow = |branch: &Vec<ValidationError<'static>>| {
        branch.iter().all(|e| {
            depth(e) == here
                && matches!(e.kind(), ValidationErrorKind::Type { .. } | ValidationErrorKind::Required { .. } | ValidationErrorKind::FalseSchema)
                && !matches!(e.kind(), ValidationErrorKind::Required { property } if plain(property) != "$ref")
        })
    };
    let best = context
        .iter()
        .filter(|branch| !branch.is_empty() && !shallow(branch))
        .max_by_key(|branch| {
            let deepest = branch.iter().map(depth).max().unwrap_or(0);
            (deepest, std::cmp::Reverse(branch.len()))
        });
    match best {
        Some(branch) => {
            for e in branch {
                explain(e, out);
            }
        }
        None => {
            let mut forms: Vec<String> = Vec::new();
            for branch in context {
                for e in branch {
                    let form = match e.kind() {
                        ValidationErrorKind::Type { kind } => expected_types(kind),
                        ValidationErrorKind::Required { .. } => object_name(e),
                        _ => continue,
                    };
                    if !forms.contains(&form) {
                        forms.push(form);
                    }
                }
            }
            let what = subject(pointer);
            let message = if forms.is_empty() {
                format!("{what} does not have any of the forms allowed here")
            } else {
                format!(
                    "{what} must be {}, not {}",
                    forms.join(" or "),
                    kind_of(error.instance())
                )
            };
            out.push(Finding {
                pointer: pointer.to_string(),
                message,
                code: "schema-type",
            });
        }
    }
}

/// "`key`" for the last segment of `pointer` (or "the document" at the top).
fn subject(pointer: &str) -> String {
    match pointer.rsplit_once('/') {
        Some((_, last)) => format!("`{}`", last.replace("~1", "/").replace("~0", "~")),
        None => "the document".to_string(),
    }
}

/// The AsyncAPI object the failing keyword belongs to, from the schema file it is defined in:
/// `.../3.0.0/messageObject.json` → "a Message Object".
fn object_name(error: &ValidationError<'_>) -> String {
    let location = error
        .absolute_keyword_location()
        .map(|uri| uri.as_str().to_string())
        .unwrap_or_else(|| error.schema_path().as_str().to_string());
    let Some((_, after)) = location.rsplit_once("/definitions/") else {
        return "the AsyncAPI document".into();
    };
    let stem = after.split('/').next().unwrap_or("");
    match stem {
        "json-schema-draft-07-schema" | "schema" | "anySchema" => return "a Schema Object".into(),
        "Reference" | "ReferenceObject" => return "a Reference Object".into(),
        _ => {}
    }
    if stem.starts_with("bindings-") {
        return format!("the binding `{stem}`");
    }
    let stem = stem.trim_end_matches("Object");
    let mut words = String::new();
    for (i, c) in stem.chars().enumerate() {
        if i == 0 {
            words.extend(c.to_uppercase());
        } else {
            if c.is_uppercase() && !words.ends_with(' ') {
                words.push(' ');
            }
            words.push(c);
        }
    }
    let article = if words.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {words} Object")
}

fn expected_types(kind: &TypeKind) -> String {
    let names: Vec<&str> = match kind {
        TypeKind::Single(t) => vec![type_name(t.as_str())],
        TypeKind::Multiple(set) => set.iter().map(|t| type_name(t.as_str())).collect(),
    };
    names.join(" or ")
}

fn type_name(json_type: &str) -> &'static str {
    match json_type {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "number" => "a number",
        "integer" => "an integer",
        "boolean" => "true or false",
        "null" => "null",
        _ => "another type",
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "a mapping",
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    }
}

/// A short rendering of a value for a sentence.
fn shown(value: &Value) -> String {
    match value {
        Value::Object(_) => "a mapping".into(),
        Value::Array(_) => "a list".into(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 60 {
                format!("{}…", text.chars().take(60).collect::<String>())
            } else {
                text
            }
        }
    }
}

fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn list(options: &Value) -> String {
    match options {
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => shown(other),
    }
}
