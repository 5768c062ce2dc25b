//! The generic half of the generated test kits: a handler mounted on a [`MemoryBroker`], typed
//! deliveries that wait until the handler is done, typed expectations on what it published.
//!
//! Every generated service module has a `testing` module (compiled under `cfg(test)` or the
//! generated crate's `testing` feature) whose `Harness` wraps a [`Kit`] with one typed method
//! per operation; messages go through the module's own encoders and decoders, exactly as on the
//! wire. A [`Kit`] can also be used directly with a hand-written [`Router`].
//!
//! Failures of the harness itself (a message that never got handled, an expectation that timed
//! out or did not decode, a mismatch) panic with a message naming the operation and what was
//! published instead: the kit is meant for tests. What the handler made of a message is a value
//! ([`Rejected`]), so the error path can be tested too.

use std::fmt::{self, Debug};
use std::sync::Mutex;
use std::time::Duration;

use super::Defaults;
use crate::handled::{Handled, HandledLog, Outcome};
pub use crate::testing::MemoryBroker;
use crate::{
    topic, App, DecodeError, Error, Location, Message, Outgoing, PublishOptions, Publisher,
    RequestOptions, Router, RunningApp, TopicParams,
};

/// How long a [`Kit`] waits for a handler or an expected publish unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A handler mounted on an in-memory broker, and what it published. See the module docs.
pub struct Kit {
    broker: MemoryBroker,
    app: RunningApp,
    peer: RunningApp,
    handled: HandledLog,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Per entry of the broker's publish log: already accounted for (sent by the kit, or
    /// matched by an expectation).
    seen: Vec<bool>,
    timeout: Option<Duration>,
    /// The last request each operation's expectation returned, for [`Kit::reply`].
    requests: Vec<(String, Message)>,
}

impl Debug for Kit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kit")
            .field("broker", &self.broker)
            .field("handled", &self.handled.len())
            .finish()
    }
}

/// The handler did not accept a delivered message: it failed, or the message did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The route (operation id) that rejected it.
    pub route: String,
    /// What happened.
    pub outcome: Outcome,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::DecodeFailed(why) => write!(f, "`{}`: did not decode: {why}", self.route),
            Outcome::Failed(why) => write!(f, "`{}`: the handler failed: {why}", self.route),
            Outcome::Handled => write!(f, "`{}`: handled", self.route),
        }
    }
}

impl std::error::Error for Rejected {}

/// The topic parameters `P` of `message`'s topic and its payload decoded with `decode`: what a
/// generated harness's `expect_` methods return for an address with parameters.
pub fn params_and<P: TopicParams, T>(
    message: &Message,
    decode: impl Fn(&Message) -> Result<T, DecodeError>,
) -> Result<(P, T), DecodeError> {
    Ok((P::parse(&message.topic)?, decode(message)?))
}

impl Kit {
    /// Starts `router` on a new [`MemoryBroker`] and waits until it is subscribed.
    pub async fn start(router: Router) -> Kit {
        Kit::start_on(&MemoryBroker::new(), router).await
    }

    /// Starts `router` on `broker` (configured beforehand, e.g. with faults) and waits until it
    /// is subscribed.
    pub async fn start_on(broker: &MemoryBroker, router: Router) -> Kit {
        let handled = HandledLog::new();
        let app = App::in_memory(broker)
            .observe_handled(handled.clone())
            .mount(router)
            .start()
            .await
            .unwrap_or_else(|e| panic!("test kit: the handler's app did not start: {e}"));
        let peer = App::in_memory(broker)
            .start()
            .await
            .unwrap_or_else(|e| panic!("test kit: the requesting app did not start: {e}"));
        for running in [&app, &peer] {
            running
                .ready(DEFAULT_TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("test kit: not subscribed: {e}"));
        }
        let kit = Kit {
            broker: broker.clone(),
            app,
            peer,
            handled,
            state: Mutex::default(),
        };
        // What was published before (retained messages, the setup's own) is not the handler's.
        let published = kit.broker.published().len();
        kit.lock().seen = vec![true; published];
        kit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The broker the handler runs on.
    pub fn broker(&self) -> &MemoryBroker {
        &self.broker
    }

    /// The handler's running app.
    pub fn app(&self) -> &RunningApp {
        &self.app
    }

    /// The handler's app's publisher (what code outside handlers publishes with).
    pub fn publisher(&self) -> Publisher {
        self.app.publisher()
    }

    /// Every message the handler is done with so far.
    pub fn handled(&self) -> &HandledLog {
        &self.handled
    }

    /// How long deliveries and expectations wait (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(&self) -> Duration {
        self.lock().timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// Changes how long deliveries and expectations wait.
    pub fn set_timeout(&self, timeout: Duration) {
        self.lock().timeout = Some(timeout);
    }

    /// Stops both apps.
    pub async fn shutdown(self) {
        let timeout = self.timeout();
        let _ = self.peer.shutdown(timeout).await;
        let _ = self.app.shutdown(timeout).await;
    }

    /// Publishes `outgoing` (built by operation `op`'s encoder) with the operation's `defaults`
    /// and the caller's `options`, as a peer would, and waits until the handler is done with
    /// it and what it published reached the broker. `Err` when the handler failed or the message
    /// did not decode.
    pub async fn deliver(
        &self,
        op: &str,
        outgoing: Result<Outgoing, Error>,
        options: PublishOptions,
        defaults: Defaults,
    ) -> Result<(), Rejected> {
        let outgoing = outgoing
            .unwrap_or_else(|e| panic!("test kit: `{op}`: could not encode the message: {e}"));
        let outgoing = options.apply(
            outgoing,
            defaults.qos,
            defaults.retain,
            defaults.message_expiry,
        );
        let topic = outgoing.topic.clone();
        let before = self.handled.len();
        let mark = self.broker.published().len();
        self.broker.publish(outgoing).await;
        self.mark_own(mark, &topic);
        let timeout = self.timeout();
        self.handled
            .wait_for(before, timeout, |entries| {
                entries.iter().any(|entry| entry.topic == topic)
            })
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "test kit: `{op}`: no handler was done with the message on `{topic}` within {timeout:?}"
                )
            });
        self.settle(op).await;
        match self
            .handled
            .since(before)
            .into_iter()
            .filter(|entry| entry.topic == topic)
            .find(|entry| entry.outcome != Outcome::Handled)
        {
            Some(Handled { route, outcome, .. }) => Err(Rejected { route, outcome }),
            None => Ok(()),
        }
    }

    /// Publishes `payload` as it is (no encoder, no check) on operation `op`'s `topic`, as a
    /// misbehaving peer would, waits until the runtime is done with it and panics unless it was
    /// rejected before reaching the handler ([`Outcome::DecodeFailed`]: the handler was not
    /// called) and nothing was published in response. Returns the decoder's reason.
    pub async fn assert_rejects(
        &self,
        op: &str,
        topic: Result<String, Error>,
        payload: &[u8],
        defaults: Defaults,
    ) -> String {
        let topic =
            topic.unwrap_or_else(|e| panic!("test kit: `{op}`: could not build the topic: {e}"));
        let outgoing = Outgoing::new(topic, bytes::Bytes::copy_from_slice(payload));
        let before = self.unexpected().len();
        let delivered = self
            .deliver(op, Ok(outgoing), PublishOptions::default(), defaults)
            .await;
        let shown = String::from_utf8_lossy(payload);
        let reason = match delivered {
            Err(Rejected {
                outcome: Outcome::DecodeFailed(reason),
                ..
            }) => reason,
            Err(rejected) => panic!(
                "test kit: `{op}`: the payload should have been rejected before the handler, \
                 but the handler was called: {rejected}\npayload: {shown}"
            ),
            Ok(()) => panic!(
                "test kit: `{op}`: the payload should have been rejected, but the handler \
                 accepted it\npayload: {shown}"
            ),
        };
        let after = self.unexpected();
        if after.len() > before {
            panic!(
                "test kit: `{op}`: a rejected payload was answered; {}",
                describe(&after[before..])
            );
        }
        reason
    }

    /// Sends the request `outgoing` of operation `op` as a requester would (private reply
    /// topic, correlation data; `request` names the spec's correlation id and reply address
    /// locations) and returns the decoded reply.
    pub async fn request<T>(
        &self,
        op: &str,
        outgoing: Result<Outgoing, Error>,
        options: PublishOptions,
        defaults: Defaults,
        request: RequestOptions,
        decode: impl Fn(&Message) -> Result<T, DecodeError>,
    ) -> T {
        let outgoing = outgoing
            .unwrap_or_else(|e| panic!("test kit: `{op}`: could not encode the request: {e}"));
        let options = match options.timeout {
            Some(_) => options,
            None => options.timeout(self.timeout()),
        };
        let mark = self.broker.published().len();
        let topic = outgoing.topic.clone();
        let reply = super::request(&self.peer.publisher(), outgoing, options, defaults, request)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "test kit: `{op}`: no reply: {e}{}",
                    self.rejection_note(&topic)
                )
            });
        self.mark_own(mark, &topic);
        self.mark_own(mark, &reply.topic);
        self.settle(op).await;
        decode(&reply).unwrap_or_else(|e| {
            panic!(
                "test kit: `{op}`: the reply on `{}` does not decode: {e}\npayload: {}",
                reply.topic,
                String::from_utf8_lossy(&reply.payload)
            )
        })
    }

    /// Why a handler may not have answered: its last failure on `topic`, if any.
    fn rejection_note(&self, topic: &str) -> String {
        self.handled
            .since(0)
            .into_iter()
            .rev()
            .find(|entry| entry.topic == topic && entry.outcome != Outcome::Handled)
            .map(|entry| {
                let rejected = Rejected {
                    route: entry.route,
                    outcome: entry.outcome,
                };
                format!(" ({rejected})")
            })
            .unwrap_or_default()
    }

    /// Marks the first unmarked publish on `topic` from log position `from` as the kit's own.
    fn mark_own(&self, from: usize, topic: &str) {
        let published = self.broker.published();
        let mut state = self.lock();
        state.seen.resize(published.len(), false);
        if let Some(index) = (from..published.len())
            .find(|&index| !state.seen[index] && published[index].topic == topic)
        {
            state.seen[index] = true;
        }
    }

    async fn settle(&self, op: &str) {
        let timeout = self.timeout();
        self.broker
            .settle_within(timeout)
            .await
            .unwrap_or_else(|_| {
                panic!("test kit: `{op}`: the broker did not settle within {timeout:?}")
            });
    }

    /// Waits for the next publish matching `filter` that no expectation took yet, takes it and
    /// decodes it with `decode` (operation `op`'s topic parameters and payload decoders).
    pub async fn expect<T>(
        &self,
        op: &str,
        filter: &str,
        decode: impl Fn(&Message) -> Result<T, DecodeError>,
    ) -> T {
        let message = self.take(op, filter).await;
        let value = decode(&message).unwrap_or_else(|e| {
            panic!(
                "test kit: `{op}`: the message published on `{}` does not decode: {e}\npayload: {}",
                message.topic,
                String::from_utf8_lossy(&message.payload)
            )
        });
        let mut state = self.lock();
        state.requests.retain(|(name, _)| name != op);
        state.requests.push((op.to_owned(), message));
        value
    }

    /// Like [`Kit::expect`], and panics with a line diff of the two values' pretty `Debug`
    /// forms unless the message equals `expected`.
    pub async fn expect_eq<T: PartialEq + Debug>(
        &self,
        op: &str,
        filter: &str,
        decode: impl Fn(&Message) -> Result<T, DecodeError>,
        expected: T,
    ) {
        let published = self.expect(op, filter, decode).await;
        if published != expected {
            panic!(
                "test kit: `{op}`: the published message differs from the expected one \
                 (- expected, + published):\n{}",
                diff(&format!("{expected:#?}"), &format!("{published:#?}"))
            );
        }
    }

    async fn take(&self, op: &str, filter: &str) -> Message {
        let timeout = self.timeout();
        let found = tokio::time::timeout(timeout, async {
            loop {
                if let Some(message) = self.take_now(filter) {
                    return message;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| {
            let others = self.unexpected();
            panic!(
                "test kit: `{op}`: nothing was published on `{filter}` within {timeout:?}; {}",
                describe(&others)
            )
        })
    }

    fn take_now(&self, filter: &str) -> Option<Message> {
        let published = self.broker.published();
        let mut state = self.lock();
        state.seen.resize(published.len(), false);
        let index = (0..published.len())
            .find(|&index| !state.seen[index] && topic::matches(filter, &published[index].topic))?;
        state.seen[index] = true;
        Some(published[index].clone())
    }

    /// Answers the request operation `op`'s last expectation returned: `encode` builds the
    /// reply for a topic; it goes to the request's response topic (or the reply address at
    /// `address`), with its correlation data and the correlation id echoed (`echo`: read in the
    /// request, written in the reply), as a responder generated from the spec would.
    pub async fn reply(
        &self,
        op: &str,
        encode: impl FnOnce(String) -> Result<Outgoing, Error>,
        address: Option<Location>,
        echo: Option<(Location, Location)>,
    ) {
        let request = self
            .lock()
            .requests
            .iter()
            .find(|(name, _)| name == op)
            .map(|(_, message)| message.clone())
            .unwrap_or_else(|| {
                panic!("test kit: `{op}`: no request to answer; call its `expect_` method first")
            });
        let target = crate::reply::Reply::to_request(&request, address.as_ref(), echo.as_ref());
        let topic = target
            .response_topic()
            .map(str::to_owned)
            .unwrap_or_else(|| {
                panic!(
                    "test kit: `{op}`: the request on `{}` names no reply topic",
                    request.topic
                )
            });
        let outgoing = encode(topic.clone())
            .and_then(|outgoing| target.apply(outgoing))
            .unwrap_or_else(|e| panic!("test kit: `{op}`: could not encode the reply: {e}"));
        let mark = self.broker.published().len();
        self.broker.publish(outgoing).await;
        self.mark_own(mark, &topic);
        self.settle(op).await;
    }

    /// Publishes no expectation took yet (the kit's own deliveries excluded).
    pub fn unexpected(&self) -> Vec<Message> {
        let published = self.broker.published();
        let mut state = self.lock();
        state.seen.resize(published.len(), false);
        published
            .into_iter()
            .zip(&state.seen)
            .filter(|(_, seen)| !**seen)
            .map(|(message, _)| message)
            .collect()
    }

    /// Waits until the broker is idle, then panics listing what was published that no
    /// expectation took.
    pub async fn assert_nothing_published(&self) {
        self.settle("assert_nothing_published").await;
        let others = self.unexpected();
        if !others.is_empty() {
            panic!(
                "test kit: expected nothing more to be published; {}",
                describe(&others)
            );
        }
    }
}

/// "published instead: ..." for a panic message.
fn describe(messages: &[Message]) -> String {
    if messages.is_empty() {
        return "nothing else was published".into();
    }
    let lines: Vec<String> = messages
        .iter()
        .map(|m| format!("  {}: {}", m.topic, String::from_utf8_lossy(&m.payload)))
        .collect();
    format!("published instead:\n{}", lines.join("\n"))
}

/// A line diff of `expected` and `actual`: unchanged lines indented, removed ones marked `-`,
/// added ones `+` (longest common subsequence of lines).
pub fn diff(expected: &str, actual: &str) -> String {
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: common lines of old[i..] and new[j..].
    let mut lcs = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out.push(format!("  {}", old[i]));
            i += 1;
            j += 1;
        } else if i < old.len() && (j == new.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removed lines first, as diffs show them.
            out.push(format!("- {}", old[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", new[j]));
            j += 1;
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_changed_lines_only() {
        let expected = "A {\n    x: 1,\n    y: 2,\n}";
        let actual = "A {\n    x: 1,\n    y: 3,\n}";
        assert_eq!(
            diff(expected, actual),
            "  A {\n      x: 1,\n-     y: 2,\n+     y: 3,\n  }"
        );
        assert_eq!(diff("a\nb", "a\nb"), "  a\n  b");
        assert_eq!(diff("a\nb\nc", "x\ny\nc"), "- a\n- b\n+ x\n+ y\n  c");
        assert_eq!(diff("", "a"), "+ a");
    }
}
