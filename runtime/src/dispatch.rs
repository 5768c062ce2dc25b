//! Dispatch: from a received PUBLISH to the handlers of every matching route.
//!
//! The driver decodes each message once, finds its routes with the topic trie (or, under MQTT 5,
//! with the subscription identifiers the broker attached), registers it with the ack sequencer
//! and puts it into each route's bounded queue. A full queue makes the driver wait — that is the
//! backpressure towards the broker — but handlers never wait on the driver: publishing goes
//! through the outbox and acknowledgements through the ack task.

use crate::acks::{AckHub, Ticket};
use crate::app::{Failure, Hooks, Metrics};
use crate::handler::{Context, RouteInfo};
use crate::middleware::Pipeline;
use crate::router::{AckPolicy, ResolvedRoute};
use crate::topic::TopicMatcher;
use crate::transport::{AckToken, Incoming};
use crate::{HandlerError, Message, Outgoing, Publisher, QoS};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

/// A message on its way to one route.
struct Job {
    msg: Message,
    ticket: Option<Ticket>,
}

struct RouteSlot {
    policy: AckPolicy,
    tx: mpsc::UnboundedSender<Job>,
    /// Jobs queued and not yet taken by a worker.
    queued: Arc<AtomicUsize>,
    capacity: usize,
}

/// The worker side of a route queue.
struct RouteRx {
    rx: mpsc::UnboundedReceiver<Job>,
    queued: Arc<AtomicUsize>,
}

impl RouteRx {
    fn taken(&self, job: Option<Job>) -> Option<Job> {
        if job.is_some() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        job
    }

    fn try_recv(&mut self) -> Result<Job, mpsc::error::TryRecvError> {
        let job = self.rx.try_recv();
        if job.is_ok() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        job
    }

    async fn recv(&mut self) -> Option<Job> {
        let job = self.rx.recv().await;
        self.taken(job)
    }
}

/// Everything a worker needs besides its route.
#[derive(Clone)]
pub(crate) struct WorkerEnv {
    pub publisher: Publisher,
    pub acks: Arc<AckHub>,
    pub metrics: Arc<Metrics>,
    pub hooks: Arc<Hooks>,
    /// Flips to `true` when the service stops taking messages.
    pub stop: watch::Receiver<bool>,
}

/// Routes messages to route queues; owned by the driver task.
pub(crate) struct Dispatcher {
    matcher: TopicMatcher<usize>,
    routes: Vec<RouteSlot>,
    /// Routes per subscription identifier (index = id - 1).
    routes_by_sub_id: Vec<Vec<usize>>,
    acks: Arc<AckHub>,
    metrics: Arc<Metrics>,
    hooks: Arc<Hooks>,
    /// Report QoS 0 completions too (in-memory broker).
    all_completions: bool,
    /// The client acknowledges QoS 1/2 itself on receipt: nothing to sequence.
    manual_acks: bool,
    scratch: Vec<usize>,
    replies: Option<Arc<crate::request::Replies>>,
}

/// The filters to subscribe with MQTT 5 No Local: those every route on them asks for it
/// ([`Route::no_local`](crate::Route::no_local)). Never a shared subscription, where MQTT 5
/// forbids the option.
pub(crate) fn no_local_filters(routes: &[ResolvedRoute]) -> std::collections::HashSet<String> {
    let mut wanted: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for r in routes {
        let shared = crate::topic::split_shared(&r.info.filter).0.is_some();
        *wanted.entry(&r.info.filter).or_insert(true) &= r.no_local && !shared;
    }
    wanted
        .into_iter()
        .filter(|(_, no_local)| *no_local)
        .map(|(filter, _)| filter.to_owned())
        .collect()
}

/// Distinct subscription filters with the highest QoS any route asks for.
pub(crate) fn distinct_filters(routes: &[ResolvedRoute]) -> Vec<(String, QoS)> {
    let mut out: Vec<(String, QoS)> = Vec::new();
    for r in routes {
        match out.iter_mut().find(|(f, _)| *f == r.info.filter) {
            Some((_, qos)) => *qos = (*qos).max(r.qos),
            None => out.push((r.info.filter.clone(), r.qos)),
        }
    }
    out
}

impl Dispatcher {
    /// Builds the dispatcher and spawns one worker loop per route.
    pub fn start(
        routes: Vec<ResolvedRoute>,
        env: WorkerEnv,
        all_completions: bool,
        manual_acks: bool,
        replies: Option<Arc<crate::request::Replies>>,
    ) -> Result<(Dispatcher, Vec<JoinHandle<()>>), crate::Error> {
        let filters = distinct_filters(&routes);
        let mut matcher = TopicMatcher::new();
        let mut slots = Vec::with_capacity(routes.len());
        let mut by_id = vec![Vec::new(); filters.len()];
        let mut workers = Vec::with_capacity(routes.len());
        for (i, route) in routes.into_iter().enumerate() {
            matcher.insert(&route.info.filter, i)?;
            let id = filters
                .iter()
                .position(|(f, _)| *f == route.info.filter)
                .expect("filter is listed");
            by_id[id].push(i);
            let (tx, rx) = mpsc::unbounded_channel();
            let queued = Arc::new(AtomicUsize::new(0));
            slots.push(RouteSlot {
                policy: route.ack_policy,
                tx,
                queued: queued.clone(),
                capacity: route.queue_capacity,
            });
            let rx = RouteRx { rx, queued };
            workers.push(tokio::spawn(run_route(
                RouteWorker {
                    info: route.info,
                    pipeline: route.pipeline,
                    policy: route.ack_policy,
                    max_workers: route.max_workers,
                },
                rx,
                env.clone(),
            )));
        }
        Ok((
            Dispatcher {
                matcher,
                routes: slots,
                routes_by_sub_id: by_id,
                acks: env.acks,
                metrics: env.metrics,
                hooks: env.hooks,
                all_completions,
                manual_acks,
                scratch: Vec::new(),
                replies,
            },
            workers,
        ))
    }

    fn ack_now(&self, token: AckToken, needs_ack: bool) {
        if needs_ack {
            let t = self.acks.register(token, 1);
            self.acks.complete(t, true);
        }
    }

    /// Dispatches one received message without ever waiting for a worker.
    pub async fn dispatch(&mut self, inc: Incoming, epoch: u64) {
        self.metrics.received.fetch_add(1, Ordering::Relaxed);
        let needs_ack = self.all_completions || (self.manual_acks && inc.qos != QoS::AtMostOnce);
        let token = AckToken {
            qos: inc.qos,
            pkid: inc.pkid,
            epoch,
            delivery: inc.delivery,
        };
        let topic = match String::from_utf8(Vec::from(inc.topic)) {
            Ok(t) if !t.is_empty() && !t.contains(['+', '#', '\0']) => t,
            result => {
                let raw = result
                    .map(String::into_bytes)
                    .unwrap_or_else(|e| e.into_bytes());
                self.metrics.invalid_topic.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(topic = %String::from_utf8_lossy(&raw), "dropping message with an invalid topic name");
                self.hooks.report(Failure::InvalidTopic { raw: &raw });
                // Acknowledge: redelivery cannot make the topic valid.
                self.ack_now(token, needs_ack);
                return;
            }
        };
        let msg = Message {
            topic,
            payload: inc.payload,
            qos: inc.qos,
            retain: inc.retain,
            dup: inc.dup,
            properties: inc.properties,
        };
        let msg = match &self.replies {
            Some(replies) => match replies.deliver(msg) {
                Some(msg) => msg,
                None => {
                    // A reply to one of our requests.
                    self.ack_now(token, needs_ack);
                    return;
                }
            },
            None => msg,
        };
        let topic = &msg.topic;
        let mut targets = std::mem::take(&mut self.scratch);
        targets.clear();
        self.matcher.for_each_match(topic, |&i| targets.push(i));
        if !inc.subscription_ids.is_empty() && targets.len() > 1 {
            // MQTT 5: the broker says which subscriptions matched; with overlapping filters it
            // may send one copy per subscription, each of which must reach only its own routes.
            let by_id = &self.routes_by_sub_id;
            let tagged: Vec<usize> = targets
                .iter()
                .copied()
                .filter(|i| {
                    inc.subscription_ids.iter().any(|id| {
                        id.checked_sub(1)
                            .and_then(|k| by_id.get(k))
                            .is_some_and(|routes| routes.contains(i))
                    })
                })
                .collect();
            // Unknown identifiers (e.g. from an older session) fall back to topic matching.
            if !tagged.is_empty() {
                targets.clear();
                targets.extend(tagged);
            }
        }
        if targets.is_empty() {
            match &self.replies {
                // A late reply on a reply topic of ours that no request waits for any more.
                Some(replies) if replies.is_watched(topic) => {
                    replies.count_unmatched(topic, "no request waits for it (timed out?)")
                }
                _ => {
                    self.metrics.unrouted.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(topic = %msg.topic, "no route matches; message ignored");
                }
            }
            self.ack_now(token, needs_ack);
            self.scratch = targets;
            return;
        }
        let ticket = needs_ack.then(|| self.acks.register(token, targets.len() as u32));
        let mut msg = Some(msg);
        let last = targets.len() - 1;
        for (k, &i) in targets.iter().enumerate() {
            let slot = &self.routes[i];
            let m = if k == last {
                msg.take().expect("message present")
            } else {
                msg.clone().expect("message present")
            };
            let mut job_ticket = ticket;
            if slot.policy == AckPolicy::BeforeHandler {
                if let Some(t) = ticket {
                    self.acks.complete(t, true);
                }
                job_ticket = None;
            }
            // The driver never waits for a worker: it must keep polling (keep-alive, acks,
            // publishes). QoS 1/2 messages are bounded by the broker's flow control (receive
            // maximum / in-flight window), since they stay unacknowledged until handled. Messages
            // nothing holds back (QoS 0, or acknowledged before the handler) are dropped when the
            // route is `queue_capacity` behind — at-most-once, as a broker does for slow clients.
            let unbounded = m.qos == QoS::AtMostOnce || slot.policy == AckPolicy::BeforeHandler;
            if unbounded && slot.queued.load(Ordering::Relaxed) >= slot.capacity {
                let dropped = self
                    .metrics
                    .dropped_overflow
                    .fetch_add(1, Ordering::Relaxed);
                if dropped.is_power_of_two() || dropped == 0 {
                    tracing::warn!(topic = %m.topic, capacity = slot.capacity, dropped = dropped + 1, "route queue full: dropping at-most-once message");
                }
                if let Some(t) = job_ticket {
                    self.acks.complete(t, true);
                }
                continue;
            }
            slot.queued.fetch_add(1, Ordering::Relaxed);
            if slot
                .tx
                .send(Job {
                    msg: m,
                    ticket: job_ticket,
                })
                .is_err()
            {
                slot.queued.fetch_sub(1, Ordering::Relaxed);
                // The worker is gone (shutting down): leave the message unacknowledged.
                if let Some(t) = job_ticket {
                    self.acks.complete(t, false);
                }
            }
        }
        self.scratch = targets;
    }
}

struct RouteWorker {
    info: Arc<RouteInfo>,
    pipeline: Pipeline,
    policy: AckPolicy,
    max_workers: usize,
}

async fn run_route(route: RouteWorker, mut rx: RouteRx, env: WorkerEnv) {
    let route = Arc::new(route);
    let permits = Arc::new(Semaphore::new(route.max_workers));
    let mut stop = env.stop.clone();
    loop {
        let job = match next_job(&mut rx, &mut stop).await {
            Some(job) => Some(job),
            None if *stop.borrow() => {
                // Finish what was already queued, then stop.
                rx.rx.close();
                rx.recv().await
            }
            None => None,
        };
        let Some(job) = job else { break };
        if route.max_workers == 1 {
            process(&route, job, &env).await;
        } else {
            let Ok(permit) = permits.clone().acquire_owned().await else {
                break;
            };
            let route = route.clone();
            let env = env.clone();
            tokio::spawn(async move {
                process(&route, job, &env).await;
                drop(permit);
            });
        }
    }
    let _ = permits.acquire_many(route.max_workers as u32).await;
}

/// Yields this many times for a new job before parking the task. Under load the next message
/// arrives within a few microseconds, and not parking saves a cross-thread wake-up per message;
/// an idle route parks after the spin.
const SPIN_BEFORE_PARK: u32 = 64;

async fn next_job(rx: &mut RouteRx, stop: &mut watch::Receiver<bool>) -> Option<Job> {
    for _ in 0..SPIN_BEFORE_PARK {
        match rx.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
            Err(mpsc::error::TryRecvError::Empty) => {
                if *stop.borrow() {
                    return None;
                }
                tokio::task::yield_now().await;
            }
        }
    }
    tokio::select! {
        biased;
        job = rx.recv() => job,
        _ = stop.wait_for(|s| *s) => None,
    }
}

async fn process(route: &RouteWorker, job: Job, env: &WorkerEnv) {
    let Job { msg, ticket } = job;
    let topic = (!route.info.template.params().is_empty()).then(|| Arc::from(msg.topic.as_str()));
    let ctx = Context {
        publisher: env.publisher.clone(),
        route: route.info.clone(),
        topic,
    };
    let span = tracing::info_span!(
        "mqtt.message",
        route = %route.info.name,
        topic = %msg.topic,
        qos = msg.qos as u8,
    );
    let copy = msg.clone();
    let pipeline = route.pipeline.clone();
    let result = AssertUnwindSafe(async move { pipeline.call(msg, ctx).await })
        .catch_unwind()
        .instrument(span)
        .await;
    let result = result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(HandlerError::failed(format!("handler panicked: {what}")))
    });
    let ok = match result {
        Ok(reply) => {
            env.metrics.handled.fetch_add(1, Ordering::Relaxed);
            if let Some(out) = reply.and_then(|out| accept_reply(route, &copy, out, env)) {
                if let Err(e) = env.publisher.publish(out).await {
                    tracing::warn!(route = %route.info.name, error = %e, "could not publish the handler's result");
                    env.hooks.report(Failure::Publish { error: &e });
                }
            }
            true
        }
        Err(HandlerError::Decode(e)) => {
            env.metrics.decode_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(route = %route.info.name, topic = %copy.topic, reason = %e, "dropping message that failed to decode");
            let error = HandlerError::Decode(e);
            env.hooks.report(Failure::Handler {
                route: &route.info.name,
                message: &copy,
                error: &error,
            });
            dead_letter(route, &copy, &error, env).await;
            // Bad input cannot get better by redelivery: acknowledge it.
            true
        }
        Err(error) => {
            env.metrics.handler_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(route = %route.info.name, topic = %copy.topic, error = %error, "handler failed");
            env.hooks.report(Failure::Handler {
                route: &route.info.name,
                message: &copy,
                error: &error,
            });
            route.policy != AckPolicy::NackOnError
        }
    };
    if let Some(t) = ticket {
        env.acks.complete(t, ok);
    }
}

/// Applies the route's [`ReplyTo`](crate::ReplyTo) policy to a reply for a peer's address:
/// `None` (reported, counted, never queued) when it refuses the topic.
fn accept_reply(
    route: &RouteWorker,
    request: &Message,
    out: Outgoing,
    env: &WorkerEnv,
) -> Option<Outgoing> {
    if !out.peer_addressed {
        return Some(out);
    }
    match route.info.reply_to.check(&out.topic) {
        Ok(()) => Some(Outgoing {
            peer_addressed: false,
            ..out
        }),
        Err(error) => {
            env.metrics.replies_refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(route = %route.info.name, topic = ?out.topic, %error, "reply refused");
            env.hooks.report(Failure::ReplyRefused {
                route: &route.info.name,
                request,
                error: &error,
            });
            None
        }
    }
}

/// Republishes a message that failed to decode to `{dead_letter_prefix}/{original topic}`,
/// with the reason in MQTT 5 user properties.
async fn dead_letter(route: &RouteWorker, msg: &Message, error: &HandlerError, env: &WorkerEnv) {
    let Some(prefix) = env.hooks.dead_letter.as_deref() else {
        return;
    };
    let topic = crate::topic::join(prefix, msg.topic.trim_start_matches('$'));
    let mut out = Outgoing::new(topic, msg.payload.clone()).qos(QoS::AtLeastOnce);
    out.properties.content_type = msg.properties.content_type.clone();
    let out = out
        .user_property("mqttgen-original-topic", msg.topic.clone())
        .user_property("mqttgen-route", route.info.name.clone())
        .user_property("mqttgen-error", error.to_string());
    match env.publisher.publish(out).await {
        Ok(()) => {
            env.metrics.dead_lettered.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => tracing::warn!(error = %e, "could not publish to the dead-letter topic"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Hooks;
    use crate::router::Route;
    use crate::{Context, HandlerResult, Properties, Router};
    use std::sync::Mutex;

    async fn noop(_m: Message, _c: Context) -> HandlerResult {
        Ok(None)
    }

    #[tokio::test]
    async fn invalid_utf8_topics_are_dropped_counted_reported_and_acked() {
        let broker = crate::testing::MemoryBroker::new();
        let (_source, client) = crate::transport::memory::connect(&broker, "t");
        let metrics = Arc::new(Metrics::default());
        let (publisher, _outbox) = Publisher::new(10, 1 << 20, true, metrics.clone());
        let (acks, _acks_rx) = AckHub::new(client);
        let acks = Arc::new(acks);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let hooks = Arc::new(Hooks {
            on_error: Some(Arc::new(move |f: &Failure<'_>| {
                if let Failure::InvalidTopic { raw } = f {
                    s.lock().unwrap().push(raw.to_vec());
                }
            })),
            dead_letter: None,
        });
        let (_stop_tx, stop) = watch::channel(false);
        let env = WorkerEnv {
            publisher,
            acks: acks.clone(),
            metrics: metrics.clone(),
            hooks,
            stop,
        };
        let routes = Router::new()
            .route(Route::new("#", noop))
            .resolve()
            .unwrap();
        let (mut dispatcher, _workers) = Dispatcher::start(routes, env, false, true, None).unwrap();
        let incoming = |topic: &[u8]| Incoming {
            topic: bytes::Bytes::copy_from_slice(topic),
            payload: bytes::Bytes::from_static(b"x"),
            qos: QoS::AtLeastOnce,
            retain: false,
            dup: false,
            properties: Properties::default(),
            pkid: 7,
            delivery: 0,
            subscription_ids: Vec::new(),
        };
        dispatcher.dispatch(incoming(&[b'a', 0xff, b'b']), 0).await;
        dispatcher.dispatch(incoming(b"a/+/wild"), 0).await;
        assert_eq!(metrics.invalid_topic.load(Ordering::Relaxed), 2);
        assert_eq!(
            *seen.lock().unwrap(),
            [vec![b'a', 0xff, b'b'], b"a/+/wild".to_vec()]
        );
        assert_eq!(
            acks.outstanding(),
            0,
            "acknowledged, not left for redelivery"
        );
        assert_eq!(metrics.received.load(Ordering::Relaxed), 2);
    }
}
