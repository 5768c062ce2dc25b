//! The generated streetlights service (`streetlights::app`) with test business logic, and the
//! generated lamp side (`streetlights::lamp`) as the publisher of numbered measurements.
//!
//! Message `n` is a measurement of `n` lumens from lamp `lamp-{n % 100}`: the handler records
//! `lumens` in a [`Tally`], so losses and duplicates can be counted.

use crate::tally::Tally;
use mqttgen::{Error, HandlerError};
use std::time::Duration;
use streetlights::app::{self, types::LightMeasuredPayload, LightMeasuredParams, MessageContext};
use streetlights::lamp;

/// Implements the generated service `Handler`: records every measurement's `lumens` in a
/// [`Tally`], after sleeping `delay` (a slow handler) if set.
#[derive(Debug, Clone, Default)]
pub struct CountingLights {
    /// What the handler saw.
    pub tally: Tally,
    /// Time each message takes to handle.
    pub delay: Option<Duration>,
}

impl CountingLights {
    /// A handler that takes `delay` per message.
    pub fn slow(delay: Duration) -> CountingLights {
        CountingLights {
            delay: Some(delay),
            ..CountingLights::default()
        }
    }

    /// The service's router: the generated `mount` with this handler.
    pub fn router(&self) -> mqttgen::Router {
        app::mount(self.clone())
    }
}

impl app::Handler for CountingLights {
    async fn receive_light_measured(
        &self,
        _params: LightMeasuredParams,
        message: LightMeasuredPayload,
        _context: MessageContext<()>,
    ) -> Result<(), HandlerError> {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        self.tally.record(u64::from(message.lumens));
        Ok(())
    }
}

/// The topic parameters of message `n` (lamp side).
pub fn params(n: u32) -> lamp::LightMeasuredParams {
    lamp::LightMeasuredParams {
        district: lamp::District::North,
        light_id: format!("lamp-{}", n % 100),
    }
}

/// The payload of message `n`: `n` lumens (the schema allows up to 100 000).
pub fn reading(n: u32) -> LightMeasuredPayload {
    LightMeasuredPayload {
        lumens: n,
        sent_at: chrono::DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .expect("a valid timestamp"),
    }
}

/// The JSON text of message `n`, for publishers that are not generated code.
pub fn reading_json(n: u32) -> String {
    format!(r#"{{"lumens":{n},"sentAt":"2026-11-22T00:00:00Z"}}"#)
}

/// Queues messages `range` through the generated lamp publisher (QoS 1 from the spec). Returns
/// once they are in the runtime's outbox, not when the broker has them.
pub async fn publish_readings(
    publisher: &lamp::Publisher,
    range: std::ops::Range<u32>,
) -> Result<(), Error> {
    for n in range {
        publisher
            .send_light_measured(&params(n), &lamp_reading(n))
            .await?;
    }
    Ok(())
}

/// The lamp side's payload type for message `n` (the same schema, generated for the client).
fn lamp_reading(n: u32) -> lamp::types::LightMeasuredPayload {
    let r = reading(n);
    lamp::types::LightMeasuredPayload {
        lumens: r.lumens,
        sent_at: r.sent_at,
    }
}

/// The JSON text of message `n` padded to `size` bytes with an extra `pad` field (ignored by
/// the generated payload type).
pub fn padded_reading_json(n: u32, size: usize) -> String {
    let bare = reading_json(n);
    let pad = size.saturating_sub(bare.len() + r#","pad":"""#.len());
    format!(
        r#"{{"lumens":{n},"sentAt":"2026-11-22T00:00:00Z","pad":"{}"}}"#,
        "x".repeat(pad)
    )
}
