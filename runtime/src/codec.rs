//! Payload codecs used by generated code: JSON, UTF-8 text and raw bytes.
//!
//! Decoding never panics; a [`DecodeError`] says which format failed, where and why.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A payload (or topic parameter) that could not be decoded or validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {format} payload{}: {}", location(.line, .column), crate::error::printable(.reason))]
pub struct DecodeError {
    /// The expected format, e.g. `json`, `utf-8 text`, `topic parameter`.
    pub format: &'static str,
    /// What is wrong, e.g. `missing field "temperature"`.
    pub reason: String,
    /// 1-based line of the problem in the payload, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem in the payload, when known.
    pub column: Option<usize>,
}

fn location(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l} column {c}"),
        _ => String::new(),
    }
}

impl DecodeError {
    /// A decode error without position.
    pub fn new(format: &'static str, reason: impl Into<String>) -> Self {
        DecodeError {
            format,
            reason: reason.into(),
            line: None,
            column: None,
        }
    }
}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        // serde_json appends " at line L column C" to its message; keep the bare reason.
        let text = e.to_string();
        let reason = match text.rfind(" at line ") {
            Some(i) if e.line() > 0 => text[..i].to_string(),
            _ => text,
        };
        DecodeError {
            format: "json",
            reason,
            line: (e.line() > 0).then_some(e.line()),
            column: (e.line() > 0).then_some(e.column()),
        }
    }
}

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
        assert_eq!(decode_text_value::<bool>(b"true").unwrap(), true);
        assert!(decode_text_value::<bool>(b"yes").is_err());
        assert!(encode_text_value(&[1, 2]).is_err());
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
