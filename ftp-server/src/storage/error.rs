//! `StorageError`: storage failures in the kinds that map to distinct reply
//! codes (`commands::storage_error` is the one mapping). The `Display` text
//! is safe to show to clients: it never holds a host path.

use std::io;

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
    /// A read or an at-offset write starting past the end of the file.
    #[error("offset beyond the end of the file")]
    OffsetBeyondEnd,
    /// The backend cannot do this (see `Capabilities`); names the operation.
    #[error("{0} is not supported by this storage")]
    Unsupported(&'static str),
    /// The object store failed or did not answer in time; the text (for
    /// the log only) says which request and why. Transient: 451.
    #[error("object store unavailable")]
    Unavailable(String),
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

impl StorageError {
    /// A blocking-pool task that panicked or was cancelled.
    pub(crate) fn join(e: tokio::task::JoinError) -> StorageError {
        StorageError::Io(io::Error::other(e))
    }
}
