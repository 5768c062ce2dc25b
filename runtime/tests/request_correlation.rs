//! Request/reply keyed by correlation id on the in-memory broker: many requests wait on one fixed
//! reply topic, each gets only the reply carrying its correlation id (wherever the spec puts it),
//! unknown correlations are counted and dropped, and timeouts and cancellations remove only
//! their own pending entry.

use mqttgen::testing::MemoryBroker;
use mqttgen::{App, Error, Location, Message, Outgoing, Publisher, RequestOptions, RunningApp};
use std::time::Duration;

const T: Duration = Duration::from_secs(10);
const REPLIES: &str = "test/replies/fixed";

async fn requester(broker: &MemoryBroker) -> (RunningApp, Publisher) {
    let app = App::in_memory(broker).start().await.unwrap();
    app.ready(T).await.unwrap();
    let publisher = app.publisher();
    (app, publisher)
}

/// Waits until `n` requests were published to `topic` and returns them.
async fn requests(broker: &MemoryBroker, topic: &str, n: usize) -> Vec<Message> {
    tokio::time::timeout(T, async {
        loop {
            let seen = broker.published_to(topic);
            if seen.len() >= n {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("requests published")
}

/// Spawns `n` requests `ask-{i}` to `svc/ask`, all waiting on [`REPLIES`].
fn ask(
    p: &Publisher,
    n: usize,
    options: RequestOptions,
) -> Vec<tokio::task::JoinHandle<Result<Message, Error>>> {
    (0..n)
        .map(|i| {
            let (p, options) = (p.clone(), options.clone());
            tokio::spawn(async move {
                let request =
                    Outgoing::new("svc/ask", format!(r#"{{"ask":{i}}}"#)).response_topic(REPLIES);
                p.request_with(request, &options).await
            })
        })
        .collect()
}

/// Which request a request payload is (`{"ask": i}`).
fn ask_index(msg: &Message) -> u64 {
    let value: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
    value["ask"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_one_reply_topic_get_their_own_replies_in_any_order() {
    let broker = MemoryBroker::new();
    let (app, p) = requester(&broker).await;
    let waiting = ask(&p, 5, RequestOptions::new(T));
    let sent = requests(&broker, "svc/ask", 5).await;
    assert_eq!(p.pending_requests(), 5);

    // Strangers first: a wrong correlation id and none at all. Nobody gets them.
    broker
        .publish(Outgoing::new(REPLIES, "stranger").correlation_data("no-such-request"))
        .await;
    broker.publish(Outgoing::new(REPLIES, "anonymous")).await;
    // Then the real replies, in reverse order, each echoing its request's Correlation Data.
    for request in sent.iter().rev() {
        let correlation = request
            .properties
            .correlation_data
            .clone()
            .expect("correlation data");
        let reply = Outgoing::new(REPLIES, format!("answer {}", ask_index(request)))
            .correlation_data(correlation);
        broker.publish(reply).await;
    }
    for (i, task) in waiting.into_iter().enumerate() {
        let reply = task.await.unwrap().expect("reply");
        assert_eq!(
            reply.payload,
            format!("answer {i}"),
            "request {i} got another's reply"
        );
    }
    assert_eq!(p.unmatched_replies(), 2);
    assert_eq!(p.pending_requests(), 0);
    // Once nobody waits on the reply topic it is unsubscribed: a late reply does not arrive.
    assert_eq!(p.reply_topics_in_use(), 0);
    broker.settle().await.unwrap();
    let received = app.stats().received;
    broker
        .publish(Outgoing::new(REPLIES, "late").correlation_data("1"))
        .await;
    broker.settle().await.unwrap();
    assert_eq!(app.stats().received, received, "not delivered");
    assert_eq!(p.unmatched_replies(), 2);
    assert_eq!(app.stats().unrouted, 0);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn correlation_lives_where_the_options_say() {
    let broker = MemoryBroker::new();
    let (app, p) = requester(&broker).await;

    // A header: written into the request (and as Correlation Data), read from the reply's header.
    let header = RequestOptions::new(T).correlation(Location::header("correlationId"));
    let waiting = ask(&p, 3, header);
    let sent = requests(&broker, "svc/ask", 3).await;
    for request in sent.iter().rev() {
        let id = request
            .properties
            .user_property("correlationId")
            .expect("header");
        assert_eq!(
            request.properties.correlation_data.as_deref(),
            Some(id.as_bytes())
        );
        // Deliberately wrong Correlation Data: the header decides.
        let reply = Outgoing::new(REPLIES, format!("answer {}", ask_index(request)))
            .user_property("correlationId", id)
            .correlation_data("wrong");
        broker.publish(reply).await;
    }
    for (i, task) in waiting.into_iter().enumerate() {
        assert_eq!(task.await.unwrap().unwrap().payload, format!("answer {i}"));
    }
    broker.clear_published();

    // A payload field in the request, another in the reply; a caller-given id is kept.
    let payload = RequestOptions::new(T)
        .correlation(Location::payload("/requestId"))
        .reply_correlation(Location::payload("/meta/for"));
    let given = {
        let p = p.clone();
        let payload = payload.clone();
        tokio::spawn(async move {
            let request =
                Outgoing::new("svc/given", r#"{"requestId":"mine"}"#).response_topic(REPLIES);
            p.request_with(request, &payload).await
        })
    };
    let waiting = ask(&p, 3, payload);
    let mut sent = requests(&broker, "svc/ask", 3).await;
    sent.extend(requests(&broker, "svc/given", 1).await);
    for request in sent.iter().rev() {
        let body: serde_json::Value = serde_json::from_slice(&request.payload).unwrap();
        let id = body["requestId"]
            .as_str()
            .expect("requestId in the payload")
            .to_owned();
        let reply = serde_json::json!({ "answer": body.get("ask"), "meta": { "for": id } });
        broker
            .publish(Outgoing::new(REPLIES, reply.to_string()))
            .await;
    }
    for (i, task) in waiting.into_iter().enumerate() {
        let reply: serde_json::Value =
            serde_json::from_slice(&task.await.unwrap().unwrap().payload).unwrap();
        assert_eq!(reply["answer"], i as u64);
    }
    let reply: serde_json::Value =
        serde_json::from_slice(&given.await.unwrap().unwrap().payload).unwrap();
    assert_eq!(reply["meta"]["for"], "mine");
    assert_eq!(p.unmatched_replies(), 0);
    assert_eq!(p.pending_requests(), 0);
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reply_address_is_written_where_the_options_say() {
    let broker = MemoryBroker::new();
    let (app, p) = requester(&broker).await;
    let options = RequestOptions::new(T)
        .reply_address(Location::header("replyTo"))
        .correlation(Location::header("correlationId"));
    let waiting = {
        let p = p.clone();
        tokio::spawn(async move {
            p.request_with(Outgoing::new("svc/ask", "{}"), &options)
                .await
        })
    };
    let request = broker.wait_for_publish("svc/ask", T).await.unwrap();
    let reply_to = request
        .properties
        .user_property("replyTo")
        .expect("replyTo header");
    let inbox = format!("mqttgen/replies/{}/", app.client_id());
    assert!(reply_to.starts_with(&inbox), "{reply_to}");
    assert_eq!(request.properties.response_topic.as_deref(), Some(reply_to));
    // A responder that only knows the headers.
    let id = request.properties.user_property("correlationId").unwrap();
    broker
        .publish(Outgoing::new(reply_to, "done").user_property("correlationId", id))
        .await;
    assert_eq!(waiting.await.unwrap().unwrap().payload, "done");
    app.shutdown(T).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_cancellations_remove_only_their_own_entry() {
    let broker = MemoryBroker::new();
    let (app, p) = requester(&broker).await;
    let patient = ask(&p, 2, RequestOptions::new(T));
    requests(&broker, "svc/ask", 2).await;

    // Times out while the two others keep waiting on the same topic.
    let error = p
        .request_with(
            Outgoing::new("svc/impatient", "{}").response_topic(REPLIES),
            &RequestOptions::new(Duration::from_millis(100)),
        )
        .await
        .expect_err("nobody answers");
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    assert_eq!(p.pending_requests(), 2);

    // Cancelled by its caller.
    let mut cancelled = ask(&p, 1, RequestOptions::new(T));
    requests(&broker, "svc/ask", 3).await;
    assert_eq!(p.pending_requests(), 3);
    let task = cancelled.remove(0);
    task.abort();
    let _ = task.await;
    assert_eq!(p.pending_requests(), 2);

    // The two patient requests still get their replies.
    for request in broker.published_to("svc/ask").iter().take(2) {
        let reply = Outgoing::new(REPLIES, format!("answer {}", ask_index(request)))
            .correlation_data(request.properties.correlation_data.clone().unwrap());
        broker.publish(reply).await;
    }
    for (i, task) in patient.into_iter().enumerate() {
        assert_eq!(task.await.unwrap().unwrap().payload, format!("answer {i}"));
    }
    assert_eq!(p.pending_requests(), 0);
    app.shutdown(T).await.unwrap();
}
