//! FTPS (RFC 4217) for `ftpc`: the rustls client configuration built once per
//! run (system roots, `--ca-file`, or no verification with `--insecure`),
//! the per-connection `TlsSession` that data connections resume, and
//! `TlsStream`, the blocking stream slotted in where a `TcpStream` was.
//!
//! Session reuse: servers such as vsftpd (`require_ssl_reuse`) refuse a data
//! connection that does not resume the control connection's TLS session, as
//! a defence against data-connection theft. Each control connection therefore
//! gets its own in-memory session cache, and its data connections handshake
//! with the same `ServerName`, so the cache offers exactly that session (TLS
//! 1.2 session id) or one of its tickets (TLS 1.3). A cache shared by all
//! `-j` connections would let one connection's session overwrite another's.
//! rustls uses a TLS 1.3 ticket once; a server that sends none on upload
//! connections (ftpd) leaves a connection without a session after a few
//! uploads, and if it also requires reuse, the pool renews the connection
//! (`store.rs`, `FtpClient::needs_renewal`).
//!
//! Closing: `TlsStream::close` sends close_notify (a server takes a missing
//! one for a truncated upload), then reads to the end. Reading matters for
//! uploads under TLS 1.3: the server sends session tickets on the data
//! connection, and closing a socket with unread bytes makes the kernel send
//! a reset that can destroy the upload's tail on the server.

mod store;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::Resumption;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, StreamOwned};

use crate::error::TlsError;
use crate::stream::Stream;
use store::ConnectionSessions;
/// The most bytes read while closing a TLS connection (tickets, alerts).
const MAX_CLOSE_DRAIN: u64 = 1024 * 1024;
/// A bound on handshake rounds (each round makes progress or fails).
const MAX_HANDSHAKE_ROUNDS: usize = 64;

/// When to use TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `--tls=auto`: AUTH TLS when FEAT offers it, else plain.
    Auto,
    /// `--tls`: AUTH TLS, PBSZ 0, PROT P, or fail (exit 6).
    Explicit,
    /// `ftps://`: TLS from the first byte (RFC 4217 §2 notes the old
    /// port-990 convention), then PBSZ 0 and PROT P.
    Implicit,
}

impl TlsMode {
    /// The mode for a URL scheme and the `--tls` flag: `ftps://` is always
    /// implicit; `ftp://` is plain unless `--tls` asks for explicit TLS.
    pub fn choose(ftps_url: bool, flag: Option<TlsMode>) -> Option<TlsMode> {
        if ftps_url {
            Some(TlsMode::Implicit)
        } else {
            flag
        }
    }
}

/// How to verify server certificates.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// PEM files whose certificates are trusted as roots, besides the system's.
    pub ca_files: Vec<PathBuf>,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
}

/// TLS settings carried in `ConnectOptions`: the mode, the run's config,
/// and what the run learned about the server.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    pub mode: TlsMode,
    pub config: Arc<ClientConfig>,
    /// Set, for every connection of the run, once the server refused a
    /// data connection that did not resume: from then on a connection that
    /// has no session left to resume is renewed before its next transfer.
    reuse_required: Arc<AtomicBool>,
}

impl TlsOptions {
    pub fn new(mode: TlsMode, config: Arc<ClientConfig>) -> TlsOptions {
        TlsOptions {
            mode,
            config,
            reuse_required: Arc::default(),
        }
    }

    /// The server is known to refuse data connections that do not resume.
    pub fn reuse_required(&self) -> bool {
        self.reuse_required.load(Ordering::SeqCst)
    }

    pub(crate) fn learn_reuse_required(&self) {
        self.reuse_required.store(true, Ordering::SeqCst);
    }
}

/// The ring provider, passed explicitly so no process-wide default is needed.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Build the run's client configuration (once per `ftpc` run).
pub fn client_config(verification: &Verification) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let config = if verification.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(root_store(&verification.ca_files)?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// The system roots plus every certificate in the `--ca-file`s.
fn root_store(ca_files: &[PathBuf]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::debug!("system certificates: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!("system roots: {added} loaded, {ignored} unusable");
    for path in ca_files {
        for cert in read_pem_certificates(path)? {
            roots.add(cert).map_err(|e| TlsError::CaFile {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        }
    }
    if roots.is_empty() {
        return Err(TlsError::NoRoots);
    }
    Ok(roots)
}

/// The certificates of one PEM file; a file with none is an error.
fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bad = |reason: String| TlsError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// `--insecure`: any certificate is accepted, but the handshake signatures
/// are still checked, so the connection is at least to the key holder.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// One control connection's TLS identity: its own session cache and the
/// server name every one of its connections (control and data) uses.
#[derive(Debug, Clone)]
pub struct TlsSession {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    sessions: Arc<ConnectionSessions>,
}

impl TlsSession {
    /// A session for `host` (the URL host: a DNS name or an IP address).
    pub fn new(run_config: &ClientConfig, host: &str) -> Result<TlsSession, TlsError> {
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| TlsError::ServerName(host.to_string()))?;
        let sessions = Arc::new(ConnectionSessions::default());
        let mut config = run_config.clone();
        config.resumption = Resumption::store(sessions.clone());
        Ok(TlsSession {
            config: Arc::new(config),
            name,
            sessions,
        })
    }

    /// True if a new data connection could still resume this session.
    pub fn can_resume(&self) -> bool {
        self.sessions.can_resume()
    }

    /// Handshake over `tcp` (blocking, bounded by the socket's timeouts).
    pub fn connect(&self, tcp: TcpStream) -> Result<TlsStream, TlsError> {
        let host = self.host();
        let conn = ClientConnection::new(self.config.clone(), self.name.clone())
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let mut stream = StreamOwned::new(conn, tcp);
        for _ in 0..MAX_HANDSHAKE_ROUNDS {
            if !stream.conn.is_handshaking() {
                return Ok(TlsStream(stream));
            }
            if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
                return Err(TlsError::handshake(host, e));
            }
        }
        Err(TlsError::handshake(
            host,
            std::io::Error::other("handshake did not finish"),
        ))
    }

    fn host(&self) -> String {
        self.name.to_str().into_owned()
    }
}

/// A TLS connection over TCP (control or data).
pub struct TlsStream(StreamOwned<ClientConnection, TcpStream>);

impl TlsStream {
    /// "TLSv1_3 TLS13_AES_256_GCM_SHA384, resumed session", for `-v`.
    pub fn describe(&self) -> String {
        let conn = &self.0.conn;
        let kind = match conn.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => "resumed session",
            _ => "new session",
        };
        format!(
            "{:?} {:?}, {kind}",
            conn.protocol_version()
                .unwrap_or(rustls::ProtocolVersion::Unknown(0)),
            conn.negotiated_cipher_suite()
                .map_or(rustls::CipherSuite::Unknown(0), |s| s.suite()),
        )
    }

    /// True when the handshake resumed a cached session.
    pub fn resumed(&self) -> bool {
        self.0.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Stream for TlsStream {
    /// close_notify, half-close, then read to the end (bounded) so that
    /// late tickets or the server's close_notify are consumed, not reset.
    fn close(&mut self) -> std::io::Result<()> {
        self.0.conn.send_close_notify();
        let sent = self.0.flush();
        let _ = self.0.sock.shutdown(Shutdown::Write);
        let mut sink = std::io::sink();
        // Errors here are the server closing without its own close_notify
        // or a timeout; what was sent is already sent.
        let _ = std::io::copy(&mut (&mut self.0).take(MAX_CLOSE_DRAIN), &mut sink);
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftps_url_is_implicit_whatever_the_flag() {
        assert_eq!(
            TlsMode::choose(true, Some(TlsMode::Auto)),
            Some(TlsMode::Implicit)
        );
        assert_eq!(TlsMode::choose(false, None), None);
        assert_eq!(
            TlsMode::choose(false, Some(TlsMode::Explicit)),
            Some(TlsMode::Explicit)
        );
    }

    #[test]
    fn ip_address_is_a_valid_server_name() {
        let config = client_config(&Verification {
            insecure: true,
            ..Default::default()
        })
        .unwrap();
        assert!(TlsSession::new(&config, "127.0.0.1").is_ok());
        assert!(TlsSession::new(&config, "::1").is_ok());
        assert!(matches!(
            TlsSession::new(&config, "bad name!"),
            Err(TlsError::ServerName(_))
        ));
    }

    #[test]
    fn ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let v = Verification {
            ca_files: vec![path],
            insecure: false,
        };
        assert!(matches!(client_config(&v), Err(TlsError::CaFile { .. })));
        let v = Verification {
            ca_files: vec![dir.path().join("missing.pem")],
            insecure: false,
        };
        assert!(matches!(client_config(&v), Err(TlsError::CaFile { .. })));
    }
}
