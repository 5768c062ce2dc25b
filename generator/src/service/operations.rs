//! The operation plan: which operations this role handles and which it publishes, under which Rust
//! names, with which messages, QoS, retain and reply. Pure analysis; handlers and publishers emit it.

use super::messages::MessagePlans;
use super::names::{self, Scope};
use super::topics::TopicPlans;
use super::Role;
use crate::diagnostics::Diagnostic;
use crate::model::{Action, Document, NodeId, Qos};

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

/// A place in a message named by an AsyncAPI runtime expression (the runtime's `Location`).
pub use mqttgen_address::Location as MessageLocation;

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
        let Some(location) = MessageLocation::parse(expression).ok() else {
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
                let location = MessageLocation::parse(expression).ok();
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
        let binding = operation.mqtt.as_ref();
        plans.push(OperationPlan {
            id: operation.id.clone(),
            method: String::new(),
            method_with: String::new(),
            dispatch: String::new(),
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
    name_methods(&mut plans, role, functions);
    plans
}

/// Methods of the `Handler` trait that would read like the module's free functions (`mount`,
/// `routes`, `route`): an operation with such an id gets a suffix instead.
const HANDLER_RESERVED: &[&str] = &["mount", "routes", "route"];

/// Methods the generated `Publisher` has itself, and the methods of its derives (`clone`, `fmt`)
/// that an inherent method would shadow for users.
const PUBLISHER_RESERVED: &[&str] = &[
    "new",
    "inner",
    "runtime",
    "spec_reply_channels",
    "prepare",
    "send",
    "clone",
    "clone_from",
    "fmt",
];

/// Names the methods of `plans`: handled operations in the `Handler` trait (and their dispatch
/// functions in the module's `functions`), published ones in `Publisher` with a `_with` twin. An
/// id that is already its method name wins over ids that only sanitise to it.
fn name_methods(plans: &mut [OperationPlan], role: Role, functions: &mut Scope) {
    let mut handler_methods = Scope::with_reserved(HANDLER_RESERVED);
    let mut publisher_methods = Scope::with_reserved(PUBLISHER_RESERVED);
    for side in [Side::Handle, Side::Publish] {
        let indices: Vec<usize> = (0..plans.len())
            .filter(|&index| plans[index].side == side)
            .collect();
        let pairs: Vec<(&str, String)> = indices
            .iter()
            .map(|&index| {
                let id = plans[index].id.as_str();
                (id, method_base(id, role, side))
            })
            .collect();
        let scope = match side {
            Side::Handle => &mut handler_methods,
            Side::Publish => &mut publisher_methods,
        };
        let names = scope.claim_exact_first(&pairs, true);
        for (&index, name) in indices.iter().zip(names) {
            plans[index].method = name;
        }
        for &index in &indices {
            let plan = &mut plans[index];
            match side {
                Side::Handle => {
                    plan.dispatch =
                        functions.claim_snake(&format!("handle_{}", names::stem(&plan.method)));
                }
                // Publisher methods come in pairs: `{method}` with the spec's defaults,
                // `{method}_with` with per-call options.
                Side::Publish => {
                    plan.method_with = publisher_methods
                        .claim_snake(&format!("{}_with", names::stem(&plan.method)));
                }
            }
        }
    }
}

/// Leading words of operation ids that say the operation sends, with their mirror.
const SENDING_VERBS: &[(&str, &str)] = &[
    ("send", "receive"),
    ("publish", "receive"),
    ("produce", "consume"),
    ("emit", "receive"),
];

/// Leading words of operation ids that say the operation receives, with their mirror.
const RECEIVING_VERBS: &[(&str, &str)] = &[
    ("receive", "send"),
    ("subscribe", "publish"),
    ("consume", "produce"),
    ("on", "send"),
    ("handle", "send"),
];

/// The snake-case method name for operation `id` before de-duplication.
///
/// The app role uses the id as written (`receiveLightMeasurement` → `receive_light_measurement`).
/// The client role plays the other side of the same operations, so a leading verb that says the
/// opposite of what the client does is replaced by its mirror: a client *publishes*
/// `receiveState` as `send_state` and *handles* `sendOrder` as `receive_order` (pairs: send ↔
/// receive, produce ↔ consume, `publish` → receive, `subscribe` → publish, `emit` → receive,
/// `on`/`handle` → send: a handler's name says what arrives, a publisher's what goes out). Ids
/// without such a verb, or whose verb already fits, keep their name; the operation id is always
/// in the method's rustdoc.
pub fn method_base(id: &str, role: Role, side: Side) -> String {
    let name = names::snake(id);
    if role == Role::App {
        return name;
    }
    let (first, rest) = match name.split_once('_') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name.as_str(), None),
    };
    let table = match side {
        Side::Handle => SENDING_VERBS,
        Side::Publish => RECEIVING_VERBS,
    };
    match table.iter().find(|(verb, _)| *verb == first) {
        Some((_, mirror)) => match rest {
            Some(rest) => names::snake(&format!("{mirror}_{rest}")),
            None => mirror.to_string(),
        },
        None => name,
    }
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
