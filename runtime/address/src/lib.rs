//! Channel addresses and message locations, shared by the mqttgen generator, the runtime and
//! the `#[subscriber]`/`#[publisher]` macros, so that spec-first and code-first accept the same
//! addresses and follow the same rules.
//!
//! * [`parse`]: the address grammar — literal levels, `{param}` levels, levels mixing text and
//!   parameters (`v{major}.{minor}`), and the anonymous wildcards `+` and `#`.
//! * [`rules`]: MQTT topic names and filters, the rules for a parameter value, shared
//!   subscriptions and prefixes.
//! * [`template`]: building a topic from an address and parameter values, and capturing the
//!   values back from a received topic.
//! * [`TopicMatcher`] / [`matches`]: which filters match a topic (one implementation for the
//!   runtime's dispatch and the in-memory broker).
//! * [`Location`]: where a message carries its correlation id or reply address
//!   (`$message.header#/name`, `$message.payload#/pointer`).
//!
//! ```
//! let (address, issues) = mqttgen_address::parse("fleet/{id}/v{major}.{minor}");
//! assert!(issues.is_empty());
//! assert_eq!(address.filter(), "fleet/+/+");
//! let topic = mqttgen_address::build(&address.raw, &["t1", "2", "10"]).unwrap();
//! assert_eq!(topic, "fleet/t1/v2.10");
//! assert_eq!(mqttgen_address::capture_all(&address.raw, &topic).unwrap(), ["t1", "2", "10"]);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod grammar;
mod location;
mod matcher;
pub mod rules;
pub mod template;

pub use grammar::{channel_id, parse, Address, AddressIssue, Level, LevelPart};
pub use location::{Location, LocationError};
pub use matcher::{levels, matches, TopicMatcher};
pub use rules::InvalidTopic;
pub use template::{below_prefixes, build, capture, capture_all, Mismatch, Piece};
