//! Payload codecs used by generated code: JSON, UTF-8 text and raw bytes.
//!
//! Decoding never panics; a [`DecodeError`] says which format failed, where and why.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Where decode errors are defined (with [`crate::Error`], so neither module imports the other
/// back); re-exported here for `mqttgen::codec::DecodeError`.
pub use crate::error::DecodeError;

/// Decodes a JSON payload into `T`.
pub fn decode_json<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(payload).map_err(DecodeError::from)
}

/// Encodes `value` as a JSON payload.
pub fn encode_json<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, crate::Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| crate::Error::Encode(e.to_string()))
}

/// Encodes `value` as a JSON payload and, when `checked`, decodes the bytes back as `T` first,
/// so that everything a receiver generated from the same spec checks (required members,
/// `minimum`/`maximum`, `pattern`, lengths, item counts) is checked before sending. A value
/// its peers would reject fails with [`Error::Encode`](crate::Error::Encode) naming the member
/// (`$.limits.percent`) and the broken rule; nothing is published then.
pub fn encode_json_checked<T>(value: &T, checked: bool) -> Result<Bytes, crate::Error>
where
    T: Serialize + DeserializeOwned,
{
    let bytes = encode_json(value)?;
    if checked {
        if let Err(error) = serde_json::from_slice::<T>(&bytes) {
            return Err(crate::Error::Encode(rejected::<T>(&bytes, &error)));
        }
    }
    Ok(bytes)
}

/// Why the peers of a generated publisher would reject the encoded `bytes`: the member the
/// decoding `error` points at (found by decoding a pretty-printed copy, one member per line) and
/// the rule. The copy is printed from the bytes, not from `T`, and decoded from bytes as the
/// check did: each payload type adds only the decoder the check already needs, not a pretty
/// printer and a second (string) decoder.
fn rejected<T: DeserializeOwned>(bytes: &[u8], error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde_json appends " at line L column C" (of the compact bytes): the path replaces it.
    let reason = text
        .rfind(" at line ")
        .map_or(text.as_str(), |at| &text[..at])
        .to_owned();
    let pretty = pretty_copy(bytes);
    let path = match serde_json::from_slice::<T>(pretty.as_bytes()) {
        Err(error) if error.line() > 0 => {
            // serde_json places an error raised after the last member of an object or array at
            // the closing bracket it peeked at; that member is on the line before. A missing
            // member is the object's own fault.
            let at_close = pretty
                .lines()
                .nth(error.line() - 1)
                .is_some_and(|text| text.trim_start().starts_with(['}', ']']));
            let line = if at_close && !reason.starts_with("missing field") && error.line() > 1 {
                error.line() - 1
            } else {
                error.line()
            };
            member_at_line(&pretty, line)
        }
        _ => String::from("$"),
    };
    format!("`{path}` does not satisfy the schema: {reason}")
}

/// `bytes` (JSON) pretty-printed, members in their order (serde_json keeps it: `preserve_order`),
/// or empty if they are not JSON.
fn pretty_copy(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_default()
}

/// The JSON path (`$.a.b[2]`) of the member on 1-based `line` of serde_json's pretty output.
fn member_at_line(pretty: &str, line: usize) -> String {
    enum Level {
        Object(Option<String>),
        Array(usize),
    }
    let mut stack: Vec<Level> = Vec::new();
    let mut path_of_line = String::from("$");
    for (number, text) in pretty.lines().enumerate() {
        let text = text.trim();
        let closes = text.starts_with('}') || text.starts_with(']');
        if closes {
            stack.pop();
        }
        // The member this line is: a `"key": ...` in an object, an item of an array.
        if !closes {
            match (stack.last_mut(), text.starts_with('"')) {
                (Some(Level::Object(key)), true) => {
                    *key = serde_json::from_str::<String>(&text[..key_end(text)]).ok();
                }
                (Some(Level::Array(index)), _) => *index += 1,
                _ => {}
            }
        }
        if number + 1 == line {
            let mut path = String::from("$");
            for level in &stack {
                match level {
                    Level::Object(Some(key)) => {
                        path.push('.');
                        path.push_str(key);
                    }
                    Level::Object(None) => {}
                    Level::Array(index) => path.push_str(&format!("[{}]", index.saturating_sub(1))),
                }
            }
            path_of_line = path;
            break;
        }
        if text.ends_with('{') {
            stack.push(Level::Object(None));
        } else if text.ends_with('[') {
            stack.push(Level::Array(0));
        }
    }
    path_of_line
}

/// The end of the quoted key at the start of `text` (`"a\"b": 1` → after the closing quote).
fn key_end(text: &str) -> usize {
    let mut escaped = false;
    for (index, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return index + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

/// Decodes a UTF-8 text payload.
pub fn decode_text(payload: &[u8]) -> Result<String, DecodeError> {
    std::str::from_utf8(payload)
        .map(str::to_owned)
        .map_err(|e| DecodeError::new("utf-8 text", e.to_string()))
}

/// Encodes text as a payload.
pub fn encode_text(text: impl Into<String>) -> Bytes {
    Bytes::from(text.into())
}

/// Decodes a typed scalar sent as UTF-8 text (a `text/*` payload whose schema is an enum, an
/// integer, a number or a boolean): the text is tried as a JSON string first (enum values),
/// then as a JSON number or boolean (`42`, `true`).
pub fn decode_text_value<T: DeserializeOwned>(payload: &[u8]) -> Result<T, DecodeError> {
    let text = decode_text(payload)?;
    let first = match serde_json::from_value::<T>(serde_json::Value::String(text.clone())) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(scalar @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
            serde_json::from_value(scalar).map_err(|e| DecodeError::new("text", e.to_string()))
        }
        _ => Err(DecodeError::new("text", first.to_string())),
    }
}

/// Encodes a typed scalar as UTF-8 text: a string as itself, a number or boolean as its JSON
/// text. Fails with [`Error::Encode`](crate::Error::Encode) for anything else.
pub fn encode_text_value<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, crate::Error> {
    match serde_json::to_value(value).map_err(|e| crate::Error::Encode(e.to_string()))? {
        serde_json::Value::String(text) => Ok(Bytes::from(text)),
        scalar @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
            Ok(Bytes::from(scalar.to_string()))
        }
        other => Err(crate::Error::Encode(format!(
            "a text payload must be a string, number or boolean, not `{other}`"
        ))),
    }
}

/// Returns the payload as bytes (cheap: reference counted).
pub fn decode_bytes(payload: &Bytes) -> Bytes {
    payload.clone()
}

/// Parses a topic parameter (a `{name}` level of the topic) into `T` via [`std::str::FromStr`].
pub fn decode_param<T>(name: &str, value: &str) -> Result<T, DecodeError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| {
        DecodeError::new("topic parameter", format!("`{name}` = `{value}`: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    struct Reading {
        temperature: f64,
    }

    #[test]
    fn json_round_trip() {
        let bytes = encode_json(&Reading { temperature: 21.5 }).unwrap();
        assert_eq!(
            decode_json::<Reading>(&bytes).unwrap(),
            Reading { temperature: 21.5 }
        );
    }

    #[test]
    fn json_errors_say_what_and_where() {
        let err = decode_json::<Reading>(b"{\"temp\": 1}").unwrap_err();
        assert_eq!(err.format, "json");
        assert!(err.reason.contains("missing field `temperature`"), "{err}");
        let err = decode_json::<Reading>(b"{\n  \"temperature\": }").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.to_string().contains("at line 2"), "{err}");
    }

    #[derive(Debug, serde::Deserialize, serde::Serialize, PartialEq)]
    enum Switch {
        #[serde(rename = "ON")]
        On,
        #[serde(rename = "1")]
        One,
    }

    #[test]
    fn typed_text_values_round_trip() {
        assert_eq!(&encode_text_value(&Switch::On).unwrap()[..], b"ON");
        assert_eq!(decode_text_value::<Switch>(b"ON").unwrap(), Switch::On);
        assert_eq!(decode_text_value::<Switch>(b"1").unwrap(), Switch::One);
        assert!(decode_text_value::<Switch>(b"OFF").is_err());
        assert_eq!(&encode_text_value(&42u8).unwrap()[..], b"42");
        assert_eq!(decode_text_value::<u8>(b"42").unwrap(), 42);
        assert!(decode_text_value::<u8>(b"300").is_err());
        assert!(decode_text_value::<bool>(b"true").unwrap());
        assert!(decode_text_value::<bool>(b"yes").is_err());
        assert!(encode_text_value(&[1, 2]).is_err());
    }

    #[derive(Debug, serde::Serialize, PartialEq)]
    struct Settings {
        name: String,
        limits: Limits,
        steps: Vec<Step>,
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
    struct Limits {
        #[serde(deserialize_with = "percent")]
        percent: u8,
    }

    #[derive(Debug, serde::Serialize, serde::Deserialize, PartialEq)]
    struct Step {
        #[serde(deserialize_with = "percent")]
        at: u8,
    }

    fn percent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
        let value = <u8 as serde::Deserialize>::deserialize(d)?;
        if value > 100 {
            return Err(serde::de::Error::custom(format!(
                "{value} is above the maximum 100"
            )));
        }
        Ok(value)
    }

    impl<'de> serde::Deserialize<'de> for Settings {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            #[derive(serde::Deserialize)]
            struct Raw {
                name: String,
                limits: Limits,
                steps: Vec<Step>,
            }
            let raw = Raw::deserialize(d)?;
            Ok(Settings {
                name: raw.name,
                limits: raw.limits,
                steps: raw.steps,
            })
        }
    }

    #[test]
    fn checked_encoding_names_the_member_its_peers_would_reject() {
        let good = Settings {
            name: "a".into(),
            limits: Limits { percent: 100 },
            steps: vec![Step { at: 1 }, Step { at: 2 }],
        };
        assert!(encode_json_checked(&good, true).is_ok());
        let bad_limit = Settings {
            limits: Limits { percent: 150 },
            ..good
        };
        let error = encode_json_checked(&bad_limit, true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`$.limits.percent`"), "{error}");
        assert!(error.contains("150 is above the maximum 100"), "{error}");
        assert!(matches!(
            encode_json_checked(&bad_limit, true),
            Err(crate::Error::Encode(_))
        ));
        // The per-call opt-out sends it anyway.
        assert!(encode_json_checked(&bad_limit, false).is_ok());
        let bad_step = Settings {
            limits: Limits { percent: 1 },
            steps: vec![Step { at: 1 }, Step { at: 1 }, Step { at: 101 }],
            name: "b".into(),
        };
        let error = encode_json_checked(&bad_step, true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`$.steps[2].at`"), "{error}");
    }

    #[test]
    fn text_and_params() {
        assert_eq!(decode_text(b"hi").unwrap(), "hi");
        assert!(decode_text(&[0xff]).is_err());
        assert_eq!(decode_param::<u32>("id", "42").unwrap(), 42);
        let err = decode_param::<u32>("id", "x").unwrap_err();
        assert!(err.to_string().contains("`id` = `x`"), "{err}");
    }
}
