//! Every generated property-test strategy of our specs (streetlights, device-config, fleet,
//! boundaries; both roles) yields values its payload schema accepts — valid ones — or rejects —
//! the `invalid_*` ones — over 256 cases each, and builds them mostly by construction: at least
//! 90 % of the values built from a schema pass its check before any filtering, so a keyword the
//! builder gets wrong (a bound off by one, a lost `multipleOf`) fails here rather than being
//! silently filtered.

use mqttgen::codegen::strategies::StrategyCheck;
use mqttgen_strategies_check::{boundaries, device_config, fleet, streetlights};

const CASES: u32 = 256;

/// The least share of built values a strategy's schema must accept (valid) or reject
/// (invalid) before filtering.
const BUILT_AT_LEAST: f64 = 0.9;

fn assert_built(side: &str, checks: Vec<StrategyCheck>, expected: usize) {
    assert_eq!(checks.len(), expected, "{side}: strategies {checks:#?}");
    for check in &checks {
        assert_eq!(check.cases, CASES);
        assert!(
            check.built_share >= BUILT_AT_LEAST,
            "{side}: strategy `{}` builds only {:.0} % of its values right: {check:?}",
            check.name,
            check.built_share * 100.0
        );
    }
}

#[test]
fn streetlights_strategies_match_their_schemas() {
    // 4 messages; the app handles one operation, the lamp one (the command, three messages).
    assert_built(
        "app",
        streetlights::app::testing::strategies::check_all(CASES),
        5,
    );
    assert_built(
        "lamp",
        streetlights::client::testing::strategies::check_all(CASES),
        5,
    );
}

#[test]
fn device_config_strategies_match_their_schemas() {
    assert_built(
        "app",
        device_config::app::testing::strategies::check_all(CASES),
        5,
    );
    assert_built(
        "client",
        device_config::client::testing::strategies::check_all(CASES),
        3,
    );
}

#[test]
fn fleet_strategies_match_their_schemas() {
    assert_built("app", fleet::app::testing::strategies::check_all(CASES), 5);
    assert_built(
        "client",
        fleet::client::testing::strategies::check_all(CASES),
        4,
    );
}

#[test]
fn boundary_strategies_match_their_schemas() {
    assert_built(
        "app",
        boundaries::app::testing::strategies::check_all(CASES),
        5,
    );
    assert_built(
        "client",
        boundaries::client::testing::strategies::check_all(CASES),
        3,
    );
}
