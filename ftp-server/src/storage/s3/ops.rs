//! The S3 backend's metadata and namespace operations: what a path is
//! (HEAD for a file, a one-key listing for a directory, both at once),
//! MKD/RMD with `dir/` markers, DELE, and a file rename as copy then
//! delete. Every request is bounded (`error::bounded`).

use std::time::SystemTime;

use object_store::list::{PaginatedListOptions, PaginatedListStore};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use super::error::bounded;
use super::keys::Keys;
use super::Inner;
use crate::storage::{FileKind, Metadata, StorageError, VirtualPath};

/// S3's limit on a single CopyObject; a rename of a larger file would need
/// a multipart copy, which object_store does not offer.
const MAX_COPY: u64 = 5 * 1024 * 1024 * 1024;

/// What the listings show for an object.
pub(super) fn file_meta(meta: &ObjectMeta) -> Metadata {
    Metadata {
        kind: FileKind::File,
        len: meta.size,
        modified: Some(SystemTime::from(meta.last_modified)),
        mode: 0o644,
        nlink: 1,
        uid: 0,
        gid: 0,
    }
}

/// What the listings show for a prefix (S3 keeps no time for one).
pub(super) fn dir_meta() -> Metadata {
    Metadata {
        kind: FileKind::Dir,
        len: 0,
        modified: None,
        mode: 0o755,
        nlink: 2,
        uid: 0,
        gid: 0,
    }
}

/// Up to `max` keys under `prefix` (no delimiter): the objects' keys,
/// whether the prefix's own marker is among them.
pub(super) async fn probe_keys(
    inner: &Inner,
    prefix: &str,
    max: usize,
) -> Result<Vec<String>, StorageError> {
    let opts = PaginatedListOptions {
        max_keys: Some(max),
        ..Default::default()
    };
    let prefix = (!prefix.is_empty()).then_some(prefix);
    let page = bounded(
        inner.timeout,
        "list",
        inner.store.list_paginated(prefix, opts),
    )
    .await?;
    let mut keys: Vec<String> = page
        .result
        .objects
        .iter()
        .map(|o| o.location.as_ref().to_string())
        .collect();
    keys.extend(
        page.result
            .common_prefixes
            .iter()
            .map(|p| p.as_ref().to_string()),
    );
    Ok(keys)
}

/// Whether anything (a marker or any object) is under `prefix`.
pub(super) async fn probe(inner: &Inner, prefix: &str) -> Result<bool, StorageError> {
    Ok(!probe_keys(inner, prefix, 1).await?.is_empty())
}

async fn head(inner: &Inner, key: &Path) -> Result<ObjectMeta, StorageError> {
    bounded(inner.timeout, "head", inner.store.head(key)).await
}

/// A file (HEAD) or a directory (marker or objects below), asked at once.
pub(super) async fn metadata(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<Metadata, StorageError> {
    if path.is_root() {
        return Ok(dir_meta());
    }
    let key = keys.file(path)?;
    let prefix = keys.dir_prefix(path)?;
    let (file, dir) = futures::join!(head(inner, &key), probe(inner, &prefix));
    match file {
        Ok(meta) => Ok(file_meta(&meta)),
        Err(StorageError::NotFound) if dir? => Ok(dir_meta()),
        Err(e) => Err(e),
    }
}

/// That `path`'s parent is a directory (the root always is): its marker,
/// else anything below it.
async fn parent_is_dir(inner: &Inner, keys: &Keys, path: &VirtualPath) -> Result<(), StorageError> {
    match path.parent() {
        Some(parent) if !parent.is_root() => {
            let prefix = keys.dir_prefix(&parent)?;
            if inner.markers.exists(&prefix, inner.timeout).await? || probe(inner, &prefix).await? {
                Ok(())
            } else {
                Err(StorageError::NotFound)
            }
        }
        _ => Ok(()),
    }
}

/// Before a file is made at `path` (STOR, RNTO): its parent must be a
/// directory, and it must not be a directory itself. Both are asked at
/// once. The parent is asked with a HEAD of its marker, which MKD wrote
/// (a listing only when there is none): on moto a listing walks the whole
/// bucket, and the benchmark's small-file STOR paid for two of them.
async fn check_new_name(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<(), StorageError> {
    let target = keys.dir_prefix(path)?;
    let (parent, is_dir) = futures::join!(parent_is_dir(inner, keys, path), probe(inner, &target));
    parent?;
    if is_dir? {
        return Err(StorageError::IsADirectory);
    }
    Ok(())
}

/// The key for a new upload to `path`: its parent must be a directory,
/// and it must not be one itself (nor exist, for STOU).
pub(super) async fn check_new_file(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
    create_new: bool,
) -> Result<Path, StorageError> {
    let key = keys.file(path)?;
    check_new_name(inner, keys, path).await?;
    if create_new {
        match head(inner, &key).await {
            Ok(_) => return Err(StorageError::AlreadyExists),
            Err(StorageError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(key)
}

/// MKD: write the marker `dir/`.
pub(super) async fn create_dir(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<(), StorageError> {
    if path.is_root() {
        return Err(StorageError::AlreadyExists);
    }
    let (exists, parent) = futures::join!(
        metadata(inner, keys, path),
        parent_is_dir(inner, keys, path)
    );
    match exists {
        Ok(_) => return Err(StorageError::AlreadyExists),
        Err(StorageError::NotFound) => {}
        Err(e) => return Err(e),
    }
    parent?;
    inner
        .markers
        .put(&keys.dir_prefix(path)?, inner.timeout)
        .await
}

/// RMD: only an empty directory (nothing below but its marker).
pub(super) async fn remove_dir(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<(), StorageError> {
    if path.is_root() {
        return Err(StorageError::PermissionDenied);
    }
    let prefix = keys.dir_prefix(path)?;
    let below = probe_keys(inner, &prefix, 2).await?;
    // The marker `dir/` comes back as the key `dir` (object_store drops
    // the trailing slash); anything else is content.
    let marker = prefix.trim_end_matches('/');
    if below.iter().any(|k| k != marker) {
        return Err(StorageError::DirectoryNotEmpty);
    }
    if below.is_empty() {
        return match head(inner, &keys.file(path)?).await {
            Ok(_) => Err(StorageError::NotADirectory),
            Err(e) => Err(e),
        };
    }
    inner.markers.delete(&prefix, inner.timeout).await
}

/// DELE: the object must exist (S3 deletes a missing key without error).
pub(super) async fn remove_file(
    inner: &Inner,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<(), StorageError> {
    let key = keys.file(path)?;
    match head(inner, &key).await {
        Ok(_) => bounded(inner.timeout, "delete", inner.store.delete(&key)).await,
        Err(StorageError::NotFound) if probe(inner, &keys.dir_prefix(path)?).await? => {
            Err(StorageError::IsADirectory)
        }
        Err(e) => Err(e),
    }
}

/// RNFR/RNTO of a file: a server-side copy, then the delete of the source.
/// A directory is refused whole (never half moved).
pub(super) async fn rename(
    inner: &Inner,
    keys: &Keys,
    from: &VirtualPath,
    to: &VirtualPath,
) -> Result<(), StorageError> {
    let src = keys.file(from)?;
    let dst = keys.file(to)?;
    let meta = match head(inner, &src).await {
        Ok(meta) => meta,
        Err(StorageError::NotFound) if probe(inner, &keys.dir_prefix(from)?).await? => {
            return Err(StorageError::Unsupported("renaming a directory on S3"));
        }
        Err(e) => return Err(e),
    };
    if src == dst {
        return Ok(());
    }
    if meta.size > MAX_COPY {
        return Err(StorageError::Unsupported(
            "renaming a file over 5 GiB on S3 (the copy limit)",
        ));
    }
    check_new_name(inner, keys, to).await?;
    bounded(inner.timeout, "copy", inner.store.copy(&src, &dst)).await?;
    bounded(inner.timeout, "delete", inner.store.delete(&src)).await
}
