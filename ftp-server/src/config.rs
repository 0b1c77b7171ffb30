//! The validated server configuration. Every limit is a named field with its
//! default and the abuse it answers. The binary builds this from the command
//! line; tests build it directly with `Config::new`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::accounts::Accounts;

/// A login from `--user NAME:PASSWORD`.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub password: String,
}

impl std::fmt::Debug for User {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Bandwidth caps of a session's data connections, bytes per second
/// (`None`: no cap).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rates {
    /// Downloads and listings (`--max-rate-down`).
    pub down: Option<u64>,
    /// Uploads (`--max-rate-up`).
    pub up: Option<u64>,
}

impl Rates {
    /// These caps, with `fallback`'s where these have none.
    pub fn or(self, fallback: Rates) -> Rates {
        Rates {
            down: self.down.or(fallback.down),
            up: self.up.or(fallback.up),
        }
    }
}

/// Files hashed at once by default: two, so hashing can take at most two
/// cores, and a third HASH waits (abortably) for a slot.
pub const DEFAULT_MAX_HASHES: usize = 2;

#[derive(Debug, Clone)]
pub struct Config {
    /// The served directory: the client's `/` (unused with `s3`).
    pub root: PathBuf,
    /// Serve this S3 bucket prefix instead of `root` (`--storage s3://...`).
    pub s3: Option<crate::storage::S3Config>,
    /// Where the binary listens (tests pass their own listener to `run`).
    pub listen: SocketAddr,
    /// Grant write access (STOR, DELE, MKD, ...) to every logged-in user.
    pub write: bool,
    /// Named logins.
    pub users: Vec<User>,
    /// Accounts from `--users FILE` (argon2id hashes, a home and a write
    /// flag each), shared so SIGHUP can reload them under running sessions.
    /// Checked before `users`.
    pub accounts: Option<Arc<Accounts>>,
    /// Allow `anonymous`/`ftp` with any password.
    pub anonymous: bool,
    /// Inclusive passive port range; `None` lets the OS pick any free port.
    pub passive_ports: Option<(u16, u16)>,
    /// The IPv4 address to announce in PASV replies (behind NAT).
    pub public_addr: Option<IpAddr>,
    /// Close a control connection with no command for this long (resource
    /// exhaustion by idle sessions).
    pub idle_timeout: Duration,
    /// Wait this long for a data connection to be made, and for a stalled
    /// data connection to move (port squatting, stuck clients).
    pub data_timeout: Duration,
    /// Maximum control line length in bytes (memory exhaustion, slowloris).
    pub max_line: usize,
    /// Delay before answering a failed login (password guessing).
    pub login_failure_delay: Duration,
    /// Time running sessions get to finish after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Sessions in total (connection floods).
    pub max_sessions: usize,
    /// Sessions from one client IP (one host starving the others).
    pub max_sessions_per_ip: usize,
    /// Failed logins before the connection is closed, and failures from one
    /// IP before it is banned (password guessing).
    pub max_login_failures: u32,
    /// How long a banned IP is turned away.
    pub ban_duration: Duration,
    /// Commands accepted before login (unauthenticated probing).
    pub max_commands_before_login: u32,
    /// Password hash checks running at once; each argon2 check takes about
    /// 19 MiB and a core for tens of milliseconds (memory and CPU
    /// exhaustion by PASS floods).
    pub max_password_checks: usize,
    /// Files hashed at once (HASH, XSHA256, ...) across the server; each
    /// takes a core while it runs, and the others wait (CPU exhaustion by
    /// HASH floods).
    pub max_hashes: usize,
    /// fsync a finished upload and its directory before answering 226
    /// (durability across power loss, at some speed cost).
    pub fsync: bool,
    /// Where to serve Prometheus metrics (`--metrics-listen`); the binary
    /// installs the exporter (`metrics::install`).
    pub metrics_listen: Option<SocketAddr>,
    /// The transfer log (`--xferlog FILE`), opened.
    pub xferlog: Option<crate::xferlog::XferLog>,
    /// Every session's bandwidth caps, unless its account sets its own
    /// (bandwidth hogging by one client).
    pub max_rate: Rates,
    /// Log every command and reply at debug level (`--log-protocol`).
    pub log_protocol: bool,
    /// FTPS settings; `None` means AUTH TLS is refused with 504.
    pub tls: Option<crate::tls::TlsConfig>,
    /// Where the binary listens for implicit FTPS (tests pass their own
    /// listener to `run_listeners`).
    pub implicit_tls_listen: Option<SocketAddr>,
    /// Load balancers trusted to send a PROXY protocol header (v1 or v2)
    /// that gives the client's real address; a connection from one of them
    /// must start with one. Empty: PROXY protocol off (`--proxy-protocol`).
    pub proxy_protocol: Vec<crate::proxy::Cidr>,
    /// How long a trusted balancer's connection may take to deliver its
    /// PROXY header before it is closed (slowloris through the balancer).
    pub proxy_header_timeout: Duration,
    /// Directory entries one LIST or NLST with a glob (`NLST *.txt`) may
    /// examine; past it the listing stops and the transfer ends in 451
    /// (CPU and storage requests spent on a huge directory while little or
    /// nothing is sent, which the data stall timeout would not catch).
    /// Default 100,000.
    pub max_glob_entries: u64,
}

impl Config {
    /// Defaults: anonymous read-only login, any passive port, 300 s idle,
    /// 30 s data timeout, 4096-byte lines.
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            s3: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 2121)),
            write: false,
            users: Vec::new(),
            accounts: None,
            anonymous: true,
            passive_ports: None,
            public_addr: None,
            idle_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(30),
            max_line: ftp_proto::DEFAULT_MAX_LINE,
            login_failure_delay: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
            max_sessions: 512,
            max_sessions_per_ip: 32,
            max_login_failures: 3,
            ban_duration: Duration::from_secs(60),
            max_commands_before_login: 20,
            max_password_checks: 4,
            max_hashes: DEFAULT_MAX_HASHES,
            fsync: false,
            log_protocol: false,
            max_rate: Rates::default(),
            xferlog: None,
            metrics_listen: None,
            tls: None,
            implicit_tls_listen: None,
            proxy_protocol: Vec::new(),
            proxy_header_timeout: Duration::from_secs(10),
            max_glob_entries: 100_000,
        }
    }
}
