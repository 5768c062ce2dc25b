//! Request/reply (client side): [`Publisher::request_with`](crate::Publisher::request_with)
//! publishes a request and waits for the reply that carries its correlation id.
//!
//! Under MQTT 5 the reply topic is generated in a private inbox (`mqttgen/replies/{client_id}/{n}`,
//! subscribed once with `.../+` on first use and restored after reconnects) and announced in the
//! request's Response Topic property. MQTT 3.1.1 cannot carry a response topic, so the caller
//! names one the responder knows (`Outgoing::response_topic`, or the reply address location);
//! it is subscribed before the request is sent.
//!
//! Pending requests are keyed by (reply topic, correlation id), and generated correlation ids are
//! 128 random bits, so any number of requests — from any number of processes — can wait on one
//! fixed reply topic: a reply goes only to the request whose correlation it carries,
//! and a reply on a watched topic with an unknown or missing correlation is counted
//! ([`Publisher::unmatched_replies`](crate::Publisher::unmatched_replies)) and dropped. A request
//! that carries no correlation (MQTT 3.1.1 without a payload location) must be the only one
//! waiting on its topic.

use crate::metrics::Metrics;
pub(crate) use crate::pending::Ticket;
use crate::pending::{PendingReplies, Taken};
use crate::subscriptions::{SubCmd, Subscriptions};
use crate::transport::SubscribeRequest;
use crate::{Error, Location, LocationExt, Message, Outgoing, QoS};
use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How [`Publisher::request_with`](crate::Publisher::request_with) sends a request and
/// recognises its reply.
///
/// ```
/// use mqttgen::{Location, RequestOptions};
/// // A spec with `correlationId.location: $message.payload#/requestId` and
/// // `reply.address.location: $message.header#/replyTo`:
/// let options = RequestOptions::new(std::time::Duration::from_secs(5))
///     .correlation(Location::payload("/requestId"))
///     .reply_address(Location::header("replyTo"));
/// assert_eq!(options.reply_correlation, None); // replies carry it in the same place
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOptions {
    /// How long to wait for the reply.
    pub timeout: Duration,
    /// Where the request carries its correlation id. The runtime generates one unless the
    /// request already has one there; under MQTT 5 it is also sent as Correlation Data, so
    /// responders that only echo that property work too. Default: [`Location::Property`].
    pub correlation: Location,
    /// Where replies carry the correlation id; `None`: where the request carries it. Under MQTT
    /// 5 a reply without it there is matched by its Correlation Data property.
    pub reply_correlation: Option<Location>,
    /// Where the request also names its reply topic (besides the MQTT 5 Response Topic
    /// property), e.g. a `replyTo` header an independent responder reads. A header needs MQTT
    /// 5; a payload field works under both versions.
    pub reply_address: Option<Location>,
}

impl RequestOptions {
    /// Correlation in the MQTT 5 Correlation Data property, reply topic only in the Response
    /// Topic property.
    pub fn new(timeout: Duration) -> RequestOptions {
        RequestOptions {
            timeout,
            correlation: Location::Property,
            reply_correlation: None,
            reply_address: None,
        }
    }

    /// Where the request carries its correlation id.
    pub fn correlation(mut self, location: Location) -> Self {
        self.correlation = location;
        self
    }

    /// Where replies carry the correlation id, when not where the request does.
    pub fn reply_correlation(mut self, location: Location) -> Self {
        self.reply_correlation = Some(location);
        self
    }

    /// Where the request also names its reply topic.
    pub fn reply_address(mut self, location: Location) -> Self {
        self.reply_address = Some(location);
        self
    }
}

/// A request ready to be registered and sent.
pub(crate) struct Prepared {
    pub request: Outgoing,
    /// The exact topic the reply arrives on.
    pub reply_topic: String,
    /// The filter to subscribe for it.
    pub filter: String,
    /// The correlation id replies must carry; `None` when the request carries none.
    pub correlation: Option<Bytes>,
    /// Where replies carry it.
    pub reply_location: Location,
}

/// Fills in the reply topic, reply address and correlation id of `request`.
pub(crate) fn prepare(
    replies: &Replies,
    mut request: Outgoing,
    options: &RequestOptions,
    v5: bool,
) -> Result<Prepared, Error> {
    let address = options
        .reply_address
        .as_ref()
        .filter(|location| **location != Location::Property && location.is_carried(v5));
    // A response topic given under 3.1.1 is not sent, but it still names the reply topic.
    let given = request
        .properties
        .response_topic
        .clone()
        .or_else(|| address.and_then(|a| a.read_reply_address_outgoing(&request)));
    let (reply_topic, filter) = match given {
        Some(topic) => {
            crate::topic::validate_topic_name(&topic)?;
            let filter = topic.clone();
            (topic, filter)
        }
        None if v5 => {
            let topic = replies.next_topic();
            (topic, replies.inbox_filter().to_owned())
        }
        None => {
            return Err(Error::Config(
                "request/reply under MQTT 3.1.1 needs an explicit reply topic (Outgoing::response_topic or a payload reply address): 3.1.1 cannot carry a response topic".into(),
            ))
        }
    };
    if v5 && request.properties.response_topic.is_none() {
        request.properties.response_topic = Some(reply_topic.clone());
    }
    if let Some(address) = address {
        if address.read_reply_address_outgoing(&request).is_none() {
            address.write_reply_address(&mut request, &reply_topic)?;
        }
    }
    let reply_location = options
        .reply_correlation
        .clone()
        .unwrap_or_else(|| options.correlation.clone());
    let correlated = options.correlation.is_carried(v5) && reply_location.is_carried(v5);
    let correlation = if correlated {
        let at = &options.correlation;
        let value = at
            .read_correlation_outgoing(&request)
            .or_else(|| request.properties.correlation_data.clone().filter(|_| v5))
            .unwrap_or_else(new_correlation_id);
        if at.read_correlation_outgoing(&request).is_none() {
            at.write_correlation(&mut request, &value)?;
        }
        if v5 && request.properties.correlation_data.is_none() {
            request.properties.correlation_data = Some(value.clone());
        }
        Some(value)
    } else {
        None
    };
    Ok(Prepared {
        request,
        reply_topic,
        filter,
        correlation,
        reply_location,
    })
}

/// A fresh correlation id: 128 random bits as 32 hex digits (text, so that it also fits a header
/// or a JSON payload field). Unique across processes and restarts, so requesters in several
/// processes (or a restarted one that reuses its client id) can wait on one reply topic without
/// taking each other's replies.
fn new_correlation_id() -> Bytes {
    Bytes::from(format!("{:032x}", rand::random::<u128>()))
}

/// Pending requests, keyed by reply topic and correlation id.
pub(crate) struct Replies {
    /// `mqttgen/replies/{client_id}`.
    inbox: String,
    /// `mqttgen/replies/{client_id}/+`.
    inbox_filter: String,
    pending: PendingReplies,
    next: AtomicU64,
    /// Replies that arrived on a reply topic with no request waiting for them (counted, dropped).
    unmatched: AtomicU64,
    /// Set once any request was made: dispatch only looks up replies then.
    active: AtomicBool,
    /// Fast path: the inbox filter is subscribed.
    inbox_subscribed: AtomicBool,
    /// Reply filters subscribed (acknowledged by the broker once); restored after reconnects
    /// with every other filter.
    subscribed: Mutex<HashSet<String>>,
    subscribing: tokio::sync::Mutex<()>,
    /// Reply filters outside the private inbox, with the requests using each (see
    /// [`Replies::acquire`]).
    uses: Mutex<HashMap<String, FilterUses>>,
    shared: Arc<Subscriptions>,
}

/// Reply filters (besides the private inbox) subscribed at once, at most: a request that needs
/// one more fails with [`Error::Config`].
pub(crate) const MAX_REPLY_FILTERS: usize = 1024;

struct FilterUses {
    /// Requests waiting on the filter.
    requests: usize,
    /// The filter was subscribed for replies (not also a route's filter), so it is
    /// unsubscribed when the last request ends.
    owned: bool,
}

/// Keeps a reply filter subscribed while a request waits on it; the last one to go
/// unsubscribes it.
pub(crate) struct FilterUse<'a> {
    replies: &'a Replies,
    filter: Option<String>,
}

impl Drop for FilterUse<'_> {
    fn drop(&mut self) {
        if let Some(filter) = self.filter.take() {
            self.replies.release(&filter);
        }
    }
}

impl Replies {
    pub fn new(client_id: &str, shared: Arc<Subscriptions>) -> Replies {
        let safe: String = client_id
            .chars()
            .map(|c| {
                if matches!(c, '/' | '+' | '#' | '\0' | '$') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let inbox = format!("mqttgen/replies/{safe}");
        Replies {
            inbox_filter: format!("{inbox}/+"),
            inbox,
            pending: PendingReplies::default(),
            next: AtomicU64::new(1),
            unmatched: AtomicU64::new(0),
            active: AtomicBool::new(false),
            inbox_subscribed: AtomicBool::new(false),
            subscribed: Mutex::new(HashSet::new()),
            subscribing: tokio::sync::Mutex::new(()),
            uses: Mutex::new(HashMap::new()),
            shared,
        }
    }

    fn subscribed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.subscribed.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh reply topic in the inbox.
    pub fn next_topic(&self) -> String {
        let n = self.next_id();
        format!("{}/{n}", self.inbox)
    }

    /// The filter covering every inbox topic.
    pub fn inbox_filter(&self) -> &str {
        &self.inbox_filter
    }

    fn in_inbox(&self, topic: &str) -> bool {
        topic
            .strip_prefix(self.inbox.as_str())
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Registers a request waiting on `topic` for a reply carrying `correlation` (read at
    /// `location`); returns the reply receiver and the ticket to forget it with.
    pub fn register(
        &self,
        topic: &str,
        correlation: Option<Bytes>,
        location: &Location,
    ) -> Result<(oneshot::Receiver<Message>, Ticket), Error> {
        let id = self.next_id();
        let registered = self.pending.register(topic, correlation, location, id)?;
        self.active.store(true, Ordering::Release);
        Ok(registered)
    }

    /// Removes the request of `ticket`, if it is still waiting.
    pub fn forget(&self, ticket: &Ticket) {
        self.pending.forget(ticket);
    }

    /// Requests waiting for their reply.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Replies that reached a reply topic with no request waiting for them (counted and dropped).
    pub fn unmatched(&self) -> u64 {
        self.unmatched.load(Ordering::Relaxed)
    }

    /// Counts a reply nobody waits for.
    pub fn count_unmatched(&self, topic: &str, why: &str) {
        self.unmatched.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(topic = %topic, "reply dropped: {why}");
    }

    /// True for a reply topic subscribed for requests (outside the private inbox): a message
    /// there that no route takes is an unmatched reply.
    pub fn is_watched(&self, topic: &str) -> bool {
        self.active.load(Ordering::Acquire) && self.subscribed().contains(topic)
    }

    /// Hands `msg` to the request waiting for it; gives it back if it is not a reply. `metrics`
    /// are the service's (with the feature `otel`, the reply's span names its client id).
    #[cfg_attr(not(feature = "otel"), allow(unused_variables))]
    pub fn deliver(&self, msg: Message, metrics: &Metrics) -> Option<Message> {
        if !self.active.load(Ordering::Acquire) {
            return Some(msg);
        }
        match self.pending.take(&msg) {
            Taken::Waiter(tx) => {
                #[cfg(feature = "otel")]
                crate::otel::reply_received(&msg, metrics.otel.client_id());
                // The request may have just given up: then the reply is unmatched after all.
                if let Err(msg) = tx.send(msg) {
                    self.count_unmatched(&msg.topic, "its request gave up");
                }
            }
            Taken::Unknown => {
                self.count_unmatched(&msg.topic, "unknown or missing correlation id");
            }
            Taken::NotWaitedOn if self.in_inbox(&msg.topic) => {
                self.count_unmatched(&msg.topic, "no request waits for it (timed out?)");
            }
            Taken::NotWaitedOn => return Some(msg),
        }
        None
    }

    fn uses(&self) -> std::sync::MutexGuard<'_, HashMap<String, FilterUses>> {
        self.uses.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a request using reply `filter`: the first one subscribes it (the SUBSCRIBE is
    /// queued here; [`Replies::ensure_subscribed`] waits for the SUBACK), and when the returned
    /// guard of the last one is dropped, the filter is unsubscribed. The private inbox stays
    /// subscribed (one filter for every request). Fails when [`MAX_REPLY_FILTERS`] filters are
    /// in use already.
    pub fn acquire(&self, filter: &str) -> Result<FilterUse<'_>, Error> {
        if filter == self.inbox_filter {
            return Ok(FilterUse {
                replies: self,
                filter: None,
            });
        }
        let mut uses = self.uses();
        let in_use = uses.len();
        match uses.get_mut(filter) {
            Some(u) => u.requests += 1,
            None => {
                if in_use >= MAX_REPLY_FILTERS {
                    return Err(Error::Config(format!(
                        "reply topic `{filter}`: {MAX_REPLY_FILTERS} reply topics are in use already; reuse reply topics (requests are told apart by correlation id)"
                    )));
                }
                // Queued under the `uses` lock, so SUBSCRIBE and UNSUBSCRIBE of one filter
                // leave in the order the requests came and went.
                let owned = self.subscribe_once(filter);
                uses.insert(filter.to_owned(), FilterUses { requests: 1, owned });
            }
        }
        Ok(FilterUse {
            replies: self,
            filter: Some(filter.to_owned()),
        })
    }

    /// Adds `filter` to the service's filters and queues its SUBSCRIBE, unless it is there
    /// already; true when it was added.
    fn subscribe_once(&self, filter: &str) -> bool {
        let batch = {
            let mut filters = self.shared.filters();
            if filters.iter().any(|(f, _)| f == filter) {
                return false;
            }
            // Only the new filter: subscribing again to the routes' filters would make the
            // broker send their retained messages once more (MQTT 3.1.1 has no "retain
            // handling" option to prevent it).
            filters.push((filter.to_owned(), QoS::AtLeastOnce));
            let with_ids = self.shared.with_ids.load(Ordering::SeqCst);
            vec![SubscribeRequest {
                filter: filter.to_owned(),
                qos: QoS::AtLeastOnce,
                id: with_ids.then_some(filters.len()),
                no_local: false,
            }]
        };
        self.shared.subs.send_modify(|s| s.waiting += 1);
        let _ = self
            .shared
            .subscribe_tx
            .send(SubCmd::Subscribe(vec![batch]));
        true
    }

    fn release(&self, filter: &str) {
        let mut uses = self.uses();
        let Some(u) = uses.get_mut(filter) else {
            return;
        };
        u.requests -= 1;
        if u.requests > 0 {
            return;
        }
        let owned = u.owned;
        uses.remove(filter);
        self.subscribed().remove(filter);
        if owned {
            self.shared.filters().retain(|(f, _)| f != filter);
            let _ = self
                .shared
                .subscribe_tx
                .send(SubCmd::Unsubscribe(filter.to_owned()));
        }
    }

    /// Reply filters in use by waiting requests (besides the private inbox).
    pub fn filters_in_use(&self) -> usize {
        self.uses().len()
    }

    /// Subscribes to `filter` (once; it is restored after reconnects like every route's filter)
    /// and waits for the broker's SUBACK. Cheap when it is already subscribed and connected.
    pub async fn ensure_subscribed(&self, filter: &str) -> Result<(), Error> {
        let inbox = filter == self.inbox_filter;
        let known = if inbox {
            self.inbox_subscribed.load(Ordering::Acquire)
        } else {
            self.subscribed().contains(filter)
        };
        if known {
            let status = self.shared.subs.borrow();
            if status.connected && status.waiting == 0 && status.fatal.is_none() {
                return Ok(());
            }
        }
        let _one_at_a_time = self.subscribing.lock().await;
        self.subscribe_once(filter);
        let mut subs = self.shared.subs.subscribe();
        let status = subs
            .wait_for(|s| s.fatal.is_some() || (s.connected && s.waiting == 0))
            .await
            .map_err(|_| Error::Disconnected("the runtime stopped".into()))?
            .clone();
        if let Some(e) = status.fatal {
            return Err(e);
        }
        if let Some(e) = status
            .failures
            .into_iter()
            .find(|e| matches!(e, Error::SubscribeFailed { filter: f, .. } if f == filter))
        {
            return Err(e);
        }
        if inbox {
            self.inbox_subscribed.store(true, Ordering::Release);
        }
        self.subscribed().insert(filter.to_owned());
        Ok(())
    }
}
