//! `FtpClient`: one logged-in control connection with typed methods (`size`,
//! `mkd`, `rename`, `list_dir`, `retrieve`, `store`, ...). Commands are built
//! as `ftp_proto::Command` values, refused if they carry CR/LF, logged with
//! the password masked, and answered by whole replies from `ReplyParser`.
//!
//! The control connection is a boxed `Stream`: plain TCP, or TLS after
//! AUTH TLS or from the start for `ftps://` (`secure.rs`), without the
//! methods above it noticing. Commands on remote paths (SIZE, MKD, renames,
//! ...) live in `remote.rs`, times and digests in `attrs.rs`, data
//! connections in `data.rs`, the byte pumps in `transfer.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use ftp_proto::{Command, Reply, ReplyCode, ReplyParser, TransferType};

use crate::error::{ClientError, Result, TlsError};
pub use crate::features::Features;
use crate::output::escape;
use crate::stream::Stream;
use crate::tls::{TlsOptions, TlsSession};

/// The longest reply line kept; longer lines are cut (a hostile server must
/// not make the client buffer without bound).
const MAX_LINE: u64 = 8192;
/// The most lines one multi-line reply may have.
const MAX_REPLY_LINES: usize = 10_000;

/// How to reach and talk to a server.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Connect, control read and data stall timeout.
    pub timeout: Duration,
    /// Use EPRT/PORT instead of EPSV/PASV.
    pub active: bool,
    /// Send some commands together (EPSV with its STOR/RETR, SIZE with
    /// RNFR); off for servers or middleboxes that mishandle that.
    pub pipelining: bool,
    /// Use MLST/MLSD when FEAT offers them (`--no-mlsd` turns it off).
    pub mlsd: bool,
    /// FTPS mode and the run's rustls configuration; `None` is plain FTP.
    pub tls: Option<TlsOptions>,
    /// `--limit-rate`: each transfer's cap, bytes per second.
    pub limit_rate: Option<u64>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            timeout: Duration::from_secs(30),
            active: false,
            pipelining: true,
            mlsd: true,
            tls: None,
            limit_rate: None,
        }
    }
}

/// One control connection.
pub struct FtpClient {
    control: BufReader<Box<dyn Stream>>,
    /// A handle on the TCP socket under `control`, for timeouts.
    tcp: TcpStream,
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    pub(crate) options: ConnectOptions,
    pub features: Features,
    /// EPSV failed once; use PASV from now on.
    pub(crate) epsv_failed: bool,
    /// EPSV has worked on this connection: the next one may be pipelined
    /// with the transfer command it prepares (see `start_transfer`).
    pub(crate) epsv_worked: bool,
    /// EPRT failed once; use PORT from now on.
    pub(crate) eprt_failed: bool,
    /// The login directory, for returning after a CWD probe.
    home: Option<String>,
    /// This connection's TLS session once the control connection is TLS.
    pub(crate) tls: Option<TlsSession>,
    /// PROT P was accepted: every data connection is TLS too.
    pub(crate) protect_data: bool,
    /// Whether the last TLS data connection resumed (None: plain).
    pub(crate) data_resumed: Option<bool>,
    /// Whether `SITE UTIME` sets times here (None: not tried yet).
    pub(crate) utime: Option<bool>,
    /// The algorithm HASH uses now (FEAT's `*`, then the last `OPTS HASH`).
    pub(crate) hash_algo: Option<ftp_proto::HashAlgo>,
}

/// Verbs whose 550 means "no such file or directory" (exit 3): those the
/// verb table marks as naming an existing path.
fn is_lookup(cmd: &Command) -> bool {
    cmd.spec().lookup
}

/// Turn a refusal into the right error: 550/450 on a lookup is "not found".
pub(crate) fn refusal(cmd: &Command, reply: Reply) -> ClientError {
    let what = match cmd {
        Command::Pass(_) => "PASS ****".to_string(),
        c => c.to_string(),
    };
    let code = reply.code;
    if is_lookup(cmd) && (code == ReplyCode::FILE_UNAVAILABLE || code == ReplyCode::FILE_BUSY) {
        ClientError::NotFound { what, reply }
    } else if code == ReplyCode::NOT_LOGGED_IN {
        ClientError::Login(reply)
    } else {
        ClientError::Refused { what, reply }
    }
}

impl FtpClient {
    /// Connect to `host:port`, read the greeting, and set up TLS as
    /// `options.tls` asks (implicit, explicit or auto).
    pub fn connect(host: &str, port: u16, options: ConnectOptions) -> Result<FtpClient> {
        let tcp = Self::connect_tcp(host, port, &options)?;
        let mut client = Self::from_tcp(tcp, options)?;
        client.start_tls(host)?;
        client.read_greeting()?;
        client.upgrade_tls(host)?;
        Ok(client)
    }

    fn connect_tcp(host: &str, port: u16, options: &ConnectOptions) -> Result<TcpStream> {
        let target = format!("{host}:{port}");
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| ClientError::net(format!("resolve {target}"), e))?
            .collect();
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, options.timeout) {
                Ok(tcp) => return Ok(tcp),
                Err(e) => last = e,
            }
        }
        Err(ClientError::net(format!("connect to {target}"), last))
    }

    fn from_tcp(tcp: TcpStream, options: ConnectOptions) -> Result<FtpClient> {
        let ctx = |e| ClientError::net("control connection", e);
        tcp.set_read_timeout(Some(options.timeout)).map_err(ctx)?;
        tcp.set_write_timeout(Some(options.timeout)).map_err(ctx)?;
        let _ = tcp.set_nodelay(true);
        let peer = tcp.peer_addr().map_err(ctx)?;
        let local = tcp.local_addr().map_err(ctx)?;
        let handle = tcp.try_clone().map_err(ctx)?;
        Ok(FtpClient {
            control: BufReader::new(Box::new(tcp)),
            tcp: handle,
            peer,
            local,
            options,
            features: Features::default(),
            epsv_failed: false,
            epsv_worked: false,
            eprt_failed: false,
            home: None,
            tls: None,
            protect_data: false,
            data_resumed: None,
            utime: None,
            hash_algo: None,
        })
    }

    /// The 220 greeting (after an optional 120 "ready soon").
    fn read_greeting(&mut self) -> Result<()> {
        let mut greeting = self.read_reply()?;
        if greeting.code == ReplyCode::SERVICE_READY_SOON {
            greeting = self.read_reply()?;
        }
        if greeting.code != ReplyCode::READY {
            return Err(ClientError::net(
                "server refused the connection",
                std::io::Error::other(crate::error::ServerRefusal(greeting)),
            ));
        }
        Ok(())
    }

    /// Swap the control stream for a TLS one (after its handshake).
    pub(crate) fn replace_control(&mut self, stream: Box<dyn Stream>) {
        self.control = BufReader::new(stream);
    }

    /// A second handle on the control socket, for wrapping it in TLS. Bytes
    /// the server sent before the handshake and that are already buffered
    /// would be lost or, worse, read later as if protected: refuse them.
    pub(crate) fn control_socket(&self) -> Result<TcpStream> {
        if !self.control.buffer().is_empty() {
            return Err(TlsError::InjectedData.into());
        }
        self.tcp
            .try_clone()
            .map_err(|e| ClientError::net("control connection", e))
    }

    /// USER/PASS, then FEAT, `OPTS UTF8 ON` when offered, and TYPE I.
    pub fn login(&mut self, user: &str, password: &str) -> Result<()> {
        let reply = self.send(&Command::User(user.to_string()))?;
        let reply = match reply.code.0 {
            230 => reply,
            331 | 332 => self.send(&Command::Pass(password.to_string()))?,
            _ => return Err(self.login_refused(reply)),
        };
        if reply.code != ReplyCode::LOGGED_IN && reply.code != ReplyCode::SUPERFLUOUS {
            return Err(self.login_refused(reply));
        }
        self.protect_data_channel()?;
        let feat = self.send(&Command::Feat)?;
        if feat.code.is_success() {
            self.features = Features::from_reply(&feat);
            self.features.mlst &= self.options.mlsd;
            self.hash_algo = self.features.hash_selected;
        }
        if self.features.utf8 {
            // Best effort: some servers are always UTF-8 and refuse this.
            self.send(&Command::Opts("UTF8 ON".into()))?;
        }
        self.expect(&Command::Type(TransferType::Image))?;
        Ok(())
    }

    /// A refused USER or PASS: over plain FTP, a reply that speaks of TLS
    /// or SSL says the server wants `--tls`.
    fn login_refused(&self, reply: Reply) -> ClientError {
        let text = reply.text().to_ascii_uppercase();
        if self.tls.is_none() && (text.contains("TLS") || text.contains("SSL")) {
            ClientError::LoginNeedsTls(reply)
        } else {
            ClientError::Login(reply)
        }
    }

    /// Send one command and read its reply (any code).
    pub fn send(&mut self, cmd: &Command) -> Result<Reply> {
        self.send_only(cmd)?;
        self.read_reply()
    }

    /// Send one command without reading the reply.
    pub(crate) fn send_only(&mut self, cmd: &Command) -> Result<()> {
        self.send_all(std::slice::from_ref(cmd))
    }

    /// Send commands in one write without reading replies (pipelining: the
    /// server answers them in order, and the caller reads every reply).
    pub(crate) fn send_all(&mut self, cmds: &[Command]) -> Result<()> {
        let mut lines = String::new();
        for cmd in cmds {
            if cmd.has_line_break() {
                return Err(ClientError::Usage(format!(
                    "{} argument contains a line break; refusing to send it",
                    cmd.verb()
                )));
            }
            match cmd {
                Command::Pass(_) => tracing::debug!("> PASS ****"),
                c => tracing::debug!("> {}", escape(&c.to_string())),
            }
            lines.push_str(&format!("{cmd}\r\n"));
        }
        let verb = cmds.first().map(Command::verb).unwrap_or_default();
        let stream = self.control.get_mut();
        stream
            .write_all(lines.as_bytes())
            .and_then(|_| stream.flush())
            .map_err(|e| ClientError::net(format!("send {verb}"), e))
    }

    /// Send and require a 2xx reply.
    pub fn expect(&mut self, cmd: &Command) -> Result<Reply> {
        let reply = self.send(cmd)?;
        if reply.code.is_success() {
            Ok(reply)
        } else {
            Err(refusal(cmd, reply))
        }
    }

    /// Read one whole reply (multi-line replies joined).
    pub fn read_reply(&mut self) -> Result<Reply> {
        let mut parser = ReplyParser::new();
        for _ in 0..MAX_REPLY_LINES {
            let mut raw = Vec::new();
            let n = (&mut self.control)
                .take(MAX_LINE)
                .read_until(b'\n', &mut raw)
                .map_err(|e| ClientError::net("read reply", e))?;
            if n == 0 {
                return Err(ClientError::net(
                    "read reply",
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "server closed the connection",
                    ),
                ));
            }
            let line = String::from_utf8_lossy(&raw);
            tracing::debug!("< {}", escape(line.trim_end_matches(['\r', '\n'])));
            match parser.feed_line(&line) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(e) => return Err(ClientError::Protocol(escape(&e.to_string()).into_owned())),
            }
        }
        Err(ClientError::Protocol("reply has too many lines".into()))
    }

    /// Set the control read timeout (shortened while aborting).
    pub(crate) fn set_read_timeout(&self, t: Duration) {
        let _ = self.tcp.set_read_timeout(Some(t));
    }

    /// The login directory (PWD, asked once).
    pub fn home(&mut self) -> Result<String> {
        if let Some(h) = &self.home {
            return Ok(h.clone());
        }
        let reply = self.expect(&Command::Pwd)?;
        let home = ftp_proto::unquote_path(&reply.text()).ok_or_else(|| {
            ClientError::Protocol(format!("cannot read PWD reply {:?}", escape(&reply.text())))
        })?;
        self.home = Some(home.clone());
        Ok(home)
    }

    /// CWD (relative paths are relative to the login directory).
    pub fn cwd(&mut self, path: &str) -> Result<()> {
        let home = self.home()?;
        let target = if path.is_empty() || path.starts_with('/') {
            if path.is_empty() {
                home
            } else {
                path.to_string()
            }
        } else {
            crate::url::join(&home, path)
        };
        self.expect(&Command::Cwd(target)).map(|_| ())
    }

    /// True if `path` is a directory (probed with CWD, then back home).
    pub fn is_dir(&mut self, path: &str) -> Result<bool> {
        match self.cwd(path) {
            Ok(()) => {
                self.cwd("")?;
                Ok(true)
            }
            Err(ClientError::NotFound { .. } | ClientError::Refused { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// QUIT, ignoring failures: the work is done either way. A TLS control
    /// connection ends with close_notify.
    pub fn quit(mut self) {
        self.set_read_timeout(Duration::from_secs(2));
        if self.send(&Command::Quit).is_ok() {
            let _ = self.control.get_mut().close();
        }
    }
}
