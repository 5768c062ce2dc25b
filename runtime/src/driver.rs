//! The driver: the only task that polls the connection. It reconnects with backoff, resubscribes
//! when the broker lost the session, feeds the dispatcher, and forwards publish/subscribe
//! acknowledgements to the outbox and the subscription tracker. It never publishes or acks
//! itself, so it can never deadlock on rumqttc's request channel.

use crate::acks::AckHub;
use crate::config::Backoff;
use crate::dispatch::Dispatcher;
use crate::hooks::{Failure, Hooks};
use crate::metrics::Metrics;
use crate::publish::OutboxCmd;
use crate::state::ConnectionState;
use crate::subscriptions::{SubCmd, Subscriptions};
use crate::transport::{Client, Event, EventSource, SubscribeRequest};
use crate::{Error, Publisher, QoS};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Which SUBSCRIBE packet carries which filters.
#[derive(Default)]
pub(crate) struct SubTracker {
    /// Batches handed to the client, not yet seen leaving.
    sent: VecDeque<Vec<SubscribeRequest>>,
    /// Per packet id, oldest first: rumqttc cycles packet ids quickly, so one may be reused
    /// before the broker acknowledged its previous SUBSCRIBE (SUBACKs come back in order).
    by_pkid: HashMap<u16, VecDeque<Vec<SubscribeRequest>>>,
    /// SUBSCRIBE packets sent and not yet acknowledged.
    in_flight: usize,
}

/// SUBSCRIBE packets allowed in flight at once (one filter each under MQTT 5): keeps packet
/// ids from being reused while still in use, and the broker's queue short.
const MAX_SUBSCRIBES_IN_FLIGHT: usize = 32;

pub(crate) struct DriverShared {
    pub state: watch::Sender<ConnectionState>,
    /// What request/reply shares with the driver (filters, status, the subscriber task); its
    /// fields and methods are reachable directly on `DriverShared` (`Deref`).
    pub subscriptions: Arc<Subscriptions>,
    pub tracker: Mutex<SubTracker>,
    pub acks: Arc<AckHub>,
    pub publisher: Publisher,
    pub metrics: Arc<Metrics>,
    pub hooks: Arc<Hooks>,
    /// Set when shutting down: received messages are no longer dispatched.
    pub stopping: AtomicBool,
    /// Filters subscribed with MQTT 5 No Local (every route on them asks for it).
    pub no_local: HashSet<String>,
    /// Signalled on every SUBACK (the subscriber task waits for room).
    pub subacked: tokio::sync::Notify,
}

impl DriverShared {
    fn tracker(&self) -> std::sync::MutexGuard<'_, SubTracker> {
        self.tracker.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl std::ops::Deref for DriverShared {
    type Target = Subscriptions;
    fn deref(&self) -> &Subscriptions {
        &self.subscriptions
    }
}

/// Splits subscriptions into SUBSCRIBE packets: one filter per packet when subscription
/// identifiers are used (MQTT 5 allows one identifier per packet), else batches of 64.
/// Filters in `no_local` are subscribed with MQTT 5 No Local.
pub(crate) fn batches_from(
    filters: &[(String, QoS)],
    with_ids: bool,
    no_local: &HashSet<String>,
) -> Vec<Vec<SubscribeRequest>> {
    let requests: Vec<SubscribeRequest> = filters
        .iter()
        .enumerate()
        .map(|(i, (filter, qos))| SubscribeRequest {
            filter: filter.clone(),
            qos: *qos,
            id: with_ids.then_some(i + 1),
            no_local: no_local.contains(filter),
        })
        .collect();
    let size = if with_ids { 1 } else { 64 };
    requests.chunks(size).map(<[_]>::to_vec).collect()
}

/// The subscriber task: sends SUBSCRIBE and UNSUBSCRIBE packets on the driver's behalf.
pub(crate) async fn run_subscriber(
    client: Arc<dyn Client>,
    shared: Arc<DriverShared>,
    mut rx: mpsc::UnboundedReceiver<SubCmd>,
) {
    while let Some(cmd) = rx.recv().await {
        let batches = match cmd {
            SubCmd::Subscribe(batches) => batches,
            SubCmd::Unsubscribe(filter) => {
                if let Err(e) = client.unsubscribe(filter).await {
                    tracing::debug!(error = %e, "unsubscribe request not accepted");
                }
                continue;
            }
        };
        for batch in batches {
            loop {
                let notified = shared.subacked.notified();
                if shared.tracker().in_flight < MAX_SUBSCRIBES_IN_FLIGHT {
                    break;
                }
                // A lost SUBACK (connection dropped) must not wedge us: re-check now and then.
                let _ = tokio::time::timeout(std::time::Duration::from_millis(500), notified).await;
            }
            {
                let mut tracker = shared.tracker();
                tracker.sent.push_back(batch.clone());
                tracker.in_flight += 1;
            }
            if let Err(e) = client.subscribe(batch).await {
                tracing::debug!(error = %e, "subscribe request not accepted; retried after reconnect");
            }
        }
    }
}

pub(crate) struct Driver {
    pub source: Box<dyn EventSource>,
    pub shared: Arc<DriverShared>,
    pub dispatcher: Dispatcher,
    pub backoff: Backoff,
    pub max_packet: usize,
    /// Longest time the driver stops polling while a route queue is full, before it polls
    /// again to serve keep-alive (see [`read_pause`]).
    pub read_pause: Duration,
    /// Flips to `true` to stop polling at once (end of shutdown).
    pub abort: watch::Receiver<bool>,
}

/// How long reading may pause for a full route queue before the driver polls again: a quarter
/// of the keep-alive (between 50 ms and 5 s), so that pings and their responses still flow.
pub(crate) fn read_pause(keep_alive: Duration) -> Duration {
    (keep_alive / 4).clamp(Duration::from_millis(50), Duration::from_secs(5))
}

impl Driver {
    /// Runs until shutdown completes or a fatal error; returns the fatal error, if any.
    pub async fn run(mut self) -> Result<(), Error> {
        let mut attempt: u32 = 0;
        let mut first_connect = true;
        let mut epoch = 0;
        let shared = self.shared.clone();
        let room = self.dispatcher.room();
        // While a route queue is full: when reading paused, and whether the spill buffer's
        // warning was logged for this pause.
        let mut paused_at: Option<Instant> = None;
        let mut warned_full = false;
        // Polls in a row that must not read more than the spill takes (serving keep-alive).
        let mut serving_keep_alive = false;
        // A PINGREQ left and its PINGRESP has not been read yet.
        let mut ping_outstanding = false;
        loop {
            if shared.stopping.load(Ordering::SeqCst) && self.dispatcher.waiting() > 0 {
                // Messages not yet queued stay unacknowledged (redelivered with the session).
                self.dispatcher.discard();
            }
            if self.dispatcher.is_blocked()
                && !serving_keep_alive
                && ping_outstanding
                && !self.dispatcher.spill_is_full()
            {
                // The ping response is somewhere behind the messages the broker already sent:
                // read ahead into the spill until it arrives, or the connection is lost.
                serving_keep_alive = true;
            }
            if self.dispatcher.is_blocked() && !serving_keep_alive {
                // Backpressure: stop reading until the route takes a message, but poll again
                // after `read_pause` so that keep-alive and acknowledgements still flow.
                let since = *paused_at.get_or_insert_with(Instant::now);
                let spill_full = self.dispatcher.spill_is_full();
                if spill_full && !warned_full {
                    warned_full = true;
                    tracing::warn!(
                        waiting = self.dispatcher.waiting(),
                        "a route has not taken a message for a while and the spill buffer is full: reading stopped (keep-alive is not served until the route makes room)"
                    );
                }
                shared.acks.flush();
                let pause_over = tokio::select! {
                    biased;
                    _ = self.abort.wait_for(|a| *a) => break,
                    _ = room.notified() => {
                        self.dispatcher.resume();
                        false
                    }
                    _ = tokio::time::sleep_until(since + self.read_pause), if !spill_full => true,
                };
                if !pause_over {
                    if !self.dispatcher.is_blocked() {
                        paused_at = None;
                        warned_full = false;
                    }
                    continue;
                }
                paused_at = Some(Instant::now());
                serving_keep_alive = true;
            }
            if serving_keep_alive
                && (!self.dispatcher.is_blocked() || self.dispatcher.spill_is_full())
            {
                serving_keep_alive = false;
                continue;
            }
            // Buffered events first, without building a poll future (most come in batches).
            let polled = match self.source.try_next() {
                Some(ev) => ev,
                None => {
                    // Acknowledgements held back for their batch leave before reading again,
                    // written together by the event loop.
                    shared.acks.flush();
                    tokio::select! {
                        biased;
                        _ = self.abort.wait_for(|a| *a) => break,
                        ev = crate::transport::next_event(&mut *self.source) => ev,
                    }
                }
            };
            let event = match polled {
                Ok(event) => event,
                Err(error) => {
                    serving_keep_alive = false;
                    ping_outstanding = false;
                    shared.publisher.notify(OutboxCmd::Disconnected);
                    shared
                        .subs
                        .send_if_modified(|s| std::mem::replace(&mut s.connected, false));
                    if shared.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    if error.is_fatal() {
                        tracing::error!(error = %error, "cannot connect to the MQTT broker; giving up");
                        shared.hooks.report(Failure::Connection { error: &error });
                        shared.state.send_replace(ConnectionState::Failed {
                            error: error.clone(),
                        });
                        shared.subs.send_modify(|s| s.fatal = Some(error.clone()));
                        // Publishing can never succeed now: fail fast instead of queueing.
                        shared.publisher.close();
                        return Err(error);
                    }
                    attempt += 1;
                    let delay = crate::reconnect::delay(&self.backoff, attempt);
                    if attempt == 1 {
                        tracing::warn!(error = %error, "MQTT connection lost; reconnecting");
                    } else {
                        tracing::debug!(error = %error, attempt, ?delay, "MQTT reconnect failed");
                    }
                    shared.hooks.report(Failure::Connection { error: &error });
                    shared.state.send_replace(ConnectionState::Reconnecting {
                        attempt,
                        error: error.to_string(),
                    });
                    tokio::select! {
                        _ = self.abort.wait_for(|a| *a) => break,
                        _ = tokio::time::sleep(delay) => {}
                    }
                    continue;
                }
            };
            match event {
                Event::Connected {
                    session_present,
                    max_packet_size,
                    subscription_ids,
                } => {
                    if !subscription_ids && shared.with_ids.swap(false, Ordering::SeqCst) {
                        tracing::info!("broker does not support subscription identifiers; dispatching by topic matching");
                    }
                    let reconnected = attempt > 0 || !first_connect;
                    if reconnected {
                        tracing::info!(session_present, "MQTT connection re-established");
                    } else {
                        tracing::info!(session_present, "MQTT connected");
                    }
                    attempt = 0;
                    epoch = shared.acks.reset();
                    let max = max_packet_size
                        .map_or(self.max_packet, |m| (m as usize).min(self.max_packet));
                    shared
                        .publisher
                        .shared()
                        .max_packet
                        .store(max, Ordering::Relaxed);
                    shared
                        .publisher
                        .notify(OutboxCmd::Connected { session_present });
                    let filters = shared.filters().clone();
                    // Also when SUBSCRIBEs were still unacknowledged as the connection dropped.
                    let unfinished = shared.subs.borrow().waiting > 0;
                    let resubscribe =
                        (first_connect || !session_present || unfinished) && !filters.is_empty();
                    if resubscribe {
                        let batches = batches_from(
                            &filters,
                            shared.with_ids.load(Ordering::SeqCst),
                            &shared.no_local,
                        );
                        {
                            let mut tracker = shared.tracker();
                            tracker.sent.clear();
                            tracker.by_pkid.clear();
                            tracker.in_flight = 0;
                        }
                        let n = batches.len();
                        shared.subs.send_modify(|s| {
                            s.waiting = n;
                            s.failures.clear();
                        });
                        let _ = shared.subscribe_tx.send(SubCmd::Subscribe(batches));
                    }
                    first_connect = false;
                    // Counters and state before `connected`: whoever sees `ready` (or a
                    // reconnect count) must also see `Connected` and the pending SUBSCRIBEs.
                    if reconnected {
                        shared.metrics.reconnects.fetch_add(1, Ordering::Relaxed);
                    }
                    shared
                        .state
                        .send_replace(ConnectionState::Connected { session_present });
                    shared.subs.send_modify(|s| s.connected = true);
                }
                Event::Message(incoming) => {
                    if !shared.stopping.load(Ordering::SeqCst) {
                        self.dispatcher.dispatch(incoming, epoch);
                    }
                    // Serving keep-alive while paused: keep polling while polls only yield
                    // messages (into the bounded spill); stop at the first other event.
                    continue;
                }
                Event::PublishSent { pkid } => shared.publisher.notify(OutboxCmd::Sent(pkid)),
                Event::PublishDone { pkid, code } => {
                    shared.publisher.notify(OutboxCmd::Done { pkid, code })
                }
                Event::SubscribeSent { pkid } => {
                    let mut tracker = shared.tracker();
                    if let Some(batch) = tracker.sent.pop_front() {
                        tracker.by_pkid.entry(pkid).or_default().push_back(batch);
                    }
                }
                Event::SubAck { pkid, codes } => self.on_suback(pkid, &codes),
                Event::DisconnectSent => {
                    if shared.stopping.load(Ordering::SeqCst) {
                        break;
                    }
                }
                Event::PingSent => ping_outstanding = true,
                Event::PingAnswered => ping_outstanding = false,
                Event::Other => {}
            }
            // Anything but a message ends a keep-alive poll while paused.
            serving_keep_alive = false;
        }
        shared.state.send_replace(ConnectionState::Stopped);
        Ok(())
    }

    fn on_suback(&self, pkid: u16, codes: &[u8]) {
        let shared = &self.shared;
        let batch = {
            let mut tracker = shared.tracker();
            let batch = tracker.by_pkid.get_mut(&pkid).and_then(VecDeque::pop_front);
            if tracker.by_pkid.get(&pkid).is_some_and(VecDeque::is_empty) {
                tracker.by_pkid.remove(&pkid);
            }
            if batch.is_some() {
                tracker.in_flight = tracker.in_flight.saturating_sub(1);
            }
            batch
        };
        shared.subacked.notify_one();
        let Some(batch) = batch else {
            return;
        };
        let mut failures = Vec::new();
        for (request, &code) in batch.iter().zip(codes) {
            if code >= 0x80 {
                let error = Error::SubscribeFailed {
                    filter: request.filter.clone(),
                    code,
                };
                tracing::error!(filter = %request.filter, code, "broker refused subscription");
                shared.hooks.report(Failure::Subscribe { error: &error });
                failures.push(error);
            } else if code < request.qos as u8 {
                tracing::info!(filter = %request.filter, granted = code, requested = request.qos as u8, "broker granted a lower QoS");
            }
        }
        shared.subs.send_modify(|s| {
            s.waiting = s.waiting.saturating_sub(1);
            s.failures.extend(failures);
        });
    }
}
