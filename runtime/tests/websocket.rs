//! The WebSocket transports (`ws://` and `wss://`) carry real messages: a service and a client
//! connected over WebSockets to an amqtt broker (MQTT 3.1.1; Debian's mosquitto has no WebSocket listener)
//! exchange publishes at QoS 0, 1 and 2, and the service's answers come back the same way.
//!
//! amqtt comes from PyPI (`.ci/run` installs it into `.tools/amqtt`; see
//! `mqttgen::testing::amqtt`). Without it the test says so and passes, except under `CI=true`,
//! where a missing broker is a failure.

use mqttgen::config::Transport;
use mqttgen::testing::amqtt::{self, Amqtt};
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, Protocol, QoS, Route, Router};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

fn broker(start: fn() -> Option<Amqtt>) -> Option<Amqtt> {
    let broker = start();
    if broker.is_none() {
        let how = format!(
            "python3 -m venv .tools/amqtt && .tools/amqtt/bin/pip install amqtt=={}",
            amqtt::VERSION
        );
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "amqtt is not installed (CI=true); install it with `{how}` or set MQTTGEN_AMQTT"
            );
        }
        eprintln!("skipping: amqtt is not installed; install it with `{how}` or set MQTTGEN_AMQTT");
    }
    broker
}

/// Answers `ws/ask/{n}` on `ws/answer/{n}` with the request's payload reversed.
async fn answer(msg: Message, ctx: Context) -> HandlerResult {
    let n = ctx.param("n").unwrap_or_default().to_owned();
    let reversed: String = msg
        .payload_str()
        .unwrap_or_default()
        .chars()
        .rev()
        .collect();
    Ok(Some(
        Outgoing::new(format!("ws/answer/{n}"), reversed).qos(msg.qos),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_and_subscribe_round_trip_over_ws() {
    let Some(broker) = broker(Amqtt::start_ws) else {
        return;
    };
    assert_eq!(broker.config().transport, Transport::Ws);
    round_trip(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_and_subscribe_round_trip_over_wss() {
    let Some(broker) = broker(Amqtt::start_wss) else {
        return;
    };
    assert_eq!(broker.config().transport, Transport::Wss);
    round_trip(&broker).await;
}

async fn round_trip(broker: &Amqtt) {
    let config = || {
        let config = broker.config();
        assert_eq!(config.protocol, Protocol::V311);
        assert_eq!(config.ws_path, "/mqtt");
        config
    };
    let service = App::new(config())
        .mount(Router::new().route(Route::new("ws/ask/{n}", answer).qos(QoS::ExactlyOnce)))
        .start()
        .await
        .unwrap();
    service
        .ready(T)
        .await
        .unwrap_or_else(|e| panic!("{e}; amqtt log:\n{}", broker.log()));
    let answers = Arc::new(Mutex::new(Vec::<Message>::new()));
    let seen = answers.clone();
    let client = App::new(config())
        .mount(
            Router::new().route(
                Route::new("ws/answer/+", move |msg: Message, _ctx: Context| {
                    seen.lock().unwrap().push(msg);
                    async { Ok(None) }
                })
                .qos(QoS::ExactlyOnce),
            ),
        )
        .start()
        .await
        .unwrap();
    client.ready(T).await.unwrap();
    for (n, qos) in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce]
        .into_iter()
        .enumerate()
    {
        client
            .publisher()
            .publish_confirmed(
                Outgoing::new(format!("ws/ask/{n}"), format!("over ws {n}")).qos(qos),
            )
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + T;
    while answers.lock().unwrap().len() < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "answers missing: {:?}; amqtt log:\n{}",
            answers.lock().unwrap(),
            broker.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // (amqtt 0.12 delivers at the subscription's QoS rather than the lower of the two, so the
    // delivered QoS is not compared.)
    let mut got: Vec<(String, String)> = answers
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m.topic.clone(), m.payload_str().unwrap().to_owned()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("ws/answer/0".into(), "0 sw revo".into()),
            ("ws/answer/1".into(), "1 sw revo".into()),
            ("ws/answer/2".into(), "2 sw revo".into()),
        ]
    );
    assert_eq!(service.stats().handled, 3);
    assert_eq!(service.stats().reconnects + client.stats().reconnects, 0);
    client.shutdown(T).await.unwrap();
    service.shutdown(T).await.unwrap();
}
