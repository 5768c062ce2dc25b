//! Dispatch: from a received PUBLISH to the handlers of every matching route.
//!
//! The driver decodes each message once, finds its routes with the topic trie (or, under MQTT 5,
//! with the subscription identifiers the broker attached), registers it with the ack sequencer
//! and puts it into each route's bounded queue ([`RouteQueue`]). Handlers never wait on the
//! driver: publishing goes through the outbox and acknowledgements through the ack hub.
//!
//! A full queue whose route waits for room ([`Overflow::Wait`], the default) *holds* the
//! message here, and the driver stops reading from the connection until the route takes one
//! (TCP backpressure towards the broker). To keep the connection alive it still polls now and
//! then, and reads ahead while a ping response is due (see `driver.rs`); messages read meanwhile
//! wait in a *spill* buffer, bounded by [`SPILL_MESSAGES`] and [`SPILL_BYTES`], and are
//! dispatched in order once the route has room.

use crate::acks::{AckHub, Ticket};
use crate::handled::Outcome;
use crate::handler::{Context, RouteInfo};
use crate::hooks::{Failure, Hooks};
use crate::metrics::Metrics;
use crate::middleware::Pipeline;
use crate::queue::{message_bytes, Begun, Job, Pushed, RouteQueue};
use crate::router::{AckPolicy, ResolvedRoute};
use crate::topic::TopicMatcher;
use crate::transport::{AckToken, Incoming};
use crate::{HandlerError, HandlerResult, Message, Outgoing, Publisher, QoS};
use futures::future::BoxFuture;
use futures::FutureExt;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinHandle;
use tracing::Instrument;

/// Messages the runtime reads from the connection while a route queue is full, at most. It
/// reads them only to serve keep-alive: every quarter keep-alive, and while a ping response is
/// due (it is in the stream behind whatever the broker sent before it). With the spill full it
/// stops polling until the route makes room; if that takes longer than the keep-alive the
/// connection is lost and renewed (reported like any connection loss).
pub const SPILL_MESSAGES: usize = 16 * 1024;
/// Payload and topic bytes of the spilled messages, at most (like [`SPILL_MESSAGES`]).
pub const SPILL_BYTES: usize = 16 * 1024 * 1024;

struct RouteSlot {
    policy: AckPolicy,
    queue: Arc<RouteQueue>,
    info: Arc<RouteInfo>,
    worker: Arc<RouteWorker>,
    /// The driver may handle this route's messages itself ([`Dispatcher::handle_inline`]): one
    /// worker, a queue that waits for room, acknowledgement after the handler, and a handler
    /// that has not been slow there [`INLINE_SLOW_STREAK`] times in a row.
    inline: bool,
    /// Inline handler polls in a row that took longer than [`INLINE_SLOW`].
    slow_polls: u8,
}

/// An inline handler poll longer than this counts as slow ([`RouteSlot::inline`]).
const INLINE_SLOW: Duration = Duration::from_millis(1);
/// This many slow inline polls in a row and the route's messages go to its worker from then
/// on: a handler that blocks its thread must not hold up reading. (In a row, so that the odd
/// preemption of the driver's thread on a busy machine does not count.)
const INLINE_SLOW_STREAK: u8 = 3;

/// A message that did not fit into a route queue that waits for room.
struct Held {
    /// `None` only while it is on its way into its last route's queue.
    msg: Option<Message>,
    ticket: Option<Ticket>,
    /// The routes it goes to; those before `next` have it already.
    targets: Vec<usize>,
    next: usize,
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
    /// What the driver needs to handle a message itself.
    env: Arc<WorkerEnv>,
    /// Scratch list of the routes a message goes to.
    targets: Vec<usize>,
    /// Report QoS 0 completions too (in-memory broker).
    all_completions: bool,
    /// The client acknowledges QoS 1/2 itself on receipt: nothing to sequence.
    manual_acks: bool,
    replies: Option<Arc<crate::request::Replies>>,
    /// A message waiting for room in a route queue.
    held: Option<Held>,
    /// Messages received while one is held, in order, with their connection epoch.
    spill: VecDeque<(Incoming, u64)>,
    spill_bytes: usize,
    /// Signalled when a full route queue gets room.
    room: Arc<Notify>,
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
        let room = Arc::new(Notify::new());
        for (i, route) in routes.into_iter().enumerate() {
            matcher.insert(&route.info.filter, i)?;
            let id = filters
                .iter()
                .position(|(f, _)| *f == route.info.filter)
                .expect("filter is listed");
            by_id[id].push(i);
            let queue = Arc::new(RouteQueue::new(
                route.queue_capacity,
                route.queue_bytes,
                route.overflow,
                room.clone(),
            ));
            let worker = Arc::new(RouteWorker {
                info: route.info.clone(),
                pipeline: route.pipeline,
                policy: route.ack_policy,
                max_workers: route.max_workers,
            });
            slots.push(RouteSlot {
                policy: route.ack_policy,
                queue: queue.clone(),
                info: route.info,
                worker: worker.clone(),
                inline: route.max_workers == 1
                    && route.overflow == crate::Overflow::Wait
                    && route.ack_policy != AckPolicy::BeforeHandler,
                slow_polls: 0,
            });
            workers.push(tokio::spawn(run_route(worker, queue, env.clone())));
        }
        #[cfg(feature = "otel")]
        env.metrics.otel.watch_queues(
            slots
                .iter()
                .map(|s| (s.info.clone(), Arc::downgrade(&s.queue)))
                .collect(),
        );
        Ok((
            Dispatcher {
                matcher,
                routes: slots,
                routes_by_sub_id: by_id,
                acks: env.acks.clone(),
                metrics: env.metrics.clone(),
                hooks: env.hooks.clone(),
                env: Arc::new(env),
                targets: Vec::new(),
                all_completions,
                manual_acks,
                replies,
                held: None,
                spill: VecDeque::new(),
                spill_bytes: 0,
                room,
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

    /// True while a message waits for room in a route queue: the driver should not read more.
    pub fn is_blocked(&self) -> bool {
        self.held.is_some()
    }

    /// True when the spill buffer is full: the driver must not poll at all.
    pub fn spill_is_full(&self) -> bool {
        self.spill.len() >= SPILL_MESSAGES || self.spill_bytes >= SPILL_BYTES
    }

    /// Messages received but not yet in a route queue (held and spilled).
    pub fn waiting(&self) -> usize {
        self.spill.len() + usize::from(self.held.is_some())
    }

    /// Forgets the held and spilled messages (shutting down): they stay unacknowledged.
    pub fn discard(&mut self) {
        self.held = None;
        self.metrics
            .spilled
            .fetch_sub(self.spill.len() as u64, Ordering::Relaxed);
        self.spill.clear();
        self.spill_bytes = 0;
    }

    /// Signalled whenever a full route queue gets room.
    pub fn room(&self) -> Arc<Notify> {
        self.room.clone()
    }

    /// Dispatches one received message without ever waiting for a worker. While a message is
    /// held, later ones are kept in order in the spill buffer.
    pub fn dispatch(&mut self, inc: Incoming, epoch: u64) {
        if self.held.is_some() || !self.spill.is_empty() {
            self.spill_bytes += inc.payload.len() + inc.topic.len();
            self.spill.push_back((inc, epoch));
            self.metrics.spilled.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.dispatch_now(inc, epoch);
    }

    /// Retries the held message, then the spilled ones, until one does not fit again.
    pub fn resume(&mut self) {
        if let Some(held) = self.held.take() {
            self.deliver(held);
        }
        while self.held.is_none() {
            let Some((inc, epoch)) = self.spill.pop_front() else {
                break;
            };
            self.spill_bytes -= inc.payload.len() + inc.topic.len();
            self.metrics.spilled.fetch_sub(1, Ordering::Relaxed);
            self.dispatch_now(inc, epoch);
        }
    }

    fn dispatch_now(&mut self, inc: Incoming, epoch: u64) {
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
            Some(replies) => match replies.deliver(msg, &self.metrics) {
                Some(msg) => msg,
                None => {
                    // A reply to one of our requests.
                    self.ack_now(token, needs_ack);
                    return;
                }
            },
            None => msg,
        };
        // The scratch list of routes, reused (a message for one idle route allocates none).
        let mut targets = std::mem::take(&mut self.targets);
        targets.clear();
        self.matcher
            .for_each_match(&msg.topic, |&i| targets.push(i));
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
                targets = tagged;
            }
        }
        if targets.is_empty() {
            self.targets = targets;
            match &self.replies {
                // A late reply on a reply topic of ours that no request waits for any more.
                Some(replies) if replies.is_watched(&msg.topic) => {
                    replies.count_unmatched(&msg.topic, "no request waits for it (timed out?)")
                }
                _ => {
                    self.metrics.unrouted.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(topic = %msg.topic, "no route matches; message ignored");
                }
            }
            self.ack_now(token, needs_ack);
            return;
        }
        let ticket = needs_ack.then(|| self.acks.register(token, targets.len() as u32));
        if let (&[only], Some(ticket)) = (&targets[..], ticket) {
            let slot = &self.routes[only];
            if slot.inline && msg.qos != QoS::AtMostOnce && slot.queue.is_idle() {
                self.targets = targets;
                self.handle_inline(only, msg, ticket);
                return;
            }
        }
        let held = Held {
            msg: Some(msg),
            ticket,
            targets: targets.clone(),
            next: 0,
        };
        self.targets = targets;
        self.deliver(held);
    }

    /// Handles a message that waits for its acknowledgement on the driver, as the hand-written
    /// loop would, when its only route is idle (nothing queued or running): no hand-over to the
    /// route's task and no thread wake-up, and its acknowledgement is written with the others
    /// just before the driver reads again ([`AckHub::complete_batched`]). At QoS 1/2 the
    /// broker's receive maximum bounds how far reading could run ahead of the handlers anyway;
    /// QoS 0 messages keep going through the queue, where reading and handling overlap on two
    /// threads.
    ///
    /// The handling is polled once here. If the handler waits for anything, the rest becomes
    /// the route's next job, and later messages queue behind it, so order, the queue bounds
    /// and the hooks are as on the worker. A handler that keeps the thread busy for longer than
    /// [`INLINE_SLOW`] [`INLINE_SLOW_STREAK`] times in a row is not run here again.
    fn handle_inline(&mut self, i: usize, msg: Message, ticket: Ticket) {
        let env = &self.env;
        let slot = &mut self.routes[i];
        let job = Job {
            bytes: message_bytes(&msg),
            msg,
            ticket: Some(ticket),
            begun: None,
        };
        let bytes = job.bytes;
        let started = Instant::now();
        let mut handling = begin(&slot.worker, job, env);
        let mut cx = std::task::Context::from_waker(futures::task::noop_waker_ref());
        let polled = std::pin::Pin::new(&mut handling.running).poll(&mut cx);
        if started.elapsed() < INLINE_SLOW {
            slot.slow_polls = 0;
        } else {
            slot.slow_polls += 1;
            if slot.slow_polls >= INLINE_SLOW_STREAK {
                slot.inline = false;
                tracing::debug!(route = %slot.info.name, "handler kept the driver busy; its messages go to the route's worker from now on");
            }
        }
        #[cfg(feature = "otel")]
        crate::otel::routed(&self.metrics, &slot.info);
        let (route, env) = (slot.worker.clone(), env.clone());
        // What is left goes to the worker, which polls it with its own waker.
        let rest: Begun = match polled {
            std::task::Poll::Ready(result) => {
                let (settled, follow_up) = settle(&route, &handling, result, &env);
                let Some(follow_up) = follow_up else {
                    complete(&route, handling, settled, &env, true);
                    return;
                };
                Box::pin(async move {
                    run_follow_up(&route, &handling.copy, &handling.span, follow_up, &env).await;
                    complete(&route, handling, settled, &env, true);
                })
            }
            std::task::Poll::Pending => Box::pin(async move {
                let result = (&mut handling.running).await;
                finish(&route, handling, result, &env, true).await;
            }),
        };
        let job = Job {
            msg: Message::new(String::new(), bytes::Bytes::new()),
            ticket: None,
            bytes,
            begun: Some(rest),
        };
        if let Pushed::Closed(job) | Pushed::Full(job) | Pushed::Dropped(job) = slot.queue.push(job)
        {
            // The route stopped meanwhile (an idle queue that waits for room takes one job
            // otherwise): finish the handling on its own.
            if let Some(rest) = job.begun {
                tokio::spawn(rest);
            }
        }
    }

    /// Puts the message into the queues of its remaining routes; holds it at the first full
    /// queue that waits for room.
    fn deliver(&mut self, mut held: Held) {
        while held.next < held.targets.len() {
            let i = held.targets[held.next];
            let slot = &self.routes[i];
            let before = slot.policy == AckPolicy::BeforeHandler;
            let last = held.next + 1 == held.targets.len();
            let msg = match &held.msg {
                // The last route takes the message itself; a full queue hands it back.
                Some(_) if last => held.msg.take().expect("checked"),
                Some(msg) => msg.clone(),
                None => unreachable!("a held message always has its message"),
            };
            let job = Job {
                bytes: message_bytes(&msg),
                msg,
                ticket: if before { None } else { held.ticket },
                begun: None,
            };
            let done = |acks: &AckHub, ticket: Option<Ticket>, ok: bool| {
                if let Some(t) = ticket {
                    acks.complete(t, ok);
                }
            };
            match slot.queue.push(job) {
                Pushed::Queued => {}
                Pushed::QueuedDropping(old) => {
                    for job in old {
                        self.count_dropped(i, &job.msg);
                        done(&self.acks, job.ticket, true);
                    }
                }
                Pushed::Full(job) => {
                    held.msg.get_or_insert(job.msg);
                    self.held = Some(held);
                    return;
                }
                Pushed::Dropped(job) => {
                    self.count_dropped(i, &job.msg);
                    done(&self.acks, job.ticket, true);
                }
                Pushed::Closed(job) => {
                    // The worker is gone (shutting down): leave the message unacknowledged.
                    done(&self.acks, job.ticket, false);
                    if before {
                        done(&self.acks, held.ticket, false);
                    }
                    held.next += 1;
                    continue;
                }
            }
            #[cfg(feature = "otel")]
            crate::otel::routed(&self.metrics, &self.routes[i].info);
            if before {
                // Acknowledged once it is queued (or dropped by the route's policy).
                done(&self.acks, held.ticket, true);
            }
            held.next += 1;
        }
    }

    fn count_dropped(&self, route: usize, msg: &Message) {
        let dropped = self
            .metrics
            .dropped_overflow
            .fetch_add(1, Ordering::Relaxed);
        let name = &self.routes[route].info.name;
        #[cfg(feature = "otel")]
        crate::otel::dropped(&self.metrics, &self.routes[route].info);
        if dropped.is_power_of_two() || dropped == 0 {
            tracing::warn!(route = %name, topic = %msg.topic, dropped = dropped + 1, "route queue full: dropping a message (overflow policy)");
        }
        self.hooks.report(Failure::Dropped {
            route: name,
            message: msg,
        });
    }
}

struct RouteWorker {
    info: Arc<RouteInfo>,
    pipeline: Pipeline,
    policy: AckPolicy,
    max_workers: usize,
}

async fn run_route(route: Arc<RouteWorker>, queue: Arc<RouteQueue>, env: WorkerEnv) {
    let permits = Arc::new(Semaphore::new(route.max_workers));
    let mut stop = env.stop.clone();
    // On a current-thread runtime spinning only delays the driver (and polls the socket with
    // every yield): waking a parked task there costs no thread wake-up.
    let spin = match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => 0,
        _ => SPIN_BEFORE_PARK,
    };
    loop {
        // A worker first, then a job: a job taken from the queue is always being handled, so
        // the route holds at most `queue_capacity + max_workers` messages.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let job = match next_job(&queue, &mut stop, &env.acks, spin).await {
            Some(job) => Some(job),
            None if *stop.borrow() => {
                // Finish what was already queued, then stop.
                queue.close();
                queue.try_pop()
            }
            None => None,
        };
        let Some(job) = job else { break };
        if route.max_workers == 1 {
            // One worker, inline: it flushes held-back acknowledgements before it waits.
            run_job(&route, job, &env, true).await;
            queue.done();
            drop(permit);
        } else {
            let route = route.clone();
            let env = env.clone();
            let queue = queue.clone();
            tokio::spawn(async move {
                run_job(&route, job, &env, false).await;
                queue.done();
                drop(permit);
            });
        }
    }
    env.acks.flush();
    let _ = permits.acquire_many(route.max_workers as u32).await;
}

/// Yields this many times for a new job before parking the task (multi-thread runtimes). Under
/// load the next message arrives within a few microseconds, and not parking saves a cross-thread
/// wake-up per message; an idle route parks after the spin.
const SPIN_BEFORE_PARK: u32 = 64;

async fn next_job(
    queue: &RouteQueue,
    stop: &mut watch::Receiver<bool>,
    acks: &AckHub,
    spin: u32,
) -> Option<Job> {
    if let Some(job) = queue.try_pop() {
        return Some(job);
    }
    // Nothing waiting: what this worker released goes out before it waits.
    acks.flush();
    for _ in 0..spin {
        if let Some(job) = queue.try_pop() {
            return Some(job);
        }
        if *stop.borrow() || queue.is_finished() {
            return None;
        }
        tokio::task::yield_now().await;
    }
    loop {
        // `notify_one` keeps a permit when nobody waits, so a push between the check and the
        // wait is not missed.
        if let Some(job) = queue.try_pop() {
            return Some(job);
        }
        if queue.is_finished() {
            return None;
        }
        tokio::select! {
            biased;
            _ = queue.ready.notified() => {}
            _ = stop.wait_for(|s| *s) => return None,
        }
    }
}

/// Handles one job, or finishes one the driver began.
async fn run_job(route: &RouteWorker, mut job: Job, env: &WorkerEnv, batch_acks: bool) {
    match job.begun.take() {
        Some(rest) => rest.await,
        None => process(route, job, env, batch_acks).await,
    }
}

/// The handler's run for one message, inside its span and panic guard. `Unpin` (the handler's
/// future is boxed), so the driver can poll it once and hand it on to the worker.
type Running = tracing::instrument::Instrumented<
    futures::future::CatchUnwind<AssertUnwindSafe<BoxFuture<'static, HandlerResult>>>,
>;

/// One message being handled: the handler's run and what is needed after it.
struct Handling {
    running: Running,
    /// The message, for reports, the reply policy, dead letters and hooks.
    copy: Message,
    span: tracing::Span,
    #[cfg(feature = "otel")]
    started: std::time::Instant,
    ticket: Option<Ticket>,
}

/// What is left after the handler finished: publishing may wait for room in the outbox.
enum FollowUp {
    /// The handler's result, to publish.
    Publish(Outgoing),
    /// A message that failed to decode, to republish to the dead-letter topic.
    DeadLetter(HandlerError),
}

/// The outcome of a finished handler, counted and reported ([`settle`]).
struct Settled {
    /// Acknowledge the message (else it is withheld for redelivery).
    ok: bool,
    outcome: Option<Outcome>,
}

/// Starts handling a job: its context, its span and the handler's future (not yet polled).
fn begin(route: &RouteWorker, job: Job, env: &WorkerEnv) -> Handling {
    let Job { msg, ticket, .. } = job;
    let topic = route.info.has_values.then(|| Arc::from(msg.topic.as_str()));
    let ctx = Context {
        publisher: env.publisher.clone(),
        route: route.info.clone(),
        topic,
    };
    #[cfg(not(feature = "otel"))]
    let span = tracing::info_span!(
        "mqtt.message",
        route = %route.info.name,
        topic = %msg.topic,
        qos = msg.qos as u8,
    );
    #[cfg(feature = "otel")]
    let (span, started) = (
        crate::otel::process_span(&route.info, &msg, &env.metrics),
        std::time::Instant::now(),
    );
    let copy = msg.clone();
    // The handler builds its future inside the span and the panic guard too.
    let future = span.in_scope(|| {
        std::panic::catch_unwind(AssertUnwindSafe(|| route.pipeline.call(msg, ctx))).unwrap_or_else(
            |panic| {
                let error =
                    HandlerError::failed(format!("handler panicked: {}", panic_text(&panic)));
                Box::pin(std::future::ready(Err(error)))
            },
        )
    });
    Handling {
        running: AssertUnwindSafe(future)
            .catch_unwind()
            .instrument(span.clone()),
        copy,
        span,
        #[cfg(feature = "otel")]
        started,
        ticket,
    }
}

/// What a panic said.
fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Handles one job. With `batch_acks` its acknowledgement may wait in the ack hub until the
/// caller flushes it ([`AckHub::flush`]) before waiting for more work.
async fn process(route: &RouteWorker, job: Job, env: &WorkerEnv, batch_acks: bool) {
    let mut handling = begin(route, job, env);
    let result = (&mut handling.running).await;
    finish(route, handling, result, env, batch_acks).await;
}

/// Everything after the handler: counting and reporting, publishing its result (or the dead
/// letter), then the acknowledgement and the handled hook.
async fn finish(
    route: &RouteWorker,
    handling: Handling,
    result: std::thread::Result<HandlerResult>,
    env: &WorkerEnv,
    batch_acks: bool,
) {
    let (settled, follow_up) = settle(route, &handling, result, env);
    if let Some(follow_up) = follow_up {
        run_follow_up(route, &handling.copy, &handling.span, follow_up, env).await;
    }
    complete(route, handling, settled, env, batch_acks);
}

/// Counts and reports a handler's outcome; what is left to publish comes back.
fn settle(
    route: &RouteWorker,
    handling: &Handling,
    result: std::thread::Result<HandlerResult>,
    env: &WorkerEnv,
) -> (Settled, Option<FollowUp>) {
    let copy = &handling.copy;
    let result = result.unwrap_or_else(|panic| {
        Err(HandlerError::failed(format!(
            "handler panicked: {}",
            panic_text(&panic)
        )))
    });
    #[cfg(feature = "otel")]
    crate::otel::processed(
        &handling.span,
        &route.info,
        copy,
        &result,
        handling.started,
        &env.metrics,
    );
    let outcome = env.hooks.handled.as_ref().map(|_| Outcome::of(&result));
    let (ok, follow_up) = match result {
        Ok(reply) => {
            env.metrics.handled.fetch_add(1, Ordering::Relaxed);
            let out = reply.and_then(|out| accept_reply(route, copy, out, env));
            (true, out.map(FollowUp::Publish))
        }
        Err(HandlerError::Decode(e)) => {
            env.metrics.decode_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(route = %route.info.name, topic = %copy.topic, reason = %e, "dropping message that failed to decode");
            let error = HandlerError::Decode(e);
            env.hooks.report(Failure::Handler {
                route: &route.info.name,
                message: copy,
                error: &error,
            });
            // Bad input cannot get better by redelivery: acknowledge it.
            let dead = env.hooks.dead_letter.is_some();
            (true, dead.then_some(FollowUp::DeadLetter(error)))
        }
        Err(error) => {
            env.metrics.handler_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(route = %route.info.name, topic = %copy.topic, error = %error, "handler failed");
            env.hooks.report(Failure::Handler {
                route: &route.info.name,
                message: copy,
                error: &error,
            });
            (route.policy != AckPolicy::NackOnError, None)
        }
    };
    (Settled { ok, outcome }, follow_up)
}

/// Publishes the handler's result or the dead letter.
async fn run_follow_up(
    route: &RouteWorker,
    copy: &Message,
    span: &tracing::Span,
    follow_up: FollowUp,
    env: &WorkerEnv,
) {
    match follow_up {
        FollowUp::Publish(out) => {
            let publishing = env.publisher.publish(out);
            if let Err(e) = publishing.instrument(span.clone()).await {
                tracing::warn!(route = %route.info.name, error = %e, "could not publish the handler's result");
                env.hooks.report(Failure::Publish { error: &e });
            }
        }
        FollowUp::DeadLetter(error) => {
            dead_letter(route, copy, &error, env)
                .instrument(span.clone())
                .await
        }
    }
}

/// Acknowledges (or withholds) the message and tells the handled hook.
fn complete(
    route: &RouteWorker,
    handling: Handling,
    settled: Settled,
    env: &WorkerEnv,
    batch_acks: bool,
) {
    if let Some(t) = handling.ticket {
        if batch_acks {
            env.acks.complete_batched(t, settled.ok);
        } else {
            env.acks.complete(t, settled.ok);
        }
    }
    if let (Some(log), Some(outcome)) = (&env.hooks.handled, settled.outcome) {
        log.record(&route.info.name, &handling.copy.topic, outcome);
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
            #[cfg(feature = "otel")]
            crate::otel::dead_lettered(&env.metrics, &route.info);
        }
        Err(e) => tracing::warn!(error = %e, "could not publish to the dead-letter topic"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::Hooks;
    use crate::router::Route;
    use crate::{Context, HandlerResult, Properties, Router};
    use std::sync::Mutex;

    async fn noop(_m: Message, _c: Context) -> HandlerResult {
        Ok(None)
    }

    #[tokio::test]
    async fn invalid_utf8_topics_are_dropped_counted_reported_and_acked() {
        let broker = crate::testing::MemoryBroker::new();
        let (_source, client) = crate::testing::client::connect(&broker, "t");
        let metrics = Arc::new(Metrics::default());
        let (publisher, _outbox) = Publisher::new((10, 1 << 20), 1 << 20, true, metrics.clone());
        let (acks, _acks_rx) = AckHub::new(client, 16);
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
            handled: None,
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
        dispatcher.dispatch(incoming(&[b'a', 0xff, b'b']), 0);
        dispatcher.dispatch(incoming(b"a/+/wild"), 0);
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
