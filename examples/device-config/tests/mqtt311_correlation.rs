//! Request/reply under MQTT 3.1.1 with many requests in flight on one static reply channel
//! (`specs/device-diagnostics.yaml`): the correlation id travels in the payload's `requestId`
//! (written by the requester's runtime, echoed by the generated service), and every reply reaches
//! exactly the request it answers.

mod common;

use std::time::Duration;

use common::WAIT;
use device_config::diagnostics::client::types::RunDiagnosticsPayload;
use device_config::diagnostics::client::{self, DiagnosticsRunParams, PublishOptions};
use device_config::diagnostics::{app, SelfTest, ALL_CHECKS};
use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::{App, Outgoing, Protocol};

const TASKS: usize = 4;
const PER_TASK: usize = 50;

fn device(n: usize) -> DiagnosticsRunParams {
    DiagnosticsRunParams {
        device_id: format!("dev-{n}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_requests_share_the_static_reply_channel() {
    let broker = Mosquitto::start();
    let v311 = |id: &str| broker.config().protocol(Protocol::V311).client_id(id);
    let mut routes = app::routes(std::sync::Arc::new(SelfTest));
    routes.run_diagnostics = routes.run_diagnostics.max_workers(8);
    let service = App::new(v311("diag-service-311"))
        .mount(routes.into_router())
        .start()
        .await
        .expect("service starts");
    service.ready(WAIT).await.expect("service connects");
    let requester = App::new(v311("diag-requester-311"))
        .start()
        .await
        .expect("requester starts");
    requester.ready(WAIT).await.expect("requester connects");
    let diagnostics = client::Publisher::new(requester.publisher());

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let diagnostics = diagnostics.clone();
        tasks.push(tokio::spawn(async move {
            let requests = (task * PER_TASK..(task + 1) * PER_TASK).map(|n| {
                let diagnostics = diagnostics.clone();
                async move {
                    // Odd requests name one check, which the result must list alone.
                    let checks = if n % 2 == 1 {
                        vec![format!("check-{n}")]
                    } else {
                        Vec::new()
                    };
                    let message = RunDiagnosticsPayload {
                        checks,
                        request_id: None,
                    };
                    let options = PublishOptions::new().timeout(Duration::from_secs(120));
                    let result = diagnostics
                        .run_diagnostics_with(&device(n), &message, options)
                        .await;
                    (n, result)
                }
            });
            futures::future::join_all(requests).await
        }));
    }
    let mut answered = 0;
    for task in tasks {
        for (n, result) in task.await.expect("task") {
            let result = result.unwrap_or_else(|e| panic!("request {n}: {e}"));
            assert_eq!(
                result.device_id,
                format!("dev-{n}"),
                "request {n} got another's reply"
            );
            let expected: Vec<String> = if n % 2 == 1 {
                vec![format!("check-{n}")]
            } else {
                ALL_CHECKS.iter().map(|c| c.to_string()).collect()
            };
            assert_eq!(result.checks, expected, "request {n}");
            assert!(result.request_id.is_some(), "the service echoes requestId");
            answered += 1;
        }
    }
    assert_eq!(answered, TASKS * PER_TASK);
    let runtime = diagnostics.runtime();
    assert_eq!(runtime.pending_requests(), 0);
    assert_eq!(runtime.unmatched_replies(), 0);
    assert_eq!(runtime.pending(), 0);

    // A caller-given requestId is kept and echoed.
    let mine = RunDiagnosticsPayload {
        checks: vec!["fail-radio".into()],
        request_id: Some("caller-42".into()),
    };
    let result = diagnostics
        .run_diagnostics(&device(7), &mine)
        .await
        .expect("reply");
    assert_eq!(result.request_id.as_deref(), Some("caller-42"));
    assert!(!result.passed);

    // A result nobody asked for is counted and dropped. The reply channel is subscribed only
    // while a request waits on it: keep one waiting (the service is gone, nobody answers it).
    service.shutdown(WAIT).await.unwrap();
    let published = requester.stats().published;
    let waiting = {
        let diagnostics = diagnostics.clone();
        tokio::spawn(async move {
            let message = RunDiagnosticsPayload {
                checks: Vec::new(),
                request_id: None,
            };
            let options = PublishOptions::new().timeout(Duration::from_secs(60));
            diagnostics
                .run_diagnostics_with(&device(9), &message, options)
                .await
        })
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    // The request is published only once its reply channel is subscribed.
    while requester.stats().published == published {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the request is sent"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stranger = App::new(v311("diag-stranger-311")).start().await.unwrap();
    stranger.ready(WAIT).await.unwrap();
    stranger
        .publisher()
        .publish_confirmed(
            Outgoing::new(
                "diagnostics/results",
                r#"{"requestId":"nobody","deviceId":"x","passed":true}"#,
            )
            .qos(mqttgen::QoS::AtLeastOnce),
        )
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while runtime.unmatched_replies() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stranger's reply was not counted"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(runtime.unmatched_replies(), 1);
    assert_eq!(requester.stats().unrouted, 0);

    // The last request gone, the reply channel is unsubscribed.
    waiting.abort();
    let _ = waiting.await;
    assert_eq!(runtime.pending_requests(), 0);
    assert_eq!(runtime.reply_topics_in_use(), 0);

    stranger.shutdown(WAIT).await.unwrap();
    requester.shutdown(WAIT).await.unwrap();
}
