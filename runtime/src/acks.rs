//! Ordered acknowledgements.
//!
//! MQTT requires a client to acknowledge QoS 1/2 messages in the order it received them (§4.6).
//! Handlers finish in any order (several routes, several workers), so every received message
//! gets a slot; a slot is released when all the routes it was dispatched to are done, and slots
//! leave strictly from the front. A reconnect starts a new epoch: acknowledgements for messages
//! of the old connection are dropped, the broker redelivers those messages.

use crate::transport::{AckToken, Client};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Position of a message in the sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    epoch: u64,
    seq: u64,
}

#[derive(Debug)]
struct Slot {
    token: AckToken,
    remaining: u32,
    ok: bool,
}

/// The pure sequencing logic.
#[derive(Debug, Default)]
pub(crate) struct AckSequencer {
    epoch: u64,
    /// Sequence number of `slots[0]`.
    base: u64,
    slots: VecDeque<Slot>,
}

impl AckSequencer {
    /// Starts a new epoch (after a reconnect); outstanding slots are forgotten.
    pub fn reset(&mut self) -> u64 {
        self.epoch += 1;
        self.base = 0;
        self.slots.clear();
        self.epoch
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Number of messages waiting to be released.
    #[cfg(any(test, feature = "otel"))]
    pub fn outstanding(&self) -> usize {
        self.slots.len()
    }

    /// Registers a message dispatched to `parts` routes (at least 1).
    pub fn register(&mut self, token: AckToken, parts: u32) -> Ticket {
        let seq = self.base + self.slots.len() as u64;
        self.slots.push_back(Slot {
            token,
            remaining: parts.max(1),
            ok: true,
        });
        Ticket {
            epoch: self.epoch,
            seq,
        }
    }

    /// Marks one part of a message done (`ok == false` withholds the acknowledgement) and
    /// hands every message that can now be released, in order, to `release`.
    pub fn complete(&mut self, ticket: Ticket, ok: bool, mut release: impl FnMut(AckToken, bool)) {
        if ticket.epoch != self.epoch || ticket.seq < self.base {
            return;
        }
        let Some(slot) = self.slots.get_mut((ticket.seq - self.base) as usize) else {
            return;
        };
        slot.remaining = slot.remaining.saturating_sub(1);
        slot.ok &= ok;
        while self.slots.front().is_some_and(|s| s.remaining == 0) {
            let slot = self.slots.pop_front().expect("front exists");
            self.base += 1;
            release(slot.token, slot.ok);
        }
    }
}

/// Released acknowledgements a route worker holds back at most before handing them to the
/// client together ([`AckHub::complete_batched`]): the event loop then wakes once for the batch
/// and writes it with one flush, instead of waking and flushing for each message.
pub(crate) const ACK_BATCH: usize = 32;

/// Longest a held-back acknowledgement waits for its batch, checked whenever the worker
/// releases another one: an acknowledgement is delayed by at most one handler run past this.
pub(crate) const ACK_DELAY: std::time::Duration = std::time::Duration::from_millis(1);

/// The sequencer and the released acknowledgements not yet handed to the client.
#[derive(Default)]
struct HubState {
    seq: AckSequencer,
    unsent: Vec<(AckToken, bool)>,
    /// When the oldest of `unsent` was released.
    unsent_since: Option<std::time::Instant>,
}

/// The sequencer shared by the driver (register) and the workers (complete); released
/// acknowledgements go, in order, to the ack task.
pub(crate) struct AckHub {
    state: Mutex<HubState>,
    /// QoS 1/2 messages of this connection released without an acknowledgement
    /// ([`AckPolicy::NackOnError`](crate::AckPolicy)); reset on reconnect.
    withheld: AtomicUsize,
    /// At this many withheld messages the connection is renewed ([`AckHub::limit_reached`]).
    nack_limit: usize,
    /// Signalled when `withheld` reaches `nack_limit`.
    limit_reached: tokio::sync::Notify,
    tx: mpsc::UnboundedSender<(AckToken, bool)>,
    /// Released acknowledgements queued for (or being sent by) the ack task.
    sending: AtomicUsize,
    client: Arc<dyn Client>,
    all_completions: bool,
}

impl AckHub {
    /// A hub that asks for a new connection once `nack_limit` messages of one connection went
    /// unacknowledged (the broker holds a receive-maximum slot for each of them).
    pub fn new(
        client: Arc<dyn Client>,
        nack_limit: usize,
    ) -> (AckHub, mpsc::UnboundedReceiver<(AckToken, bool)>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let all_completions = client.wants_all_completions();
        (
            AckHub {
                state: Mutex::new(HubState::default()),
                withheld: AtomicUsize::new(0),
                // The in-memory broker redelivers by itself: no slots to free.
                nack_limit: if all_completions {
                    usize::MAX
                } else {
                    nack_limit.max(1)
                },
                limit_reached: tokio::sync::Notify::new(),
                tx,
                sending: AtomicUsize::new(0),
                client,
                all_completions,
            },
            rx,
        )
    }

    /// Whether a released message needs anything sent at all.
    fn needs_sending(&self, token: &AckToken, ok: bool, epoch: u64) -> bool {
        self.all_completions || (ok && token.qos != crate::QoS::AtMostOnce && token.epoch == epoch)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn reset(&self) -> u64 {
        let mut state = self.lock();
        self.withheld.store(0, Ordering::SeqCst);
        // Acknowledgements of the old connection are void (the broker redelivers).
        state.unsent.clear();
        state.unsent_since = None;
        state.seq.reset()
    }

    /// Completes when the withheld messages of this connection reach the limit.
    pub async fn limit_reached(&self) {
        self.limit_reached.notified().await
    }

    pub fn epoch(&self) -> u64 {
        self.lock().seq.epoch()
    }

    #[cfg(any(test, feature = "otel"))]
    pub fn outstanding(&self) -> usize {
        self.lock().seq.outstanding()
    }

    #[cfg(test)]
    pub fn unsent(&self) -> usize {
        self.lock().unsent.len()
    }

    pub fn register(&self, token: AckToken, parts: u32) -> Ticket {
        self.lock().seq.register(token, parts)
    }

    /// Marks one part of a message done; what it releases goes to the client at once.
    pub fn complete(&self, ticket: Ticket, ok: bool) {
        let mut state = self.lock();
        self.release(&mut state, ticket, ok);
        self.send_unsent(&mut state);
    }

    /// Like [`AckHub::complete`], but what it releases may wait until [`ACK_BATCH`]
    /// acknowledgements are released or [`AckHub::flush`] is called. For a route worker that
    /// flushes before it waits for its next message.
    pub fn complete_batched(&self, ticket: Ticket, ok: bool) {
        let mut state = self.lock();
        self.release(&mut state, ticket, ok);
        if state.unsent.is_empty() {
            return;
        }
        let now = std::time::Instant::now();
        let since = *state.unsent_since.get_or_insert(now);
        if state.unsent.len() >= ACK_BATCH || now.duration_since(since) >= ACK_DELAY {
            self.send_unsent(&mut state);
        }
    }

    /// Hands the released acknowledgements held back by [`AckHub::complete_batched`] to the
    /// client.
    pub fn flush(&self) {
        let mut state = self.lock();
        if !state.unsent.is_empty() {
            self.send_unsent(&mut state);
        }
    }

    fn release(&self, state: &mut HubState, ticket: Ticket, ok: bool) {
        let HubState { seq, unsent, .. } = state;
        let epoch = seq.epoch();
        seq.complete(ticket, ok, |token, ok| {
            if !ok && token.qos != crate::QoS::AtMostOnce && token.epoch == epoch {
                let withheld = self.withheld.fetch_add(1, Ordering::SeqCst) + 1;
                if withheld == self.nack_limit {
                    self.limit_reached.notify_one();
                }
            }
            if self.needs_sending(&token, ok, epoch) {
                unsent.push((token, ok));
            }
        });
    }

    /// Under the lock, so acknowledgements leave in release order: straight to the client
    /// while nothing is queued and its request channel has room, else through the ack task.
    fn send_unsent(&self, state: &mut HubState) {
        state.unsent_since = None;
        let epoch = state.seq.epoch();
        for (token, ok) in state.unsent.drain(..) {
            if !self.needs_sending(&token, ok, epoch) {
                continue;
            }
            if self.sending.load(Ordering::SeqCst) == 0 && self.client.try_ack(token, ok) {
                continue;
            }
            self.sending.fetch_add(1, Ordering::SeqCst);
            let _ = self.tx.send((token, ok));
        }
    }

    /// Released acknowledgements still on their way to the client.
    pub fn sending(&self) -> usize {
        self.sending.load(Ordering::SeqCst)
    }
}

/// The ack task: hands released acknowledgements to the client, in order. Acknowledgements from
/// an older connection epoch are dropped (the broker redelivers those messages).
pub(crate) async fn run_ack_task(
    client: Arc<dyn Client>,
    mut rx: mpsc::UnboundedReceiver<(AckToken, bool)>,
    hub: Arc<AckHub>,
) {
    while let Some((token, ok)) = rx.recv().await {
        if hub.needs_sending(&token, ok, hub.epoch()) {
            if let Err(e) = client.ack(token, ok).await {
                tracing::debug!(error = %e, pkid = token.pkid, "acknowledgement not sent");
            }
        }
        hub.sending.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QoS;

    fn token(pkid: u16) -> AckToken {
        AckToken {
            qos: QoS::AtLeastOnce,
            pkid,
            epoch: 0,
            delivery: 0,
        }
    }

    #[test]
    fn releases_in_receive_order() {
        let mut s = AckSequencer::default();
        let a = s.register(token(1), 1);
        let b = s.register(token(2), 2);
        let c = s.register(token(3), 1);
        let mut out = Vec::new();
        s.complete(c, true, |t, ok| out.push((t, ok)));
        s.complete(b, true, |t, ok| out.push((t, ok)));
        assert!(out.is_empty(), "nothing before 1 is done");
        s.complete(a, true, |t, ok| out.push((t, ok)));
        assert_eq!(out, [(token(1), true)]);
        s.complete(b, false, |t, ok| out.push((t, ok)));
        assert_eq!(out, [(token(1), true), (token(2), false), (token(3), true)]);
        assert_eq!(s.outstanding(), 0);
    }

    #[tokio::test]
    async fn batched_completions_wait_for_a_flush_or_a_full_batch() {
        let broker = crate::testing::MemoryBroker::new();
        let (_source, client) = crate::testing::client::connect(&broker, "t");
        let (hub, _rx) = AckHub::new(client, 16);
        let tickets: Vec<Ticket> = (0..ACK_BATCH as u16 + 2)
            .map(|pkid| hub.register(token(pkid), 1))
            .collect();
        hub.complete_batched(tickets[0], true);
        assert_eq!(hub.unsent(), 1, "held back");
        hub.complete_batched(tickets[1], true);
        hub.flush();
        assert_eq!(hub.unsent(), 0, "sent on flush");
        // A batch goes out by itself once full (in well under `ACK_DELAY` per release here, or
        // earlier by the delay rule: either way nothing stays held back past a full batch).
        for t in &tickets[2..ACK_BATCH + 2] {
            hub.complete_batched(*t, true);
        }
        assert_eq!(hub.unsent(), 0, "a full batch is sent");
        // An immediate completion sends what was held back too, in order.
        let a = hub.register(token(100), 1);
        let b = hub.register(token(101), 1);
        hub.complete_batched(a, true);
        hub.complete(b, true);
        assert_eq!(hub.unsent(), 0);
        assert_eq!(hub.outstanding(), 0);
    }

    #[test]
    fn reset_forgets_old_epoch() {
        let mut s = AckSequencer::default();
        let a = s.register(token(1), 1);
        s.reset();
        let b = s.register(token(9), 1);
        let mut out = Vec::new();
        s.complete(a, true, |t, ok| out.push((t, ok)));
        assert!(out.is_empty());
        s.complete(b, true, |t, ok| out.push((t, ok)));
        assert_eq!(out, [(token(9), true)]);
    }
}
