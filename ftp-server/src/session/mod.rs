//! One control connection, owned by its task. `Session::run` is the
//! read → parse → gate → dispatch → reply loop. A transfer runs in a child
//! task, so ABOR, STAT and NOOP are answered while it runs; other commands
//! that arrive meanwhile wait and are answered in order afterwards.

mod protocol_log;
mod state;

pub use protocol_log::TARGET as PROTOCOL_LOG_TARGET;

pub use state::{AuthState, Protection, Session};

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use ftp_proto::{Command, Frame, LineBuffer, ParseError, Reply, ReplyCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::commands::{self, Outcome};
use crate::config::Config;
use crate::limits::Limits;
use crate::proxy::Sniffer;
use crate::storage::Storage;
use crate::stream::MaybeTls;
use crate::transfer::RunningTransfer;

/// Bytes read from the control socket at a time. Small on purpose: idle
/// sessions should cost little memory.
const READ_CHUNK: usize = 512;

/// Stands in for "no idle limit" while a transfer runs.
const NO_LIMIT: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

/// How a session ended, for the log.
enum End {
    Quit,
    PeerClosed,
    IdleTimeout,
    Shutdown,
    /// A PROXY protocol header where none may come (see `proxy::Sniffer`).
    ProxyHeader,
    Io(std::io::Error),
}

/// Map a parse failure to its reply (RFC 959 §4.2: 500 unknown, 501 bad
/// arguments, 502 not implemented, 504 parameter not implemented).
fn parse_error_reply(e: &ParseError) -> Reply {
    use ParseError as P;
    let code = match e {
        P::Empty | P::NotUtf8 | P::Unknown(_) => ReplyCode::SYNTAX_ERROR,
        P::MissingArgument(_) | P::UnexpectedArgument(_) | P::Nul | P::BadArgument { .. } => {
            ReplyCode::BAD_ARGUMENTS
        }
        P::Unsupported { .. } => ReplyCode::PARAMETER_NOT_IMPLEMENTED,
        P::BadProtocol => ReplyCode::BAD_PROTOCOL,
    };
    let text = match e {
        P::BadProtocol => "Network protocol not supported, use (1,2)".to_string(),
        P::Unknown(v) => format!("Unknown command {}", crate::escape_for_reply(v)),
        // The message may carry the client's argument: never echo raw bytes.
        other => {
            let s = crate::escape_for_reply(&other.to_string());
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    };
    Reply::new(code, text)
}

impl Session {
    /// Serve one control connection until QUIT, EOF, timeout or shutdown.
    /// `peer` is the client's address: the TCP peer's, or the one a trusted
    /// balancer's PROXY header gave.
    pub async fn run(
        tcp: TcpStream,
        peer: SocketAddr,
        config: Arc<Config>,
        limits: Arc<Limits>,
        root: Arc<dyn Storage>,
        shutdown: CancellationToken,
        implicit_tls: bool,
    ) {
        let (tcp_peer, local) = match (tcp.peer_addr(), tcp.local_addr()) {
            (Ok(p), Ok(l)) => (p, l),
            _ => return,
        };
        let mut session = Session::new(config, limits, root, peer, local);
        // The balancer the session came through, if any.
        let via = (tcp_peer != peer).then_some(tracing::field::display(tcp_peer));
        tracing::info!(%peer, via, implicit_tls, "session start");
        let mut stream = MaybeTls::Plain(tcp);
        let end = match Box::pin(session.greet(&mut stream, implicit_tls)).await {
            Ok(()) => session.serve(&mut stream, &shutdown).await,
            Err(e) => End::Io(e),
        };
        if let Some(t) = session.transfer.take() {
            t.cancel.cancel();
            let _ = t.handle.await;
        }
        let reason = match &end {
            End::Quit => "quit".to_string(),
            End::PeerClosed => "peer closed".to_string(),
            End::IdleTimeout => "idle timeout".to_string(),
            End::Shutdown => "server shutdown".to_string(),
            End::ProxyHeader => "PROXY protocol header from an untrusted source".to_string(),
            End::Io(e) => format!("io error: {e}"),
        };
        tracing::info!(%peer, user = session.user_name(), %reason, "session end");
    }

    /// Implicit FTPS: the TLS handshake comes first, and data connections
    /// are protected from the start. Then the 220 greeting.
    async fn greet(&mut self, stream: &mut MaybeTls, implicit_tls: bool) -> std::io::Result<()> {
        if implicit_tls {
            let config = match &self.tls {
                Some(t) => t.control.clone(),
                None => return Err(std::io::Error::other("implicit TLS without TLS configured")),
            };
            stream.upgrade(config, self.config.data_timeout).await?;
            self.control_tls = true;
            self.pbsz = true;
            self.protection = Protection::Private;
        }
        let greeting = Reply::new(ReplyCode::READY, "ftpd ready");
        self.send(stream, &greeting.encode()).await
    }

    async fn serve(&mut self, stream: &mut MaybeTls, shutdown: &CancellationToken) -> End {
        let mut lines = LineBuffer::new(self.config.max_line);
        let mut deferred: Option<Frame> = None;
        let mut buf = [0u8; READ_CHUNK];
        let mut sniffer = Sniffer::default();
        // EOF seen while draining: answer what was read, then end.
        let mut peer_closed = false;
        loop {
            // Answer every complete line we may answer now, in order.
            loop {
                // A deferred line was logged when it was first read.
                let frame = match deferred.take() {
                    Some(frame) => frame,
                    None => match lines.next_frame() {
                        Some(frame) => {
                            if let Frame::Line(l) = &frame {
                                self.protocol_log().command(&self.peer, l);
                            }
                            frame
                        }
                        None => break,
                    },
                };
                let parsed = match &frame {
                    Frame::TooLong => None,
                    Frame::Line(l) => Some(Command::parse_bytes(l)),
                };
                // ABOR, NOOP and bare STAT are answered at once (the verb
                // table's `during_transfer`); the rest wait for the transfer.
                if self.transfer.is_some() {
                    let now = matches!(&parsed, Some(Ok(c)) if c.answered_during_transfer());
                    if !now {
                        deferred = Some(frame);
                        break;
                    }
                }
                let outcome = match parsed {
                    None => Outcome::Reply(Reply::new(ReplyCode::SYNTAX_ERROR, "Line too long")),
                    Some(Err(e)) => {
                        tracing::info!(peer = %self.peer, error = %e, "refused line");
                        Outcome::Reply(parse_error_reply(&e))
                    }
                    // Boxed: the handlers' state lives on the heap only while
                    // a command runs, so an idle session's task stays small.
                    Some(Ok(cmd)) => Box::pin(self.handle(cmd)).await,
                };
                match Box::pin(self.apply(outcome, stream)).await {
                    Ok(true) => {}
                    Ok(false) => return End::Quit,
                    Err(e) => return End::Io(e),
                }
            }
            if peer_closed && deferred.is_none() && self.transfer.is_none() {
                return End::PeerClosed;
            }
            lines.shrink();
            // A running transfer is not idle.
            let limit = if self.transfer.is_some() {
                NO_LIMIT
            } else {
                self.config.idle_timeout
            };
            // While a command waits for the transfer, stop reading: a client
            // cannot queue unbounded lines behind it.
            let may_read = deferred.is_none();
            tokio::select! {
                read = tokio::time::timeout(limit, stream.read(&mut buf)), if may_read => {
                    match read {
                        Err(_) => {
                            let r = Reply::new(ReplyCode::NOT_AVAILABLE, "Idle timeout, closing control connection");
                            let _ = self.send(stream, &r.encode()).await;
                            return End::IdleTimeout;
                        }
                        Ok(Ok(0)) => return End::PeerClosed,
                        Ok(Ok(n)) if sniffer.header_seen(&buf[..n]) => {
                            return refuse_proxy_header(&self.peer, stream).await;
                        }
                        Ok(Ok(n)) => {
                            lines.extend(&buf[..n]);
                            if drain_past_urgent_mark(&*stream, &mut lines, &mut buf) {
                                peer_closed = true;
                            }
                        }
                        Ok(Err(e)) => return End::Io(e),
                    }
                }
                reply = wait_transfer(&mut self.transfer) => {
                    self.transfer = None;
                    if let Err(e) = self.send(stream, &reply.encode()).await {
                        return End::Io(e);
                    }
                }
                // A running transfer may finish (within the server's grace period).
                _ = shutdown.cancelled(), if self.transfer.is_none() => {
                    let r = Reply::new(ReplyCode::NOT_AVAILABLE, "Server shutting down");
                    let _ = self.send(stream, &r.encode()).await;
                    return End::Shutdown;
                }
            }
        }
    }

    /// Run one command through the login gate and the dispatcher.
    async fn handle(&mut self, cmd: Command) -> Outcome {
        if matches!(cmd, Command::Abor) && self.transfer.is_some() {
            return self.abort_transfer().await;
        }
        if matches!(cmd, Command::Stat(None)) {
            if let Some(t) = &self.transfer {
                let bytes = t.progress.load(Ordering::Relaxed);
                return Outcome::Reply(Reply::multi(
                    ReplyCode::SYSTEM_STATUS,
                    [
                        "Transfer in progress:".to_string(),
                        format!("{} {} bytes transferred", t.description, bytes),
                        "End of status".to_string(),
                    ],
                ));
            }
        }
        if !self.auth.is_logged_in() {
            self.commands_before_login += 1;
            if self.commands_before_login > self.config.max_commands_before_login {
                tracing::warn!(peer = %self.peer, "too many commands before login");
                return Outcome::Close(Reply::new(
                    ReplyCode::NOT_AVAILABLE,
                    "Too many commands before login",
                ));
            }
        }
        if !self.auth.is_logged_in() && !cmd.allowed_before_login() {
            tracing::info!(peer = %self.peer, verb = cmd.verb(), "refused before login");
            return Outcome::Reply(Reply::new(
                ReplyCode::NOT_LOGGED_IN,
                "Please log in with USER and PASS first",
            ));
        }
        // REST applies to the next RETR/STOR; clients may set up the data
        // connection (or TYPE) in between, as vsftpd and pyftpdlib allow
        // (the verb table's `keeps_rest`).
        let restart = if cmd.keeps_rest() {
            self.restart
        } else {
            self.restart.take()
        };
        let rename = self.pending_rename.take();
        commands::dispatch(self, cmd, restart, rename).await
    }

    /// ABOR while a transfer runs: cancel it, then 426 (from the transfer)
    /// and 226 (RFC 959 §4.1.3).
    async fn abort_transfer(&mut self) -> Outcome {
        let mut replies = Vec::new();
        if let Some(t) = self.transfer.take() {
            t.cancel.cancel();
            let reply = t
                .handle
                .await
                .unwrap_or_else(|_| Reply::new(ReplyCode::TRANSFER_ABORTED, "Transfer aborted"));
            replies.push(reply);
        }
        replies.push(Reply::new(
            ReplyCode::CLOSING_DATA,
            "ABOR command successful",
        ));
        Outcome::Replies(replies)
    }

    /// Write what a command produced. Returns false when the session must end.
    fn protocol_log(&self) -> protocol_log::ProtocolLog {
        protocol_log::ProtocolLog {
            on: self.config.log_protocol,
        }
    }

    /// Write reply text to the client (and to the protocol log).
    async fn send(&self, stream: &mut MaybeTls, text: &str) -> std::io::Result<()> {
        self.protocol_log().reply(&self.peer, text);
        stream.write_all(text.as_bytes()).await
    }

    async fn apply(&mut self, outcome: Outcome, stream: &mut MaybeTls) -> std::io::Result<bool> {
        match outcome {
            Outcome::Reply(r) => self.send(stream, &r.encode()).await?,
            Outcome::Replies(rs) => {
                let text: String = rs.iter().map(Reply::encode).collect();
                self.send(stream, &text).await?;
            }
            Outcome::Close(r) => {
                self.send(stream, &r.encode()).await?;
                let _ = stream.shutdown().await;
                return Ok(false);
            }
            Outcome::UpgradeTls(r) => {
                self.send(stream, &r.encode()).await?;
                stream.flush().await?;
                let config = match &self.tls {
                    Some(t) => t.control.clone(),
                    None => return Ok(true),
                };
                if let Err(e) = stream.upgrade(config, self.config.data_timeout).await {
                    tracing::info!(peer = %self.peer, error = %e, "TLS handshake failed");
                    return Err(e);
                }
                self.control_tls = true;
                tracing::info!(peer = %self.peer, "control connection now TLS");
            }
            Outcome::Transfer(mut t) => {
                self.send(stream, &t.preliminary.encode()).await?;
                t.control_fd = stream.tcp().map(|s| s.as_raw_fd());
                self.transfer = Some(RunningTransfer::spawn(*t, &self.config));
            }
            Outcome::Background(running) => self.transfer = Some(running),
        }
        Ok(true)
    }
}

/// Read whatever else is already queued on the control socket, without
/// waiting. Needed for TCP urgent data (ABOR sent with MSG_OOB, kept inline
/// by SO_OOBINLINE): a read stops at the urgent mark, the short read makes
/// tokio drop the socket's readiness, and no new wakeup comes for the bytes
/// already waiting past the mark. Returns true at EOF.
fn drain_past_urgent_mark(stream: &MaybeTls, lines: &mut LineBuffer, buf: &mut [u8]) -> bool {
    // TLS records are not urgent data, and TLS has buffered state of its own.
    let fd = match stream {
        MaybeTls::Plain(s) => s.as_raw_fd(),
        _ => return false,
    };
    // Bounded (32 KiB per wakeup) so one client cannot hold a worker; a
    // client that pipelines more than that in one burst is read on its
    // next send.
    for _ in 0..64 {
        // SAFETY: `buf` is valid for `buf.len()` bytes and `fd` is our open socket.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        match n {
            0 => return true,
            n if n > 0 => lines.extend(&buf[..n as usize]),
            _ => return false,
        }
    }
    false
}

/// A PROXY header on a connection that may not send one: from an untrusted
/// source, or a second one behind a balancer's (a client forging its
/// address). Answered with 421, never read as commands.
async fn refuse_proxy_header(peer: &SocketAddr, stream: &mut MaybeTls) -> End {
    tracing::warn!(%peer, "PROXY protocol header from an untrusted source, closing");
    let r = Reply::new(
        ReplyCode::NOT_AVAILABLE,
        "PROXY protocol header not accepted from your address",
    );
    let _ = stream.write_all(r.encode().as_bytes()).await;
    let _ = stream.shutdown().await;
    End::ProxyHeader
}

/// Resolve when the running transfer finishes; pending forever if none runs.
async fn wait_transfer(transfer: &mut Option<RunningTransfer>) -> Reply {
    match transfer {
        Some(t) => match (&mut t.handle).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "transfer task failed");
                Reply::new(ReplyCode::LOCAL_ERROR, "Transfer failed: local error")
            }
        },
        None => std::future::pending().await,
    }
}
