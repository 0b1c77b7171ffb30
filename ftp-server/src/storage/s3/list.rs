//! S3 listings: one level (delimiter `/`), one page of at most `PAGE`
//! keys per request, each page turned into one batch of entries. Memory
//! is one page, however many objects the prefix holds. Within a page S3
//! returns objects and common prefixes each in key order over the same
//! key range, so merging them keeps the whole listing sorted.

use std::sync::Arc;

use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};

use super::error::bounded;
use super::keys::Keys;
use super::ops::{dir_meta, file_meta};
use super::Inner;
use crate::storage::{BoxFuture, DirEntry, DirStream, StorageError, VirtualPath};

/// Keys per list request (S3's maximum).
const PAGE: usize = 1000;

pub(super) struct S3DirStream {
    inner: Arc<Inner>,
    /// The directory's key prefix (`""` or ending in `/`).
    prefix: String,
    /// The first page, fetched by `open` to tell a missing directory.
    first: Option<Vec<DirEntry>>,
    /// The continuation token; `None` with `done` at the end.
    token: Option<String>,
    done: bool,
}

/// Start listing `path`: the first page is read now, so a directory that
/// does not exist is `NotFound` (the root always exists).
pub(super) async fn open(
    inner: Arc<Inner>,
    keys: &Keys,
    path: &VirtualPath,
) -> Result<S3DirStream, StorageError> {
    let prefix = keys.dir_prefix(path)?;
    let mut stream = S3DirStream {
        inner,
        prefix,
        first: None,
        token: None,
        done: false,
    };
    let (entries, saw_marker) = stream.fetch().await?;
    if entries.is_empty() && !saw_marker && !path.is_root() {
        return Err(StorageError::NotFound);
    }
    stream.first = Some(entries);
    Ok(stream)
}

impl S3DirStream {
    /// One request: the page's entries, and whether the directory's own
    /// marker was in it.
    async fn fetch(&mut self) -> Result<(Vec<DirEntry>, bool), StorageError> {
        let opts = PaginatedListOptions {
            delimiter: Some("/".into()),
            max_keys: Some(PAGE),
            page_token: self.token.take(),
            ..Default::default()
        };
        let prefix = (!self.prefix.is_empty()).then_some(self.prefix.as_str());
        let page = bounded(
            self.inner.timeout,
            "list",
            self.inner.store.list_paginated(prefix, opts),
        )
        .await?;
        self.token = page.page_token.clone();
        self.done = self.token.is_none();
        Ok(entries(&self.prefix, page))
    }
}

/// A page's entries sorted by name, without the directory's own marker.
fn entries(prefix: &str, page: PaginatedListResult) -> (Vec<DirEntry>, bool) {
    let mut saw_marker = false;
    let mut out = Vec::with_capacity(page.result.objects.len() + page.result.common_prefixes.len());
    for dir in &page.result.common_prefixes {
        if let Some(name) = child(prefix, dir.as_ref()) {
            out.push(DirEntry {
                name: name.to_string(),
                meta: dir_meta(),
            });
        }
    }
    for obj in &page.result.objects {
        match child(prefix, obj.location.as_ref()) {
            Some(name) => out.push(DirEntry {
                name: name.to_string(),
                meta: file_meta(obj),
            }),
            // The marker `dir/` parses as `dir`, outside the prefix.
            None => saw_marker = true,
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, saw_marker)
}

/// The single component of `key` below `prefix`, if it is one.
fn child<'k>(prefix: &str, key: &'k str) -> Option<&'k str> {
    let name = key.strip_prefix(prefix)?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

impl DirStream for S3DirStream {
    fn next_batch(&mut self) -> BoxFuture<'_, Option<Result<Vec<DirEntry>, StorageError>>> {
        Box::pin(async move {
            if let Some(first) = self.first.take() {
                if !first.is_empty() {
                    return Some(Ok(first));
                }
            }
            // An empty page can still have a token (a page of only the
            // marker, or a store that pages oddly): keep going.
            while !self.done {
                match self.fetch().await {
                    Ok((batch, _)) if batch.is_empty() => continue,
                    Ok((batch, _)) => return Some(Ok(batch)),
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                }
            }
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::path::Path;
    use object_store::{ListResult, ObjectMeta};

    fn obj(key: &str) -> ObjectMeta {
        ObjectMeta {
            location: Path::parse(key).unwrap(),
            last_modified: Default::default(),
            size: 3,
            e_tag: None,
            version: None,
        }
    }

    #[test]
    fn a_page_is_merged_sorted_and_the_marker_is_dropped() {
        let page = PaginatedListResult {
            result: ListResult {
                common_prefixes: vec![Path::parse("p/d/b").unwrap()],
                objects: vec![obj("p/d"), obj("p/d/a"), obj("p/d/c")],
            },
            page_token: None,
        };
        let (entries, marker) = entries("p/d/", page);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(marker);
        assert!(entries[1].meta.is_dir() && entries[0].meta.is_file());
    }
}
