//! Listings of the local backend: a `DirStream` over a cap-std `ReadDir`,
//! read in batches on the blocking pool, following each symlink entry only
//! when it resolves beneath the root.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::{Dir, MetadataExt};

use super::{blocking, TEMP_PREFIX};
use crate::storage::{BoxFuture, DirEntry, DirStream, FileKind, Metadata, StorageError};

/// Entries read (and stat'ed) per trip to the blocking pool.
const BATCH: usize = 256;

/// Convert cap-std metadata (already followed or not, as the caller chose).
pub(super) fn convert(meta: &cap_std::fs::Metadata) -> Metadata {
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

/// Open the directory `dir` (root-relative, already through the
/// chokepoint) for listing. Blocking.
pub(super) fn open(root: &Arc<Dir>, dir: &Path) -> Result<LocalDir, StorageError> {
    let entries = root.read_dir(dir)?;
    Ok(LocalDir {
        inner: Some(Entries {
            entries,
            root: Arc::clone(root),
            dir: dir.to_path_buf(),
            failed: None,
        }),
    })
}

/// The `DirStream`: the entries iterator travels to the blocking pool for
/// each batch and comes back with it.
pub(super) struct LocalDir {
    /// `None` once the end (or an error) was reached.
    inner: Option<Entries>,
}

/// Streams one directory. Holds the root handle so each symlink entry can
/// be followed beneath the root (not merely beneath the listed directory).
struct Entries {
    entries: cap_std::fs::ReadDir,
    root: Arc<Dir>,
    /// The listed directory, relative to the root (`.` for the root).
    dir: PathBuf,
    /// An error met after some entries of a batch: reported next time.
    failed: Option<StorageError>,
}

impl Entries {
    fn meta(&self, entry: &cap_std::fs::DirEntry, name: &OsStr) -> io::Result<Metadata> {
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

    /// The next entry, skipping `.`, `..`, temp files and entries that
    /// vanished between readdir and stat.
    fn next_entry(&mut self) -> Option<Result<DirEntry, StorageError>> {
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
            match self.meta(&entry, &name) {
                Ok(meta) => {
                    return Some(Ok(DirEntry {
                        name: name.to_string_lossy().into_owned(),
                        meta,
                    }))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Some(Err(e.into())),
            }
        }
    }

    /// Up to `BATCH` entries; an empty batch means the end.
    fn batch(&mut self) -> Result<Vec<DirEntry>, StorageError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let mut out = Vec::with_capacity(BATCH);
        while out.len() < BATCH {
            match self.next_entry() {
                Some(Ok(e)) => out.push(e),
                Some(Err(e)) if out.is_empty() => return Err(e),
                Some(Err(e)) => {
                    // Hand over what we have; the error comes next time.
                    self.failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        Ok(out)
    }
}

impl DirStream for LocalDir {
    fn next_batch(&mut self) -> BoxFuture<'_, Option<Result<Vec<DirEntry>, StorageError>>> {
        Box::pin(async move {
            let mut inner = self.inner.take()?;
            let result = blocking(move || {
                let batch = inner.batch();
                Ok((inner, batch))
            })
            .await;
            match result {
                Ok((inner, Ok(batch))) if !batch.is_empty() => {
                    self.inner = Some(inner);
                    Some(Ok(batch))
                }
                Ok((_, Ok(_))) => None,
                Ok((_, Err(e))) | Err(e) => Some(Err(e)),
            }
        })
    }
}
