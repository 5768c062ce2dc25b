//! A lamp simulator built from the client side of the same spec: it reports light levels and
//! records the commands the service sends back.

use std::sync::{Arc, Mutex};

use crate::lamp::District;
use crate::lamp::{
    types::LightMeasuredPayload, Handler, LightCommandParams, LightMeasuredParams, MessageContext,
    Publisher, SendLightCommandMessage,
};

/// What a lamp was told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LampState {
    /// Fully on.
    On,
    /// Off.
    Off,
    /// Dimmed to a percentage.
    Dimmed(u8),
}

/// Implements the lamp side's generated `Handler`: it handles the commands the service sends.
#[derive(Debug, Default, Clone)]
pub struct Lamp {
    /// Every command received, in order: (lamp id, new state).
    pub log: Arc<Mutex<Vec<(String, LampState)>>>,
}

impl Handler for Lamp {
    async fn receive_light_command(
        &self,
        params: LightCommandParams,
        message: SendLightCommandMessage,
        _context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        let state = match message {
            SendLightCommandMessage::TurnOn(_) => LampState::On,
            SendLightCommandMessage::TurnOff(_) => LampState::Off,
            SendLightCommandMessage::Dim(dim) => LampState::Dimmed(dim.percentage),
        };
        println!(
            "lamp {}/{}: now {:?}",
            params.district, params.light_id, state
        );
        if let Ok(mut log) = self.log.lock() {
            log.push((params.light_id, state));
        }
        Ok(())
    }
}

/// Publishes one measurement from lamp `light_id` in `district`.
pub async fn report(
    publisher: &Publisher,
    district: District,
    light_id: &str,
    lumens: u32,
) -> Result<(), mqttgen::Error> {
    let params = LightMeasuredParams {
        district,
        light_id: light_id.to_string(),
    };
    let reading = LightMeasuredPayload {
        lumens,
        sent_at: chrono::Utc::now().fixed_offset(),
    };
    publisher.send_light_measured(&params, &reading).await
}
