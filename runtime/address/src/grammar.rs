//! The address grammar: an address (a channel's topic template) split into [`Level`]s —
//! literals, `{param}` levels, levels mixing text and parameters, and the anonymous MQTT
//! wildcards `+` and `#`.

/// A topic template: levels separated by `/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    /// The address exactly as written.
    pub raw: String,
    /// Levels in order.
    pub levels: Vec<Level>,
}

/// One topic level of an address template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Level {
    /// Literal text with no parameter (may be empty, e.g. a leading `/`).
    Literal(String),
    /// A level that is exactly one `{name}` parameter.
    Parameter(String),
    /// A level mixing text and parameters, e.g. `v{major}.{minor}`; parts in order.
    Mixed(Vec<LevelPart>),
    /// An anonymous single-level wildcard `+` written in the address.
    AnySingle,
    /// An anonymous multi-level wildcard `#` written in the address (always last).
    AnyMulti,
}

/// A piece of a [`Level::Mixed`] level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LevelPart {
    /// Literal text.
    Literal(String),
    /// A `{name}` parameter.
    Parameter(String),
}

/// Something odd about an address, for the caller to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressIssue {
    /// True when the address cannot be used as written.
    pub is_error: bool,
    /// A stable code (`address-wildcard`, `address-braces`, `address-parameter-twice`).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Splits `raw` into levels; issues describe wildcards and malformed braces (errors) and
/// anonymous wildcards (warnings: they are kept as anonymous levels).
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
                    issues.push(AddressIssue {
                        is_error: true,
                        code: "address-wildcard",
                        message: format!("`#` must be the last level of an MQTT address (`{raw}`)"),
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

fn braces(raw: &str) -> AddressIssue {
    AddressIssue {
        is_error: true,
        code: "address-braces",
        message: format!("unbalanced `{{` `}}` in address `{raw}`"),
    }
}

impl Address {
    /// Parses `raw` for routing or export, where the address must be usable as written: every
    /// error of [`parse`], a parameter named twice and a parameter name holding `+` or `#` are
    /// refused (the message names the address). Anonymous `+`/`#` levels are fine.
    pub fn parse_strict(raw: &str) -> Result<Address, String> {
        let (address, issues) = parse(raw);
        if let Some(issue) = issues.iter().find(|issue| issue.is_error) {
            return Err(issue.message.clone());
        }
        let mut seen: Vec<&str> = Vec::new();
        for name in address.parameters() {
            if name.contains(['+', '#']) {
                return Err(format!("malformed `{{{name}}}` in address `{raw}`"));
            }
            if seen.contains(&name) {
                return Err(format!(
                    "parameter `{name}` appears twice in address `{raw}`"
                ));
            }
            seen.push(name);
        }
        Ok(address)
    }

    /// Every `{name}` in address order, repeats included.
    pub fn parameters(&self) -> impl Iterator<Item = &str> + '_ {
        self.levels.iter().flat_map(|level| {
            let names: Vec<&str> = match level {
                Level::Parameter(name) => vec![name.as_str()],
                Level::Mixed(parts) => parts
                    .iter()
                    .filter_map(|part| match part {
                        LevelPart::Parameter(name) => Some(name.as_str()),
                        LevelPart::Literal(_) => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            names
        })
    }

    /// Parameter names in order of first appearance.
    pub fn parameter_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.parameters() {
            if !names.iter().any(|known| known == name) {
                names.push(name.to_owned());
            }
        }
        names
    }

    /// The MQTT filter matching every topic of the address: literal levels as written, `+` for
    /// every level holding a parameter (whole or mixed) and for `+`, `#` for `#`.
    pub fn filter(&self) -> String {
        let levels: Vec<&str> = self
            .levels
            .iter()
            .map(|level| match level {
                Level::Literal(text) => text.as_str(),
                Level::Parameter(_) | Level::Mixed(_) | Level::AnySingle => "+",
                Level::AnyMulti => "#",
            })
            .collect();
        levels.join("/")
    }

    /// Why the address cannot be written into an AsyncAPI document (the generator's export and
    /// code-first export share this rule), or `None` when it can: a `$share/` prefix belongs to
    /// the subscription, not the channel; AsyncAPI reads `?` as a URL query and `#` as a URL
    /// fragment.
    pub fn export_problem(&self) -> Option<&'static str> {
        if self.raw.starts_with("$share/") {
            Some("starts with `$share/`; give the topic template and set the shared group separately")
        } else if self.raw.contains('?') {
            Some("contains `?`, which AsyncAPI reads as a URL query; rename that level")
        } else if self.raw.contains('#') {
            Some("contains `#`, which AsyncAPI reads as a URL fragment; use `{param}` levels instead")
        } else {
            None
        }
    }

    /// True when the address has neither parameters nor wildcards: it is a topic name.
    pub fn is_fixed(&self) -> bool {
        self.levels
            .iter()
            .all(|level| matches!(level, Level::Literal(_)))
    }
}

/// The channel id derived from an address: levels joined with `.`, `{param}` braces dropped,
/// `+` written as `_`, other characters outside `[A-Za-z0-9._-]` replaced by `_`. Leading and
/// trailing `/` are ignored; the empty address becomes `root`.
///
/// ```
/// use mqttgen_address::channel_id;
/// assert_eq!(channel_id("devices/{device_id}/temperature"), "devices.device_id.temperature");
/// assert_eq!(channel_id("/a b/+/c"), "a_b._.c");
/// assert_eq!(channel_id("fw/v{major}.{minor}"), "fw.vmajor.minor");
/// ```
pub fn channel_id(address: &str) -> String {
    let trimmed = address.trim_matches('/');
    if trimmed.is_empty() {
        return "root".to_owned();
    }
    trimmed
        .split('/')
        .map(|level| {
            level
                .chars()
                .filter(|c| !matches!(c, '{' | '}'))
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .map(|level| {
            if level.is_empty() {
                "_".to_owned()
            } else {
                level
            }
        })
        .collect::<Vec<_>>()
        .join(".")
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
        assert_eq!(address.parameter_names(), ["id", "major", "minor"]);
        assert_eq!(address.filter(), "/devices/+/+/+/#");
        assert_eq!(issues.len(), 2);
        assert!(issues
            .iter()
            .all(|i| !i.is_error && i.code == "address-wildcard"));
    }

    #[test]
    fn reports_misplaced_hash_and_bad_braces() {
        let (_, issues) = parse("a/#/b");
        assert!(issues[0].is_error);
        let (address, issues) = parse("a/{open/b}");
        assert!(issues.iter().any(|i| i.code == "address-braces"));
        assert_eq!(address.levels.len(), 3);
        let (address, issues) = parse("{first}/x");
        assert!(issues.is_empty());
        assert_eq!(address.levels[0], Level::Parameter("first".into()));
    }

    #[test]
    fn strict_parsing_refuses_what_cannot_be_routed() {
        assert!(Address::parse_strict("a/{id}/v{x}.{y}/+/#").is_ok());
        for bad in ["a/{id}/{id}", "a/{open", "a/#/b", "a/{x+}"] {
            let error = Address::parse_strict(bad).unwrap_err();
            assert!(
                error.contains(bad) || error.contains("x+"),
                "{bad}: {error}"
            );
        }
    }
}
