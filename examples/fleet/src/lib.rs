//! A fleet service generated in build.rs from `specs/fleet/asyncapi.yaml` (+ `schemas.yaml`).
//!
//! Vehicles report positions (handled by a shared-subscription worker group, so several
//! instances split the load) and alerts; the service answers critical alerts with a stop command.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The generated module: `types`, `service` and the service items re-exported.
pub mod generated {
    mqttgen::include_service!("fleet");
}

/// The vehicle side of the same spec (`Role::Client`): it handles commands and publishes
/// positions and alerts — a vehicle simulator for tests.
pub mod vehicle {
    mqttgen::include_service!("fleet_client");
}

use generated::types::{Alert, AlertSeverity, Command, Position};
use generated::{AlertParams, CommandParams, Handler, MessageContext, PositionParams};

/// The shared-subscription group of position workers.
pub const WORKER_GROUP: &str = "fleet-workers";

/// The fleet service's business logic.
#[derive(Debug, Default, Clone)]
pub struct FleetService {
    /// Positions handled by this instance.
    pub positions: Arc<AtomicUsize>,
    /// Alerts handled by this instance.
    pub alerts: Arc<AtomicUsize>,
}

impl Handler for FleetService {
    async fn receive_position(
        &self,
        _params: PositionParams,
        _message: Position,
        _context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        self.positions.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    async fn receive_alert(
        &self,
        params: AlertParams,
        message: Alert,
        context: MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        self.alerts.fetch_add(1, Ordering::SeqCst);
        if message.severity == AlertSeverity::Critical {
            let stop = Command::Stop {
                reason: Some(format!("critical alert {}", *message.code)),
            };
            let target = CommandParams {
                region: params.region,
                vehicle_id: params.vehicle_id,
            };
            context.publisher().send_command(&target, &stop).await?;
        }
        Ok(())
    }
}

/// The service's router: positions go to the shared worker group with 4 concurrent workers,
/// alerts are handled in order by every instance's own subscription.
pub fn router(service: FleetService) -> mqttgen::Router {
    let mut routes = generated::routes(Arc::new(service));
    routes.receive_position = routes
        .receive_position
        .share(mqttgen::Share::Group(WORKER_GROUP.to_string()))
        .max_workers(4);
    routes.into_router()
}
