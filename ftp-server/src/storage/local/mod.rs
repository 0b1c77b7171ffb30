//! `LocalStorage`: the local-filesystem backend, and the sandbox.
//!
//! Every operation goes through one `cap_std::fs::Dir` opened on the root at
//! startup, with the virtual path turned into a root-relative path by
//! [`rel`] (the single chokepoint). cap-std resolves each path beneath that
//! directory handle at the OS level (`openat2(RESOLVE_BENEATH)` where the
//! kernel has it, a careful component-by-component walk otherwise), so a
//! symlink that points outside the root, or an absolute symlink, fails with an
//! error instead of being followed. Nothing in this file compares path
//! strings to decide what is inside the root. A user's home is a
//! `LocalStorage` whose `Dir` was opened through the same chokepoint
//! ([`LocalStorage::scope_blocking`]).
//!
//! Files are opened with `O_NONBLOCK` and then checked to be regular files, so
//! a FIFO or device node planted inside the root cannot hang a blocking
//! thread. `O_NONBLOCK` has no effect on regular-file I/O, so it is left set.
//!
//! The syscalls are blocking: each `Storage` method runs its part on tokio's
//! blocking pool (one hand-off per call). Upload writes are the exception:
//! a positional write into the page cache is short, so they run inline.

mod attrs;
mod cleanup;
mod dir;
mod files;
mod zerocopy;

use super::{
    BoxFuture, Capabilities, DirStream, Metadata, ReadStream, Storage, StorageError, Upload,
    VirtualPath, WriteMode,
};
use cap_std::fs::{Dir, DirBuilder, DirBuilderExt, OpenOptions, OpenOptionsExt};
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

pub use files::TEMP_PREFIX;

/// Permission bits for files we create (before the process umask).
const FILE_MODE: u32 = 0o644;
/// Permission bits for directories we create (before the process umask).
const DIR_MODE: u32 = 0o755;

/// A `Storage` backed by a directory of the local filesystem. Cloning is
/// cheap (the directory handle is shared).
#[derive(Clone)]
pub struct LocalStorage {
    /// The root directory handle; shared with listings and uploads.
    root: Arc<Dir>,
    /// Make committed uploads durable (file, then directory) before the
    /// commit returns (`--fsync`).
    fsync: bool,
}

impl std::fmt::Debug for LocalStorage {
    // No host path here: Debug output may end up in client-visible text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStorage").finish_non_exhaustive()
    }
}

/// A virtual path as a path relative to the root `Dir` (cap-std wants `.`
/// for the directory itself). Used directly only for our own temp files.
fn rel(path: &VirtualPath) -> &Path {
    if path.is_root() {
        Path::new(".")
    } else {
        Path::new(path.relative())
    }
}

/// The sandbox chokepoint for client-supplied paths: [`rel`], refusing names
/// in the temp-upload namespace so a client cannot read, overwrite, rename or
/// delete another transfer's temp file (nor create one that startup cleanup
/// would then delete).
fn client(path: &VirtualPath) -> Result<&Path, StorageError> {
    match path.file_name() {
        Some(name) if name.starts_with(TEMP_PREFIX) => Err(StorageError::InvalidName),
        _ => Ok(rel(path)),
    }
}

/// Run blocking filesystem work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, StorageError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StorageError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(StorageError::join(e)))
}

impl LocalStorage {
    /// Open `root` as the sandbox root. Fails if it is missing or not a
    /// directory. The error is a plain io error so the binary can add the
    /// host path as context; it is never shown to clients.
    pub fn new(root: &Path) -> Result<LocalStorage, io::Error> {
        if !std::fs::metadata(root)?.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "storage root is not a directory",
            ));
        }
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
        Ok(LocalStorage {
            root: Arc::new(dir),
            fsync: false,
        })
    }

    /// Make every committed upload durable before its commit returns.
    pub fn with_fsync(mut self, fsync: bool) -> LocalStorage {
        self.fsync = fsync;
        self
    }

    /// The view rooted at the directory `home`, opened beneath this root
    /// (a symlink that leads out fails). Blocking: used by `scope` on the
    /// blocking pool, and by the users-file check at load time, so both go
    /// through the same chokepoint.
    pub fn scope_blocking(&self, home: &VirtualPath) -> Result<LocalStorage, StorageError> {
        if home.is_root() {
            return Ok(self.clone());
        }
        let dir = self.root.open_dir(client(home)?)?;
        Ok(LocalStorage {
            root: Arc::new(dir),
            fsync: self.fsync,
        })
    }

    /// Open a file with `options` (plus `O_NONBLOCK | O_NOCTTY`) and make sure
    /// it is a regular file. Returns it with its length.
    fn open_regular(
        &self,
        path: &VirtualPath,
        options: &mut OpenOptions,
    ) -> Result<(File, u64), StorageError> {
        if path.is_root() {
            return Err(StorageError::IsADirectory);
        }
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
        let file = self.root.open_with(client(path)?, options)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(StorageError::IsADirectory);
        }
        if !meta.is_file() {
            // FIFOs, sockets, devices: not something FTP transfers.
            return Err(StorageError::PermissionDenied);
        }
        Ok((file.into_std(), meta.len()))
    }

    fn metadata_blocking(&self, path: &VirtualPath) -> Result<Metadata, StorageError> {
        Ok(dir::convert(&self.root.metadata(client(path)?)?))
    }

    /// Start an upload in `mode` (see `files` for how each mode writes).
    fn write_blocking(
        &self,
        path: &VirtualPath,
        mode: WriteMode,
    ) -> Result<files::LocalUpload, StorageError> {
        if let WriteMode::Replace = mode {
            return files::LocalUpload::replace(self, path);
        }
        if let WriteMode::CreateNew = mode {
            if path.is_root() {
                return Err(StorageError::AlreadyExists);
            }
            let mut options = OpenOptions::new();
            options.write(true).create_new(true).mode(FILE_MODE);
            let file = self.root.open_with(client(path)?, &options)?.into_std();
            return Ok(files::LocalUpload::in_place(self, file, path, 0, false));
        }
        // A directory fails the open itself (EISDIR), so no stat first.
        let mut options = OpenOptions::new();
        options.write(true).create(true).mode(FILE_MODE);
        let (file, len) = self.open_regular(path, &mut options)?;
        let (offset, truncate) = match mode {
            WriteMode::At(o) if o > len => return Err(StorageError::OffsetBeyondEnd),
            WriteMode::At(o) => (o, true),
            _ => (len, false),
        };
        Ok(files::LocalUpload::in_place(
            self, file, path, offset, truncate,
        ))
    }

    fn create_dir_blocking(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() {
            return Err(StorageError::AlreadyExists);
        }
        let mut builder = DirBuilder::new();
        builder.mode(DIR_MODE);
        Ok(self.root.create_dir_with(client(path)?, &builder)?)
    }

    fn remove_dir_blocking(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() {
            return Err(StorageError::PermissionDenied);
        }
        Ok(self.root.remove_dir(client(path)?)?)
    }

    fn remove_file_blocking(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() || self.root.symlink_metadata(client(path)?)?.is_dir() {
            return Err(StorageError::IsADirectory);
        }
        Ok(self.root.remove_file(client(path)?)?)
    }

    fn rename_blocking(&self, from: &VirtualPath, to: &VirtualPath) -> Result<(), StorageError> {
        if from.is_root() || to.is_root() {
            return Err(StorageError::PermissionDenied);
        }
        Ok(self.root.rename(client(from)?, &self.root, client(to)?)?)
    }
}

/// Run `$body` (using `me`, a clone of the storage, and the cloned paths)
/// on the blocking pool.
macro_rules! off_thread {
    ($self:ident, [$($p:ident),*], $body:expr) => {{
        let me = $self.clone();
        $(let $p = $p.clone();)*
        Box::pin(async move { blocking(move || { let me = &me; $body(me) }).await })
    }};
}

impl Storage for LocalStorage {
    fn capabilities(&self) -> Capabilities {
        Capabilities::ALL
    }

    fn metadata<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Metadata, StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .metadata_blocking(&path))
    }

    fn list<'a>(
        &'a self,
        path: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Box<dyn DirStream>, StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| dir::open(
            &me.root,
            client(&path)?
        )
        .map(|d| Box::new(d) as Box<dyn DirStream>))
    }

    fn read<'a>(
        &'a self,
        path: &'a VirtualPath,
        offset: u64,
    ) -> BoxFuture<'a, Result<Box<dyn ReadStream>, StorageError>> {
        Box::pin(async move {
            let me = self.clone();
            let path = path.clone();
            let read = blocking(move || {
                let (file, len) = me.open_regular(&path, OpenOptions::new().read(true))?;
                files::LocalRead::open(file, offset, len)
            })
            .await?;
            Ok(Box::new(read) as Box<dyn ReadStream>)
        })
    }

    fn write<'a>(
        &'a self,
        path: &'a VirtualPath,
        mode: WriteMode,
    ) -> BoxFuture<'a, Result<Box<dyn Upload>, StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .write_blocking(&path, mode)
            .map(|u| Box::new(u) as Box<dyn Upload>))
    }

    fn create_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .create_dir_blocking(&path))
    }

    fn remove_dir<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .remove_dir_blocking(&path))
    }

    fn remove_file<'a>(&'a self, path: &'a VirtualPath) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .remove_file_blocking(&path))
    }

    fn rename<'a>(
        &'a self,
        from: &'a VirtualPath,
        to: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [from, to], |me: &LocalStorage| me
            .rename_blocking(&from, &to))
    }

    fn set_modified<'a>(
        &'a self,
        path: &'a VirtualPath,
        time: std::time::SystemTime,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .set_modified_blocking(&path, time))
    }

    fn set_mode<'a>(
        &'a self,
        path: &'a VirtualPath,
        mode: u32,
    ) -> BoxFuture<'a, Result<(), StorageError>> {
        off_thread!(self, [path], |me: &LocalStorage| me
            .set_mode_blocking(&path, mode))
    }

    fn scope<'a>(
        &'a self,
        home: &'a VirtualPath,
    ) -> BoxFuture<'a, Result<Arc<dyn Storage>, StorageError>> {
        off_thread!(self, [home], |me: &LocalStorage| me
            .scope_blocking(&home)
            .map(|s| Arc::new(s) as Arc<dyn Storage>))
    }
}
