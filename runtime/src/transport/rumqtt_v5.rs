//! MQTT 5 over `rumqttc::v5`.

use super::{
    qos_from_v5, qos_to_v5, AckToken, Client, Event, EventSource, Incoming, SubscribeRequest,
};
use crate::config::{Config, Transport};
use crate::{Error, Outgoing, Properties};
use futures::future::BoxFuture;
use rumqttc::v5::mqttbytes::v5::{
    ConnectReturnCode, Filter, LastWill, LastWillProperties, Packet, PubAckReason, PubCompReason,
    PubRecReason, Publish, PublishProperties, SubscribeProperties, SubscribeReasonCode,
};
use rumqttc::v5::{AsyncClient, ConnectionError, EventLoop, MqttOptions, StateError};
use rumqttc::Outgoing as Out;
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct V5Source {
    eventloop: EventLoop,
}

pub(crate) struct V5Client {
    client: AsyncClient,
    manual_acks: bool,
}

/// Builds rumqttc options from the config: manual acks, the configured limits, no automatic
/// behaviour the runtime does itself.
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
    // rumqttc's v5 options reject keep-alives under 5 s.
    opts.set_keep_alive(config.keep_alive.max(Duration::from_secs(5)));
    opts.set_clean_start(config.clean_start);
    if let Some(expiry) = config.session_expiry {
        opts.set_session_expiry_interval(Some(expiry.as_secs().min(u32::MAX as u64) as u32));
    }
    opts.set_manual_acks(manual_acks);
    opts.set_max_packet_size(Some(config.max_packet_size.min(u32::MAX as usize) as u32));
    opts.set_connection_timeout(config.connect_timeout.as_secs().max(1));
    opts.set_request_channel_capacity(config.request_channel_capacity);
    opts.set_outgoing_inflight_upper_limit(config.inflight);
    opts.set_receive_maximum(Some(config.receive_maximum.max(1)));
    if let Some(c) = &config.credentials {
        opts.set_credentials(c.username.clone(), c.password.expose());
    }
    if let Some(will) = &config.last_will {
        crate::topic::validate_topic_name(&will.topic)?;
        let p = &will.properties;
        let props = (!p.is_empty()).then(|| LastWillProperties {
            delay_interval: None,
            payload_format_indicator: p.payload_format_indicator,
            message_expiry_interval: p.message_expiry_interval,
            content_type: p.content_type.clone(),
            response_topic: p.response_topic.clone(),
            correlation_data: p.correlation_data.clone(),
            user_properties: p.user_properties.clone(),
        });
        opts.set_last_will(LastWill::new(
            will.topic.clone(),
            will.payload.to_vec(),
            qos_to_v5(will.qos),
            will.retain,
            props,
        ));
    }
    opts.set_transport(transport(config)?);
    let (client, eventloop) = AsyncClient::new(opts, config.request_channel_capacity);
    Ok((
        Box::new(V5Source { eventloop }),
        Arc::new(V5Client {
            client,
            manual_acks,
        }),
    ))
}

pub(crate) fn transport(config: &Config) -> Result<rumqttc::Transport, Error> {
    let tls = || -> Result<rumqttc::TlsConfiguration, Error> {
        let cfg = super::tls::client_config(config.tls.as_ref().unwrap_or(&Default::default()))?;
        Ok(rumqttc::TlsConfiguration::Rustls(cfg))
    };
    Ok(match config.transport {
        Transport::Tcp => rumqttc::Transport::Tcp,
        Transport::Tls => rumqttc::Transport::Tls(tls()?),
        Transport::Ws => rumqttc::Transport::Ws,
        Transport::Wss => rumqttc::Transport::Wss(tls()?),
    })
}

fn connect_code(code: ConnectReturnCode) -> u8 {
    use ConnectReturnCode::*;
    match code {
        Success => 0,
        RefusedProtocolVersion | UnsupportedProtocolVersion => 0x84,
        BadClientId | ClientIdentifierNotValid => 0x85,
        ServiceUnavailable | ServerUnavailable => 0x88,
        UnspecifiedError => 0x80,
        MalformedPacket => 0x81,
        ProtocolError => 0x82,
        ImplementationSpecificError => 0x83,
        BadUserNamePassword => 0x86,
        NotAuthorized => 0x87,
        ServerBusy => 0x89,
        Banned => 0x8A,
        BadAuthenticationMethod => 0x8C,
        TopicNameInvalid => 0x90,
        PacketTooLarge => 0x95,
        QuotaExceeded => 0x97,
        PayloadFormatInvalid => 0x99,
        RetainNotSupported => 0x9A,
        QoSNotSupported => 0x9B,
        UseAnotherServer => 0x9C,
        ServerMoved => 0x9D,
        ConnectionRateExceeded => 0x9F,
    }
}

fn suback_code(code: &SubscribeReasonCode) -> u8 {
    use SubscribeReasonCode::*;
    match code {
        Success(q) => *q as u8,
        Failure | Unspecified => 0x80,
        ImplementationSpecific => 0x83,
        NotAuthorized => 0x87,
        TopicFilterInvalid => 0x8F,
        PkidInUse => 0x91,
        QuotaExceeded => 0x97,
        SharedSubscriptionsNotSupported => 0x9E,
        SubscriptionIdNotSupported => 0xA1,
        WildcardSubscriptionsNotSupported => 0xA2,
    }
}

fn puback_code(reason: PubAckReason) -> u8 {
    use PubAckReason::*;
    match reason {
        Success => 0,
        NoMatchingSubscribers => 0x10,
        UnspecifiedError => 0x80,
        ImplementationSpecificError => 0x83,
        NotAuthorized => 0x87,
        TopicNameInvalid => 0x90,
        PacketIdentifierInUse => 0x91,
        QuotaExceeded => 0x97,
        PayloadFormatInvalid => 0x99,
    }
}

fn pubrec_code(reason: PubRecReason) -> u8 {
    use PubRecReason::*;
    match reason {
        Success => 0,
        NoMatchingSubscribers => 0x10,
        UnspecifiedError => 0x80,
        ImplementationSpecificError => 0x83,
        NotAuthorized => 0x87,
        TopicNameInvalid => 0x90,
        PacketIdentifierInUse => 0x91,
        QuotaExceeded => 0x97,
        PayloadFormatInvalid => 0x99,
    }
}

fn map_error(e: ConnectionError) -> Error {
    match e {
        ConnectionError::ConnectionRefused(code) => {
            crate::error::connection_refused(connect_code(code))
        }
        ConnectionError::Timeout(_) => {
            Error::Connection("timed out connecting to the broker".into())
        }
        ConnectionError::MqttState(StateError::ConnFail { reason }) => {
            crate::error::connection_refused(connect_code(reason))
        }
        other => Error::Connection(other.to_string()),
    }
}

fn properties_from(p: Option<PublishProperties>) -> (Properties, Vec<usize>) {
    match p {
        None => (Properties::default(), Vec::new()),
        Some(p) => (
            Properties {
                content_type: p.content_type,
                payload_format_indicator: p.payload_format_indicator,
                message_expiry_interval: p.message_expiry_interval,
                response_topic: p.response_topic,
                correlation_data: p.correlation_data,
                user_properties: p.user_properties,
            },
            p.subscription_identifiers,
        ),
    }
}

impl EventSource for V5Source {
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
        Box::pin(self.next_event())
    }

    fn as_v5(&mut self) -> Option<&mut V5Source> {
        Some(self)
    }
}

impl V5Source {
    /// [`EventSource::poll`] as a plain future, for [`super::next_event`].
    pub(crate) async fn next_event(&mut self) -> Result<Event, Error> {
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
    }
}

/// The driver's view of one rumqttc event.
fn convert(event: rumqttc::v5::Event) -> Result<Event, Error> {
    Ok(match event {
        rumqttc::v5::Event::Incoming(packet) => match packet {
            Packet::ConnAck(ack) => Event::Connected {
                session_present: ack.session_present,
                max_packet_size: ack.properties.as_ref().and_then(|p| p.max_packet_size),
                subscription_ids: ack
                    .properties
                    .as_ref()
                    .and_then(|p| p.subscription_identifiers_available)
                    != Some(0),
            },
            Packet::Publish(p) => {
                let (properties, subscription_ids) = properties_from(p.properties);
                Event::Message(Incoming {
                    topic: p.topic,
                    payload: p.payload,
                    qos: qos_from_v5(p.qos),
                    retain: p.retain,
                    dup: p.dup,
                    properties,
                    pkid: p.pkid,
                    delivery: 0,
                    subscription_ids,
                })
            }
            Packet::PubAck(ack) => Event::PublishDone {
                pkid: ack.pkid,
                code: puback_code(ack.reason),
            },
            Packet::PubRec(rec) => {
                let code = pubrec_code(rec.reason);
                if code >= 0x80 {
                    Event::PublishDone {
                        pkid: rec.pkid,
                        code,
                    }
                } else {
                    Event::Other
                }
            }
            Packet::PubComp(comp) => Event::PublishDone {
                pkid: comp.pkid,
                code: match comp.reason {
                    PubCompReason::Success => 0,
                    PubCompReason::PacketIdentifierNotFound => 0x92,
                },
            },
            Packet::SubAck(ack) => Event::SubAck {
                pkid: ack.pkid,
                codes: ack.return_codes.iter().map(suback_code).collect(),
            },
            Packet::Disconnect(d) => {
                return Err(Error::Connection(format!(
                    "broker disconnected: {:?}",
                    d.reason_code
                )));
            }
            Packet::PingResp(_) => Event::PingAnswered,
            _ => Event::Other,
        },
        rumqttc::v5::Event::Outgoing(out) => match out {
            Out::Publish(pkid) => Event::PublishSent { pkid },
            Out::Subscribe(pkid) => Event::SubscribeSent { pkid },
            Out::Disconnect => Event::DisconnectSent,
            Out::PingReq => Event::PingSent,
            _ => Event::Other,
        },
    })
}

/// An acknowledgement of a received message that left (the driver ignores these).
fn is_own_ack(event: &rumqttc::v5::Event) -> bool {
    matches!(
        event,
        rumqttc::v5::Event::Outgoing(Out::PubAck(_) | Out::PubRec(_) | Out::PubComp(_))
    )
}

/// What rumqttc's acknowledgement calls read of the message: its QoS and packet id (built
/// without `Publish::new`, which copies an empty topic into a new buffer for every ack).
fn ack_of(token: AckToken) -> Publish {
    Publish {
        qos: qos_to_v5(token.qos),
        pkid: token.pkid,
        ..Publish::default()
    }
}

fn client_error(e: rumqttc::v5::ClientError) -> Error {
    Error::Disconnected(format!("MQTT event loop is gone: {e}"))
}

impl Client for V5Client {
    fn publish(&self, msg: Outgoing) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            let p = msg.properties;
            let props = PublishProperties {
                payload_format_indicator: p.payload_format_indicator,
                message_expiry_interval: p.message_expiry_interval,
                topic_alias: None,
                response_topic: p.response_topic,
                correlation_data: p.correlation_data,
                user_properties: p.user_properties,
                subscription_identifiers: Vec::new(),
                content_type: p.content_type,
            };
            self.client
                .publish_with_properties(
                    msg.topic,
                    qos_to_v5(msg.qos),
                    msg.retain,
                    msg.payload,
                    props,
                )
                .await
                .map_err(client_error)
        })
    }

    fn try_publish(&self, msg: &Outgoing) -> bool {
        let p = msg.properties.clone();
        let props = PublishProperties {
            payload_format_indicator: p.payload_format_indicator,
            message_expiry_interval: p.message_expiry_interval,
            topic_alias: None,
            response_topic: p.response_topic,
            correlation_data: p.correlation_data,
            user_properties: p.user_properties,
            subscription_identifiers: Vec::new(),
            content_type: p.content_type,
        };
        self.client
            .try_publish_with_properties(
                msg.topic.clone(),
                qos_to_v5(msg.qos),
                msg.retain,
                msg.payload.clone(),
                props,
            )
            .is_ok()
    }

    fn subscribe(&self, filters: Vec<SubscribeRequest>) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            // One identifier per SUBSCRIBE: batches hold a single filter when ids are used.
            let id = if filters.len() == 1 {
                filters[0].id
            } else {
                None
            };
            let props = SubscribeProperties {
                id,
                user_properties: Vec::new(),
            };
            let filters = filters.into_iter().map(|f| {
                let mut filter = Filter::new(f.filter, qos_to_v5(f.qos));
                filter.nolocal = f.no_local;
                filter
            });
            self.client
                .subscribe_many_with_properties(filters, props)
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
            self.client.ack(&ack_of(token)).await.map_err(client_error)
        })
    }

    fn try_ack(&self, token: AckToken, ok: bool) -> bool {
        if !ok || !self.manual_acks || token.qos == crate::QoS::AtMostOnce {
            return true;
        }
        self.client.try_ack(&ack_of(token)).is_ok()
    }

    fn acks_manually(&self) -> bool {
        self.manual_acks
    }

    fn disconnect(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { self.client.disconnect().await.map_err(client_error) })
    }

    fn uses_subscription_ids(&self) -> bool {
        true
    }
}
