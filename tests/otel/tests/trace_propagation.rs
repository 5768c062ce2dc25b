//! One trace across MQTT hops: service A publishes, service B handles it and publishes on, A
//! handles that; and a request/reply round trip. Over mosquitto (MQTT 5) and the in-memory
//! broker; under MQTT 3.1.1 nothing is carried.

use mqttgen::testing::mosquitto::Mosquitto;
use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Context, HandlerResult, Message, Outgoing, QoS, Route, Router, RunningApp};
use mqttgen_otel_tests::{spans_of, telemetry, wait_for_spans, Seen};
use opentelemetry::trace::{SpanId, SpanKind};
use std::time::Duration;
use tokio::sync::mpsc;

const READY: Duration = Duration::from_secs(10);

/// Where the two services connect.
enum Broker<'a> {
    Mosquitto(&'a Mosquitto, mqttgen::Protocol),
    Memory(&'a MemoryBroker),
}

impl Broker<'_> {
    fn app(&self, client_id: &str) -> App {
        match self {
            Broker::Mosquitto(m, protocol) => {
                App::new(m.config().client_id(client_id).protocol(*protocol))
            }
            Broker::Memory(b) => App::in_memory(b).memory_client_id(client_id),
        }
    }
}

/// B: handles `{p}/{device}/in` (operation `relay`) and publishes on to `{p}/{device}/out`.
fn service_b(prefix: &'static str) -> Router {
    let relay = move |msg: Message, ctx: Context| async move {
        let device = ctx.param("device").unwrap_or_default().to_owned();
        let out = Outgoing::new(format!("{prefix}/{device}/out"), msg.payload)
            .qos(QoS::AtLeastOnce)
            .operation("forward", leak(format!("{prefix}/{{device}}/out")));
        HandlerResult::Ok(Some(out))
    };
    Router::new().route(
        Route::new(format!("{prefix}/{{device}}/in"), relay)
            .name("relay")
            .qos(QoS::AtLeastOnce),
    )
}

/// A: handles `{p}/{device}/out` (operation `collect`), reporting what it got.
fn service_a(prefix: &str, got: mpsc::UnboundedSender<Message>) -> Router {
    let collect = move |msg: Message, _ctx: Context| {
        let got = got.clone();
        async move {
            let _ = got.send(msg);
            HandlerResult::Ok(None)
        }
    };
    Router::new().route(
        Route::new(format!("{prefix}/{{device}}/out"), collect)
            .name("collect")
            .qos(QoS::AtLeastOnce),
    )
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

async fn start(app: App) -> RunningApp {
    let app = app.start().await.expect("start");
    app.ready(READY).await.expect("ready");
    app
}

fn one<'a>(spans: &'a [Seen], name: &str, kind: SpanKind) -> &'a Seen {
    let found: Vec<&Seen> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one `{name}` span in {spans:#?}");
    assert_eq!(found[0].kind, kind, "{name}");
    found[0]
}

fn assert_common(span: &Seen, topic: &str, template: &str, op: &str, op_type: &str, client: &str) {
    let expect = [
        ("messaging.system", "mqtt"),
        ("messaging.destination.name", topic),
        ("messaging.destination.template", template),
        ("messaging.operation.name", op),
        ("messaging.operation.type", op_type),
        ("messaging.client.id", client),
        ("messaging.mqtt.qos", "1"),
    ];
    for (key, value) in expect {
        assert_eq!(span.attr(key).as_deref(), Some(value), "{key} of {span:#?}");
    }
    assert_eq!(
        span.attr("messaging.message.body.size").as_deref(),
        Some("5"),
        "{span:#?}"
    );
    assert!(
        !span.name.contains("d7"),
        "span names hold the template, never the topic: {}",
        span.name
    );
}

/// A → B → A: four spans, one trace, each the child of the one before.
async fn relay_is_one_trace(broker: Broker<'_>, prefix: &'static str) {
    telemetry();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let a_id = format!("{prefix}-a");
    let b_id = format!("{prefix}-b");
    let b = start(broker.app(&b_id).mount(service_b(prefix))).await;
    let a = start(broker.app(&a_id).mount(service_a(prefix, tx))).await;
    a.publisher()
        .publish(
            Outgoing::new(format!("{prefix}/d7/in"), "hello")
                .qos(QoS::AtLeastOnce)
                .operation("start", leak(format!("{prefix}/{{device}}/in"))),
        )
        .await
        .unwrap();
    let got = tokio::time::timeout(READY, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&got.payload[..], b"hello");
    let spans = wait_for_spans(prefix, |s| s.len() >= 4).await;
    let send_in = one(
        &spans,
        &format!("send {prefix}/{{device}}/in"),
        SpanKind::Producer,
    );
    let process_in = one(
        &spans,
        &format!("process {prefix}/{{device}}/in"),
        SpanKind::Consumer,
    );
    let send_out = one(
        &spans,
        &format!("send {prefix}/{{device}}/out"),
        SpanKind::Producer,
    );
    let process_out = one(
        &spans,
        &format!("process {prefix}/{{device}}/out"),
        SpanKind::Consumer,
    );
    assert_eq!(
        send_in.parent,
        SpanId::INVALID,
        "the first publish starts the trace"
    );
    assert_eq!(
        process_in.parent, send_in.id,
        "B's handler is a child of A's publish"
    );
    assert_eq!(
        send_out.parent, process_in.id,
        "B's publish is a child of its handler"
    );
    assert_eq!(
        process_out.parent, send_out.id,
        "A's handler is a child of B's publish"
    );
    for span in [process_in, send_out, process_out] {
        assert_eq!(span.trace, send_in.trace, "one trace id: {spans:#?}");
    }
    assert_eq!(
        spans_of(send_in.trace).len(),
        4,
        "nothing else in the trace"
    );
    let t_in = format!("{prefix}/{{device}}/in");
    let t_out = format!("{prefix}/{{device}}/out");
    let (topic_in, topic_out) = (format!("{prefix}/d7/in"), format!("{prefix}/d7/out"));
    assert_common(send_in, &topic_in, &t_in, "start", "send", &a_id);
    assert_common(process_in, &topic_in, &t_in, "relay", "process", &b_id);
    assert_common(send_out, &topic_out, &t_out, "forward", "send", &b_id);
    assert_common(process_out, &topic_out, &t_out, "collect", "process", &a_id);
    assert!(spans.iter().all(|s| !s.error));
    // The receiver sees the context it was sent.
    let traceparent = got.properties.user_property("traceparent").unwrap();
    assert_eq!(
        traceparent,
        format!("00-{}-{}-01", send_out.trace, send_out.id)
    );
    assert!(got
        .properties
        .user_property("mqttgen-published-at")
        .is_some());
    a.shutdown(READY).await.unwrap();
    b.shutdown(READY).await.unwrap();
}

/// A requests, B answers: request (client) → send (producer) → process (consumer) → reply send
/// (producer) → receive (consumer), one trace.
async fn request_reply_is_one_trace(broker: Broker<'_>, prefix: &'static str) {
    telemetry();
    let answer = |msg: Message, _ctx: Context| async move {
        HandlerResult::Ok(Outgoing::reply_to(&msg, "pong!"))
    };
    let b_id = format!("{prefix}-responder");
    let a_id = format!("{prefix}-requester");
    let b = start(
        broker.app(&b_id).mount(
            Router::new().route(
                Route::new(format!("{prefix}/{{device}}/ask"), answer)
                    .name("answer")
                    .qos(QoS::AtLeastOnce),
            ),
        ),
    )
    .await;
    let a = start(broker.app(&a_id)).await;
    let template = leak(format!("{prefix}/{{device}}/ask"));
    let reply = a
        .publisher()
        .request(
            Outgoing::new(format!("{prefix}/d7/ask"), "ping!")
                .qos(QoS::AtLeastOnce)
                .operation("ask", template),
            READY,
        )
        .await
        .unwrap();
    assert_eq!(&reply.payload[..], b"pong!");
    let request_name = format!("request {template}");
    let spans = wait_for_spans(prefix, |s| s.iter().any(|s| s.name == request_name)).await;
    let request = one(&spans, &request_name, SpanKind::Client);
    let inbox = "mqttgen/replies/{clientId}/{requestId}";
    let trace = wait_for(request.trace, 5).await;
    let send = one(&trace, &format!("send {template}"), SpanKind::Producer);
    let process = one(&trace, &format!("process {template}"), SpanKind::Consumer);
    let reply_send = one(&trace, &format!("send {inbox}"), SpanKind::Producer);
    let receive = one(&trace, &format!("receive {inbox}"), SpanKind::Consumer);
    assert_eq!(request.parent, SpanId::INVALID);
    assert_eq!(
        send.parent, request.id,
        "the request's publish is inside the request"
    );
    assert_eq!(
        process.parent, send.id,
        "the responder's handler follows the request"
    );
    assert_eq!(
        reply_send.parent, process.id,
        "the reply is published by the handler"
    );
    assert_eq!(
        receive.parent, reply_send.id,
        "the requester receives the reply"
    );
    let topic = format!("{prefix}/d7/ask");
    assert_common(request, &topic, template, "ask", "send", &a_id);
    assert_common(send, &topic, template, "ask", "send", &a_id);
    assert_common(process, &topic, template, "answer", "process", &b_id);
    assert_eq!(
        reply_send.attr("messaging.destination.template").as_deref(),
        Some(inbox)
    );
    assert_eq!(receive.attr("messaging.client.id"), Some(a_id.clone()));
    assert_eq!(
        receive.attr("messaging.operation.type").as_deref(),
        Some("receive")
    );
    a.shutdown(READY).await.unwrap();
    b.shutdown(READY).await.unwrap();
}

/// The spans of `trace` once there are `count` of them.
async fn wait_for(trace: opentelemetry::trace::TraceId, count: usize) -> Vec<Seen> {
    let deadline = std::time::Instant::now() + READY;
    loop {
        let spans = spans_of(trace);
        if spans.len() >= count || std::time::Instant::now() > deadline {
            assert_eq!(spans.len(), count, "{spans:#?}");
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_over_mosquitto_is_one_trace() {
    let broker = Mosquitto::start();
    relay_is_one_trace(Broker::Mosquitto(&broker, mqttgen::Protocol::V5), "obs-m").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_in_memory_is_one_trace() {
    let broker = MemoryBroker::new();
    relay_is_one_trace(Broker::Memory(&broker), "obs-mem").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_over_mosquitto_is_one_trace() {
    let broker = Mosquitto::start();
    request_reply_is_one_trace(Broker::Mosquitto(&broker, mqttgen::Protocol::V5), "obs-rr").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_reply_in_memory_is_one_trace() {
    let broker = MemoryBroker::new();
    request_reply_is_one_trace(Broker::Memory(&broker), "obs-rrmem").await;
}

/// MQTT 3.1.1 has no user properties: the spans are there, but each hop starts its own trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_3_1_1_carries_no_context() {
    telemetry();
    let prefix = "obs-v3";
    let broker = Mosquitto::start();
    let broker = Broker::Mosquitto(&broker, mqttgen::Protocol::V311);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let b = start(broker.app("obs-v3-b").mount(service_b(prefix))).await;
    let a = start(broker.app("obs-v3-a").mount(service_a(prefix, tx))).await;
    a.publisher()
        .publish(Outgoing::new(format!("{prefix}/d7/in"), "hello").qos(QoS::AtLeastOnce))
        .await
        .unwrap();
    let got = tokio::time::timeout(READY, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(got.properties.user_properties.is_empty());
    let spans = wait_for_spans(prefix, |s| s.len() >= 4).await;
    assert_eq!(spans.len(), 4, "{spans:#?}");
    let process_in = one(
        &spans,
        &format!("process {prefix}/{{device}}/in"),
        SpanKind::Consumer,
    );
    assert_eq!(
        process_in.parent,
        SpanId::INVALID,
        "nothing to continue from"
    );
    let send_in = one(&spans, "send", SpanKind::Producer);
    assert_ne!(send_in.trace, process_in.trace);
    a.shutdown(READY).await.unwrap();
    b.shutdown(READY).await.unwrap();
}
