//! Test support: [`MemoryBroker`], an in-process broker that needs no network.
//!
//! Services mounted on it ([`App::in_memory`](crate::App::in_memory)) run through exactly the
//! same runtime core as on a real broker: topic matching, shared subscriptions, route queues,
//! ordered acknowledgements, ack policies, middleware, dead letters, request/reply, retained
//! messages. The broker records every publish for assertions. Not simulated: last wills and
//! packet size limits. Persistent sessions, reconnects, duplicates, reordering and other
//! misbehaviour are injected deterministically by a fault plan ([`MemoryBroker::with_faults`],
//! [`faults`]), with a recorded [`trace`] and seeded runs (`seeded`, feature `test-support`); without one, use
//! [`MemoryBroker::redeliver_unacked`] to mimic the redelivery that follows a reconnect.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use mqttgen::{testing::MemoryBroker, App, Router, Route, Message, Context, HandlerResult, Outgoing};
//! async fn echo(msg: Message, _ctx: Context) -> HandlerResult {
//!     Ok(Some(Outgoing::new("echo", msg.payload)))
//! }
//! let broker = MemoryBroker::new();
//! let app = App::in_memory(&broker)
//!     .mount(Router::new().route(Route::new("ping", echo)))
//!     .start().await.unwrap();
//! app.ready(std::time::Duration::from_secs(5)).await.unwrap();
//! broker.publish(Outgoing::new("ping", "hi")).await;
//! broker.settle().await.unwrap();
//! assert_eq!(broker.published_to("echo")[0].payload, "hi");
//! # });
//! ```

#[cfg(feature = "test-support")]
pub mod amqtt;
pub(crate) mod client;
pub mod faults;
#[cfg(feature = "test-support")]
pub mod mosquitto;
#[cfg(feature = "test-support")]
pub mod seeded;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod trace;

use crate::transport::{Event, Incoming, SubscribeRequest};
use crate::{topic, Error, Message, Outgoing, QoS};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// An in-memory MQTT broker for tests and local runs. Cloning gives another handle to the same
/// broker.
#[derive(Clone, Default)]
pub struct MemoryBroker {
    inner: Arc<Mutex<State>>,
}

impl std::fmt::Debug for MemoryBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("MemoryBroker")
            .field("clients", &s.clients.keys().collect::<Vec<_>>())
            .field("published", &s.log.len())
            .field("outstanding", &s.deliveries.len())
            .finish()
    }
}

#[derive(Default)]
struct State {
    clients: BTreeMap<String, Session>,
    retained: BTreeMap<String, Message>,
    log: Vec<Message>,
    deliveries: HashMap<u64, (String, Message)>,
    unacked: Vec<(String, Message)>,
    next_delivery: u64,
    denied: Vec<String>,
    round_robin: HashMap<String, usize>,
    pending: Vec<Arc<AtomicUsize>>,
    /// Fault injection ([`MemoryBroker::with_faults`]); `None` is the plain broker.
    faults: Option<Box<faults::FaultState>>,
}

struct Session {
    tx: mpsc::UnboundedSender<Event>,
    subs: Vec<SubscribeRequest>,
    next_pkid: u16,
}

impl Session {
    fn pkid(&mut self) -> u16 {
        self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
        self.next_pkid
    }
}

impl MemoryBroker {
    /// A new, empty broker.
    pub fn new() -> MemoryBroker {
        MemoryBroker::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn attach(&self, client_id: &str, tx: mpsc::UnboundedSender<Event>) {
        let _ = tx.send(Event::Connected {
            session_present: false,
            max_packet_size: None,
            subscription_ids: true,
        });
        self.lock().clients.insert(
            client_id.to_owned(),
            Session {
                tx,
                subs: Vec::new(),
                next_pkid: 0,
            },
        );
    }

    pub(crate) fn detach(&self, client_id: &str) {
        let mut s = self.lock();
        if let Some(session) = s.clients.remove(client_id) {
            let _ = session.tx.send(Event::DisconnectSent);
        }
        // Like a broker with a clean session: what the client had not acknowledged is gone.
        s.deliveries.retain(|_, (client, _)| client != client_id);
    }

    pub(crate) fn track_pending(&self, pending: Arc<AtomicUsize>) {
        self.lock().pending.push(pending);
    }

    pub(crate) fn subscribe(&self, client_id: &str, filters: Vec<SubscribeRequest>) {
        let mut s = self.lock();
        let denied: Vec<bool> = filters
            .iter()
            .map(|f| {
                s.denied.iter().any(|d| {
                    topic::split_shared(&f.filter).1 == d
                        || topic::matches(d, topic::split_shared(&f.filter).1)
                })
            })
            .collect();
        let retained: Vec<Message> = s.retained.values().cloned().collect();
        let State {
            clients,
            deliveries,
            next_delivery,
            faults,
            ..
        } = &mut *s;
        let Some(session) = clients.get_mut(client_id) else {
            return;
        };
        let pkid = session.pkid();
        let _ = session.tx.send(Event::SubscribeSent { pkid });
        let mut codes = Vec::with_capacity(filters.len());
        for (request, denied) in filters.into_iter().zip(denied) {
            if denied {
                codes.push(0x87);
                continue;
            }
            codes.push(request.qos as u8);
            for msg in retained
                .iter()
                .filter(|m| topic::matches(&request.filter, &m.topic))
            {
                let mut msg = msg.clone();
                msg.qos = msg.qos.min(request.qos);
                msg.retain = true;
                deliver(
                    (session, deliveries, next_delivery, faults),
                    client_id,
                    msg,
                    request.id.into_iter().collect(),
                );
            }
            session.subs.retain(|s| s.filter != request.filter);
            session.subs.push(request);
        }
        let _ = session.tx.send(Event::SubAck { pkid, codes });
    }

    pub(crate) fn unsubscribe(&self, client_id: &str, filter: &str) {
        if let Some(session) = self.lock().clients.get_mut(client_id) {
            session.subs.retain(|s| s.filter != filter);
        }
    }

    /// Publishes `msg` as an external client would.
    pub async fn publish(&self, msg: Outgoing) {
        self.start_faults();
        self.publish_from(None, msg);
    }

    pub(crate) fn publish_from(&self, sender: Option<&str>, msg: Outgoing) {
        let mut s = self.lock();
        if s.faults.is_some() && faults::hold_publish(&mut s, sender, &msg) {
            return;
        }
        let message = Message {
            topic: msg.topic,
            payload: msg.payload,
            qos: msg.qos,
            retain: msg.retain,
            dup: false,
            properties: msg.properties,
        };
        if s.faults.is_some() {
            faults::record_publish(&mut s, sender, &message);
        }
        if let Some(sender) = sender {
            if let Some(session) = s.clients.get_mut(sender) {
                let pkid = if message.qos == QoS::AtMostOnce {
                    0
                } else {
                    session.pkid()
                };
                let _ = session.tx.send(Event::PublishSent { pkid });
                if pkid != 0 {
                    let _ = session.tx.send(Event::PublishDone { pkid, code: 0 });
                }
            }
        }
        s.log.push(message.clone());
        if message.retain {
            if message.payload.is_empty() {
                s.retained.remove(&message.topic);
            } else {
                s.retained.insert(message.topic.clone(), message.clone());
            }
        }
        // Plain subscriptions: one copy per client. Shared ones: one member per group.
        let mut targets: BTreeMap<String, (QoS, Vec<usize>)> = BTreeMap::new();
        let mut groups: BTreeMap<(String, String), Vec<Member>> = BTreeMap::new();
        for (id, session) in &s.clients {
            for sub in &session.subs {
                if !topic::matches(&sub.filter, &message.topic) {
                    continue;
                }
                // MQTT 5 No Local: not back to the client that published it.
                if sub.no_local && sender == Some(id.as_str()) {
                    continue;
                }
                match topic::split_shared(&sub.filter) {
                    (Some(group), inner) => groups
                        .entry((group.to_owned(), inner.to_owned()))
                        .or_default()
                        .push((id.clone(), sub.qos, sub.id.unwrap_or(0))),
                    (None, _) => {
                        let t = targets
                            .entry(id.clone())
                            .or_insert((QoS::AtMostOnce, Vec::new()));
                        t.0 = t.0.max(sub.qos);
                        t.1.extend(sub.id);
                    }
                }
            }
        }
        for ((group, inner), members) in groups {
            let key = format!("{group}/{inner}");
            let turn = s.round_robin.entry(key).or_insert(0);
            let (id, qos, sub_id) = members[*turn % members.len()].clone();
            *turn += 1;
            let t = targets.entry(id).or_insert((QoS::AtMostOnce, Vec::new()));
            t.0 = t.0.max(qos);
            if sub_id != 0 {
                t.1.push(sub_id);
            }
        }
        let State {
            clients,
            deliveries,
            next_delivery,
            faults,
            ..
        } = &mut *s;
        for (id, (qos, ids)) in targets {
            if let Some(session) = clients.get_mut(&id) {
                let mut copy = message.clone();
                copy.qos = copy.qos.min(qos);
                copy.retain = false;
                deliver((session, deliveries, next_delivery, faults), &id, copy, ids);
            }
        }
        if s.faults.is_some() {
            faults::after_publish(&mut s, sender, &message);
        }
    }

    pub(crate) fn complete(&self, delivery: u64, ok: bool) {
        let mut s = self.lock();
        if s.faults.is_some() {
            faults::complete(&mut s, delivery, ok);
            return;
        }
        if let Some((client, msg)) = s.deliveries.remove(&delivery) {
            if !ok && msg.qos != QoS::AtMostOnce {
                s.unacked.push((client, msg));
            }
        }
    }

    /// Every message published so far (by services and by [`MemoryBroker::publish`]), in order.
    pub fn published(&self) -> Vec<Message> {
        self.lock().log.clone()
    }

    /// Published messages whose topic matches `filter`.
    pub fn published_to(&self, filter: &str) -> Vec<Message> {
        self.lock()
            .log
            .iter()
            .filter(|m| topic::matches(filter, &m.topic))
            .cloned()
            .collect()
    }

    /// Forgets the recorded publishes.
    pub fn clear_published(&self) {
        self.lock().log.clear();
    }

    /// The retained message on `topic`, if any.
    pub fn retained(&self, topic: &str) -> Option<Message> {
        self.lock().retained.get(topic).cloned()
    }

    /// Every client's subscription filters, as `client_id → filters`.
    pub fn subscriptions(&self) -> BTreeMap<String, Vec<String>> {
        self.lock()
            .clients
            .iter()
            .map(|(id, s)| {
                (
                    id.clone(),
                    s.subs.iter().map(|r| r.filter.clone()).collect(),
                )
            })
            .collect()
    }

    /// Refuses future subscriptions to filters matching `filter` with SUBACK code 0x87
    /// (not authorized), like a broker ACL.
    pub fn deny_subscribe(&self, filter: &str) {
        self.lock().denied.push(filter.to_owned());
    }

    /// QoS 1/2 messages a handler left unacknowledged ([`AckPolicy::NackOnError`](crate::AckPolicy)).
    pub fn unacked(&self) -> Vec<Message> {
        self.lock().unacked.iter().map(|(_, m)| m.clone()).collect()
    }

    /// Delivers the unacknowledged messages again with `dup = true`, as a broker does after a
    /// reconnect.
    pub fn redeliver_unacked(&self) {
        let mut s = self.lock();
        let unacked = std::mem::take(&mut s.unacked);
        let State {
            clients,
            deliveries,
            next_delivery,
            faults,
            ..
        } = &mut *s;
        for (client, mut msg) in unacked {
            if let Some(session) = clients.get_mut(&client) {
                msg.dup = true;
                let ids = session
                    .subs
                    .iter()
                    .filter(|r| topic::matches(&r.filter, &msg.topic))
                    .filter_map(|r| r.id)
                    .collect();
                deliver(
                    (session, deliveries, next_delivery, faults),
                    &client,
                    msg,
                    ids,
                );
            }
        }
    }

    /// Messages delivered to services and not yet completed by their handlers.
    pub fn outstanding(&self) -> usize {
        self.lock().deliveries.len()
    }

    /// Waits (up to 10 s) until every delivered message has been handled and every publish
    /// of the attached services has reached the broker.
    pub async fn settle(&self) -> Result<(), Error> {
        self.settle_within(Duration::from_secs(10)).await
    }

    /// [`MemoryBroker::settle`] with a custom timeout.
    pub async fn settle_within(&self, timeout: Duration) -> Result<(), Error> {
        let idle = || {
            let s = self.lock();
            s.deliveries.is_empty()
                && s.pending.iter().all(|p| p.load(Ordering::SeqCst) == 0)
                && s.faults.as_ref().is_none_or(|f| f.is_idle())
        };
        tokio::time::timeout(timeout, async {
            loop {
                // Two idle observations in a row, a tick apart, so in-flight hand-offs finish.
                if idle() {
                    tokio::task::yield_now().await;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    if idle() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .map_err(|_| Error::Timeout(timeout))
    }

    /// Waits until a message matching `filter` has been published and returns the first one.
    pub async fn wait_for_publish(
        &self,
        filter: &str,
        timeout: Duration,
    ) -> Result<Message, Error> {
        tokio::time::timeout(timeout, async {
            loop {
                if let Some(m) = self.published_to(filter).into_iter().next() {
                    return m;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .map_err(|_| Error::Timeout(timeout))
    }
}

/// A shared-subscription member: client id, granted QoS, subscription id.
type Member = (String, QoS, usize);

/// What [`deliver`] needs of the broker state, borrowed field by field.
type DeliverTo<'a> = (
    &'a mut Session,
    &'a mut HashMap<u64, (String, Message)>,
    &'a mut u64,
    &'a mut Option<Box<faults::FaultState>>,
);

/// Hands `msg` to a client, or to the fault plan's release queue when faults are configured.
fn deliver(
    (session, deliveries, next_delivery, faults): DeliverTo<'_>,
    client_id: &str,
    msg: Message,
    subscription_ids: Vec<usize>,
) {
    if let Some(faults) = faults {
        faults.enqueue(client_id, msg, subscription_ids);
        return;
    }
    send_delivery(
        session,
        deliveries,
        next_delivery,
        client_id,
        msg,
        subscription_ids,
        None,
    );
}

/// Sends one PUBLISH to a connected client and records it as outstanding; returns its
/// delivery id. `pkid` is kept for a redelivery.
fn send_delivery(
    session: &mut Session,
    deliveries: &mut HashMap<u64, (String, Message)>,
    next_delivery: &mut u64,
    client_id: &str,
    msg: Message,
    subscription_ids: Vec<usize>,
    pkid: Option<u16>,
) -> (u64, u16) {
    *next_delivery += 1;
    let delivery = *next_delivery;
    let pkid = match pkid {
        _ if msg.qos == QoS::AtMostOnce => 0,
        Some(pkid) => pkid,
        None => session.pkid(),
    };
    deliveries.insert(delivery, (client_id.to_owned(), msg.clone()));
    let _ = session.tx.send(Event::Message(Incoming {
        topic: bytes::Bytes::from(msg.topic.into_bytes()),
        payload: msg.payload,
        qos: msg.qos,
        retain: msg.retain,
        dup: msg.dup,
        properties: msg.properties,
        pkid,
        delivery,
        subscription_ids,
    }));
    (delivery, pkid)
}
