//! Deterministic fault injection for [`MemoryBroker`]: a seeded plan of duplicates,
//! reordering, drops, disconnects, session expiry, retained replay, latency and a receive
//! maximum, and the recorded [`Trace`] of what happened.
//!
//! With a plan, the broker no longer hands a message to its subscribers at once: it queues it,
//! and one release task sends one message per step, waiting `delay` (1 ms by default) of Tokio
//! time between steps. On a paused clock ([`tokio::time::pause`], `#[tokio::test(start_paused =
//! true)]`, or [`run_seeded`](super::seeded::run_seeded)) that wait lasts until every other task
//! is idle, so a run is a function of the seed: the same seed gives the same [`Trace`], event by
//! event. Every random choice comes from a SplitMix64 generator seeded by the plan, never from the
//! operating system.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
//! use mqttgen::testing::{faults::Faults, MemoryBroker};
//! use mqttgen::{App, Router, Route, Message, Context, HandlerResult, Outgoing, QoS};
//! async fn handle(_msg: Message, _ctx: Context) -> HandlerResult { Ok(None) }
//! let broker = MemoryBroker::with_faults(Faults::seeded(7).duplicate(1.0));
//! let app = App::in_memory(&broker)
//!     .mount(Router::new().route(Route::new("in", handle).qos(QoS::AtLeastOnce)))
//!     .start().await.unwrap();
//! app.ready(std::time::Duration::from_secs(5)).await.unwrap();
//! broker.publish(Outgoing::new("in", "x").qos(QoS::AtLeastOnce)).await;
//! broker.settle().await.unwrap();
//! assert_eq!(broker.trace().deliveries().len(), 2, "{}", broker.trace());
//! # });
//! ```

use super::trace::{Fault, Trace, TraceEvent};
use super::{send_delivery, MemoryBroker, State};
use crate::transport::Event;
use crate::{topic, Message, Outgoing, QoS};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

pub use super::trace::DisconnectPoint;

/// A fault plan: what the broker does wrong, and the seed of its random choices. Build one with
/// [`Faults::seeded`] and pass it to [`MemoryBroker::with_faults`].
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    seed: u64,
    duplicate: f64,
    reorder: f64,
    drop_qos0: f64,
    delay: (Duration, Duration),
    receive_maximum: Option<usize>,
    disconnects: Vec<DisconnectPoint>,
    expire_sessions: bool,
    replay_retained: bool,
}

impl Faults {
    /// A plan with no faults yet, whose random choices derive from `seed`.
    pub fn seeded(seed: u64) -> Faults {
        Faults {
            seed,
            duplicate: 0.0,
            reorder: 0.0,
            drop_qos0: 0.0,
            delay: (TICK, TICK),
            receive_maximum: None,
            disconnects: Vec::new(),
            expire_sessions: false,
            replay_retained: false,
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// With probability `p`, the acknowledgement of a QoS 1/2 delivery is lost and the broker
    /// redelivers the message with the DUP flag once the handler has finished it.
    pub fn duplicate(mut self, p: f64) -> Self {
        self.duplicate = probability("duplicate", p);
        self
    }

    /// With probability `p` per release, a message overtakes the next one when it is on another
    /// topic. Order within a topic is kept (MQTT guarantees it).
    pub fn reorder(mut self, p: f64) -> Self {
        self.reorder = probability("reorder", p);
        self
    }

    /// With probability `p`, a QoS 0 delivery is lost. QoS 1/2 messages are never dropped.
    pub fn drop_qos0(mut self, p: f64) -> Self {
        self.drop_qos0 = probability("drop_qos0", p);
        self
    }

    /// A slow broker: every delivery waits `delay` (default 1 ms).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = (delay.max(TICK), delay.max(TICK));
        self
    }

    /// A slow broker with jitter: every delivery waits a seeded random time in `min..=max`.
    pub fn delay_between(mut self, min: Duration, max: Duration) -> Self {
        assert!(
            min <= max,
            "Faults::delay_between: min {min:?} > max {max:?}"
        );
        self.delay = (min.max(TICK), max.max(TICK));
        self
    }

    /// MQTT 5 Receive Maximum: at most `n` unacknowledged QoS 1/2 deliveries per client; the
    /// broker holds the rest back until one is acknowledged.
    pub fn receive_maximum(mut self, n: usize) -> Self {
        assert!(n > 0, "Faults::receive_maximum: must be at least 1");
        self.receive_maximum = Some(n);
        self
    }

    /// Drops a client's connection at `point` (can be given several times). The client
    /// reconnects with its runtime's backoff; the broker keeps its session unless
    /// [`Faults::expire_session_on_reconnect`] is set.
    pub fn disconnect_at(mut self, point: DisconnectPoint) -> Self {
        self.disconnects.push(point);
        self
    }

    /// Sessions expire while their client is disconnected: on reconnect, subscriptions and
    /// unacknowledged or queued messages are gone (the runtime subscribes again).
    pub fn expire_session_on_reconnect(mut self) -> Self {
        self.expire_sessions = true;
        self
    }

    /// After a reconnect with a kept session, retained messages matching the client's
    /// subscriptions are sent again (as some brokers and bridges do).
    pub fn replay_retained_on_reconnect(mut self) -> Self {
        self.replay_retained = true;
        self
    }
}

/// The shortest step of the release task.
const TICK: Duration = Duration::from_millis(1);

fn probability(what: &str, p: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&p),
        "Faults::{what}: probability {p} is not in 0.0..=1.0"
    );
    p
}

/// SplitMix64: a tiny, well-mixed, reproducible generator (no OS randomness).
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (draws nothing when `p` is 0, so adding a fault that never
    /// fires does not change the other choices).
    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A message waiting for the release task.
struct Queued {
    client: String,
    msg: Message,
    ids: Vec<usize>,
    /// Packet id of an earlier send (a redelivery keeps it).
    pkid: Option<u16>,
}

/// The broker's fault state: the plan, its generator, the release queue and the trace.
pub(crate) struct FaultState {
    plan: Faults,
    rng: SplitMix64,
    queue: VecDeque<Queued>,
    trace: Trace,
    start: Option<tokio::time::Instant>,
    /// Deliveries whose acknowledgement will be "lost".
    duplicate_on_ack: HashSet<u64>,
    /// Packet ids of outstanding deliveries, for redelivery.
    pkids: std::collections::HashMap<u64, u16>,
    acks: usize,
    publishes: Vec<usize>,
    /// Clients whose connection was dropped and not yet re-established.
    offline: BTreeSet<String>,
    /// Publishes of offline clients, sent when they reconnect.
    held: Vec<(String, Outgoing)>,
    next_client: u64,
    notify: Arc<Notify>,
    pump_started: bool,
}

impl FaultState {
    fn new(plan: Faults) -> Self {
        FaultState {
            rng: SplitMix64::new(plan.seed),
            publishes: vec![0; plan.disconnects.len()],
            plan,
            queue: VecDeque::new(),
            trace: Trace::default(),
            start: None,
            duplicate_on_ack: HashSet::new(),
            pkids: Default::default(),
            acks: 0,
            offline: BTreeSet::new(),
            held: Vec::new(),
            next_client: 0,
            notify: Arc::new(Notify::new()),
            pump_started: false,
        }
    }

    pub(crate) fn enqueue(&mut self, client: &str, msg: Message, ids: Vec<usize>) {
        self.queue.push_back(Queued {
            client: client.to_owned(),
            msg,
            ids,
            pkid: None,
        });
        self.notify.notify_one();
    }

    /// Nothing queued, and no dropped connection waiting for its reconnect.
    pub(crate) fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.offline.is_empty()
    }

    fn record(&mut self, event: TraceEvent) {
        let now = tokio::time::Instant::now();
        let start = *self.start.get_or_insert(now);
        self.trace.push(now - start, event);
    }

    fn fault(&mut self, fault: Fault) {
        self.record(TraceEvent::Fault(fault));
    }

    fn next_delay(&mut self) -> Duration {
        let (min, max) = self.plan.delay;
        if min == max {
            return min;
        }
        let span = (max - min).as_nanos() as u64;
        min + Duration::from_nanos(self.rng.next_u64() % (span + 1))
    }
}

impl MemoryBroker {
    /// A broker that misbehaves as `faults` says, deterministically for its seed, and records
    /// a [`Trace`]. Use it on a paused Tokio clock. Client ids of [`App::in_memory`](crate::App)
    /// services are `memory-00000001`, `memory-00000002`, ... in start order (instead of random),
    /// so that traces repeat.
    pub fn with_faults(faults: Faults) -> MemoryBroker {
        let broker = MemoryBroker::new();
        let mut state = FaultState::new(faults);
        state.start = tokio::runtime::Handle::try_current()
            .ok()
            .map(|_| tokio::time::Instant::now());
        broker.lock().faults = Some(Box::new(state));
        broker
    }

    /// The fault plan, if any.
    pub fn faults(&self) -> Option<Faults> {
        self.lock().faults.as_ref().map(|f| f.plan.clone())
    }

    /// What happened so far (empty without a fault plan).
    pub fn trace(&self) -> Trace {
        self.lock()
            .faults
            .as_ref()
            .map(|f| f.trace.clone())
            .unwrap_or_default()
    }

    /// A client id for a service that did not choose one: random on a plain broker, numbered in
    /// start order on a faulty one.
    pub(crate) fn fresh_client_id(&self) -> String {
        match self.lock().faults.as_mut() {
            Some(f) => {
                f.next_client += 1;
                format!("memory-{:08x}", f.next_client)
            }
            None => format!("memory-{:08x}", rand::random::<u32>()),
        }
    }

    /// Starts the release task (once, inside a Tokio runtime) when faults are configured.
    pub(crate) fn start_faults(&self) {
        let notify = {
            let mut s = self.lock();
            let Some(f) = s.faults.as_mut() else { return };
            if f.pump_started || tokio::runtime::Handle::try_current().is_err() {
                return;
            }
            f.pump_started = true;
            if f.start.is_none() {
                f.start = Some(tokio::time::Instant::now());
            }
            f.notify.clone()
        };
        tokio::spawn(release_task(Arc::downgrade(&self.inner), notify));
    }

    /// True when fault injection dropped `client_id`'s connection and it has not reconnected.
    pub(crate) fn dropped_by_fault(&self, client_id: &str) -> bool {
        self.lock()
            .faults
            .as_ref()
            .is_some_and(|f| f.offline.contains(client_id))
    }

    /// Re-establishes a connection dropped by fault injection, then sends what the client
    /// published while it was down (with a kept session; without, its runtime sends it again).
    pub(crate) fn reconnect(&self, client_id: &str, tx: mpsc::UnboundedSender<Event>) {
        let held = self.reconnect_session(client_id, tx);
        for msg in held {
            self.publish_from(Some(client_id), msg);
        }
    }

    fn reconnect_session(
        &self,
        client_id: &str,
        tx: mpsc::UnboundedSender<Event>,
    ) -> Vec<Outgoing> {
        let mut s = self.lock();
        let retained: Vec<Message> = s.retained.values().cloned().collect();
        let State {
            clients, faults, ..
        } = &mut *s;
        let (Some(f), Some(session)) = (faults.as_mut(), clients.get_mut(client_id)) else {
            return Vec::new();
        };
        f.offline.remove(client_id);
        let session_present = !f.plan.expire_sessions;
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(&mut f.held)
            .into_iter()
            .partition(|(c, _)| c == client_id);
        f.held = others;
        let held: Vec<Outgoing> = if session_present {
            mine.into_iter().map(|(_, m)| m).collect()
        } else {
            Vec::new()
        };
        if !session_present {
            let before = f.queue.len();
            f.queue.retain(|q| q.client != client_id);
            let discarded = before - f.queue.len();
            session.subs.clear();
            f.fault(Fault::SessionExpired {
                client: client_id.to_owned(),
                discarded,
            });
        }
        let _ = tx.send(Event::Connected {
            session_present,
            max_packet_size: None,
            subscription_ids: true,
        });
        session.tx = tx;
        f.fault(Fault::Reconnected {
            client: client_id.to_owned(),
            session_present,
        });
        if session_present && f.plan.replay_retained {
            for msg in &retained {
                let subs: Vec<_> = session
                    .subs
                    .iter()
                    .filter(|r| topic::matches(&r.filter, &msg.topic))
                    .collect();
                let Some(qos) = subs.iter().map(|r| r.qos).max() else {
                    continue;
                };
                let mut copy = msg.clone();
                copy.qos = copy.qos.min(qos);
                copy.retain = true;
                f.fault(Fault::RetainedReplayed {
                    client: client_id.to_owned(),
                    topic: msg.topic.clone(),
                });
                let ids = subs.iter().filter_map(|r| r.id).collect();
                f.enqueue(client_id, copy, ids);
            }
        }
        f.notify.notify_one();
        held
    }
}

/// Drops `client`'s connection: its unacknowledged deliveries go back to the front of the
/// queue (with DUP) for the session; the transport sees the connection end.
fn disconnect(s: &mut State, client: &str, point: DisconnectPoint) {
    let State {
        clients,
        deliveries,
        faults,
        ..
    } = s;
    let (Some(f), Some(session)) = (faults.as_mut(), clients.get_mut(client)) else {
        return;
    };
    if !f.offline.insert(client.to_owned()) {
        return;
    }
    // A closed channel: the transport reads what was already sent, then the end.
    session.tx = mpsc::unbounded_channel().0;
    let mut outstanding: Vec<u64> = deliveries
        .iter()
        .filter(|(_, (c, _))| c == client)
        .map(|(id, _)| *id)
        .collect();
    outstanding.sort_unstable();
    for id in outstanding.into_iter().rev() {
        let Some((_, mut msg)) = deliveries.remove(&id) else {
            continue;
        };
        let pkid = f.pkids.remove(&id);
        f.duplicate_on_ack.remove(&id);
        if msg.qos == QoS::AtMostOnce {
            continue;
        }
        msg.dup = true;
        f.queue.push_front(Queued {
            client: client.to_owned(),
            ids: session
                .subs
                .iter()
                .filter(|r| topic::matches(&r.filter, &msg.topic))
                .filter_map(|r| r.id)
                .collect(),
            msg,
            pkid,
        });
    }
    f.fault(Fault::Disconnected {
        client: client.to_owned(),
        point,
    });
}

/// A handler finished delivery `delivery` (faulty broker).
pub(super) fn complete(s: &mut State, delivery: u64, ok: bool) {
    let Some((client, msg)) = s.deliveries.get(&delivery).cloned() else {
        return;
    };
    let f = s.faults.as_mut().expect("fault state");
    f.acks += 1;
    let n = f.acks;
    let before = f.plan.disconnects.contains(&DisconnectPoint::BeforeAck(n));
    if before {
        disconnect(s, &client, DisconnectPoint::BeforeAck(n));
        return;
    }
    s.deliveries.remove(&delivery);
    let f = s.faults.as_mut().expect("fault state");
    let pkid = f.pkids.remove(&delivery);
    f.record(TraceEvent::Acked {
        client: client.clone(),
        topic: msg.topic.clone(),
        ok,
    });
    if f.duplicate_on_ack.remove(&delivery) {
        f.fault(Fault::Duplicated {
            client: client.clone(),
            topic: msg.topic.clone(),
        });
        let ids = s.clients.get(&client).map_or_else(Vec::new, |session| {
            session
                .subs
                .iter()
                .filter(|r| topic::matches(&r.filter, &msg.topic))
                .filter_map(|r| r.id)
                .collect()
        });
        let mut again = msg.clone();
        again.dup = true;
        f.queue.push_front(Queued {
            client: client.clone(),
            msg: again,
            ids,
            pkid,
        });
    } else if !ok && msg.qos != QoS::AtMostOnce {
        s.unacked.push((client.clone(), msg));
    }
    let f = s.faults.as_mut().expect("fault state");
    f.notify.notify_one();
    if f.plan.disconnects.contains(&DisconnectPoint::AfterAck(n)) {
        disconnect(s, &client, DisconnectPoint::AfterAck(n));
    }
}

/// Holds a publish from a client whose connection is down, as its MQTT client would, to send
/// it after the reconnect (with the session) or forget it (its runtime sends it again when the
/// session is gone). True when held.
pub(super) fn hold_publish(s: &mut State, sender: Option<&str>, msg: &Outgoing) -> bool {
    let f = s.faults.as_mut().expect("fault state");
    match sender {
        Some(client) if f.offline.contains(client) => {
            f.held.push((client.to_owned(), msg.clone()));
            true
        }
        _ => false,
    }
}

/// Records a publish that reached the broker.
pub(super) fn record_publish(s: &mut State, sender: Option<&str>, msg: &Message) {
    let f = s.faults.as_mut().expect("fault state");
    f.record(TraceEvent::Published {
        client: sender.map(str::to_owned),
        topic: msg.topic.clone(),
        payload: msg.payload.clone(),
        qos: msg.qos,
        retain: msg.retain,
    });
}

/// After a publish was routed: an [`DisconnectPoint::AfterPublish`] point may drop the sender.
pub(super) fn after_publish(s: &mut State, sender: Option<&str>, msg: &Message) {
    let Some(sender) = sender else { return };
    let f = s.faults.as_mut().expect("fault state");
    let mut hit = None;
    for (i, point) in f.plan.disconnects.iter().enumerate() {
        if let DisconnectPoint::AfterPublish { filter, nth } = point {
            if topic::matches(filter, &msg.topic) {
                f.publishes[i] += 1;
                if f.publishes[i] == *nth {
                    hit = Some(point.clone());
                }
            }
        }
    }
    if let Some(point) = hit {
        disconnect(s, sender, point);
    }
}

/// QoS 1/2 deliveries to `client` not yet acknowledged.
fn in_flight(s: &State, client: &str) -> usize {
    s.deliveries
        .values()
        .filter(|(c, m)| c == client && m.qos != QoS::AtMostOnce)
        .count()
}

/// Indices of queued messages that may be sent now: the client is connected and below its
/// receive maximum, and no earlier message on the same topic to the same client waits.
fn eligible(s: &State) -> Vec<usize> {
    let f = s.faults.as_ref().expect("fault state");
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut out = Vec::new();
    for (i, q) in f.queue.iter().enumerate() {
        let first_of_topic = seen.insert((q.client.as_str(), q.msg.topic.as_str()));
        if !first_of_topic || f.offline.contains(&q.client) {
            continue;
        }
        if let Some(max) = f.plan.receive_maximum {
            if q.msg.qos != QoS::AtMostOnce && in_flight(s, &q.client) >= max {
                continue;
            }
        }
        out.push(i);
    }
    out
}

/// Sends one queued message, applying the plan's faults.
fn release_one(s: &mut State) {
    let candidates = eligible(s);
    let Some(&head) = candidates.first() else {
        return;
    };
    let f = s.faults.as_mut().expect("fault state");
    let mut pick = head;
    if f.rng.chance(f.plan.reorder) {
        let head_topic = &f.queue[head].msg.topic;
        let others: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| f.queue[i].msg.topic != *head_topic)
            .collect();
        if !others.is_empty() {
            pick = others[f.rng.below(others.len())];
            let fault = Fault::Reordered {
                client: f.queue[pick].client.clone(),
                topic: f.queue[pick].msg.topic.clone(),
                overtook: head_topic.clone(),
            };
            f.fault(fault);
        }
    }
    let q = f.queue.remove(pick).expect("queued message");
    if q.msg.qos == QoS::AtMostOnce && f.rng.chance(f.plan.drop_qos0) {
        f.fault(Fault::Dropped {
            client: q.client,
            topic: q.msg.topic,
        });
        return;
    }
    let duplicate = q.msg.qos != QoS::AtMostOnce && !q.msg.dup && f.rng.chance(f.plan.duplicate);
    let State {
        clients,
        deliveries,
        next_delivery,
        ..
    } = &mut *s;
    let Some(session) = clients.get_mut(&q.client) else {
        return;
    };
    let (topic, payload, qos, dup, retain) = (
        q.msg.topic.clone(),
        q.msg.payload.clone(),
        q.msg.qos,
        q.msg.dup,
        q.msg.retain,
    );
    let (delivery, pkid) = send_delivery(
        session,
        deliveries,
        next_delivery,
        &q.client,
        q.msg,
        q.ids,
        q.pkid,
    );
    let in_flight = if qos == QoS::AtMostOnce {
        0
    } else {
        in_flight(s, &q.client)
    };
    let f = s.faults.as_mut().expect("fault state");
    if qos != QoS::AtMostOnce {
        f.pkids.insert(delivery, pkid);
    }
    if duplicate {
        f.duplicate_on_ack.insert(delivery);
    }
    f.record(TraceEvent::Delivered {
        client: q.client,
        topic,
        payload,
        qos,
        dup,
        retain,
        in_flight,
    });
}

/// The release task: one message per step, `delay` apart.
async fn release_task(inner: Weak<Mutex<State>>, notify: Arc<Notify>) {
    loop {
        let delay = {
            let Some(inner) = inner.upgrade() else { return };
            let mut s = inner.lock().unwrap_or_else(|p| p.into_inner());
            if eligible(&s).is_empty() {
                None
            } else {
                Some(s.faults.as_mut().expect("fault state").next_delay())
            }
        };
        match delay {
            None => notify.notified().await,
            Some(delay) => {
                tokio::time::sleep(delay).await;
                let Some(inner) = inner.upgrade() else { return };
                let mut s = inner.lock().unwrap_or_else(|p| p.into_inner());
                release_one(&mut s);
            }
        }
    }
}
