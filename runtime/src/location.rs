//! Where a request/reply message carries its correlation id or its reply address: the MQTT 5
//! property made for it, an MQTT 5 user property (an AsyncAPI header) or a field of a JSON
//! payload — the places an AsyncAPI `correlationId.location` or `reply.address.location` names.

use crate::{Error, Message, Outgoing, Properties};
use bytes::Bytes;
use serde_json::Value;

pub use mqttgen_address::{Location, LocationError};

impl From<LocationError> for Error {
    fn from(error: LocationError) -> Error {
        Error::Config(error.to_string())
    }
}

/// What a location holds: selects the MQTT 5 property [`Location::Property`] stands for.
#[derive(Clone, Copy)]
enum Slot {
    Correlation,
    ReplyAddress,
}

/// Reading and writing the value a [`Location`] names in received and outgoing messages.
///
/// ```
/// use mqttgen::{Location, LocationExt, Message, Outgoing};
/// let mut out = Outgoing::new("t", "{}");
/// Location::payload("/requestId").write_correlation(&mut out, b"r-1").unwrap();
/// let msg = Message::new("t", out.payload.clone());
/// assert_eq!(Location::payload("/requestId").read_correlation(&msg).unwrap(), "r-1");
/// ```
pub trait LocationExt {
    /// The correlation id `msg` carries here (a JSON string field as its text, another JSON
    /// scalar as its JSON text).
    fn read_correlation(&self, msg: &Message) -> Option<Bytes>;
    /// The correlation id an outgoing message already carries here.
    fn read_correlation_outgoing(&self, out: &Outgoing) -> Option<Bytes>;
    /// Puts `correlation` here (replacing what was there). A header or payload field needs UTF-8.
    fn write_correlation(&self, out: &mut Outgoing, correlation: &[u8]) -> Result<(), Error>;
    /// The reply address (a topic name) `msg` carries here.
    fn read_reply_address(&self, msg: &Message) -> Option<String>;
    /// The reply address an outgoing message already carries here.
    fn read_reply_address_outgoing(&self, out: &Outgoing) -> Option<String>;
    /// Puts the reply address `topic` here (replacing what was there).
    fn write_reply_address(&self, out: &mut Outgoing, topic: &str) -> Result<(), Error>;
}

impl LocationExt for Location {
    fn read_correlation(&self, msg: &Message) -> Option<Bytes> {
        read(self, &msg.properties, &msg.payload, Slot::Correlation)
    }

    fn read_correlation_outgoing(&self, out: &Outgoing) -> Option<Bytes> {
        read(self, &out.properties, &out.payload, Slot::Correlation)
    }

    fn write_correlation(&self, out: &mut Outgoing, correlation: &[u8]) -> Result<(), Error> {
        write(self, out, correlation, Slot::Correlation)
    }

    fn read_reply_address(&self, msg: &Message) -> Option<String> {
        let value = read(self, &msg.properties, &msg.payload, Slot::ReplyAddress)?;
        String::from_utf8(value.to_vec()).ok()
    }

    fn read_reply_address_outgoing(&self, out: &Outgoing) -> Option<String> {
        let value = read(self, &out.properties, &out.payload, Slot::ReplyAddress)?;
        String::from_utf8(value.to_vec()).ok()
    }

    fn write_reply_address(&self, out: &mut Outgoing, topic: &str) -> Result<(), Error> {
        write(self, out, topic.as_bytes(), Slot::ReplyAddress)
    }
}

fn read(at: &Location, properties: &Properties, payload: &[u8], slot: Slot) -> Option<Bytes> {
    match (at, slot) {
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

fn write(at: &Location, out: &mut Outgoing, value: &[u8], slot: Slot) -> Result<(), Error> {
    let text = || {
        std::str::from_utf8(value)
            .map_err(|_| Error::Encode(format!("cannot put non-UTF-8 bytes into {at}")))
    };
    match (at, slot) {
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
        (Location::Payload(_), _) => {
            let value = Value::String(text()?.to_owned());
            out.payload = set_json_field(&out.payload, &at.pointer_tokens(), value)
                .map_err(|why| Error::Encode(format!("cannot write {at}: {why}")))?;
        }
    }
    Ok(())
}

/// `payload` (a JSON object) with `value` at `pointer`, creating missing intermediate objects.
fn set_json_field(payload: &[u8], tokens: &[String], value: Value) -> Result<Bytes, String> {
    let mut root: Value = if payload.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(payload).map_err(|e| format!("the payload is not JSON ({e})"))?
    };
    let mut node = &mut root;
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
