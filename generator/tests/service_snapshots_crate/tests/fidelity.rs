//! The `fidelity` case (`generator/tests/fixtures/service-fidelity-2.6.yaml`) end to end: the
//! client role publishes, the app role handles, through the in-memory broker.
//!
//! - parameters sharing a level (`cfg/{a}.{b}`): a value holding the separator is refused;
//! - integer parameters sized and bounded like payload integers (`minimum: 0` → `u64`);
//! - a channel whose first message takes any JSON: every message arrives as its own variant;
//! - typed `text/plain` payloads (enum, integer, boolean) travel as text;
//! - payload limits are checked before sending, with a per-call opt-out.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mqttgen::testing::MemoryBroker;
use mqttgen::TopicParams;
use mqttgen::{App, HandlerError, Outgoing, RunningApp};
use mqttgen_service_snapshots::fidelity::{app, client, types};

const WAIT: Duration = Duration::from_secs(5);

async fn start(broker: &MemoryBroker, id: &str, router: mqttgen::Router) -> RunningApp {
    let app = App::in_memory(broker)
        .memory_client_id(id)
        .mount(router)
        .start()
        .await
        .expect("starts");
    app.ready(WAIT).await.expect("ready");
    app
}

/// Everything the app received, in order.
#[derive(Default)]
struct Seen {
    settings: Mutex<Vec<(String, String)>>,
    firmware: Mutex<Vec<(u8, u64, u8)>>,
    states: Mutex<Vec<types::BridgeStatePayload>>,
    levels: Mutex<Vec<u8>>,
    online: Mutex<Vec<bool>>,
    events: Mutex<Vec<app::ReceiveEventMessage>>,
    limits: Mutex<Vec<types::LimitsPayload>>,
}

impl app::Handler for Seen {
    async fn receive_setting(
        &self,
        params: app::CfgParams,
        _message: types::SettingPayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.settings.lock().unwrap().push((params.a, params.b));
        Ok(())
    }

    async fn receive_firmware(
        &self,
        params: app::DevParams,
        _message: types::FirmwarePayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        let app::DevParams { unit, major, minor } = params;
        self.firmware.lock().unwrap().push((unit, major, minor));
        Ok(())
    }

    async fn receive_bridge_state(
        &self,
        message: types::BridgeStatePayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.states.lock().unwrap().push(message);
        Ok(())
    }

    async fn receive_level(
        &self,
        message: types::LevelPayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.levels.lock().unwrap().push(*message);
        Ok(())
    }

    async fn receive_online(
        &self,
        message: types::OnlinePayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.online.lock().unwrap().push(*message);
        Ok(())
    }

    async fn receive_event(
        &self,
        message: app::ReceiveEventMessage,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.events.lock().unwrap().push(message);
        Ok(())
    }

    async fn receive_limits(
        &self,
        message: types::LimitsPayload,
        _context: app::MessageContext<()>,
    ) -> Result<(), HandlerError> {
        self.limits.lock().unwrap().push(message);
        Ok(())
    }
}

async fn pair(broker: &MemoryBroker) -> (Arc<Seen>, RunningApp, RunningApp, client::Publisher) {
    let seen = Arc::new(Seen::default());
    let service = start(broker, "app", app::routes(seen.clone()).into_router()).await;
    // The client only publishes: every operation of the spec is the app's to receive.
    let device = start(broker, "device", mqttgen::Router::new()).await;
    let publisher = client::Publisher::new(device.publisher());
    (seen, service, device, publisher)
}

#[test]
fn a_value_holding_the_separator_of_its_shared_level_is_refused() {
    let ambiguous = client::CfgParams {
        a: "x.y".into(),
        b: "z".into(),
    };
    let error = ambiguous.topic().unwrap_err().to_string();
    assert!(error.contains("{a} = `x.y`"), "{error}");
    // The last parameter of the level may hold it: the receiver reads it back whole.
    let fine = client::CfgParams {
        a: "x".into(),
        b: "y.z".into(),
    };
    let topic = fine.topic().unwrap();
    assert_eq!(topic, "cfg/x.y.z");
    let parsed = app::CfgParams::parse(&topic).unwrap();
    assert_eq!((parsed.a.as_str(), parsed.b.as_str()), ("x", "y.z"));
}

#[test]
fn integer_parameters_are_sized_and_range_checked_both_ways() {
    // `minimum: 0` is unsigned, `1..=200` and `0..=99` fit a `u8`.
    let params = app::DevParams::parse("dev/7/v2.15").unwrap();
    let (unit, major, minor): (u8, u64, u8) = (params.unit, params.major, params.minor);
    assert_eq!((unit, major, minor), (7, 2, 15));
    assert_eq!(params.topic().unwrap(), "dev/7/v2.15");
    for topic in [
        "dev/7/v2.-1",
        "dev/7/v-2.1",
        "dev/0/v2.1",
        "dev/201/v2.1",
        "dev/7/v2.100",
        "dev/300/v2.1",
    ] {
        let error = app::DevParams::parse(topic).unwrap_err().to_string();
        assert!(
            error.contains("expected an integer from"),
            "{topic}: {error}"
        );
    }
    for (unit, minor) in [(0, 1), (201, 1), (7, 100)] {
        let params = client::DevParams {
            unit,
            major: 1,
            minor,
        };
        let error = params.topic().unwrap_err().to_string();
        assert!(error.contains("invalid topic"), "{error}");
    }
}

#[tokio::test]
async fn a_message_taking_any_json_never_shadows_the_typed_ones() {
    let broker = MemoryBroker::new();
    let (seen, service, device, publisher) = pair(&broker).await;
    let sent = [
        client::ReceiveEventMessage::Alarm(types::AlarmPayload {
            alarm: "smoke".into(),
        }),
        client::ReceiveEventMessage::Reading(types::ReadingPayload { value: 21.5 }),
        client::ReceiveEventMessage::Anything(types::AnythingPayload(
            serde_json::json!({"free": ["form", 1]}),
        )),
    ];
    for message in &sent {
        publisher.send_event(message).await.unwrap();
    }
    broker.settle().await.unwrap();
    let received = seen.events.lock().unwrap().clone();
    let expected: Vec<app::ReceiveEventMessage> = vec![
        app::ReceiveEventMessage::Alarm(types::AlarmPayload {
            alarm: "smoke".into(),
        }),
        app::ReceiveEventMessage::Reading(types::ReadingPayload { value: 21.5 }),
        app::ReceiveEventMessage::Anything(types::AnythingPayload(
            serde_json::json!({"free": ["form", 1]}),
        )),
    ];
    assert_eq!(
        received, expected,
        "each message arrives as its own variant"
    );
    device.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test]
async fn typed_text_payloads_travel_as_text() {
    let broker = MemoryBroker::new();
    let (seen, service, device, publisher) = pair(&broker).await;
    publisher
        .send_bridge_state(&types::BridgeStatePayload::On)
        .await
        .unwrap();
    publisher
        .send_level(&types::LevelPayload::from(42u8))
        .await
        .unwrap();
    publisher
        .send_online(&types::OnlinePayload(true))
        .await
        .unwrap();
    broker.settle().await.unwrap();
    let text = |filter: &str| -> Vec<String> {
        broker
            .published_to(filter)
            .iter()
            .map(|m| String::from_utf8(m.payload.to_vec()).unwrap())
            .collect()
    };
    assert_eq!(text("bridge/state"), ["ON"]);
    assert_eq!(text("bridge/level"), ["42"]);
    assert_eq!(text("bridge/online"), ["true"]);

    // Text from a device that never heard of JSON decodes to the typed value; text outside the
    // enum (or the range) never reaches the handler.
    for (topic, payload) in [
        ("bridge/state", "OFF"),
        ("bridge/state", "rebooting"),
        ("bridge/level", "7"),
        ("bridge/level", "101"),
        ("bridge/online", "false"),
        ("bridge/online", "yes"),
    ] {
        broker.publish(Outgoing::new(topic, payload)).await;
    }
    broker.settle().await.unwrap();
    assert_eq!(
        *seen.states.lock().unwrap(),
        [
            types::BridgeStatePayload::On,
            types::BridgeStatePayload::Off
        ]
    );
    assert_eq!(*seen.levels.lock().unwrap(), [42, 7]);
    assert_eq!(*seen.online.lock().unwrap(), [true, false]);
    device.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}

#[tokio::test]
async fn payload_limits_are_checked_before_sending_unless_opted_out() {
    let broker = MemoryBroker::new();
    let (seen, service, device, publisher) = pair(&broker).await;
    let fine = types::LimitsPayload {
        percent: 100,
        ratio: Some(1.5),
    };
    publisher.send_limits(&fine).await.unwrap();
    let too_much = types::LimitsPayload {
        percent: 150,
        ratio: None,
    };
    let error = publisher.send_limits(&too_much).await.unwrap_err();
    assert!(matches!(error, mqttgen::Error::Encode(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("`$.percent`"), "{text}");
    let ratio = types::LimitsPayload {
        percent: 1,
        ratio: Some(2.0),
    };
    let text = publisher.send_limits(&ratio).await.unwrap_err().to_string();
    assert!(text.contains("`$.ratio`"), "{text}");
    broker.settle().await.unwrap();
    assert_eq!(
        broker.published_to("limits").len(),
        1,
        "nothing rejected is sent"
    );

    // The per-call opt-out sends it anyway; the receiver rejects it as before.
    publisher
        .send_limits_with(&too_much, client::PublishOptions::new().unchecked())
        .await
        .unwrap();
    broker.settle().await.unwrap();
    assert_eq!(broker.published_to("limits").len(), 2);
    assert_eq!(*seen.limits.lock().unwrap(), [fine]);
    device.shutdown(WAIT).await.unwrap();
    service.shutdown(WAIT).await.unwrap();
}
