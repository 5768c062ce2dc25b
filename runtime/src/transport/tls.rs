//! rustls client configuration (ring provider) from [`TlsConfig`].

use crate::config::{Config, TlsConfig, TlsRoots, Transport};
use crate::Error;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read {what} `{}`: {e}", path.display())))
}

fn certs(pem: &[u8], source: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Config(format!("{source}: invalid PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("{source}: no certificate found")));
    }
    Ok(certs)
}

/// Builds the rustls configuration; errors name the file that is wrong.
pub(crate) fn client_config(tls: &TlsConfig) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore::empty();
    match &tls.roots {
        TlsRoots::System => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(Error::Config(
                    "no system CA certificates found; set a CA file (MQTT_CA_FILE)".into(),
                ));
            }
        }
        TlsRoots::CaFile(path) => {
            let pem = read(path, "CA file")?;
            for cert in certs(&pem, &path.display().to_string())? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("CA file `{}`: {e}", path.display())))?;
            }
        }
        TlsRoots::CaPem(pem) => {
            for cert in certs(pem, "CA PEM")? {
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("CA PEM: {e}")))?;
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots);
    let mut config = match &tls.client_cert {
        None => builder.with_no_client_auth(),
        Some((cert_path, key_path)) => {
            let chain = certs(
                &read(cert_path, "client certificate")?,
                &cert_path.display().to_string(),
            )?;
            let key_pem = read(key_path, "client key")?;
            let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut &key_pem[..])
                .map_err(|e| Error::Config(format!("client key `{}`: {e}", key_path.display())))?
                .ok_or_else(|| {
                    Error::Config(format!(
                        "client key `{}`: no private key found",
                        key_path.display()
                    ))
                })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| Error::Config(format!("client certificate/key: {e}")))?
        }
    };
    config.alpn_protocols = tls.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
}

/// Checks the TLS settings of `config` now (readable files, valid PEM) so that a bad path fails
/// at start-up rather than on every reconnect. (Here rather than on [`Config`]: the settings do
/// not import the transport that uses them.)
pub(crate) fn check(config: &Config) -> Result<(), Error> {
    match config.transport {
        Transport::Tls | Transport::Wss => {
            client_config(config.tls.as_ref().unwrap_or(&TlsConfig::default())).map(drop)
        }
        _ => Ok(()),
    }
}
