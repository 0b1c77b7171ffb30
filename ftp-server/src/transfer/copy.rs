//! The copying paths of a transfer: every network read and write bounded by
//! the data timeout and cancellable (ABOR), bytes counted for STAT. Used for
//! ASCII mode, TLS, listings, and any storage without a zero-copy path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::ascii::{from_crlf, to_crlf};
use super::pace::Pace;
use super::settle::{peer_closed, precise_sleep, UPLOAD_SETTLE};
use super::{Fail, ListingError};
use crate::storage::{ReadStream, Upload};
use crate::stream::MaybeTls;

/// Buffer size for copying file data.
const BUF: usize = 256 * 1024;

/// One transfer's limits and shared state.
pub(super) struct Copy<'a> {
    pub(super) cancel: &'a CancellationToken,
    /// The control socket, watched by `settle` (see `settle.rs`).
    pub(super) control_fd: Option<std::os::fd::RawFd>,
    pub(super) progress: &'a AtomicU64,
    pub(super) timeout: Duration,
    pub(super) ascii: bool,
    /// The bandwidth cap, if any.
    pub(super) pace: Option<Pace>,
}

impl Copy<'_> {
    /// Under a cap: wait until what has moved is due, and the size of the
    /// next step (at most `max`). Without one: `max` at once.
    pub(super) async fn paced(&self, max: usize) -> Result<usize, Fail> {
        match &self.pace {
            None => Ok(max),
            Some(pace) => {
                pace.wait(self.progress.load(Ordering::Relaxed), self.cancel)
                    .await?;
                Ok(pace.step(max))
            }
        }
    }

    /// One bounded, cancellable network read.
    pub(super) async fn read_net<R: AsyncRead + Unpin>(
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

    /// At the upload's data EOF: did the client finish, or die? See
    /// `settle.rs` for the heuristic and its limits.
    pub(super) async fn settle(&self) -> Result<(), Fail> {
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

    /// RETR: zero-copy when the storage offers it on a plain binary
    /// connection, else by copying.
    pub(super) async fn send(
        &self,
        source: &mut dyn ReadStream,
        conn: &mut MaybeTls,
    ) -> Result<(), Fail> {
        if let (MaybeTls::Plain(tcp), false) = (&*conn, self.ascii) {
            if let Some(zero) = source.zero_copy() {
                return self.sendfile(zero, tcp).await;
            }
        }
        self.copy_out(source, conn).await
    }

    /// RETR by copying: read the storage stream, write the connection.
    async fn copy_out<W: AsyncWrite + Unpin>(
        &self,
        source: &mut dyn ReadStream,
        conn: &mut W,
    ) -> Result<(), Fail> {
        let mut buf = vec![0u8; BUF];
        let mut out = Vec::new();
        loop {
            let step = self.paced(BUF).await?;
            let n = source
                .read(&mut buf[..step])
                .await
                .map_err(|e| Fail::Local(e.into()))?;
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

    /// LIST / NLST / MLSD: write the chunks the producer makes.
    pub(super) async fn listing<W: AsyncWrite + Unpin>(
        &self,
        mut chunks: mpsc::Receiver<Result<Vec<u8>, ListingError>>,
        conn: &mut W,
    ) -> Result<(), Fail> {
        while let Some(chunk) = chunks.recv().await {
            let chunk = chunk.map_err(|e| match e {
                ListingError::Storage(e) => Fail::Local(e),
                ListingError::GlobLimit(n) => Fail::GlobLimit(n),
            })?;
            self.paced(chunk.len()).await?;
            self.write_net(conn, &chunk).await?;
            self.progress
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }

    /// STOR / APPE / STOU: move the data into the upload, zero-copy when
    /// the storage offers it on a plain binary connection. Ends at data
    /// EOF, after the settle.
    pub(super) async fn receive(
        &self,
        upload: &mut dyn Upload,
        conn: &mut MaybeTls,
    ) -> Result<(), Fail> {
        if let (MaybeTls::Plain(tcp), false) = (&*conn, self.ascii) {
            if let Some(sink) = upload.zero_copy() {
                return self.splice_in(tcp, sink).await;
            }
        }
        self.copy_in(conn, upload).await
    }

    /// The copying upload path (ASCII conversion, TLS).
    async fn copy_in<R: AsyncRead + Unpin>(
        &self,
        conn: &mut R,
        upload: &mut dyn Upload,
    ) -> Result<(), Fail> {
        let mut buf = vec![0u8; BUF];
        let mut out = Vec::new();
        let mut pending_cr = false;
        loop {
            let step = self.paced(BUF).await?;
            let n = self.read_net(conn, &mut buf[..step]).await?;
            if n == 0 {
                self.settle().await?;
                if pending_cr {
                    upload.write(b"\r").await.map_err(Fail::Local)?;
                }
                return Ok(());
            }
            let data = if self.ascii {
                pending_cr = from_crlf(&buf[..n], pending_cr, &mut out);
                &out[..]
            } else {
                &buf[..n]
            };
            upload.write(data).await.map_err(Fail::Local)?;
            self.progress.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}
