//! The generated test kits of both sides (`app::testing`, `lamp::testing`): typed deliveries
//! and expectations for every operation of `specs/streetlights.yaml`, the diff a mismatch
//! prints, and the handler's failures as values.

use mqttgen::handled::Outcome;
use streetlights::app::types::{DimPayload, DimPayloadCommand, LightMeasuredPayload};
use streetlights::control::{command_for, LightControl};
use streetlights::simulator::{self, Lamp, LampState};
use streetlights::{app, lamp};

fn reading(lumens: u32) -> LightMeasuredPayload {
    LightMeasuredPayload {
        lumens,
        sent_at: "2026-12-03T05:00:00+00:00".parse().unwrap(),
    }
}

fn north(light_id: &str) -> app::LightMeasuredParams {
    app::LightMeasuredParams {
        district: app::District::North,
        light_id: light_id.into(),
    }
}

fn command_to(light_id: &str) -> app::LightCommandParams {
    app::LightCommandParams {
        district: app::District::North,
        light_id: light_id.into(),
    }
}

#[tokio::test]
async fn the_service_answers_a_measurement_with_a_command() {
    let kit = app::testing::Harness::start(LightControl).await;
    for (light, lumens) in [("l1", 40), ("l2", 550), ("l3", 4_000)] {
        kit.receive_light_measured(&north(light), &reading(lumens))
            .await
            .unwrap();
        kit.expect_send_light_command_eq(command_to(light), command_for(lumens))
            .await;
    }
    kit.assert_nothing_published().await;
}

#[tokio::test]
async fn expect_returns_the_typed_params_and_message() {
    let kit = app::testing::Harness::start(LightControl).await;
    kit.receive_light_measured(&north("l9"), &reading(550))
        .await
        .unwrap();
    let (params, command) = kit.expect_send_light_command().await;
    assert_eq!(params, command_to("l9"));
    assert_eq!(
        command,
        app::SendLightCommandMessage::Dim(DimPayload {
            command: DimPayloadCommand::Dim,
            percentage: 50,
        })
    );
}

/// The service's command for `lumens`, as the lamp side's type.
fn lamp_command(lumens: u32) -> lamp::SendLightCommandMessage {
    match command_for(lumens) {
        app::SendLightCommandMessage::TurnOn(on) => lamp::SendLightCommandMessage::TurnOn(on),
        app::SendLightCommandMessage::TurnOff(off) => lamp::SendLightCommandMessage::TurnOff(off),
        app::SendLightCommandMessage::Dim(dim) => lamp::SendLightCommandMessage::Dim(dim),
    }
}

#[tokio::test]
async fn the_lamp_side_handles_commands_and_its_reports_are_expected() {
    let lamp = Lamp::default();
    let kit = lamp::testing::Harness::start(lamp.clone()).await;
    let params = lamp::LightCommandParams {
        district: lamp::District::South,
        light_id: "l7".into(),
    };
    for lumens in [40, 550, 4_000] {
        kit.receive_light_command(&params, &lamp_command(lumens))
            .await
            .unwrap();
    }
    // Handled before the call returned: no waiting needed.
    assert_eq!(
        lamp.log.lock().unwrap().clone(),
        vec![
            ("l7".to_string(), LampState::On),
            ("l7".to_string(), LampState::Dimmed(50)),
            ("l7".to_string(), LampState::Off),
        ]
    );
    simulator::report(&kit.publisher(), lamp::District::East, "l8", 123)
        .await
        .unwrap();
    let (params, measured) = kit.expect_send_light_measured().await;
    assert_eq!(
        (params.district, params.light_id.as_str(), measured.lumens),
        (lamp::District::East, "l8", 123)
    );
    kit.assert_nothing_published().await;
}

/// The panic message of a future run on its own task.
async fn panic_of(future: impl std::future::Future<Output = ()> + Send + 'static) -> String {
    let error = tokio::spawn(future).await.expect_err("it must panic");
    let payload = error.into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[tokio::test]
async fn a_mismatch_prints_a_readable_diff() {
    let kit = app::testing::Harness::start(LightControl).await;
    kit.receive_light_measured(&north("l1"), &reading(40))
        .await
        .unwrap();
    let message = panic_of(async move {
        // The service turns the lamp on; the test wrongly expects it off.
        kit.expect_send_light_command_eq(command_to("l1"), command_for(4_000))
            .await;
    })
    .await;
    assert!(
        message.contains("`sendLightCommand`: the published message differs"),
        "{message}"
    );
    assert!(message.contains("-     TurnOff(\n"), "{message}");
    assert!(message.contains("+     TurnOn(\n"), "{message}");
    assert!(
        message.contains("-             command: TurnOff,"),
        "{message}"
    );
    assert!(
        message.contains("+             command: TurnOn,"),
        "{message}"
    );
    assert!(
        message.find("-     TurnOff(") < message.find("+     TurnOn("),
        "removed lines first: {message}"
    );
    // The params are equal: shown unmarked.
    assert!(
        message.contains("\n          light_id: \"l1\","),
        "{message}"
    );
}

#[tokio::test]
async fn an_unexpected_publish_and_a_missing_one_are_reported() {
    let kit = app::testing::Harness::start(LightControl).await;
    kit.receive_light_measured(&north("l1"), &reading(40))
        .await
        .unwrap();
    let message = panic_of(async move { kit.assert_nothing_published().await }).await;
    assert!(
        message.contains("expected nothing more to be published"),
        "{message}"
    );
    assert!(
        message.contains("city/north/lights/l1/command"),
        "{message}"
    );

    let kit = app::testing::Harness::start(LightControl).await;
    kit.kit().set_timeout(std::time::Duration::from_millis(50));
    let message = panic_of(async move {
        kit.expect_send_light_command().await;
    })
    .await;
    assert!(
        message.contains("`sendLightCommand`: nothing was published on `city/+/lights/+/command`"),
        "{message}"
    );
}

/// Fails every measurement.
struct Failing;

impl app::Handler for Failing {
    async fn receive_light_measured(
        &self,
        _params: app::LightMeasuredParams,
        _message: LightMeasuredPayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), mqttgen::HandlerError> {
        Err(mqttgen::HandlerError::failed("sensor offline"))
    }
}

#[tokio::test]
async fn a_failing_handler_is_a_value() {
    let kit = app::testing::Harness::start(Failing).await;
    let rejected = kit
        .receive_light_measured(&north("l1"), &reading(40))
        .await
        .unwrap_err();
    assert_eq!(rejected.route, "receiveLightMeasured");
    assert!(
        matches!(&rejected.outcome, Outcome::Failed(why) if why.contains("sensor offline")),
        "{rejected}"
    );
    // A payload its schema refuses (lumens ≤ 100000), sent unchecked, never reaches the handler.
    let kit = app::testing::Harness::start(LightControl).await;
    let rejected = kit
        .receive_light_measured_with(
            &north("l1"),
            &reading(200_000),
            app::PublishOptions::default().unchecked(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&rejected.outcome, Outcome::DecodeFailed(why) if why.contains("100000")),
        "{rejected}"
    );
    kit.assert_nothing_published().await;
}
