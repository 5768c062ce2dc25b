//! Which filters match a topic: a topic trie, the one matcher of mqttgen (the runtime's
//! dispatch, the in-memory broker and the reply policy all use it).

use std::collections::HashMap;

use crate::rules::{split_shared, validate_filter, InvalidTopic};

/// A topic trie mapping filters to values.
///
/// Matching follows MQTT §4.7: `+` matches exactly one level (possibly empty), `#` matches the
/// parent level and any number of levels below, and wildcards in the first level never match
/// topics starting with `$` (such as `$SYS/...`). A shared filter `$share/{group}/{filter}` is
/// stored under its inner filter. Its cost grows with the depth of the topic, not with the
/// number of filters.
///
/// ```
/// use mqttgen_address::TopicMatcher;
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
    pub fn insert(&mut self, filter: &str, value: T) -> Result<(), InvalidTopic> {
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
        let mut levels = levels(topic);
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

/// The levels of `topic` (or filter), the same as `topic.split('/')` but scanning bytes: levels
/// are short, and the general pattern searcher costs more per level than the scan itself (this
/// runs for every received message).
///
/// ```
/// let levels: Vec<&str> = mqttgen_address::levels("a//b/").collect();
/// assert_eq!(levels, ["a", "", "b", ""]);
/// ```
pub fn levels(topic: &str) -> impl Iterator<Item = &str> + Clone {
    LevelIter { rest: Some(topic) }
}

#[derive(Clone)]
struct LevelIter<'t> {
    rest: Option<&'t str>,
}

impl<'t> Iterator for LevelIter<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let rest = self.rest?;
        match rest.bytes().position(|b| b == b'/') {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// True if `filter` matches `topic`: a [`TopicMatcher`] holding only `filter` (one rule set for
/// one-off checks and the trie). A shared filter matches like its inner filter; an invalid
/// filter matches nothing.
pub fn matches(filter: &str, topic: &str) -> bool {
    let mut matcher = TopicMatcher::new();
    matcher.insert(filter, ()).is_ok() && matcher.is_match(topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_split_like_str_split() {
        for topic in [
            "", "/", "a", "a/", "/a", "a//b", "a/b/c", "é/ü//x", "$SYS/x",
        ] {
            assert_eq!(
                levels(topic).collect::<Vec<_>>(),
                topic.split('/').collect::<Vec<_>>(),
                "{topic:?}"
            );
        }
    }

    #[test]
    fn wildcards_follow_mqtt() {
        assert!(matches("a/+/c", "a/b/c"));
        assert!(matches("a/+/c", "a//c"));
        assert!(!matches("a/+/c", "a/b/c/d"));
        assert!(matches("a/#", "a"));
        assert!(matches("a/#", "a/b/c"));
        assert!(matches("#", "a/b"));
        assert!(matches("$share/g/a/+", "a/b"));
        assert!(!matches("a/b#", "a/b"));
    }

    #[test]
    fn first_level_wildcards_never_match_dollar_topics() {
        assert!(!matches("#", "$SYS/x"));
        assert!(!matches("+/x", "$SYS/x"));
        assert!(matches("$SYS/#", "$SYS/x"));
        assert!(matches("$SYS/+", "$SYS/x"));
        let mut trie = TopicMatcher::new();
        trie.insert("#", 1).unwrap();
        trie.insert("$SYS/#", 2).unwrap();
        assert_eq!(trie.matches("$SYS/load"), [&2]);
    }
}
