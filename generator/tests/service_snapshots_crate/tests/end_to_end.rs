//! The app role and the client role generated from one spec talk to each other through the
//! runtime's in-memory broker: typed publishers on one side, typed handlers on the other.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mqttgen::testing::MemoryBroker;
use mqttgen::{App, HandlerError, Outgoing, RunningApp};

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

mod streetlights {
    use super::*;
    use mqttgen_service_snapshots::streetlights_v3::{app, client, types};

    /// What the service saw: streetlight id, lumens, `my-app-header`.
    type Seen = (String, Option<u64>, Option<u8>);

    /// The streetlights service: on a measurement below 100 lumens, turn that light on.
    #[derive(Default)]
    struct Service {
        seen: Mutex<Vec<Seen>>,
    }

    impl app::Handler for Service {
        async fn receive_light_measurement(
            &self,
            params: app::LightingMeasuredParams,
            message: types::LightMeasuredPayload,
            context: app::MessageContext<types::LightMeasuredHeaders>,
        ) -> Result<(), HandlerError> {
            self.seen.lock().unwrap().push((
                params.streetlight_id.clone(),
                message.lumens,
                context.headers.my_app_header,
            ));
            if message.lumens.unwrap_or(0) < 100 {
                let command = types::TurnOnOffPayload {
                    command: Some(types::TurnOnOffPayloadCommand::On),
                    sent_at: None,
                };
                let target = app::LightTurnOnParams {
                    streetlight_id: params.streetlight_id,
                };
                context.publisher().turn_on(&target, &command).await?;
            }
            Ok(())
        }
    }

    /// A simulated streetlight: records the commands it gets.
    #[derive(Default)]
    struct Lamp {
        commands: Mutex<Vec<(String, String)>>,
    }

    impl client::Handler for Lamp {
        async fn turn_on(
            &self,
            params: client::LightTurnOnParams,
            message: types::TurnOnOffPayload,
            _context: client::MessageContext<types::TurnOnOffHeaders>,
        ) -> Result<(), HandlerError> {
            let command = message.command.map(|c| c.to_string()).unwrap_or_default();
            self.commands
                .lock()
                .unwrap()
                .push((params.streetlight_id, command));
            Ok(())
        }

        async fn turn_off(
            &self,
            params: client::LightTurnOffParams,
            _message: types::TurnOnOffPayload,
            _context: client::MessageContext<types::TurnOnOffHeaders>,
        ) -> Result<(), HandlerError> {
            self.commands
                .lock()
                .unwrap()
                .push((params.streetlight_id, "off".into()));
            Ok(())
        }

        async fn dim_light(
            &self,
            params: client::LightsDimParams,
            _message: types::DimLightPayload,
            _context: client::MessageContext<types::DimLightHeaders>,
        ) -> Result<(), HandlerError> {
            self.commands
                .lock()
                .unwrap()
                .push((params.streetlight_id, "dim".into()));
            Ok(())
        }
    }

    #[tokio::test]
    async fn measurement_in_command_out() {
        let broker = MemoryBroker::new();
        let service = Arc::new(Service::default());
        let lamp = Arc::new(Lamp::default());
        let service_app = start(
            &broker,
            "service",
            app::routes(service.clone()).into_router(),
        )
        .await;
        let lamp_app = start(&broker, "lamp", client::routes(lamp.clone()).into_router()).await;

        let publisher = client::Publisher::new(lamp_app.publisher());
        let params = client::LightingMeasuredParams {
            streetlight_id: "lamp-7".into(),
        };
        let reading = types::LightMeasuredPayload {
            lumens: Some(42),
            sent_at: None,
        };
        let headers = types::LightMeasuredHeaders {
            my_app_header: Some(7),
        };
        publisher
            .send_light_measurement_with(
                &params,
                &reading,
                client::PublishOptions::new().headers(&headers).unwrap(),
            )
            .await
            .unwrap();
        broker
            .wait_for_publish("smartylighting/streetlights/1/0/action/+/turn/on", WAIT)
            .await
            .expect("the service commands the lamp");
        broker.settle().await.unwrap();

        assert_eq!(
            *service.seen.lock().unwrap(),
            [("lamp-7".to_string(), Some(42), Some(7))],
            "typed params, payload and headers"
        );
        assert_eq!(
            *lamp.commands.lock().unwrap(),
            [("lamp-7".to_string(), "on".to_string())]
        );
        let sent = broker.published_to("smartylighting/streetlights/1/0/event/+/lighting/measured");
        assert_eq!(
            sent[0].qos,
            mqttgen::QoS::AtLeastOnce,
            "QoS from the operation binding"
        );
        assert_eq!(
            sent[0].properties.content_type.as_deref(),
            Some("application/json")
        );

        // A topic parameter that would change the topic is refused before anything is published.
        let bad = client::LightingMeasuredParams {
            streetlight_id: "a/#".into(),
        };
        assert!(publisher
            .send_light_measurement(&bad, &reading)
            .await
            .is_err());
        assert_eq!(broker.published().len(), 2);

        // A payload that does not decode never reaches the handler.
        broker
            .publish(Outgoing::new(
                "smartylighting/streetlights/1/0/event/lamp-8/lighting/measured",
                r#"{"lumens": "bright"}"#,
            ))
            .await;
        broker.settle().await.unwrap();
        assert_eq!(service.seen.lock().unwrap().len(), 1);

        lamp_app.shutdown(WAIT).await.unwrap();
        service_app.shutdown(WAIT).await.unwrap();
    }
}

mod request_reply {
    use super::*;
    use mqttgen_service_snapshots::request_reply::{app, client, types};

    struct Thermostat;

    impl app::Handler for Thermostat {
        async fn change_setpoint(
            &self,
            params: app::SetpointRequestsParams,
            message: app::ChangeSetpointMessage,
            context: app::MessageContext<types::RequestHeaders>,
        ) -> Result<types::SetpointAcceptedPayload, HandlerError> {
            let celsius = match message {
                app::ChangeSetpointMessage::SetSetpoint(set) => set.celsius,
                app::ChangeSetpointMessage::Boost(_) => 30.0,
            };
            Ok(types::SetpointAcceptedPayload {
                celsius,
                until: Some(format!(
                    "{}:{}:{}",
                    params.zone,
                    context.headers.requested_by.unwrap_or_default(),
                    context.headers.priority.unwrap_or_default()
                )),
            })
        }
    }

    struct Panel;

    impl client::Handler for Panel {
        async fn receive_reading(
            &self,
            _params: client::ReadingsParams,
            _message: types::ReadingPayload,
            _context: client::MessageContext,
        ) -> Result<(), HandlerError> {
            Ok(())
        }

        async fn receive_heartbeat(
            &self,
            _message: String,
            _context: client::MessageContext,
        ) -> Result<(), HandlerError> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn handler_return_value_is_the_reply() {
        let broker = MemoryBroker::new();
        let thermostat = start(&broker, "thermostat", app::mount(Thermostat)).await;
        let panel = start(&broker, "panel", client::mount(Panel)).await;
        let publisher = client::Publisher::new(panel.publisher());
        let params = client::SetpointRequestsParams {
            thermostat_id: "t1".into(),
            zone: client::Zone::Bath,
        };
        let headers = types::RequestHeaders {
            requested_by: Some("panel".into()),
            priority: Some(3),
            ..Default::default()
        };
        for (message, expected) in [
            (
                client::ChangeSetpointMessage::SetSetpoint(types::SetSetpointPayload {
                    celsius: 21.5,
                    kind: types::SetSetpointPayloadKind::Set,
                }),
                21.5,
            ),
            (
                client::ChangeSetpointMessage::Boost(types::BoostPayload {
                    kind: types::BoostPayloadKind::Boost,
                    minutes: std::num::NonZeroU8::new(10).unwrap(),
                }),
                30.0,
            ),
        ] {
            // The generated request waits for the reply on a private response topic.
            let accepted = publisher
                .change_setpoint_with(
                    &params,
                    &message,
                    client::PublishOptions::new()
                        .headers(&headers)
                        .unwrap()
                        .timeout(WAIT),
                )
                .await
                .unwrap();
            assert_eq!(
                accepted.celsius, expected,
                "variant picked by the `kind` discriminator"
            );
            assert_eq!(accepted.until.as_deref(), Some("bath:panel:3"));
        }

        // An explicit response topic and correlation data are honoured and echoed.
        broker.clear_published();
        let set = client::ChangeSetpointMessage::SetSetpoint(types::SetSetpointPayload {
            celsius: 18.0,
            kind: types::SetSetpointPayloadKind::Set,
        });
        let accepted = publisher
            .change_setpoint_with(
                &params,
                &set,
                client::PublishOptions::new()
                    .response_topic("replies/panel")
                    .correlation_data("req-1".as_bytes()),
            )
            .await
            .unwrap();
        assert_eq!(accepted.celsius, 18.0);
        let reply = &broker.published_to("replies/panel")[0];
        assert_eq!(
            reply.properties.correlation_data.as_deref(),
            Some("req-1".as_bytes())
        );

        // Without an MQTT 5 response topic, the reply goes to the `replyTo` header (the spec's reply
        // address location) and echoes the `requestId` header (the spec's correlation id).
        broker.clear_published();
        broker
            .publish(
                Outgoing::new(
                    "thermostats/t1/zones/living/setpoint",
                    r#"{"kind":"set","celsius":19.0}"#,
                )
                .user_property("replyTo", "replies/legacy")
                .user_property("requestId", "r-9"),
            )
            .await;
        let reply = broker
            .wait_for_publish("replies/legacy", WAIT)
            .await
            .unwrap();
        assert_eq!(reply.properties.user_property("requestId"), Some("r-9"));

        // A request whose discriminator matches no message is not handled (no reply).
        broker.clear_published();
        broker
            .publish(
                Outgoing::new("thermostats/t1/zones/bath/setpoint", r#"{"kind":"nope"}"#)
                    .response_topic("replies/panel"),
            )
            .await;
        broker.settle().await.unwrap();
        assert!(broker.published_to("replies/panel").is_empty());

        panel.shutdown(WAIT).await.unwrap();
        thermostat.shutdown(WAIT).await.unwrap();
    }
}

mod prefixes_and_sharing {
    use super::*;
    use mqttgen::{Router, Share};
    use mqttgen_service_snapshots::request_reply::{app, types};

    struct Thermostat;

    impl app::Handler for Thermostat {
        async fn change_setpoint(
            &self,
            params: app::SetpointRequestsParams,
            _message: app::ChangeSetpointMessage,
            _context: app::MessageContext<types::RequestHeaders>,
        ) -> Result<types::SetpointAcceptedPayload, HandlerError> {
            Ok(types::SetpointAcceptedPayload {
                celsius: 20.0,
                until: Some(format!("{}/{}", params.thermostat_id, params.zone)),
            })
        }
    }

    /// Routes can be adjusted (shared group) and nested under a prefix; topic parameters are still
    /// parsed from the spec's address below the prefix.
    #[tokio::test]
    async fn nested_and_shared_routes_still_parse_parameters() {
        let broker = MemoryBroker::new();
        let mut routes = app::routes(Arc::new(Thermostat));
        routes.change_setpoint = routes.change_setpoint.share(Share::Group("pool".into()));
        let router = Router::new().nest("site-1/floor-2", routes.into_router());
        let running = start(&broker, "thermostat", router).await;
        assert!(broker
            .subscriptions()
            .values()
            .flatten()
            .any(|filter| filter == "$share/pool/site-1/floor-2/thermostats/+/zones/+/setpoint"));
        broker
            .publish(
                Outgoing::new(
                    "site-1/floor-2/thermostats/t9/zones/bath/setpoint",
                    r#"{"kind":"set","celsius":20.0}"#,
                )
                .response_topic("replies/x"),
            )
            .await;
        let reply = broker.wait_for_publish("replies/x", WAIT).await.unwrap();
        let accepted: types::SetpointAcceptedPayload =
            serde_json::from_slice(&reply.payload).unwrap();
        assert_eq!(accepted.until.as_deref(), Some("t9/bath"));
        running.shutdown(WAIT).await.unwrap();
    }
}

mod edge_cases {
    use super::*;
    use mqttgen_service_snapshots::edge_cases::app;

    /// Records which variant arrived, with the `{self}` parameter (a keyword in Rust).
    #[derive(Default)]
    struct Recorder {
        seen: Mutex<Vec<String>>,
    }

    impl app::Handler for Recorder {
        async fn turn_on(
            &self,
            params: app::TypeParams,
            message: app::TurnOnMessage,
            _context: app::MessageContext,
        ) -> Result<(), HandlerError> {
            let what = match message {
                app::TurnOnMessage::Ping(()) => "ping".to_string(),
                app::TurnOnMessage::Blob(bytes) => format!("blob:{}", bytes.len()),
                app::TurnOnMessage::Note(text) => format!("note:{text}"),
            };
            self.seen
                .lock()
                .unwrap()
                .push(format!("{}/{}", params.self_, what));
            Ok(())
        }

        async fn mount_2(
            &self,
            _params: app::HandlerParams,
            _message: Vec<u8>,
            _context: app::MessageContext,
        ) -> Result<(), HandlerError> {
            Ok(())
        }

        async fn report_prelude(
            &self,
            params: app::PreludeParams,
            message: String,
            _context: app::MessageContext,
        ) -> Result<(), HandlerError> {
            self.seen
                .lock()
                .unwrap()
                .push(format!("{}:{message}", params.string));
            Ok(())
        }
    }

    /// The app both publishes and handles `turnOn`: by default (MQTT 5 No Local) it does not
    /// handle its own publishes, while another client's message is handled.
    #[tokio::test]
    async fn own_publishes_are_not_handled_by_default() {
        let broker = MemoryBroker::new();
        let recorder = Arc::new(Recorder::default());
        let running = start(&broker, "edge", app::routes(recorder.clone()).into_router()).await;
        let publisher = app::Publisher::new(running.publisher());
        let params = app::TypeParams {
            self_: "me".into(),
            type_: "a".into(),
        };
        publisher
            .turn_on(&params, &app::TurnOnMessage::Ping(()))
            .await
            .unwrap();
        broker
            .publish(Outgoing::new("type/other/a", Vec::<u8>::new()))
            .await;
        broker.settle().await.unwrap();
        assert_eq!(broker.published_to("type/me/a").len(), 1);
        assert_eq!(*recorder.seen.lock().unwrap(), ["other/ping"]);
        running.shutdown(WAIT).await.unwrap();
    }

    /// Text, bytes and no payload on one channel: the content type picks the variant; without
    /// one, an empty payload is the payload-less message.
    #[tokio::test]
    async fn content_type_and_empty_payload_pick_variants() {
        let broker = MemoryBroker::new();
        let recorder = Arc::new(Recorder::default());
        // The app publishes to the channel it handles: its route uses MQTT 5 No Local by
        // default, so this test, which wants its own messages back, opts out.
        let mut routes = app::routes(recorder.clone());
        routes.turn_on = routes.turn_on.no_local(false);
        let running = start(&broker, "edge", routes.into_router()).await;
        let publisher = app::Publisher::new(running.publisher());
        let params = app::TypeParams {
            self_: "me".into(),
            type_: "a".into(),
        };
        for message in [
            app::TurnOnMessage::Note("hi".into()),
            app::TurnOnMessage::Blob(vec![1, 2, 3]),
            app::TurnOnMessage::Ping(()),
        ] {
            publisher.turn_on(&params, &message).await.unwrap();
        }
        broker.settle().await.unwrap();
        broker
            .publish(Outgoing::new("type/bare/a", Vec::<u8>::new()))
            .await;
        broker.settle().await.unwrap();
        assert_eq!(
            *recorder.seen.lock().unwrap(),
            ["me/note:hi", "me/blob:3", "me/ping", "bare/ping"]
        );
        running.shutdown(WAIT).await.unwrap();
    }
}
