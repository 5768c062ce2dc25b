//! Message `examples` as generated tests: decode each example into its type, encode it back, and
//! compare.
//!
//! Comparison rule (`equivalent`): the encoding must contain every member of the example with an
//! equivalent value, except that an example member whose value is `null`, `[]` or `{}` may be
//! missing (optional fields are skipped when `None`, and lists and maps when empty). The encoding may have members the example lacks
//! (`default`s filled in on decoding). Arrays compare element by element with equal lengths;
//! numbers compare as `f64` (`1` equals `1.0`); strings compare exactly, except that two RFC 3339
//! timestamps naming the same instant are equal (when the types use chrono). Anything else compares
//! with `==`.

use heck::ToSnakeCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::names::{upper_camel, NameSet};
use crate::diagnostics::Diagnostic;
use crate::model::Document;

/// What to test for one message.
pub struct MessageExampleTarget<'a> {
    /// Index into [`Document::messages`].
    pub message: usize,
    /// The payload type name when the payload is JSON.
    pub payload_type: Option<&'a str>,
    /// True when the payload is text (the example must be a JSON string).
    pub payload_is_text: bool,
    /// The headers type name.
    pub headers_type: Option<&'a str>,
}

/// True when `value` is only an unresolved `{"$ref": ...}` (examples pointing at files).
fn is_unresolved_ref(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("$ref"))
}

/// The `#[cfg(test)] mod message_examples { ... }` item (empty when there are no examples), and a
/// warning for each payload example its own schema rejects: that example gets no test, since a
/// generated test would fail on a valid document (the official parser does not check examples).
pub fn example_tests(
    doc: &Document,
    targets: &[MessageExampleTarget<'_>],
    uses_chrono: bool,
) -> (TokenStream, Vec<Diagnostic>) {
    let mut tests = Vec::new();
    let mut warnings = Vec::new();
    let mut taken = NameSet::new();
    for target in targets {
        let message = &doc.messages[target.message];
        // The run-time check, compiled once for all the message's examples.
        let validator = (target.payload_type.is_some() && !message.examples.is_empty())
            .then(|| crate::validation::payload_validator(doc, target.message))
            .flatten();
        for (index, example) in message.examples.iter().enumerate() {
            let label = example
                .name
                .clone()
                .unwrap_or_else(|| format!("example {}", index + 1));
            let base = upper_camel(&format!("{} {}", message.name, label), "M").to_snake_case();
            let mut parts: Vec<(&str, TokenStream, &Value)> = Vec::new();
            if let Some(payload) = &example.payload {
                if let Some(ty) = target.payload_type {
                    match &validator {
                        Some(validator) if !validator.is_valid(payload) => {
                            warnings.push(invalid_example(
                                doc,
                                target.message,
                                &label,
                                validator,
                                payload,
                            ));
                        }
                        _ => {
                            let ty = format_ident!("{}", ty);
                            parts.push(("payload", quote!(super::#ty), payload));
                        }
                    }
                } else if target.payload_is_text {
                    parts.push(("payload", quote!(::std::string::String), payload));
                }
            }
            if let (Some(ty), Some(headers)) = (target.headers_type, &example.headers) {
                let ty = format_ident!("{}", ty);
                parts.push(("headers", quote!(super::#ty), headers));
            }
            for (part, ty, value) in parts {
                if is_unresolved_ref(value) {
                    continue;
                }
                let name = format_ident!("{}", taken.claim(&format!("{base}_{part}")));
                let what = format!("example `{label}` of message `{}` ({part})", message.name);
                let json = Literal::string(&value.to_string());
                tests.push(quote! {
                    #[test]
                    fn #name() {
                        round_trip::<#ty>(#what, #json);
                    }
                });
            }
        }
    }
    if tests.is_empty() {
        return (TokenStream::new(), warnings);
    }
    let timestamps = if uses_chrono {
        quote! {
            (::serde_json::Value::String(a), ::serde_json::Value::String(b)) => {
                a == b
                    || match (
                        ::chrono::DateTime::parse_from_rfc3339(a),
                        ::chrono::DateTime::parse_from_rfc3339(b),
                    ) {
                        (::std::result::Result::Ok(a), ::std::result::Result::Ok(b)) => a == b,
                        _ => false,
                    }
            }
        }
    } else {
        TokenStream::new()
    };
    let tests = quote! {
        /// Every message example decodes into its type and encodes back to an equivalent value.
        #[cfg(test)]
        mod message_examples {
            fn round_trip<T>(what: &str, example: &str)
            where
                T: ::serde::Serialize + ::serde::de::DeserializeOwned,
            {
                let expected: ::serde_json::Value =
                    ::serde_json::from_str(example).expect("examples are valid JSON");
                let decoded: T = match ::serde_json::from_value(expected.clone()) {
                    ::std::result::Result::Ok(decoded) => decoded,
                    ::std::result::Result::Err(error) => {
                        panic!("{what} does not decode: {error}\n{example}")
                    }
                };
                let encoded = ::serde_json::to_value(&decoded).expect("encodes");
                assert!(
                    equivalent(&expected, &encoded),
                    "{what} does not encode back to the same JSON\nexample: {expected}\nencoded: {encoded}"
                );
            }

            fn equivalent(example: &::serde_json::Value, encoded: &::serde_json::Value) -> bool {
                match (example, encoded) {
                    (::serde_json::Value::Object(a), ::serde_json::Value::Object(b)) => {
                        a.iter().all(|(key, value)| match b.get(key) {
                            ::std::option::Option::Some(other) => equivalent(value, other),
                            ::std::option::Option::None => {
                                value.is_null()
                                    || value.as_array().is_some_and(|a| a.is_empty())
                                    || value.as_object().is_some_and(|o| o.is_empty())
                            }
                        })
                    }
                    (::serde_json::Value::Array(a), ::serde_json::Value::Array(b)) => {
                        a.len() == b.len() && a.iter().zip(b).all(|(a, b)| equivalent(a, b))
                    }
                    (::serde_json::Value::Number(a), ::serde_json::Value::Number(b)) => {
                        a.as_f64() == b.as_f64()
                    }
                    #timestamps
                    (a, b) => a == b,
                }
            }

            #(#tests)*
        }
    };
    (tests, warnings)
}

/// The warning for a payload example that its schema rejects, with the schema's first complaint.
fn invalid_example(
    doc: &Document,
    message: usize,
    label: &str,
    validator: &jsonschema::Validator,
    payload: &Value,
) -> Diagnostic {
    let message = &doc.messages[message];
    let why = validator
        .iter_errors(payload)
        .next()
        .map(|error| {
            let at = error.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("{error} (at `{at}`)")
        })
        .unwrap_or_default();
    Diagnostic::warning(
        "example-invalid",
        message.payload.as_ref().map(|slot| slot.node.clone()),
        format!(
            "example `{label}` of message `{}` does not match its payload schema: {why}; it gets \
             no generated test",
            message.name
        ),
    )
}
