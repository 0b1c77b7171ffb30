//! Transfers run in a child task with a cancellation token (ABOR) and a
//! shared byte counter (STAT). Each ends in exactly one reply, returned to the
//! session loop which writes it: 226 on success, 425 when the data connection
//! cannot be made, 426 when it breaks or is aborted, 451/452 on local errors.
//! An upload is committed to storage only when its data ended cleanly
//! (see `settle.rs`), and aborted otherwise.
//!
//! The pieces: `copy` (the copying paths), `zerocopy` (sendfile/splice when
//! the storage offers them), `settle` (judging an upload's end), `ascii`
//! (TYPE A conversion).

use std::net::IpAddr;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_proto::{Reply, ReplyCode};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

mod ascii;
mod copy;
mod pace;
mod settle;
mod zerocopy;

use crate::config::Config;
use crate::data::DataChannel;
use crate::metrics::TransferResult;
use crate::proxy::Cidr;
use crate::storage::{ReadStream, StorageError, Upload};
use crate::stream::MaybeTls;
use copy::Copy;

/// What the data connection carries.
pub enum Job {
    /// RETR: the storage's stream, already at the REST offset.
    Send { source: Box<dyn ReadStream> },
    /// STOR / APPE / STOU: committed on success, aborted otherwise.
    Receive { upload: Box<dyn Upload> },
    /// LIST / NLST / MLSD: text produced by a blocking producer, streamed in chunks.
    /// An error, sent last, fails the transfer.
    Listing {
        chunks: mpsc::Receiver<Result<Vec<u8>, ListingError>>,
    },
}

/// Why a listing ended before the whole listing was sent: the transfer
/// then fails, instead of passing a partial listing off as complete.
#[derive(Debug)]
pub enum ListingError {
    /// The storage failed part way (451).
    Storage(StorageError),
    /// A glob examined this many entries, `Config::max_glob_entries`,
    /// and more were left (451).
    GlobLimit(u64),
}

/// A transfer ready to start: the 150 reply to send first, and the job.
pub struct Transfer {
    pub preliminary: Reply,
    pub data: DataChannel,
    pub job: Job,
    pub ascii: bool,
    pub peer_ip: IpAddr,
    /// Trusted balancers (`Config::proxy_protocol`): a passive data
    /// connection may also come from them.
    pub balancers: Vec<Cidr>,
    pub local_ip: IpAddr,
    pub user: String,
    /// An anonymous login (the xferlog's access mode).
    pub anonymous: bool,
    /// The bandwidth cap for this transfer's direction, bytes per second.
    pub rate: Option<u64>,
    /// e.g. "RETR /a/b.txt", for STAT and the log.
    pub description: String,
    /// The control connection's socket, to see whether the client is still
    /// there when an upload ends (see `settle.rs`). Filled in by the
    /// session, which keeps the socket open until the transfer is over.
    pub control_fd: Option<RawFd>,
    /// PROT P: run TLS on the data connection.
    pub tls: Option<DataTls>,
}

/// TLS for one data connection (RFC 4217 §9).
pub struct DataTls {
    pub config: Arc<rustls::ServerConfig>,
    /// Refuse a data connection that does not resume the control session.
    pub require_reuse: bool,
}

/// Run the server TLS handshake on a data connection; with `require_reuse`,
/// only a resumed session (necessarily this control session's: the cache is
/// per session) is accepted.
async fn secure(conn: TcpStream, tls: &DataTls, timeout: Duration) -> Result<MaybeTls, String> {
    let mut stream = MaybeTls::Plain(conn);
    stream
        .upgrade(tls.config.clone(), timeout)
        .await
        .map_err(|e| format!("TLS handshake failed: {e}"))?;
    if tls.require_reuse {
        let resumed = match &stream {
            MaybeTls::Tls(t) => {
                t.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
            }
            _ => false,
        };
        if !resumed {
            return Err("TLS session reuse required".to_string());
        }
    }
    Ok(stream)
}

/// A transfer task and the handles the session keeps on it.
pub struct RunningTransfer {
    pub handle: JoinHandle<Reply>,
    pub cancel: CancellationToken,
    pub progress: Arc<AtomicU64>,
    pub description: String,
}

impl RunningTransfer {
    pub fn spawn(t: Transfer, config: &Config) -> RunningTransfer {
        let cancel = CancellationToken::new();
        let progress = Arc::new(AtomicU64::new(0));
        let description = t.description.clone();
        let timeout = config.data_timeout;
        let xferlog = config.xferlog.clone();
        let (c, p) = (cancel.clone(), progress.clone());
        let handle = tokio::spawn(async move {
            let started = Instant::now();
            let note = Note::of(&t);
            let reply = run(t, c.clone(), p.clone(), timeout).await;
            note.finished(
                xferlog.as_ref(),
                &reply,
                c.is_cancelled(),
                p.load(Ordering::Relaxed),
                started.elapsed(),
            );
            reply
        });
        RunningTransfer {
            handle,
            cancel,
            progress,
            description,
        }
    }

    /// Work without a data connection that still runs in the background,
    /// so ABOR, STAT and NOOP are answered meanwhile (HASH). `work` gets
    /// the cancellation token and the progress counter, and produces the
    /// command's one reply.
    pub fn background<F, Fut>(description: String, work: F) -> RunningTransfer
    where
        F: FnOnce(CancellationToken, Arc<AtomicU64>) -> Fut,
        Fut: std::future::Future<Output = Reply> + Send + 'static,
    {
        let cancel = CancellationToken::new();
        let progress = Arc::new(AtomicU64::new(0));
        let handle = tokio::spawn(work(cancel.clone(), progress.clone()));
        RunningTransfer {
            handle,
            cancel,
            progress,
            description,
        }
    }
}

/// What the metrics and the xferlog need to know of a transfer once it
/// has ended.
struct Note {
    /// The command, e.g. `RETR` (the description is "VERB /path").
    verb: String,
    path: String,
    peer: IpAddr,
    ascii: bool,
    /// RETR or a listing (bytes sent), else an upload.
    outgoing: bool,
    /// A listing: counted in the metrics, no xferlog line.
    listing: bool,
    anonymous: bool,
    user: String,
}

impl Note {
    fn of(t: &Transfer) -> Note {
        let (verb, path) = t
            .description
            .split_once(' ')
            .unwrap_or((&t.description, ""));
        Note {
            verb: verb.to_string(),
            path: path.to_string(),
            peer: t.peer_ip,
            ascii: t.ascii,
            outgoing: !matches!(t.job, Job::Receive { .. }),
            listing: matches!(t.job, Job::Listing { .. }),
            anonymous: t.anonymous,
            user: t.user.clone(),
        }
    }

    /// Count the ended transfer, and log a file transfer's xferlog line.
    fn finished(
        &self,
        xferlog: Option<&crate::xferlog::XferLog>,
        reply: &Reply,
        cancelled: bool,
        bytes: u64,
        elapsed: Duration,
    ) {
        let complete = reply.code == ReplyCode::CLOSING_DATA;
        let result = match (complete, cancelled) {
            (true, _) => TransferResult::Ok,
            (false, true) => TransferResult::Aborted,
            (false, false) => TransferResult::Failed,
        };
        crate::metrics::transfer(&self.verb, result, bytes, self.outgoing);
        if let (Some(log), false) = (xferlog, self.listing) {
            log.record(&crate::xferlog::Entry {
                elapsed,
                peer: self.peer,
                bytes,
                path: &self.path,
                ascii: self.ascii,
                outgoing: self.outgoing,
                anonymous: self.anonymous,
                user: &self.user,
                complete,
            });
        }
    }
}

/// Why a copy stopped early.
pub(crate) enum Fail {
    Aborted,
    Stalled,
    Network(std::io::Error),
    Local(StorageError),
    /// A glob listing stopped at its entry limit.
    GlobLimit(u64),
}

async fn run(
    t: Transfer,
    cancel: CancellationToken,
    progress: Arc<AtomicU64>,
    timeout: Duration,
) -> Reply {
    let started = Instant::now();
    let conn = tokio::select! {
        c = crate::data::open(t.data, t.peer_ip, &t.balancers, t.local_ip, timeout) => c,
        _ = cancel.cancelled() => {
            discard(t.job).await;
            return Reply::new(ReplyCode::TRANSFER_ABORTED, "Transfer aborted");
        }
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, what = %t.description, "data connection failed");
            discard(t.job).await;
            return Reply::new(ReplyCode::CANT_OPEN_DATA, "Can't open data connection");
        }
    };
    let mut conn = match &t.tls {
        None => MaybeTls::Plain(conn),
        Some(tls) => match secure(conn, tls, timeout).await {
            Ok(c) => c,
            Err(why) => {
                tracing::info!(what = %t.description, %why, "data connection refused");
                discard(t.job).await;
                // 522: the data connection's TLS negotiation failed (RFC 4217 §10).
                return Reply::new(ReplyCode(522), format!("Data connection: {why}"));
            }
        },
    };
    let copy = Copy {
        cancel: &cancel,
        control_fd: t.control_fd,
        progress: &progress,
        timeout,
        ascii: t.ascii,
        pace: t.rate.map(pace::Pace::new),
    };
    let result = match t.job {
        Job::Send { mut source } => copy.send(source.as_mut(), &mut conn).await,
        Job::Listing { chunks } => copy.listing(chunks, &mut conn).await,
        Job::Receive { mut upload } => match copy.receive(upload.as_mut(), &mut conn).await {
            Ok(()) => upload.commit().await.map_err(Fail::Local),
            Err(fail) => {
                upload.abort().await;
                Err(fail)
            }
        },
    };
    let _ = conn.shutdown().await;
    log_outcome(&t.user, &t.description, &result, &progress, started);
    reply_for(result)
}

fn log_outcome(
    user: &str,
    what: &str,
    result: &Result<(), Fail>,
    progress: &AtomicU64,
    started: Instant,
) {
    let bytes = progress.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    let rate = if secs > 0.0 { bytes as f64 / secs } else { 0.0 };
    let outcome = match result {
        Ok(()) => "ok".to_string(),
        Err(Fail::Aborted) => "aborted".to_string(),
        Err(Fail::Stalled) => "stalled".to_string(),
        Err(Fail::Network(e)) => format!("network error: {e}"),
        Err(Fail::Local(e)) => format!("local error: {e:?}"),
        Err(Fail::GlobLimit(n)) => format!("glob stopped after {n} entries"),
    };
    tracing::info!(
        user,
        what,
        bytes,
        secs,
        rate_bytes_per_sec = rate as u64,
        outcome,
        "transfer"
    );
}

/// The one reply a transfer ends with.
fn reply_for(result: Result<(), Fail>) -> Reply {
    match result {
        Ok(()) => Reply::new(ReplyCode::CLOSING_DATA, "Transfer complete"),
        Err(Fail::Aborted) => Reply::new(ReplyCode::TRANSFER_ABORTED, "Transfer aborted"),
        Err(Fail::Stalled) => Reply::new(
            ReplyCode::TRANSFER_ABORTED,
            "Data connection stalled, transfer aborted",
        ),
        Err(Fail::Network(_)) => Reply::new(
            ReplyCode::TRANSFER_ABORTED,
            "Data connection closed, transfer aborted",
        ),
        Err(Fail::Local(StorageError::NoSpace)) => Reply::new(
            ReplyCode::INSUFFICIENT_STORAGE,
            "Insufficient storage space",
        ),
        Err(Fail::Local(_)) => Reply::new(ReplyCode::LOCAL_ERROR, "Local error in processing"),
        Err(Fail::GlobLimit(n)) => Reply::new(
            ReplyCode::LOCAL_ERROR,
            format!("Listing incomplete: the pattern examined {n} entries, the limit; narrow it"),
        ),
    }
}

/// Throw away an upload that never started.
async fn discard(job: Job) {
    if let Job::Receive { upload } = job {
        upload.abort().await;
    }
}
