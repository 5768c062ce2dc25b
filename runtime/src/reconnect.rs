//! Reconnect delays: jittered exponential backoff with a cap (rumqttc itself retries at once).

use crate::config::Backoff;
use rand::Rng;
use std::time::Duration;

/// The delay before reconnect attempt `attempt` (1-based).
pub(crate) fn delay(backoff: &Backoff, attempt: u32) -> Duration {
    let exp = backoff
        .multiplier
        .max(1.0)
        .powi(attempt.saturating_sub(1).min(64) as i32);
    let base = backoff.initial.as_secs_f64() * exp;
    let capped = base.min(backoff.max.as_secs_f64());
    let jitter = backoff.jitter.clamp(0.0, 1.0);
    let factor = if jitter > 0.0 {
        rand::rng().random_range(1.0 - jitter..=1.0 + jitter)
    } else {
        1.0
    };
    Duration::from_secs_f64((capped * factor).min(backoff.max.as_secs_f64()).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_caps() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
            multiplier: 2.0,
            jitter: 0.0,
        };
        assert_eq!(delay(&b, 1), Duration::from_millis(100));
        assert_eq!(delay(&b, 3), Duration::from_millis(400));
        assert_eq!(delay(&b, 30), Duration::from_secs(2));
        let j = Backoff { jitter: 0.5, ..b };
        for _ in 0..100 {
            let d = delay(&j, 2);
            assert!(
                d >= Duration::from_millis(100) && d <= Duration::from_millis(300),
                "{d:?}"
            );
        }
    }
}
