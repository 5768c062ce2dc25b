//! The connection's state as the service reports it ([`ConnectionState`]).

use crate::Error;

/// Connection state, observable with [`RunningApp::state`](crate::RunningApp::state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// First connection attempt in progress.
    Connecting,
    /// Connected; `session_present` tells whether the broker resumed a previous session.
    Connected {
        /// The broker kept the session (subscriptions, queued messages).
        session_present: bool,
    },
    /// Connection lost; waiting before attempt `attempt`.
    Reconnecting {
        /// Failed attempts so far.
        attempt: u32,
        /// Why the last attempt failed.
        error: String,
    },
    /// Gave up: the error is not retryable (e.g. bad credentials).
    Failed {
        /// The fatal error.
        error: Error,
    },
    /// Shut down.
    Stopped,
}

impl ConnectionState {
    /// True while connected.
    pub fn is_connected(&self) -> bool {
        matches!(self, ConnectionState::Connected { .. })
    }
}
