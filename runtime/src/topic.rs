//! Topic names, topic filters and the topic matcher: the rules of the `mqttgen-address` crate
//! (shared with the generator and the macros), with errors as [`Error::InvalidTopic`].
//!
//! * [`validate_topic_name`] / [`validate_filter`] check the MQTT rules (§4.7).
//! * [`validate_param_value`] checks a value substituted for a `{param}` of an address.
//! * [`TopicMatcher`] finds every value whose filter matches a topic; its cost grows with the
//!   depth of the topic, not with the number of filters. [`matches`] is the same matcher for
//!   one filter.

use crate::Error;

pub use mqttgen_address::rules::{join, shared_filter, split_shared, unsafe_chars, MAX_TOPIC_LEN};
pub use mqttgen_address::{matches, Address, TopicMatcher};

impl From<mqttgen_address::InvalidTopic> for Error {
    fn from(error: mqttgen_address::InvalidTopic) -> Error {
        Error::InvalidTopic {
            topic: error.topic,
            reason: error.reason,
        }
    }
}

/// Checks a topic name for publishing: non-empty, at most 65535 bytes, no NUL, no wildcards, no
/// control characters or Unicode non-characters ([`unsafe_chars`]).
pub fn validate_topic_name(topic: &str) -> Result<(), Error> {
    Ok(mqttgen_address::rules::validate_topic_name(topic)?)
}

/// Checks a topic filter for subscribing, including `$share/{group}/{filter}`.
pub fn validate_filter(filter: &str) -> Result<(), Error> {
    Ok(mqttgen_address::rules::validate_filter(filter)?)
}

/// Checks a value substituted for a `{param}` in a topic: it must be a single, non-empty level
/// that cannot change the topic's meaning (no `/`, `+`, `#`, NUL, no leading `$`, no control
/// characters or Unicode non-characters).
pub fn validate_param_value(name: &str, value: &str) -> Result<(), Error> {
    Ok(mqttgen_address::rules::validate_param_value(name, value)?)
}

/// Parses an address for routing (whole and mixed `{param}` levels, `+`, `#`; see
/// [`Address::parse_strict`]), as [`Error::InvalidTopic`] when it cannot be routed.
pub fn parse_address(address: &str) -> Result<Address, Error> {
    Address::parse_strict(address).map_err(|_| Error::InvalidTopic {
        topic: address.to_owned(),
        reason:
            "not a valid address: `{param}` names must be distinct and braces balanced, `#` last",
    })
}

/// The subscription filter of an address (`{param}` and mixed levels as `+`), a leading
/// `$share/{group}/` kept: `$share/g/a/{x}` gives `$share/g/a/+`.
pub fn filter_of(address: &str) -> Result<String, Error> {
    let (group, inner) = split_shared(address);
    let filter = parse_address(inner)?.filter();
    let filter = match group {
        Some(group) => shared_filter(group, &filter),
        None => filter,
    };
    validate_filter(&filter)?;
    Ok(filter)
}
