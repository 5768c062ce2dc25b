//! Routes and routers: which handler gets which topic, with which QoS, sharing, concurrency and
//! acknowledgement policy. Routers nest with prefixes (FasterMQTT's `include_router`).

use crate::handler::{Handler, RouteInfo};
use crate::middleware::{Middleware, Pipeline};
pub use crate::queue::Overflow;
use crate::reply::ReplyTo;
use crate::topic;
use crate::{Error, QoS};
use std::sync::Arc;

/// Messages a route queue holds by default ([`Route::queue_capacity`]).
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// Payload, topic and property bytes a route queue holds by default ([`Route::queue_bytes`]).
pub const DEFAULT_QUEUE_BYTES: usize = 4 * 1024 * 1024;

/// Whether a route subscribes through an MQTT 5 shared subscription (`$share/{group}/...`),
/// so that each message goes to only one instance of the service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Share {
    /// Use the nearest router's default group ([`Router::shared_group`]); plain subscription if
    /// no router sets one. Default.
    #[default]
    ServiceDefault,
    /// Use this group.
    Group(String),
    /// Never share: every instance receives every message.
    None,
}

/// When the runtime acknowledges a QoS 1/2 message to the broker.
///
/// Acknowledgements leave in the order messages arrived (MQTT §4.6): a message completed early
/// waits until every earlier message is complete. With `max_workers = 1` (the default) this
/// costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckPolicy {
    /// Acknowledge once the handler has finished, whatever its result. Default.
    #[default]
    AfterHandler,
    /// Acknowledge as soon as the message is received, before the handler runs.
    BeforeHandler,
    /// Acknowledge when the handler succeeds (or failed to decode the payload, which retrying
    /// cannot fix). On any other error the message is not acknowledged: the broker redelivers it
    /// after the next reconnect — this needs a persistent session
    /// ([`Config::persistent_session`](crate::Config::persistent_session)). Later messages are
    /// still acknowledged, so one failing message does not stall the subscription.
    NackOnError,
}

/// One subscription: an address, a handler and how to run it.
///
/// The address may contain `{name}` levels (read them with [`Context::param`](crate::Context::param))
/// and the wildcards `+` and `#`.
pub struct Route {
    pub(crate) address: String,
    pub(crate) name: Option<String>,
    pub(crate) qos: QoS,
    pub(crate) share: Share,
    pub(crate) max_workers: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) queue_bytes: usize,
    pub(crate) overflow: Overflow,
    pub(crate) ack_policy: AckPolicy,
    pub(crate) reply_to: ReplyTo,
    pub(crate) no_local: bool,
    pub(crate) handler: Arc<dyn Handler>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("address", &self.address)
            .field("qos", &self.qos)
            .field("share", &self.share)
            .field("max_workers", &self.max_workers)
            .field("queue_capacity", &self.queue_capacity)
            .field("queue_bytes", &self.queue_bytes)
            .field("overflow", &self.overflow)
            .field("ack_policy", &self.ack_policy)
            .field("reply_to", &self.reply_to)
            .field("no_local", &self.no_local)
            .finish_non_exhaustive()
    }
}

impl Route {
    /// A route for `address` (e.g. `devices/{device_id}/temperature`) handled by `handler`.
    /// Defaults: QoS 1, [`Share::ServiceDefault`], one worker (in-order), a queue of 1024
    /// messages and 4 MiB ([`DEFAULT_QUEUE_CAPACITY`], [`DEFAULT_QUEUE_BYTES`]) that waits for
    /// room when full ([`Overflow::Wait`]), [`AckPolicy::AfterHandler`],
    /// [`ReplyTo::AnyApplicationTopic`].
    pub fn new(address: impl Into<String>, handler: impl Handler) -> Route {
        Route::from_arc(address, Arc::new(handler))
    }

    /// Like [`Route::new`] with a shared handler.
    pub fn from_arc(address: impl Into<String>, handler: Arc<dyn Handler>) -> Route {
        Route {
            address: address.into(),
            name: None,
            qos: QoS::AtLeastOnce,
            share: Share::ServiceDefault,
            max_workers: 1,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            overflow: Overflow::Wait,
            ack_policy: AckPolicy::AfterHandler,
            reply_to: ReplyTo::default(),
            no_local: false,
            handler,
        }
    }

    /// Names the route (logs, spans, error reports); defaults to its address.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Subscription QoS (maximum QoS the broker delivers with).
    pub fn qos(mut self, qos: QoS) -> Self {
        self.qos = qos;
        self
    }

    /// Shared-subscription setting.
    pub fn share(mut self, share: Share) -> Self {
        self.share = share;
        self
    }

    /// Handlers of this route running at the same time (default 1, which keeps order).
    pub fn max_workers(mut self, workers: usize) -> Self {
        self.max_workers = workers.max(1);
        self
    }

    /// Messages waiting for a worker, at most (default [`DEFAULT_QUEUE_CAPACITY`]). What
    /// happens when the queue is full is the route's [`Overflow`] policy: by default the
    /// runtime stops reading from the connection until the route takes a message (nothing is
    /// dropped, at any QoS).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Payload, topic and property bytes waiting for a worker, at most (default
    /// [`DEFAULT_QUEUE_BYTES`]). A message larger than this still goes into an empty queue.
    pub fn queue_bytes(mut self, bytes: usize) -> Self {
        self.queue_bytes = bytes.max(1);
        self
    }

    /// What to do with a message when the queue is full: wait for room (default, nothing is
    /// lost) or drop the newest/oldest message ([`Overflow`]). Dropped messages are
    /// acknowledged, counted in [`Stats::dropped_overflow`](crate::Stats) and reported to
    /// [`App::on_error`](crate::App::on_error) as [`Failure::Dropped`](crate::Failure::Dropped).
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// Acknowledgement policy.
    pub fn ack_policy(mut self, policy: AckPolicy) -> Self {
        self.ack_policy = policy;
        self
    }

    /// MQTT 5 No Local: the broker does not deliver the service's own publishes to this route
    /// (default `false`). Generated code sets it on routes of a channel the service also
    /// publishes to, so that a service does not handle (and answer) its own messages; set it
    /// back to `false` to receive them. It takes effect when every route on the same filter asks
    /// for it, never on a shared subscription (MQTT 5 forbids it there), and not at all under
    /// MQTT 3.1.1, which has no such option: there a handler sees its own publishes, and only
    /// a marker in the message (e.g. a sender id in a header or the payload) tells them apart.
    pub fn no_local(mut self, no_local: bool) -> Self {
        self.no_local = no_local;
        self
    }

    /// Which topics a reply the handler returns for a peer's address
    /// ([`Outgoing::peer_addressed`](crate::Outgoing::peer_addressed), e.g.
    /// [`Outgoing::reply_to`](crate::Outgoing::reply_to)) may go to. Default:
    /// [`ReplyTo::AnyApplicationTopic`]; generated routes restrict it to the spec's reply
    /// channel where the spec gives one.
    pub fn reply_to(mut self, policy: ReplyTo) -> Self {
        self.reply_to = policy;
        self
    }
}

/// A group of routes with an optional topic prefix, default shared group and middleware.
///
/// ```
/// use mqttgen::{Router, Route, Message, Context, HandlerResult};
/// async fn status(_m: Message, _c: Context) -> HandlerResult { Ok(None) }
/// let clients = Router::new().route(Route::new("{client_id}/status", status));
/// let root = Router::new().shared_group("svc").nest("client", clients);
/// // subscribes to `$share/svc/client/+/status`
/// # drop(root);
/// ```
#[derive(Default)]
pub struct Router {
    prefix: String,
    shared_group: Option<String>,
    routes: Vec<Route>,
    children: Vec<Router>,
    layers: Vec<Arc<dyn Middleware>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("prefix", &self.prefix)
            .field("shared_group", &self.shared_group)
            .field("routes", &self.routes)
            .field("children", &self.children)
            .field("layers", &self.layers.len())
            .finish()
    }
}

/// A route with prefixes, sharing and middleware resolved.
pub(crate) struct ResolvedRoute {
    pub info: Arc<RouteInfo>,
    pub qos: QoS,
    pub max_workers: usize,
    pub queue_capacity: usize,
    pub queue_bytes: usize,
    pub overflow: Overflow,
    pub ack_policy: AckPolicy,
    pub no_local: bool,
    pub pipeline: Pipeline,
}

impl Router {
    /// An empty router without prefix.
    pub fn new() -> Router {
        Router::default()
    }

    /// A router whose routes all live under `prefix`.
    pub fn with_prefix(prefix: impl Into<String>) -> Router {
        Router {
            prefix: prefix.into(),
            ..Router::default()
        }
    }

    /// Sets this router's topic prefix.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Routes with [`Share::ServiceDefault`] in this router (and nested ones without their own
    /// group) subscribe as `$share/{group}/...`.
    pub fn shared_group(mut self, group: impl Into<String>) -> Self {
        self.shared_group = Some(group.into());
        self
    }

    /// Adds a route.
    pub fn route(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

    /// Adds a middleware layer around every route of this router (first added runs first).
    pub fn layer(mut self, layer: impl Middleware) -> Self {
        self.layers.push(Arc::new(layer));
        self
    }

    /// Mounts `router` under `prefix` (joined with this router's prefix).
    pub fn nest(mut self, prefix: &str, router: Router) -> Self {
        let mut router = router;
        router.prefix = topic::join(prefix, &router.prefix);
        self.children.push(router);
        self
    }

    /// Mounts `router` at this router's level.
    pub fn merge(mut self, router: Router) -> Self {
        self.children.push(router);
        self
    }

    /// Number of routes including nested ones.
    pub fn len(&self) -> usize {
        self.routes.len() + self.children.iter().map(Router::len).sum::<usize>()
    }

    /// True when there is no route.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subscription filters this router will send, deduplicated, in route order.
    pub fn filters(&self) -> Result<Vec<String>, Error> {
        let mut out: Vec<String> = Vec::new();
        for r in self.resolve()? {
            if !out.contains(&r.info.filter) {
                out.push(r.info.filter.clone());
            }
        }
        Ok(out)
    }

    pub(crate) fn resolve(&self) -> Result<Vec<ResolvedRoute>, Error> {
        let mut out = Vec::new();
        self.resolve_into("", None, &[], &mut out)?;
        Ok(out)
    }

    fn resolve_into(
        &self,
        parent_prefix: &str,
        parent_group: Option<&str>,
        parent_layers: &[Arc<dyn Middleware>],
        out: &mut Vec<ResolvedRoute>,
    ) -> Result<(), Error> {
        let prefix = topic::join(parent_prefix, &self.prefix);
        let group = self.shared_group.as_deref().or(parent_group);
        let layers: Vec<Arc<dyn Middleware>> = parent_layers
            .iter()
            .chain(self.layers.iter())
            .cloned()
            .collect();
        let shared_layers: Arc<[Arc<dyn Middleware>]> = layers.clone().into();
        for route in &self.routes {
            let (explicit_group, inner) = topic::split_shared(&route.address);
            let address = topic::join(&prefix, inner);
            let parsed = topic::parse_address(&address)?;
            let group = match (&route.share, explicit_group) {
                (_, Some(g)) => Some(g),
                (Share::Group(g), None) => Some(g.as_str()),
                (Share::ServiceDefault, None) => group,
                (Share::None, None) => None,
            };
            let filter = match group {
                Some(g) => topic::shared_filter(g, &parsed.filter()),
                None => parsed.filter(),
            };
            topic::validate_filter(&filter)?;
            route.reply_to.validate()?;
            out.push(ResolvedRoute {
                info: Arc::new(RouteInfo {
                    name: route.name.clone().unwrap_or_else(|| address.clone()),
                    levels: crate::route_info::whole_levels(&parsed),
                    address,
                    filter,
                    has_values: !parsed.is_fixed(),
                    reply_to: route.reply_to.clone(),
                    #[cfg(feature = "otel")]
                    otel: Default::default(),
                }),
                qos: route.qos,
                max_workers: route.max_workers,
                queue_capacity: route.queue_capacity,
                queue_bytes: route.queue_bytes,
                overflow: route.overflow,
                ack_policy: route.ack_policy,
                no_local: route.no_local,
                pipeline: Pipeline {
                    layers: shared_layers.clone(),
                    handler: route.handler.clone(),
                },
            });
        }
        for child in &self.children {
            child.resolve_into(&prefix, group, &layers, out)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, HandlerResult, Message};

    async fn noop(_m: Message, _c: Context) -> HandlerResult {
        Ok(None)
    }

    #[test]
    fn prefixes_groups_and_params() {
        let inner = Router::new()
            .route(Route::new("{id}/status", noop))
            .route(Route::new("{id}/cmd", noop).share(Share::None))
            .route(Route::new("x", noop).share(Share::Group("g2".into())));
        let root = Router::with_prefix("app")
            .shared_group("svc")
            .route(Route::new("health", noop))
            .nest("client/", inner);
        assert_eq!(
            root.filters().unwrap(),
            [
                "$share/svc/app/health",
                "$share/svc/app/client/+/status",
                "app/client/+/cmd",
                "$share/g2/app/client/x"
            ]
        );
    }

    #[test]
    fn bad_addresses_are_errors() {
        let r = Router::new().route(Route::new("a/{x", noop));
        assert!(r.filters().is_err());
        // A level mixing text and a parameter is an address as in spec-first (`+` in the filter).
        let r = Router::new().route(Route::new("a/{x}y", noop));
        assert_eq!(r.filters().unwrap(), ["a/+"]);
        let r = Router::new().route(Route::new("a/#/b", noop));
        assert!(r.filters().is_err());
    }
}
