//! RETR on S3: one streamed GET, ranged from the REST offset (never a GET
//! from byte 0 first). The wait for the response headers and every stall
//! of the body are bounded by the timeout; the body itself may take as
//! long as the transfer does.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::Stream;
use object_store::{GetOptions, GetRange, ObjectStore};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::error::bounded;
use super::keys::Keys;
use super::{ops, Inner};
use crate::storage::{ReadStream, StorageError, VirtualPath};

pub(super) async fn open(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
    offset: u64,
) -> Result<Box<dyn ReadStream>, StorageError> {
    let key = keys.file(path)?;
    let opts = GetOptions {
        range: (offset > 0).then_some(GetRange::Offset(offset)),
        ..Default::default()
    };
    match bounded(inner.timeout, "get", inner.data.get_opts(&key, opts)).await {
        Ok(result) => {
            let remaining = result.range.end.saturating_sub(result.range.start);
            Ok(S3Read::boxed(
                Some(result.into_stream()),
                remaining,
                inner.timeout,
            ))
        }
        Err(StorageError::NotFound) if ops::probe(inner, &keys.dir_prefix(path)?).await? => {
            Err(StorageError::IsADirectory)
        }
        // A range starting at or past the end is refused by S3 (416):
        // at the end it is an empty download, past it an error.
        Err(e) if offset > 0 => match ops::metadata(inner, keys, path).await {
            Ok(meta) if meta.is_file() && offset == meta.len => {
                Ok(S3Read::boxed(None, 0, inner.timeout))
            }
            Ok(meta) if meta.is_file() && offset > meta.len => Err(StorageError::OffsetBeyondEnd),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// The body of a GET as an `AsyncRead`.
struct S3Read {
    body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    /// What is left of the last chunk.
    chunk: Bytes,
    remaining: u64,
    /// How long the body may go without a byte.
    stall: std::time::Duration,
    deadline: Pin<Box<Sleep>>,
}

impl S3Read {
    /// A download of `remaining` bytes from `body` (`None`: nothing to send).
    fn boxed(
        body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
        remaining: u64,
        stall: std::time::Duration,
    ) -> Box<dyn ReadStream> {
        Box::new(S3Read {
            body,
            chunk: Bytes::new(),
            remaining,
            stall,
            deadline: Box::pin(tokio::time::sleep(stall)),
        })
    }
}

impl AsyncRead for S3Read {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if !this.chunk.is_empty() {
                let n = this.chunk.len().min(buf.remaining());
                buf.put_slice(&this.chunk.split_to(n));
                this.remaining = this.remaining.saturating_sub(n as u64);
                return Poll::Ready(Ok(()));
            }
            let Some(body) = this.body.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            match Pin::new(body).poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    this.chunk = bytes;
                    let next = Instant::now() + this.stall;
                    this.deadline.as_mut().reset(next);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.body = None;
                    return Poll::Ready(Err(io::Error::other(format!("object store: {e}"))));
                }
                Poll::Ready(None) => {
                    this.body = None;
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending => {
                    return match this.deadline.as_mut().poll(cx) {
                        Poll::Ready(()) => {
                            this.body = None;
                            Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                "object store stopped sending",
                            )))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

impl ReadStream for S3Read {
    fn remaining(&self) -> Option<u64> {
        Some(self.remaining)
    }
}
