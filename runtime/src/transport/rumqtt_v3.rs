//! MQTT 3.1.1 over `rumqttc` (its `v4` packet module).

use super::{
    qos_from_v3, qos_to_v3, AckToken, Client, Event, EventSource, Incoming, SubscribeRequest,
};
use crate::config::{Config, Transport};
use crate::{Error, Outgoing, Properties};
use futures::future::BoxFuture;
use rumqttc::Outgoing as Out;
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, EventLoop, LastWill, MqttOptions, Packet,
    Publish, SubscribeFilter, SubscribeReasonCode,
};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct V3Source {
    eventloop: EventLoop,
}

pub(crate) struct V3Client {
    client: AsyncClient,
    manual_acks: bool,
}

/// Builds rumqttc options from the config (manual acks, 1 MiB packets by default).
/// `manual_acks: false` lets rumqttc acknowledge on receipt (every route acknowledges before
/// its handler): no acknowledgement requests, no extra socket writes.
pub(crate) fn connect(
    config: &Config,
    client_id: &str,
    manual_acks: bool,
) -> Result<super::Connection, Error> {
    let host = match config.transport {
        Transport::Ws => format!("ws://{}:{}{}", config.host, config.port, config.ws_path),
        Transport::Wss => format!("wss://{}:{}{}", config.host, config.port, config.ws_path),
        _ => config.host.clone(),
    };
    let mut opts = MqttOptions::new(client_id, host, config.port);
    opts.set_keep_alive(config.keep_alive.max(Duration::from_secs(1)));
    opts.set_clean_session(config.clean_start);
    opts.set_manual_acks(manual_acks);
    opts.set_max_packet_size(config.max_packet_size, config.max_packet_size);
    opts.set_request_channel_capacity(config.request_channel_capacity);
    opts.set_inflight(config.inflight);
    if let Some(c) = &config.credentials {
        opts.set_credentials(c.username.clone(), c.password.expose());
    }
    if let Some(will) = &config.last_will {
        crate::topic::validate_topic_name(&will.topic)?;
        opts.set_last_will(LastWill::new(
            will.topic.clone(),
            will.payload.to_vec(),
            qos_to_v3(will.qos),
            will.retain,
        ));
    }
    opts.set_transport(super::rumqtt_v5::transport(config)?);
    let (client, mut eventloop) = AsyncClient::new(opts, config.request_channel_capacity);
    eventloop
        .network_options
        .set_connection_timeout(config.connect_timeout.as_secs().max(1));
    Ok((
        Box::new(V3Source { eventloop }),
        Arc::new(V3Client {
            client,
            manual_acks,
        }),
    ))
}

/// MQTT 3.1.1 CONNACK return codes in MQTT 5 numbering.
fn connect_code(code: ConnectReturnCode) -> u8 {
    match code {
        ConnectReturnCode::Success => 0,
        ConnectReturnCode::RefusedProtocolVersion => 0x84,
        ConnectReturnCode::BadClientId => 0x85,
        ConnectReturnCode::ServiceUnavailable => 0x88,
        ConnectReturnCode::BadUserNamePassword => 0x86,
        ConnectReturnCode::NotAuthorized => 0x87,
    }
}

fn map_error(e: ConnectionError) -> Error {
    match e {
        ConnectionError::ConnectionRefused(code) => {
            crate::error::connection_refused(connect_code(code))
        }
        ConnectionError::NetworkTimeout => {
            Error::Connection("timed out connecting to the broker".into())
        }
        other => Error::Connection(other.to_string()),
    }
}

impl EventSource for V3Source {
    fn try_next(&mut self) -> Option<Result<Event, Error>> {
        // What `EventLoop::poll` returns first when events are buffered, without building its
        // (large) future: most events arrive in batches (a read, a batch of our own acks).
        while let Some(event) = self.eventloop.state.events.pop_front() {
            if is_own_ack(&event) && !self.eventloop.state.events.is_empty() {
                continue;
            }
            return Some(convert(event));
        }
        None
    }

    fn poll(&mut self) -> BoxFuture<'_, Result<Event, Error>> {
        Box::pin(async move {
            if let Some(event) = self.try_next() {
                return event;
            }
            let mut event = self.eventloop.poll().await.map_err(map_error)?;
            // Our own acknowledgements leave in batches, and each is reported as an event: skip
            // those the driver has no use for while more events are already buffered.
            while is_own_ack(&event) && !self.eventloop.state.events.is_empty() {
                event = self.eventloop.poll().await.map_err(map_error)?;
            }
            convert(event)
        })
    }
}

/// The driver's view of one rumqttc event.
fn convert(event: rumqttc::Event) -> Result<Event, Error> {
    Ok(match event {
        rumqttc::Event::Incoming(packet) => match packet {
            Packet::ConnAck(ack) => Event::Connected {
                session_present: ack.session_present,
                max_packet_size: None,
                subscription_ids: false,
            },
            Packet::Publish(p) => Event::Message(Incoming {
                topic: bytes::Bytes::from(p.topic.into_bytes()),
                payload: p.payload,
                qos: qos_from_v3(p.qos),
                retain: p.retain,
                dup: p.dup,
                properties: Properties::default(),
                pkid: p.pkid,
                delivery: 0,
                subscription_ids: Vec::new(),
            }),
            Packet::PubAck(ack) => Event::PublishDone {
                pkid: ack.pkid,
                code: 0,
            },
            Packet::PubComp(comp) => Event::PublishDone {
                pkid: comp.pkid,
                code: 0,
            },
            Packet::SubAck(ack) => Event::SubAck {
                pkid: ack.pkid,
                codes: ack
                    .return_codes
                    .iter()
                    .map(|c| match c {
                        SubscribeReasonCode::Success(q) => *q as u8,
                        SubscribeReasonCode::Failure => 0x80,
                    })
                    .collect(),
            },
            Packet::PingResp => Event::PingAnswered,
            _ => Event::Other,
        },
        rumqttc::Event::Outgoing(out) => match out {
            Out::Publish(pkid) => Event::PublishSent { pkid },
            Out::Subscribe(pkid) => Event::SubscribeSent { pkid },
            Out::Disconnect => Event::DisconnectSent,
            Out::PingReq => Event::PingSent,
            _ => Event::Other,
        },
    })
}

/// An acknowledgement of a received message that left (the driver ignores these).
fn is_own_ack(event: &rumqttc::Event) -> bool {
    matches!(
        event,
        rumqttc::Event::Outgoing(Out::PubAck(_) | Out::PubRec(_) | Out::PubComp(_))
    )
}

fn client_error(e: rumqttc::ClientError) -> Error {
    Error::Disconnected(format!("MQTT event loop is gone: {e}"))
}

impl Client for V3Client {
    fn publish(&self, msg: Outgoing) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.client
                .publish_bytes(msg.topic, qos_to_v3(msg.qos), msg.retain, msg.payload)
                .await
                .map_err(client_error)
        })
    }

    fn try_publish(&self, msg: &Outgoing) -> bool {
        self.client
            .try_publish(
                msg.topic.clone(),
                qos_to_v3(msg.qos),
                msg.retain,
                msg.payload.to_vec(),
            )
            .is_ok()
    }

    fn subscribe(&self, filters: Vec<SubscribeRequest>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let filters = filters
                .into_iter()
                .map(|f| SubscribeFilter::new(f.filter, qos_to_v3(f.qos)));
            self.client
                .subscribe_many(filters)
                .await
                .map_err(client_error)
        })
    }

    fn unsubscribe(&self, filter: String) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.client.unsubscribe(filter).await.map_err(client_error) })
    }

    fn ack(&self, token: AckToken, ok: bool) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            if !ok || !self.manual_acks || token.qos == crate::QoS::AtMostOnce {
                return Ok(());
            }
            let mut publish = Publish::new("", qos_to_v3(token.qos), Vec::new());
            publish.pkid = token.pkid;
            self.client.ack(&publish).await.map_err(client_error)
        })
    }

    fn try_ack(&self, token: AckToken, ok: bool) -> bool {
        if !ok || !self.manual_acks || token.qos == crate::QoS::AtMostOnce {
            return true;
        }
        let mut publish = Publish::new("", qos_to_v3(token.qos), Vec::new());
        publish.pkid = token.pkid;
        self.client.try_ack(&publish).is_ok()
    }

    fn acks_manually(&self) -> bool {
        self.manual_acks
    }

    fn disconnect(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.client.disconnect().await.map_err(client_error) })
    }
}
