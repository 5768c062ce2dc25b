//! MQTT quality of service: the runtime's publish/subscribe level and the `qos` of the MQTT
//! bindings in the document.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// MQTT quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    /// QoS 0: fire and forget; may be lost.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: delivered at least once; may be duplicated.
    AtLeastOnce = 1,
    /// QoS 2: delivered exactly once between client and broker.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for a numeric level (0, 1, 2); `None` for anything else.
    pub fn from_u8(level: u8) -> Option<QoS> {
        match level {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// Written as its level, `0`, `1` or `2` (the model's JSON and the MQTT bindings).
impl Serialize for QoS {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(*self as u8)
    }
}

/// Read from its level, `0`, `1` or `2`.
impl<'de> Deserialize<'de> for QoS {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<QoS, D::Error> {
        let level = u8::deserialize(deserializer)?;
        QoS::from_u8(level).ok_or_else(|| {
            serde::de::Error::custom(format_args!("invalid QoS {level}, expected 0, 1 or 2"))
        })
    }
}
