//! What a route is, as the dispatcher, handlers' contexts and telemetry see it.

/// Static facts about the route a message was dispatched to.
#[derive(Debug)]
pub(crate) struct RouteInfo {
    pub name: String,
    pub address: String,
    pub filter: String,
    /// True when the address has parameters or wildcards (the topic is kept for them).
    pub has_values: bool,
    /// Where replies to peers' addresses may go.
    pub reply_to: crate::ReplyTo,
    /// The address level by level when every `{param}` is a whole level and there is no `#`:
    /// parameters are then read from the topic without parsing the address per message
    /// ([`whole_levels`]).
    pub levels: Option<Box<[Level]>>,
    /// Span name and metric attributes, computed once.
    #[cfg(feature = "otel")]
    pub otel: crate::instruments::RouteTelemetry,
}

/// One level of an address whose parameters are whole levels ([`RouteInfo::levels`]).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// Literal text, equal to the topic's level.
    Text(String),
    /// `{name}`: the whole level is the parameter's value.
    Param(String),
    /// An anonymous `+`.
    Any,
}

/// [`RouteInfo::levels`] for `address`, or `None` when a parameter is part of a level or the
/// address ends in `#` (those take the general path). Cross-checked against the address
/// grammar's own pieces: anything it reads differently takes the general path too.
pub(crate) fn whole_levels(address: &str) -> Option<Box<[Level]>> {
    let mut levels = Vec::new();
    for level in address.split('/') {
        levels.push(match level {
            "+" => Level::Any,
            "#" => return None,
            _ => match level.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
                Some(name) if !name.is_empty() && !name.contains(['{', '}']) => {
                    Level::Param(name.to_owned())
                }
                _ if level.contains(['{', '}']) => return None,
                _ => Level::Text(level.to_owned()),
            },
        });
    }
    let ours = levels.iter().filter_map(|l| match l {
        Level::Param(name) => Some(name.as_str()),
        _ => None,
    });
    let grammar = mqttgen_address::template::pieces(address);
    let theirs = grammar.iter().filter_map(|p| match p {
        mqttgen_address::Piece::Param(name) => Some(*name),
        _ => None,
    });
    let anonymous = grammar
        .iter()
        .filter(|p| matches!(p, mqttgen_address::Piece::Level(_)))
        .count();
    let any = levels.iter().filter(|l| **l == Level::Any).count();
    (ours.eq(theirs) && anonymous == any).then(|| levels.into_boxed_slice())
}

/// The `{name}` parameter of `topic` for an address read into whole `levels`: one pass over the
/// topic, no allocation. Answers like the address grammar's capture: `None` for a name the
/// address does not declare, `Some("")` when the topic does not match the address.
pub(crate) fn whole_level_param<'t>(
    levels: &[Level],
    topic: Option<&'t str>,
    name: &str,
) -> Option<&'t str> {
    let declared = || {
        levels
            .iter()
            .any(|l| matches!(l, Level::Param(n) if n == name))
            .then_some("")
    };
    let Some(topic) = topic else {
        return declared();
    };
    let mut found = None;
    let mut parts = mqttgen_address::levels(topic);
    for level in levels {
        let Some(part) = parts.next() else {
            return declared();
        };
        match level {
            Level::Text(text) if text != part => return declared(),
            Level::Param(n) if n == name && found.is_none() => found = Some(part),
            _ => {}
        }
    }
    if parts.next().is_some() {
        return declared();
    }
    found
}
