//! AsyncAPI servers from the runtime's connection settings ([`crate::Config`]).

use super::model::{
    Document, LastWillDoc, MqttServerBinding, SecurityKind, SecuritySchemeDoc, Server,
};
use crate::config::{Protocol, Transport};
use crate::Config;

/// Name of the scheme added for configurations with credentials.
pub const USER_PASSWORD_SCHEME: &str = "userPassword";
/// Name of the scheme added for configurations with a client certificate.
pub const X509_SCHEME: &str = "X509";

/// [`Server::from_config`](ServerFromConfig::from_config): the document model lives in
/// `mqttgen-asyncapi`, which knows nothing of the runtime's [`Config`], so this is a trait (in
/// scope with `use mqttgen::asyncapi::*`).
pub trait ServerFromConfig {
    /// Describes the broker `config` connects to (see the implementation for [`Server`]).
    fn from_config(name: impl Into<String>, config: &Config) -> Self;
}

impl ServerFromConfig for Server {
    /// Describes the broker `config` connects to: host and port, protocol (`mqtt`,
    /// `secure-mqtt`, `ws`, `wss`), protocol version, WebSocket path, the security schemes the
    /// connection uses (by name: [`USER_PASSWORD_SCHEME`], [`X509_SCHEME`]) and the MQTT server
    /// bindings (client id if fixed, clean session, keep-alive, session expiry, maximum packet
    /// size, last will). Secrets are never written.
    fn from_config(name: impl Into<String>, config: &Config) -> Server {
        let protocol = match config.transport {
            Transport::Tcp => "mqtt",
            Transport::Tls => "secure-mqtt",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        };
        let mut server = Server::new(name, format!("{}:{}", config.host, config.port), protocol)
            .protocol_version(match config.protocol {
                Protocol::V5 => "5",
                Protocol::V311 => "3.1.1",
            });
        if matches!(config.transport, Transport::Ws | Transport::Wss) {
            server.pathname = Some(config.ws_path.clone());
        }
        if config.credentials.is_some() {
            server.security.push(USER_PASSWORD_SCHEME.to_owned());
        }
        if config.tls.as_ref().is_some_and(|t| t.client_cert.is_some()) {
            server.security.push(X509_SCHEME.to_owned());
        }
        let v5 = config.protocol == Protocol::V5;
        server.binding = Some(MqttServerBinding {
            client_id: config.client_id.clone(),
            clean_session: Some(config.clean_start),
            keep_alive: Some(config.keep_alive.as_secs()),
            session_expiry_interval: config.session_expiry.filter(|_| v5).map(|d| d.as_secs()),
            maximum_packet_size: v5.then_some(config.max_packet_size as u64),
            last_will: config.last_will.as_ref().map(|will| LastWillDoc {
                topic: will.topic.clone(),
                qos: will.qos,
                message: std::str::from_utf8(&will.payload).ok().map(str::to_owned),
                retain: will.retain,
            }),
        });
        server
    }
}

/// [`Document::server_from_config`](DocumentServerFromConfig::server_from_config), a trait for
/// the same reason as [`ServerFromConfig`].
pub trait DocumentServerFromConfig {
    /// Adds [`Server::from_config`](ServerFromConfig::from_config) and the security schemes it
    /// refers to (once each).
    fn server_from_config(self, name: &str, config: &Config) -> Self;
}

impl DocumentServerFromConfig for Document {
    fn server_from_config(mut self, name: &str, config: &Config) -> Self {
        let server = Server::from_config(name, config);
        for scheme in &server.security {
            if self.security_schemes.iter().any(|s| &s.name == scheme) {
                continue;
            }
            let doc = if scheme == USER_PASSWORD_SCHEME {
                SecuritySchemeDoc::new(scheme, SecurityKind::UserPassword)
                    .description("Username and password in CONNECT.")
            } else {
                SecuritySchemeDoc::new(scheme, SecurityKind::X509)
                    .description("TLS client certificate.")
            };
            self.security_schemes.push(doc);
        }
        self.servers.push(server);
        self
    }
}
