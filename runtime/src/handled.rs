//! A signal that a route's handler is done with a message: what the testing kit
//! ([`crate::kit`]) waits on after delivering one, and what it reports when the handler
//! failed.
//!
//! [`App::observe_handled`](crate::App::observe_handled) attaches a [`HandledLog`]; the worker records an entry after the
//! handler returned, its reply (if any) was handed to the outbox and the message was
//! acknowledged — so once an entry is there, everything the handler published is on its way.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::{Error, HandlerError, Outgoing};

/// How a handler finished with one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The handler returned `Ok`.
    Handled,
    /// The topic parameters, payload or headers did not decode (the handler was not called).
    DecodeFailed(String),
    /// The handler returned an error (or panicked).
    Failed(String),
}

impl Outcome {
    pub(crate) fn of(result: &Result<Option<Outgoing>, HandlerError>) -> Outcome {
        match result {
            Ok(_) => Outcome::Handled,
            Err(HandlerError::Decode(error)) => Outcome::DecodeFailed(error.to_string()),
            Err(error) => Outcome::Failed(error.to_string()),
        }
    }
}

/// One message a route's handler is done with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handled {
    /// The route's name (the operation id for generated routes).
    pub route: String,
    /// The topic the message arrived on.
    pub topic: String,
    /// How the handler finished.
    pub outcome: Outcome,
}

/// Every message the handlers of an app are done with, in order. Cheap to clone (one log).
#[derive(Clone, Debug)]
pub struct HandledLog {
    entries: Arc<Mutex<Vec<Handled>>>,
    count: Arc<watch::Sender<usize>>,
}

impl Default for HandledLog {
    fn default() -> Self {
        HandledLog {
            entries: Arc::default(),
            count: Arc::new(watch::channel(0).0),
        }
    }
}

impl HandledLog {
    /// An empty log.
    pub fn new() -> HandledLog {
        HandledLog::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Handled>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn record(&self, route: &str, topic: &str, outcome: Outcome) {
        let len = {
            let mut entries = self.lock();
            entries.push(Handled {
                route: route.to_owned(),
                topic: topic.to_owned(),
                outcome,
            });
            entries.len()
        };
        self.count.send_replace(len);
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True before the first entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries from position `from` on.
    pub fn since(&self, from: usize) -> Vec<Handled> {
        self.lock().get(from..).unwrap_or_default().to_vec()
    }

    /// Waits until `test` accepts the entries from position `from` on, and returns them;
    /// [`Error::Timeout`] after `timeout`.
    pub async fn wait_for(
        &self,
        from: usize,
        timeout: Duration,
        test: impl Fn(&[Handled]) -> bool,
    ) -> Result<Vec<Handled>, Error> {
        let mut changes = self.count.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                let entries = self.since(from);
                if test(&entries) {
                    return entries;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .map_err(|_| Error::Timeout(timeout))
    }
}
