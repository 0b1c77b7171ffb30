//! The session's state as types: who is logged in (and with which storage),
//! what data connection is prepared, and the per-session settings. Illegal
//! combinations (storage before login, a PASV listener and a PORT address at
//! once) cannot be represented.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::config::Config;
use crate::data::{canonical_ip, DataChannel};
use crate::limits::Limits;
use crate::listing::Facts;
use crate::storage::{Storage, VirtualPath};
use crate::tls::SessionTls;
use crate::transfer::RunningTransfer;
use ftp_proto::{HashAlgo, TransferType};

/// Login progress (RFC 959 §4.1.1).
#[derive(Debug)]
pub enum AuthState {
    /// Connected; USER not yet given.
    Connected,
    /// USER given; PASS expected.
    AwaitingPass { user: String },
    /// Logged in, with the user's sandboxed storage.
    LoggedIn {
        user: String,
        write: bool,
        storage: Arc<dyn Storage>,
        /// The bandwidth caps of this login's transfers.
        rates: crate::config::Rates,
    },
}

impl AuthState {
    pub fn is_logged_in(&self) -> bool {
        matches!(self, AuthState::LoggedIn { .. })
    }
}

/// Everything one control connection knows. Owned by its task.
pub struct Session {
    pub config: Arc<Config>,
    /// The client's address: the control connection's peer, or the one a
    /// trusted balancer's PROXY header gave. Logs, per-IP caps, bans and
    /// the RFC 2577 checks (PORT target, passive source) all use it.
    pub peer: SocketAddr,
    /// The control connection's local (server) address.
    pub local: SocketAddr,
    pub auth: AuthState,
    pub cwd: VirtualPath,
    pub transfer_type: TransferType,
    pub data: DataChannel,
    /// REST offset, valid for the very next command only (RFC 3659 §5.5).
    pub restart: Option<u64>,
    /// RNFR source, valid for the very next command only (RFC 959 §4.1.3).
    pub pending_rename: Option<VirtualPath>,
    /// After `EPSV ALL`, only EPSV may set up data connections (RFC 2428 §4).
    pub epsv_all: bool,
    /// Facts MLSD/MLST report, chosen with `OPTS MLST`.
    pub facts: Facts,
    /// HASH's algorithm, chosen with `OPTS HASH` (SHA-256 by default).
    pub hash_algo: HashAlgo,
    /// The transfer running in a child task, if any.
    pub transfer: Option<RunningTransfer>,
    /// Shared session caps and the failed-login lockout.
    pub limits: Arc<Limits>,
    /// Commands received while not logged in (capped).
    pub commands_before_login: u32,
    /// Failed PASS attempts on this connection.
    pub failed_logins: u32,
    /// This session's TLS configurations, when the server has TLS.
    pub tls: Option<SessionTls>,
    /// The control connection runs TLS (after AUTH TLS, or implicit FTPS).
    pub control_tls: bool,
    /// PBSZ was given (RFC 4217 §8: required before PROT).
    pub pbsz: bool,
    /// PROT level for data connections.
    pub protection: Protection,
    /// The server's shared handle on the served root, given to logins whose
    /// home is the root.
    pub root: Arc<dyn Storage>,
}

/// Data connection protection (RFC 4217 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// PROT C: plain TCP.
    Clear,
    /// PROT P: TLS on every data connection.
    Private,
}

impl Session {
    pub fn new(
        config: Arc<Config>,
        limits: Arc<Limits>,
        root: Arc<dyn Storage>,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> Session {
        let config_tls = config.tls.as_ref().map(SessionTls::new);
        Session {
            config,
            peer,
            local,
            auth: AuthState::Connected,
            cwd: VirtualPath::root(),
            transfer_type: TransferType::Ascii,
            data: DataChannel::Idle,
            restart: None,
            pending_rename: None,
            epsv_all: false,
            facts: Facts::default(),
            hash_algo: HashAlgo::Sha256,
            transfer: None,
            limits,
            commands_before_login: 0,
            failed_logins: 0,
            tls: config_tls,
            control_tls: false,
            pbsz: false,
            protection: Protection::Clear,
            root,
        }
    }

    /// The logged-in user's name, or "-" for the log.
    pub fn user_name(&self) -> &str {
        match &self.auth {
            AuthState::LoggedIn { user, .. } | AuthState::AwaitingPass { user } => user,
            AuthState::Connected => "-",
        }
    }

    /// The peer's IP as IPv4 when it is an IPv4-mapped IPv6 address.
    pub fn peer_ip(&self) -> IpAddr {
        canonical_ip(self.peer.ip())
    }

    /// The local IP as IPv4 when it is an IPv4-mapped IPv6 address.
    pub fn local_ip(&self) -> IpAddr {
        canonical_ip(self.local.ip())
    }
}
