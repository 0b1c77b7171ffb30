//! STOR on S3. Data fills one part-sized buffer. A file that fits in it
//! is one PUT at commit; a larger one becomes a
//! multipart upload, each full part sent by its own task while the next
//! fills, with at most one part in flight, so memory per upload is about
//! two parts. The object appears only when the upload completes; abort
//! (or drop, when a session dies) aborts the multipart upload, so the
//! previous object stays as it was and no parts are left behind.

use std::sync::Arc;

use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStore, PutPayload};
use tokio::task::JoinHandle;

use super::error::bounded;
use super::Inner;
use crate::storage::{BoxFuture, StorageError, Upload};

type PartTask = JoinHandle<Result<(), StorageError>>;

/// S3 takes at most 10,000 parts. Parts start at the configured size and
/// double every `PARTS_PER_STEP` parts, up to `MAX_PART`: with 8 MiB
/// parts an upload can reach about 500 GB, while files of up to 8 GB use
/// 8 MiB parts throughout.
const PARTS_PER_STEP: usize = 1000;
const MAX_PART: usize = 64 * 1024 * 1024;

/// What CompleteMultipartUpload may take per part, beyond --s3-timeout.
const COMPLETE_PER_PART: std::time::Duration = std::time::Duration::from_millis(250);

/// The size of part number `sent` (counting from 0).
fn part_size(base: usize, sent: usize) -> usize {
    let doublings = (sent / PARTS_PER_STEP).min(16) as u32;
    base.saturating_mul(1 << doublings).min(MAX_PART.max(base))
}

pub(super) struct S3Upload {
    inner: Arc<Inner>,
    key: Path,
    buf: Vec<u8>,
    /// Started once the first part is full.
    multipart: Option<Box<dyn MultipartUpload>>,
    in_flight: Option<PartTask>,
    /// Parts sent so far.
    sent: usize,
}

impl S3Upload {
    pub(super) fn new(inner: Arc<Inner>, key: Path) -> S3Upload {
        S3Upload {
            inner,
            key,
            buf: Vec::new(),
            multipart: None,
            in_flight: None,
            sent: 0,
        }
    }

    /// Wait for the part in flight, if any.
    async fn settle(&mut self) -> Result<(), StorageError> {
        match self.in_flight.take() {
            Some(task) => task.await.map_err(StorageError::join)?,
            None => Ok(()),
        }
    }

    /// Send the buffer as the next part (starting the multipart upload
    /// with the first), once the previous part is in.
    async fn send_part(&mut self) -> Result<(), StorageError> {
        self.settle().await?;
        let limit = self.inner.timeout;
        let upload = match &mut self.multipart {
            Some(upload) => upload,
            None => {
                // Through the client without a whole-request timeout: the
                // complete below may rightly take longer than --s3-timeout.
                let created = bounded(
                    limit,
                    "create multipart upload",
                    self.inner.data.put_multipart(&self.key),
                )
                .await?;
                self.multipart.insert(created)
            }
        };
        let data = std::mem::take(&mut self.buf);
        let part = upload.put_part(PutPayload::from(data));
        self.sent += 1;
        self.in_flight = Some(tokio::spawn(bounded(limit, "upload part", part)));
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), StorageError> {
        let limit = self.inner.timeout;
        if self.multipart.is_none() {
            let data = PutPayload::from(std::mem::take(&mut self.buf));
            bounded(limit, "put", self.inner.store.put(&self.key, data)).await?;
            return Ok(());
        }
        if !self.buf.is_empty() {
            self.send_part().await?;
        }
        self.settle().await?;
        if let Some(upload) = self.multipart.as_mut() {
            // The store answers only once it has assembled the object,
            // which takes time in proportion to its size (moto: 9-14 s for
            // 1 GiB), so this one request gets more than --s3-timeout.
            let assemble = limit + COMPLETE_PER_PART * u32::try_from(self.sent).unwrap_or(u32::MAX);
            bounded(assemble, "complete multipart upload", upload.complete()).await?;
        }
        self.multipart = None;
        Ok(())
    }

    async fn abort_multipart(&mut self) {
        if let Some(task) = self.in_flight.take() {
            task.abort();
        }
        if let Some(mut upload) = self.multipart.take() {
            if let Err(e) = bounded(self.inner.timeout, "abort", upload.abort()).await {
                tracing::warn!(key = %self.key, error = ?e, "could not abort a multipart upload");
            }
        }
    }
}

impl Upload for S3Upload {
    fn write<'a>(&'a mut self, mut data: &'a [u8]) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async move {
            while !data.is_empty() {
                // A full buffer is sent only once more data comes, so a
                // file of exactly one part is still one PUT.
                if self.buf.len() >= part_size(self.inner.part_size, self.sent) {
                    self.send_part().await?;
                }
                let size = part_size(self.inner.part_size, self.sent);
                if self.buf.capacity() < size {
                    self.buf.reserve_exact(size - self.buf.len());
                }
                let n = size.saturating_sub(self.buf.len()).min(data.len());
                self.buf.extend_from_slice(&data[..n]);
                data = &data[n..];
            }
            Ok(())
        })
    }

    fn commit(mut self: Box<Self>) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(async move {
            let result = self.finish().await;
            if result.is_err() {
                self.abort_multipart().await;
            }
            result
        })
    }

    fn abort(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move { self.abort_multipart().await })
    }
}

impl Drop for S3Upload {
    /// A session that died mid-upload: abort the multipart upload in the
    /// background, so its parts do not linger in the bucket.
    fn drop(&mut self) {
        if let Some(task) = self.in_flight.take() {
            task.abort();
        }
        if let Some(mut upload) = self.multipart.take() {
            let limit = self.inner.timeout;
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move {
                    let _ = tokio::time::timeout(limit, upload.abort()).await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_grow_so_ten_thousand_reach_far_and_stay_bounded() {
        let base = 8 << 20;
        assert_eq!(part_size(base, 0), base);
        assert_eq!(part_size(base, 999), base);
        assert_eq!(part_size(base, 1000), 2 * base);
        assert_eq!(part_size(base, 2000), 4 * base);
        assert_eq!(part_size(base, 9999), MAX_PART);
        let total: u64 = (0..10_000).map(|n| part_size(base, n) as u64).sum();
        assert!(total > 500_000_000_000, "{total}");
        // A base above the cap is kept as it is.
        assert_eq!(part_size(128 << 20, 5000), 128 << 20);
    }
}
