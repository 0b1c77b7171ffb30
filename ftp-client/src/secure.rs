//! FTPS on an `FtpClient` (RFC 4217): TLS from connect for `ftps://`,
//! `AUTH TLS` for `--tls` (or `--tls=auto` when FEAT offers it), `PBSZ 0` and
//! `PROT P` after login, and TLS on every data connection once PROT P is on.
//!
//! Order matters for TLS 1.3 session tickets, which the server sends after
//! the handshake: the control connection reads at least one reply over TLS
//! (the greeting, or USER's) before the first data connection, so the
//! tickets are in the session cache by the time a data connection looks.

use std::net::TcpStream;

use ftp_proto::{Command, ProtLevel, Reply, ReplyCode};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result, TlsError};
use crate::stream::Stream;
use crate::tls::{TlsMode, TlsSession};

/// The replies servers give when they refuse a TLS data connection that
/// did not resume the control connection's session: 522 (vsftpd, ftpd; RFC
/// 4217 servers reuse RFC 2428's "protocol not supported"), 425 (proftpd's
/// mod_tls: "Unable to build data connection: Operation not permitted"),
/// 426 (a server that closes the connection once the handshake is done),
/// and 534/535 (RFC 4217's "request denied for policy reasons" and "failed
/// security check").
const REUSE_REFUSALS: [u16; 5] = [
    ReplyCode::BAD_PROTOCOL.0,
    ReplyCode::CANT_OPEN_DATA.0,
    ReplyCode::TRANSFER_ABORTED.0,
    ReplyCode::POLICY_DENIED.0,
    ReplyCode::SECURITY_CHECK_FAILED.0,
];

impl FtpClient {
    fn tls_mode(&self) -> Option<TlsMode> {
        self.options.tls.as_ref().map(|t| t.mode)
    }

    /// A fresh TLS session (own cache) for this connection to `host`.
    fn new_session(&self, host: &str) -> Result<Option<TlsSession>> {
        match &self.options.tls {
            Some(t) => Ok(Some(TlsSession::new(&t.config, host)?)),
            None => Ok(None),
        }
    }

    /// Implicit FTPS: handshake before the greeting.
    pub(crate) fn start_tls(&mut self, host: &str) -> Result<()> {
        if self.tls_mode() == Some(TlsMode::Implicit) {
            self.handshake_control(host)?;
        }
        Ok(())
    }

    /// Explicit FTPS after the greeting: always for `--tls`, and for
    /// `--tls=auto` when FEAT lists AUTH TLS.
    pub(crate) fn upgrade_tls(&mut self, host: &str) -> Result<()> {
        match self.tls_mode() {
            Some(TlsMode::Explicit) => self.auth_tls(host),
            Some(TlsMode::Auto) => {
                let feat = self.send(&Command::Feat)?;
                let offered =
                    feat.code.is_success() && crate::features::Features::from_reply(&feat).auth_tls;
                if offered {
                    self.auth_tls(host)
                } else {
                    tracing::debug!("server does not offer AUTH TLS; staying plain (--tls=auto)");
                    Ok(())
                }
            }
            Some(TlsMode::Implicit) | None => Ok(()),
        }
    }

    /// AUTH TLS (RFC 4217 §4), then the handshake on the control socket.
    fn auth_tls(&mut self, host: &str) -> Result<()> {
        let cmd = Command::Auth("TLS".into());
        let reply = self.send(&cmd)?;
        if reply.code != ReplyCode::AUTH_OK {
            return Err(TlsError::AuthRefused(reply).into());
        }
        self.handshake_control(host)
    }

    fn handshake_control(&mut self, host: &str) -> Result<()> {
        let Some(session) = self.new_session(host)? else {
            return Ok(());
        };
        let stream = session.connect(self.control_socket()?)?;
        tracing::debug!("TLS control connection: {}", stream.describe());
        self.replace_control(Box::new(stream));
        self.tls = Some(session);
        Ok(())
    }

    /// PBSZ 0 and PROT P (RFC 4217 §8-9) on a TLS control connection, so
    /// that data connections are protected too.
    pub(crate) fn protect_data_channel(&mut self) -> Result<()> {
        if self.tls.is_none() {
            return Ok(());
        }
        for cmd in [Command::Pbsz(0), Command::Prot(ProtLevel::Private)] {
            let reply = self.send(&cmd)?;
            if !reply.code.is_success() {
                return Err(TlsError::ProtRefused {
                    what: cmd.to_string(),
                    reply,
                }
                .into());
            }
        }
        self.protect_data = true;
        Ok(())
    }

    /// The data connection as a stream: TLS resuming the control
    /// connection's session under PROT P, plain TCP otherwise. The client
    /// is the TLS client whichever side opened the TCP connection.
    pub(crate) fn secure_data(&mut self, tcp: TcpStream) -> Result<Box<dyn Stream>> {
        self.data_resumed = None;
        let session = match &self.tls {
            Some(s) if self.protect_data => s,
            _ => return Ok(Box::new(tcp)),
        };
        let stream = session.connect(tcp).map_err(ClientError::from)?;
        tracing::debug!("TLS data connection: {}", stream.describe());
        if !stream.resumed() {
            tracing::debug!("the server did not resume the control connection's TLS session");
        }
        self.data_resumed = Some(stream.resumed());
        Ok(Box::new(stream))
    }

    /// True when this connection should be replaced before its next
    /// transfer: the server requires session reuse (learned earlier in the
    /// run) and no session is left to resume (TLS 1.3 tickets are used once).
    pub fn needs_renewal(&self) -> bool {
        let required = self
            .options
            .tls
            .as_ref()
            .is_some_and(|t| t.reuse_required());
        required && self.protect_data && self.tls.as_ref().is_some_and(|s| !s.can_resume())
    }

    /// The error for a refused transfer. After a TLS data connection that
    /// did not resume, a refusal is taken as the server requiring session
    /// reuse (the run remembers it, and the pool reconnects for new
    /// sessions) when its code is one servers use for that - vsftpd's and
    /// ftpd's 522, proftpd's `425 Unable to build data connection` - or
    /// when the run already knows the server requires reuse.
    pub(crate) fn transfer_refusal(&mut self, cmd: &Command, reply: Reply) -> ClientError {
        let known = self
            .options
            .tls
            .as_ref()
            .is_some_and(|t| t.reuse_required());
        let refused = !reply.code.is_success()
            && (known || REUSE_REFUSALS.contains(&reply.code.0))
            && self.data_resumed == Some(false);
        if refused {
            if let Some(t) = &self.options.tls {
                t.learn_reuse_required();
            }
            return TlsError::ReuseRefused(reply).into();
        }
        refusal(cmd, reply)
    }

    /// A data connection that broke mid-transfer. If it had not resumed,
    /// the server may have cut it for that reason, and its reply says so.
    pub(crate) fn data_failure(&mut self, cmd: &Command, e: std::io::Error) -> ClientError {
        if self.data_resumed == Some(false) {
            if let Ok(reply) = self.read_reply() {
                if !reply.code.is_success() {
                    return self.transfer_refusal(cmd, reply);
                }
            }
        }
        ClientError::net(format!("{cmd} data"), e)
    }
}
