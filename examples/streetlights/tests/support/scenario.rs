//! The streetlights fault scenario, shared by `tests/faults.rs` and `benches/faults.rs`: four
//! lamps report six measurements each through a misbehaving in-memory broker; every lamp is
//! switched on three times.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use mqttgen::testing::faults::{DisconnectPoint, Faults};
use mqttgen::testing::MemoryBroker;
use mqttgen::App;
use streetlights::app;
use streetlights::counting::Tally;
use streetlights::lamp::{self, types::LightMeasuredPayload, District, LightMeasuredParams};
use streetlights::simulator::{Lamp, LampState};

const T: Duration = Duration::from_secs(60);

/// The lamps and what each reports, in order: dark, bright, dark, dusk, dark, daylight.
pub const LAMPS: [(District, &str); 4] = [
    (District::North, "l1"),
    (District::South, "l2"),
    (District::East, "l3"),
    (District::West, "l4"),
];
/// Lumens per round (three of them dark: three switch-ons per lamp).
pub const ROUNDS: [u32; 6] = [40, 2_000, 30, 550, 10, 5_000];

/// The faults the example runs under: duplicates, reordering across lamps, a jittery slow
/// broker, a receive maximum and a dropped connection before an acknowledgement.
pub fn faults(seed: u64) -> Faults {
    Faults::seeded(seed)
        .duplicate(0.2)
        .reorder(0.3)
        .delay_between(Duration::from_millis(1), Duration::from_millis(15))
        .receive_maximum(4)
        .disconnect_at(DisconnectPoint::BeforeAck(5))
}

/// Runs the service with a fresh counter `C` on a broker with `faults`, the lamps reporting every
/// round; returns the switch-ons the counter counted and each lamp's final state.
pub async fn run<C: Tally>(faults: Faults) -> (BTreeMap<String, u32>, BTreeMap<String, LampState>) {
    let handler = C::default();
    let broker = MemoryBroker::with_faults(faults);
    let service = App::in_memory(&broker)
        .mount(app::mount(handler.clone()))
        .start()
        .await
        .unwrap();
    let lamp = Lamp::default();
    let lamps = App::in_memory(&broker)
        .mount(lamp::mount(lamp.clone()))
        .start()
        .await
        .unwrap();
    service.ready(T).await.unwrap();
    lamps.ready(T).await.unwrap();
    let publisher = lamp::Publisher::new(lamps.publisher());
    let start: DateTime<FixedOffset> = "2026-12-03T18:00:00Z".parse().unwrap();
    for (round, lumens) in ROUNDS.iter().enumerate() {
        for (district, id) in LAMPS {
            let params = LightMeasuredParams {
                district,
                light_id: id.to_string(),
            };
            let reading = LightMeasuredPayload {
                lumens: *lumens,
                sent_at: start + chrono::Duration::minutes(round as i64),
            };
            publisher
                .send_light_measured(&params, &reading)
                .await
                .unwrap();
        }
    }
    broker.settle_within(T).await.unwrap();
    lamps.shutdown(T).await.unwrap();
    service.shutdown(T).await.unwrap();
    let mut last = BTreeMap::new();
    for (id, state) in lamp.log.lock().unwrap().iter() {
        last.insert(id.clone(), state.clone());
    }
    (handler.switch_ons(), last)
}

/// What [`assert_correct`] says when a run ends wrong.
pub const WRONG: &str = "wrong switch-on counts or final lamp states";

/// One run of [`run`], checked against [`expected`].
pub async fn assert_correct<C: Tally>(faults: Faults) {
    assert_eq!(run::<C>(faults).await, expected(), "{WRONG}");
}

/// What a correct run ends with: three switch-ons per lamp, every lamp off.
pub fn expected() -> (BTreeMap<String, u32>, BTreeMap<String, LampState>) {
    (
        LAMPS.iter().map(|(_, id)| (id.to_string(), 3)).collect(),
        LAMPS
            .iter()
            .map(|(_, id)| (id.to_string(), LampState::Off))
            .collect(),
    )
}
