//! Topic names, topic filters and a topic trie.
//!
//! * [`validate_topic_name`] / [`validate_filter`] check the MQTT rules (§4.7).
//! * [`validate_param_value`] is called by generated topic builders for every `{param}` value.
//! * [`FilterTemplate`] turns an AsyncAPI-style address (`devices/{id}/temp`) into an MQTT filter
//!   (`devices/+/temp`) and extracts the named levels again from a received topic.
//! * [`TopicMatcher`] finds every value whose filter matches a topic; its cost grows with the
//!   depth of the topic, not with the number of filters.

use crate::Error;
use std::collections::HashMap;

/// Longest topic or filter MQTT can carry (a two-byte length prefix).
pub const MAX_TOPIC_LEN: usize = 65_535;

fn invalid(topic: &str, reason: &'static str) -> Error {
    Error::InvalidTopic {
        topic: topic.to_owned(),
        reason,
    }
}

fn check_common(text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(invalid(text, "must not be empty"));
    }
    if text.len() > MAX_TOPIC_LEN {
        let mut end = 64;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        return Err(invalid(&text[..end], "longer than 65535 bytes"));
    }
    if text.contains('\0') {
        return Err(invalid(text, "must not contain NUL"));
    }
    if let Some(reason) = unsafe_chars(text) {
        return Err(invalid(text, reason));
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
pub fn validate_topic_name(topic: &str) -> Result<(), Error> {
    check_common(topic)?;
    if topic.contains(['+', '#']) {
        return Err(invalid(
            topic,
            "wildcards `+` and `#` are not allowed in a topic name",
        ));
    }
    Ok(())
}

/// Checks a topic filter for subscribing, including `$share/{group}/{filter}`.
pub fn validate_filter(filter: &str) -> Result<(), Error> {
    check_common(filter)?;
    let (group, inner) = split_shared(filter);
    if let Some(group) = group {
        if group.is_empty() || group.contains(['+', '#']) {
            return Err(invalid(
                filter,
                "a shared subscription group must be non-empty and contain no `+`/`#`",
            ));
        }
        if inner.is_empty() {
            return Err(invalid(
                filter,
                "a shared subscription needs a filter after the group",
            ));
        }
    } else if filter.starts_with("$share/") || filter == "$share" {
        return Err(invalid(filter, "malformed `$share/{group}/{filter}`"));
    }
    let levels: Vec<&str> = inner.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Err(invalid(
                filter,
                "`#` must be a whole level and the last one",
            ));
        }
        if level.contains('+') && *level != "+" {
            return Err(invalid(filter, "`+` must be a whole level"));
        }
    }
    Ok(())
}

/// Checks a value substituted for a `{param}` in a topic: it must be a single, non-empty level
/// that cannot change the topic's meaning (no `/`, `+`, `#`, NUL, no leading `$`, no control
/// characters or Unicode non-characters).
pub fn validate_param_value(name: &str, value: &str) -> Result<(), Error> {
    let reason = if let Some(reason) = unsafe_chars(value) {
        reason
    } else if value.is_empty() {
        "topic parameter must not be empty"
    } else if value.contains('/') {
        "topic parameter must not contain `/`"
    } else if value.contains(['+', '#']) {
        "topic parameter must not contain wildcards `+` or `#`"
    } else if value.contains('\0') {
        "topic parameter must not contain NUL"
    } else if value.starts_with('$') {
        "topic parameter must not start with `$`"
    } else {
        return Ok(());
    };
    Err(Error::InvalidTopic {
        topic: format!("{{{name}}} = `{value}`"),
        reason,
    })
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

/// Builds `$share/{group}/{filter}`.
pub fn shared_filter(group: &str, filter: &str) -> String {
    format!("$share/{group}/{filter}")
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

/// An address with named single-level parameters, e.g. `devices/{device_id}/temperature`.
///
/// `{name}` levels become `+` in the MQTT filter; [`FilterTemplate::extract`] reads them back
/// from a received topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterTemplate {
    filter: String,
    params: Vec<(String, usize)>,
}

impl FilterTemplate {
    /// Parses an address. `{name}` must be a whole level; `+` and `#` are kept as they are.
    pub fn parse(address: &str) -> Result<FilterTemplate, Error> {
        let mut params = Vec::new();
        let mut levels = Vec::new();
        let (share, inner) = split_shared(address);
        for (i, level) in inner.split('/').enumerate() {
            if level.starts_with('{') && level.ends_with('}') && level.len() > 2 {
                let name = &level[1..level.len() - 1];
                if name.contains(['{', '}', '/', '+', '#']) {
                    return Err(invalid(address, "malformed `{param}` level"));
                }
                if params.iter().any(|(n, _)| n == name) {
                    return Err(invalid(address, "a parameter name appears twice"));
                }
                params.push((name.to_owned(), i));
                levels.push("+");
            } else if level.contains(['{', '}']) {
                return Err(invalid(address, "`{param}` must be a whole topic level"));
            } else {
                levels.push(level);
            }
        }
        let inner = levels.join("/");
        let filter = match share {
            Some(group) => shared_filter(group, &inner),
            None => inner,
        };
        validate_filter(&filter)?;
        Ok(FilterTemplate { filter, params })
    }

    /// The MQTT filter (`{name}` replaced by `+`).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Parameter names with their level index, in address order.
    pub fn params(&self) -> &[(String, usize)] {
        &self.params
    }

    /// The parameter values found in `topic`, in address order (`None` if a level is missing).
    pub fn extract<'t>(&self, topic: &'t str) -> Vec<(&str, Option<&'t str>)> {
        if self.params.is_empty() {
            return Vec::new();
        }
        let levels: Vec<&str> = topic.split('/').collect();
        self.params
            .iter()
            .map(|(name, i)| (name.as_str(), levels.get(*i).copied()))
            .collect()
    }
}

/// A topic trie mapping filters to values.
///
/// Matching follows MQTT §4.7: `+` matches exactly one level (possibly empty), `#` matches the
/// parent level and any number of levels below, and wildcards in the first level never match
/// topics starting with `$` (such as `$SYS/...`). A shared filter `$share/{group}/{filter}` is
/// stored under its inner filter.
///
/// ```
/// use mqttgen::topic::TopicMatcher;
/// let mut m = TopicMatcher::new();
/// m.insert("devices/+/temp", 1).unwrap();
/// m.insert("devices/#", 2).unwrap();
/// let mut hits: Vec<i32> = m.matches("devices/d1/temp").into_iter().copied().collect();
/// hits.sort();
/// assert_eq!(hits, [1, 2]);
/// ```
#[derive(Debug, Clone)]
pub struct TopicMatcher<T> {
    root: Node<T>,
    len: usize,
}

/// FNV-1a: topic levels are short, so a simple hash beats SipHash by a wide margin here, and
/// the trie is built from the service's own filters (no untrusted keys).
#[derive(Default, Clone, Copy)]
struct LevelHasher(u64);

impl std::hash::Hasher for LevelHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Levels<T> = HashMap<Box<str>, Node<T>, std::hash::BuildHasherDefault<LevelHasher>>;

#[derive(Debug, Clone)]
struct Node<T> {
    children: Levels<T>,
    plus: Option<Box<Node<T>>>,
    /// Values of filters ending in `/#` at this node (or `#` alone at the root).
    multi: Vec<T>,
    /// Values of filters ending exactly at this node.
    exact: Vec<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            children: Levels::default(),
            plus: None,
            multi: Vec::new(),
            exact: Vec::new(),
        }
    }
}

impl<T> Default for TopicMatcher<T> {
    fn default() -> Self {
        TopicMatcher {
            root: Node::default(),
            len: 0,
        }
    }
}

impl<T> TopicMatcher<T> {
    /// An empty matcher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of inserted values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `value` under `filter` (validated; shared filters are stored under their inner filter).
    pub fn insert(&mut self, filter: &str, value: T) -> Result<(), Error> {
        validate_filter(filter)?;
        let (_, inner) = split_shared(filter);
        let mut node = &mut self.root;
        for level in inner.split('/') {
            match level {
                "#" => {
                    node.multi.push(value);
                    self.len += 1;
                    return Ok(());
                }
                "+" => node = node.plus.get_or_insert_with(Default::default),
                _ => node = node.children.entry(level.into()).or_default(),
            }
        }
        node.exact.push(value);
        self.len += 1;
        Ok(())
    }

    /// Calls `f` for every value whose filter matches `topic`.
    pub fn for_each_match<'a>(&'a self, topic: &str, mut f: impl FnMut(&'a T)) {
        let dollar = topic.starts_with('$');
        let mut levels = topic.split('/');
        Self::walk(&self.root, &mut levels, true, dollar, &mut f);
    }

    fn walk<'a, 't>(
        node: &'a Node<T>,
        levels: &mut (impl Iterator<Item = &'t str> + Clone),
        first: bool,
        dollar: bool,
        f: &mut impl FnMut(&'a T),
    ) {
        let wildcards_ok = !(first && dollar);
        if wildcards_ok {
            node.multi.iter().for_each(&mut *f);
        }
        let Some(level) = levels.next() else {
            node.exact.iter().for_each(&mut *f);
            return;
        };
        if let Some(child) = node.children.get(level) {
            Self::walk(child, &mut levels.clone(), false, dollar, f);
        }
        if wildcards_ok {
            if let Some(plus) = &node.plus {
                Self::walk(plus, &mut levels.clone(), false, dollar, f);
            }
        }
    }

    /// Every value whose filter matches `topic`.
    pub fn matches(&self, topic: &str) -> Vec<&T> {
        let mut out = Vec::new();
        self.for_each_match(topic, |v| out.push(v));
        out
    }

    /// True if any filter matches `topic`.
    pub fn is_match(&self, topic: &str) -> bool {
        let mut hit = false;
        self.for_each_match(topic, |_| hit = true);
        hit
    }
}

/// True if `filter` matches `topic` (one-off check; use [`TopicMatcher`] for many filters).
/// A shared filter matches like its inner filter; an invalid filter matches nothing.
pub fn matches(filter: &str, topic: &str) -> bool {
    if validate_filter(filter).is_err() {
        return false;
    }
    let (_, inner) = split_shared(filter);
    let mut f = inner.split('/');
    let mut t = topic.split('/');
    let mut first = true;
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return !(first && topic.starts_with('$')),
            (Some("+"), Some(_)) => {
                if first && topic.starts_with('$') {
                    return false;
                }
            }
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
        first = false;
    }
}
