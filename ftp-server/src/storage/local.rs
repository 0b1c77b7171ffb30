//! `LocalStorage`: the local-filesystem backend, and the sandbox.
//!
//! Every operation goes through one `cap_std::fs::Dir` opened on the root at
//! startup, with the virtual path turned into a root-relative path by
//! [`rel`] (the single chokepoint). cap-std resolves each path beneath that
//! directory handle at the OS level (`openat2(RESOLVE_BENEATH)` where the
//! kernel has it, a careful component-by-component walk otherwise), so a
//! symlink that points outside the root, or an absolute symlink, fails with an
//! error instead of being followed. Nothing in this file compares path
//! strings to decide what is inside the root.
//!
//! Files are opened with `O_NONBLOCK` and then checked to be regular files, so
//! a FIFO or device node planted inside the root cannot hang a blocking
//! thread. `O_NONBLOCK` has no effect on regular-file I/O, so it is left set.

use super::{
    DirEntry, DirIter, FileKind, Metadata, Storage, StorageError, Upload, VirtualPath, TEMP_PREFIX,
};
use cap_std::fs::{Dir, DirBuilder, DirBuilderExt, MetadataExt, OpenOptions, OpenOptionsExt};
use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Permission bits for files we create (before the process umask).
const FILE_MODE: u32 = 0o644;
/// Permission bits for directories we create (before the process umask).
const DIR_MODE: u32 = 0o755;
/// `cleanup_temp_files` does not descend deeper than this below the root.
/// Bounds the startup walk against pathological trees.
const CLEANUP_MAX_DEPTH: usize = 32;
/// `cleanup_temp_files` stops after looking at this many directory entries,
/// so a huge root cannot stall startup.
const CLEANUP_MAX_ENTRIES: usize = 200_000;
/// Existing files at least this large have their cache dropped before an
/// upload replaces them (see `drop_cached_pages`).
const DROP_CACHE_MIN: u64 = 8 * 1024 * 1024;
/// How many temp names `create_upload` tries before giving up.
const TEMP_NAME_ATTEMPTS: u32 = 16;

/// Serial number mixed into temp upload names.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A `Storage` backed by a directory of the local filesystem.
pub struct LocalStorage {
    /// The root directory handle; shared with streaming `read_dir` iterators.
    root: Arc<Dir>,
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

impl LocalStorage {
    /// Ask the kernel to drop the clean cached pages of a file an upload is
    /// about to replace. A truncating server frees them at once; an atomic
    /// replace keeps the old file until the rename, so without this an
    /// overwrite needs twice the memory, and fresh pages cost more than
    /// recycled ones (on this project's VMs about 2x per byte written).
    /// Dirty pages and the data on disk are untouched: nothing is lost,
    /// a reader of the old version just reads it from disk.
    fn drop_cached_pages(&self, target: &Path) {
        if let Ok(file) = self.root.open(target) {
            use std::os::fd::AsRawFd;
            // SAFETY: advisory call on a descriptor we own for its duration.
            unsafe {
                libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED);
            }
        }
    }

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
        })
    }

    /// Remove temporary upload files (`TEMP_PREFIX*`) left behind by a crash.
    /// Walks the tree without following symlinks, bounded by
    /// `CLEANUP_MAX_DEPTH` and `CLEANUP_MAX_ENTRIES`. Returns how many files
    /// were removed. Meant to be called once at startup.
    pub fn cleanup_temp_files(&self) -> usize {
        let mut removed = 0;
        let mut seen = 0;
        let mut stack: Vec<(PathBuf, usize)> = vec![(PathBuf::from("."), 0)];
        while let Some((dir_path, depth)) = stack.pop() {
            let entries = match self.root.read_dir(&dir_path) {
                Ok(entries) => entries,
                Err(e) => {
                    tracing::debug!(dir = %dir_path.display(), error = %e, "temp cleanup: cannot read directory");
                    continue;
                }
            };
            for entry in entries {
                seen += 1;
                if seen > CLEANUP_MAX_ENTRIES {
                    tracing::warn!(
                        limit = CLEANUP_MAX_ENTRIES,
                        "temp cleanup: entry limit reached, stopping"
                    );
                    return removed;
                }
                let Ok(entry) = entry else { continue };
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name();
                if file_type.is_dir() {
                    if depth < CLEANUP_MAX_DEPTH {
                        stack.push((dir_path.join(&name), depth + 1));
                    }
                } else if name.as_encoded_bytes().starts_with(TEMP_PREFIX.as_bytes()) {
                    match entry.remove_file() {
                        Ok(()) => removed += 1,
                        Err(e) => {
                            tracing::warn!(error = %e, "temp cleanup: cannot remove temp file")
                        }
                    }
                }
            }
        }
        removed
    }

    /// Open a file with `options` (plus `O_NONBLOCK | O_NOCTTY`) and make sure
    /// it is a regular file.
    fn open_regular(
        &self,
        path: &VirtualPath,
        options: &mut OpenOptions,
    ) -> Result<File, StorageError> {
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
        Ok(file.into_std())
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
}

/// Convert cap-std metadata (already followed or not, as the caller chose).
fn convert(meta: &cap_std::fs::Metadata) -> Metadata {
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        FileKind::Dir
    } else if ft.is_file() {
        FileKind::File
    } else if ft.is_symlink() {
        FileKind::Symlink
    } else {
        FileKind::Other
    };
    Metadata {
        kind,
        len: meta.len(),
        modified: meta.modified().ok().map(|t| t.into_std()),
        mode: meta.mode() & 0o7777,
        nlink: meta.nlink(),
        uid: meta.uid(),
        gid: meta.gid(),
    }
}

/// Streams one directory. Holds the root handle so each symlink entry can
/// be followed beneath the root (not merely beneath the listed directory).
struct LocalDirIter {
    entries: cap_std::fs::ReadDir,
    root: Arc<Dir>,
    /// The listed directory, relative to the root (`.` for the root).
    dir: PathBuf,
}

impl LocalDirIter {
    fn entry(&self, entry: &cap_std::fs::DirEntry, name: &OsStr) -> io::Result<Metadata> {
        let own = entry.metadata()?;
        if own.file_type().is_symlink() {
            // Follow only if it resolves beneath the root; a dangling or
            // escaping link is shown as the link itself.
            if let Ok(target) = self.root.metadata(self.dir.join(name)) {
                return Ok(convert(&target));
            }
        }
        Ok(convert(&own))
    }
}

impl Iterator for LocalDirIter {
    type Item = Result<DirEntry, StorageError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let entry = match self.entries.next()? {
                Ok(entry) => entry,
                Err(e) => return Some(Err(e.into())),
            };
            let name = entry.file_name();
            let bytes = name.as_encoded_bytes();
            if bytes.starts_with(TEMP_PREFIX.as_bytes()) || bytes == b"." || bytes == b".." {
                continue;
            }
            match self.entry(&entry, &name) {
                Ok(meta) => {
                    return Some(Ok(DirEntry {
                        name: name.to_string_lossy().into_owned(),
                        meta,
                    }))
                }
                // Removed between readdir and stat: it is simply gone.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Some(Err(e.into())),
            }
        }
    }
}

impl Storage for LocalStorage {
    fn metadata(&self, path: &VirtualPath) -> Result<Metadata, StorageError> {
        Ok(convert(&self.root.metadata(client(path)?)?))
    }

    fn read_dir(&self, path: &VirtualPath) -> Result<DirIter, StorageError> {
        let dir = client(path)?;
        let entries = self.root.read_dir(dir)?;
        Ok(Box::new(LocalDirIter {
            entries,
            root: Arc::clone(&self.root),
            dir: dir.to_path_buf(),
        }))
    }

    fn open_read(&self, path: &VirtualPath) -> Result<File, StorageError> {
        self.open_regular(path, OpenOptions::new().read(true))
    }

    fn create_upload(&self, target: &VirtualPath) -> Result<Upload, StorageError> {
        let parent = target.parent().ok_or(StorageError::IsADirectory)?;
        // Following a symlink here is fine: the rename below replaces the
        // link itself, never what it points to.
        let target_rel = client(target)?;
        if let Ok(meta) = self.root.metadata(target_rel) {
            if meta.is_dir() {
                return Err(StorageError::IsADirectory);
            }
            if meta.is_file() && meta.len() >= DROP_CACHE_MIN {
                self.drop_cached_pages(target_rel);
            }
        }
        let mut last = StorageError::AlreadyExists;
        for _ in 0..TEMP_NAME_ATTEMPTS {
            let temp = parent
                .join(&Self::temp_name())
                .map_err(|_| StorageError::InvalidName)?;
            let mut options = OpenOptions::new();
            options.write(true).create_new(true).mode(FILE_MODE);
            match self.root.open_with(rel(&temp), &options) {
                Ok(file) => {
                    return Ok(Upload {
                        file: file.into_std(),
                        temp,
                        target: target.clone(),
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e.into(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(last)
    }

    fn persist_upload(&self, upload: Upload) -> Result<(), StorageError> {
        let Upload { file, temp, target } = upload;
        drop(file);
        let result = self.root.rename(rel(&temp), &self.root, rel(&target));
        if let Err(e) = result {
            // The upload is consumed, so nobody else can clean up after us.
            let _ = self.root.remove_file(rel(&temp));
            return Err(e.into());
        }
        Ok(())
    }

    fn discard_upload(&self, upload: Upload) {
        let Upload { file, temp, .. } = upload;
        drop(file);
        if let Err(e) = self.root.remove_file(rel(&temp)) {
            tracing::debug!(error = %e, "discarding upload: cannot remove temp file");
        }
    }

    fn open_write(&self, path: &VirtualPath) -> Result<File, StorageError> {
        self.open_regular(
            path,
            OpenOptions::new().write(true).create(true).mode(FILE_MODE),
        )
    }

    fn create_new(&self, path: &VirtualPath) -> Result<File, StorageError> {
        if path.is_root() {
            return Err(StorageError::AlreadyExists);
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true).mode(FILE_MODE);
        Ok(self.root.open_with(client(path)?, &options)?.into_std())
    }

    fn create_dir(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() {
            return Err(StorageError::AlreadyExists);
        }
        let mut builder = DirBuilder::new();
        builder.mode(DIR_MODE);
        Ok(self.root.create_dir_with(client(path)?, &builder)?)
    }

    fn remove_dir(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() {
            return Err(StorageError::PermissionDenied);
        }
        Ok(self.root.remove_dir(client(path)?)?)
    }

    fn remove_file(&self, path: &VirtualPath) -> Result<(), StorageError> {
        if path.is_root() || self.root.symlink_metadata(client(path)?)?.is_dir() {
            return Err(StorageError::IsADirectory);
        }
        Ok(self.root.remove_file(client(path)?)?)
    }

    fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> Result<(), StorageError> {
        if from.is_root() || to.is_root() {
            return Err(StorageError::PermissionDenied);
        }
        Ok(self.root.rename(client(from)?, &self.root, client(to)?)?)
    }

    fn sync_dir(&self, dir: &VirtualPath) -> Result<(), StorageError> {
        let d = self.root.open_dir(rel(dir))?;
        Ok(d.into_std_file().sync_all()?)
    }
}
