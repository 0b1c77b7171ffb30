//! Storage: everything the command handlers may do to files goes through the
//! `Storage` trait, addressed by `VirtualPath`. The local filesystem backend
//! (`local`) is where the sandbox lives; another backend (an object store) can
//! be added without touching handlers.
//!
//! The trait is synchronous: the local backend does blocking syscalls, and the
//! session calls it through `tokio::task::spawn_blocking`.

mod local;
#[cfg(test)]
mod sandbox_tests;
mod vpath;

pub use local::LocalStorage;
pub use vpath::{PathError, VirtualPath};

use std::fs::File;
use std::io;
use std::time::SystemTime;

/// What kind of object a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// A symbolic link, reported only by `read_dir` entries when the link
    /// cannot be followed inside the sandbox (dangling or pointing outside).
    Symlink,
    Other,
}

/// The facts the listings and SIZE/MDTM need.
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

/// A streamed directory listing (entries are produced as they are read).
pub type DirIter = Box<dyn Iterator<Item = Result<DirEntry, StorageError>> + Send>;

/// Storage failures, in the kinds that map to distinct reply codes. The
/// `Display` text is safe to show to clients: it never holds a host path.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no such file or directory")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("already exists")]
    AlreadyExists,
    #[error("not a directory")]
    NotADirectory,
    #[error("is a directory")]
    IsADirectory,
    #[error("directory not empty")]
    DirectoryNotEmpty,
    #[error("no space left on device")]
    NoSpace,
    #[error("file name not allowed")]
    InvalidName,
    /// Anything else; the io error goes to the log only.
    #[error("local error")]
    Io(#[source] io::Error),
}

impl From<io::Error> for StorageError {
    fn from(e: io::Error) -> Self {
        use io::ErrorKind as K;
        match e.kind() {
            K::NotFound => StorageError::NotFound,
            K::PermissionDenied => StorageError::PermissionDenied,
            K::AlreadyExists => StorageError::AlreadyExists,
            K::NotADirectory => StorageError::NotADirectory,
            K::IsADirectory => StorageError::IsADirectory,
            K::DirectoryNotEmpty => StorageError::DirectoryNotEmpty,
            K::StorageFull | K::QuotaExceeded => StorageError::NoSpace,
            K::InvalidFilename | K::InvalidInput => StorageError::InvalidName,
            _ => match e.raw_os_error() {
                // ELOOP / EXDEV: cap-std refuses a path that escapes the root.
                Some(libc::ELOOP) | Some(libc::EXDEV) => StorageError::PermissionDenied,
                Some(libc::ENOSPC) | Some(libc::EDQUOT) => StorageError::NoSpace,
                _ => StorageError::Io(e),
            },
        }
    }
}

/// An upload in progress: a hidden temporary file in the target's directory.
/// `Storage::persist_upload` renames it over the target; `discard_upload`
/// removes it. Dropping it without either leaves a temp file that startup
/// cleanup removes.
#[derive(Debug)]
pub struct Upload {
    pub file: File,
    /// The temporary file's own virtual path.
    pub temp: VirtualPath,
    /// Where it goes on success.
    pub target: VirtualPath,
}

/// Prefix of temporary upload files; they are hidden from listings.
pub const TEMP_PREFIX: &str = ".ftpd-upload-";

/// File operations inside one sandbox root.
pub trait Storage: Send + Sync + std::fmt::Debug + 'static {
    /// Metadata of a path, following symlinks that stay inside the root.
    fn metadata(&self, path: &VirtualPath) -> Result<Metadata, StorageError>;
    /// Stream a directory's entries (no `.`/`..`, no temp upload files).
    fn read_dir(&self, path: &VirtualPath) -> Result<DirIter, StorageError>;
    /// Open a regular file for reading.
    fn open_read(&self, path: &VirtualPath) -> Result<File, StorageError>;
    /// Start an atomic whole-file upload to `target` (STOR without REST).
    fn create_upload(&self, target: &VirtualPath) -> Result<Upload, StorageError>;
    /// Rename a finished upload over its target.
    fn persist_upload(&self, upload: Upload) -> Result<(), StorageError>;
    /// Remove an unfinished upload; the target is untouched.
    fn discard_upload(&self, upload: Upload);
    /// Open for writing without truncating, creating it if missing (REST+STOR,
    /// APPE). The caller seeks.
    fn open_write(&self, path: &VirtualPath) -> Result<File, StorageError>;
    /// Create a file that must not exist yet (STOU).
    fn create_new(&self, path: &VirtualPath) -> Result<File, StorageError>;
    fn create_dir(&self, path: &VirtualPath) -> Result<(), StorageError>;
    fn remove_dir(&self, path: &VirtualPath) -> Result<(), StorageError>;
    fn remove_file(&self, path: &VirtualPath) -> Result<(), StorageError>;
    fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> Result<(), StorageError>;
    /// Make a directory's entries durable (fsync), after a rename into it.
    fn sync_dir(&self, dir: &VirtualPath) -> Result<(), StorageError>;
}
