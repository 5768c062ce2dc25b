//! Channel addresses (topic templates) split into [`Level`]s: literals, `{param}`, mixed levels and
//! the anonymous MQTT wildcards `+` and `#`.

use crate::spec::model::{Address, Level, LevelPart};

/// Something odd about an address, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressIssue {
    /// True when the address cannot be used as written.
    pub is_error: bool,
    /// A stable code (`address-wildcard`, `address-braces`, ...).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Splits `raw` into levels; issues describe wildcards and malformed braces.
pub fn parse(raw: &str) -> (Address, Vec<AddressIssue>) {
    let mut issues = Vec::new();
    let parts: Vec<&str> = raw.split('/').collect();
    let count = parts.len();
    let mut levels = Vec::with_capacity(count);
    for (i, text) in parts.into_iter().enumerate() {
        let level = match text {
            "+" => {
                issues.push(wildcard(raw, '+'));
                Level::AnySingle
            }
            "#" => {
                if i + 1 != count {
                    // Valid AsyncAPI (the official parser accepts it), but no MQTT filter: a
                    // warning here, and `mqttgen generate` refuses it (crate::pipeline).
                    issues.push(AddressIssue {
                        is_error: false,
                        code: "address-wildcard",
                        message: format!(
                            "`#` must be the last level of an MQTT address (`{raw}`); `mqttgen generate` refuses this channel"
                        ),
                    });
                } else {
                    issues.push(wildcard(raw, '#'));
                }
                Level::AnyMulti
            }
            _ => level(raw, text, &mut issues),
        };
        levels.push(level);
    }
    (
        Address {
            raw: raw.to_string(),
            levels,
        },
        issues,
    )
}

fn wildcard(raw: &str, c: char) -> AddressIssue {
    AddressIssue {
        is_error: false,
        code: "address-wildcard",
        message: format!(
            "address `{raw}` contains the wildcard `{c}`; it is kept as an anonymous level"
        ),
    }
}

fn level(raw: &str, text: &str, issues: &mut Vec<AddressIssue>) -> Level {
    if !text.contains(['{', '}']) {
        if text.contains(['+', '#']) {
            issues.push(AddressIssue {
                is_error: false,
                code: "address-wildcard",
                message: format!(
                    "level `{text}` of `{raw}` mixes text with `+` or `#`, which MQTT does not allow in filters"
                ),
            });
        }
        return Level::Literal(text.to_string());
    }
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('{') {
            Some(open) => {
                if open > 0 {
                    parts.push(LevelPart::Literal(rest[..open].to_string()));
                }
                let after = &rest[open + 1..];
                match after.find('}') {
                    Some(close) if close > 0 && !after[..close].contains('{') => {
                        parts.push(LevelPart::Parameter(after[..close].to_string()));
                        rest = &after[close + 1..];
                    }
                    _ => {
                        issues.push(braces(raw));
                        parts.push(LevelPart::Literal(rest.to_string()));
                        rest = "";
                    }
                }
            }
            None => {
                if rest.contains('}') {
                    issues.push(braces(raw));
                }
                parts.push(LevelPart::Literal(rest.to_string()));
                rest = "";
            }
        }
    }
    match parts.as_slice() {
        [LevelPart::Parameter(name)] => Level::Parameter(name.clone()),
        _ if parts.iter().all(|p| matches!(p, LevelPart::Literal(_))) => Level::Literal(
            parts
                .iter()
                .map(|p| match p {
                    LevelPart::Literal(s) | LevelPart::Parameter(s) => s.as_str(),
                })
                .collect(),
        ),
        _ => Level::Mixed(parts),
    }
}

/// Valid AsyncAPI (the official parser reads the text literally), but no topic parameters can be
/// made from it: a warning here, and `mqttgen generate` refuses it (crate::pipeline).
fn braces(raw: &str) -> AddressIssue {
    AddressIssue {
        is_error: false,
        code: "address-braces",
        message: format!(
            "unbalanced `{{` `}}` in address `{raw}`; `mqttgen generate` refuses this channel"
        ),
    }
}

/// Parameter names in order of first appearance.
pub fn parameter_names(address: &Address) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &String| {
        if !names.contains(name) {
            names.push(name.clone());
        }
    };
    for level in &address.levels {
        match level {
            Level::Parameter(name) => add(name),
            Level::Mixed(parts) => {
                for part in parts {
                    if let LevelPart::Parameter(name) = part {
                        add(name);
                    }
                }
            }
            _ => {}
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_params_mixed_and_wildcards() {
        let (address, issues) = parse("/devices/{id}/v{major}.{minor}/+/#");
        assert_eq!(
            address.levels,
            vec![
                Level::Literal(String::new()),
                Level::Literal("devices".into()),
                Level::Parameter("id".into()),
                Level::Mixed(vec![
                    LevelPart::Literal("v".into()),
                    LevelPart::Parameter("major".into()),
                    LevelPart::Literal(".".into()),
                    LevelPart::Parameter("minor".into()),
                ]),
                Level::AnySingle,
                Level::AnyMulti,
            ]
        );
        assert_eq!(parameter_names(&address), ["id", "major", "minor"]);
        assert_eq!(issues.len(), 2);
        assert!(issues
            .iter()
            .all(|i| !i.is_error && i.code == "address-wildcard"));
    }

    #[test]
    fn reports_misplaced_hash_and_bad_braces() {
        let (_, issues) = parse("a/#/b");
        assert_eq!(issues[0].code, "address-wildcard");
        assert!(issues[0].message.contains("must be the last level"));
        let (address, issues) = parse("a/{open/b}");
        assert!(issues.iter().any(|i| i.code == "address-braces"));
        assert_eq!(address.levels.len(), 3);
        let (address, issues) = parse("{first}/x");
        assert!(issues.is_empty());
        assert_eq!(address.levels[0], Level::Parameter("first".into()));
    }
}
