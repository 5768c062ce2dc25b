//! The requests waiting for replies, keyed by reply topic and correlation id: a reply goes only
//! to the request whose correlation id it carries.

use crate::{Error, Location, LocationExt, Message};
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// One request waiting for its reply.
struct Waiter {
    id: u64,
    tx: oneshot::Sender<Message>,
}

/// The requests waiting on one reply topic.
struct Waiters {
    /// Where replies on this topic carry their correlation id.
    location: Location,
    /// A request that carries no correlation id: then it is the only one on the topic.
    uncorrelated: Option<Waiter>,
    by_correlation: HashMap<Bytes, Waiter>,
}

impl Waiters {
    fn is_empty(&self) -> bool {
        self.uncorrelated.is_none() && self.by_correlation.is_empty()
    }

    fn len(&self) -> usize {
        usize::from(self.uncorrelated.is_some()) + self.by_correlation.len()
    }
}

/// Identifies a registered request, to forget it when it ends.
#[derive(Debug)]
pub(crate) struct Ticket {
    topic: String,
    correlation: Option<Bytes>,
    id: u64,
}

/// What [`PendingReplies::take`] found for a message.
pub(crate) enum Taken {
    /// The request it answers (now removed).
    Waiter(oneshot::Sender<Message>),
    /// Requests wait on its topic, but none for its correlation id (or it has none).
    Unknown,
    /// No request waits on its topic.
    NotWaitedOn,
}

/// Pending requests, keyed by reply topic and correlation id.
#[derive(Default)]
pub(crate) struct PendingReplies {
    map: Mutex<HashMap<String, Waiters>>,
}

impl PendingReplies {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiters>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers request `id` waiting on `topic` for a reply carrying `correlation` (read at
    /// `location`). Refused when the reply could not be told apart from another request's: a
    /// request without correlation id must be alone on its topic, and correlation ids on one
    /// topic are unique and read from one place.
    pub fn register(
        &self,
        topic: &str,
        correlation: Option<Bytes>,
        location: &Location,
        id: u64,
    ) -> Result<(oneshot::Receiver<Message>, Ticket), Error> {
        let mut map = self.map();
        if let Some(waiters) = map.get(topic) {
            if waiters.uncorrelated.is_some() {
                return Err(Error::Config(format!(
                    "a request without a correlation id is already waiting for a reply on `{topic}`: replies there could not be told apart"
                )));
            }
            match &correlation {
                None => {
                    return Err(Error::Config(format!(
                        "{} request(s) with correlation ids are waiting for replies on `{topic}`; a request without one cannot wait there too",
                        waiters.len()
                    )))
                }
                Some(c) if waiters.by_correlation.contains_key(c) => {
                    return Err(Error::Config(format!(
                        "a request with correlation id `{}` is already waiting for a reply on `{topic}`",
                        String::from_utf8_lossy(c)
                    )))
                }
                Some(_) if waiters.location != *location => {
                    return Err(Error::Config(format!(
                        "requests waiting on `{topic}` read the correlation id from {}, this one from {location}",
                        waiters.location
                    )))
                }
                Some(_) => {}
            }
        }
        let (tx, rx) = oneshot::channel();
        let waiters = map.entry(topic.to_owned()).or_insert_with(|| Waiters {
            location: location.clone(),
            uncorrelated: None,
            by_correlation: HashMap::new(),
        });
        let waiter = Waiter { id, tx };
        match &correlation {
            Some(c) => {
                waiters.by_correlation.insert(c.clone(), waiter);
            }
            None => waiters.uncorrelated = Some(waiter),
        }
        let ticket = Ticket {
            topic: topic.to_owned(),
            correlation,
            id,
        };
        Ok((rx, ticket))
    }

    /// Removes the request of `ticket`, if it is still waiting (never another request's entry).
    pub fn forget(&self, ticket: &Ticket) {
        let mut map = self.map();
        let Some(waiters) = map.get_mut(&ticket.topic) else {
            return;
        };
        let mine = |w: &Waiter| w.id == ticket.id;
        match &ticket.correlation {
            Some(c) => {
                if waiters.by_correlation.get(c).is_some_and(mine) {
                    waiters.by_correlation.remove(c);
                }
            }
            None => {
                if waiters.uncorrelated.as_ref().is_some_and(mine) {
                    waiters.uncorrelated = None;
                }
            }
        }
        if waiters.is_empty() {
            map.remove(&ticket.topic);
        }
    }

    /// Requests waiting.
    pub fn len(&self) -> usize {
        self.map().values().map(Waiters::len).sum()
    }

    /// Removes and returns the request `msg` answers. Its correlation id is read where the
    /// topic's requests said, falling back to the MQTT 5 Correlation Data property.
    pub fn take(&self, msg: &Message) -> Taken {
        let mut map = self.map();
        let Some(waiters) = map.get_mut(&msg.topic) else {
            return Taken::NotWaitedOn;
        };
        let waiter = match waiters.uncorrelated.take() {
            Some(waiter) => Some(waiter),
            None => waiters
                .location
                .read_correlation(msg)
                .or_else(|| msg.properties.correlation_data.clone())
                .and_then(|c| waiters.by_correlation.remove(&c)),
        };
        if waiters.is_empty() {
            map.remove(&msg.topic);
        }
        match waiter {
            Some(waiter) => Taken::Waiter(waiter.tx),
            None => Taken::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(topic: &str, correlation: Option<&'static str>) -> Message {
        let mut msg = Message::new(topic, "reply");
        msg.properties.correlation_data = correlation.map(|c| Bytes::from_static(c.as_bytes()));
        msg
    }

    fn answer(pending: &PendingReplies, msg: Message) -> bool {
        match pending.take(&msg) {
            Taken::Waiter(tx) => tx.send(msg).is_ok(),
            Taken::Unknown | Taken::NotWaitedOn => false,
        }
    }

    #[test]
    fn replies_in_reverse_order_reach_their_own_requests() {
        let pending = PendingReplies::default();
        let at = Location::Property;
        let mut waiting: Vec<_> = (1..=3)
            .map(|n| {
                let c = Bytes::from(n.to_string());
                pending.register("replies", Some(c), &at, n).unwrap().0
            })
            .collect();
        assert_eq!(pending.len(), 3);
        for n in ["3", "2", "1"] {
            let mut msg = reply("replies", Some(n));
            msg.payload = Bytes::from(format!("for {n}"));
            assert!(answer(&pending, msg));
        }
        for (i, rx) in waiting.iter_mut().enumerate() {
            let got = rx.try_recv().expect("its reply");
            assert_eq!(got.payload, format!("for {}", i + 1));
        }
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn unknown_or_missing_correlation_reaches_nobody() {
        let pending = PendingReplies::default();
        let at = Location::header("correlationId");
        let (mut rx, _ticket) = pending
            .register("replies", Some(Bytes::from("a")), &at, 1)
            .unwrap();
        assert!(matches!(
            pending.take(&reply("replies", Some("b"))),
            Taken::Unknown
        ));
        assert!(matches!(
            pending.take(&reply("replies", None)),
            Taken::Unknown
        ));
        assert!(matches!(
            pending.take(&reply("elsewhere", Some("a"))),
            Taken::NotWaitedOn
        ));
        assert!(rx.try_recv().is_err());
        assert_eq!(pending.len(), 1);
        // The header wins over the property fallback.
        let mut msg = reply("replies", Some("zzz"));
        msg.properties
            .user_properties
            .push(("correlationId".into(), "a".into()));
        assert!(answer(&pending, msg));
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn forget_removes_only_its_own_entry() {
        let pending = PendingReplies::default();
        let at = Location::Property;
        let (_a, first) = pending
            .register("replies", Some(Bytes::from("1")), &at, 1)
            .unwrap();
        let (mut b, _second) = pending
            .register("replies", Some(Bytes::from("2")), &at, 2)
            .unwrap();
        pending.forget(&first);
        pending.forget(&first);
        assert_eq!(pending.len(), 1);
        assert!(answer(&pending, reply("replies", Some("2"))));
        assert!(b.try_recv().is_ok());
        // A ticket of an answered request does not remove a later request with its id reused.
        let (_c, _third) = pending
            .register("replies", Some(Bytes::from("1")), &at, 3)
            .unwrap();
        pending.forget(&first);
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn conflicting_requests_are_refused_with_a_reason() {
        let pending = PendingReplies::default();
        let at = Location::Property;
        let (mut alone, ticket) = pending.register("fixed", None, &at, 1).unwrap();
        for correlation in [None, Some(Bytes::from("x"))] {
            let error = pending
                .register("fixed", correlation, &at, 2)
                .unwrap_err()
                .to_string();
            assert!(error.contains("without a correlation id"), "{error}");
        }
        // The uncorrelated request takes whatever arrives on its topic.
        assert!(answer(&pending, reply("fixed", None)));
        assert!(alone.try_recv().is_ok());
        pending.forget(&ticket);

        pending
            .register("fixed", Some(Bytes::from("x")), &at, 3)
            .unwrap();
        let error = pending
            .register("fixed", Some(Bytes::from("x")), &at, 4)
            .unwrap_err()
            .to_string();
        assert!(error.contains("correlation id `x`"), "{error}");
        let error = pending
            .register("fixed", None, &at, 5)
            .unwrap_err()
            .to_string();
        assert!(error.contains("cannot wait there too"), "{error}");
        let error = pending
            .register(
                "fixed",
                Some(Bytes::from("y")),
                &Location::payload("/id"),
                6,
            )
            .unwrap_err()
            .to_string();
        assert!(error.contains("payload field `/id`"), "{error}");
        assert_eq!(pending.len(), 1);
    }
}
