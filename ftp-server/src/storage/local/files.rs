//! Reads and uploads of the local backend.
//!
//! - `LocalRead`: a file from an offset; `AsyncRead` through tokio's file
//!   (blocking pool), sendfile(2) as its zero-copy path.
//! - `LocalUpload`: `Replace` writes a hidden temporary file next to the
//!   target, renamed over it on commit and removed on abort; the other
//!   modes write the file in place and keep what was written on abort (so
//!   the client can resume). Writes are positional (`pwrite`) on the async
//!   worker, or splice(2) from the socket as the zero-copy path.

use std::fs::File;
use std::io::{self, Seek, SeekFrom};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use tokio::io::{AsyncRead, ReadBuf};

use super::zerocopy::{self, Pipe};
use super::{blocking, client, rel, LocalStorage, FILE_MODE};
use crate::storage::{
    BoxFuture, ReadStream, SendToSocket, SpliceFromSocket, StorageError, Upload, VirtualPath,
    ZeroCopyError,
};

/// Prefix of temporary upload files; they are hidden from listings and
/// refused as client names.
pub const TEMP_PREFIX: &str = ".ftpd-upload-";
/// Existing files at least this large have their cache dropped before an
/// upload replaces them (see `drop_cached_pages`).
const DROP_CACHE_MIN: u64 = 8 * 1024 * 1024;
/// How many temp names a replacing upload tries before giving up.
const TEMP_NAME_ATTEMPTS: u32 = 16;
/// Serial number mixed into temp upload names.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file being read from an offset up to its length at open time.
pub(super) struct LocalRead {
    file: tokio::fs::File,
    /// Next byte for sendfile (the copying path moves tokio's position).
    pos: u64,
    /// The file's length when it was opened.
    end: u64,
}

impl LocalRead {
    /// Position `file` (of length `len`) at `offset`. Blocking.
    pub(super) fn open(mut file: File, offset: u64, len: u64) -> Result<LocalRead, StorageError> {
        if offset > len {
            return Err(StorageError::OffsetBeyondEnd);
        }
        if offset > 0 {
            file.seek(SeekFrom::Start(offset))?;
        }
        Ok(LocalRead {
            file: tokio::fs::File::from_std(file),
            pos: offset,
            end: len,
        })
    }
}

impl AsyncRead for LocalRead {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_read(cx, buf)
    }
}

impl ReadStream for LocalRead {
    fn remaining(&self) -> Option<u64> {
        Some(self.end - self.pos)
    }

    fn zero_copy(&mut self) -> Option<&mut dyn SendToSocket> {
        Some(self)
    }
}

impl SendToSocket for LocalRead {
    fn send_to(&mut self, socket: BorrowedFd<'_>, max: usize) -> Result<usize, ZeroCopyError> {
        let want = usize::try_from(self.end.saturating_sub(self.pos))
            .unwrap_or(max)
            .min(max);
        if want == 0 {
            return Ok(0);
        }
        let n = zerocopy::sendfile(socket, self.file.as_raw_fd(), &mut self.pos, want)?;
        Ok(n)
    }
}

/// Where an upload's bytes go.
enum Target {
    /// A temp file renamed over `target` on commit.
    Replace {
        temp: VirtualPath,
        target: VirtualPath,
    },
    /// The file itself; with `truncate`, it ends where the upload ends.
    InPlace { path: VirtualPath, truncate: bool },
}

pub(super) struct LocalUpload {
    file: File,
    target: Target,
    /// Next write position.
    pos: u64,
    root: Arc<Dir>,
    fsync: bool,
    /// The splice path's pipe, made on first use.
    pipe: Option<Pipe>,
}

impl LocalUpload {
    /// STOR: a fresh temp file in the target's directory. Blocking.
    pub(super) fn replace(
        st: &LocalStorage,
        target: &VirtualPath,
    ) -> Result<LocalUpload, StorageError> {
        let parent = target.parent().ok_or(StorageError::IsADirectory)?;
        // Following a symlink here is fine: the rename on commit replaces the
        // link itself, never what it points to.
        let target_rel = client(target)?;
        if let Ok(meta) = st.root.metadata(target_rel) {
            if meta.is_dir() {
                return Err(StorageError::IsADirectory);
            }
            if meta.is_file() && meta.len() >= DROP_CACHE_MIN {
                drop_cached_pages(&st.root, target_rel);
            }
        }
        let mut last = StorageError::AlreadyExists;
        for _ in 0..TEMP_NAME_ATTEMPTS {
            let temp = parent
                .join(&temp_name())
                .map_err(|_| StorageError::InvalidName)?;
            let mut options = OpenOptions::new();
            options.write(true).create_new(true).mode(FILE_MODE);
            match st.root.open_with(rel(&temp), &options) {
                Ok(file) => {
                    let target = Target::Replace {
                        temp,
                        target: target.clone(),
                    };
                    return Ok(LocalUpload::new(st, file.into_std(), target, 0));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e.into(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last)
    }

    /// APPE, REST+STOR, STOU: write `file` in place from `offset`.
    pub(super) fn in_place(
        st: &LocalStorage,
        file: File,
        path: &VirtualPath,
        offset: u64,
        truncate: bool,
    ) -> LocalUpload {
        let target = Target::InPlace {
            path: path.clone(),
            truncate,
        };
        LocalUpload::new(st, file, target, offset)
    }

    fn new(st: &LocalStorage, file: File, target: Target, pos: u64) -> LocalUpload {
        LocalUpload {
            file,
            target,
            pos,
            root: Arc::clone(&st.root),
            fsync: st.fsync,
            pipe: None,
        }
    }

    /// Publish the upload. Blocking.
    fn commit_blocking(self) -> Result<(), StorageError> {
        let LocalUpload {
            file,
            target,
            pos,
            root,
            fsync,
            ..
        } = self;
        match target {
            Target::Replace { temp, target } => {
                let published = (|| {
                    if fsync {
                        file.sync_all()?;
                    }
                    drop(file);
                    root.rename(rel(&temp), &root, rel(&target))
                })();
                if let Err(e) = published {
                    // Consumed: nobody else can clean up after us.
                    let _ = root.remove_file(rel(&temp));
                    return Err(e.into());
                }
                sync_parent(&root, &target, fsync)
            }
            Target::InPlace { path, truncate } => {
                if truncate {
                    if let Err(e) = file.set_len(pos) {
                        tracing::warn!(%path, error = %e, "truncate after upload failed");
                    }
                }
                if fsync {
                    file.sync_all()?;
                }
                sync_parent(&root, &path, fsync)
            }
        }
    }
}

impl Upload for LocalUpload {
    fn write<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), StorageError>> {
        // Inline on the worker: a write into the page cache is short, and a
        // hop to the blocking pool per chunk would cost more than it saves.
        let result = self.file.write_all_at(data, self.pos);
        self.pos += data.len() as u64;
        Box::pin(std::future::ready(result.map_err(StorageError::from)))
    }

    fn zero_copy(&mut self) -> Option<&mut dyn SpliceFromSocket> {
        Some(self)
    }

    fn commit(self: Box<Self>) -> BoxFuture<'static, Result<(), StorageError>> {
        Box::pin(blocking(move || self.commit_blocking()))
    }

    fn abort(self: Box<Self>) -> BoxFuture<'static, ()> {
        let LocalUpload {
            file, target, root, ..
        } = *self;
        drop(file);
        match target {
            Target::Replace { temp, .. } => Box::pin(async move {
                let _ = blocking(move || {
                    if let Err(e) = root.remove_file(rel(&temp)) {
                        tracing::debug!(error = %e, "discarding upload: cannot remove temp file");
                    }
                    Ok(())
                })
                .await;
            }),
            Target::InPlace { .. } => Box::pin(std::future::ready(())),
        }
    }
}

impl SpliceFromSocket for LocalUpload {
    fn splice_from(&mut self, socket: BorrowedFd<'_>, max: usize) -> Result<usize, ZeroCopyError> {
        let pipe = match self.pipe.take() {
            Some(pipe) => pipe,
            None => Pipe::new().map_err(|e| ZeroCopyError::Local(e.into()))?,
        };
        let moved = pipe.socket_to_file(socket, self.file.as_raw_fd(), &mut self.pos, max);
        self.pipe = Some(pipe);
        moved
    }
}

/// With `fsync`, make the directory entry of `path` durable.
fn sync_parent(root: &Dir, path: &VirtualPath, fsync: bool) -> Result<(), StorageError> {
    if !fsync {
        return Ok(());
    }
    let dir = path.parent().unwrap_or_else(VirtualPath::root);
    let d = root.open_dir(rel(&dir))?;
    Ok(d.into_std_file().sync_all()?)
}

/// A fresh temp upload name: pid, a process-wide counter and the clock.
fn temp_name() -> String {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{TEMP_PREFIX}{}-{n}-{nanos:09}", std::process::id())
}

/// Ask the kernel to drop the clean cached pages of a file an upload is
/// about to replace. A truncating server frees them at once; an atomic
/// replace keeps the old file until the rename, so without this an
/// overwrite needs twice the memory, and fresh pages cost more than
/// recycled ones (on this project's VMs about 2x per byte written).
/// Dirty pages and the data on disk are untouched: nothing is lost,
/// a reader of the old version just reads it from disk.
fn drop_cached_pages(root: &Dir, target: &Path) {
    if let Ok(file) = root.open(target) {
        // SAFETY: advisory call on a descriptor we own for its duration.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
        }
    }
}
