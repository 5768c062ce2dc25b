//! What a route is, as the dispatcher, handlers' contexts and telemetry see it.

use mqttgen_address::{Address, Level};

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

/// [`RouteInfo::levels`] for a parsed address: its levels when every `{param}` is a whole level
/// and there is no `#`, else `None` (a parameter inside a level, such as `v{major}.{minor}`, and
/// `#` take the general path).
pub(crate) fn whole_levels(address: &Address) -> Option<Box<[Level]>> {
    address
        .levels
        .iter()
        .all(|level| {
            matches!(
                level,
                Level::Literal(_) | Level::Parameter(_) | Level::AnySingle
            )
        })
        .then(|| address.levels.clone().into_boxed_slice())
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
            .any(|l| matches!(l, Level::Parameter(n) if n == name))
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
            Level::Literal(text) if text != part => return declared(),
            Level::Parameter(n) if n == name && found.is_none() => found = Some(part),
            _ => {}
        }
    }
    if parts.next().is_some() {
        return declared();
    }
    found
}
