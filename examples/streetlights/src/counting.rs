//! Maintenance counters: how often each lamp was switched on. Two versions of the same handler,
//! to show what duplicate delivery does to business logic (see `tests/faults.rs`):
//!
//! * [`NaiveSwitchOnCounter`] adds one for every measurement that switches a lamp on. Under
//!   QoS 1 a broker may deliver a measurement twice (a lost acknowledgement, a reconnect), and
//!   the count is then too high. Fault-injection tests catch it.
//! * [`SwitchOnCounter`] is idempotent: each lamp's measurements carry `sentAt`, which only
//!   grows, so a measurement not newer than the last one counted for that lamp is a redelivery
//!   and is not counted again. (The command is still sent: switching a lamp on twice is harmless.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};

use crate::app::{
    types::LightMeasuredPayload, Handler, LightCommandParams, LightMeasuredParams, MessageContext,
    SendLightCommandMessage,
};
use crate::control::command_for;

/// Counts switch-ons per lamp, once per delivery: wrong under redelivery.
#[derive(Debug, Default, Clone)]
pub struct NaiveSwitchOnCounter {
    counts: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl NaiveSwitchOnCounter {
    /// Switch-ons per lamp id.
    pub fn switch_ons(&self) -> BTreeMap<String, u32> {
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

impl SwitchOnCounter {
    /// Switch-ons per lamp id.
    pub fn switch_ons(&self) -> BTreeMap<String, u32> {
        self.state
            .lock()
            .map(|s| s.iter().map(|(id, (n, _))| (id.clone(), *n)).collect())
            .unwrap_or_default()
    }
}

/// Sends the command for a measurement.
async fn command(
    params: LightMeasuredParams,
    lumens: u32,
    context: &MessageContext<()>,
) -> Result<SendLightCommandMessage, mqttgen::HandlerError> {
    let target = LightCommandParams {
        district: params.district,
        light_id: params.light_id,
    };
    let command = command_for(lumens);
    context
        .publisher()
        .send_light_command(&target, &command)
        .await?;
    Ok(command)
}

impl Handler for NaiveSwitchOnCounter {
    async fn receive_light_measured(
        &self,
        params: LightMeasuredParams,
        message: LightMeasuredPayload,
        context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        let id = params.light_id.clone();
        if let SendLightCommandMessage::TurnOn(_) =
            command(params, message.lumens, &context).await?
        {
            if let Ok(mut counts) = self.counts.lock() {
                *counts.entry(id).or_default() += 1;
            }
        }
        Ok(())
    }
}

impl Handler for SwitchOnCounter {
    async fn receive_light_measured(
        &self,
        params: LightMeasuredParams,
        message: LightMeasuredPayload,
        context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        let id = params.light_id.clone();
        let turned_on = matches!(
            command(params, message.lumens, &context).await?,
            SendLightCommandMessage::TurnOn(_)
        );
        if let Ok(mut state) = self.state.lock() {
            let entry = state
                .entry(id)
                .or_insert((0, DateTime::<FixedOffset>::MIN_UTC.fixed_offset()));
            if message.sent_at > entry.1 {
                entry.1 = message.sent_at;
                if turned_on {
                    entry.0 += 1;
                }
            }
        }
        Ok(())
    }
}
