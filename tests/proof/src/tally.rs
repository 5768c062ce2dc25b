//! [`Tally`]: which messages a handler saw, and how often.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Counts deliveries of numbered messages: distinct numbers and duplicates. Cheap to clone;
/// clones share the counts.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    seen: HashSet<u64>,
    deliveries: u64,
    order: Vec<u64>,
}

impl Tally {
    /// Records one delivery of message `n`.
    pub fn record(&self, n: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.deliveries += 1;
        inner.seen.insert(n);
        inner.order.push(n);
    }

    /// Distinct messages seen.
    pub fn distinct(&self) -> u64 {
        self.lock().seen.len() as u64
    }

    /// Deliveries, duplicates included.
    pub fn deliveries(&self) -> u64 {
        self.lock().deliveries
    }

    /// Deliveries of a message already seen.
    pub fn duplicates(&self) -> u64 {
        let inner = self.lock();
        inner.deliveries - inner.seen.len() as u64
    }

    /// How many of `0..total` were never seen.
    pub fn missing(&self, total: u64) -> u64 {
        let inner = self.lock();
        (0..total).filter(|n| !inner.seen.contains(n)).count() as u64
    }

    /// Every delivery in the order the handler saw them.
    pub fn order(&self) -> Vec<u64> {
        self.lock().order.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
