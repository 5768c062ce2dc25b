//! Where a responder may publish a reply whose topic a peer chose.
//!
//! A request names its reply topic (the MQTT 5 Response Topic property, a `replyTo` header or a
//! payload field), and the responder publishes there with its own credentials. The requester is
//! untrusted: without a check it could make the service publish to any application topic (another
//! tenant's command topic) or to a `$` topic. So a reply built for a peer's address
//! ([`Outgoing::reply_to`](crate::Outgoing::reply_to), generated responders, `#[subscriber]`
//! replies — all marked with [`Outgoing::peer_addressed`](crate::Outgoing::peer_addressed)) is
//! published only when its route's [`ReplyTo`] policy accepts the topic. A refused reply is
//! reported to the [`App::on_error`](crate::App::on_error) hook as
//! [`Failure::ReplyRefused`](crate::Failure::ReplyRefused), counted in
//! [`Stats::replies_refused`](crate::Stats::replies_refused) and dropped: it is never queued, so
//! it can never be re-sent after a reconnect, and the connection stays up.

use crate::topic;
use crate::Error;

/// The topics of the private reply inboxes that requesters built on this crate announce under
/// MQTT 5 (`mqttgen/replies/{client id}/{n}`, see
/// [`Publisher::request_with`](crate::Publisher::request_with)).
pub const PRIVATE_INBOXES: &str = "mqttgen/replies/+/+";

/// Which reply topics a route's responder publishes to when a peer names them
/// ([`Route::reply_to`](crate::Route::reply_to)).
///
/// Every policy applies MQTT's own rules for topic names
/// ([`topic::validate_topic_name`]: no wildcards, no NUL, no control characters or Unicode
/// non-characters, at most 65535 bytes), because a broker such as mosquitto drops the connection
/// of a client that publishes to such a topic.
///
/// ```
/// use mqttgen::ReplyTo;
/// let default = ReplyTo::default();
/// assert!(default.check("clients/c1/replies").is_ok());
/// assert!(default.check("$SYS/broker/load").is_err());
/// assert!(default.check("a\u{1}b").is_err());
/// // Generated code restricts routes to the reply channel of the spec.
/// let channel = ReplyTo::matching(["thermostats/+/replies"]);
/// assert!(channel.check("thermostats/t1/replies").is_ok());
/// assert!(channel.check("tenants/other/commands").is_err());
/// assert!(ReplyTo::Any.check("$share-free/anything").is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ReplyTo {
    /// Any topic name except those starting with `$` (broker topics such as `$SYS/...`, which
    /// are never an application's reply channel). Default.
    #[default]
    AnyApplicationTopic,
    /// Only topics matched by one of these MQTT topic filters (`+`, `#` allowed), and never a `$`
    /// topic: what generated code sets from the spec's reply channel address.
    Matching(Vec<String>),
    /// Any topic name MQTT allows to publish to, `$` topics included (the behaviour before this
    /// policy existed). Choose it only when every requester is trusted.
    Any,
}

impl ReplyTo {
    /// Only topics matched by one of `filters` (MQTT topic filters, e.g. `devices/+/reply`).
    /// Invalid filters are reported by [`App::start`](crate::App::start).
    pub fn matching<I>(filters: I) -> ReplyTo
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        ReplyTo::Matching(filters.into_iter().map(Into::into).collect())
    }

    /// Accepts `topic` as a reply topic, or says why not ([`Error::ReplyRefused`]).
    pub fn check(&self, topic: &str) -> Result<(), Error> {
        let refused = |reason: &'static str| Error::ReplyRefused {
            topic: topic.to_owned(),
            reason,
        };
        if let Err(Error::InvalidTopic { reason, .. }) = topic::validate_topic_name(topic) {
            return Err(refused(reason));
        }
        match self {
            ReplyTo::Any => Ok(()),
            _ if topic.starts_with('$') => Err(refused(
                "a reply topic must not start with `$` (broker topics such as `$SYS`)",
            )),
            ReplyTo::AnyApplicationTopic => Ok(()),
            ReplyTo::Matching(filters) => {
                if filters.iter().any(|filter| topic::matches(filter, topic)) {
                    Ok(())
                } else {
                    Err(refused(
                        "the reply topic is outside the route's reply channel (ReplyTo::Matching)",
                    ))
                }
            }
        }
    }

    /// Only the topics of a reply channel (an MQTT topic filter) or a requester's private inbox
    /// ([`PRIVATE_INBOXES`]): what generated routes use when the spec's reply channel has an
    /// address. Requesters generated from the same spec announce either.
    pub fn channel(filter: impl Into<String>) -> ReplyTo {
        ReplyTo::Matching(vec![filter.into(), PRIVATE_INBOXES.to_owned()])
    }

    /// Checks the filters of [`ReplyTo::Matching`].
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let ReplyTo::Matching(filters) = self {
            for filter in filters {
                topic::validate_filter(filter)?;
            }
        }
        Ok(())
    }
}

/// The reply to one request, captured before its handler runs: where the requester asked for
/// the reply (the MQTT 5 Response Topic, else the spec's reply address location), the request's
/// QoS and correlation data, and the correlation id to echo where the spec says. The one reply
/// helper of generated request/reply routes and `#[subscriber]` replies.
pub(crate) struct Reply {
    response_topic: Option<String>,
    qos: crate::QoS,
    correlation_data: Option<bytes::Bytes>,
    echo: Option<(crate::Location, bytes::Bytes)>,
}

impl Reply {
    /// Captures the reply destination of `request`: `address` is where it may name its reply
    /// topic besides the Response Topic property, `echo` where its correlation id is read and
    /// where the reply carries it.
    pub(crate) fn to_request(
        request: &crate::Message,
        address: Option<&crate::Location>,
        echo: Option<&(crate::Location, crate::Location)>,
    ) -> Reply {
        use crate::LocationExt;
        let response_topic = request
            .properties
            .response_topic
            .clone()
            .or_else(|| address.and_then(|at| at.read_reply_address(request)));
        let echo = echo.and_then(|(read, write)| {
            read.read_correlation(request)
                .map(|value| (write.clone(), value))
        });
        Reply {
            response_topic,
            qos: request.qos,
            correlation_data: request.properties.correlation_data.clone(),
            echo,
        }
    }

    /// The request's correlation data.
    pub(crate) fn correlation_data(&self) -> Option<bytes::Bytes> {
        self.correlation_data.clone()
    }

    /// The topic the requester named, if any.
    pub(crate) fn response_topic(&self) -> Option<&str> {
        self.response_topic.as_deref()
    }

    /// The reply message: peer-addressed (checked against the route's [`ReplyTo`]) when the
    /// requester named its topic, with the request's QoS and correlation data, and the
    /// correlation id echoed where the spec says.
    pub(crate) fn apply(self, mut outgoing: crate::Outgoing) -> Result<crate::Outgoing, Error> {
        use crate::LocationExt;
        if self.response_topic.is_some() {
            outgoing = outgoing.peer_addressed();
        }
        outgoing.qos = self.qos;
        outgoing.properties.correlation_data = self.correlation_data;
        if let Some((write, value)) = self.echo {
            write.write_correlation(&mut outgoing, &value)?;
        }
        Ok(outgoing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_refuses_system_topics_and_unsafe_characters() {
        let policy = ReplyTo::default();
        for bad in [
            "$SYS/x",
            "$share/g/t",
            "a\u{1}b",
            "a\u{1f}",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{FFFF}b",
            "a\u{FFFE}",
            "\u{FDD0}",
            "x\u{10FFFF}",
            "a/+/b",
            "a/#",
            "a\0b",
            "",
        ] {
            let error = policy.check(bad).unwrap_err();
            assert!(
                matches!(&error, Error::ReplyRefused { topic, .. } if topic == bad),
                "{bad:?}: {error:?}"
            );
        }
        for good in ["replies/c1/7", "a/$b", "caf\u{e9}/\u{1F600}", "/x", "a//b"] {
            policy.check(good).unwrap();
        }
    }

    #[test]
    fn matching_restricts_to_the_filters() {
        let policy = ReplyTo::matching(["thermostats/+/replies", "inbox/#"]);
        policy.validate().unwrap();
        policy.check("thermostats/t1/replies").unwrap();
        policy.check("inbox/a/b/c").unwrap();
        assert!(policy.check("thermostats/t1/commands").is_err());
        assert!(policy.check("tenants/b/thermostats/t1/replies").is_err());
        assert!(ReplyTo::matching(["#"]).check("$SYS/x").is_err());
        assert!(ReplyTo::matching(["a/#/b"]).validate().is_err());
        let channel = ReplyTo::channel("devices/+/reply");
        channel.validate().unwrap();
        channel.check("devices/d1/reply").unwrap();
        channel.check("mqttgen/replies/client-7/42").unwrap();
        assert!(channel.check("devices/d1/commands").is_err());
        assert!(channel.check("mqttgen/replies/client-7").is_err());
    }

    #[test]
    fn any_still_keeps_the_connection_safe() {
        ReplyTo::Any.check("$SYS/x").unwrap();
        assert!(ReplyTo::Any.check("a\u{1}b").is_err());
        assert!(ReplyTo::Any.check("a/+").is_err());
    }
}
