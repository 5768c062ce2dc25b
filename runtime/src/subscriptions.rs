//! What the driver shares with request/reply about subscriptions: the filters to (re)subscribe,
//! the subscription status and the channel to the subscriber task. A layer below both
//! `driver` and `request`, so request/reply does not import the driver.

use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use tokio::sync::{mpsc, watch};

use crate::transport::SubscribeRequest;
use crate::{Error, QoS};

/// Subscription progress, observable through [`RunningApp::ready`](crate::RunningApp::ready).
#[derive(Debug, Clone, Default)]
pub(crate) struct SubStatus {
    /// Connected at least once.
    pub connected: bool,
    /// SUBSCRIBE packets not yet acknowledged.
    pub waiting: usize,
    /// Refused filters.
    pub failures: Vec<Error>,
    /// The driver stopped for good with this error.
    pub fatal: Option<Error>,
}

/// Work for the subscriber task, done in the order it was asked for.
pub(crate) enum SubCmd {
    /// SUBSCRIBE packets to send.
    Subscribe(Vec<Vec<SubscribeRequest>>),
    /// A filter to UNSUBSCRIBE from (already removed from `DriverShared::filters`).
    Unsubscribe(String),
}

/// The subscription state shared by the driver, the subscriber task and request/reply.
pub(crate) struct Subscriptions {
    pub subs: watch::Sender<SubStatus>,
    /// Every distinct filter to (re)subscribe, in subscription-identifier order.
    pub filters: Mutex<Vec<(String, QoS)>>,
    /// Send MQTT 5 subscription identifiers (cleared if the broker does not support them).
    pub with_ids: AtomicBool,
    /// To the subscriber task.
    pub subscribe_tx: mpsc::UnboundedSender<SubCmd>,
}

impl Subscriptions {
    pub(crate) fn filters(&self) -> std::sync::MutexGuard<'_, Vec<(String, QoS)>> {
        self.filters.lock().unwrap_or_else(|p| p.into_inner())
    }
}
