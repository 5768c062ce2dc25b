//! What the service reports to the user's error hook ([`Failure`]) and the hook settings
//! ([`Hooks`]: error hook, dead-letter topic). Every layer reports here; it imports no layer.

use std::sync::Arc;

use crate::{Error, HandlerError, Message};

/// Something that went wrong while the service runs, handed to the [`App::on_error`](crate::App::on_error) hook.
#[derive(Debug)]
#[non_exhaustive]
pub enum Failure<'a> {
    /// A handler returned an error (decode errors included) or panicked.
    Handler {
        /// Route name.
        route: &'a str,
        /// The message it was handling.
        message: &'a Message,
        /// The error.
        error: &'a HandlerError,
    },
    /// A route's queue was full and its [`Overflow`](crate::Overflow) policy dropped this
    /// message (acknowledged, counted in [`Stats::dropped_overflow`]).
    Dropped {
        /// Route name.
        route: &'a str,
        /// The dropped message.
        message: &'a Message,
    },
    /// A message arrived on a topic that is not valid UTF-8 (or contains wildcards); dropped.
    InvalidTopic {
        /// The raw topic bytes.
        raw: &'a [u8],
    },
    /// The broker refused a subscription.
    Subscribe {
        /// [`Error::SubscribeFailed`].
        error: &'a Error,
    },
    /// A publish failed or was rejected by the broker.
    Publish {
        /// The error.
        error: &'a Error,
    },
    /// A handler's reply to a peer's address was not published: the route's
    /// [`ReplyTo`](crate::ReplyTo) policy refuses the topic the request named
    /// ([`Error::ReplyRefused`]). The request itself was handled and is acknowledged.
    ReplyRefused {
        /// Route name.
        route: &'a str,
        /// The request.
        request: &'a Message,
        /// [`Error::ReplyRefused`], naming the topic and the rule.
        error: &'a Error,
    },
    /// The connection failed or was lost.
    Connection {
        /// The error.
        error: &'a Error,
    },
}

type Hook = dyn Fn(&Failure<'_>) + Send + Sync;

/// Error hook and dead-letter settings.
#[derive(Default)]
pub(crate) struct Hooks {
    pub on_error: Option<Arc<Hook>>,
    pub dead_letter: Option<String>,
    /// Told about every message a handler is done with ([`App::observe_handled`](crate::App::observe_handled)).
    pub handled: Option<crate::handled::HandledLog>,
}

impl Hooks {
    pub fn report(&self, failure: Failure<'_>) {
        if let Some(hook) = &self.on_error {
            hook(&failure);
        }
    }
}
