//! The proof suite's shared helpers. The tests themselves live in `tests/`, one file per topic:
//! broker restart, offline subscriber, bad input, slow handler, topic injection, authentication,
//! TLS and scale-out. Each drives services generated from `specs/` (the `streetlights` and
//! `fleet` examples) on real mosquitto processes and prints the figures it asserts, as lines
//! starting with `proof:` (run with `--nocapture` to see them).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod broker;
pub mod figures;
pub mod lights;
pub mod pki;
pub mod raw;
pub mod tally;
pub mod wait;
