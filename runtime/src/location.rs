//! Where a request/reply message carries its correlation id or its reply address: the MQTT 5
//! property made for it, an MQTT 5 user property (an AsyncAPI header) or a field of a JSON
//! payload — the places an AsyncAPI `correlationId.location` or `reply.address.location` names.

use crate::{Error, Message, Outgoing, Properties};
use bytes::Bytes;
use serde_json::Value;

/// Where a request or reply carries a value the runtime reads or writes: its correlation id or
/// its reply address.
///
/// Built from the AsyncAPI runtime expressions of `correlationId.location` and
/// `reply.address.location` with [`Location::parse`]:
///
/// ```
/// use mqttgen::Location;
/// assert_eq!(Location::parse("$message.header#/correlationId").unwrap(), Location::header("correlationId"));
/// assert_eq!(Location::parse("$message.payload#/requestId").unwrap(), Location::payload("/requestId"));
/// assert!(Location::parse("$message.header#/MQMD/CorrelId").is_err()); // user properties are flat
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Location {
    /// The MQTT 5 property made for it: Correlation Data for a correlation id, Response Topic for
    /// a reply address. Not carried under MQTT 3.1.1.
    #[default]
    Property,
    /// An MQTT 5 user property of this name (AsyncAPI `$message.header#/name`). Not carried under
    /// MQTT 3.1.1.
    Header(String),
    /// A field of a JSON object payload, as a JSON pointer (AsyncAPI `$message.payload#/requestId`
    /// is `/requestId`). Carried under both MQTT versions.
    Payload(String),
}

/// What a location holds: selects the MQTT 5 property [`Location::Property`] stands for.
#[derive(Clone, Copy)]
enum Slot {
    Correlation,
    ReplyAddress,
}

impl Location {
    /// An MQTT 5 user property named `name`.
    pub fn header(name: impl Into<String>) -> Location {
        Location::Header(name.into())
    }

    /// A JSON payload field at the JSON pointer `pointer` (e.g. `/requestId`).
    pub fn payload(pointer: impl Into<String>) -> Location {
        Location::Payload(pointer.into())
    }

    /// Parses an AsyncAPI runtime expression: `$message.header#/name` (one level: user
    /// properties are flat) or `$message.payload#/json/pointer`.
    pub fn parse(expression: &str) -> Result<Location, Error> {
        let invalid = |why: &str| {
            Error::Config(format!(
                "unsupported message location `{expression}`: {why}"
            ))
        };
        if let Some(pointer) = expression.strip_prefix("$message.header#") {
            let name = pointer
                .strip_prefix('/')
                .filter(|name| !name.is_empty())
                .ok_or_else(|| invalid("name a header, e.g. `$message.header#/correlationId`"))?;
            if name.contains('/') {
                return Err(invalid(
                    "MQTT user properties are flat; a header location has one level",
                ));
            }
            return Ok(Location::Header(name.replace("~1", "/").replace("~0", "~")));
        }
        if let Some(pointer) = expression.strip_prefix("$message.payload#") {
            if pointer.len() < 2 || !pointer.starts_with('/') {
                return Err(invalid(
                    "name a payload field, e.g. `$message.payload#/requestId`",
                ));
            }
            return Ok(Location::Payload(pointer.to_owned()));
        }
        Err(invalid(
            "expected `$message.header#/name` or `$message.payload#/pointer`",
        ))
    }

    /// True when a message under this MQTT version can carry a value here: properties and
    /// headers need MQTT 5, payload fields do not.
    pub fn is_carried(&self, v5: bool) -> bool {
        v5 || matches!(self, Location::Payload(_))
    }

    /// The correlation id `msg` carries here (a JSON string field as its text, another JSON
    /// scalar as its JSON text).
    pub fn read_correlation(&self, msg: &Message) -> Option<Bytes> {
        self.read(&msg.properties, &msg.payload, Slot::Correlation)
    }

    /// The correlation id an outgoing message already carries here.
    pub fn read_correlation_outgoing(&self, out: &Outgoing) -> Option<Bytes> {
        self.read(&out.properties, &out.payload, Slot::Correlation)
    }

    /// Puts `correlation` here (replacing what was there). A header or payload field needs UTF-8.
    pub fn write_correlation(&self, out: &mut Outgoing, correlation: &[u8]) -> Result<(), Error> {
        self.write(out, correlation, Slot::Correlation)
    }

    /// The reply address (a topic name) `msg` carries here.
    pub fn read_reply_address(&self, msg: &Message) -> Option<String> {
        let value = self.read(&msg.properties, &msg.payload, Slot::ReplyAddress)?;
        String::from_utf8(value.to_vec()).ok()
    }

    /// The reply address an outgoing message already carries here.
    pub fn read_reply_address_outgoing(&self, out: &Outgoing) -> Option<String> {
        let value = self.read(&out.properties, &out.payload, Slot::ReplyAddress)?;
        String::from_utf8(value.to_vec()).ok()
    }

    /// Puts the reply address `topic` here (replacing what was there).
    pub fn write_reply_address(&self, out: &mut Outgoing, topic: &str) -> Result<(), Error> {
        self.write(out, topic.as_bytes(), Slot::ReplyAddress)
    }

    fn read(&self, properties: &Properties, payload: &[u8], slot: Slot) -> Option<Bytes> {
        match (self, slot) {
            (Location::Property, Slot::Correlation) => properties.correlation_data.clone(),
            (Location::Property, Slot::ReplyAddress) => properties
                .response_topic
                .as_ref()
                .map(|t| Bytes::copy_from_slice(t.as_bytes())),
            (Location::Header(name), _) => properties
                .user_property(name)
                .map(|v| Bytes::copy_from_slice(v.as_bytes())),
            (Location::Payload(pointer), _) => {
                let value: Value = serde_json::from_slice(payload).ok()?;
                match value.pointer(pointer)? {
                    Value::String(text) => Some(Bytes::from(text.clone())),
                    Value::Null | Value::Array(_) | Value::Object(_) => None,
                    scalar => Some(Bytes::from(scalar.to_string())),
                }
            }
        }
    }

    fn write(&self, out: &mut Outgoing, value: &[u8], slot: Slot) -> Result<(), Error> {
        let text = || {
            std::str::from_utf8(value).map_err(|_| {
                Error::Encode(format!(
                    "cannot put non-UTF-8 bytes into {}",
                    self.describe()
                ))
            })
        };
        match (self, slot) {
            (Location::Property, Slot::Correlation) => {
                out.properties.correlation_data = Some(Bytes::copy_from_slice(value));
            }
            (Location::Property, Slot::ReplyAddress) => {
                out.properties.response_topic = Some(text()?.to_owned());
            }
            (Location::Header(name), _) => {
                let value = text()?.to_owned();
                let users = &mut out.properties.user_properties;
                users.retain(|(key, _)| key != name);
                users.push((name.clone(), value));
            }
            (Location::Payload(pointer), _) => {
                let value = Value::String(text()?.to_owned());
                out.payload = set_json_field(&out.payload, pointer, value).map_err(|why| {
                    Error::Encode(format!("cannot write {}: {why}", self.describe()))
                })?;
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        match self {
            Location::Property => "the MQTT 5 property".to_owned(),
            Location::Header(name) => format!("header (user property) `{name}`"),
            Location::Payload(pointer) => format!("payload field `{pointer}`"),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// `payload` (a JSON object) with `value` at `pointer`, creating missing intermediate objects.
fn set_json_field(payload: &[u8], pointer: &str, value: Value) -> Result<Bytes, String> {
    let mut root: Value = if payload.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(payload).map_err(|e| format!("the payload is not JSON ({e})"))?
    };
    let mut node = &mut root;
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let (last, parents) = tokens.split_last().ok_or("empty JSON pointer")?;
    for token in parents {
        let object = node
            .as_object_mut()
            .ok_or_else(|| format!("`{token}` is not inside a JSON object"))?;
        node = object
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    node.as_object_mut()
        .ok_or_else(|| format!("`{last}` is not inside a JSON object"))?
        .insert(last.clone(), value);
    serde_json::to_vec(&root)
        .map(Bytes::from)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header_and_payload_expressions() {
        assert_eq!(
            Location::parse("$message.header#/a~1b").unwrap(),
            Location::header("a/b")
        );
        assert_eq!(
            Location::parse("$message.payload#/meta/id").unwrap(),
            Location::payload("/meta/id")
        );
        for bad in [
            "$message.header#",
            "$message.header#/",
            "$message.header#/a/b",
            "$message.payload#",
            "$message.payload#/",
            "$message.body#/x",
            "correlationId",
        ] {
            let error = Location::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn header_and_property_round_trip() {
        let mut out = Outgoing::new("t", "{}").user_property("correlationId", "old");
        Location::header("correlationId")
            .write_correlation(&mut out, b"42")
            .unwrap();
        assert_eq!(
            out.properties.user_properties,
            vec![("correlationId".to_owned(), "42".to_owned())]
        );
        Location::Property
            .write_correlation(&mut out, b"7")
            .unwrap();
        Location::Property
            .write_reply_address(&mut out, "inbox/1")
            .unwrap();
        let msg = Message {
            properties: out.properties.clone(),
            ..Message::new("t", out.payload.clone())
        };
        assert_eq!(
            Location::header("correlationId").read_correlation(&msg),
            Some(Bytes::from("42"))
        );
        assert_eq!(
            Location::Property.read_correlation(&msg),
            Some(Bytes::from("7"))
        );
        assert_eq!(
            Location::Property.read_reply_address(&msg).as_deref(),
            Some("inbox/1")
        );
        let error = Location::header("x")
            .write_correlation(&mut out, &[0xff])
            .unwrap_err();
        assert!(error.to_string().contains("`x`"), "{error}");
    }

    #[test]
    fn payload_fields_are_written_and_read_in_json_objects() {
        let at = Location::payload("/meta/requestId");
        let mut out = Outgoing::new("t", r#"{"keys":["a"]}"#);
        assert_eq!(at.read_correlation_outgoing(&out), None);
        at.write_correlation(&mut out, b"r-1").unwrap();
        let value: Value = serde_json::from_slice(&out.payload).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"keys": ["a"], "meta": {"requestId": "r-1"}})
        );
        assert_eq!(at.read_correlation_outgoing(&out), Some(Bytes::from("r-1")));
        let numeric = Message::new("t", r#"{"meta":{"requestId":12}}"#);
        assert_eq!(at.read_correlation(&numeric), Some(Bytes::from("12")));
        assert_eq!(at.read_correlation(&Message::new("t", "not json")), None);
        let mut empty = Outgoing::new("t", "");
        Location::payload("/replyTo")
            .write_reply_address(&mut empty, "r/1")
            .unwrap();
        assert_eq!(empty.payload, r#"{"replyTo":"r/1"}"#);
        let error = at
            .write_correlation(&mut Outgoing::new("t", "[1]"), b"x")
            .unwrap_err()
            .to_string();
        assert!(error.contains("/meta/requestId"), "{error}");
    }
}
