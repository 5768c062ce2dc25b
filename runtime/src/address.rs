//! Topics of a channel address with parameters, for generated parameters structs.
//!
//! An address such as `plant/{site}/v{major}.{minor}/+/#` is described once, as a list of
//! [`Piece`]s (`Text("plant/")`, `Param("site")`, `Text("/v")`, ...). [`build`] fills the
//! parameters in to get the topic to publish to, checking each value; [`capture`] reads them back
//! from a received topic. Generated code keeps only the pieces and the typed conversion of each
//! captured value ([`parse_value`]), so the matching rules live here, tested once.
//!
//! Rules:
//! - a [`Piece::Param`] stands for a part of one topic level (it never spans a `/`); when text
//!   follows it in the same level, the value ends at the first occurrence of that text;
//! - a [`Piece::Tail`] (the address's trailing `#`) takes the remaining levels, joined by `/`,
//!   and is empty when the topic ends at the parent level (`a/#` matches `a`, as in MQTT).

use crate::{DecodeError, Error};

/// One piece of an address: literal text (including its `/` separators), a parameter, or the
/// trailing `#`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, matched exactly.
    Text(&'static str),
    /// A parameter (named as in the spec, or `+ (level n)` for an anonymous `+`): one value
    /// within a level.
    Param(&'static str),
    /// The levels matched by a trailing `#` (named for error messages).
    Tail(&'static str),
}

/// Builds the topic from `pieces`, taking one value per [`Piece::Param`]/[`Piece::Tail`] from
/// `values`, in order. Fails, naming the parameter, when a value is empty or contains `/`, `+`,
/// `#`, NUL, a control character or a Unicode non-character, or starts with `$` (a tail may
/// contain `/` and be empty); nothing is published then.
///
/// # Panics
/// When `values` has fewer entries than the pieces have parameters (generated code passes exactly
/// one per parameter).
pub fn build(pieces: &[Piece], values: &[&str]) -> Result<String, Error> {
    let mut topic = String::with_capacity(64);
    let mut values = values.iter();
    for (index, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Text(text) => topic.push_str(text),
            Piece::Param(name) => {
                let value = values.next().expect("one value per parameter");
                crate::topic::validate_param_value(name, value)?;
                if let Some(separator) = separator_after(pieces, index) {
                    if !ends_at_separator(value, separator) {
                        return Err(Error::InvalidTopic {
                            topic: format!("{{{name}}} = `{value}`"),
                            reason: "the value contains the text that separates it from the next \
                                     parameter in its level, so a receiver would split it differently",
                        });
                    }
                }
                topic.push_str(value);
            }
            Piece::Tail(name) => {
                let value = values.next().expect("one value for the tail");
                if let Some(reason) = tail_error(value) {
                    return Err(Error::InvalidTopic {
                        topic: format!("{name} = `{value}`"),
                        reason,
                    });
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

/// Why the levels for a trailing `#` cannot be published: the rules of a parameter value, except
/// that `/` and emptiness are allowed.
fn tail_error(value: &str) -> Option<&'static str> {
    if value.contains(['+', '#']) {
        Some("topic levels after `#` must not contain wildcards `+` or `#`")
    } else if value.contains('\0') {
        Some("topic levels after `#` must not contain NUL")
    } else if value.starts_with('$') {
        Some("topic levels after `#` must not start with `$`")
    } else {
        crate::topic::unsafe_chars(value)
    }
}

/// The text that ends the value of the parameter at `index` within its level: the literal after it
/// up to the next `/`, when the level goes on after the parameter (`{a}.{b}` → `.`).
fn separator_after(pieces: &[Piece], index: usize) -> Option<&'static str> {
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

/// Reads the `N` parameter values (and tail) of `topic`, in address order. Fails when `topic`
/// does not match the address (`address` is only used in the error message).
pub fn capture<'t, const N: usize>(
    pieces: &[Piece],
    address: &str,
    topic: &'t str,
) -> Result<[&'t str; N], DecodeError> {
    let mismatch = || {
        DecodeError::new(
            "topic",
            format!("`{topic}` does not match the address `{address}`"),
        )
    };
    let mut values = [""; N];
    let mut found = 0;
    let mut rest = topic;
    let mut pieces = pieces.iter().peekable();
    while let Some(piece) = pieces.next() {
        match piece {
            Piece::Text(text) => {
                if let Some(after) = rest.strip_prefix(text) {
                    rest = after;
                } else if matches!(pieces.peek(), Some(Piece::Tail(_)))
                    && text.strip_suffix('/') == Some(rest)
                {
                    // The parent level of a trailing `#`: the tail is empty.
                    rest = "";
                } else {
                    return Err(mismatch());
                }
            }
            Piece::Param(_) => {
                let level_end = rest.find('/').unwrap_or(rest.len());
                let end = match pieces.peek() {
                    Some(Piece::Text(next)) if !next.starts_with('/') => {
                        let within = &rest[..level_end];
                        let separator = next.split('/').next().unwrap_or_default();
                        within.find(separator).ok_or_else(mismatch)?
                    }
                    _ => level_end,
                };
                *values.get_mut(found).ok_or_else(mismatch)? = &rest[..end];
                found += 1;
                rest = &rest[end..];
            }
            Piece::Tail(_) => {
                *values.get_mut(found).ok_or_else(mismatch)? = rest;
                found += 1;
                rest = "";
            }
        }
    }
    if !rest.is_empty() || found != N {
        return Err(mismatch());
    }
    Ok(values)
}

/// Converts the captured value `raw` of parameter `name` with [`std::str::FromStr`]; the error
/// names the parameter, the value and what was `expected` (e.g. `an integer`).
pub fn parse_value<T: std::str::FromStr>(
    name: &str,
    raw: &str,
    expected: &str,
) -> Result<T, DecodeError> {
    raw.parse().map_err(|_| invalid_value(name, raw, expected))
}

/// Checks that the integer `value` of parameter `name` lies in `min..=max` (either end open);
/// generated `topic()` functions call it for parameters with a `minimum`/`maximum` their Rust
/// type does not already enforce.
pub fn check_range(
    name: &str,
    value: i128,
    min: Option<i128>,
    max: Option<i128>,
) -> Result<(), Error> {
    if min.is_some_and(|min| value < min) || max.is_some_and(|max| value > max) {
        return Err(Error::InvalidTopic {
            topic: format!("{{{name}}} = `{value}`"),
            reason: match (min, max) {
                (Some(_), Some(_)) => "the value is outside the parameter's `minimum`..`maximum`",
                (Some(_), None) => "the value is below the parameter's `minimum`",
                _ => "the value is above the parameter's `maximum`",
            },
        });
    }
    Ok(())
}

/// [`parse_value`] for an integer parameter that must also lie in `min..=max`.
pub fn parse_in_range<T>(
    name: &str,
    raw: &str,
    min: Option<i128>,
    max: Option<i128>,
    expected: &str,
) -> Result<T, DecodeError>
where
    T: std::str::FromStr + Copy + Into<i128>,
{
    let value: T = parse_value(name, raw, expected)?;
    let wide: i128 = value.into();
    if min.is_some_and(|min| wide < min) || max.is_some_and(|max| wide > max) {
        return Err(invalid_value(name, raw, expected));
    }
    Ok(value)
}

/// The error for a value `raw` of parameter `name` that is not what was `expected` (e.g. `one of
/// `north`, `south``); generated parameter enums return it from `FromStr`.
pub fn invalid_value(name: &str, raw: &str, expected: &str) -> DecodeError {
    DecodeError::new(
        "topic parameter",
        format!("`{name}` = `{raw}`: expected {expected}"),
    )
}

/// The shared-subscription filter `$share/{group}/{filter}`. Fails when `group` is not a valid
/// topic level.
pub fn shared_filter(group: &str, filter: &str) -> Result<String, Error> {
    crate::topic::validate_param_value("shared subscription group", group)?;
    Ok(crate::topic::shared_filter(group, filter))
}

/// The part of `topic` below the prefixes in front of an address: `route_address` is the
/// address with its prefixes (as routed), `levels` the number of levels of the address as
/// written. `plant/{site}` routed under `eu/` as `eu/plant/{site}` gives `plant/north` for
/// `eu/plant/north`.
pub fn below_prefixes<'t>(topic: &'t str, route_address: &str, levels: usize) -> &'t str {
    let extra = route_address.split('/').count().saturating_sub(levels);
    let mut rest = topic;
    for _ in 0..extra {
        rest = rest.split_once('/').map_or("", |(_, rest)| rest);
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use Piece::*;

    const PLANT: &[Piece] = &[
        Text("plant/"),
        Param("site"),
        Text("/line/"),
        Param("machineId"),
        Text("/state"),
    ];
    const MIXED: &[Piece] = &[
        Text("fleet/"),
        Param("id"),
        Text("/v"),
        Param("major"),
        Text("."),
        Param("minor"),
        Text("/"),
        Param("+ (level 3)"),
        Text("/"),
        Tail("#"),
    ];

    #[test]
    fn prefixes_are_cut_off_by_level_count() {
        assert_eq!(
            below_prefixes("eu/plant/north", "eu/plant/{site}", 2),
            "plant/north"
        );
        assert_eq!(
            below_prefixes("a/b/plant/north", "{region}/b/plant/{site}", 2),
            "plant/north"
        );
        assert_eq!(
            below_prefixes("plant/north", "plant/{site}", 2),
            "plant/north"
        );
        // A topic with fewer levels than the prefixes claim leaves nothing to parse.
        assert_eq!(below_prefixes("eu", "eu/x/plant/{site}", 2), "");
    }

    #[test]
    fn builds_and_captures_round_trip() {
        let topic = build(PLANT, &["north", "m-7"]).unwrap();
        assert_eq!(topic, "plant/north/line/m-7/state");
        assert_eq!(capture::<2>(PLANT, "a", &topic).unwrap(), ["north", "m-7"]);
        let topic = build(MIXED, &["t1", "2", "10", "x", "a/b"]).unwrap();
        assert_eq!(topic, "fleet/t1/v2.10/x/a/b");
        assert_eq!(
            capture::<5>(MIXED, "a", &topic).unwrap(),
            ["t1", "2", "10", "x", "a/b"]
        );
    }

    #[test]
    fn an_empty_tail_is_the_parent_level() {
        let topic = build(MIXED, &["t1", "2", "10", "x", ""]).unwrap();
        assert_eq!(topic, "fleet/t1/v2.10/x");
        assert_eq!(
            capture::<5>(MIXED, "a", &topic).unwrap(),
            ["t1", "2", "10", "x", ""]
        );
        let whole: &[Piece] = &[Tail("#")];
        assert_eq!(build(whole, &["a/b"]).unwrap(), "a/b");
        assert_eq!(capture::<1>(whole, "#", "a/b").unwrap(), ["a/b"]);
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
        // The trailing `#` takes several levels, but the same characters are refused there,
        // and it must not start a `$` topic either.
        for bad in ["a/+", "#", "x\0", "$SYS/broker", "a/\u{1}", "a/b\u{FFFF}"] {
            let error = build(MIXED, &["t", "1", "2", "x", bad])
                .unwrap_err()
                .to_string();
            assert!(error.contains('#'), "{bad:?}: {error}");
        }
        let whole: &[Piece] = &[Tail("#")];
        assert!(build(whole, &["$SYS/broker/load"]).is_err());
        assert_eq!(build(whole, &["a/$b"]).unwrap(), "a/$b");
        assert_eq!(
            build(PLANT, &["n\u{e9}e-\u{1F600}", "m"]).unwrap(),
            "plant/n\u{e9}e-\u{1F600}/line/m/state"
        );
    }

    #[test]
    fn rejects_values_holding_the_separator_of_a_shared_level() {
        const SHARED: &[Piece] = &[Text("cfg/"), Param("a"), Text("."), Param("b")];
        let error = build(SHARED, &["x.y", "z"]).unwrap_err().to_string();
        assert!(error.contains("{a} = `x.y`"), "{error}");
        assert!(
            error.contains("separates it from the next parameter"),
            "{error}"
        );
        // The last parameter of the level may hold the separator: it runs to the level's end.
        let topic = build(SHARED, &["x", "y.z"]).unwrap();
        assert_eq!(
            capture::<2>(SHARED, "cfg/{a}.{b}", &topic).unwrap(),
            ["x", "y.z"]
        );
        // A value ending in the start of a longer separator would be cut short too.
        const DOUBLE: &[Piece] = &[Param("a"), Text("aa"), Param("b")];
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
        let error = capture::<2>(PLANT, "a", "plant/\0/line/m/x\n")
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
            let error = capture::<2>(PLANT, "plant/{site}/line/{machineId}/state", topic)
                .unwrap_err()
                .to_string();
            assert!(error.contains("does not match"), "{error}");
            assert!(error.contains(topic), "{error}");
        }
        assert!(capture::<5>(MIXED, "a", "fleet/t1/v2/x/y").is_err());
    }

    #[test]
    fn parses_typed_values_with_a_clear_error() {
        assert_eq!(parse_value::<i64>("n", "42", "an integer").unwrap(), 42);
        let error = parse_value::<i64>("n", "4x", "an integer")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`n` = `4x`: expected an integer"), "{error}");
    }

    #[test]
    fn integers_are_range_checked_both_ways() {
        assert!(check_range("unit", 5, Some(1), Some(200)).is_ok());
        let error = check_range("unit", 0, Some(1), Some(200))
            .unwrap_err()
            .to_string();
        assert!(error.contains("{unit} = `0`"), "{error}");
        assert!(check_range("unit", 201, Some(1), None).is_ok());
        assert!(check_range("unit", 201, None, Some(200)).is_err());
        let expected = "an integer from 1 to 200";
        assert_eq!(
            parse_in_range::<u8>("unit", "7", Some(1), Some(200), expected).unwrap(),
            7
        );
        for raw in ["0", "201", "-1", "x"] {
            let error = parse_in_range::<u8>("unit", raw, Some(1), Some(200), expected)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(&format!("`unit` = `{raw}`: expected {expected}")),
                "{error}"
            );
        }
    }

    #[test]
    fn shared_filters_check_the_group() {
        assert_eq!(
            shared_filter("g", "a/+").unwrap(),
            "$share/g/a/+".to_string()
        );
        assert!(shared_filter("a/b", "a/+").is_err());
    }
}
