//! Changing a file's or directory's attributes: its modification time
//! (MFMT) and its permission bits (SITE CHMOD). The target is opened
//! through the sandbox chokepoint like any other path, then changed through
//! the open descriptor (futimens, fchmod), so a symlink swapped in between
//! cannot redirect the change.

use std::fs::{File, FileTimes, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::time::SystemTime;

use cap_std::fs::{OpenOptions, OpenOptionsExt};

use super::{client, LocalStorage};
use crate::storage::{StorageError, VirtualPath};

impl LocalStorage {
    /// The file or directory at `path`, open (read-only, never blocking on
    /// a FIFO). Devices, FIFOs and sockets are refused.
    fn open_any(&self, path: &VirtualPath) -> Result<File, StorageError> {
        let rel = client(path)?;
        // A directory handle from `open_dir` is O_PATH, which futimens and
        // fchmod refuse: open it for reading instead.
        let dir = if self.root.metadata(rel)?.is_dir() {
            libc::O_DIRECTORY
        } else {
            0
        };
        let mut options = OpenOptions::new();
        options
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | dir);
        let file = self.root.open_with(rel, &options)?;
        let meta = file.metadata()?;
        if !meta.is_file() && !meta.is_dir() {
            return Err(StorageError::PermissionDenied);
        }
        Ok(file.into_std())
    }

    pub(super) fn set_modified_blocking(
        &self,
        path: &VirtualPath,
        time: SystemTime,
    ) -> Result<(), StorageError> {
        let file = self.open_any(path)?;
        file.set_times(FileTimes::new().set_modified(time))?;
        Ok(())
    }

    pub(super) fn set_mode_blocking(
        &self,
        path: &VirtualPath,
        mode: u32,
    ) -> Result<(), StorageError> {
        // The served root's own mode is the operator's, not a client's.
        if path.is_root() {
            return Err(StorageError::PermissionDenied);
        }
        let file = self.open_any(path)?;
        file.set_permissions(Permissions::from_mode(mode & 0o777))?;
        Ok(())
    }
}
