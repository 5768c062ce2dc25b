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
    #[cfg(test)]
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

/// The sequencer shared by the driver (register) and the workers (complete); released
/// acknowledgements go, in order, to the ack task.
pub(crate) struct AckHub {
    seq: Mutex<AckSequencer>,
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
                seq: Mutex::new(AckSequencer::default()),
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

    fn lock(&self) -> std::sync::MutexGuard<'_, AckSequencer> {
        self.seq.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn reset(&self) -> u64 {
        let mut seq = self.lock();
        self.withheld.store(0, Ordering::SeqCst);
        seq.reset()
    }

    /// Completes when the withheld messages of this connection reach the limit.
    pub async fn limit_reached(&self) {
        self.limit_reached.notified().await
    }

    pub fn epoch(&self) -> u64 {
        self.lock().epoch()
    }

    #[cfg(test)]
    pub fn outstanding(&self) -> usize {
        self.lock().outstanding()
    }

    pub fn register(&self, token: AckToken, parts: u32) -> Ticket {
        self.lock().register(token, parts)
    }

    pub fn complete(&self, ticket: Ticket, ok: bool) {
        let mut seq = self.lock();
        let epoch = seq.epoch();
        // Under the lock, so acknowledgements leave in release order: straight to the client
        // while nothing is queued and its request channel has room, else through the ack task.
        seq.complete(ticket, ok, |token, ok| {
            if !ok && token.qos != crate::QoS::AtMostOnce && token.epoch == epoch {
                let withheld = self.withheld.fetch_add(1, Ordering::SeqCst) + 1;
                if withheld == self.nack_limit {
                    self.limit_reached.notify_one();
                }
            }
            if !self.needs_sending(&token, ok, epoch) {
                return;
            }
            if self.sending.load(Ordering::SeqCst) == 0 && self.client.try_ack(token, ok) {
                return;
            }
            self.sending.fetch_add(1, Ordering::SeqCst);
            let _ = self.tx.send((token, ok));
        });
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
