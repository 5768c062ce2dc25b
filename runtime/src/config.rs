//! Connection settings: broker address, protocol version, session, credentials, TLS, last will,
//! limits and reconnect backoff.
//!
//! Build a [`Config`] from a URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`), from the environment
//! ([`Config::from_env`]) or from a host and port, then adjust it with the builder methods.

use crate::{Error, Outgoing};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// MQTT protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// MQTT 3.1.1.
    V311,
    /// MQTT 5.0 (default).
    #[default]
    V5,
}

/// How to reach the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Plain TCP (`mqtt://`, default port 1883).
    #[default]
    Tcp,
    /// TLS over TCP (`mqtts://`, default port 8883).
    Tls,
    /// WebSocket (`ws://`).
    Ws,
    /// WebSocket over TLS (`wss://`).
    Wss,
}

/// A string that never shows up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value; use only to hand it to the broker.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Username and password sent in CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password (redacted in `Debug`).
    pub password: Secret,
}

/// Which certificate authorities to trust.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsRoots {
    /// The operating system's trust store (default).
    #[default]
    System,
    /// PEM file with one or more CA certificates.
    CaFile(PathBuf),
    /// PEM bytes with one or more CA certificates.
    CaPem(Vec<u8>),
}

/// TLS settings (used by `mqtts://` and `wss://`). The `ring` crypto provider is used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// Trusted certificate authorities.
    pub roots: TlsRoots,
    /// Client certificate chain and private key (PEM files) for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// ALPN protocols to offer (e.g. `["mqtt"]`).
    pub alpn: Vec<String>,
}

/// Jittered exponential backoff between reconnect attempts.
///
/// The n-th delay is `min(initial * multiplier^n, max)`, randomised to between `1 - jitter` and
/// `1 + jitter` of that value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// First delay (default 250 ms).
    pub initial: Duration,
    /// Upper bound (default 30 s).
    pub max: Duration,
    /// Growth factor per failed attempt (default 2).
    pub multiplier: f64,
    /// Relative jitter in `0.0..=1.0` (default 0.3).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: 0.3,
        }
    }
}

/// Everything needed to connect. Construct with [`Config::new`], [`Config::from_url`] or
/// [`Config::from_env`].
///
/// Defaults: MQTT 5, generated client id, keep-alive 30 s, clean start, max packet size 1 MiB,
/// 100 outgoing in-flight messages, receive maximum 256, backoff 250 ms → 30 s.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Broker host name or address.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// TCP, TLS, WebSocket or secure WebSocket.
    pub transport: Transport,
    /// WebSocket path (default `/mqtt`); ignored for TCP/TLS.
    pub ws_path: String,
    /// Protocol version.
    pub protocol: Protocol,
    /// Client identifier; generated (`mqttgen-<random>`) when `None`.
    pub client_id: Option<String>,
    /// Keep-alive interval.
    pub keep_alive: Duration,
    /// Start with a clean session (default `true`). With `false` the broker keeps
    /// subscriptions and queued QoS 1/2 messages while the client is away.
    pub clean_start: bool,
    /// MQTT 5 session expiry after disconnect (ignored by 3.1.1, where a non-clean session
    /// lives until the broker expires it).
    pub session_expiry: Option<Duration>,
    /// Username/password.
    pub credentials: Option<Credentials>,
    /// TLS settings for `Tls`/`Wss` transports.
    pub tls: Option<TlsConfig>,
    /// Message the broker publishes if the connection drops without DISCONNECT.
    pub last_will: Option<Outgoing>,
    /// Largest packet sent or accepted, in bytes (default 1 MiB).
    pub max_packet_size: usize,
    /// Maximum outgoing QoS 1/2 messages awaiting acknowledgement (default 100).
    pub inflight: u16,
    /// MQTT 5 receive maximum: QoS 1/2 messages the broker may send before we acknowledge
    /// (default 256; mosquitto 2.0.11 honours it). MQTT 3.1.1 brokers use their own setting,
    /// e.g. mosquitto's `max_inflight_messages`. Keep it well below the route queues'
    /// capacity ([`Route::queue_capacity`](crate::Route::queue_capacity), 1024 by default): then
    /// QoS 1/2 messages are held back by the broker and never fill a queue, and the connection
    /// never has more than this many messages in the socket ahead of a ping response.
    pub receive_maximum: u16,
    /// Reconnect backoff.
    pub backoff: Backoff,
    /// Time allowed for TCP/TLS connect plus CONNACK (default 10 s).
    pub connect_timeout: Duration,
    /// Capacity of the internal request channel to the MQTT event loop (default 1024).
    pub request_channel_capacity: usize,
    /// Maximum publishes waiting for the connection before `publish` returns
    /// [`Error::OutboxFull`] (default 100 000).
    pub max_outbox: usize,
    /// Maximum payload, topic and property bytes of the publishes waiting for the connection
    /// before `publish` returns [`Error::OutboxFull`] (default 64 MiB).
    pub max_outbox_bytes: usize,
    /// Messages of one connection left unacknowledged by
    /// [`AckPolicy::NackOnError`](crate::AckPolicy::NackOnError) before the runtime renews the
    /// connection (default 16). The broker keeps a slot of its in-flight window (MQTT 5 receive
    /// maximum, mosquitto's `max_inflight_messages`, 20 by default) for each such message and
    /// stops delivering when the window is used up; renewing the connection frees the window
    /// and makes the broker redeliver them (with a persistent session). Keep it below the
    /// broker's window.
    pub nack_limit: usize,
}

impl Config {
    /// A plain TCP configuration for `host:port`.
    pub fn new(host: impl Into<String>, port: u16) -> Config {
        Config {
            host: host.into(),
            port,
            transport: Transport::Tcp,
            ws_path: "/mqtt".into(),
            protocol: Protocol::V5,
            client_id: None,
            keep_alive: Duration::from_secs(30),
            clean_start: true,
            session_expiry: None,
            credentials: None,
            tls: None,
            last_will: None,
            max_packet_size: 1024 * 1024,
            inflight: 100,
            receive_maximum: 256,
            backoff: Backoff::default(),
            connect_timeout: Duration::from_secs(10),
            request_channel_capacity: 1024,
            max_outbox: 100_000,
            max_outbox_bytes: 64 * 1024 * 1024,
            nack_limit: 16,
        }
    }

    /// Parses `mqtt://[user[:password]@]host[:port][?options]` (also `mqtts://`, `ws://`,
    /// `wss://`; `tcp://` and `ssl://` are aliases).
    ///
    /// Query options: `client_id`, `protocol` (`3.1.1`/`4`/`5`), `keep_alive` (seconds),
    /// `clean_start` (`true`/`false`), `session_expiry` (seconds), `ca_file`.
    pub fn from_url(url: &str) -> Result<Config, Error> {
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::Config(format!("broker URL `{}`: {e}", redact_url(url))))?;
        let (transport, default_port) = match parsed.scheme() {
            "mqtt" | "tcp" => (Transport::Tcp, 1883),
            "mqtts" | "ssl" | "tls" => (Transport::Tls, 8883),
            "ws" => (Transport::Ws, 80),
            "wss" => (Transport::Wss, 443),
            other => {
                return Err(Error::Config(format!(
                "broker URL scheme `{other}` not supported; use mqtt://, mqtts://, ws:// or wss://"
            )))
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Config(format!("broker URL `{}` has no host", redact_url(url))))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut config = Config::new(host, parsed.port().unwrap_or(default_port));
        config.transport = transport;
        if matches!(transport, Transport::Tls | Transport::Wss) {
            config.tls = Some(TlsConfig::default());
        }
        if matches!(transport, Transport::Ws | Transport::Wss)
            && parsed.path() != "/"
            && !parsed.path().is_empty()
        {
            config.ws_path = parsed.path().to_owned();
        }
        if !parsed.username().is_empty() {
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| {
                    Error::Config("broker URL credentials are not valid UTF-8".into())
                })
            };
            config.credentials = Some(Credentials {
                username: decode(parsed.username())?,
                password: Secret::new(decode(parsed.password().unwrap_or(""))?),
            });
        }
        for (key, value) in parsed.query_pairs() {
            let bad =
                |what: &str| Error::Config(format!("broker URL option `{key}={value}`: {what}"));
            match key.as_ref() {
                "client_id" | "clientId" => config.client_id = Some(value.into_owned()),
                "protocol" | "version" => {
                    config.protocol = match value.as_ref() {
                        "3.1.1" | "4" | "311" | "v311" => Protocol::V311,
                        "5" | "5.0" | "v5" => Protocol::V5,
                        _ => return Err(bad("expected 3.1.1 or 5")),
                    }
                }
                "keep_alive" | "keepalive" => {
                    config.keep_alive =
                        Duration::from_secs(value.parse().map_err(|_| bad("expected seconds"))?)
                }
                "clean_start" | "clean_session" => {
                    config.clean_start = value.parse().map_err(|_| bad("expected true or false"))?
                }
                "session_expiry" => {
                    config.session_expiry = Some(Duration::from_secs(
                        value.parse().map_err(|_| bad("expected seconds"))?,
                    ))
                }
                "ca_file" => {
                    config.tls.get_or_insert_with(Default::default).roots =
                        TlsRoots::CaFile(value.into_owned().into())
                }
                _ => return Err(bad("unknown option")),
            }
        }
        Ok(config)
    }

    /// Reads the configuration from `MQTT_URL` and friends; see [`Config::from_env_prefixed`].
    pub fn from_env() -> Result<Config, Error> {
        Config::from_env_prefixed("MQTT")
    }

    /// Like [`Config::from_env`] but `Ok(None)` when `MQTT_URL` is not set (callers then fall back
    /// to the in-memory broker).
    pub fn try_from_env() -> Result<Option<Config>, Error> {
        match std::env::var("MQTT_URL") {
            Ok(url) if !url.trim().is_empty() => Config::from_env().map(Some),
            _ => Ok(None),
        }
    }

    /// Reads `{PREFIX}_URL` (required) and the optional `{PREFIX}_USERNAME`, `{PREFIX}_PASSWORD`,
    /// `{PREFIX}_CLIENT_ID`, `{PREFIX}_PROTOCOL` (`3.1.1`/`5`), `{PREFIX}_CA_FILE`,
    /// `{PREFIX}_CLIENT_CERT` + `{PREFIX}_CLIENT_KEY`. Variables override what the URL says.
    pub fn from_env_prefixed(prefix: &str) -> Result<Config, Error> {
        let var = |name: &str| {
            std::env::var(format!("{prefix}_{name}"))
                .ok()
                .filter(|v| !v.is_empty())
        };
        let url = var("URL").ok_or_else(|| {
            Error::Config(format!("environment variable {prefix}_URL is not set"))
        })?;
        let mut config = Config::from_url(&url)?;
        if let Some(username) = var("USERNAME") {
            config.credentials = Some(Credentials {
                username,
                password: Secret::new(var("PASSWORD").unwrap_or_default()),
            });
        }
        if let Some(id) = var("CLIENT_ID") {
            config.client_id = Some(id);
        }
        if let Some(protocol) = var("PROTOCOL") {
            config.protocol = match protocol.as_str() {
                "3.1.1" | "4" | "311" | "v311" => Protocol::V311,
                "5" | "5.0" | "v5" => Protocol::V5,
                other => {
                    return Err(Error::Config(format!(
                        "{prefix}_PROTOCOL={other}: expected 3.1.1 or 5"
                    )))
                }
            };
        }
        if let Some(ca) = var("CA_FILE") {
            config.tls.get_or_insert_with(Default::default).roots = TlsRoots::CaFile(ca.into());
        }
        match (var("CLIENT_CERT"), var("CLIENT_KEY")) {
            (Some(cert), Some(key)) => {
                config.tls.get_or_insert_with(Default::default).client_cert =
                    Some((cert.into(), key.into()))
            }
            (None, None) => {}
            _ => {
                return Err(Error::Config(format!(
                    "{prefix}_CLIENT_CERT and {prefix}_CLIENT_KEY must be set together"
                )))
            }
        }
        Ok(config)
    }

    /// Sets the protocol version.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Sets the client identifier.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// Sets the keep-alive interval.
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Sets username and password.
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some(Credentials {
            username: username.into(),
            password: Secret::new(password),
        });
        self
    }

    /// Keeps the session at the broker across disconnects for `expiry` (clean start off):
    /// subscriptions survive and QoS 1/2 messages are queued while the client is away.
    /// Give the client a stable [`client_id`](Config::client_id) for this to be useful.
    pub fn persistent_session(mut self, expiry: Duration) -> Self {
        self.clean_start = false;
        self.session_expiry = Some(expiry);
        self
    }

    /// Sets clean start explicitly.
    pub fn clean_start(mut self, clean_start: bool) -> Self {
        self.clean_start = clean_start;
        self
    }

    /// Enables TLS with these settings (switching `Tcp` → `Tls` and `Ws` → `Wss`).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.transport = match self.transport {
            Transport::Tcp => Transport::Tls,
            Transport::Ws => Transport::Wss,
            other => other,
        };
        self.tls = Some(tls);
        self
    }

    /// Sets the last will.
    pub fn last_will(mut self, will: Outgoing) -> Self {
        self.last_will = Some(will);
        self
    }

    /// Sets the maximum packet size in bytes.
    pub fn max_packet_size(mut self, bytes: usize) -> Self {
        self.max_packet_size = bytes;
        self
    }

    /// Sets the maximum outgoing in-flight QoS 1/2 messages.
    pub fn inflight(mut self, inflight: u16) -> Self {
        self.inflight = inflight.max(1);
        self
    }

    /// Sets the reconnect backoff.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets how many messages [`AckPolicy::NackOnError`](crate::AckPolicy::NackOnError) may leave
    /// unacknowledged on one connection before it is renewed (see [`Config::nack_limit`]).
    pub fn nack_limit(mut self, limit: usize) -> Self {
        self.nack_limit = limit.max(1);
        self
    }

    /// Sets the MQTT 5 receive maximum (see [`Config::receive_maximum`]).
    pub fn receive_maximum(mut self, max: u16) -> Self {
        self.receive_maximum = max.max(1);
        self
    }

    /// Sets the outbox bounds: publishes and their bytes waiting for the connection.
    pub fn max_outbox(mut self, messages: usize, bytes: usize) -> Self {
        self.max_outbox = messages.max(1);
        self.max_outbox_bytes = bytes.max(1);
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The client id to use: the configured one or a generated `mqttgen-<12 hex digits>`.
    pub fn client_id_or_generated(&self) -> String {
        self.client_id.clone().unwrap_or_else(|| {
            let n: u64 = rand::random();
            format!("mqttgen-{:012x}", n & 0xffff_ffff_ffff)
        })
    }

    /// `scheme://host:port` without credentials, for logs.
    pub fn broker_display(&self) -> String {
        let scheme = match self.transport {
            Transport::Tcp => "mqtt",
            Transport::Tls => "mqtts",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        };
        match self.transport {
            Transport::Ws | Transport::Wss => {
                format!("{scheme}://{}:{}{}", self.host, self.port, self.ws_path)
            }
            _ => format!("{scheme}://{}:{}", self.host, self.port),
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Hides the password part of a URL for error messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let c =
            Config::from_url("mqtt://u:p%40ss@example.com?client_id=svc&protocol=3.1.1").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.transport),
            ("example.com", 1883, Transport::Tcp)
        );
        assert_eq!(c.client_id.as_deref(), Some("svc"));
        assert_eq!(c.protocol, Protocol::V311);
        assert_eq!(c.credentials.as_ref().unwrap().password.expose(), "p@ss");
        let c = Config::from_url("mqtts://h").unwrap();
        assert_eq!((c.port, c.transport), (8883, Transport::Tls));
        let c = Config::from_url("wss://h:9443/ws").unwrap();
        assert_eq!(
            (c.port, c.transport, c.ws_path.as_str()),
            (9443, Transport::Wss, "/ws")
        );
        assert!(Config::from_url("http://h").is_err());
        assert!(Config::from_url("mqtt://h?bogus=1").is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        let c = Config::new("h", 1).credentials("user", "hunter2");
        let debug = format!("{c:?}");
        assert!(
            debug.contains("user") && !debug.contains("hunter2"),
            "{debug}"
        );
        let err = Config::from_url("mqtt://u:hunter2@")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
