//! The runtime's error types: [`Error`] for connection, subscription and publish failures,
//! [`HandlerError`] for what a handler reports.

use std::time::Duration;

/// Everything that can go wrong in the runtime, with MQTT reason codes where the broker gave one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration cannot work (bad URL, unreadable CA file, ...).
    #[error("invalid configuration: {}", printable(.0))]
    Config(String),
    /// The broker refused the connection with this CONNACK reason code.
    #[error("broker refused the connection (CONNACK reason code {code:#04x}: {reason})")]
    ConnectionRefused {
        /// MQTT 5 reason code (MQTT 3.1.1 return codes are mapped to their MQTT 5 equivalent).
        code: u8,
        /// Human readable meaning of the code.
        reason: &'static str,
    },
    /// The broker rejected the credentials or the client is not authorised. Fatal: the runtime
    /// stops retrying, because retrying with the same credentials cannot succeed.
    #[error("not authorized by the broker: {reason} (CONNACK reason code {code:#04x}); check the username/password (MQTT_USERNAME/MQTT_PASSWORD) and the broker's ACL")]
    NotAuthorized {
        /// CONNACK reason code.
        code: u8,
        /// Human readable meaning of the code.
        reason: &'static str,
    },
    /// The broker refused a subscription (SUBACK failure code; 0x80 under MQTT 3.1.1).
    #[error("subscription to `{}` refused by the broker (SUBACK reason code {code:#04x})", printable(.filter))]
    SubscribeFailed {
        /// The filter as sent (including any `$share/group/` prefix).
        filter: String,
        /// SUBACK reason code.
        code: u8,
    },
    /// The broker rejected a publish (PUBACK/PUBREC reason code ≥ 0x80, MQTT 5 only).
    #[error("publish to `{}` rejected by the broker (reason code {code:#04x})", printable(.topic))]
    PublishRejected {
        /// Topic of the rejected publish.
        topic: String,
        /// PUBACK/PUBREC reason code.
        code: u8,
    },
    /// The packet would exceed the maximum packet size.
    #[error("payload of {size} bytes exceeds the maximum of {max} bytes")]
    PayloadTooLarge {
        /// Payload size in bytes.
        size: usize,
        /// The limit (the broker's if it announced one, else the configured one).
        max: usize,
    },
    /// A topic name, filter or topic parameter is not valid.
    #[error("invalid topic `{}`: {reason}", printable(.topic))]
    InvalidTopic {
        /// The offending text.
        topic: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// A reply was not published because its route's [`ReplyTo`](crate::ReplyTo) policy refuses
    /// the topic the request named (see [`crate::reply`]).
    #[error("reply to `{}` refused: {reason}", .topic.escape_debug())]
    ReplyRefused {
        /// The reply topic the request named.
        topic: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The runtime is shut down or the connection is gone for good.
    #[error("disconnected: {}", printable(.0))]
    Disconnected(String),
    /// A transient connection problem (I/O, TLS handshake, protocol); the runtime retries.
    #[error("connection error: {}", printable(.0))]
    Connection(String),
    /// An operation did not finish in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Too many publishes (or bytes, [`Config::max_outbox_bytes`](crate::Config)) are waiting
    /// for the connection; the caller should slow down.
    #[error("outbox full: {0} publishes are waiting for the broker")]
    OutboxFull(usize),
    /// Encoding a payload failed.
    #[error("could not encode payload: {}", printable(.0))]
    Encode(String),
}

impl Error {
    /// True when retrying cannot help (bad credentials, refused by policy, bad configuration).
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::NotAuthorized { .. } | Error::Config(_) => true,
            // Server unavailable/busy, quota and rate limits are worth retrying.
            Error::ConnectionRefused { code, .. } => {
                !matches!(code, 0x80 | 0x83 | 0x88 | 0x89 | 0x97 | 0x9F)
            }
            _ => false,
        }
    }
}

/// What a handler returns when it could not process a message.
///
/// * [`HandlerError::Decode`]: the payload is bad. Such messages are always acknowledged (retrying
///   cannot make them valid), counted, reported to the error hook and optionally republished to
///   the dead-letter topic.
/// * [`HandlerError::Failed`]: processing failed; with [`AckPolicy::NackOnError`](crate::AckPolicy)
///   the message is left unacknowledged so the broker redelivers it.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload (or a topic parameter) could not be decoded or validated.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A publish from within the handler failed.
    #[error(transparent)]
    Publish(#[from] Error),
    /// Any other failure of the business logic.
    #[error("{0}")]
    Failed(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl HandlerError {
    /// Wraps any error as [`HandlerError::Failed`].
    pub fn failed(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        HandlerError::Failed(error.into())
    }

    /// True for bad input ([`HandlerError::Decode`]).
    pub fn is_decode(&self) -> bool {
        matches!(self, HandlerError::Decode(_))
    }
}

/// `text` with NUL and every other control character written as an escape (`\0`, `\u{1b}`,
/// `\n`), so an error message built from a received topic or payload prints on one line and
/// cannot drive a terminal. Borrowed when there is nothing to escape.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Maps a CONNACK reason code (MQTT 5 numbering) to its meaning.
pub(crate) fn connack_reason(code: u8) -> &'static str {
    match code {
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "implementation specific error",
        0x84 => "unsupported protocol version",
        0x85 => "client identifier not valid",
        0x86 => "bad user name or password",
        0x87 => "not authorized",
        0x88 => "server unavailable",
        0x89 => "server busy",
        0x8A => "banned",
        0x8C => "bad authentication method",
        0x90 => "topic name invalid",
        0x95 => "packet too large",
        0x97 => "quota exceeded",
        0x99 => "payload format invalid",
        0x9A => "retain not supported",
        0x9B => "QoS not supported",
        0x9C => "use another server",
        0x9D => "server moved",
        0x9F => "connection rate exceeded",
        _ => "unknown reason",
    }
}

/// Builds the error for a refused CONNACK; authentication failures become [`Error::NotAuthorized`].
pub(crate) fn connection_refused(code: u8) -> Error {
    let reason = connack_reason(code);
    match code {
        0x86 | 0x87 | 0x8A | 0x8C => Error::NotAuthorized { code, reason },
        _ => Error::ConnectionRefused { code, reason },
    }
}

/// A payload (or topic parameter) that could not be decoded or validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {format} payload{}: {}", location(.line, .column), printable(.reason))]
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
