//! Turning a difference into a classified, located [`Change`]: who sends, who receives.

use std::collections::HashSet;

use super::{Change, Class, Side};
use crate::model::NodeId;

/// Which way a message travels, seen from the application, and by which operations.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    /// The application receives it (a 3.x `receive`, a 2.x `publish`, or a request's reply).
    pub receives: bool,
    /// The application sends it (a 3.x `send`, a 2.x `subscribe`, or a handler's reply).
    pub sends: bool,
    /// The operations, for the explanation (`` operation `x` ``).
    pub via: Vec<String>,
}

impl Flow {
    /// A flow in one direction through `via`.
    pub fn one(receives: bool, via: &str) -> Flow {
        Flow {
            receives,
            sends: !receives,
            via: vec![via.to_string()],
        }
    }

    /// Adds the directions and operations of `other`.
    pub fn join(&mut self, other: &Flow) {
        self.receives |= other.receives;
        self.sends |= other.sends;
        for v in &other.via {
            if !self.via.contains(v) {
                self.via.push(v.clone());
            }
        }
    }

    fn via_text(&self) -> String {
        self.via.join(", ")
    }
}

/// What a difference does, before the direction is known.
#[derive(Clone, Debug, Default)]
pub struct Effect {
    /// NEW accepts fewer values than OLD (breaks senders built on OLD when the application
    /// receives).
    pub narrows: bool,
    /// NEW produces or allows more values than OLD (breaks receivers built on OLD when the
    /// application sends).
    pub widens: bool,
    /// The same bytes mean something else to the receiver (a changed `default`): breaks senders
    /// built on OLD when the application receives.
    pub meaning: bool,
    /// Breaks peers whichever way the message travels (a content type, a correlation id).
    pub both_ways: bool,
    /// What it does to the generated Rust API when that breaks code written against OLD.
    pub api: Option<String>,
    /// Only documentation changed.
    pub docs: bool,
}

impl Effect {
    /// Only documentation.
    pub fn docs() -> Effect {
        Effect {
            docs: true,
            ..Effect::default()
        }
    }

    /// Wire-breaking whatever the direction.
    pub fn wire() -> Effect {
        Effect {
            both_ways: true,
            ..Effect::default()
        }
    }

    /// NEW accepts fewer values.
    pub fn narrows() -> Effect {
        Effect {
            narrows: true,
            ..Effect::default()
        }
    }

    /// NEW allows more values.
    pub fn widens() -> Effect {
        Effect {
            widens: true,
            ..Effect::default()
        }
    }

    /// Adds an API break.
    pub fn api(mut self, what: impl Into<String>) -> Effect {
        self.api = Some(what.into());
        self
    }

    /// Adds an API note only when `what` is `Some`.
    pub fn api_if(mut self, what: Option<String>) -> Effect {
        if what.is_some() {
            self.api = what;
        }
        self
    }
}

/// What was found, and how to locate it.
pub struct Recorder<'a> {
    /// OLD.
    pub old: Side<'a>,
    /// NEW.
    pub new: Side<'a>,
    /// The changes so far.
    pub changes: Vec<Change>,
    /// Pairs of schema places already compared (recursive schemas, shared schemas).
    pub seen: HashSet<(NodeId, NodeId, bool, bool)>,
}

/// The subject, code and message of one change.
pub struct What<'s> {
    /// A short stable code.
    pub code: &'static str,
    /// What changed.
    pub subject: &'s str,
    /// What happened.
    pub message: String,
}

impl<'a> Recorder<'a> {
    /// A recorder for OLD → NEW.
    pub fn new(old: Side<'a>, new: Side<'a>) -> Self {
        Recorder {
            old,
            new,
            changes: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Records a change with `effect` on a message travelling as `flow` (`None`: not a message,
    /// e.g. an operation or server change, classified by `effect` alone).
    pub fn record(
        &mut self,
        what: What<'_>,
        effect: Effect,
        flow: Option<&Flow>,
        old: Option<&NodeId>,
        new: Option<&NodeId>,
    ) {
        let (class, why) = classify(&effect, flow);
        self.changes.push(Change {
            class,
            code: what.code,
            subject: what.subject.to_string(),
            message: what.message,
            why,
            rust: effect.api,
            old: old.map(|n| self.old.place(n)),
            new: new.map(|n| self.new.place(n)),
        });
    }
}

/// The class and the explanation of an effect in a direction.
fn classify(effect: &Effect, flow: Option<&Flow>) -> (Class, Option<String>) {
    if effect.both_ways {
        let why = flow.map(|f| format!("peers on either side of {} disagree", f.via_text()));
        return (Class::WireBreaking, why);
    }
    if let Some(flow) = flow {
        if flow.receives && (effect.narrows || effect.meaning) {
            let what = if effect.narrows {
                "senders built on OLD may send what NEW rejects"
            } else {
                "what senders built on OLD send now means something else"
            };
            return (
                Class::WireBreaking,
                Some(format!(
                    "the application receives this message ({}): {what}",
                    flow.via_text()
                )),
            );
        }
        if flow.sends && effect.widens {
            return (
                Class::WireBreaking,
                Some(format!(
                    "the application sends this message ({}): receivers built on OLD may reject \
                     what NEW sends",
                    flow.via_text()
                )),
            );
        }
    }
    let class = if effect.api.is_some() {
        Class::ApiBreaking
    } else if effect.docs {
        Class::DocsOnly
    } else {
        Class::Compatible
    };
    let why = flow
        .filter(|_| effect.narrows || effect.widens || effect.meaning)
        .map(|f| {
            if effect.narrows {
                format!(
                    "NEW accepts less, but the application only sends this message ({})",
                    f.via_text()
                )
            } else {
                format!(
                    "NEW allows more, and the application only receives this message ({})",
                    f.via_text()
                )
            }
        });
    (class, why)
}
