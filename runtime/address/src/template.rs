//! Building topics from an address and parameter values, and capturing the values back.
//!
//! An address such as `plant/{site}/v{major}.{minor}/+/#` is read as [`Piece`]s (`Text("plant/")`,
//! `Param("site")`, `Text("/v")`, ...). [`build`] fills the parameters in to get the topic to
//! publish to, checking each value; [`capture`] reads them back from a received topic.
//!
//! Rules:
//! - a [`Piece::Param`] (or an anonymous `+`, [`Piece::Level`]) stands for a part of one topic
//!   level (it never spans a `/`); when text follows it in the same level, the value ends at the
//!   first occurrence of that text;
//! - a [`Piece::Tail`] (the address's trailing `#`) takes the remaining levels, joined by `/`,
//!   and is empty when the topic ends at the parent level (`a/#` matches `a`, as in MQTT).

use std::borrow::Cow;
use std::fmt;

use crate::rules::{tail_value_problem, validate_param_value, InvalidTopic};

/// One piece of an address: literal text (including its `/` separators), a parameter, an
/// anonymous `+` level, or the trailing `#`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text, matched exactly.
    Text(&'a str),
    /// A `{name}` parameter: one value within a level.
    Param(&'a str),
    /// An anonymous `+` at this (zero-based) level index: one whole level.
    Level(usize),
    /// The levels matched by a trailing `#`.
    Tail,
}

impl Piece<'_> {
    /// The name used in error messages: the parameter name, `+ (level n)` or `#`.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            Piece::Text(text) => Cow::Borrowed(text),
            Piece::Param(name) => Cow::Borrowed(name),
            Piece::Level(index) => Cow::Owned(format!("+ (level {index})")),
            Piece::Tail => Cow::Borrowed("#"),
        }
    }

    /// True for the pieces that take a value ([`Piece::Text`] does not).
    pub fn is_value(&self) -> bool {
        !matches!(self, Piece::Text(_))
    }
}

/// The pieces of `address`, in order. Text pieces are the parts of `address` between
/// parameters and wildcards; malformed braces are kept as text (the address grammar reports
/// them, see [`crate::parse`]).
pub fn pieces(address: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut level_start = 0;
    let levels = address.split('/').count();
    for (index, level) in address.split('/').enumerate() {
        let level_end = level_start + level.len();
        let wildcard = match level {
            "+" => Some(Piece::Level(index)),
            "#" if index + 1 == levels => Some(Piece::Tail),
            _ => None,
        };
        if let Some(piece) = wildcard {
            if text_start < level_start {
                out.push(Piece::Text(&address[text_start..level_start]));
            }
            out.push(piece);
            text_start = level_end;
        } else {
            let mut at = level_start;
            while let Some(open) = address[at..level_end].find('{') {
                let open = at + open;
                let Some(close) = address[open + 1..level_end].find('}') else {
                    break;
                };
                let close = open + 1 + close;
                let name = &address[open + 1..close];
                if name.is_empty() || name.contains('{') {
                    break;
                }
                if text_start < open {
                    out.push(Piece::Text(&address[text_start..open]));
                }
                out.push(Piece::Param(name));
                text_start = close + 1;
                at = close + 1;
            }
        }
        level_start = level_end + 1;
    }
    if text_start < address.len() {
        out.push(Piece::Text(&address[text_start..]));
    }
    out
}

/// Builds the topic of `address`, taking one value per parameter, anonymous `+` and trailing
/// `#` from `values`, in order. Fails, naming the parameter, when a value is empty or contains
/// `/`, `+`, `#`, NUL, a control character or a Unicode non-character, starts with `$`, or
/// holds the text separating it from the next parameter of its level (a tail may contain `/`
/// and be empty); nothing is published then.
///
/// # Panics
/// When `values` has fewer entries than the address has parameters (generated code passes
/// exactly one per parameter).
pub fn build(address: &str, values: &[&str]) -> Result<String, InvalidTopic> {
    let pieces = pieces(address);
    let mut topic = String::with_capacity(address.len() + 16);
    let mut values = values.iter();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(text) => topic.push_str(text),
            Piece::Param(_) | Piece::Level(_) => {
                let value = values.next().expect("one value per parameter");
                validate_param_value(&piece.name(), value)?;
                if let Some(separator) = separator_after(&pieces, index) {
                    if !ends_at_separator(value, separator) {
                        return Err(InvalidTopic::param(
                            &piece.name(),
                            value,
                            "the value contains the text that separates it from the next \
                             parameter in its level, so a receiver would split it differently",
                        ));
                    }
                }
                topic.push_str(value);
            }
            Piece::Tail => {
                let value = values.next().expect("one value for the tail");
                if let Some(reason) = tail_value_problem(value) {
                    return Err(InvalidTopic::new(format!("# = `{value}`"), reason));
                }
                if value.is_empty() {
                    // `a/#` with nothing below `a` is the topic `a`.
                    if topic.ends_with('/') {
                        topic.pop();
                    }
                } else {
                    topic.push_str(value);
                }
            }
        }
    }
    Ok(topic)
}

/// The text that ends the value of the parameter at `index` within its level: the literal after
/// it up to the next `/`, when the level goes on after the parameter (`{a}.{b}` → `.`).
fn separator_after<'a>(pieces: &[Piece<'a>], index: usize) -> Option<&'a str> {
    match pieces.get(index + 1) {
        Some(Piece::Text(next)) if !next.starts_with('/') => next.split('/').next(),
        _ => None,
    }
}

/// True when [`capture`] reads `value` back whole: the first occurrence of `separator` in
/// `value` followed by `separator` is the one after `value`.
fn ends_at_separator(value: &str, separator: &str) -> bool {
    let mut joined = String::with_capacity(value.len() + separator.len());
    joined.push_str(value);
    joined.push_str(separator);
    joined.find(separator) == Some(value.len())
}

/// A received topic that does not match an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The topic.
    pub topic: String,
    /// The address.
    pub address: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` does not match the address `{}`",
            self.topic.escape_debug(),
            self.address.escape_debug()
        )
    }
}

impl std::error::Error for Mismatch {}

/// Reads the values of the parameters, anonymous `+` levels and trailing `#` of `address`
/// from `topic`, in address order, into `values` (cleared first). Fails when `topic` does not
/// match the address.
pub fn capture<'t>(
    address: &str,
    topic: &'t str,
    values: &mut Vec<&'t str>,
) -> Result<(), Mismatch> {
    values.clear();
    let mismatch = || Mismatch {
        topic: topic.to_owned(),
        address: address.to_owned(),
    };
    let pieces = pieces(address);
    let mut rest = topic;
    let mut pieces = pieces.iter().peekable();
    while let Some(piece) = pieces.next() {
        match piece {
            Piece::Text(text) => {
                if let Some(after) = rest.strip_prefix(text) {
                    rest = after;
                } else if matches!(pieces.peek(), Some(Piece::Tail))
                    && text.strip_suffix('/') == Some(rest)
                {
                    // The parent level of a trailing `#`: the tail is empty.
                    rest = "";
                } else {
                    return Err(mismatch());
                }
            }
            Piece::Param(_) | Piece::Level(_) => {
                let level_end = rest.find('/').unwrap_or(rest.len());
                let end = match pieces.peek() {
                    Some(Piece::Text(next)) if !next.starts_with('/') => {
                        let within = &rest[..level_end];
                        let separator = next.split('/').next().unwrap_or_default();
                        within.find(separator).ok_or_else(mismatch)?
                    }
                    _ => level_end,
                };
                values.push(&rest[..end]);
                rest = &rest[end..];
            }
            Piece::Tail => {
                values.push(rest);
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        return Err(mismatch());
    }
    Ok(())
}

/// [`capture`] into a new vector.
pub fn capture_all<'t>(address: &str, topic: &'t str) -> Result<Vec<&'t str>, Mismatch> {
    let mut values = Vec::new();
    capture(address, topic, &mut values)?;
    Ok(values)
}

/// The part of `topic` below the prefixes in front of an address: `routed` is the address with
/// its prefixes (as routed), `address` the address as written. `plant/{site}` routed under `eu/`
/// as `eu/plant/{site}` gives `plant/north` for `eu/plant/north`.
pub fn below_prefixes<'t>(topic: &'t str, routed: &str, address: &str) -> &'t str {
    let levels = address.trim_start_matches('/').split('/').count();
    let extra = routed.split('/').count().saturating_sub(levels);
    let mut rest = topic;
    for _ in 0..extra {
        rest = rest.split_once('/').map_or("", |(_, rest)| rest);
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLANT: &str = "plant/{site}/line/{machineId}/state";
    const MIXED: &str = "fleet/{id}/v{major}.{minor}/+/#";

    #[test]
    fn pieces_follow_the_grammar() {
        assert_eq!(
            pieces(MIXED),
            [
                Piece::Text("fleet/"),
                Piece::Param("id"),
                Piece::Text("/v"),
                Piece::Param("major"),
                Piece::Text("."),
                Piece::Param("minor"),
                Piece::Text("/"),
                Piece::Level(3),
                Piece::Text("/"),
                Piece::Tail,
            ]
        );
        assert_eq!(pieces("a/{open"), [Piece::Text("a/{open")]);
        assert_eq!(pieces("#"), [Piece::Tail]);
    }

    #[test]
    fn prefixes_are_cut_off_by_the_address() {
        assert_eq!(
            below_prefixes("eu/plant/north", "eu/plant/{site}", "plant/{site}"),
            "plant/north"
        );
        assert_eq!(
            below_prefixes("a/b/plant/north", "{region}/b/plant/{site}", "plant/{site}"),
            "plant/north"
        );
        assert_eq!(
            below_prefixes("plant/north", "plant/{site}", "plant/{site}"),
            "plant/north"
        );
        // A topic with fewer levels than the prefixes claim leaves nothing to parse.
        assert_eq!(
            below_prefixes("eu", "eu/x/plant/{site}", "plant/{site}"),
            ""
        );
    }

    #[test]
    fn builds_and_captures_round_trip() {
        let topic = build(PLANT, &["north", "m-7"]).unwrap();
        assert_eq!(topic, "plant/north/line/m-7/state");
        assert_eq!(capture_all(PLANT, &topic).unwrap(), ["north", "m-7"]);
        let topic = build(MIXED, &["t1", "2", "10", "x", "a/b"]).unwrap();
        assert_eq!(topic, "fleet/t1/v2.10/x/a/b");
        assert_eq!(
            capture_all(MIXED, &topic).unwrap(),
            ["t1", "2", "10", "x", "a/b"]
        );
    }

    #[test]
    fn an_empty_tail_is_the_parent_level() {
        let topic = build(MIXED, &["t1", "2", "10", "x", ""]).unwrap();
        assert_eq!(topic, "fleet/t1/v2.10/x");
        assert_eq!(
            capture_all(MIXED, &topic).unwrap(),
            ["t1", "2", "10", "x", ""]
        );
        assert_eq!(build("#", &["a/b"]).unwrap(), "a/b");
        assert_eq!(capture_all("#", "a/b").unwrap(), ["a/b"]);
    }

    #[test]
    fn rejects_injection_naming_the_parameter() {
        for bad in [
            "",
            "a/b",
            "+",
            "#",
            "x\0",
            "$SYS",
            "a\u{1}b",
            "a\u{7f}",
            "a\u{9f}",
            "a\u{FFFF}b",
            "\u{FDD0}",
            "\u{1FFFE}",
        ] {
            let error = build(PLANT, &[bad, "m"]).unwrap_err().to_string();
            assert!(error.contains("site"), "{bad:?}: {error}");
        }
        let error = build(MIXED, &["t", "1", "2", "a/b", "x"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("+ (level 3)"), "{error}");
        // The trailing `#` takes several levels, but the same characters are refused there,
        // and it must not start a `$` topic either.
        for bad in ["a/+", "#", "x\0", "$SYS/broker", "a/\u{1}", "a/b\u{FFFF}"] {
            let error = build(MIXED, &["t", "1", "2", "x", bad])
                .unwrap_err()
                .to_string();
            assert!(error.contains('#'), "{bad:?}: {error}");
        }
        assert!(build("#", &["$SYS/broker/load"]).is_err());
        assert_eq!(build("#", &["a/$b"]).unwrap(), "a/$b");
        assert_eq!(
            build(PLANT, &["n\u{e9}e-\u{1F600}", "m"]).unwrap(),
            "plant/n\u{e9}e-\u{1F600}/line/m/state"
        );
    }

    #[test]
    fn rejects_values_holding_the_separator_of_a_shared_level() {
        const SHARED: &str = "cfg/{a}.{b}";
        let error = build(SHARED, &["x.y", "z"]).unwrap_err().to_string();
        assert!(error.contains("{a} = `x.y`"), "{error}");
        assert!(
            error.contains("separates it from the next parameter"),
            "{error}"
        );
        // The last parameter of the level may hold the separator: it runs to the level's end.
        let topic = build(SHARED, &["x", "y.z"]).unwrap();
        assert_eq!(capture_all(SHARED, &topic).unwrap(), ["x", "y.z"]);
        // A value ending in the start of a longer separator would be cut short too.
        const DOUBLE: &str = "{a}aa{b}";
        assert!(build(DOUBLE, &["xa", "b"]).is_err());
        assert!(build(DOUBLE, &["ax", "b"]).is_ok());
        // Without text between parameter and level end nothing is checked.
        assert!(build(PLANT, &["a.b", "c.d"]).is_ok());
    }

    #[test]
    fn error_texts_escape_control_characters() {
        let error = build(PLANT, &["x\0\u{1b}[2J", "m"])
            .unwrap_err()
            .to_string();
        assert!(!error.chars().any(char::is_control), "{error:?}");
        assert!(error.contains("x\\0\\u{1b}[2J"), "{error}");
        let error = capture_all(PLANT, "plant/\0/line/m/x\n")
            .unwrap_err()
            .to_string();
        assert!(!error.chars().any(char::is_control), "{error:?}");
        assert!(error.contains("plant/\\0/line/m/x\\n"), "{error}");
    }

    #[test]
    fn mismatches_name_the_topic_and_address() {
        for topic in [
            "plant/north/line/m/state/extra",
            "plant/north/line/m",
            "plant/north/other/m/state",
            "x/plant/north/line/m/state",
        ] {
            let error = capture_all(PLANT, topic).unwrap_err().to_string();
            assert!(error.contains("does not match"), "{error}");
            assert!(error.contains(topic), "{error}");
            assert!(error.contains(PLANT), "{error}");
        }
        assert!(capture_all(MIXED, "fleet/t1/v2/x/y").is_err());
    }
}
