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
    /// Span name and metric attributes, computed once.
    #[cfg(feature = "otel")]
    pub otel: crate::instruments::RouteTelemetry,
}
