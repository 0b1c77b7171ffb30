//! The `ftpd` command line (clap). Every option can also come from an
//! environment variable `FTPD_<NAME>`. `Cli::into_config` validates and
//! builds the library's `Config`; clap types stop here. `ftpd
//! hash-password` is the one subcommand; serving needs no subcommand, and
//! `--root` is required only then.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::accounts::Accounts;
use crate::config::{Config, User};
use crate::proxy::Cidr;
use crate::storage::{S3Config, DEFAULT_PART_SIZE};
use crate::tls::{self, TlsConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Tasks other than serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Read a password from standard input (one line) and print its argon2id
    /// PHC string, for the `password` field of a --users file.
    HashPassword,
    /// Print a completion script for SHELL (bash, zsh, fish, ...) on standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output.
    Man,
}

/// A sandboxed FTP server.
#[derive(Debug, Parser)]
#[command(
    name = "ftpd",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Read options from this TOML file: each key is a long option with `-`
    /// written as `_` (`passive_ports = "50000-50100"`, `write = true`).
    /// The command line and FTPD_* variables take precedence.
    #[arg(long, env = "FTPD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory to serve; clients see it as `/`. Exactly one of --root and --storage.
    #[arg(
        long,
        env = "FTPD_ROOT",
        required_unless_present = "storage",
        conflicts_with = "storage"
    )]
    pub root: Option<PathBuf>,
    /// Serve an S3 bucket (prefix) instead of a directory: s3://BUCKET[/PREFIX].
    /// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
    #[arg(long, env = "FTPD_STORAGE", value_name = "s3://BUCKET[/PREFIX]")]
    pub storage: Option<String>,
    /// The S3 endpoint of a self-hosted store (path-style), e.g. http://127.0.0.1:9000;
    /// without it, AWS itself. Plain http is meant for loopback or a private network.
    #[arg(
        long,
        env = "FTPD_S3_ENDPOINT",
        value_name = "URL",
        requires = "storage"
    )]
    pub s3_endpoint: Option<String>,
    /// The S3 region.
    #[arg(
        long,
        env = "AWS_REGION",
        value_name = "REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,
    /// Seconds one S3 request may take, with its retries (and a download may stall)
    /// before the command gets 451.
    #[arg(
        long,
        env = "FTPD_S3_TIMEOUT",
        value_name = "SECS",
        default_value_t = 10
    )]
    pub s3_timeout: u64,
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "FTPD_LISTEN", default_value = "127.0.0.1:2121")]
    pub listen: SocketAddr,
    /// Let logged-in users change files (upload, delete, rename, mkdir).
    #[arg(long, env = "FTPD_WRITE")]
    pub write: bool,
    /// A login as NAME:PASSWORD; repeat for more. Turns anonymous off unless --anonymous.
    #[arg(long = "user", env = "FTPD_USER", value_name = "NAME:PASSWORD", value_delimiter = ',', value_parser = parse_user)]
    pub users: Vec<User>,
    /// Accounts file (TOML `[[user]]` tables: name, argon2id password hash,
    /// optional home under the root, optional write). Reloaded on SIGHUP.
    /// Turns anonymous off unless --anonymous.
    #[arg(long = "users", env = "FTPD_USERS", value_name = "FILE")]
    pub users_file: Option<PathBuf>,
    /// Allow anonymous login (`anonymous` or `ftp`, any password). On by default without --user.
    #[arg(long, env = "FTPD_ANONYMOUS", overrides_with = "no_anonymous")]
    pub anonymous: bool,
    /// Refuse anonymous login.
    #[arg(long, env = "FTPD_NO_ANONYMOUS")]
    pub no_anonymous: bool,
    /// Passive data ports, as MIN-MAX (default: any free port).
    #[arg(long, env = "FTPD_PASSIVE_PORTS", value_name = "MIN-MAX", value_parser = parse_range)]
    pub passive_ports: Option<(u16, u16)>,
    /// IPv4 address to announce in PASV replies (when behind NAT).
    #[arg(long, env = "FTPD_PUBLIC_ADDR")]
    pub public_addr: Option<IpAddr>,
    /// Close control connections idle for this many seconds.
    #[arg(
        long,
        env = "FTPD_IDLE_TIMEOUT",
        value_name = "SECS",
        default_value_t = 300
    )]
    pub idle_timeout: u64,
    /// Seconds to wait for a data connection or for a stalled one to move.
    #[arg(
        long,
        env = "FTPD_DATA_TIMEOUT",
        value_name = "SECS",
        default_value_t = 30
    )]
    pub data_timeout: u64,
    /// Sessions allowed in total; more get 421.
    #[arg(
        long,
        env = "FTPD_MAX_SESSIONS",
        value_name = "N",
        default_value_t = 512
    )]
    pub max_sessions: usize,
    /// Sessions allowed from one client IP; more get 421.
    #[arg(
        long,
        env = "FTPD_MAX_SESSIONS_PER_IP",
        value_name = "N",
        default_value_t = 32
    )]
    pub max_sessions_per_ip: usize,
    /// Failed logins before the connection closes and the IP is banned.
    #[arg(
        long,
        env = "FTPD_MAX_LOGIN_FAILURES",
        value_name = "N",
        default_value_t = 3
    )]
    pub max_login_failures: u32,
    /// How long an IP stays banned after repeated failed logins.
    #[arg(
        long,
        env = "FTPD_BAN_SECONDS",
        value_name = "SECS",
        default_value_t = 60
    )]
    pub ban_seconds: u64,
    /// Seconds running sessions get to finish after SIGTERM/SIGINT.
    #[arg(
        long,
        env = "FTPD_SHUTDOWN_GRACE",
        value_name = "SECS",
        default_value_t = 30
    )]
    pub shutdown_grace: u64,
    /// TLS certificate chain (PEM) for FTPS; needs --tls-key.
    #[arg(long, env = "FTPD_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM) for FTPS; needs --tls-cert.
    #[arg(long, env = "FTPD_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Generate an in-memory self-signed certificate (development only) and
    /// print its SHA-256 fingerprint.
    #[arg(long, env = "FTPD_TLS_SELF_SIGNED", conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// Also listen here for implicit FTPS (TLS from the first byte).
    #[arg(long, env = "FTPD_IMPLICIT_TLS_LISTEN", value_name = "ADDR:PORT")]
    pub implicit_tls_listen: Option<SocketAddr>,
    /// Data connections must resume the control connection's TLS session.
    #[arg(long, env = "FTPD_TLS_REQUIRE_SESSION_REUSE")]
    pub tls_require_session_reuse: bool,
    /// Refuse USER/PASS before AUTH TLS (anonymous excepted) and transfers without PROT P.
    #[arg(long, env = "FTPD_REQUIRE_TLS")]
    pub require_tls: bool,
    /// Make every finished upload durable (fsync file and directory) before 226.
    #[arg(long, env = "FTPD_FSYNC")]
    pub fsync: bool,
    /// Trusted load balancers (addresses or CIDRs, comma-separated,
    /// repeatable): their connections must start with a PROXY protocol v1/v2
    /// header giving the client's address. Headers from elsewhere get 421.
    #[arg(long = "proxy-protocol", env = "FTPD_PROXY_PROTOCOL", value_name = "FROM", value_delimiter = ',', value_parser = parse_cidr)]
    pub proxy_protocol: Vec<Cidr>,
    /// Seconds a trusted balancer's connection may take to send its PROXY header.
    #[arg(
        long,
        env = "FTPD_PROXY_HEADER_TIMEOUT",
        value_name = "SECS",
        default_value_t = 10
    )]
    pub proxy_header_timeout: u64,
    /// Cap each session's downloads (and listings) at RATE bytes per second;
    /// K, M or G suffix, 1024-based (512K, 2M).
    #[arg(long, env = "FTPD_MAX_RATE_DOWN", value_name = "RATE", value_parser = ftp_proto::parse_rate)]
    pub max_rate_down: Option<u64>,
    /// Cap each session's uploads at RATE bytes per second (as --max-rate-down).
    #[arg(long, env = "FTPD_MAX_RATE_UP", value_name = "RATE", value_parser = ftp_proto::parse_rate)]
    pub max_rate_up: Option<u64>,
    /// Serve Prometheus metrics at http://ADDR:PORT/metrics.
    #[arg(long, env = "FTPD_METRICS_LISTEN", value_name = "ADDR:PORT")]
    pub metrics_listen: Option<SocketAddr>,
    /// Append one line per file transfer to FILE, in the xferlog(5) format.
    #[arg(long, env = "FTPD_XFERLOG", value_name = "FILE")]
    pub xferlog: Option<PathBuf>,
    /// Log every command (PASS masked) and reply of every session, at debug
    /// level, under the target ftp_server::protocol.
    #[arg(long, env = "FTPD_LOG_PROTOCOL")]
    pub log_protocol: bool,
    /// Log format on stderr.
    #[arg(long, env = "FTPD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

fn parse_user(s: &str) -> Result<User, String> {
    match s.split_once(':') {
        Some((name, password)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            Ok(User {
                name: name.to_string(),
                password: password.to_string(),
            })
        }
        _ => Err("expected NAME:PASSWORD".to_string()),
    }
}

fn parse_cidr(s: &str) -> Result<Cidr, String> {
    s.parse::<Cidr>().map_err(|e| e.to_string())
}

fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or("expected MIN-MAX, e.g. 50000-50100")?;
    let lo: u16 = a.trim().parse().map_err(|_| format!("bad port {a:?}"))?;
    let hi: u16 = b.trim().parse().map_err(|_| format!("bad port {b:?}"))?;
    if lo == 0 || lo > hi {
        return Err("expected 1 <= MIN <= MAX".to_string());
    }
    Ok((lo, hi))
}

impl Cli {
    /// Validate and build the server configuration.
    pub fn into_config(self) -> Result<Config, String> {
        let s3 = match &self.storage {
            Some(url) => Some(self.s3_config(url)?),
            None => None,
        };
        let root = match (&self.root, &s3) {
            (Some(root), None) => {
                let meta =
                    std::fs::metadata(root).map_err(|e| format!("root {}: {e}", root.display()))?;
                if !meta.is_dir() {
                    return Err(format!("root {}: not a directory", root.display()));
                }
                root.clone()
            }
            (None, Some(_)) => PathBuf::new(),
            _ => {
                return Err(
                    "exactly one of --root DIR and --storage s3://BUCKET is required".into(),
                )
            }
        };
        if let Some(IpAddr::V6(_)) = self.public_addr {
            return Err("--public-addr must be an IPv4 address (PASV cannot announce IPv6)".into());
        }
        let tls = self.tls_config()?;
        let mut c = Config::new(root);
        c.s3 = s3;
        c.tls = tls;
        c.listen = self.listen;
        c.write = self.write;
        c.anonymous = if self.no_anonymous {
            false
        } else {
            self.anonymous || (self.users.is_empty() && self.users_file.is_none())
        };
        if let Some(file) = &self.users_file {
            let accounts = match c.s3 {
                Some(_) => Accounts::load_without_root(file, c.max_password_checks),
                None => Accounts::load(file, &c.root, c.max_password_checks),
            }
            .map_err(|e| e.to_string())?;
            c.accounts = Some(Arc::new(accounts));
        }
        c.users = self.users;
        c.passive_ports = self.passive_ports;
        c.public_addr = self.public_addr;
        c.idle_timeout = Duration::from_secs(self.idle_timeout.max(1));
        c.data_timeout = Duration::from_secs(self.data_timeout.max(1));
        c.max_sessions = self.max_sessions.max(1);
        c.max_sessions_per_ip = self.max_sessions_per_ip.max(1);
        c.max_login_failures = self.max_login_failures.max(1);
        c.ban_duration = Duration::from_secs(self.ban_seconds);
        c.shutdown_grace = Duration::from_secs(self.shutdown_grace);
        c.fsync = self.fsync;
        c.log_protocol = self.log_protocol;
        c.metrics_listen = self.metrics_listen;
        c.max_rate = crate::config::Rates {
            down: self.max_rate_down,
            up: self.max_rate_up,
        };
        if let Some(path) = &self.xferlog {
            let log = crate::xferlog::XferLog::open(path)
                .map_err(|e| format!("xferlog {}: {e}", path.display()))?;
            c.xferlog = Some(log);
        }
        if c.tls.is_none() && (self.implicit_tls_listen.is_some() || self.require_tls) {
            return Err("--implicit-tls-listen and --require-tls need --tls-cert/--tls-key or --tls-self-signed".into());
        }
        c.implicit_tls_listen = self.implicit_tls_listen;
        c.proxy_protocol = self.proxy_protocol;
        c.proxy_header_timeout = Duration::from_secs(self.proxy_header_timeout.max(1));
        Ok(c)
    }

    /// The S3 settings from `--storage s3://BUCKET[/PREFIX]`, the S3 flags
    /// and the standard AWS credential variables.
    fn s3_config(&self, url: &str) -> Result<S3Config, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("--storage {url:?}: expected s3://BUCKET[/PREFIX]"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("--storage {url:?}: no bucket name"));
        }
        if let Some(endpoint) = &self.s3_endpoint {
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(format!(
                    "--s3-endpoint {endpoint:?}: expected http://HOST:PORT or https://HOST"
                ));
            }
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (Some(access_key_id), Some(secret_access_key)) =
            (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(
                "--storage s3://...: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            );
        };
        Ok(S3Config {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id,
            secret_access_key,
            session_token: var("AWS_SESSION_TOKEN"),
            timeout: Duration::from_secs(self.s3_timeout.max(1)),
            part_size: DEFAULT_PART_SIZE,
        })
    }

    /// Build the TLS settings from the certificate flags, if any.
    fn tls_config(&self) -> Result<Option<TlsConfig>, String> {
        let (server, fingerprint, reloader) =
            match (&self.tls_cert, &self.tls_key, self.tls_self_signed) {
                (Some(cert), Some(key), _) => {
                    let (config, reloader) = tls::load_pem(cert, key).map_err(|e| e.to_string())?;
                    (config, None, Some(reloader))
                }
                (_, _, true) => {
                    let (config, fp) = tls::self_signed().map_err(|e| e.to_string())?;
                    (config, Some(fp), None)
                }
                _ => return Ok(None),
            };
        Ok(Some(TlsConfig {
            server: std::sync::Arc::new(server),
            require_session_reuse: self.tls_require_session_reuse,
            require_tls: self.require_tls,
            self_signed_fingerprint: fingerprint,
            reloader,
        }))
    }
}

mod docs;
mod file;
mod parse;
#[cfg(test)]
mod tests;

pub use docs::{print_completions, print_man};
pub use parse::{parse, ParseFailure};
