//! FTPS (RFC 4217) on the server: loading a certificate or making a
//! self-signed one, and the per-session TLS configurations.
//!
//! Each control session gets its own session-ID cache (TLS 1.2) and its own
//! ticket key (TLS 1.3 and 1.2 tickets), shared by its control and data
//! connections. A data connection that resumes therefore resumed *this*
//! control connection's session, which is what `--tls-require-session-reuse`
//! checks (it defends against data-connection stealing, like vsftpd's
//! `require_ssl_reuse`). Tickets are stateless, so a client may present the
//! same one on every data connection, as lftp (GnuTLS) does; single-use
//! stateful TLS 1.3 tickets would fail its second transfer.
//!
//! Upload data connections send no TLS 1.3 session tickets. An upload
//! client never reads its data connection, so tickets sent there stay
//! unread, and closing a socket with unread data makes the kernel send RST
//! instead of FIN: the server then sees a reset instead of the end of the
//! upload. That is the lftp upload failure that made unFTP fall back to TLS
//! 1.2. Download data connections do send a ticket: the client reads them
//! anyway, and clients that treat TLS 1.3 sessions as single-use (curl with
//! OpenSSL) need a fresh ticket for their next data connection.

mod reload;

pub use reload::CertReloader;

use std::path::Path;
use std::sync::Arc;

use rustls::server::ServerSessionMemoryCache;
use rustls::ServerConfig;
use rustls_pki_types::PrivateKeyDer;
use sha2::{Digest, Sha256};

/// TLS settings of the server.
#[derive(Debug, Clone)]
pub struct TlsConfig {
    /// Certificate, key, protocol versions; cloned per session.
    pub server: Arc<ServerConfig>,
    /// Data connections must resume the control connection's TLS session.
    pub require_session_reuse: bool,
    /// Refuse USER/PASS before AUTH TLS (except anonymous) and transfers
    /// without PROT P.
    pub require_tls: bool,
    /// SHA-256 of the certificate made by `--tls-self-signed`, to print.
    pub self_signed_fingerprint: Option<String>,
    /// The certificate files, reloaded on SIGHUP (`None` for a
    /// self-signed certificate).
    pub reloader: Option<Arc<CertReloader>>,
}

/// Why TLS could not be set up at startup.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read certificate file {path}: {source}")]
    Cert {
        path: String,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("no certificate in {0}")]
    NoCert(String),
    #[error("cannot read private key file {path}: {source}")]
    Key {
        path: String,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error("certificate and key do not work together: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// The server configuration around a source of certificates.
fn build(
    certs: impl FnOnce(
        rustls::ConfigBuilder<ServerConfig, rustls::server::WantsServerCert>,
    ) -> Result<ServerConfig, rustls::Error>,
) -> Result<ServerConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth();
    let mut config = certs(builder)?;
    // RFC 4217 §... / IANA: "ftp" is the ALPN id; clients that offer none are fine too.
    config.alpn_protocols = vec![b"ftp".to_vec()];
    Ok(config)
}

/// Load a PEM certificate chain and private key, reloadable on SIGHUP
/// (`CertReloader::reload`).
pub fn load_pem(cert: &Path, key: &Path) -> Result<(ServerConfig, Arc<CertReloader>), TlsError> {
    let reloader = Arc::new(CertReloader::new(cert, key)?);
    let resolver = reloader.clone();
    let config = build(|b| Ok(b.with_cert_resolver(resolver)))?;
    Ok((config, reloader))
}

/// An in-memory self-signed certificate for `localhost`, 127.0.0.1 and ::1,
/// for development. Returns the config and the certificate's SHA-256
/// fingerprint (colon-separated hex), for clients to pin.
pub fn self_signed() -> Result<(ServerConfig, String), TlsError> {
    let names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let certified = rcgen::generate_simple_self_signed(names)?;
    let der = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let fingerprint = fingerprint(&der);
    Ok((build(|b| b.with_single_cert(vec![der], key))?, fingerprint))
}

/// SHA-256 of a DER certificate as `AA:BB:...`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The TLS configurations of one control session (see the module docs).
#[derive(Debug, Clone)]
pub struct SessionTls {
    /// For the control connection: sends session tickets.
    pub control: Arc<ServerConfig>,
    /// For download data connections: same keys, one ticket.
    pub data_send: Arc<ServerConfig>,
    /// For upload data connections: same keys, no tickets.
    pub data_receive: Arc<ServerConfig>,
    pub require_session_reuse: bool,
    pub require_tls: bool,
}

impl SessionTls {
    pub fn new(tls: &TlsConfig) -> SessionTls {
        let cache = ServerSessionMemoryCache::new(16);
        let mut control = (*tls.server).clone();
        let mut data = (*tls.server).clone();
        match rustls::crypto::ring::Ticketer::new() {
            Ok(ticketer) => {
                control.ticketer = ticketer.clone();
                data.ticketer = ticketer;
            }
            // Without a ticket key, resumption still works through the
            // per-session cache (single-use for TLS 1.3).
            Err(e) => tracing::warn!(error = %e, "no TLS ticket key; stateful resumption only"),
        }
        control.session_storage = cache.clone();
        control.send_tls13_tickets = 2;
        data.session_storage = cache;
        data.send_tls13_tickets = 1;
        let mut receive = data.clone();
        receive.send_tls13_tickets = 0;
        SessionTls {
            control: Arc::new(control),
            data_send: Arc::new(data),
            data_receive: Arc::new(receive),
            require_session_reuse: tls.require_session_reuse,
            require_tls: tls.require_tls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_makes_a_config_and_a_fingerprint() {
        let (config, fp) = self_signed().unwrap();
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert_eq!(config.alpn_protocols, vec![b"ftp".to_vec()]);
    }

    #[test]
    fn missing_files_are_named_in_the_error() {
        let e = load_pem(
            Path::new("/nonexistent/cert.pem"),
            Path::new("/nonexistent/key.pem"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/cert.pem"), "{e}");
    }

    #[test]
    fn upload_data_config_sends_no_tickets() {
        let (config, _) = self_signed().unwrap();
        let s = SessionTls::new(&TlsConfig {
            server: Arc::new(config),
            require_session_reuse: false,
            require_tls: false,
            self_signed_fingerprint: None,
            reloader: None,
        });
        assert_eq!(s.data_receive.send_tls13_tickets, 0);
        assert_eq!(s.data_send.send_tls13_tickets, 1);
        assert!(s.control.send_tls13_tickets > 0);
    }
}
