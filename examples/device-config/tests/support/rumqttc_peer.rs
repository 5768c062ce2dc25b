//! A responder and a requester written directly on rumqttc v5, without mqttgen: the independent
//! peer of the interop tests and the hand-written baseline of the request/reply bench.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::v5::mqttbytes::v5::{Packet, PublishProperties};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use tokio::sync::{mpsc, oneshot};

/// A rumqttc connection whose event loop runs in a task; stopped on drop.
pub struct Peer {
    client: AsyncClient,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// An incoming publish: topic, payload and MQTT 5 properties.
type Incoming = (String, bytes::Bytes, Option<PublishProperties>);

/// Connects, subscribes to `filter` and waits for the SUBACK.
async fn connect(port: u16, client_id: &str, filter: &str) -> (AsyncClient, EventLoop) {
    let mut options = MqttOptions::new(client_id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut events) = AsyncClient::new(options, 1_000);
    client
        .subscribe(filter, QoS::AtMostOnce)
        .await
        .expect("queue SUBSCRIBE");
    loop {
        match tokio::time::timeout(Duration::from_secs(30), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::SubAck(_)))) => return (client, events),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("rumqttc peer {client_id}: {e}"),
            Err(_) => panic!("rumqttc peer {client_id}: no SUBACK"),
        }
    }
}

/// Polls `events` forever in a task, forwarding publishes to `tx`. Replies are published from
/// other tasks: rumqttc deadlocks when the polling task publishes.
fn pump(mut events: EventLoop, tx: mpsc::UnboundedSender<Incoming>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let topic = String::from_utf8_lossy(&publish.topic).into_owned();
                    if tx
                        .send((topic, publish.payload, publish.properties))
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
}

/// How a responder finds where to reply and which correlation id to echo.
#[derive(Clone, Copy, Debug)]
pub enum Addressing {
    /// The MQTT 5 Response Topic and Correlation Data properties.
    Properties,
    /// Only user properties (AsyncAPI headers): the reply topic from `reply_to`, the correlation
    /// id from `correlation`, echoed as that user property. MQTT 5 properties are ignored.
    Headers {
        reply_to: &'static str,
        correlation: &'static str,
    },
}

/// Starts a responder on `filter`: every request is answered with `answer(topic, payload)` on
/// its MQTT 5 response topic, with its correlation data. Requests without a response topic
/// are ignored.
pub async fn responder(
    port: u16,
    client_id: &str,
    filter: &str,
    answer: impl Fn(&str, &[u8]) -> Vec<u8> + Send + 'static,
) -> Peer {
    responder_with(port, client_id, filter, Addressing::Properties, answer).await
}

/// Like [`responder`], finding the reply topic and correlation id as `addressing` says.
pub async fn responder_with(
    port: u16,
    client_id: &str,
    filter: &str,
    addressing: Addressing,
    answer: impl Fn(&str, &[u8]) -> Vec<u8> + Send + 'static,
) -> Peer {
    let (client, events) = connect(port, client_id, filter).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let pump = pump(events, tx);
    let replier = client.clone();
    let answers = tokio::spawn(async move {
        while let Some((topic, payload, properties)) = rx.recv().await {
            let Some(properties) = properties else {
                continue;
            };
            let mut reply = PublishProperties {
                content_type: Some("application/json".into()),
                ..Default::default()
            };
            let response_topic = match addressing {
                Addressing::Properties => {
                    reply.correlation_data = properties.correlation_data;
                    properties.response_topic
                }
                Addressing::Headers {
                    reply_to,
                    correlation,
                } => {
                    let header = |name: &str| {
                        properties
                            .user_properties
                            .iter()
                            .find(|(key, _)| key == name)
                            .map(|(_, value)| value.clone())
                    };
                    if let Some(id) = header(correlation) {
                        reply.user_properties.push((correlation.to_owned(), id));
                    }
                    header(reply_to)
                }
            };
            let Some(response_topic) = response_topic else {
                continue;
            };
            let body = answer(&topic, &payload);
            if replier
                .publish_with_properties(response_topic, QoS::AtMostOnce, false, body, reply)
                .await
                .is_err()
            {
                return;
            }
        }
    });
    Peer {
        client,
        tasks: vec![pump, answers],
    }
}

/// A requester: one reply inbox (`{client_id}/replies`, subscribed once), correlation data
/// from a counter, pending requests keyed by it.
pub struct Requester {
    peer: Peer,
    inbox: String,
    next: std::sync::atomic::AtomicU64,
    pending: Arc<Mutex<HashMap<bytes::Bytes, oneshot::Sender<bytes::Bytes>>>>,
}

impl Requester {
    /// Connects and subscribes to the reply inbox.
    pub async fn start(port: u16, client_id: &str) -> Requester {
        let inbox = format!("{client_id}/replies");
        let (client, events) = connect(port, client_id, &inbox).await;
        let (tx, mut rx) = mpsc::unbounded_channel::<Incoming>();
        let pump = pump(events, tx);
        let pending: Arc<Mutex<HashMap<bytes::Bytes, oneshot::Sender<bytes::Bytes>>>> =
            Arc::default();
        let waiting = pending.clone();
        let matcher = tokio::spawn(async move {
            while let Some((_, payload, properties)) = rx.recv().await {
                let Some(correlation) = properties.and_then(|p| p.correlation_data) else {
                    continue;
                };
                let waiter = waiting.lock().unwrap().remove(&correlation);
                if let Some(waiter) = waiter {
                    let _ = waiter.send(payload);
                }
            }
        });
        Requester {
            peer: Peer {
                client,
                tasks: vec![pump, matcher],
            },
            inbox,
            next: Default::default(),
            pending,
        }
    }

    /// Publishes `payload` to `topic` as a request and waits up to `timeout` for the reply.
    pub async fn request(
        &self,
        topic: &str,
        payload: &'static [u8],
        timeout: Duration,
    ) -> Option<bytes::Bytes> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let correlation = bytes::Bytes::from(n.to_string());
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(correlation.clone(), tx);
        let properties = PublishProperties {
            response_topic: Some(self.inbox.clone()),
            correlation_data: Some(correlation.clone()),
            content_type: Some("application/json".into()),
            ..Default::default()
        };
        self.peer
            .client
            .publish_with_properties(topic, QoS::AtMostOnce, false, payload, properties)
            .await
            .ok()?;
        let reply = tokio::time::timeout(timeout, rx)
            .await
            .ok()
            .and_then(Result::ok);
        self.pending.lock().unwrap().remove(&correlation);
        reply
    }
}
