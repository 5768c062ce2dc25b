//! Publishing: the [`Publisher`] handle and the outbox task behind it.
//!
//! `Publisher::publish` validates the message and puts it into the outbox; it never waits for
//! the MQTT event loop, so handlers can publish freely without deadlocking it. The outbox task
//! hands messages to the client while connected and remembers every QoS 1/2 publish until the
//! broker acknowledges it. If the broker reconnects without the session (`session_present =
//! false`, where rumqttc drops its pending queue) the outbox sends those publishes again, in
//! their original order — at-least-once, so a QoS 2 publish caught in that window may arrive
//! twice.
//!
//! Fast path: a QoS 0 publish (no confirmation wanted) made while connected with nothing
//! pending goes straight to the client's request channel, skipping the hop through the outbox
//! task; order is kept because nothing earlier is still waiting in the outbox.

use crate::metrics::Metrics;
use crate::transport::Client;
use crate::{topic, Error, Outgoing, QoS, RequestOptions};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A cheap, cloneable handle to publish messages through the service's single connection.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<PublisherShared>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

pub(crate) struct PublisherShared {
    tx: mpsc::UnboundedSender<OutboxCmd>,
    /// Publishes accepted but not yet finished (QoS 0: handed to the client; QoS 1/2: acknowledged).
    pub(crate) pending: Arc<AtomicUsize>,
    /// Payload, topic and property bytes of the pending publishes.
    pending_bytes: AtomicUsize,
    max_outbox: usize,
    max_outbox_bytes: usize,
    /// Largest packet we may send: the configured limit, lowered by the broker's CONNACK.
    pub(crate) max_packet: AtomicUsize,
    /// MQTT 5 properties are sent.
    v5: bool,
    closed: AtomicBool,
    metrics: Arc<Metrics>,
    replies: std::sync::OnceLock<Arc<crate::request::Replies>>,
    /// The connection, for the QoS 0 fast path (see the module docs).
    client: std::sync::OnceLock<Arc<dyn Client>>,
    /// The outbox task believes the connection is up.
    connected: AtomicBool,
}

pub(crate) enum OutboxCmd {
    Publish(Box<Entry>),
    Connected { session_present: bool },
    Disconnected,
    Sent(u16),
    Done { pkid: u16, code: u8 },
}

pub(crate) struct Entry {
    msg: Outgoing,
    confirm: Option<oneshot::Sender<Result<(), Error>>>,
    seq: u64,
    /// What the entry counts against the outbox's byte bound.
    bytes: usize,
}

/// Fixed header, topic length prefix, packet id and property length, generously rounded.
const PACKET_OVERHEAD: usize = 16;

impl Publisher {
    /// A publisher whose outbox holds at most `max_outbox.0` publishes and `max_outbox.1` bytes.
    pub(crate) fn new(
        max_outbox: (usize, usize),
        max_packet: usize,
        v5: bool,
        metrics: Arc<Metrics>,
    ) -> (Publisher, mpsc::UnboundedReceiver<OutboxCmd>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(PublisherShared {
            tx,
            pending: Arc::new(AtomicUsize::new(0)),
            pending_bytes: AtomicUsize::new(0),
            max_outbox: max_outbox.0,
            max_outbox_bytes: max_outbox.1,
            max_packet: AtomicUsize::new(max_packet),
            v5,
            closed: AtomicBool::new(false),
            metrics,
            replies: std::sync::OnceLock::new(),
            client: std::sync::OnceLock::new(),
            connected: AtomicBool::new(false),
        });
        (Publisher { inner }, rx)
    }

    pub(crate) fn shared(&self) -> &PublisherShared {
        &self.inner
    }

    pub(crate) fn attach_replies(&self, replies: Arc<crate::request::Replies>) {
        let _ = self.inner.replies.set(replies);
    }

    /// Request/reply: publishes `request` and returns its reply, or [`Error::Timeout`]. The same
    /// as [`Publisher::request_with`] with [`RequestOptions::new`]`(timeout)`: correlation in the
    /// MQTT 5 Correlation Data property.
    pub async fn request(
        &self,
        request: Outgoing,
        timeout: std::time::Duration,
    ) -> Result<crate::Message, Error> {
        self.request_with(request, &RequestOptions::new(timeout))
            .await
    }

    /// Request/reply: publishes `request` and returns the reply that carries its correlation id,
    /// or [`Error::Timeout`] after `options.timeout`.
    ///
    /// Without a response topic in `request` (MQTT 5), a private one is generated in the
    /// service's inbox and sent as the Response Topic property (and at `options.reply_address`).
    /// Under MQTT 3.1.1, which cannot carry it, set [`Outgoing::response_topic`] (or a payload
    /// reply address) to the topic the responder replies on; it is subscribed before the request
    /// is sent. A correlation id is generated unless the request has one at
    /// `options.correlation`; many requests may then wait on one reply topic, each getting only
    /// the reply with its own correlation id (see [`RequestOptions`]).
    ///
    /// Responders built on this crate answer with [`Outgoing::reply_to`].
    pub async fn request_with(
        &self,
        request: Outgoing,
        options: &RequestOptions,
    ) -> Result<crate::Message, Error> {
        let replies = self
            .inner
            .replies
            .get()
            .ok_or_else(|| Error::Disconnected("the runtime is not started".into()))?;
        if self.inner.closed.load(Ordering::SeqCst) {
            return Err(Error::Disconnected("the runtime is shut down".into()));
        }
        let prepared = crate::request::prepare(replies, request, options, self.inner.v5)?;
        let (rx, ticket) = replies.register(
            &prepared.reply_topic,
            prepared.correlation,
            &prepared.reply_location,
        )?;
        // Forgets the pending entry however this future ends (reply, error, timeout, or the
        // caller dropping it), then lets go of the reply filter (unsubscribed after the last).
        let _filter_use = replies.acquire(&prepared.filter)?;
        let _pending = PendingReply { replies, ticket };
        let request = prepared.request;
        let filter = prepared.filter;
        let stopped =
            || Error::Disconnected("the runtime stopped while waiting for a reply".into());
        let timeout = options.timeout;
        #[cfg(feature = "otel")]
        let telemetry = (
            crate::otel::request_span(&request, &self.inner.metrics),
            crate::otel::request_names(&request),
            std::time::Instant::now(),
        );
        let exchange = tokio::time::timeout(timeout, async {
            replies.ensure_subscribed(&filter).await?;
            if request.qos == crate::QoS::AtMostOnce {
                self.enqueue(request, None)?;
                return rx.await.map_err(|_| stopped());
            }
            // QoS 1/2: a broker that refuses the request (MQTT 5 reason code >= 0x80) fails it at
            // once instead of letting the caller wait for a reply that never comes.
            let (acked_tx, acked) = oneshot::channel();
            self.enqueue(request, Some(acked_tx))?;
            let mut rx = rx;
            tokio::select! {
                reply = &mut rx => reply.map_err(|_| stopped()),
                ack = acked => match ack {
                    Ok(Err(refused)) => Err(refused),
                    _ => rx.await.map_err(|_| stopped()),
                },
            }
        });
        #[cfg(feature = "otel")]
        let exchange = tracing::Instrument::instrument(exchange, telemetry.0.clone());
        let result = exchange.await.unwrap_or(Err(Error::Timeout(timeout)));
        #[cfg(feature = "otel")]
        crate::otel::request_done(
            &telemetry.0,
            telemetry.1,
            telemetry.2,
            &result,
            &self.inner.metrics,
        );
        result
    }

    pub(crate) fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
    }

    /// Validates `msg` and queues it for sending. Returns once the message is queued (it is sent
    /// as soon as the connection allows; QoS 1/2 messages survive reconnects). Errors:
    /// [`Error::InvalidTopic`], [`Error::PayloadTooLarge`], [`Error::OutboxFull`],
    /// [`Error::Disconnected`] after shutdown, [`Error::ReplyRefused`] for a
    /// [peer-addressed](Outgoing::peer_addressed) message whose topic the default
    /// [`ReplyTo`](crate::ReplyTo) refuses (a handler's returned reply is checked against its
    /// route's policy instead).
    pub async fn publish(&self, msg: Outgoing) -> Result<(), Error> {
        self.enqueue(msg, None)
    }

    /// Like [`Publisher::publish`] without `async`, for synchronous contexts.
    pub fn try_publish(&self, msg: Outgoing) -> Result<(), Error> {
        self.enqueue(msg, None)
    }

    /// Publishes and waits until the broker has acknowledged the message (PUBACK for QoS 1,
    /// PUBCOMP for QoS 2; for QoS 0 until it was handed to the connection). A rejection by the
    /// broker (MQTT 5 reason code ≥ 0x80) is returned as [`Error::PublishRejected`].
    pub async fn publish_confirmed(&self, msg: Outgoing) -> Result<(), Error> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(msg, Some(tx))?;
        rx.await.unwrap_or_else(|_| {
            Err(Error::Disconnected(
                "the runtime stopped before the broker acknowledged the publish".into(),
            ))
        })
    }

    /// Serialises `value` as JSON and publishes it to `topic` with `qos`
    /// (content type `application/json` under MQTT 5).
    pub async fn publish_json<T: serde::Serialize + ?Sized>(
        &self,
        topic: impl Into<String>,
        value: &T,
        qos: QoS,
    ) -> Result<(), Error> {
        let payload = crate::codec::encode_json(value)?;
        self.publish(
            Outgoing::new(topic, payload)
                .qos(qos)
                .content_type("application/json"),
        )
        .await
    }

    /// Requests ([`Publisher::request`]) waiting for their reply right now; 0 once every request
    /// got its reply, timed out or was dropped.
    pub fn pending_requests(&self) -> usize {
        self.inner.replies.get().map_or(0, |r| r.waiting())
    }

    /// Replies that arrived on a reply topic with no request waiting for them (late after a
    /// timeout, or an unknown or missing correlation id): counted and dropped.
    pub fn unmatched_replies(&self) -> u64 {
        self.inner.replies.get().map_or(0, |r| r.unmatched())
    }

    /// Reply topics (besides the private MQTT 5 inbox) subscribed for requests waiting right
    /// now; each is unsubscribed when its last request ends.
    pub fn reply_topics_in_use(&self) -> usize {
        self.inner.replies.get().map_or(0, |r| r.filters_in_use())
    }

    /// Publishes waiting for the connection or the broker's acknowledgement.
    pub fn pending(&self) -> usize {
        self.inner.pending.load(Ordering::SeqCst)
    }

    /// The largest payload that fits in a packet to `topic` right now.
    pub fn max_payload(&self, topic: &str) -> usize {
        self.inner
            .max_packet
            .load(Ordering::Relaxed)
            .saturating_sub(topic.len() + PACKET_OVERHEAD)
    }

    fn enqueue(
        &self,
        mut msg: Outgoing,
        confirm: Option<oneshot::Sender<Result<(), Error>>>,
    ) -> Result<(), Error> {
        let inner = &self.inner;
        if inner.closed.load(Ordering::SeqCst) {
            return Err(Error::Disconnected("the runtime is shut down".into()));
        }
        if msg.peer_addressed {
            crate::ReplyTo::default().check(&msg.topic)?;
        } else {
            topic::validate_topic_name(&msg.topic)?;
        }
        if !inner.v5 {
            msg.properties = Default::default();
        }
        #[cfg(feature = "otel")]
        crate::otel::on_publish(&mut msg, &inner.metrics, inner.v5);
        let props = properties_len(&msg.properties);
        let max = inner
            .max_packet
            .load(Ordering::Relaxed)
            .saturating_sub(msg.topic.len() + props + PACKET_OVERHEAD);
        if msg.payload.len() > max {
            return Err(Error::PayloadTooLarge {
                size: msg.payload.len(),
                max,
            });
        }
        if confirm.is_none()
            && msg.qos == QoS::AtMostOnce
            && inner.connected.load(Ordering::Acquire)
            && inner.pending.load(Ordering::SeqCst) == 0
            && inner.client.get().is_some_and(|c| c.try_publish(&msg))
        {
            inner.metrics.published.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let bytes = msg.payload.len() + msg.topic.len() + props;
        let pending = inner.pending.fetch_add(1, Ordering::SeqCst);
        let pending_bytes = inner.pending_bytes.fetch_add(bytes, Ordering::SeqCst);
        // An empty outbox takes one publish, however large (the packet limit still applies).
        if pending >= inner.max_outbox
            || (pending > 0 && pending_bytes + bytes > inner.max_outbox_bytes)
        {
            inner.release(bytes);
            return Err(Error::OutboxFull(pending));
        }
        let seq = inner.metrics.next_publish_seq();
        inner
            .tx
            .send(OutboxCmd::Publish(Box::new(Entry {
                msg,
                confirm,
                seq,
                bytes,
            })))
            .map_err(|_| {
                inner.release(bytes);
                Error::Disconnected("the runtime is shut down".into())
            })
    }

    pub(crate) fn notify(&self, cmd: OutboxCmd) {
        let _ = self.inner.tx.send(cmd);
    }
}

impl PublisherShared {
    /// One publish of `bytes` left the outbox (finished or refused).
    fn release(&self, bytes: usize) {
        self.pending_bytes.fetch_sub(bytes, Ordering::SeqCst);
        self.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Removes a request's pending entry when the request ends, including by cancellation.
struct PendingReply<'a> {
    replies: &'a crate::request::Replies,
    ticket: crate::request::Ticket,
}

impl Drop for PendingReply<'_> {
    fn drop(&mut self) {
        self.replies.forget(&self.ticket);
    }
}

fn properties_len(p: &crate::Properties) -> usize {
    p.content_type.as_ref().map_or(0, |s| s.len() + 3)
        + p.response_topic.as_ref().map_or(0, |s| s.len() + 3)
        + p.correlation_data.as_ref().map_or(0, |s| s.len() + 3)
        + p.user_properties
            .iter()
            .map(|(k, v)| k.len() + v.len() + 5)
            .sum::<usize>()
        + 12
}

/// The outbox task: see the module docs.
pub(crate) async fn run_outbox(
    client: Arc<dyn Client>,
    mut rx: mpsc::UnboundedReceiver<OutboxCmd>,
    publisher: Publisher,
    on_rejected: impl Fn(Error) + Send + 'static,
) {
    let shared = publisher.inner.clone();
    let _ = shared.client.set(client.clone());
    let mut connected = false;
    let mut queue: VecDeque<Entry> = VecDeque::new();
    let mut handed: VecDeque<Entry> = VecDeque::new();
    let mut inflight: HashMap<u16, Entry> = HashMap::new();
    let finish = |entry: Entry, result: Result<(), Error>| {
        shared.release(entry.bytes);
        if let Some(tx) = entry.confirm {
            let _ = tx.send(result);
        }
    };
    loop {
        // Take every command that is already waiting, then send one message.
        let cmd = if connected && !queue.is_empty() {
            match rx.try_recv() {
                Ok(cmd) => Some(cmd),
                Err(mpsc::error::TryRecvError::Empty) => None,
                Err(mpsc::error::TryRecvError::Disconnected) => return,
            }
        } else {
            match rx.recv().await {
                Some(cmd) => Some(cmd),
                None => return,
            }
        };
        match cmd {
            Some(OutboxCmd::Publish(entry)) => queue.push_back(*entry),
            Some(OutboxCmd::Connected { session_present }) => {
                connected = true;
                shared.connected.store(true, Ordering::Release);
                if !session_present {
                    // rumqttc dropped its pending queue: send everything unacknowledged again.
                    let mut again: Vec<Entry> = inflight
                        .drain()
                        .map(|(_, e)| e)
                        .chain(handed.drain(..))
                        .collect();
                    again.sort_by_key(|e| e.seq);
                    for entry in again.into_iter().rev() {
                        queue.push_front(entry);
                    }
                }
            }
            Some(OutboxCmd::Disconnected) => {
                connected = false;
                shared.connected.store(false, Ordering::Release);
            }
            Some(OutboxCmd::Sent(pkid)) => {
                if pkid != 0 && !inflight.contains_key(&pkid) {
                    if let Some(entry) = handed.pop_front() {
                        inflight.insert(pkid, entry);
                    }
                }
            }
            Some(OutboxCmd::Done { pkid, code }) => {
                if let Some(entry) = inflight.remove(&pkid) {
                    if code >= 0x80 {
                        let error = Error::PublishRejected {
                            topic: entry.msg.topic.clone(),
                            code,
                        };
                        tracing::warn!(topic = %entry.msg.topic, code, "broker rejected publish");
                        on_rejected(Error::PublishRejected {
                            topic: entry.msg.topic.clone(),
                            code,
                        });
                        finish(entry, Err(error));
                    } else {
                        finish(entry, Ok(()));
                    }
                }
            }
            None => {
                let entry = queue.pop_front().expect("queue is not empty");
                let qos = entry.msg.qos;
                match client.publish(entry.msg.clone()).await {
                    Ok(()) => {
                        shared.metrics.published.fetch_add(1, Ordering::Relaxed);
                        if qos == QoS::AtMostOnce {
                            finish(entry, Ok(()));
                        } else {
                            handed.push_back(entry);
                        }
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "client refused publish; retrying after reconnect");
                        queue.push_front(entry);
                        connected = false;
                        shared.connected.store(false, Ordering::Release);
                    }
                }
            }
        }
    }
}
