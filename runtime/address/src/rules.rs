//! MQTT rules for topic names, filters and the values of address parameters (MQTT 5 §4.7 and
//! §1.5.4), shared subscriptions (`$share/{group}/{filter}`) and prefixes.

use std::fmt;

/// Longest topic or filter MQTT can carry (a two-byte length prefix).
pub const MAX_TOPIC_LEN: usize = 65_535;

/// A topic name, filter or parameter value that breaks a rule: the offending text and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTopic {
    /// The offending text (for a parameter value, `{name} = \`value\``).
    pub topic: String,
    /// Why it is invalid.
    pub reason: &'static str,
}

impl InvalidTopic {
    /// An error for `topic`.
    pub fn new(topic: impl Into<String>, reason: &'static str) -> InvalidTopic {
        InvalidTopic {
            topic: topic.into(),
            reason,
        }
    }

    /// The error for the value `value` of the parameter `name`.
    pub fn param(name: &str, value: &str, reason: &'static str) -> InvalidTopic {
        InvalidTopic::new(format!("{{{name}}} = `{value}`"), reason)
    }
}

impl fmt::Display for InvalidTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid topic `{}`: {}",
            self.topic.escape_debug(),
            self.reason
        )
    }
}

impl std::error::Error for InvalidTopic {}

fn check_common(text: &str) -> Result<(), InvalidTopic> {
    if text.is_empty() {
        return Err(InvalidTopic::new(text, "must not be empty"));
    }
    if text.len() > MAX_TOPIC_LEN {
        let mut end = 64;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return Err(InvalidTopic::new(&text[..end], "longer than 65535 bytes"));
    }
    if text.contains('\0') {
        return Err(InvalidTopic::new(text, "must not contain NUL"));
    }
    if let Some(reason) = unsafe_chars(text) {
        return Err(InvalidTopic::new(text, reason));
    }
    Ok(())
}

/// Why `text` breaks the MQTT rules for UTF-8 strings (§1.5.4) beyond NUL: it contains a
/// control character (U+0001–U+001F, U+007F–U+009F) or a Unicode non-character (U+FDD0–U+FDEF,
/// or a code point ending in FFFE/FFFF). The specification says such strings "SHOULD NOT" be
/// sent and a receiver may close the connection; mosquitto does, so one such topic would cost
/// the service its connection. `None` when `text` has none of them.
pub fn unsafe_chars(text: &str) -> Option<&'static str> {
    for c in text.chars() {
        let code = u32::from(c);
        if matches!(code, 0x01..=0x1F | 0x7F..=0x9F) {
            return Some("must not contain control characters (U+0001–U+001F, U+007F–U+009F)");
        }
        if matches!(code, 0xFDD0..=0xFDEF) || code & 0xFFFE == 0xFFFE {
            return Some(
                "must not contain Unicode non-characters (U+FDD0–U+FDEF, U+FFFE, U+FFFF and the like)",
            );
        }
    }
    None
}

/// Checks a topic name for publishing: non-empty, at most 65535 bytes, no NUL, no wildcards, no
/// control characters or Unicode non-characters ([`unsafe_chars`]).
pub fn validate_topic_name(topic: &str) -> Result<(), InvalidTopic> {
    check_common(topic)?;
    if topic.contains(['+', '#']) {
        return Err(InvalidTopic::new(
            topic,
            "wildcards `+` and `#` are not allowed in a topic name",
        ));
    }
    Ok(())
}

/// Checks a topic filter for subscribing, including `$share/{group}/{filter}`.
pub fn validate_filter(filter: &str) -> Result<(), InvalidTopic> {
    check_common(filter)?;
    let (group, inner) = split_shared(filter);
    if let Some(group) = group {
        if group.is_empty() || group.contains(['+', '#']) {
            return Err(InvalidTopic::new(
                filter,
                "a shared subscription group must be non-empty and contain no `+`/`#`",
            ));
        }
        if inner.is_empty() {
            return Err(InvalidTopic::new(
                filter,
                "a shared subscription needs a filter after the group",
            ));
        }
    } else if filter.starts_with("$share/") || filter == "$share" {
        return Err(InvalidTopic::new(
            filter,
            "malformed `$share/{group}/{filter}`",
        ));
    }
    let levels: Vec<&str> = inner.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Err(InvalidTopic::new(
                filter,
                "`#` must be a whole level and the last one",
            ));
        }
        if level.contains('+') && *level != "+" {
            return Err(InvalidTopic::new(filter, "`+` must be a whole level"));
        }
    }
    Ok(())
}

/// Why `value` cannot stand for a `{param}` in a topic, or `None` when it can: it must be a
/// single, non-empty level that cannot change the topic's meaning (no `/`, `+`, `#`, NUL, no
/// leading `$`, no control characters or Unicode non-characters). The generator applies the
/// same rule to examples and defaults in the spec.
pub fn param_value_problem(value: &str) -> Option<&'static str> {
    if let Some(reason) = unsafe_chars(value) {
        Some(reason)
    } else if value.is_empty() {
        Some("topic parameter must not be empty")
    } else if value.contains('/') {
        Some("topic parameter must not contain `/`")
    } else if value.contains(['+', '#']) {
        Some("topic parameter must not contain wildcards `+` or `#`")
    } else if value.contains('\0') {
        Some("topic parameter must not contain NUL")
    } else if value.starts_with('$') {
        Some("topic parameter must not start with `$`")
    } else {
        None
    }
}

/// Checks a value substituted for the `{name}` parameter of an address ([`param_value_problem`]).
pub fn validate_param_value(name: &str, value: &str) -> Result<(), InvalidTopic> {
    match param_value_problem(value) {
        Some(reason) => Err(InvalidTopic::param(name, value, reason)),
        None => Ok(()),
    }
}

/// Why the levels standing for a trailing `#` cannot be published: the rules of a parameter
/// value, except that `/` and emptiness are allowed.
pub fn tail_value_problem(value: &str) -> Option<&'static str> {
    if value.contains(['+', '#']) {
        Some("topic levels after `#` must not contain wildcards `+` or `#`")
    } else if value.contains('\0') {
        Some("topic levels after `#` must not contain NUL")
    } else if value.starts_with('$') {
        Some("topic levels after `#` must not start with `$`")
    } else {
        unsafe_chars(value)
    }
}

/// Splits `$share/{group}/{filter}` into `(Some(group), filter)`; other filters into `(None, filter)`.
pub fn split_shared(filter: &str) -> (Option<&str>, &str) {
    if let Some(rest) = filter.strip_prefix("$share/") {
        match rest.split_once('/') {
            Some((group, inner)) => (Some(group), inner),
            None => (Some(rest), ""),
        }
    } else {
        (None, filter)
    }
}

/// Builds `$share/{group}/{filter}` without checking `group` (see [`checked_shared_filter`]).
pub fn shared_filter(group: &str, filter: &str) -> String {
    format!("$share/{group}/{filter}")
}

/// The shared-subscription filter `$share/{group}/{filter}`. Fails when `group` is not a valid
/// topic level.
pub fn checked_shared_filter(group: &str, filter: &str) -> Result<String, InvalidTopic> {
    validate_param_value("shared subscription group", group)?;
    Ok(shared_filter(group, filter))
}

/// Joins a prefix and a filter with exactly one `/` between them.
pub fn join(prefix: &str, filter: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let filter = filter.trim_start_matches('/');
    match (prefix.is_empty(), filter.is_empty()) {
        (true, _) => filter.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}/{filter}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_values_are_single_safe_levels() {
        for bad in ["", "a/b", "+", "a#", "x\0", "$SYS", "a\u{1}", "\u{FDD0}"] {
            assert!(param_value_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(param_value_problem("n\u{e9}e-1"), None);
        let error = validate_param_value("site", "a/b").unwrap_err();
        assert_eq!(error.topic, "{site} = `a/b`");
        assert!(tail_value_problem("a/b").is_none());
        assert!(tail_value_problem("").is_none());
        assert!(tail_value_problem("$SYS/x").is_some());
    }

    #[test]
    fn filters_and_shared_groups() {
        assert!(validate_filter("a/+/#").is_ok());
        assert!(validate_filter("a/b#").is_err());
        assert!(validate_filter("$share/g/a/+").is_ok());
        assert!(validate_filter("$share/g").is_err());
        assert_eq!(checked_shared_filter("g", "a/+").unwrap(), "$share/g/a/+");
        assert!(checked_shared_filter("a/b", "a/+").is_err());
        assert_eq!(join("eu/", "/plant"), "eu/plant");
        assert_eq!(join("", "plant"), "plant");
    }
}
