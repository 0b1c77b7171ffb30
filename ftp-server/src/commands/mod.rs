//! Command handlers, one file per family. `dispatch` is the single exhaustive
//! match from verb to handler; `storage_error` is the single mapping from
//! storage failures to replies. Handlers return an `Outcome` and never touch
//! the control socket.

mod data_conn;
mod files;
mod hash;
mod info;
mod listing;
mod login;
mod navigate;
mod security;
mod transfer;

use std::sync::Arc;

use ftp_proto::{Command, HashAlgo, Reply, ReplyCode};

use crate::session::{AuthState, Session};
use crate::storage::{PathError, Storage, StorageError, VirtualPath};

/// What a handler produced for the session loop to carry out.
pub enum Outcome {
    Reply(Reply),
    /// Several replies in order (ABOR during a transfer: 426 then 226).
    Replies(Vec<Reply>),
    /// Send this reply, then close the connection (QUIT).
    Close(Reply),
    /// Send this reply (234), then start TLS on the control connection.
    UpgradeTls(Reply),
    /// Send the preliminary 150, then run the transfer in a child task.
    Transfer(Box<crate::transfer::Transfer>),
    /// Work already running in a child task with no data connection (HASH):
    /// its reply comes when it ends, and ABOR cancels it.
    Background(crate::transfer::RunningTransfer),
}

impl From<Reply> for Outcome {
    fn from(r: Reply) -> Self {
        Outcome::Reply(r)
    }
}

/// Shorthand for a single reply.
pub fn reply(code: ReplyCode, text: impl AsRef<str>) -> Outcome {
    Outcome::Reply(Reply::new(code, text))
}

/// Route one command to its handler. `restart` (REST) and `rename` (RNFR)
/// were set by the previous command and apply to this one only.
pub async fn dispatch(
    s: &mut Session,
    cmd: Command,
    restart: Option<u64>,
    rename: Option<VirtualPath>,
) -> Outcome {
    use Command as C;
    match cmd {
        C::User(name) => security::gate_user(s, &name).unwrap_or_else(|| login::user(s, name)),
        C::Pass(pw) => login::pass(s, pw).await,
        C::Acct(_) => reply(ReplyCode::SUPERFLUOUS, "ACCT not needed"),
        C::Rein => login::rein(s),
        C::Quit => Outcome::Close(Reply::new(ReplyCode::CLOSING, "Goodbye")),
        C::Auth(mech) => security::auth(s, &mech),
        C::Pbsz(n) => security::pbsz(s, n),
        C::Prot(level) => security::prot(s, level),
        C::Ccc => security::ccc(s),
        C::Pwd => navigate::pwd(s),
        C::Cwd(p) => navigate::cwd(s, &p).await,
        C::Cdup => navigate::cwd(s, "..").await,
        C::Mkd(p) => files::mkd(s, &p).await,
        C::Rmd(p) => files::rmd(s, &p).await,
        C::Dele(p) => files::dele(s, &p).await,
        C::Rnfr(p) => files::rnfr(s, &p).await,
        C::Rnto(p) => files::rnto(s, &p, rename).await,
        C::Size(p) => files::size(s, &p).await,
        C::Mdtm(p) => files::mdtm(s, &p).await,
        C::Mfmt(a) => files::mfmt(s, &a).await,
        C::Hash(p) => hash::hash(s, &p).await,
        C::Xcrc(p) => hash::x(s, &p, HashAlgo::Crc32).await,
        C::Xmd5(p) => hash::x(s, &p, HashAlgo::Md5).await,
        C::Xsha1(p) => hash::x(s, &p, HashAlgo::Sha1).await,
        C::Xsha256(p) => hash::x(s, &p, HashAlgo::Sha256).await,
        C::Xsha512(p) => hash::x(s, &p, HashAlgo::Sha512).await,
        C::Type(t) => transfer::type_(s, t),
        C::Mode(_) => reply(ReplyCode::OK, "Mode set to S"),
        C::Stru(_) => reply(ReplyCode::OK, "Structure set to F"),
        C::Allo(_) => reply(ReplyCode::SUPERFLUOUS, "ALLO not needed"),
        C::Rest(n) => transfer::rest(s, n),
        C::Pasv => data_conn::pasv(s).await,
        C::Epsv(arg) => data_conn::epsv(s, arg).await,
        C::Port(addr) => data_conn::port(s, addr.into()),
        C::Eprt(addr) => data_conn::port(s, addr),
        C::Retr(p) => transfer::retr(s, &p, restart).await,
        C::Stor(p) => transfer::stor(s, &p, restart).await,
        C::Appe(p) => transfer::appe(s, &p).await,
        C::Stou(p) => transfer::stou(s, p.as_deref()).await,
        C::Abor => data_conn::abor_idle(s),
        C::List(a) => listing::list(s, a.as_deref()).await,
        C::Nlst(a) => listing::nlst(s, a.as_deref()).await,
        C::Mlsd(a) => listing::mlsd(s, a.as_deref()).await,
        C::Mlst(a) => listing::mlst(s, a.as_deref()).await,
        C::Stat(a) => info::stat(s, a.as_deref()).await,
        C::Syst => reply(ReplyCode::SYSTEM_TYPE, "UNIX Type: L8"),
        C::Feat => info::feat(s),
        C::Opts(a) => info::opts(s, &a),
        C::Help(_) => info::help(),
        C::Site(a) => info::site(s, &a).await,
        C::Noop => reply(ReplyCode::OK, "NOOP ok"),
    }
}

/// The one mapping from storage failures to replies (RFC 959 §4.2). The
/// client sees a generic reason; details go to the log.
pub fn storage_error(s: &Session, what: &str, e: &StorageError) -> Outcome {
    Outcome::Reply(storage_error_reply(&s.peer, s.user_name(), what, e))
}

/// `storage_error` for work that has left the session (a background HASH):
/// the peer and user are given for the log.
pub fn storage_error_reply(
    peer: &std::net::SocketAddr,
    user: &str,
    what: &str,
    e: &StorageError,
) -> Reply {
    use StorageError as E;
    let (code, text) = match e {
        E::NotFound => (ReplyCode::FILE_UNAVAILABLE, "No such file or directory"),
        E::PermissionDenied => (ReplyCode::FILE_UNAVAILABLE, "Permission denied"),
        E::AlreadyExists => (ReplyCode::FILE_UNAVAILABLE, "File exists"),
        E::NotADirectory => (ReplyCode::FILE_UNAVAILABLE, "Not a directory"),
        E::IsADirectory => (ReplyCode::FILE_UNAVAILABLE, "Is a directory"),
        E::DirectoryNotEmpty => (ReplyCode::FILE_UNAVAILABLE, "Directory not empty"),
        E::NoSpace => (
            ReplyCode::INSUFFICIENT_STORAGE,
            "Insufficient storage space",
        ),
        E::InvalidName => (ReplyCode::NAME_NOT_ALLOWED, "File name not allowed"),
        E::OffsetBeyondEnd => (
            ReplyCode::FILE_UNAVAILABLE,
            "Restart offset is beyond the end of the file",
        ),
        E::Unsupported(op) => {
            tracing::info!(%peer, user, what, op, "unsupported by storage");
            return Reply::new(
                ReplyCode::NOT_IMPLEMENTED,
                format!("{what}: {op} is not supported by this storage"),
            );
        }
        E::Unavailable(_) => (
            ReplyCode::LOCAL_ERROR,
            "Storage temporarily unavailable, try again later",
        ),
        E::Io(_) => (ReplyCode::LOCAL_ERROR, "Local error in processing"),
    };
    tracing::info!(%peer, user, what, error = ?e, "refused");
    Reply::new(code, format!("{what}: {text}"))
}

/// Resolve a client path against the cwd; a NUL or bad name gets 501.
pub fn resolve(s: &Session, arg: &str) -> Result<VirtualPath, Outcome> {
    s.cwd.resolve(arg).map_err(|e| match e {
        PathError::Nul => reply(ReplyCode::BAD_ARGUMENTS, "NUL byte in path"),
        _ => reply(ReplyCode::BAD_ARGUMENTS, "Invalid path"),
    })
}

/// Resolve a path for a command that creates a name (STOR, MKD, RNTO, ...):
/// control characters are refused with 553, since they would break listings.
pub fn resolve_new(s: &Session, arg: &str) -> Result<VirtualPath, Outcome> {
    let path = resolve(s, arg)?;
    if path
        .file_name()
        .is_some_and(|n| n.chars().any(char::is_control))
    {
        return Err(reply(
            ReplyCode::NAME_NOT_ALLOWED,
            "File name not allowed: control characters",
        ));
    }
    // NAME_MAX on Linux: refuse before the 150, not after the data came.
    if path.file_name().is_some_and(|n| n.len() > 255) {
        return Err(reply(ReplyCode::NAME_NOT_ALLOWED, "File name too long"));
    }
    Ok(path)
}

/// The logged-in user's storage (handlers run only after the login gate).
pub fn storage(s: &Session) -> Result<Arc<dyn Storage>, Outcome> {
    match &s.auth {
        AuthState::LoggedIn { storage, .. } => Ok(storage.clone()),
        _ => Err(reply(ReplyCode::NOT_LOGGED_IN, "Not logged in")),
    }
}

/// Refuse a write unless the user may write (550, nothing changes).
pub fn require_write(s: &Session) -> Result<(), Outcome> {
    match &s.auth {
        AuthState::LoggedIn { write: true, .. } => Ok(()),
        _ => {
            tracing::info!(peer = %s.peer, user = s.user_name(), "write refused: read-only user");
            Err(reply(
                ReplyCode::FILE_UNAVAILABLE,
                "Permission denied: this login is read-only",
            ))
        }
    }
}

/// Unwrap a `Result<T, Outcome>` or return the outcome from the handler.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(o) => return o,
        }
    };
}
pub(crate) use tri;
