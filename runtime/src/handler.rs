//! The handler abstraction generated code implements, and the [`Context`] handlers receive.

pub(crate) use crate::route_info::RouteInfo;
use crate::{HandlerError, Message, Outgoing, Publisher};
use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Arc;

/// What a handler returns: `Ok(Some(out))` publishes `out` (a reply or a result, like
/// FastStream's `@publisher` decorator), `Ok(None)` publishes nothing.
pub type HandlerResult = Result<Option<Outgoing>, HandlerError>;

/// Processes one message. Implemented by generated code, or by any async closure
/// `Fn(Message, Context) -> impl Future<Output = HandlerResult>`.
///
/// ```
/// use mqttgen::{codec, Context, HandlerResult, Message, Outgoing};
/// async fn on_reading(msg: Message, ctx: Context) -> HandlerResult {
///     let value: f64 = codec::decode_json(&msg.payload)?;
///     let device = ctx.param("device_id").unwrap_or_default();
///     Ok(Some(Outgoing::new(format!("alerts/{device}"), value.to_string())))
/// }
/// let _route = mqttgen::Route::new("sensors/{device_id}/temp", on_reading);
/// ```
pub trait Handler: Send + Sync + 'static {
    /// Handles `msg`. The returned future runs on the route's worker task; a message that waits
    /// for its acknowledgement (QoS 1/2, acknowledged after the handler) for an idle route is
    /// first polled by the connection's task itself, and handed to the worker if it waits for
    /// anything. A handler that keeps its thread busy for more than a millisecond three times
    /// in a row is not polled there again (see the README's flow control section).
    fn handle(&self, msg: Message, ctx: Context) -> BoxFuture<'static, HandlerResult>;
}

impl<F, Fut> Handler for F
where
    F: Fn(Message, Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    fn handle(&self, msg: Message, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        Box::pin(self(msg, ctx))
    }
}

/// Per-message context: a publisher, the matched route and the topic parameters.
#[derive(Clone)]
pub struct Context {
    pub(crate) publisher: Publisher,
    pub(crate) route: Arc<RouteInfo>,
    /// The message's topic, kept only when the route has `{params}` (read on demand).
    pub(crate) topic: Option<Arc<str>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("route", &self.route.name)
            .field("filter", &self.route.filter)
            .field("params", &self.params().collect::<Vec<_>>())
            .finish()
    }
}

impl Context {
    /// Builds a context for calling a handler directly (unit tests of handlers).
    pub fn for_test(
        publisher: Publisher,
        address: &str,
        topic: &str,
    ) -> Result<Context, crate::Error> {
        let filter = crate::topic::filter_of(address)?;
        let inner = crate::topic::split_shared(address).1;
        let parsed = crate::topic::parse_address(inner)?;
        let has_values = !parsed.is_fixed();
        Ok(Context {
            publisher,
            route: Arc::new(RouteInfo {
                name: address.to_owned(),
                address: inner.to_owned(),
                levels: crate::route_info::whole_levels(&parsed),
                filter,
                has_values,
                reply_to: crate::ReplyTo::default(),
                #[cfg(feature = "otel")]
                otel: Default::default(),
            }),
            topic: has_values.then(|| Arc::from(topic)),
        })
    }

    /// A handle to publish further messages (never blocks the event loop).
    pub fn publisher(&self) -> &Publisher {
        &self.publisher
    }

    /// The value of the `{name}` parameter of the topic, as declared in the route's address
    /// (a whole level, or part of one such as `{major}` in `v{major}.{minor}`).
    pub fn param(&self, name: &str) -> Option<&str> {
        match &self.route.levels {
            Some(levels) => {
                crate::route_info::whole_level_param(levels, self.topic.as_deref(), name)
            }
            None => self
                .params()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| value),
        }
    }

    /// All `{name}` parameters of the topic in address order (anonymous `+`/`#` levels left
    /// out; empty when the topic does not match the route's address).
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        let address = self.route.address.as_str();
        let topic = self.topic.as_deref().unwrap_or_default();
        let pieces = mqttgen_address::template::pieces(address);
        let values = mqttgen_address::capture_all(address, topic).unwrap_or_default();
        let mut values = values.into_iter();
        pieces
            .into_iter()
            .filter(|piece| piece.is_value())
            .filter_map(move |piece| {
                let value = values.next().unwrap_or_default();
                match piece {
                    mqttgen_address::Piece::Param(name) => Some((name, value)),
                    _ => None,
                }
            })
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The route's name (its address unless named explicitly).
    pub fn route_name(&self) -> &str {
        &self.route.name
    }

    /// The full address of the route, with prefixes applied and `{params}` kept.
    pub fn route_address(&self) -> &str {
        &self.route.address
    }

    /// The MQTT filter the route subscribed with (including `$share/...`).
    pub fn route_filter(&self) -> &str {
        &self.route.filter
    }

    /// The part of `topic` below the prefixes a router put in front of this route's address,
    /// when that address as written (before prefixing) is `address`: what typed topic
    /// parameters are captured from.
    pub fn topic_below_prefixes<'t>(&self, topic: &'t str, address: &str) -> &'t str {
        mqttgen_address::below_prefixes(topic, &self.route.address, address)
    }
}

/// Wraps a function of a typed payload as a [`Handler`]: the JSON payload is decoded into `T`
/// (a bad payload becomes [`HandlerError::Decode`](crate::HandlerError::Decode): counted,
/// reported, dead-lettered, acknowledged) before `f` runs.
///
/// ```
/// use mqttgen::{json_handler, Context, HandlerResult, Route};
/// #[derive(serde::Deserialize)]
/// struct Reading { celsius: f64 }
/// let route = Route::new(
///     "sensors/{id}/temp",
///     json_handler(|r: Reading, ctx: Context| async move {
///         println!("{}: {}", ctx.param("id").unwrap_or_default(), r.celsius);
///         HandlerResult::Ok(None)
///     }),
/// );
/// # drop(route);
/// ```
pub fn json_handler<T, F, Fut>(f: F) -> impl Handler
where
    T: serde::de::DeserializeOwned + Send + 'static,
    F: Fn(T, Context) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    let f = Arc::new(f);
    move |msg: Message, ctx: Context| {
        let f = f.clone();
        async move {
            let value: T = crate::codec::decode_json(&msg.payload)?;
            f(value, ctx).await
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// The whole-level fast path of [`Context::param`] answers exactly like the general path
    /// (the address grammar's capture), matching topics or not.
    #[test]
    fn whole_level_params_answer_like_the_general_path() {
        let (publisher, _outbox) = crate::Publisher::new(
            (10, 1 << 20),
            1 << 20,
            true,
            Arc::new(crate::metrics::Metrics::default()),
        );
        let cases = [
            ("bench/{device}/temp", "bench/d7/temp"),
            ("bench/{device}/temp", "bench/d7/humidity"),
            ("bench/{device}/temp", "bench/d7/temp/extra"),
            ("bench/{device}/temp", "bench"),
            ("{a}/+/{b}", "x/y/z"),
            ("site/{site}/{area}", "site//north"),
            ("fixed/topic", "fixed/topic"),
        ];
        let mut fast = 0;
        for (address, topic) in cases {
            let ctx = Context::for_test(publisher.clone(), address, topic).unwrap();
            fast += usize::from(ctx.route.levels.is_some());
            for name in ["device", "a", "b", "site", "area", "nope"] {
                let general = ctx.params().find(|(n, _)| *n == name).map(|(_, v)| v);
                assert_eq!(ctx.param(name), general, "{address} {topic} {name}");
            }
        }
        assert_eq!(fast, cases.len(), "all of these take the fast path");
        for partial in ["v{major}.{minor}/x", "a/{b}/#", "a/#"] {
            let ctx = Context::for_test(publisher.clone(), partial, "v1.2/x").unwrap();
            assert!(
                ctx.route.levels.is_none(),
                "{partial} takes the general path"
            );
        }
    }
}
