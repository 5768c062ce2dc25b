//! The connection to a broker, hidden behind two small traits so that MQTT 3.1.1, MQTT 5 and the
//! in-memory broker share one runtime core.
//!
//! An [`EventSource`] is polled by exactly one task (the driver); a [`Client`] is used by every
//! other task (publishes, acknowledgements, subscriptions) and never by the driver itself, so a
//! full request channel can never deadlock the event loop.

pub(crate) mod rumqtt_v3;
pub(crate) mod rumqtt_v5;
pub(crate) mod tls;

use crate::{Error, Outgoing, Properties, QoS};
use bytes::Bytes;
use futures::future::BoxFuture;

/// Both halves of a connection.
pub(crate) type Connection = (Box<dyn EventSource>, std::sync::Arc<dyn Client>);

/// Identifies a received message for acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AckToken {
    pub qos: QoS,
    pub pkid: u16,
    /// Connection epoch the message arrived on; acks from older epochs are dropped.
    pub epoch: u64,
    /// Delivery id (in-memory broker only).
    pub delivery: u64,
}

/// A PUBLISH received from the broker, before topic validation.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub topic: Bytes,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    pub dup: bool,
    pub properties: Properties,
    pub pkid: u16,
    pub delivery: u64,
    /// MQTT 5 subscription identifiers of the matching subscriptions.
    pub subscription_ids: Vec<usize>,
}

/// What the driver learns from one poll.
#[derive(Debug)]
pub(crate) enum Event {
    /// CONNACK accepted.
    Connected {
        session_present: bool,
        /// The broker's maximum packet size (MQTT 5), if announced.
        max_packet_size: Option<u32>,
        /// False when an MQTT 5 broker says it does not support subscription identifiers.
        subscription_ids: bool,
    },
    /// A message arrived.
    Message(Incoming),
    /// A PUBLISH left; `pkid` is 0 for QoS 0.
    PublishSent { pkid: u16 },
    /// A QoS 1/2 publish completed (PUBACK, PUBCOMP, or a failed PUBREC); `code` ≥ 0x80 is a rejection.
    PublishDone { pkid: u16, code: u8 },
    /// A SUBSCRIBE left with this packet id.
    SubscribeSent { pkid: u16 },
    /// SUBACK with one reason code per filter (0..=2 granted QoS, ≥ 0x80 failure).
    SubAck { pkid: u16, codes: Vec<u8> },
    /// Our DISCONNECT left (graceful shutdown).
    DisconnectSent,
    /// A PINGREQ left: its PINGRESP must be read before the next one is due.
    PingSent,
    /// The broker answered the last PINGREQ.
    PingAnswered,
    /// Anything else (pings, our own acks, ...).
    Other,
}

/// The side of a connection that is polled by the driver task.
pub(crate) trait EventSource: Send + 'static {
    /// Drives the connection until the next event. Errors drop the connection; the next call
    /// reconnects. Fatal errors (see [`Error::is_fatal`]) must not be retried.
    fn poll(&mut self) -> BoxFuture<'_, Result<Event, Error>>;

    /// An event already received and buffered, without waiting; `None` when [`poll`] would
    /// have to wait. Cheap: no future is built.
    ///
    /// [`poll`]: EventSource::poll
    fn try_next(&mut self) -> Option<Result<Event, Error>> {
        None
    }

    /// The MQTT 5 source itself, which the driver awaits without boxing: rumqttc's poll future
    /// is several KiB, and boxing it copies all of it once per read.
    fn as_v5(&mut self) -> Option<&mut rumqtt_v5::V5Source> {
        None
    }
}

/// The next event of `source`: [`EventSource::poll`], awaited in place for MQTT 5.
pub(crate) async fn next_event(source: &mut dyn EventSource) -> Result<Event, Error> {
    match source.as_v5() {
        Some(v5) => v5.next_event().await,
        None => source.poll().await,
    }
}

/// One subscription request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SubscribeRequest {
    pub filter: String,
    pub qos: QoS,
    /// MQTT 5 subscription identifier (1-based), used to dispatch overlapping filters exactly
    /// once; `None` when identifiers are not used.
    pub id: Option<usize>,
    /// MQTT 5 No Local: the broker does not send the client its own publishes on this filter.
    /// Ignored under MQTT 3.1.1, which has no such option.
    pub no_local: bool,
}

/// The side of a connection every other task uses.
pub(crate) trait Client: Send + Sync + 'static {
    fn publish(&self, msg: Outgoing) -> BoxFuture<'_, Result<(), Error>>;
    /// Hands a copy of a QoS 0 publish to the connection without waiting; `false` when that is
    /// not possible right now (full request channel, or a transport without it).
    fn try_publish(&self, _msg: &Outgoing) -> bool {
        false
    }
    fn subscribe(&self, filters: Vec<SubscribeRequest>) -> BoxFuture<'_, Result<(), Error>>;
    fn unsubscribe(&self, filter: String) -> BoxFuture<'_, Result<(), Error>>;
    /// Reports a finished message: `ok == true` acknowledges it.
    fn ack(&self, token: AckToken, ok: bool) -> BoxFuture<'_, Result<(), Error>>;
    /// Acknowledges without waiting; `false` if that is not possible right now (full request
    /// channel), in which case the caller falls back to [`Client::ack`].
    fn try_ack(&self, _token: AckToken, _ok: bool) -> bool {
        false
    }
    fn disconnect(&self) -> BoxFuture<'_, Result<(), Error>>;
    /// True if the transport wants to hear about QoS 0 completions and nacks too (memory broker).
    fn wants_all_completions(&self) -> bool {
        false
    }
    /// False when the client acknowledges on receipt by itself (every route acknowledges before
    /// its handler), so the runtime has nothing to acknowledge.
    fn acks_manually(&self) -> bool {
        true
    }
    /// True if the broker tags messages with subscription identifiers (MQTT 5).
    fn uses_subscription_ids(&self) -> bool {
        false
    }
    /// Gives the transport the publisher's pending counter (the in-memory broker's `settle`).
    fn attach_pending(&self, _pending: std::sync::Arc<std::sync::atomic::AtomicUsize>) {}
}

pub(crate) fn qos_to_v3(qos: QoS) -> rumqttc::QoS {
    match qos {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

pub(crate) fn qos_from_v3(qos: rumqttc::QoS) -> QoS {
    match qos {
        rumqttc::QoS::AtMostOnce => QoS::AtMostOnce,
        rumqttc::QoS::AtLeastOnce => QoS::AtLeastOnce,
        rumqttc::QoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

pub(crate) fn qos_to_v5(qos: QoS) -> rumqttc::v5::mqttbytes::QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match qos {
        QoS::AtMostOnce => Q::AtMostOnce,
        QoS::AtLeastOnce => Q::AtLeastOnce,
        QoS::ExactlyOnce => Q::ExactlyOnce,
    }
}

pub(crate) fn qos_from_v5(qos: rumqttc::v5::mqttbytes::QoS) -> QoS {
    use rumqttc::v5::mqttbytes::QoS as Q;
    match qos {
        Q::AtMostOnce => QoS::AtMostOnce,
        Q::AtLeastOnce => QoS::AtLeastOnce,
        Q::ExactlyOnce => QoS::ExactlyOnce,
    }
}
