//! Transfers run in a child task with a cancellation token (ABOR) and a
//! shared byte counter (STAT). Each ends in exactly one reply, returned to the
//! session loop which writes it: 226 on success, 425 when the data connection
//! cannot be made, 426 when it breaks or is aborted, 451/452 on local errors.
//! Uploads to a temporary file are renamed over the target only on success.

use std::io::SeekFrom;
use std::net::IpAddr;
use std::os::fd::RawFd;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_proto::{Reply, ReplyCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

mod zerocopy;

use crate::config::Config;
use crate::session::DataChannel;
use crate::storage::{Storage, StorageError, Upload, VirtualPath};
use crate::stream::MaybeTls;

/// Buffer size for copying file data.
const BUF: usize = 256 * 1024;

/// How long an upload waits after its data EOF for a control-connection
/// close that would mean the client died (see `Copy::settle`).
const UPLOAD_SETTLE: Duration = Duration::from_micros(300);

/// Where an upload's bytes go.
pub enum Sink {
    /// STOR: a temp file renamed over the target on success.
    Atomic(Upload),
    /// APPE, REST+STOR, STOU: write in place from `offset`; with
    /// `truncate`, the file ends where the upload ends.
    InPlace {
        file: std::fs::File,
        path: VirtualPath,
        offset: u64,
        truncate: bool,
    },
}

/// What the data connection carries.
pub enum Job {
    /// RETR from `offset`.
    Send {
        file: std::fs::File,
        offset: u64,
        path: VirtualPath,
    },
    /// STOR / APPE / STOU.
    Receive { sink: Sink },
    /// LIST / NLST / MLSD: text produced by a blocking producer, streamed in chunks.
    Listing { chunks: mpsc::Receiver<Vec<u8>> },
}

/// A transfer ready to start: the 150 reply to send first, and the job.
pub struct Transfer {
    pub preliminary: Reply,
    pub data: DataChannel,
    pub job: Job,
    pub ascii: bool,
    pub peer_ip: IpAddr,
    pub local_ip: IpAddr,
    pub storage: Arc<dyn Storage>,
    pub user: String,
    /// e.g. "RETR /a/b.txt", for STAT and the log.
    pub description: String,
    /// The control connection's socket, to see whether the client is still
    /// there when an upload ends (see `Copy::settle`). Filled in by the
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
        let fsync = config.fsync;
        let handle = tokio::spawn(run(t, cancel.clone(), progress.clone(), timeout, fsync));
        RunningTransfer {
            handle,
            cancel,
            progress,
            description,
        }
    }
}

/// Why a copy stopped early.
enum Fail {
    Aborted,
    Stalled,
    Network(std::io::Error),
    Local(std::io::Error),
}

async fn run(
    t: Transfer,
    cancel: CancellationToken,
    progress: Arc<AtomicU64>,
    timeout: Duration,
    fsync: bool,
) -> Reply {
    let started = Instant::now();
    let conn = tokio::select! {
        c = crate::data::open(t.data, t.peer_ip, t.local_ip, timeout) => c,
        _ = cancel.cancelled() => {
            discard(t.job, &t.storage).await;
            return Reply::new(ReplyCode::TRANSFER_ABORTED, "Transfer aborted");
        }
    };
    let conn = match conn {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(error = %e, what = %t.description, "data connection failed");
            discard(t.job, &t.storage).await;
            return Reply::new(ReplyCode::CANT_OPEN_DATA, "Can't open data connection");
        }
    };
    let mut conn = match &t.tls {
        None => MaybeTls::Plain(conn),
        Some(tls) => match secure(conn, tls, timeout).await {
            Ok(c) => c,
            Err(why) => {
                tracing::info!(what = %t.description, %why, "data connection refused");
                discard(t.job, &t.storage).await;
                // 522: the data connection's TLS negotiation failed (RFC 4217 §10).
                return Reply::new(ReplyCode(522), format!("Data connection: {why}"));
            }
        },
    };
    let copy = Copy {
        cancel: &cancel,
        control_fd: t.control_fd,
        fsync,
        progress: &progress,
        timeout,
        ascii: t.ascii,
    };
    let result = match t.job {
        Job::Send { file, offset, .. } => match &conn {
            MaybeTls::Plain(tcp) if !t.ascii => copy.sendfile(&file, offset, tcp).await,
            _ => copy.send(file, offset, &mut conn).await,
        },
        Job::Listing { chunks } => copy.listing(chunks, &mut conn).await,
        Job::Receive { sink } => copy.receive(sink, &mut conn, &t.storage).await,
    };
    let _ = conn.shutdown().await;
    let bytes = progress.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    let rate = if secs > 0.0 { bytes as f64 / secs } else { 0.0 };
    let outcome = match &result {
        Ok(()) => "ok".to_string(),
        Err(Fail::Aborted) => "aborted".to_string(),
        Err(Fail::Stalled) => "stalled".to_string(),
        Err(Fail::Network(e)) => format!("network error: {e}"),
        Err(Fail::Local(e)) => format!("local error: {e}"),
    };
    tracing::info!(user = %t.user, what = %t.description, bytes, secs, rate_bytes_per_sec = rate as u64, outcome, "transfer");
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
        Err(Fail::Local(e)) => match StorageError::from(e) {
            StorageError::NoSpace => Reply::new(
                ReplyCode::INSUFFICIENT_STORAGE,
                "Insufficient storage space",
            ),
            _ => Reply::new(ReplyCode::LOCAL_ERROR, "Local error in processing"),
        },
    }
}

/// Throw away an upload that never started.
async fn discard(job: Job, storage: &Arc<dyn Storage>) {
    if let Job::Receive {
        sink: Sink::Atomic(upload),
    } = job
    {
        let storage = storage.clone();
        let _ = tokio::task::spawn_blocking(move || storage.discard_upload(upload)).await;
    }
}

struct Copy<'a> {
    cancel: &'a CancellationToken,
    control_fd: Option<RawFd>,
    /// Make finished uploads durable before answering (`--fsync`).
    fsync: bool,
    progress: &'a AtomicU64,
    timeout: Duration,
    ascii: bool,
}

impl Copy<'_> {
    /// One bounded, cancellable network read.
    async fn read_net<R: AsyncRead + Unpin>(
        &self,
        r: &mut R,
        buf: &mut [u8],
    ) -> Result<usize, Fail> {
        tokio::select! {
            res = tokio::time::timeout(self.timeout, r.read(buf)) => match res {
                Err(_) => Err(Fail::Stalled),
                Ok(Ok(n)) => Ok(n),
                // TLS without close_notify: many clients just close. The
                // end is judged as for plain TCP (see `settle`).
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
                Ok(Err(e)) => Err(Fail::Network(e)),
            },
            _ = self.cancel.cancelled() => Err(Fail::Aborted),
        }
    }

    /// End of upload data: in stream mode EOF is the only end marker, and a
    /// client killed mid-upload also closes its data connection. Its control
    /// connection closes within microseconds of it (the kernel closes a dead
    /// process's sockets one after another): if, after `UPLOAD_SETTLE`, the
    /// control socket shows the peer's close or the session has cancelled
    /// us, the upload is treated as interrupted, so half a file never
    /// replaces the target. The wait is a timerfd (microsecond precision,
    /// no CPU spent): tokio's timers round up to a millisecond, which would
    /// cost every small upload that much, and polling in a loop burnt the
    /// CPU that parallel small uploads need.
    async fn settle(&self) -> Result<(), Fail> {
        let gone = || self.cancel.is_cancelled() || self.control_fd.is_some_and(peer_closed);
        if gone() {
            return Err(Fail::Aborted);
        }
        tokio::select! {
            () = precise_sleep(UPLOAD_SETTLE) => {}
            () = self.cancel.cancelled() => return Err(Fail::Aborted),
        }
        if gone() {
            return Err(Fail::Aborted);
        }
        Ok(())
    }

    /// One bounded, cancellable network write.
    async fn write_net<W: AsyncWrite + Unpin>(&self, w: &mut W, data: &[u8]) -> Result<(), Fail> {
        tokio::select! {
            res = tokio::time::timeout(self.timeout, w.write_all(data)) => match res {
                Err(_) => Err(Fail::Stalled),
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(Fail::Network(e)),
            },
            _ = self.cancel.cancelled() => Err(Fail::Aborted),
        }
    }

    async fn send<W: AsyncWrite + Unpin>(
        &self,
        file: std::fs::File,
        offset: u64,
        conn: &mut W,
    ) -> Result<(), Fail> {
        let mut file = tokio::fs::File::from_std(file);
        if offset > 0 {
            file.seek(SeekFrom::Start(offset))
                .await
                .map_err(Fail::Local)?;
        }
        let mut buf = vec![0u8; BUF];
        let mut out = Vec::new();
        loop {
            let n = file.read(&mut buf).await.map_err(Fail::Local)?;
            if n == 0 {
                return Ok(());
            }
            let data = if self.ascii {
                to_crlf(&buf[..n], &mut out);
                &out[..]
            } else {
                &buf[..n]
            };
            self.write_net(conn, data).await?;
            self.progress.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    async fn listing<W: AsyncWrite + Unpin>(
        &self,
        mut chunks: mpsc::Receiver<Vec<u8>>,
        conn: &mut W,
    ) -> Result<(), Fail> {
        while let Some(chunk) = chunks.recv().await {
            self.write_net(conn, &chunk).await?;
            self.progress
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn receive(
        &self,
        sink: Sink,
        conn: &mut MaybeTls,
        storage: &Arc<dyn Storage>,
    ) -> Result<(), Fail> {
        let (file, offset) = match &sink {
            Sink::Atomic(u) => (&u.file, 0),
            Sink::InPlace { file, offset, .. } => (file, *offset),
        };
        let copied = match conn {
            MaybeTls::Plain(tcp) if !self.ascii && std::env::var_os("NOSPLICE").is_none() => {
                self.splice_in(tcp, file, offset).await
            }
            _ => self.copy_in(conn, file, offset).await,
        };
        let storage = storage.clone();
        let fsync = self.fsync;
        tokio::task::spawn_blocking(move || finish_upload(sink, copied, storage.as_ref(), fsync))
            .await
            .unwrap_or_else(|e| Err(Fail::Local(std::io::Error::other(e))))
    }

    /// The copying upload path (ASCII conversion, TLS).
    async fn copy_in<R: AsyncRead + Unpin>(
        &self,
        conn: &mut R,
        file: &std::fs::File,
        offset: u64,
    ) -> Result<u64, Fail> {
        // Positional writes straight from the worker: a write into the page
        // cache is short, and going through tokio::fs would copy every
        // chunk once more and hop to the blocking pool for each one.
        let mut buf = vec![0u8; BUF];
        let mut out = Vec::new();
        let mut pending_cr = false;
        let mut pos = offset;
        loop {
            let n = self.read_net(conn, &mut buf).await?;
            if n == 0 {
                self.settle().await?;
                if pending_cr {
                    file.write_all_at(b"\r", pos).map_err(Fail::Local)?;
                    pos += 1;
                }
                break;
            }
            let data = if self.ascii {
                pending_cr = from_crlf(&buf[..n], pending_cr, &mut out);
                &out[..]
            } else {
                &buf[..n]
            };
            file.write_all_at(data, pos).map_err(Fail::Local)?;
            pos += data.len() as u64;
            self.progress.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(pos - offset)
    }
}

/// Persist or discard an upload once its bytes stopped coming. With
/// `fsync`, the data and then the directory entry are made durable before
/// the 226 goes out.
fn finish_upload(
    sink: Sink,
    copied: Result<u64, Fail>,
    storage: &dyn Storage,
    fsync: bool,
) -> Result<(), Fail> {
    match (sink, copied) {
        (Sink::Atomic(upload), Ok(_)) => {
            let dir = upload.target.parent().unwrap_or_else(VirtualPath::root);
            if fsync {
                if let Err(e) = upload.file.sync_all() {
                    storage.discard_upload(upload);
                    return Err(Fail::Local(e));
                }
            }
            storage
                .persist_upload(upload)
                .map_err(|e| Fail::Local(storage_io(e)))?;
            if fsync {
                storage
                    .sync_dir(&dir)
                    .map_err(|e| Fail::Local(storage_io(e)))?;
            }
            Ok(())
        }
        (Sink::Atomic(upload), Err(f)) => {
            storage.discard_upload(upload);
            Err(f)
        }
        (
            Sink::InPlace {
                file,
                truncate,
                offset,
                path,
            },
            copied,
        ) => {
            if let (true, Ok(n)) = (truncate, &copied) {
                if let Err(e) = file.set_len(offset + n) {
                    tracing::warn!(%path, error = %e, "truncate after upload failed");
                }
            }
            if fsync && copied.is_ok() {
                file.sync_all().map_err(Fail::Local)?;
                let dir = path.parent().unwrap_or_else(VirtualPath::root);
                storage
                    .sync_dir(&dir)
                    .map_err(|e| Fail::Local(storage_io(e)))?;
            }
            copied.map(|_| ())
        }
    }
}

fn storage_io(e: StorageError) -> std::io::Error {
    match e {
        StorageError::Io(e) => e,
        StorageError::NoSpace => std::io::Error::from(std::io::ErrorKind::StorageFull),
        other => std::io::Error::other(other.to_string()),
    }
}

/// Sleep for `d` with microsecond precision on a non-blocking timerfd
/// registered with the runtime; falls back to tokio's (millisecond) timer
/// if a timerfd cannot be had.
async fn precise_sleep(d: Duration) {
    match TimerFd::new(d) {
        Ok(t) => t.wait().await,
        Err(_) => tokio::time::sleep(d).await,
    }
}

/// A one-shot CLOCK_MONOTONIC timerfd.
struct TimerFd(tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>);

impl TimerFd {
    fn new(d: Duration) -> std::io::Result<TimerFd> {
        use std::os::fd::FromRawFd;
        // SAFETY: plain syscall; the result is checked before use.
        let fd = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let owned = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: d.as_secs() as libc::time_t,
                // At least 1 ns: an all-zero value would disarm the timer.
                tv_nsec: (d.subsec_nanos() as libc::c_long).max(1),
            },
        };
        // SAFETY: `owned` is a valid timerfd and `spec` outlives the call.
        let rc = unsafe { libc::timerfd_settime(fd, 0, &spec, std::ptr::null_mut()) };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: an OwnedFd keeps its descriptor open and unchanged for as
        // long as the AsyncFd that owns it lives.
        let fd = unsafe {
            tokio::io::unix::AsyncFd::register_with_interest(owned, tokio::io::Interest::READABLE)
        }
        .map_err(std::io::Error::from)?;
        Ok(TimerFd(fd))
    }

    /// Wait until the timer has expired.
    async fn wait(&self) {
        loop {
            let Ok(mut guard) = self.0.readable().await else {
                return;
            };
            let mut expirations = 0u64;
            // SAFETY: reads 8 bytes into a live u64 from a valid timerfd.
            let n = unsafe {
                libc::read(
                    std::os::fd::AsRawFd::as_raw_fd(self.0.get_ref()),
                    (&mut expirations as *mut u64).cast(),
                    8,
                )
            };
            if n == 8 {
                return;
            }
            if std::io::Error::last_os_error().kind() != std::io::ErrorKind::WouldBlock {
                return;
            }
            guard.clear_ready();
        }
    }
}

/// True if the peer has closed (or reset) the socket `fd`: poll without
/// waiting for POLLRDHUP/POLLHUP/POLLERR.
fn peer_closed(fd: RawFd) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLRDHUP,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid pollfd for the duration of the call, and the
    // session keeps `fd` open until this transfer has finished.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n > 0 && pfd.revents & (libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR) != 0
}

/// ASCII on the wire (RFC 959 §3.1.1.1): every LF becomes CRLF.
fn to_crlf(data: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for &b in data {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
}

/// ASCII from the wire: CRLF becomes LF. A CR at the end of a chunk is held
/// back (returned true) until the next chunk shows whether LF follows.
fn from_crlf(data: &[u8], mut pending_cr: bool, out: &mut Vec<u8>) -> bool {
    out.clear();
    for &b in data {
        if pending_cr {
            pending_cr = false;
            if b != b'\n' {
                out.push(b'\r');
            }
        }
        if b == b'\r' {
            pending_cr = true;
        } else {
            out.push(b);
        }
    }
    pending_cr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_becomes_crlf() {
        let mut out = Vec::new();
        to_crlf(b"a\nb\n", &mut out);
        assert_eq!(out, b"a\r\nb\r\n");
    }

    #[test]
    fn crlf_becomes_lf_across_chunks() {
        let mut out = Vec::new();
        let p = from_crlf(b"a\r", false, &mut out);
        assert!(p);
        assert_eq!(out, b"a");
        let p = from_crlf(b"\nb\rc", p, &mut out);
        assert!(!p);
        assert_eq!(out, b"\nb\rc");
    }
}
