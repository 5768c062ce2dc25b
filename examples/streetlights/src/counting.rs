//! Maintenance counters: how often each lamp was switched on. Two versions of the same handler,
//! to show what duplicate delivery does to business logic (see `tests/faults.rs`):
//!
//! * [`NaiveSwitchOnCounter`] adds one for every measurement that switches a lamp on. Under
//!   QoS 1 a broker may deliver a measurement twice (a lost acknowledgement, a reconnect), and
//!   the count is then too high. Fault-injection tests catch it.
//! * [`SwitchOnCounter`] is idempotent: each lamp's measurements carry `sentAt`, which only
//!   grows, so a measurement not newer than the last one counted for that lamp is a redelivery
//!   and is not counted again. (The command is still sent: switching a lamp on twice is harmless.)
//!
//! Both are a [`Tally`]; the one `Handler` of every tally answers the measurement (as
//! [`crate::control::LightControl`] does) and then tells the tally about it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};

use crate::app::{
    types::LightMeasuredPayload, Handler, LightMeasuredParams, MessageContext,
    SendLightCommandMessage,
};
use crate::control::answer;

/// A switch-on counter: what the service's `Handler` tells it about each measurement.
pub trait Tally: Clone + Default + Send + Sync + 'static {
    /// Lamp `id` measured at `sent_at`; `switched_on` when the command sent turns the lamp on.
    fn measured(&self, id: String, sent_at: DateTime<FixedOffset>, switched_on: bool);
    /// Switch-ons per lamp id.
    fn switch_ons(&self) -> BTreeMap<String, u32>;
}

impl<T: Tally> Handler for T {
    async fn receive_light_measured(
        &self,
        params: LightMeasuredParams,
        message: LightMeasuredPayload,
        context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        let id = params.light_id.clone();
        let command = answer(params, message.lumens, &context).await?;
        let switched_on = matches!(command, SendLightCommandMessage::TurnOn(_));
        self.measured(id, message.sent_at, switched_on);
        Ok(())
    }
}

/// Counts switch-ons per lamp, once per delivery: wrong under redelivery.
#[derive(Debug, Default, Clone)]
pub struct NaiveSwitchOnCounter {
    counts: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl Tally for NaiveSwitchOnCounter {
    fn measured(&self, id: String, _sent_at: DateTime<FixedOffset>, switched_on: bool) {
        if !switched_on {
            return;
        }
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(id).or_default() += 1;
        }
    }

    fn switch_ons(&self) -> BTreeMap<String, u32> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// Counts switch-ons per lamp, once per measurement (keyed by the lamp's `sentAt`).
#[derive(Debug, Default, Clone)]
pub struct SwitchOnCounter {
    /// Per lamp id: switch-ons, and the newest measurement counted.
    state: Arc<Mutex<BTreeMap<String, Counted>>>,
}

/// One lamp's switch-ons and the `sentAt` of the newest measurement counted.
type Counted = (u32, DateTime<FixedOffset>);

impl Tally for SwitchOnCounter {
    fn measured(&self, id: String, sent_at: DateTime<FixedOffset>, switched_on: bool) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let entry = state
            .entry(id)
            .or_insert((0, DateTime::<FixedOffset>::MIN_UTC.fixed_offset()));
        // Not newer than the last one counted: a redelivery.
        if sent_at > entry.1 {
            entry.1 = sent_at;
            if switched_on {
                entry.0 += 1;
            }
        }
    }

    fn switch_ons(&self) -> BTreeMap<String, u32> {
        self.state
            .lock()
            .map(|s| s.iter().map(|(id, (n, _))| (id.clone(), *n)).collect())
            .unwrap_or_default()
    }
}
