//! The event trace a faulty [`MemoryBroker`](super::MemoryBroker) records: every publish that
//! reached it, every delivery, every acknowledgement and every injected fault, stamped with the
//! (virtual) time since the broker was created. Two runs with the same seed give equal traces;
//! [`Trace::assert_same`] compares them event by event and names the first difference.

use crate::QoS;
use bytes::Bytes;
use std::fmt;
use std::time::Duration;

/// Where a [`Faults::disconnect_at`](super::faults::Faults::disconnect_at) drops a client.
/// Counts are 1-based and run over the whole broker (every client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectPoint {
    /// When the handler of the `n`-th completed delivery acknowledges it: the client is
    /// disconnected first and the acknowledgement is lost, so the message comes back (with DUP)
    /// after the reconnect unless the session expired.
    BeforeAck(usize),
    /// Right after the broker accepted the `n`-th acknowledgement.
    AfterAck(usize),
    /// Right after the `n`-th publish to a topic matching `filter` reached the broker, the
    /// publisher is disconnected: with a request topic, this is the middle of a request (the
    /// request is out, its reply not yet in).
    AfterPublish {
        /// Topic filter the publish must match.
        filter: String,
        /// Which matching publish (1-based).
        nth: usize,
    },
}

/// An injected fault, as recorded in the [`Trace`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The acknowledgement of a QoS 1/2 delivery was "lost": the broker sends it again with DUP.
    Duplicated {
        /// Client id.
        client: String,
        /// Topic of the message.
        topic: String,
    },
    /// A message overtook an earlier one on another topic (order per topic is kept).
    Reordered {
        /// Client id.
        client: String,
        /// Topic of the message sent early.
        topic: String,
        /// Topic of the message it overtook.
        overtook: String,
    },
    /// A QoS 0 message was lost.
    Dropped {
        /// Client id.
        client: String,
        /// Topic of the message.
        topic: String,
    },
    /// A client's connection was dropped.
    Disconnected {
        /// Client id.
        client: String,
        /// Where.
        point: DisconnectPoint,
    },
    /// A client connected again.
    Reconnected {
        /// Client id.
        client: String,
        /// Whether the broker kept its session (subscriptions, unacknowledged messages).
        session_present: bool,
    },
    /// The client's session had expired at the reconnect: its subscriptions and `discarded`
    /// undelivered or unacknowledged messages are gone.
    SessionExpired {
        /// Client id.
        client: String,
        /// Messages lost with the session.
        discarded: usize,
    },
    /// A retained message was sent again after a reconnect.
    RetainedReplayed {
        /// Client id.
        client: String,
        /// Topic of the retained message.
        topic: String,
    },
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceEvent {
    /// A publish reached the broker (`client` is `None` for [`MemoryBroker::publish`](super::MemoryBroker::publish)).
    Published {
        /// Publishing client.
        client: Option<String>,
        /// Topic.
        topic: String,
        /// Payload.
        payload: Bytes,
        /// QoS.
        qos: QoS,
        /// Retain flag.
        retain: bool,
    },
    /// The broker sent a message to a client.
    Delivered {
        /// Receiving client.
        client: String,
        /// Topic.
        topic: String,
        /// Payload.
        payload: Bytes,
        /// QoS of the delivery.
        qos: QoS,
        /// DUP flag (a redelivery).
        dup: bool,
        /// Retain flag (a retained message sent on subscribe or replayed).
        retain: bool,
        /// QoS 1/2 deliveries to this client not yet acknowledged, this one included (0 for QoS 0).
        in_flight: usize,
    },
    /// A client finished a delivery: `ok` acknowledges it, `false` leaves it unacknowledged.
    Acked {
        /// Client.
        client: String,
        /// Topic of the message.
        topic: String,
        /// Acknowledged (`false`: nack).
        ok: bool,
    },
    /// An injected fault.
    Fault(Fault),
}

/// A [`TraceEvent`] and when it happened (time since the broker was created; virtual on a
/// paused Tokio clock, so it is part of what a replay must reproduce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Time since the broker was created.
    pub at: Duration,
    /// What happened.
    pub event: TraceEvent,
}

/// The events of one run, in the order the broker saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    entries: Vec<Entry>,
}

impl Trace {
    pub(crate) fn push(&mut self, at: Duration, event: TraceEvent) {
        self.entries.push(Entry { at, event });
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every event, in order.
    pub fn events(&self) -> impl Iterator<Item = &TraceEvent> {
        self.entries.iter().map(|e| &e.event)
    }

    /// The injected faults, in order.
    pub fn faults(&self) -> Vec<&Fault> {
        self.events()
            .filter_map(|e| match e {
                TraceEvent::Fault(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// The deliveries, in order.
    pub fn deliveries(&self) -> Vec<&TraceEvent> {
        self.events()
            .filter(|e| matches!(e, TraceEvent::Delivered { .. }))
            .collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry where `self` and `other` differ, described for a test failure; `None`
    /// when they are equal event by event.
    pub fn first_difference(&self, other: &Trace) -> Option<String> {
        let n = self.entries.len().max(other.entries.len());
        (0..n).find_map(|i| {
            let (a, b) = (self.entries.get(i), other.entries.get(i));
            (a != b).then(|| {
                let show =
                    |e: Option<&Entry>| e.map_or("(end of trace)".to_owned(), |e| e.to_string());
                format!(
                    "traces differ at event {i} of {}/{}:\n  left:  {}\n  right: {}",
                    self.entries.len(),
                    other.entries.len(),
                    show(a),
                    show(b)
                )
            })
        })
    }

    /// Panics with the first difference unless the traces are equal event by event.
    #[track_caller]
    pub fn assert_same(&self, other: &Trace) {
        if let Some(diff) = self.first_difference(other) {
            panic!("{diff}");
        }
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>8.3} ms  ", self.at.as_secs_f64() * 1000.0)?;
        match &self.event {
            TraceEvent::Published {
                client,
                topic,
                payload,
                qos,
                retain,
            } => write!(
                f,
                "publish  {} -> {topic} qos{} {}{}",
                client.as_deref().unwrap_or("(test)"),
                *qos as u8,
                if *retain { "retain " } else { "" },
                String::from_utf8_lossy(payload)
            ),
            TraceEvent::Delivered {
                client,
                topic,
                payload,
                qos,
                dup,
                retain,
                in_flight,
            } => write!(
                f,
                "deliver  {topic} -> {client} qos{}{}{} in-flight {in_flight} {}",
                *qos as u8,
                if *dup { " dup" } else { "" },
                if *retain { " retain" } else { "" },
                String::from_utf8_lossy(payload)
            ),
            TraceEvent::Acked { client, topic, ok } => {
                write!(f, "{}  {client} {topic}", if *ok { "ack " } else { "nack" })
            }
            TraceEvent::Fault(fault) => write!(f, "FAULT    {fault:?}"),
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}
