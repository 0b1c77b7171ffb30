//! The accept loop and shutdown: each connection becomes a `Session` task
//! tracked by a `TaskTracker`; the shutdown future cancels a token that every
//! session watches (idle sessions answer 421 and close), and `run` returns
//! once all sessions ended or `Config::shutdown_grace` passed.
//!
//! A connection's own task (not the loop) reads the PROXY protocol header
//! when the connection comes from a trusted balancer, and only then takes a
//! session slot, for the client's real address.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use ftp_proto::{Reply, ReplyCode};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::data::canonical_ip;
use crate::limits::Limits;
use crate::proxy;
use crate::session::Session;
use crate::storage::{LocalStorage, S3Storage, Storage, StorageError};

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot serve root directory: {0}")]
    Root(#[source] std::io::Error),
    #[error("cannot serve the S3 bucket: {0}")]
    S3(String),
}

/// Serve FTP on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    run_listeners(listener, None, config, shutdown).await
}

/// What every accepted connection needs; cloned into each connection's task.
#[derive(Clone)]
struct Acceptor {
    config: Arc<Config>,
    /// The served root, shared by the sessions that log in to it.
    root: Arc<dyn Storage>,
    limits: Arc<Limits>,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Acceptor {
    /// Hand one accepted connection to its own task, which admits or
    /// refuses it (see `connection`). Returns false when accept itself
    /// failed, so the loop can back off.
    fn accepted(
        &self,
        accepted: std::io::Result<(TcpStream, SocketAddr)>,
        implicit_tls: bool,
    ) -> bool {
        let (stream, peer) = match accepted {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                return false;
            }
        };
        let _ = stream.set_nodelay(true);
        oob_inline(&stream);
        let connection = Box::pin(self.clone().connection(stream, peer, implicit_tls));
        // One task per connection; a panic (if one ever happens) ends only
        // this session, and is logged.
        self.tracker.spawn(async move {
            if CatchUnwind(connection).await.is_err() {
                tracing::error!(%peer, "session panicked; only that session ended");
            }
        });
        true
    }

    /// One connection: its client's address (from a PROXY header when it
    /// comes from a trusted balancer), a session slot for that address, and
    /// the session, or a 421 when the slot is refused.
    async fn connection(self, mut stream: TcpStream, peer: SocketAddr, implicit_tls: bool) {
        let Some(client) = self.client_address(&mut stream, peer, implicit_tls).await else {
            return;
        };
        if self.token.is_cancelled() {
            crate::metrics::refused_shutting_down();
            if !implicit_tls {
                refuse(&mut stream, "Server shutting down").await;
            }
            return;
        }
        match self.limits.admit(canonical_ip(client.ip())) {
            Ok(guard) => {
                let open = crate::metrics::session_started();
                Box::pin(Session::run(
                    stream,
                    client,
                    self.config.clone(),
                    self.limits.clone(),
                    self.root.clone(),
                    self.token.clone(),
                    implicit_tls,
                ))
                .await;
                drop(open);
                drop(guard);
            }
            Err(refusal) => {
                crate::metrics::refused(refusal);
                tracing::warn!(peer = %client, reason = refusal.text(), "connection refused");
                if !implicit_tls {
                    refuse(&mut stream, refusal.text()).await;
                }
            }
        }
    }

    /// The address the session stands for: `peer` itself, or, when `peer`
    /// is a trusted balancer, the client its PROXY header names (the
    /// balancer's own for health checks). `None` when a trusted peer sent
    /// no usable header: the connection is closed, with 421 when plain.
    async fn client_address(
        &self,
        stream: &mut TcpStream,
        peer: SocketAddr,
        implicit_tls: bool,
    ) -> Option<SocketAddr> {
        if !proxy::trusted(&self.config.proxy_protocol, peer.ip()) {
            return Some(peer);
        }
        let header = tokio::select! {
            h = proxy::read_header(stream, self.config.proxy_header_timeout) => h,
            _ = self.token.cancelled() => return None,
        };
        match header {
            Ok(Some(client)) => Some(client),
            Ok(None) => {
                tracing::debug!(%peer, "PROXY header names no client (health check); using the balancer's address");
                Some(peer)
            }
            Err(e) => {
                tracing::warn!(%peer, error = %e, "closed a balancer's connection: no usable PROXY header");
                if !implicit_tls {
                    refuse(stream, "Bad PROXY protocol header").await;
                }
                None
            }
        }
    }
}

/// Accept on an optional listener; pending forever when there is none.
async fn accept_opt(l: &Option<TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match l {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

/// Serve FTP on `listener`, and implicit FTPS (TLS from the first byte) on
/// `implicit` when given, until `shutdown` completes.
pub async fn run_listeners(
    listener: TcpListener,
    implicit: Option<TcpListener>,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    if let Some(s3) = &config.s3 {
        let storage = S3Storage::new(s3).map_err(ServerError::S3)?;
        tracing::info!(bucket = %s3.bucket, prefix = %s3.prefix, "serving S3");
        return run_with_storage(listener, implicit, config, Arc::new(storage), shutdown).await;
    }
    // Fail early on a bad root, and remove temp files an earlier crash left.
    let storage = LocalStorage::new(&config.root)
        .map_err(ServerError::Root)?
        .with_fsync(config.fsync);
    let removed = storage.cleanup_temp_files();
    if removed > 0 {
        tracing::info!(removed, "removed leftover temporary upload files");
    }
    run_with_storage(listener, implicit, config, Arc::new(storage), shutdown).await
}

/// Check, before the server says it is listening, what can be checked of
/// the configured storage: for S3, one small listing. A missing bucket or
/// refused credentials are an error; a store that does not answer only
/// warns, since it may come back (each command then gets 451 until it does).
pub async fn preflight(config: &Config) -> Result<(), ServerError> {
    let Some(s3) = &config.s3 else {
        return Ok(());
    };
    let storage = S3Storage::new(s3).map_err(ServerError::S3)?;
    match storage.check().await {
        Ok(()) => Ok(()),
        // object_store reports a listing's 404 as a generic error.
        Err(StorageError::Unavailable(why)) if why.contains("NoSuchBucket") => {
            Err(ServerError::S3(format!("no bucket {:?}", s3.bucket)))
        }
        Err(StorageError::Unavailable(why)) => {
            tracing::warn!(bucket = %s3.bucket, %why, "object store not reachable yet");
            Ok(())
        }
        Err(e) => Err(ServerError::S3(format!("bucket {:?}: {e}", s3.bucket))),
    }
}

/// `run_listeners` on a storage backend the caller made (`config.root`
/// is not used). One handle serves every login whose home is the root: no
/// open per login; a user's home is a scoped view of it.
pub async fn run_with_storage(
    listener: TcpListener,
    implicit: Option<TcpListener>,
    config: Config,
    root: Arc<dyn Storage>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServerError> {
    let implicit = if config.tls.is_some() { implicit } else { None };
    let acceptor = Acceptor {
        limits: Limits::new(&config),
        config: Arc::new(config),
        root,
        token: CancellationToken::new(),
        tracker: TaskTracker::new(),
    };
    tokio::pin!(shutdown);
    loop {
        let ok = tokio::select! {
            accepted = listener.accept() => acceptor.accepted(accepted, false),
            accepted = accept_opt(&implicit) => acceptor.accepted(accepted, true),
            _ = &mut shutdown => break,
        };
        if !ok {
            // EMFILE and friends: back off briefly instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    drop(implicit);
    drop(listener);
    tracing::info!("shutting down");
    let Acceptor {
        config,
        token,
        tracker,
        ..
    } = acceptor;
    token.cancel();
    tracker.close();
    if tokio::time::timeout(config.shutdown_grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over; sessions left behind");
    }
    Ok(())
}

/// Turn a connection away with 421 and a reason.
async fn refuse(stream: &mut TcpStream, text: &str) {
    let reply = Reply::new(ReplyCode::NOT_AVAILABLE, text);
    let write = async {
        stream.write_all(reply.encode().as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), write).await;
}

/// Keep TCP urgent data in the normal stream. Clients send ABOR with the
/// Telnet Synch (RFC 959 §4.1.3) as urgent data; Python's ftplib even sends
/// the whole `ABOR\r\n` with MSG_OOB, and without this option the kernel
/// would take the final byte out of the stream and the line would never end.
fn oob_inline(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket fd, and a pointer to a c_int that outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_OOBINLINE,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        tracing::debug!(error = %std::io::Error::last_os_error(), "SO_OOBINLINE failed");
    }
}

/// Polls a future, turning a panic inside it into `Err(())`, so one
/// session's bug cannot take the server down.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            std::pin::Pin::new(inner).poll(cx)
        })) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}
