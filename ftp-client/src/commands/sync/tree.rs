//! One side of a sync as a map from `/`-separated relative path to what is
//! there: the local tree from walkdir, the remote one from listings (MLSD,
//! else LIST), both at most `MAX_DEPTH` deep. Neither holds our own
//! partial files (`.NAME.ftpc-part`), symlinks or other special files:
//! sync neither copies nor deletes those.

use std::collections::BTreeMap;
use std::path::Path;

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::{safe_name, Kind, Timestamp};
use crate::output::Printer;
use crate::url::join;

use super::super::keep::local_time;
use super::super::put_tree::remote_rel;
use super::super::MAX_DEPTH;

/// What is at one relative path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Dir,
    File {
        size: Option<u64>,
        /// Exact to the second (a local file, or an MLSD `modify` fact);
        /// `None` when only a LIST time was seen, or none.
        modified: Option<Timestamp>,
    },
}

/// A whole side: relative path → node, in path order (parents first).
pub type Tree = BTreeMap<String, Node>;

/// Whether `name` is one of ftpc's partial files, which sync leaves alone.
pub fn is_part(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".ftpc-part")
}

/// The local tree under `root`; an absent root is an empty tree. Entries
/// that cannot be read are reported and counted.
pub fn local(root: &Path, printer: &Printer) -> (Tree, u64) {
    let mut tree = Tree::new();
    let mut failures = 0;
    if !root.exists() {
        return (tree, 0);
    }
    let walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(MAX_DEPTH)
        .sort_by_file_name();
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                printer.error(&format!("ftpc: {e}"));
                failures += 1;
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if is_part(&name) {
            continue;
        }
        let rel = match remote_rel(entry.path(), root) {
            Ok(rel) => rel,
            Err(e) => {
                printer.error(&format!("ftpc: {e}; skipped"));
                failures += 1;
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            tree.insert(rel, Node::Dir);
        } else if kind.is_file() {
            let meta = entry.metadata().ok();
            tree.insert(
                rel,
                Node::File {
                    size: meta.as_ref().map(|m| m.len()),
                    modified: meta.as_ref().and_then(local_time),
                },
            );
        } else {
            printer.verbose(&format!(
                "ftpc: skipping {} (not a file)",
                entry.path().display()
            ));
        }
    }
    (tree, failures)
}

/// The remote tree under `root`. The root must be listable (else "not
/// found"); a subdirectory that is not is reported and counted. Names
/// that could not be a local path are refused.
pub fn remote(client: &mut FtpClient, root: &str, printer: &Printer) -> Result<(Tree, u64)> {
    let mut tree = Tree::new();
    let mut failures = 0;
    let exact_times = client.features.mlst;
    let mut stack = vec![(String::new(), 0usize)];
    while let Some((rel_dir, depth)) = stack.pop() {
        let dir = if rel_dir.is_empty() {
            root.to_string()
        } else {
            join(root, &rel_dir)
        };
        let entries = match client.list_dir(&dir) {
            Ok(e) => e,
            Err(e) if depth == 0 => return Err(e),
            Err(e) if e.is_per_file() => {
                printer.error(&format!("ftpc: {dir}: {e}"));
                failures += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        for e in entries {
            if is_part(&e.name) {
                continue;
            }
            if !safe_name(&e.name) {
                let err = ClientError::UnsafeName(e.name.clone());
                printer.error(&format!("ftpc: {err}"));
                failures += 1;
                continue;
            }
            let rel = join(&rel_dir, &e.name);
            match e.kind {
                Kind::Dir if depth + 1 < MAX_DEPTH => {
                    tree.insert(rel.clone(), Node::Dir);
                    stack.push((rel, depth + 1));
                }
                Kind::Dir => {
                    printer.error(&format!(
                        "ftpc: {rel}: deeper than {MAX_DEPTH} levels, skipped"
                    ));
                    failures += 1;
                }
                Kind::File => {
                    let modified = e.modified.filter(|_| exact_times);
                    tree.insert(
                        rel,
                        Node::File {
                            size: e.size,
                            modified,
                        },
                    );
                }
                Kind::Link | Kind::Other => {
                    printer.verbose(&format!("ftpc: skipping {rel} (not a file)"));
                }
            }
        }
    }
    Ok((tree, failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_files_are_recognised() {
        assert!(is_part(".a.txt.ftpc-part"));
        assert!(!is_part("a.txt.ftpc-part"));
        assert!(!is_part(".profile"));
    }
}
