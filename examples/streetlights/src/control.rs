//! The service's business logic: turn lamps on in the dark, off in daylight, dim in between.

use crate::app::{
    types::{
        DimPayload, DimPayloadCommand, LightMeasuredPayload, TurnOffPayload, TurnOffPayloadCommand,
        TurnOnPayload, TurnOnPayloadCommand,
    },
    Handler, LightCommandParams, LightMeasuredParams, MessageContext, SendLightCommandMessage,
};

/// Below this many lumens a lamp is switched fully on.
pub const DARK_LUMENS: u32 = 100;
/// Above this many lumens a lamp is switched off.
pub const DAYLIGHT_LUMENS: u32 = 1_000;

/// Implements the generated `Handler`: one method per operation the service receives.
#[derive(Debug, Default, Clone)]
pub struct LightControl;

/// The command for a measured light level.
pub fn command_for(lumens: u32) -> SendLightCommandMessage {
    if lumens < DARK_LUMENS {
        SendLightCommandMessage::TurnOn(TurnOnPayload {
            command: TurnOnPayloadCommand::TurnOn,
        })
    } else if lumens > DAYLIGHT_LUMENS {
        SendLightCommandMessage::TurnOff(TurnOffPayload {
            command: TurnOffPayloadCommand::TurnOff,
        })
    } else {
        // Linear: 100 lm → 100 %, 1000 lm → 0 %.
        let span = DAYLIGHT_LUMENS - DARK_LUMENS;
        let percentage = (DAYLIGHT_LUMENS - lumens) * 100 / span;
        SendLightCommandMessage::Dim(DimPayload {
            command: DimPayloadCommand::Dim,
            percentage: percentage.min(100) as u8,
        })
    }
}

/// Sends the lamp that measured `lumens` its command ([`command_for`]); returns the command.
/// The whole of [`LightControl`]'s work, shared with the counters of [`crate::counting`].
pub async fn answer(
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

impl Handler for LightControl {
    async fn receive_light_measured(
        &self,
        params: LightMeasuredParams,
        message: LightMeasuredPayload,
        context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        println!(
            "service: lamp {}/{} measured {} lm at {}",
            params.district, params.light_id, message.lumens, message.sent_at
        );
        answer(params, message.lumens, &context).await?;
        Ok(())
    }
}
