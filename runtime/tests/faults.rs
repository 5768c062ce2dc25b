//! Fault injection in `MemoryBroker` (issue #21): every fault happens when the plan asks for it
//! and never otherwise, and a seed always gives the same trace, event by event.

use mqttgen::testing::faults::{DisconnectPoint, Faults};
use mqttgen::testing::seeded::{run_seeded, try_run_seeded};
use mqttgen::testing::trace::{Fault, Trace, TraceEvent};
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router, RunningApp};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T: Duration = Duration::from_secs(30);

/// What the handler saw: (topic, payload, dup, retain).
type Seen = Arc<Mutex<Vec<(String, String, bool, bool)>>>;

/// A service on `a/#` and `b/#` (QoS 1) and `z/#` (QoS 0) whose handler records every message
/// and takes `work` to do it.
async fn service(broker: &MemoryBroker, work: Duration) -> (RunningApp, Seen) {
    let seen: Seen = Arc::default();
    let record = {
        let seen = seen.clone();
        move |msg: Message, _ctx: Context| {
            let seen = seen.clone();
            async move {
                if !work.is_zero() {
                    tokio::time::sleep(work).await;
                }
                seen.lock().unwrap().push((
                    msg.topic.clone(),
                    String::from_utf8_lossy(&msg.payload).into_owned(),
                    msg.dup,
                    msg.retain,
                ));
                HandlerResult::Ok(None)
            }
        }
    };
    let app = App::in_memory(broker)
        .mount(
            Router::new()
                .route(Route::new("a/#", record.clone()).qos(QoS::AtLeastOnce))
                .route(Route::new("b/#", record.clone()).qos(QoS::AtLeastOnce))
                .route(Route::new("z/#", record).qos(QoS::AtMostOnce)),
        )
        .start()
        .await
        .unwrap();
    app.ready(T).await.unwrap();
    (app, seen)
}

/// Publishes `a/t`, `b/t` alternately (QoS 1), `n` each, payloads `a0`, `b0`, `a1`, ...
async fn publish_ab(broker: &MemoryBroker, n: usize) {
    for i in 0..n {
        for t in ["a", "b"] {
            broker
                .publish(Outgoing::new(format!("{t}/t"), format!("{t}{i}")).qos(QoS::AtLeastOnce))
                .await;
        }
    }
}

/// Runs `scenario` on a fresh paused runtime.
fn paused<F: Future<Output = R>, R>(scenario: F) -> R {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(scenario)
}

/// The standard scenario: 5 messages on each of `a/t`, `b/t` and 5 QoS 0 on `z/t`; returns the
/// trace and what the handler saw.
async fn standard(faults: Faults, work: Duration) -> (Trace, Vec<(String, String, bool, bool)>) {
    let broker = MemoryBroker::with_faults(faults);
    let (app, seen) = service(&broker, work).await;
    publish_ab(&broker, 5).await;
    for i in 0..5 {
        broker.publish(Outgoing::new("z/t", format!("z{i}"))).await;
    }
    broker.settle_within(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    (broker.trace(), seen)
}

fn payloads(seen: &[(String, String, bool, bool)]) -> Vec<&str> {
    seen.iter().map(|s| s.1.as_str()).collect()
}

const IN_ORDER: [&str; 15] = [
    "a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "z0", "z1", "z2", "z3", "z4",
];

#[test]
fn an_empty_plan_delivers_everything_once_in_order_and_records_no_fault() {
    for seed in [0, 1, 99] {
        let (trace, seen) = paused(standard(Faults::seeded(seed), Duration::ZERO));
        assert_eq!(payloads(&seen), IN_ORDER);
        assert!(seen.iter().all(|s| !s.2), "no DUP");
        assert!(trace.faults().is_empty(), "{trace}");
        assert_eq!(trace.deliveries().len(), 15);
        let acks = trace
            .events()
            .filter(|e| matches!(e, TraceEvent::Acked { ok: true, .. }))
            .count();
        assert_eq!(acks, 15, "{trace}");
    }
}

#[test]
fn duplicates_redeliver_qos1_with_dup_after_the_ack_is_lost() {
    let (trace, seen) = paused(standard(Faults::seeded(3).duplicate(1.0), Duration::ZERO));
    // Every QoS 1 message twice, the second time with DUP; QoS 0 never.
    for t in ["a", "b"] {
        for i in 0..5 {
            let copies: Vec<bool> = seen
                .iter()
                .filter(|s| s.1 == format!("{t}{i}"))
                .map(|s| s.2)
                .collect();
            assert_eq!(copies, [false, true], "{t}{i}: {trace}");
        }
    }
    assert_eq!(seen.iter().filter(|s| s.0 == "z/t").count(), 5);
    let duplicated = trace
        .faults()
        .iter()
        .filter(|f| matches!(f, Fault::Duplicated { .. }))
        .count();
    assert_eq!(duplicated, 10);

    // Asked for rarely: some, not all; never when not asked.
    let (trace, seen) = paused(standard(Faults::seeded(3).duplicate(0.3), Duration::ZERO));
    let dups = seen.iter().filter(|s| s.2).count();
    assert!(dups > 0 && dups < 10, "{dups} duplicates: {trace}");
    let (_, seen) = paused(standard(Faults::seeded(3).duplicate(0.0), Duration::ZERO));
    assert_eq!(payloads(&seen), IN_ORDER);
}

#[test]
fn reordering_crosses_topics_but_keeps_each_topics_order() {
    let (trace, seen) = paused(standard(Faults::seeded(5).reorder(0.7), Duration::ZERO));
    let got = payloads(&seen);
    assert_ne!(got, IN_ORDER, "reordered: {trace}");
    let mut sorted = got.clone();
    sorted.sort_unstable();
    let mut want = IN_ORDER.to_vec();
    want.sort_unstable();
    assert_eq!(sorted, want, "nothing lost or duplicated");
    for t in ["a", "b", "z"] {
        let per_topic: Vec<&str> = got.iter().copied().filter(|p| p.starts_with(t)).collect();
        let want: Vec<String> = (0..5).map(|i| format!("{t}{i}")).collect();
        assert_eq!(per_topic, want, "order within {t}/t");
    }
    assert!(trace
        .faults()
        .iter()
        .all(|f| matches!(f, Fault::Reordered { topic, overtook, .. } if topic != overtook)));
    let (_, seen) = paused(standard(Faults::seeded(5).reorder(0.0), Duration::ZERO));
    assert_eq!(payloads(&seen), IN_ORDER);
}

#[test]
fn drops_lose_qos0_only() {
    let (trace, seen) = paused(standard(Faults::seeded(1).drop_qos0(1.0), Duration::ZERO));
    assert_eq!(
        payloads(&seen),
        &IN_ORDER[..10],
        "QoS 1 all there, QoS 0 gone"
    );
    assert_eq!(trace.faults().len(), 5);
    assert!(trace
        .faults()
        .iter()
        .all(|f| matches!(f, Fault::Dropped { topic, .. } if topic == "z/t")));
    let (_, seen) = paused(standard(Faults::seeded(1).drop_qos0(0.5), Duration::ZERO));
    let zs = seen.iter().filter(|s| s.0 == "z/t").count();
    assert!(zs > 0 && zs < 5, "{zs} of 5 QoS 0 messages");
    let (_, seen) = paused(standard(Faults::seeded(1).drop_qos0(0.0), Duration::ZERO));
    assert_eq!(payloads(&seen), IN_ORDER);
}

/// Deliveries of `payload` to the handler: their DUP flags.
fn copies(seen: &[(String, String, bool, bool)], payload: &str) -> Vec<bool> {
    seen.iter()
        .filter(|s| s.1 == payload)
        .map(|s| s.2)
        .collect()
}

fn count(trace: &Trace, pred: impl Fn(&Fault) -> bool) -> usize {
    trace.faults().into_iter().filter(|f| pred(f)).count()
}

#[test]
fn a_disconnect_before_the_ack_redelivers_that_message_with_dup() {
    let plan = Faults::seeded(0).disconnect_at(DisconnectPoint::BeforeAck(2));
    let (trace, seen) = paused(standard(plan, Duration::ZERO));
    assert_eq!(copies(&seen, "b0"), [false, true], "{trace}");
    for p in IN_ORDER.iter().filter(|p| **p != "b0") {
        assert_eq!(copies(&seen, p).len(), 1, "{p} once: {trace}");
    }
    assert_eq!(
        count(&trace, |f| matches!(
            f,
            Fault::Disconnected {
                point: DisconnectPoint::BeforeAck(2),
                ..
            }
        )),
        1
    );
    assert_eq!(
        count(&trace, |f| matches!(
            f,
            Fault::Reconnected {
                session_present: true,
                ..
            }
        )),
        1
    );
}

#[test]
fn a_disconnect_after_the_ack_loses_nothing_and_repeats_nothing() {
    let plan = Faults::seeded(0).disconnect_at(DisconnectPoint::AfterAck(2));
    let (trace, seen) = paused(standard(plan, Duration::ZERO));
    let mut got = payloads(&seen);
    got.sort_unstable();
    let mut want = IN_ORDER.to_vec();
    want.sort_unstable();
    // QoS 1 is all there exactly once; QoS 0 published while offline may be lost.
    let qos1: Vec<&str> = got
        .iter()
        .copied()
        .filter(|p| !p.starts_with('z'))
        .collect();
    assert_eq!(qos1, &want[..10], "{trace}");
    assert!(seen.iter().all(|s| !s.2), "no DUP: {trace}");
    assert_eq!(
        count(&trace, |f| matches!(
            f,
            Fault::Disconnected {
                point: DisconnectPoint::AfterAck(2),
                ..
            }
        )),
        1
    );
    assert_eq!(count(&trace, |f| matches!(f, Fault::Reconnected { .. })), 1);
    // Never without the point.
    let (trace, _) = paused(standard(Faults::seeded(0), Duration::ZERO));
    assert_eq!(
        count(&trace, |f| matches!(
            f,
            Fault::Disconnected { .. } | Fault::Reconnected { .. }
        )),
        0
    );
}

#[test]
fn an_expired_session_loses_the_unacknowledged_message_and_resubscribes() {
    let plan = Faults::seeded(0)
        .disconnect_at(DisconnectPoint::BeforeAck(2))
        .expire_session_on_reconnect();
    let broker_trace = paused(async {
        let broker = MemoryBroker::with_faults(plan);
        let (app, seen) = service(&broker, Duration::ZERO).await;
        publish_ab(&broker, 1).await;
        broker.settle_within(T).await.unwrap();
        // The runtime subscribed again: later messages arrive.
        app.ready(T).await.unwrap();
        broker
            .publish(Outgoing::new("a/t", "after").qos(QoS::AtLeastOnce))
            .await;
        broker.settle_within(T).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            copies(&seen, "b0"),
            [false],
            "not redelivered: {}",
            broker.trace()
        );
        assert_eq!(copies(&seen, "after"), [false]);
        app.shutdown(T).await.unwrap();
        broker.trace()
    });
    assert_eq!(
        count(&broker_trace, |f| matches!(f, Fault::SessionExpired { .. })),
        1
    );
    assert_eq!(
        count(&broker_trace, |f| matches!(
            f,
            Fault::Reconnected {
                session_present: false,
                ..
            }
        )),
        1
    );
    // Without expiry the session is kept (see the BeforeAck test): never expired.
    let plan = Faults::seeded(0).disconnect_at(DisconnectPoint::BeforeAck(2));
    let (trace, _) = paused(standard(plan, Duration::ZERO));
    assert_eq!(
        count(&trace, |f| matches!(f, Fault::SessionExpired { .. })),
        0
    );
}

/// A retained message, then a disconnect after the first ack: how often the handler sees it.
async fn retained_scenario(plan: Faults) -> (Trace, Vec<bool>) {
    let broker = MemoryBroker::with_faults(plan);
    broker
        .publish(
            Outgoing::new("a/r", "kept")
                .qos(QoS::AtLeastOnce)
                .retain(true),
        )
        .await;
    let (app, seen) = service(&broker, Duration::ZERO).await;
    broker.settle_within(T).await.unwrap();
    publish_ab(&broker, 2).await;
    broker.settle_within(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    let retained = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.1 == "kept")
        .map(|s| s.3)
        .collect();
    (broker.trace(), retained)
}

#[test]
fn retained_messages_are_replayed_after_a_reconnect_when_asked() {
    let base = Faults::seeded(0).disconnect_at(DisconnectPoint::AfterAck(2));
    let (trace, kept) = paused(retained_scenario(
        base.clone().replay_retained_on_reconnect(),
    ));
    assert_eq!(kept, [true, true], "{trace}");
    assert_eq!(
        count(
            &trace,
            |f| matches!(f, Fault::RetainedReplayed { topic, .. } if topic == "a/r")
        ),
        1
    );
    let (trace, kept) = paused(retained_scenario(base));
    assert_eq!(kept, [true], "{trace}");
    assert_eq!(
        count(&trace, |f| matches!(f, Fault::RetainedReplayed { .. })),
        0
    );
}

/// A request whose requester is disconnected right after the request left.
async fn mid_request(plan: Faults) -> (Trace, Result<Message, mqttgen::Error>) {
    let broker = MemoryBroker::with_faults(plan);
    let app = App::in_memory(&broker).start().await.unwrap();
    app.ready(T).await.unwrap();
    let publisher = app.publisher();
    let ask = tokio::spawn(async move {
        publisher
            .request(
                Outgoing::new("svc/ask", "question")
                    .qos(QoS::AtLeastOnce)
                    .response_topic("svc/reply"),
                Duration::from_secs(5),
            )
            .await
    });
    let request = broker
        .wait_for_publish("svc/ask", T)
        .await
        .expect("request published");
    let correlation = request.properties.correlation_data.clone().unwrap();
    broker
        .publish(
            Outgoing::new("svc/reply", "answer")
                .qos(QoS::AtLeastOnce)
                .correlation_data(correlation),
        )
        .await;
    let reply = ask.await.unwrap();
    broker.settle_within(T).await.unwrap();
    app.shutdown(T).await.unwrap();
    (broker.trace(), reply)
}

#[test]
fn a_disconnect_in_the_middle_of_a_request() {
    let point = DisconnectPoint::AfterPublish {
        filter: "svc/ask".into(),
        nth: 1,
    };
    // Session kept: the reply waits for the requester and arrives after the reconnect.
    let (trace, reply) = paused(mid_request(Faults::seeded(0).disconnect_at(point.clone())));
    assert_eq!(
        reply.expect("reply after reconnect").payload,
        "answer",
        "{trace}"
    );
    assert_eq!(
        count(&trace, |f| matches!(
            f,
            Fault::Disconnected {
                point: DisconnectPoint::AfterPublish { .. },
                ..
            }
        )),
        1
    );
    // Session expired: the reply is gone and the request times out.
    let (trace, reply) = paused(mid_request(
        Faults::seeded(0)
            .disconnect_at(point)
            .expire_session_on_reconnect(),
    ));
    assert!(
        matches!(reply, Err(mqttgen::Error::Timeout(_))),
        "{reply:?}: {trace}"
    );
    // No point, no disconnect.
    let (trace, reply) = paused(mid_request(Faults::seeded(0)));
    assert!(reply.is_ok());
    assert_eq!(
        count(&trace, |f| matches!(f, Fault::Disconnected { .. })),
        0
    );
}

/// Gaps between consecutive deliveries.
fn delivery_gaps(trace: &Trace) -> Vec<Duration> {
    let at: Vec<Duration> = trace
        .entries()
        .iter()
        .filter(|e| matches!(e.event, TraceEvent::Delivered { .. }))
        .map(|e| e.at)
        .collect();
    at.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn a_slow_broker_spaces_deliveries_by_its_delay() {
    let slow = Faults::seeded(0).delay(Duration::from_millis(50));
    let (trace, seen) = paused(standard(slow, Duration::ZERO));
    assert_eq!(payloads(&seen), IN_ORDER);
    let gaps = delivery_gaps(&trace);
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(50)),
        "{gaps:?}"
    );
    let (trace, _) = paused(standard(Faults::seeded(0), Duration::ZERO));
    let gaps = delivery_gaps(&trace);
    assert!(
        gaps.iter().all(|g| *g < Duration::from_millis(50)),
        "{gaps:?}"
    );
    // Jittered delay: seeded, within bounds, not constant.
    let jitter =
        Faults::seeded(4).delay_between(Duration::from_millis(10), Duration::from_millis(90));
    let (trace, _) = paused(standard(jitter, Duration::ZERO));
    let gaps = delivery_gaps(&trace);
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(10)),
        "{gaps:?}"
    );
    assert!(gaps.iter().any(|g| *g != gaps[0]), "{gaps:?}");
}

fn max_in_flight(trace: &Trace) -> usize {
    trace
        .events()
        .filter_map(|e| match e {
            TraceEvent::Delivered { in_flight, .. } => Some(*in_flight),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_receive_maximum_caps_unacknowledged_deliveries() {
    let work = Duration::from_millis(100);
    let (trace, seen) = paused(standard(Faults::seeded(0).receive_maximum(2), work));
    assert_eq!(max_in_flight(&trace), 2, "{trace}");
    assert_eq!(seen.len(), 15);
    let (trace, _) = paused(standard(Faults::seeded(0), work));
    assert!(max_in_flight(&trace) > 2, "{trace}");
}

/// A fault plan for a seed.
type Plan = fn(u64) -> Faults;

/// Every probabilistic fault at once.
fn everything(seed: u64) -> Faults {
    Faults::seeded(seed)
        .duplicate(0.3)
        .reorder(0.3)
        .drop_qos0(0.3)
        .delay_between(Duration::from_millis(1), Duration::from_millis(20))
        .receive_maximum(3)
        .disconnect_at(DisconnectPoint::BeforeAck(4))
        .disconnect_at(DisconnectPoint::AfterAck(9))
}

#[test]
fn the_same_seed_gives_the_same_trace_event_by_event() {
    for seed in [1, 2, 42] {
        let (a, seen_a) = paused(standard(everything(seed), Duration::from_millis(3)));
        let (b, seen_b) = paused(standard(everything(seed), Duration::from_millis(3)));
        a.assert_same(&b);
        assert_eq!(seen_a, seen_b);
        assert!(!a.faults().is_empty());
    }
    // Each probabilistic fault on its own: same seed same trace, another seed another trace.
    let plans: [(&str, Plan); 4] = [
        ("duplicate", |s| Faults::seeded(s).duplicate(0.5)),
        ("reorder", |s| Faults::seeded(s).reorder(0.5)),
        ("drop_qos0", |s| Faults::seeded(s).drop_qos0(0.5)),
        ("delay_between", |s| {
            Faults::seeded(s).delay_between(Duration::from_millis(1), Duration::from_millis(30))
        }),
    ];
    for (name, plan) in plans {
        let (a, _) = paused(standard(plan(10), Duration::ZERO));
        let (b, _) = paused(standard(plan(10), Duration::ZERO));
        a.assert_same(&b);
        let (c, _) = paused(standard(plan(11), Duration::ZERO));
        assert!(
            a.first_difference(&c).is_some(),
            "{name}: seeds 10 and 11 ran alike"
        );
    }
}

#[test]
fn seeded_runs_report_the_failing_seed() {
    let failure = try_run_seeded(10, |seed| async move {
        assert_ne!(seed, 3, "seed three is bad");
    })
    .unwrap_err();
    assert_eq!(failure.seed, 3);
    assert_eq!(failure.passed, 3);
    assert!(
        failure.message.contains("seed three is bad"),
        "{}",
        failure.message
    );
    assert!(failure.to_string().contains("MQTTGEN_SEED=3"), "{failure}");
    // And a whole batch of seeded runs of a real scenario.
    assert_eq!(
        run_seeded(20, |seed| async move {
            let (_, seen) = standard(everything(seed), Duration::from_millis(3)).await;
            let qos1 = seen.iter().filter(|s| s.0 != "z/t" && !s.2).count();
            assert!(qos1 >= 10, "every QoS 1 message at least once");
        }),
        20
    );
}
