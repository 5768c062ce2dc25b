//! A route's queue: messages waiting for a worker, bounded by count and by bytes.
//!
//! The driver pushes, the route's loop pops. What happens when the queue is full is the route's
//! [`Overflow`] policy: by default the driver waits for room (and so stops reading from the
//! connection); the drop policies make room by dropping the newest or the oldest message, and
//! say which one they dropped so it can be counted and reported.

use crate::acks::Ticket;
use crate::Message;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What a route does with a message when its queue is full
/// ([`Route::overflow`](crate::Route::overflow)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Wait for room: the runtime stops reading from the connection until the route takes a
    /// message, which pushes back on the broker over TCP (QoS 1/2 also through the receive
    /// maximum). Nothing is dropped. Default.
    #[default]
    Wait,
    /// Drop the message that does not fit (and acknowledge it): the route keeps the older
    /// messages. Counted in [`Stats::dropped_overflow`](crate::Stats) and reported as
    /// [`Failure::Dropped`](crate::Failure::Dropped).
    DropNewest,
    /// Drop the oldest waiting message (and acknowledge it) to make room: telemetry that
    /// prefers fresh data. Counted and reported like [`Overflow::DropNewest`].
    DropOldest,
}

/// A message on its way to one route.
pub(crate) struct Job {
    /// The message; empty when `begun` holds it.
    pub msg: Message,
    pub ticket: Option<Ticket>,
    /// What the job counts against the queue's byte bound.
    pub bytes: usize,
    /// Set when the driver began handling the message itself (the route was idle) and its
    /// handler waits for something: the rest of the handling (message, ticket, hooks) for the
    /// route's worker to finish.
    pub begun: Option<Begun>,
}

/// The handling of one message that the driver began and a worker finishes.
pub(crate) type Begun = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Bytes a message counts against a queue's byte bound: payload, topic and properties.
pub(crate) fn message_bytes(msg: &Message) -> usize {
    let p = &msg.properties;
    msg.payload.len()
        + msg.topic.len()
        + p.content_type.as_ref().map_or(0, String::len)
        + p.response_topic.as_ref().map_or(0, String::len)
        + p.correlation_data.as_ref().map_or(0, |c| c.len())
        + p.user_properties
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

/// The outcome of [`RouteQueue::push`].
pub(crate) enum Pushed {
    /// Queued.
    Queued,
    /// Queued, after dropping these older messages (policy `DropOldest`).
    QueuedDropping(Vec<Job>),
    /// Not queued: the queue is full and the policy is `Wait`; the job is handed back.
    Full(Job),
    /// Not queued, dropped (policy `DropNewest`).
    Dropped(Job),
    /// Not queued: the route stopped.
    Closed(Job),
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    bytes: usize,
    closed: bool,
    /// Jobs taken and not yet [done](RouteQueue::done).
    active: usize,
}

/// A bounded queue shared by the driver (push) and the route loop (pop).
pub(crate) struct RouteQueue {
    state: Mutex<State>,
    capacity: usize,
    max_bytes: usize,
    overflow: Overflow,
    /// Signalled when a job is pushed (the route loop waits on it).
    pub(crate) ready: Notify,
    /// Signalled when a job leaves a full queue (the driver waits on it; shared by all routes).
    room: Arc<Notify>,
}

impl RouteQueue {
    pub fn new(capacity: usize, max_bytes: usize, overflow: Overflow, room: Arc<Notify>) -> Self {
        RouteQueue {
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
            max_bytes: max_bytes.max(1),
            overflow,
            ready: Notify::new(),
            room,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn full(&self, state: &State, adding: usize) -> bool {
        // An empty queue always takes one message, however large.
        !state.jobs.is_empty()
            && (state.jobs.len() >= self.capacity || state.bytes + adding > self.max_bytes)
    }

    /// Adds `job` unless the queue is full; what happens then is the queue's policy.
    pub fn push(&self, job: Job) -> Pushed {
        let mut state = self.lock();
        if state.closed {
            return Pushed::Closed(job);
        }
        let mut dropped = Vec::new();
        if self.full(&state, job.bytes) {
            match self.overflow {
                Overflow::Wait => return Pushed::Full(job),
                Overflow::DropNewest => return Pushed::Dropped(job),
                Overflow::DropOldest => {
                    // A large message may need several older ones to go.
                    while self.full(&state, job.bytes) {
                        let old = state.jobs.pop_front().expect("a full queue has jobs");
                        state.bytes -= old.bytes;
                        dropped.push(old);
                    }
                }
            }
        }
        state.bytes += job.bytes;
        state.jobs.push_back(job);
        drop(state);
        self.ready.notify_one();
        if dropped.is_empty() {
            Pushed::Queued
        } else {
            Pushed::QueuedDropping(dropped)
        }
    }

    /// Takes the next job, if any.
    pub fn try_pop(&self) -> Option<Job> {
        let mut state = self.lock();
        let was_full = state.jobs.len() >= self.capacity || state.bytes >= self.max_bytes;
        let job = state.jobs.pop_front()?;
        state.bytes -= job.bytes;
        state.active += 1;
        drop(state);
        if was_full {
            self.room.notify_one();
        }
        Some(job)
    }

    /// Marks a job taken with [`RouteQueue::try_pop`] as handled.
    pub fn done(&self) {
        let mut state = self.lock();
        state.active = state.active.saturating_sub(1);
    }

    /// True when nothing is queued or being handled and the queue is open: a message for the
    /// route handled now overtakes none.
    pub fn is_idle(&self) -> bool {
        let state = self.lock();
        state.jobs.is_empty() && state.active == 0 && !state.closed
    }

    /// Stops taking jobs; those already queued can still be taken.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// True once closed and empty.
    pub fn is_finished(&self) -> bool {
        let state = self.lock();
        state.closed && state.jobs.is_empty()
    }

    /// Jobs waiting.
    #[cfg(any(test, feature = "otel"))]
    pub fn len(&self) -> usize {
        self.lock().jobs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::QoS;

    fn job(n: u8, size: usize) -> Job {
        let msg = Message {
            topic: "t".into(),
            payload: bytes::Bytes::from(vec![n; size]),
            qos: QoS::AtMostOnce,
            retain: false,
            dup: false,
            properties: Default::default(),
        };
        Job {
            bytes: message_bytes(&msg),
            msg,
            ticket: None,
            begun: None,
        }
    }

    fn first_byte(job: &Job) -> u8 {
        job.msg.payload[0]
    }

    #[test]
    fn wait_policy_refuses_beyond_count_and_bytes_and_signals_room() {
        let room = Arc::new(Notify::new());
        let q = RouteQueue::new(2, 1000, Overflow::Wait, room.clone());
        assert!(matches!(q.push(job(1, 10)), Pushed::Queued));
        assert!(matches!(q.push(job(2, 10)), Pushed::Queued));
        assert!(
            matches!(q.push(job(3, 10)), Pushed::Full(_)),
            "2 messages at most"
        );
        assert_eq!(first_byte(&q.try_pop().unwrap()), 1);
        // The pop from a full queue left a permit for the driver.
        assert!(futures::FutureExt::now_or_never(room.notified()).is_some());
        assert!(matches!(q.push(job(3, 10)), Pushed::Queued));

        let q = RouteQueue::new(100, 250, Overflow::Wait, room);
        assert!(
            matches!(q.push(job(1, 2000)), Pushed::Queued),
            "an empty queue takes a large message"
        );
        assert!(
            matches!(q.push(job(2, 10)), Pushed::Full(_)),
            "over the byte bound"
        );
        q.try_pop();
        assert!(matches!(q.push(job(2, 100)), Pushed::Queued));
        assert!(matches!(q.push(job(3, 100)), Pushed::Queued));
        assert!(
            matches!(q.push(job(4, 100)), Pushed::Full(_)),
            "3 x 101 bytes > 250"
        );
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn drop_policies_drop_exactly_one_end() {
        let room = Arc::new(Notify::new());
        let newest = RouteQueue::new(2, 1 << 20, Overflow::DropNewest, room.clone());
        let oldest = RouteQueue::new(2, 1 << 20, Overflow::DropOldest, room.clone());
        let mut dropped_newest = Vec::new();
        let mut dropped_oldest = Vec::new();
        for n in 1..=5 {
            if let Pushed::Dropped(j) = newest.push(job(n, 1)) {
                dropped_newest.push(first_byte(&j));
            }
            if let Pushed::QueuedDropping(js) = oldest.push(job(n, 1)) {
                dropped_oldest.extend(js.iter().map(first_byte));
            }
        }
        assert_eq!(dropped_newest, [3, 4, 5]);
        assert_eq!(dropped_oldest, [1, 2, 3]);
        let kept = |q: &RouteQueue| {
            std::iter::from_fn(|| q.try_pop().map(|j| first_byte(&j))).collect::<Vec<_>>()
        };
        assert_eq!(kept(&newest), [1, 2]);
        assert_eq!(kept(&oldest), [4, 5]);

        // A large message makes several older ones go.
        let q = RouteQueue::new(10, 300, Overflow::DropOldest, room);
        for n in 1..=3 {
            assert!(matches!(q.push(job(n, 90)), Pushed::Queued));
        }
        match q.push(job(4, 200)) {
            Pushed::QueuedDropping(js) => {
                assert_eq!(js.iter().map(first_byte).collect::<Vec<_>>(), [1, 2])
            }
            _ => panic!("expected two drops"),
        }
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn closed_queue_refuses_and_drains() {
        let q = RouteQueue::new(4, 1 << 20, Overflow::Wait, Arc::new(Notify::new()));
        assert!(matches!(q.push(job(1, 1)), Pushed::Queued));
        q.close();
        assert!(matches!(q.push(job(2, 1)), Pushed::Closed(_)));
        assert!(!q.is_finished());
        assert!(q.try_pop().is_some());
        assert!(q.is_finished());
    }
}
