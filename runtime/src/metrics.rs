//! The runtime's counters ([`Metrics`], updated by the driver, the workers and the publisher)
//! and their snapshot ([`Stats`]). Imports no other module of the runtime.

use std::sync::atomic::{AtomicU64, Ordering};

/// A counter on its own cache line: the driver and the workers update different counters at
/// message rate, and must not contend for one line.
#[derive(Debug, Default)]
#[repr(align(64))]
pub(crate) struct Counter(AtomicU64);

impl std::ops::Deref for Counter {
    type Target = AtomicU64;
    fn deref(&self) -> &AtomicU64 {
        &self.0
    }
}

/// Counters kept by the runtime.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub received: Counter,
    pub handled: Counter,
    pub handler_errors: AtomicU64,
    pub decode_errors: AtomicU64,
    pub invalid_topic: AtomicU64,
    pub published: Counter,
    pub unrouted: AtomicU64,
    pub dropped_overflow: AtomicU64,
    pub spilled: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub reconnects: AtomicU64,
    pub replies_refused: AtomicU64,
    pub nack_renewals: AtomicU64,
    publish_seq: AtomicU64,
    /// OpenTelemetry instruments and the service's client id.
    #[cfg(feature = "otel")]
    pub otel: crate::instruments::AppTelemetry,
}

impl Metrics {
    pub fn next_publish_seq(&self) -> u64 {
        self.publish_seq.fetch_add(1, Ordering::Relaxed)
    }
}

/// A snapshot of the runtime's counters ([`RunningApp::stats`](crate::RunningApp::stats)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Messages received from the broker.
    pub received: u64,
    /// Handler runs that succeeded.
    pub handled: u64,
    /// Handler runs that failed (not counting decode errors), panics included.
    pub handler_errors: u64,
    /// Messages whose payload failed to decode.
    pub decode_errors: u64,
    /// Messages dropped because their topic was not valid UTF-8.
    pub invalid_topic: u64,
    /// Messages no route matched.
    pub unrouted: u64,
    /// Messages dropped by a route's [`Overflow`](crate::Overflow) drop policy because its
    /// queue was full. Always 0 with the default policy, which waits for room instead.
    pub dropped_overflow: u64,
    /// Messages read from the connection while a route queue was full (to serve keep-alive) and
    /// not yet queued, right now; at most [`SPILL_MESSAGES`](crate::SPILL_MESSAGES). Not
    /// counted in `received` until they are queued.
    pub spilled: u64,
    /// Messages republished to the dead-letter topic.
    pub dead_lettered: u64,
    /// Messages handed to the connection.
    pub published: u64,
    /// Successful reconnects.
    pub reconnects: u64,
    /// Replies not published because their route's [`ReplyTo`](crate::ReplyTo) policy refused
    /// the topic the request named.
    pub replies_refused: u64,
    /// Connections renewed because [`AckPolicy::NackOnError`](crate::AckPolicy::NackOnError)
    /// left [`Config::nack_limit`] messages unacknowledged.
    pub nack_renewals: u64,
}

impl Metrics {
    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            received: get(&self.received),
            handled: get(&self.handled),
            handler_errors: get(&self.handler_errors),
            decode_errors: get(&self.decode_errors),
            invalid_topic: get(&self.invalid_topic),
            unrouted: get(&self.unrouted),
            dropped_overflow: get(&self.dropped_overflow),
            spilled: get(&self.spilled),
            dead_lettered: get(&self.dead_lettered),
            published: get(&self.published),
            reconnects: get(&self.reconnects),
            replies_refused: get(&self.replies_refused),
            nack_renewals: get(&self.nack_renewals),
        }
    }
}
