//! The generated test kits of both sides of `specs/fleet` (multi-file spec, headers, a
//! discriminated command enum): every operation delivered or expected, typed.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use fleet::generated::{self as service, types as service_types};
use fleet::vehicle::{self, types};
use fleet::FleetService;

fn position() -> types::Position {
    types::Position {
        heading: Some(90),
        lat: 48.1,
        lon: 11.5,
        recorded_at: "2026-12-03T05:00:00+00:00".parse().unwrap(),
        speed_kmh: None,
    }
}

fn alert(severity: service_types::AlertSeverity) -> service_types::Alert {
    service_types::Alert {
        code: "BRK-042".parse().unwrap(),
        detail: None,
        position: None,
        severity,
    }
}

#[tokio::test]
async fn the_service_handles_positions_and_alerts_and_commands_a_stop() {
    let fleet = FleetService::default();
    let kit = service::testing::Harness::start(fleet.clone()).await;
    let position_params = service::PositionParams {
        region: service::Region::Eu,
        vehicle_id: "v1".into(),
    };
    let reading = service_types::Position {
        heading: Some(90),
        lat: 48.1,
        lon: 11.5,
        recorded_at: "2026-12-03T05:00:00+00:00".parse().unwrap(),
        speed_kmh: None,
    };
    kit.receive_position(&position_params, &reading)
        .await
        .unwrap();
    assert_eq!(fleet.positions.load(Ordering::SeqCst), 1);

    let alert_params = service::AlertParams {
        region: service::Region::Eu,
        vehicle_id: "v1".into(),
    };
    kit.receive_alert(&alert_params, &alert(service_types::AlertSeverity::Warning))
        .await
        .unwrap();
    kit.assert_nothing_published().await;
    kit.receive_alert(
        &alert_params,
        &alert(service_types::AlertSeverity::Critical),
    )
    .await
    .unwrap();
    kit.expect_send_command_eq(
        service::CommandParams {
            region: service::Region::Eu,
            vehicle_id: "v1".into(),
        },
        service_types::Command::Stop {
            reason: Some("critical alert BRK-042".into()),
        },
    )
    .await;
    kit.assert_nothing_published().await;
    assert_eq!(fleet.alerts.load(Ordering::SeqCst), 2);
}

/// A command as a vehicle got it: vehicle id, command, who issued it.
type Received = (String, types::Command, Option<String>);

/// A vehicle: records the commands it gets.
#[derive(Clone, Default)]
struct Vehicle {
    commands: Arc<Mutex<Vec<Received>>>,
}

impl vehicle::Handler for Vehicle {
    async fn receive_command(
        &self,
        params: vehicle::CommandParams,
        message: types::Command,
        context: vehicle::MessageContext<types::CommandHeaders>,
    ) -> Result<(), mqttgen::HandlerError> {
        self.commands
            .lock()
            .unwrap()
            .push((params.vehicle_id, message, context.headers.issued_by));
        Ok(())
    }
}

#[tokio::test]
async fn the_vehicle_side_handles_commands_with_headers_and_its_reports_are_expected() {
    let car = Vehicle::default();
    let kit = vehicle::testing::Harness::start(car.clone()).await;
    let params = vehicle::CommandParams {
        region: vehicle::Region::Us,
        vehicle_id: "v2".into(),
    };
    let route = types::Command::Route {
        waypoints: vec![position()],
    };
    let headers = types::CommandHeaders {
        issued_by: Some("dispatch".into()),
    };
    kit.receive_command_with(
        &params,
        &route,
        vehicle::PublishOptions::default()
            .headers(&headers)
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        car.commands.lock().unwrap().clone(),
        vec![("v2".to_string(), route, Some("dispatch".to_string()))]
    );

    let publisher = kit.publisher();
    let at = vehicle::PositionParams {
        region: vehicle::Region::Apac,
        vehicle_id: "v2".into(),
    };
    publisher.send_position(&at, &position()).await.unwrap();
    kit.expect_send_position_eq(at, position()).await;

    let from = vehicle::AlertParams {
        region: vehicle::Region::Apac,
        vehicle_id: "v2".into(),
    };
    let low_tyre = types::Alert {
        code: "TYR-001".parse().unwrap(),
        detail: Some("front left".into()),
        position: Some(position()),
        severity: types::AlertSeverity::Info,
    };
    publisher.send_alert(&from, &low_tyre).await.unwrap();
    let (params, published) = kit.expect_send_alert().await;
    assert_eq!((params, published), (from, low_tyre));
    kit.assert_nothing_published().await;
}
