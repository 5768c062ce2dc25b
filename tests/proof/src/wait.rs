//! Waiting on conditions (never on durations) with a generous deadline.

use std::time::Duration;

/// Polls `done` every 10 ms until it holds; panics after `timeout` with `what` and the
/// `progress` text of that moment.
pub async fn wait_until(
    what: &str,
    timeout: Duration,
    mut done: impl FnMut() -> bool,
    progress: impl Fn() -> String,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}; {}",
            progress()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
