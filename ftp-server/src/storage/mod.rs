//! Storage: everything the command handlers and transfers may do to files
//! goes through the `Storage` trait, addressed by `VirtualPath`. Nothing
//! outside this module sees a `std::fs::File`, a file descriptor or a host
//! path.
//!
//! The trait is async and object safe (`Arc<dyn Storage>`): each method
//! returns a boxed future, so a backend built on an async SDK (an object
//! store) awaits its requests directly, and the local backend moves its
//! blocking syscalls to tokio's blocking pool itself. No caller has to
//! know which kind it has.
//!
//! - A read is a stream from an offset ([`ReadStream`]), with its length.
//! - A write is opened in a [`WriteMode`] and ends in [`Upload::commit`]
//!   (the backend's publish: for the local backend, rename of a temp file
//!   or truncation, with fsync when configured) or [`Upload::abort`].
//! - A listing is a stream of entry batches ([`DirStream`]).
//! - A user's home is a scoped view ([`Storage::scope`]) made by the same
//!   backend, through the same sandbox chokepoint.
//! - [`Capabilities`] say what a backend can do; replies and FEAT follow.
//! - The local backend's zero-copy paths (sendfile for RETR, splice for
//!   STOR) are optional capabilities of its streams ([`SendToSocket`],
//!   [`SpliceFromSocket`]): transfer code uses them when offered and
//!   copies through `read`/`write` otherwise.

mod error;
mod local;
mod s3;
#[cfg(test)]
mod sandbox_tests;
mod vpath;

pub use error::StorageError;
pub use local::{LocalStorage, TEMP_PREFIX};
pub use s3::{S3Config, S3Storage, DEFAULT_PART_SIZE, DEFAULT_TIMEOUT, MIN_PART_SIZE};
pub use vpath::{PathError, VirtualPath};

use std::future::Future;
use std::io;
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::io::AsyncRead;

/// A boxed, sendable future: what every `Storage` method returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What kind of object a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// A symbolic link, reported only by listing entries when the link
    /// cannot be followed inside the sandbox (dangling or pointing outside).
    Symlink,
    Other,
}

/// The facts the listings and SIZE/MDTM need. A backend without Unix
/// ownership reports plausible constants (mode 0644/0755, uid 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub kind: FileKind,
    pub len: u64,
    pub modified: Option<SystemTime>,
    /// Unix permission bits (the low 12 bits of st_mode).
    pub mode: u32,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
}

impl Metadata {
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }
    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }
}

/// One directory entry. `name` is a single path component (never `.`/`..`),
/// converted lossily to UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub meta: Metadata,
}

/// How an upload writes its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// STOR: the new content replaces the target atomically on commit;
    /// readers see the old file or the new one, never half of it.
    Replace,
    /// APPE: add to the end of the file (created if missing).
    Append,
    /// REST+STOR: overwrite from this offset; the file ends where the
    /// upload ends. An offset beyond the end is `OffsetBeyondEnd`.
    At(u64),
    /// STOU: create a file that must not exist yet (`AlreadyExists`).
    CreateNew,
}

/// What a backend supports beyond the basics (metadata, list, read from an
/// offset, replace, create new, mkdir, rmdir, delete, rename a file). The
/// session checks these before it answers, so an unsupported operation
/// gets a clear 502/504/550 reply at once, never a hang; a backend also
/// refuses them itself with `StorageError::Unsupported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// `WriteMode::Append` (APPE).
    pub append: bool,
    /// `WriteMode::At` (REST+STOR).
    pub write_at: bool,
    /// Renaming a directory (an object store would have to copy every
    /// object under it).
    pub rename_dirs: bool,
    /// Setting a modification time (MFMT): an object's time is when it was
    /// written, so an object store has none to set.
    pub set_modified: bool,
    /// Unix permission bits that can be changed (SITE CHMOD).
    pub modes: bool,
}

impl Capabilities {
    /// Everything (the local filesystem).
    pub const ALL: Capabilities = Capabilities {
        append: true,
        write_at: true,
        rename_dirs: true,
        set_modified: true,
        modes: true,
    };
}

/// A streamed directory listing: entries come in batches as they are read,
/// so a huge directory never sits whole in memory.
pub trait DirStream: Send {
    /// The next batch (never empty), `None` at the end. An error ends the
    /// listing.
    fn next_batch(&mut self) -> BoxFuture<'_, Option<Result<Vec<DirEntry>, StorageError>>>;
}

/// Bytes of a file from an offset. Reading yields the bytes up to the end
/// of the file as it was when it was opened.
pub trait ReadStream: AsyncRead + Send + Unpin {
    /// Bytes from the offset to the end, when the backend knows it.
    fn remaining(&self) -> Option<u64>;
    /// The zero-copy path, when the backend has one (the local backend:
    /// sendfile from its file to the socket).
    fn zero_copy(&mut self) -> Option<&mut dyn SendToSocket> {
        None
    }
}

/// Why a zero-copy step failed: the socket's side or the storage's side
/// (for the reply: 426 for a broken connection, 451/452 for storage).
#[derive(Debug)]
pub enum ZeroCopyError {
    /// The socket: `WouldBlock` means wait for readiness and retry.
    Socket(io::Error),
    /// The storage: a disk error, no space.
    Local(StorageError),
}

/// RETR's fast path: the backend moves bytes to the socket in the kernel.
pub trait SendToSocket: Send {
    /// Move up to `max` bytes to the non-blocking socket `socket`; `Ok(0)`
    /// when the stream has reached its end.
    fn send_to(&mut self, socket: BorrowedFd<'_>, max: usize) -> Result<usize, ZeroCopyError>;
}

/// STOR's fast path: the backend moves bytes from the socket in the kernel.
pub trait SpliceFromSocket: Send {
    /// Move up to `max` bytes from the non-blocking socket `socket` into
    /// the upload; `Ok(0)` when the peer has closed (end of data).
    fn splice_from(&mut self, socket: BorrowedFd<'_>, max: usize) -> Result<usize, ZeroCopyError>;
}

/// An upload in progress, opened by `Storage::write`. It must end in
/// `commit` or `abort`; dropped without either, a replacing upload's data
/// is never published (the local backend's temp file is removed at the
/// next startup).
pub trait Upload: Send {
    /// Append `data` to what this upload writes.
    fn write<'a>(&'a mut self, data: &'a [u8]) -> BoxFuture<'a, Result<(), StorageError>>;
    /// The zero-copy path, when the backend has one (the local backend:
    /// splice from the socket into its file).
    fn zero_copy(&mut self) -> Option<&mut dyn SpliceFromSocket> {
        None
    }
    /// All data is in: publish it (replace the target, or truncate an
    /// at-offset write at its end), durably when the backend is set to.
    fn commit(self: Box<Self>) -> BoxFuture<'static, Result<(), StorageError>>;
    /// The upload failed: a replacing upload leaves the target untouched;
    /// an in-place one (append, at offset, create new) keeps what was
    /// written, so the client can resume it.
    fn abort(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// File operations inside one sandbox root (the served root, or a user's
/// home inside it). Every path is a `VirtualPath`, resolved by the backend
/// through its single chokepoint.
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// What this backend supports beyond the basics.
    fn capabilities(&self) -> Capabilities;
    /// Metadata of a path, following symlinks that stay inside the root.
    fn metadata<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Metadata, StorageError>>;
    /// Stream a directory's entries (no `.`/`..`, no temp upload files).
    fn list<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Box<dyn DirStream>, StorageError>>;
    /// Read a regular file from `offset` (`OffsetBeyondEnd` past its end;
    /// `IsADirectory` for a directory).
    fn read<'a>(
        &'a self,
        path: &'a VirtualPath,
        offset: u64,
    ) -> BoxFuture<'a, Result<Box<dyn ReadStream>, StorageError>>;
    /// Start an upload to `path` in `mode`.
    fn write<'a>(
        &'a self,
        path: &'a VirtualPath,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<Box<dyn Upload>, StorageError>>;
    fn create_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>>;
    fn remove_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>>;
    fn remove_file<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>>;
    fn rename<'a>(
        &'a self,
        from: &'a VirtualPath,
        to: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<(), StorageError>>;
    /// Set the modification time of a file or directory (MFMT). Backends
    /// without `Capabilities::set_modified` refuse it.
    fn set_modified<'a>(
        &'a self,
        _path: &'a VirtualPath,
        _time: SystemTime,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async { Err(StorageError::Unsupported("setting modification times")) })
    }
    /// Set the permission bits (at most 0o777) of a file or directory
    /// (SITE CHMOD). Backends without `Capabilities::modes` refuse it.
    fn set_mode<'a>(
        &'a self,
        _path: &'a VirtualPath,
        _mode: u32,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        Box::pin(async { Err(StorageError::Unsupported("changing permissions")) })
    }
    /// A view of this storage whose root is the directory `home`, resolved
    /// through the same sandbox as every other path (a home that is a
    /// symlink leading out, or missing, is an error). Called at login.
    fn scope<'a>(
        &'a self,
        home: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Arc<dyn Storage>, StorageError>>;
}
