//! [`RawSubscriber`]: a plain rumqttc client (MQTT 3.1.1) that records everything the broker
//! delivers on one filter — an observer independent of the runtime under test.

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A message the raw subscriber received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Topic.
    pub topic: String,
    /// Payload size in bytes.
    pub len: usize,
}

/// Subscribes to a filter on 127.0.0.1 and records every delivery until dropped.
#[derive(Debug)]
pub struct RawSubscriber {
    received: Arc<Mutex<Vec<Received>>>,
    _client: AsyncClient,
    task: JoinHandle<()>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

impl RawSubscriber {
    /// Connects to the broker on `port`, subscribes to `filter` with QoS 1 and returns once the
    /// broker acknowledged the subscription. Panics if it does not within 20 s.
    pub async fn subscribe(port: u16, filter: &str) -> RawSubscriber {
        let id = format!(
            "proof-raw-{}-{}",
            std::process::id(),
            NEXT_ID.fetch_add(1, Ordering::Relaxed)
        );
        let mut options = MqttOptions::new(id, "127.0.0.1", port);
        options.set_keep_alive(Duration::from_secs(5));
        options.set_max_packet_size(4 << 20, 4 << 20);
        let (client, mut events) = AsyncClient::new(options, 64);
        client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("queue SUBSCRIBE");
        let received = Arc::new(Mutex::new(Vec::new()));
        let (subscribed_tx, subscribed_rx) = tokio::sync::oneshot::channel();
        let mut subscribed_tx = Some(subscribed_tx);
        let sink = received.clone();
        let task = tokio::spawn(async move {
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Packet::SubAck(ack))) => {
                        if let Some(tx) = subscribed_tx.take() {
                            let _ = tx.send(ack.return_codes);
                        }
                    }
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        sink.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(Received {
                                topic: publish.topic.clone(),
                                len: publish.payload.len(),
                            });
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        let codes = tokio::time::timeout(Duration::from_secs(20), subscribed_rx)
            .await
            .expect("the raw subscriber's SUBACK within 20 s")
            .expect("SUBACK");
        assert!(
            codes
                .iter()
                .all(|c| matches!(c, rumqttc::SubscribeReasonCode::Success(_))),
            "raw subscription to `{filter}` refused: {codes:?}"
        );
        RawSubscriber {
            received,
            _client: client,
            task,
        }
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many messages were received so far.
    pub fn count(&self) -> usize {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for RawSubscriber {
    fn drop(&mut self) {
        self.task.abort();
    }
}
