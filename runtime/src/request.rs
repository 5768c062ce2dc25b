//! Request/reply (client side): [`Publisher::request`](crate::Publisher::request) publishes a
//! request and waits for the first message on its response topic.
//!
//! Under MQTT 5 the response topic is generated in a private inbox
//! (`mqttgen/replies/{client_id}/{n}`, subscribed once with `.../+` on first use and restored
//! after reconnects) and sent in the request's Response Topic property, with `n` as Correlation
//! Data. MQTT 3.1.1 cannot carry a response topic, so the caller names one the responder knows
//! by convention (`Outgoing::response_topic`); it is subscribed before the request is sent.

use crate::driver::{batches_from, DriverShared};
use crate::{Error, Message, QoS};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Pending requests, keyed by the exact topic their reply arrives on.
pub(crate) struct Replies {
    inbox: String,
    pending: Mutex<HashMap<String, (u64, oneshot::Sender<Message>)>>,
    next: AtomicU64,
    /// Replies that arrived in the inbox after their request gave up (or for no request).
    unmatched: AtomicU64,
    /// Set once any request was made: dispatch only looks up replies then.
    active: AtomicBool,
    subscribing: tokio::sync::Mutex<()>,
    shared: Arc<DriverShared>,
}

impl Replies {
    pub fn new(client_id: &str, shared: Arc<DriverShared>) -> Replies {
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
        Replies {
            inbox: format!("mqttgen/replies/{safe}"),
            pending: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            unmatched: AtomicU64::new(0),
            active: AtomicBool::new(false),
            subscribing: tokio::sync::Mutex::new(()),
            shared,
        }
    }

    fn pending(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (u64, oneshot::Sender<Message>)>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh reply topic in the inbox, with its correlation id.
    pub fn next_topic(&self) -> (String, u64) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (format!("{}/{n}", self.inbox), n)
    }

    /// The filter covering every inbox topic.
    pub fn inbox_filter(&self) -> String {
        format!("{}/+", self.inbox)
    }

    /// Registers a request waiting on `topic`; returns the reply receiver and the entry's id.
    pub fn register(&self, topic: &str) -> Result<(oneshot::Receiver<Message>, u64), Error> {
        let (tx, rx) = oneshot::channel();
        let mut pending = self.pending();
        if pending.contains_key(topic) {
            return Err(Error::Config(format!(
                "a request is already waiting for a reply on `{topic}`"
            )));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        pending.insert(topic.to_owned(), (id, tx));
        self.active.store(true, Ordering::Release);
        Ok((rx, id))
    }

    /// Removes the entry `id` for `topic`, if it is still there (not a later request's).
    pub fn forget(&self, topic: &str, id: u64) {
        let mut pending = self.pending();
        if pending.get(topic).is_some_and(|(entry, _)| *entry == id) {
            pending.remove(topic);
        }
    }

    /// Requests waiting for their reply.
    pub fn waiting(&self) -> usize {
        self.pending().len()
    }

    /// Replies that reached the inbox with no request waiting for them (counted and dropped).
    pub fn unmatched(&self) -> u64 {
        self.unmatched.load(Ordering::Relaxed)
    }

    /// Hands `msg` to the request waiting on its topic; gives it back if there is none.
    pub fn deliver(&self, msg: Message) -> Option<Message> {
        if !self.active.load(Ordering::Acquire) {
            return Some(msg);
        }
        let waiter = self.pending().remove(&msg.topic);
        match waiter {
            Some((_, tx)) => {
                let _ = tx.send(msg);
                None
            }
            None if msg.topic.starts_with(&self.inbox) => {
                self.unmatched.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(topic = %msg.topic, "reply arrived after its request gave up");
                None
            }
            None => Some(msg),
        }
    }

    /// Subscribes to `filter` (once; it is restored after reconnects like every route's filter)
    /// and waits for the broker's SUBACK.
    pub async fn ensure_subscribed(&self, filter: &str) -> Result<(), Error> {
        let _one_at_a_time = self.subscribing.lock().await;
        let added = {
            let mut filters = self.shared.filters();
            if filters.iter().any(|(f, _)| f == filter) {
                None
            } else {
                filters.push((filter.to_owned(), QoS::AtLeastOnce));
                let all = batches_from(&filters, self.shared.with_ids.load(Ordering::SeqCst));
                all.last().cloned()
            }
        };
        if let Some(batch) = added {
            self.shared.subs.send_modify(|s| s.waiting += 1);
            let _ = self.shared.subscribe_tx.send(vec![batch]);
        }
        let mut subs = self.shared.subs.subscribe();
        let status = subs
            .wait_for(|s| s.fatal.is_some() || (s.connected && s.waiting == 0))
            .await
            .map_err(|_| Error::Disconnected("the runtime stopped".into()))?
            .clone();
        if let Some(e) = status.fatal {
            return Err(e);
        }
        match status
            .failures
            .into_iter()
            .find(|e| matches!(e, Error::SubscribeFailed { filter: f, .. } if f == filter))
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
