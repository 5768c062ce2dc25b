//! Scale-out: three instances of the generated fleet service share the position subscription
//! (`$share/fleet-workers/...`). 9,000 QoS 1 positions are each handled exactly once across the
//! group, and each instance handles exactly a third, 3,000 (mosquitto 2 hands shared
//! subscriptions out strictly round-robin, and all three subscribe before the first message).
//!
//! The spec publishes positions with QoS 0; this test raises the route to QoS 1, because
//! "exactly once across the group" is only meaningful when the broker may not drop messages.

use fleet::generated::types::{Alert, Position};
use fleet::generated::{self, AlertParams, MessageContext, PositionParams};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, HandlerError, Outgoing, QoS, RunningApp, Share};
use mqttgen_proof::broker::config;
use mqttgen_proof::figures::figure;
use mqttgen_proof::tally::Tally;
use mqttgen_proof::wait::wait_until;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const INSTANCES: usize = 3;
const POSITIONS: u64 = 9_000;
const T: Duration = Duration::from_secs(90);

/// One instance's business logic: counts its own positions and records vehicle `v{n}`'s `n` in
/// the tally the whole group shares.
#[derive(Debug, Clone, Default)]
struct Instance {
    handled: Arc<AtomicU64>,
    group: Tally,
}

impl generated::Handler for Instance {
    async fn receive_position(
        &self,
        params: PositionParams,
        _message: Position,
        _context: MessageContext<()>,
    ) -> Result<(), HandlerError> {
        let n = params
            .vehicle_id
            .trim_start_matches('v')
            .parse()
            .map_err(HandlerError::failed)?;
        self.group.record(n);
        self.handled.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn receive_alert(
        &self,
        _params: AlertParams,
        _message: Alert,
        _context: MessageContext<()>,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
}

async fn start_instance(broker: &Mosquitto, i: usize, instance: &Instance) -> RunningApp {
    let mut routes = generated::routes(Arc::new(instance.clone()));
    routes.receive_position = routes
        .receive_position
        .share(Share::Group(fleet::WORKER_GROUP.into()))
        .qos(QoS::AtLeastOnce)
        .max_workers(4);
    let app = App::new(config(broker).client_id(format!("proof-fleet-{i}")))
        .mount(routes.into_router())
        .start()
        .await
        .expect("start an instance");
    app.ready(T)
        .await
        .expect("instance subscribed to the group");
    app
}

fn position(n: u64) -> Outgoing {
    let body = Position {
        heading: None,
        lat: 52.37,
        lon: 4.89,
        recorded_at: chrono::DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .expect("a valid timestamp"),
        speed_kmh: None,
    };
    let payload = serde_json::to_vec(&body).expect("encode a position");
    Outgoing::new(format!("fleet/eu/vehicles/v{n}/position"), payload).qos(QoS::AtLeastOnce)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_split_the_work_each_message_once() {
    let broker = Mosquitto::start();
    let group = Tally::default();
    let instances: Vec<Instance> = (0..INSTANCES)
        .map(|_| Instance {
            group: group.clone(),
            ..Instance::default()
        })
        .collect();
    let mut apps = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        // `ready` returns once the broker acknowledged the subscription.
        apps.push(start_instance(&broker, i, instance).await);
    }

    let sender = App::new(config(&broker).client_id("proof-fleet-vehicles"))
        .start()
        .await
        .expect("start the sender");
    sender.ready(T).await.expect("sender connected");
    for n in 0..POSITIONS {
        sender
            .publisher()
            .publish(position(n))
            .await
            .expect("queue a position");
    }
    let shares = || -> Vec<u64> {
        instances
            .iter()
            .map(|i| i.handled.load(Ordering::Relaxed))
            .collect()
    };
    wait_until(
        "9,000 distinct positions across the group",
        T,
        || group.distinct() == POSITIONS,
        || format!("distinct {}, shares {:?}", group.distinct(), shares()),
    )
    .await;
    wait_until(
        "the sender's outbox to drain",
        T,
        || sender.publisher().pending() == 0,
        || format!("pending {}", sender.publisher().pending()),
    )
    .await;
    sender.shutdown(T).await.expect("stop the sender");
    for app in apps {
        app.shutdown(T).await.expect("stop an instance");
    }

    let shares = shares();
    let name = "scale-out";
    figure(name, "instances in the shared group", INSTANCES);
    figure(name, "positions published (QoS 1)", POSITIONS);
    figure(name, "handled across the group", group.deliveries());
    figure(name, "distinct", group.distinct());
    figure(name, "handled twice", group.duplicates());
    figure(name, "per instance", format!("{shares:?}"));
    assert_eq!(
        group.deliveries(),
        POSITIONS,
        "each position handled exactly once"
    );
    assert_eq!(group.missing(POSITIONS), 0);
    let third = POSITIONS / INSTANCES as u64;
    assert_eq!(
        shares,
        vec![third; INSTANCES],
        "each instance handles exactly a third"
    );
}
