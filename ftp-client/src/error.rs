//! `ClientError`: every way an `ftpc` operation can fail, and the one mapping
//! from failure to the documented exit code (`ClientError::exit_code`). The
//! library decides *what* failed; the binary only calls `exit_code`.

use ftp_proto::Reply;

use crate::exit;

/// An `ftpc` failure. Messages are lowercase and one line; server text in them
/// is escaped by the printer before it reaches a terminal.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Bad command line or URL (including CR/LF in an argument).
    #[error("{0}")]
    Usage(String),
    /// The server says the remote path does not exist (or is not accessible).
    #[error("{what}: {reply}")]
    NotFound { what: String, reply: Reply },
    /// USER/PASS was refused.
    #[error("login refused: {0}")]
    Login(Reply),
    /// USER/PASS over plain FTP was refused with a reply that speaks of
    /// TLS or SSL (proftpd's `550 SSL/TLS required on the control channel`,
    /// pure-ftpd's `421 Sorry, cleartext sessions ... are not accepted`):
    /// `--tls` is the fix, and trying again in plain text is not.
    #[error("login refused: {0}\n(the server requires TLS: use --tls, or an ftps:// URL)")]
    LoginNeedsTls(Reply),
    /// Could not connect, the connection dropped, or it timed out.
    #[error("{context}: {source}")]
    Connection {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// TLS was requested or required and could not be set up (exit 6).
    #[error("tls: {0}")]
    Tls(#[from] TlsError),
    /// A recursive or parallel transfer where some files failed.
    #[error("{failed} of {total} files failed")]
    Partial { failed: usize, total: usize },
    /// The server refused a command.
    #[error("{what}: {reply}")]
    Refused { what: String, reply: Reply },
    /// The server sent something that is not FTP.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Local {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// Byte count after a transfer differs from the server's SIZE.
    #[error("{path}: size mismatch: transferred {got} bytes, server has {expected}")]
    SizeMismatch {
        path: String,
        expected: u64,
        got: u64,
    },
    /// `-c` found the destination (or its partial file) longer than the
    /// source: it is not a prefix of the source, so there is nothing to
    /// continue.
    #[error("{path}: cannot resume: it already holds {have} bytes, more than the {len} of the source (remove it, or copy without -c)")]
    CannotResume { path: String, have: u64, len: u64 },
    /// A remote name that could write outside the destination, or is otherwise unusable.
    #[error("refusing unsafe remote name {0:?}")]
    UnsafeName(String),
    /// A remote glob (`get 'ftp://h/dir/*.txt'`) matched no name in its
    /// directory's listing (exit 3, as a missing file).
    #[error("{pattern}: no match in the remote listing")]
    NoMatch { pattern: String },
    /// Ctrl-C during a transfer.
    /// `--checksum`: the server's digest differs from the local one.
    #[error("{path}: checksum mismatch: {algo} is {local} here and {remote} on the server")]
    Checksum {
        path: String,
        algo: &'static str,
        local: String,
        remote: String,
    },

    /// `ftpc hash --algo A`: the server computes no A digest.
    #[error("the server offers no {algo} digest (no HASH or X* verb for it in FEAT)")]
    NoDigest { algo: &'static str },

    #[error("interrupted")]
    Interrupted,
}

/// Why TLS could not be set up. Every kind exits with code 6.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The rustls configuration could not be built.
    #[error("configuration: {0}")]
    Config(String),
    /// A `--ca-file` is unreadable or holds no usable certificate.
    #[error("--ca-file {}: {reason}", path.display())]
    CaFile {
        path: std::path::PathBuf,
        reason: String,
    },
    /// Neither the system nor `--ca-file` supplied a root certificate.
    #[error("no trusted root certificates found on this system; add one with --ca-file")]
    NoRoots,
    /// The URL host cannot be a TLS server name.
    #[error("{0:?} is not a valid TLS server name")]
    ServerName(String),
    /// The server does not offer or refused AUTH TLS (RFC 4217 §4).
    #[error("server refused AUTH TLS: {0}")]
    AuthRefused(Reply),
    /// The server refused PBSZ or PROT P (RFC 4217 §8-9).
    #[error("server refused {what}: {reply}")]
    ProtRefused { what: String, reply: Reply },
    /// The server's certificate was not trusted.
    #[error("certificate of {host} not trusted: {source} (add its CA with --ca-file, or use --insecure)")]
    Certificate {
        host: String,
        #[source]
        source: rustls::Error,
    },
    /// The handshake failed for another reason (a reset, a timeout, no
    /// common protocol, a refused session reuse on a data connection).
    #[error("handshake with {host} failed: {source}")]
    Handshake {
        host: String,
        #[source]
        source: std::io::Error,
    },
    /// The server refused a data connection that did not resume the
    /// control connection's TLS session (vsftpd `require_ssl_reuse`, ftpd
    /// `--tls-require-session-reuse`): that connection had no session left.
    #[error("server requires TLS session reuse and no session was left to resume: {0}")]
    ReuseRefused(Reply),
    /// The server sent bytes after 234 that were not a TLS handshake: they
    /// would be read as if they had come over TLS.
    #[error("server sent data between its AUTH TLS reply and the handshake")]
    InjectedData,
}

impl TlsError {
    /// Classify a handshake failure: a certificate rustls refused, or other.
    pub fn handshake(host: String, e: std::io::Error) -> TlsError {
        let cert_error = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .filter(|r| {
                matches!(
                    r,
                    rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
                )
            })
            .cloned();
        match cert_error {
            Some(source) => TlsError::Certificate { host, source },
            None => TlsError::Handshake { host, source: e },
        }
    }
}

/// A server reply carried inside an `io::Error`, for failures that are
/// connection errors (exit 5) but whose reply code still matters: a
/// greeting other than 220, such as `421 too many users`, which the retry
/// policy treats as transient and a `554` as final.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServerRefusal(pub Reply);

/// Result alias for the library.
pub type Result<T> = std::result::Result<T, ClientError>;

impl ClientError {
    /// The exit code this failure maps to (the only such mapping).
    pub fn exit_code(&self) -> i32 {
        match self {
            ClientError::Usage(_) => exit::USAGE,
            ClientError::NotFound { .. } | ClientError::NoMatch { .. } => exit::NOT_FOUND,
            ClientError::Login(_) | ClientError::LoginNeedsTls(_) => exit::LOGIN,
            ClientError::Connection { .. } => exit::CONNECTION,
            ClientError::Tls(_) => exit::TLS,
            ClientError::Partial { .. } => exit::PARTIAL,
            ClientError::Interrupted => exit::INTERRUPTED,
            ClientError::Refused { .. }
            | ClientError::Protocol(_)
            | ClientError::Local { .. }
            | ClientError::SizeMismatch { .. }
            | ClientError::CannotResume { .. }
            | ClientError::UnsafeName(_)
            | ClientError::Checksum { .. }
            | ClientError::NoDigest { .. } => exit::OTHER,
        }
    }

    /// A network I/O failure; timeouts and resets are connection errors (exit 5).
    pub fn net(context: impl Into<String>, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::Interrupted && crate::signal::interrupted() {
            return ClientError::Interrupted;
        }
        ClientError::Connection {
            context: context.into(),
            source,
        }
    }

    /// A local filesystem failure.
    pub fn local(context: impl Into<String>, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::Interrupted && crate::signal::interrupted() {
            return ClientError::Interrupted;
        }
        ClientError::Local {
            context: context.into(),
            source,
        }
    }

    /// True when the failure is about one file and a recursive transfer may
    /// go on with the others (as opposed to a dead connection).
    pub fn is_per_file(&self) -> bool {
        matches!(
            self,
            ClientError::NotFound { .. }
                | ClientError::Refused { .. }
                | ClientError::Local { .. }
                | ClientError::SizeMismatch { .. }
                | ClientError::CannotResume { .. }
                | ClientError::UnsafeName(_)
                | ClientError::Checksum { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_proto::ReplyCode;

    #[test]
    fn every_kind_has_its_documented_exit_code() {
        let r = Reply::new(ReplyCode::FILE_UNAVAILABLE, "no");
        let io = || std::io::Error::other("x");
        let cases = [
            (ClientError::Usage("u".into()), 2),
            (
                ClientError::NotFound {
                    what: "a".into(),
                    reply: r.clone(),
                },
                3,
            ),
            (
                ClientError::NoMatch {
                    pattern: "*.txt".into(),
                },
                3,
            ),
            (ClientError::Login(r.clone()), 4),
            (ClientError::LoginNeedsTls(r.clone()), 4),
            (
                ClientError::Connection {
                    context: "c".into(),
                    source: io(),
                },
                5,
            ),
            (ClientError::Tls(TlsError::NoRoots), 6),
            (
                ClientError::Partial {
                    failed: 1,
                    total: 2,
                },
                7,
            ),
            (ClientError::Protocol("p".into()), 1),
            (
                ClientError::Checksum {
                    path: "a".into(),
                    algo: "MD5",
                    local: "1".into(),
                    remote: "2".into(),
                },
                1,
            ),
            (ClientError::Interrupted, 130),
        ];
        for (e, code) in cases {
            assert_eq!(e.exit_code(), code, "{e}");
        }
    }
}
