//! Authentication and authorisation against mosquitto.
//!
//! * A wrong password stops the generated service with a fatal `NotAuthorized` error within 5 s
//!   and no reconnect storm: the broker's log (`log_type all`) shows at most 2 CONNECT attempts
//!   even with a 50 ms reconnect backoff and 3 s to retry in.
//! * A subscription the broker's ACL refuses fails `ready()` with an error naming the filter.
//!   The refusing ACL is mosquitto's dynamic-security plugin: mosquitto 2.0's `acl_file` never
//!   refuses a SUBSCRIBE (it answers SUBACK 0 and silently filters deliveries), so there is no
//!   refusal for any client to report.

use mqttgen::testing::mosquitto::{Mosquitto, MosquittoOptions};
use mqttgen::{App, ConnectionState, Error, Failure, Protocol, TopicParams};
use mqttgen_proof::broker::{config, connect_attempts};
use mqttgen_proof::figures::figure;
use mqttgen_proof::lights::CountingLights;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use streetlights::app::LightMeasuredParams;

const FATAL_WITHIN: Duration = Duration::from_secs(5);
const STORM_WINDOW: Duration = Duration::from_secs(3);
const T: Duration = Duration::from_secs(30);

async fn wrong_password_is_fatal(protocol: Protocol) {
    let broker = Mosquitto::start_with(MosquittoOptions {
        users: vec![("svc".into(), "right".into())],
        extra: vec!["log_type all".into()],
        ..MosquittoOptions::default()
    });
    let service = App::new(
        config(&broker)
            .protocol(protocol)
            .credentials("svc", "wrong"),
    )
    .mount(CountingLights::default().router())
    .start()
    .await
    .expect("start the service");
    let error = service
        .ready(FATAL_WITHIN)
        .await
        .expect_err("a wrong password cannot connect");
    assert!(
        matches!(error, Error::NotAuthorized { .. }),
        "a fatal NotAuthorized error within {FATAL_WITHIN:?}, got: {error}"
    );
    // Give a reconnect storm time to show in the broker's log.
    tokio::time::sleep(STORM_WINDOW).await;
    let attempts = connect_attempts(&broker);
    let name = format!("auth ({protocol:?})");
    figure(&name, "wrong password error", &error);
    figure(
        &name,
        format!("CONNECT attempts within {FATAL_WITHIN:?} + {STORM_WINDOW:?}").as_str(),
        attempts,
    );
    assert_eq!(
        attempts,
        1,
        "exactly one CONNECT, no retry: broker log:\n{}",
        broker.log()
    );
    assert!(matches!(
        *service.state().borrow(),
        ConnectionState::Failed {
            error: Error::NotAuthorized { .. }
        }
    ));
    service.shutdown(T).await.expect("stop the failed service");

    let service = App::new(
        config(&broker)
            .protocol(protocol)
            .credentials("svc", "right"),
    )
    .mount(CountingLights::default().router())
    .start()
    .await
    .expect("start the service");
    service.ready(T).await.expect("the right password connects");
    service.shutdown(T).await.expect("stop the service");
}

#[tokio::test]
async fn wrong_password_is_fatal_without_a_reconnect_storm_v5() {
    wrong_password_is_fatal(Protocol::V5).await;
}

#[tokio::test]
async fn wrong_password_is_fatal_without_a_reconnect_storm_v311() {
    wrong_password_is_fatal(Protocol::V311).await;
}

#[tokio::test]
async fn acl_denied_subscription_is_an_error_naming_the_filter() {
    let filter = LightMeasuredParams::FILTER;
    let broker = Mosquitto::start_with(MosquittoOptions {
        deny_subscribe: vec![filter.to_owned()],
        ..MosquittoOptions::default()
    });
    let reported = Arc::new(Mutex::new(Vec::new()));
    let sink = reported.clone();
    let service = App::new(config(&broker))
        .mount(CountingLights::default().router())
        .on_error(move |failure| {
            if let Failure::Subscribe { error } = failure {
                sink.lock().expect("hook lock").push(error.to_string());
            }
        })
        .start()
        .await
        .expect("start the service");
    let error = service
        .ready(T)
        .await
        .expect_err("the broker refuses the subscription");
    figure("auth (ACL)", "refused subscription error", &error);
    assert!(
        matches!(&error, Error::SubscribeFailed { filter: f, code } if f == filter && *code >= 0x80),
        "{error}"
    );
    assert!(error.to_string().contains(filter), "{error}");
    let reported = reported.lock().expect("hook lock").clone();
    assert_eq!(
        reported.len(),
        1,
        "the error hook heard it once: {reported:?}"
    );
    assert!(reported[0].contains(filter));
    service.shutdown(T).await.expect("stop the service");
}
