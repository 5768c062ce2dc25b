//! The in-memory transport: a client of [`MemoryBroker`](crate::testing::MemoryBroker). It lives
//! with the broker (not under `transport/`), so the transport layer never imports `testing`.

use super::MemoryBroker;
use crate::transport::{AckToken, Client, Event, EventSource, SubscribeRequest};
use crate::{Error, Outgoing};
use futures::future::BoxFuture;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use tokio::sync::mpsc;

pub(crate) struct MemorySource {
    rx: mpsc::UnboundedReceiver<Event>,
    broker: MemoryBroker,
    client_id: String,
    /// The broker dropped the connection (fault injection): the next poll reconnects.
    dropped: bool,
}

impl EventSource for MemorySource {
    fn poll(&mut self) -> BoxFuture<'_, Result<Event, Error>> {
        Box::pin(async move {
            if self.dropped {
                self.dropped = false;
                let (tx, rx) = mpsc::unbounded_channel();
                self.rx = rx;
                self.broker.reconnect(&self.client_id, tx);
            }
            match self.rx.recv().await {
                Some(event) => Ok(event),
                None if self.broker.dropped_by_fault(&self.client_id) => {
                    self.dropped = true;
                    Err(Error::Connection(
                        "connection dropped by the in-memory broker's fault plan".into(),
                    ))
                }
                None => std::future::pending().await,
            }
        })
    }
}

pub(crate) struct MemoryClient {
    broker: MemoryBroker,
    client_id: String,
}

/// Connects a new client to `broker`.
pub(crate) fn connect(broker: &MemoryBroker, client_id: &str) -> crate::transport::Connection {
    let (tx, rx) = mpsc::unbounded_channel();
    broker.attach(client_id, tx);
    broker.start_faults();
    (
        Box::new(MemorySource {
            rx,
            broker: broker.clone(),
            client_id: client_id.to_owned(),
            dropped: false,
        }),
        Arc::new(MemoryClient {
            broker: broker.clone(),
            client_id: client_id.to_owned(),
        }),
    )
}

impl Client for MemoryClient {
    fn publish(&self, msg: Outgoing) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.broker.publish_from(Some(&self.client_id), msg);
            Ok(())
        })
    }

    fn subscribe(&self, filters: Vec<SubscribeRequest>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.broker.subscribe(&self.client_id, filters);
            Ok(())
        })
    }

    fn unsubscribe(&self, filter: String) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.broker.unsubscribe(&self.client_id, &filter);
            Ok(())
        })
    }

    fn ack(&self, token: AckToken, ok: bool) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.broker.complete(token.delivery, ok);
            Ok(())
        })
    }

    fn try_ack(&self, token: AckToken, ok: bool) -> bool {
        self.broker.complete(token.delivery, ok);
        true
    }

    fn disconnect(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.broker.detach(&self.client_id);
            Ok(())
        })
    }

    fn wants_all_completions(&self) -> bool {
        true
    }

    fn uses_subscription_ids(&self) -> bool {
        true
    }

    fn attach_pending(&self, pending: Arc<AtomicUsize>) {
        self.broker.track_pending(pending);
    }
}
