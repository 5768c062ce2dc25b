//! The operation plan: which operations this role handles and which it publishes, under which Rust
//! names, with which messages, QoS, retain and reply. Pure analysis; handlers and publishers emit it.

use super::messages::MessagePlans;
use super::names::{self, Scope};
use super::topics::TopicPlans;
use super::Role;
use crate::diagnostics::Diagnostic;
use crate::spec::model::{Action, Document, NodeId, Qos};

/// Which side of an operation the generated role plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Subscribe and call the handler trait.
    Handle,
    /// A publisher method.
    Publish,
}

/// The reply of an operation.
#[derive(Clone, Debug)]
pub struct ReplyPlan {
    /// Message set of the reply, index into [`MessagePlans::sets`].
    pub set: usize,
    /// The reply channel, when named and it has an address.
    pub channel: Option<usize>,
    /// Where the request names its reply address, from the reply's `address.location`
    /// (`$message.header#/name` or `$message.payload#/pointer`).
    pub address: Option<MessageLocation>,
    /// Where the reply messages carry the correlation id (their `correlationId.location`).
    pub correlation: Option<MessageLocation>,
}

/// A place in a message named by an AsyncAPI runtime expression; becomes `::mqttgen::Location`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageLocation {
    /// `$message.header#/name`: an MQTT 5 user property.
    Header(String),
    /// `$message.payload#/pointer`: a field of a JSON payload (the JSON pointer).
    Payload(String),
}

impl MessageLocation {
    /// Parses `$message.header#/name` (one level: user properties are flat) or
    /// `$message.payload#/pointer`; `None` for anything else.
    pub fn parse(location: &str) -> Option<MessageLocation> {
        if let Some(name) = location.strip_prefix("$message.header#/") {
            return (!name.is_empty() && !name.contains('/'))
                .then(|| MessageLocation::Header(name.replace("~1", "/").replace("~0", "~")));
        }
        let pointer = location.strip_prefix("$message.payload#")?;
        (pointer.len() > 1 && pointer.starts_with('/'))
            .then(|| MessageLocation::Payload(pointer.to_owned()))
    }
}

/// The correlation id location of the messages `indices`: the first one given. A location the
/// runtime cannot use (nested header, whole payload) or messages that disagree get a warning.
fn correlation_of(
    doc: &Document,
    indices: &[usize],
    operation: &str,
    node: &NodeId,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<MessageLocation> {
    let mut found: Option<(MessageLocation, &str)> = None;
    for &index in indices {
        let Some(expression) = doc.messages[index].correlation_id.as_deref() else {
            continue;
        };
        let Some(location) = MessageLocation::parse(expression) else {
            diagnostics.push(
                Diagnostic::warning(
                    "correlation-id-location",
                    Some(doc.messages[index].node.clone()),
                    format!(
                        "correlation id location `{expression}` is not supported; operation `{operation}` matches replies by the MQTT 5 Correlation Data property"
                    ),
                )
                .with_help("use `$message.header#/name` (one level) or `$message.payload#/field`"),
            );
            continue;
        };
        match &found {
            None => found = Some((location, expression)),
            Some((first, first_expression)) if *first != location => {
                diagnostics.push(Diagnostic::warning(
                    "correlation-id-location",
                    Some(node.clone()),
                    format!(
                        "the messages of operation `{operation}` carry the correlation id in different places (`{first_expression}`, `{expression}`); `{first_expression}` is used"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    found.map(|(location, _)| location)
}

/// One operation as the generated role sees it.
#[derive(Clone, Debug)]
pub struct OperationPlan {
    /// The operation id as written.
    pub id: String,
    /// Method name (snake case), unique among this role's handler or publisher methods.
    pub method: String,
    /// The publisher's per-call-options variant (`{method}_with`); empty for handled operations.
    pub method_with: String,
    /// The private function decoding a message and calling the handler (`handle_{method}`); empty
    /// for published operations.
    pub dispatch: String,
    /// Handle or publish.
    pub side: Side,
    /// Index into [`Document::channels`] (always one with an address).
    pub channel: usize,
    /// Message set, index into [`MessagePlans::sets`].
    pub set: usize,
    /// QoS from the MQTT operation binding.
    pub qos: Option<Qos>,
    /// Retain from the MQTT operation binding.
    pub retain: Option<bool>,
    /// Message expiry interval (seconds) from the MQTT operation binding.
    pub message_expiry: Option<u64>,
    /// The reply, for request/reply operations.
    pub reply: Option<ReplyPlan>,
    /// Where the operation's messages carry the correlation id (their `correlationId.location`).
    pub correlation: Option<MessageLocation>,
    /// Rustdoc from title/summary/description.
    pub doc: Option<String>,
}

/// Plans every operation for `role`. Operations without an action or on a channel without an
/// address are skipped with a warning.
pub fn plan_operations(
    doc: &Document,
    role: Role,
    topics: &TopicPlans,
    messages: &mut MessagePlans,
    scope: &mut Scope,
    functions: &mut Scope,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<OperationPlan> {
    let mut handler_methods = Scope::with_reserved(&["new", "inner"]);
    let mut publisher_methods = Scope::with_reserved(&["new", "inner", "runtime"]);
    let mut plans = Vec::new();
    for operation in &doc.operations {
        let Some(action) = operation.action else {
            diagnostics.push(Diagnostic::warning(
                "operation-no-action",
                Some(operation.node.clone()),
                format!(
                    "operation `{}` has no action; no code is generated for it",
                    operation.id
                ),
            ));
            continue;
        };
        if topics
            .topics
            .get(operation.channel)
            .and_then(Option::as_ref)
            .is_none()
        {
            diagnostics.push(
                Diagnostic::warning(
                    "operation-no-address",
                    Some(operation.node.clone()),
                    format!(
                        "operation `{}` uses a channel without an address; no code is generated for it",
                        operation.id
                    ),
                )
                .with_help("give the channel an address, or use it only as a reply channel"),
            );
            continue;
        }
        if operation.messages.is_empty() {
            diagnostics.push(Diagnostic::warning(
                "operation-no-messages",
                Some(operation.node.clone()),
                format!(
                    "operation `{}` has no messages; no code is generated for it",
                    operation.id
                ),
            ));
            continue;
        }
        let side = match (role, action) {
            (Role::App, Action::Receive) | (Role::Client, Action::Send) => Side::Handle,
            (Role::App, Action::Send) | (Role::Client, Action::Receive) => Side::Publish,
        };
        let base = names::camel(&operation.id);
        let correlation = correlation_of(
            doc,
            &operation.messages,
            &operation.id,
            &operation.node,
            diagnostics,
        );
        let set = messages.set_for(doc, &operation.messages, &base, scope);
        let reply = operation.reply.as_ref().and_then(|reply| {
            let reply_messages = if reply.messages.is_empty() {
                reply
                    .channel
                    .map(|channel| {
                        doc.channels[channel]
                            .messages
                            .iter()
                            .map(|m| m.message)
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                reply.messages.clone()
            };
            if reply_messages.is_empty() {
                diagnostics.push(Diagnostic::warning(
                    "reply-no-messages",
                    Some(operation.node.clone()),
                    format!(
                        "the reply of operation `{}` has no messages; it is ignored",
                        operation.id
                    ),
                ));
                return None;
            }
            let set = messages.set_for(doc, &reply_messages, &format!("{base}Reply"), scope);
            let address = reply.address_location.as_deref().and_then(|expression| {
                let location = MessageLocation::parse(expression);
                if location.is_none() {
                    diagnostics.push(Diagnostic::warning(
                        "reply-address-location",
                        Some(operation.node.clone()),
                        format!(
                            "reply address location `{expression}` of operation `{}` is not supported; the request names its reply topic only in the MQTT 5 Response Topic property",
                            operation.id
                        ),
                    ));
                }
                location
            });
            let correlation = correlation_of(
                doc,
                &reply_messages,
                &operation.id,
                &operation.node,
                diagnostics,
            );
            Some(ReplyPlan {
                set,
                address,
                correlation,
                channel: reply.channel.filter(|&channel| {
                    topics
                        .topics
                        .get(channel)
                        .and_then(Option::as_ref)
                        .is_some()
                }),
            })
        });
        match side {
            Side::Handle => {
                messages.sets[set].decoded = true;
                if let Some(reply) = &reply {
                    messages.sets[reply.set].encoded = true;
                }
            }
            // A request: the publisher awaits and decodes the reply (`::mqttgen::Publisher::request`).
            Side::Publish => {
                messages.sets[set].encoded = true;
                if let Some(reply) = &reply {
                    messages.sets[reply.set].decoded = true;
                }
            }
        }
        let method = match side {
            Side::Handle => handler_methods.claim_snake(&names::snake(&operation.id)),
            Side::Publish => publisher_methods.claim_snake(&names::snake(&operation.id)),
        };
        // Publisher methods come in pairs: `{method}` with the spec's defaults, `{method}_with` with
        // per-call options.
        let method_with = match side {
            Side::Handle => String::new(),
            Side::Publish => publisher_methods.claim_snake(&format!("{method}_with")),
        };
        let dispatch = match side {
            Side::Handle => functions.claim_snake(&format!("handle_{method}")),
            Side::Publish => String::new(),
        };
        let binding = operation.mqtt.as_ref();
        plans.push(OperationPlan {
            id: operation.id.clone(),
            method,
            method_with,
            dispatch,
            side,
            channel: operation.channel,
            set,
            qos: binding.and_then(|binding| binding.qos),
            retain: binding.and_then(|binding| binding.retain),
            message_expiry: binding.and_then(|binding| binding.message_expiry_interval),
            reply,
            correlation,
            doc: super::docs::join(&[
                operation.title.as_deref(),
                operation.summary.as_deref(),
                operation.description.as_deref(),
            ]),
        });
    }
    plans
}

impl OperationPlan {
    /// Where the request carries the correlation id and where its reply does: each side's own
    /// `correlationId.location`, else the other side's.
    pub fn correlation_locations(&self) -> (Option<&MessageLocation>, Option<&MessageLocation>) {
        let request = self.correlation.as_ref();
        let reply = self
            .reply
            .as_ref()
            .and_then(|reply| reply.correlation.as_ref());
        (request.or(reply), reply.or(request))
    }
}
