//! Startup cleanup of temporary upload files an earlier crash left behind.

use std::path::PathBuf;

use super::{LocalStorage, TEMP_PREFIX};

/// `cleanup_temp_files` does not descend deeper than this below the root.
/// Bounds the startup walk against pathological trees.
const CLEANUP_MAX_DEPTH: usize = 32;
/// `cleanup_temp_files` stops after looking at this many directory entries,
/// so a huge root cannot stall startup.
const CLEANUP_MAX_ENTRIES: usize = 200_000;

impl LocalStorage {
    /// Remove temporary upload files (`TEMP_PREFIX*`) left behind by a crash.
    /// Walks the tree without following symlinks, bounded by
    /// `CLEANUP_MAX_DEPTH` and `CLEANUP_MAX_ENTRIES`. Returns how many files
    /// were removed. Meant to be called once at startup (blocking).
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
}
