//! The committed service-code snapshots of `mqttgen-codegen`, compiled (issue #5).
//!
//! Each module is one case of `generator/tests/service_snapshots.rs`: `types` (payload types),
//! `app` and `client` (the two roles). The tests below exercise the generated topic code and run
//! both roles against each other on the in-memory broker.
//!
//! The snapshot files are prettyplease output (what users get), so rustfmt skips them.
#![deny(warnings)]

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/streetlights_v2/mod.rs"]
pub mod streetlights_v2;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/streetlights_v3/mod.rs"]
pub mod streetlights_v3;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/request_reply/mod.rs"]
pub mod request_reply;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/topic_params/mod.rs"]
pub mod topic_params;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/edge_cases/mod.rs"]
pub mod edge_cases;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/fidelity/mod.rs"]
pub mod fidelity;

#[rustfmt::skip] // prettyplease output, compared byte for byte by the snapshot test
#[path = "../../snapshots_service/hostile_patterns/mod.rs"]
pub mod hostile_patterns;
