//! What a sync does, decided from the two trees before anything changes:
//! directories to make, files to send, files and directories to delete.
//! A file is sent when DST lacks it or its size differs; when the sizes
//! agree, `same` (times, or digests with `--checksum`) decides. Deletions
//! list files first and directories deepest first, so each directory is
//! empty when its turn comes.

use super::tree::{Node, Tree};
use crate::error::Result;

/// The actions of one sync, by relative path.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub mkdirs: Vec<String>,
    pub send: Vec<String>,
    pub skipped: u64,
    pub delete_files: Vec<String>,
    pub delete_dirs: Vec<String>,
    /// A directory on one side and a file on the other: left alone, reported.
    pub conflicts: Vec<String>,
}

/// Compare `src` with `dst`. `same(rel, src, dst)` is asked only for two
/// files of equal size; it may ask the server (MDTM, HASH).
pub fn plan(
    src: &Tree,
    dst: &Tree,
    delete: bool,
    same: &mut dyn FnMut(&str, &Node, &Node) -> Result<bool>,
) -> Result<Plan> {
    let mut plan = Plan::default();
    for (rel, node) in src {
        match (node, dst.get(rel)) {
            (Node::Dir, None) => plan.mkdirs.push(rel.clone()),
            (Node::Dir, Some(Node::Dir)) => {}
            (Node::File { .. }, None) => plan.send.push(rel.clone()),
            (Node::File { size: a, .. }, Some(theirs @ Node::File { size: b, .. })) => {
                let sizes_differ = a.is_none() || b.is_none() || a != b;
                if sizes_differ || !same(rel, node, theirs)? {
                    plan.send.push(rel.clone());
                } else {
                    plan.skipped += 1;
                }
            }
            (Node::Dir, Some(Node::File { .. })) | (Node::File { .. }, Some(Node::Dir)) => {
                plan.conflicts.push(rel.clone())
            }
        }
    }
    if delete {
        for (rel, node) in dst.iter().filter(|(rel, _)| !src.contains_key(*rel)) {
            // A directory's files are in `dst` too, so each goes by itself.
            match node {
                Node::File { .. } => plan.delete_files.push(rel.clone()),
                Node::Dir => plan.delete_dirs.push(rel.clone()),
            }
        }
        // Path order puts parents first; deepest first is its reverse.
        plan.delete_dirs.reverse();
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64) -> Node {
        Node::File {
            size: Some(size),
            modified: None,
        }
    }

    fn tree(items: &[(&str, Node)]) -> Tree {
        items.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn new_and_changed_files_are_sent_and_equal_ones_skipped() {
        let src = tree(&[
            ("a", file(1)),
            ("d", Node::Dir),
            ("d/b", file(2)),
            ("c", file(3)),
            ("e", file(4)),
        ]);
        let dst = tree(&[("a", file(1)), ("c", file(9)), ("e", file(4))]);
        let mut asked = Vec::new();
        let p = plan(&src, &dst, false, &mut |rel, _, _| {
            asked.push(rel.to_string());
            Ok(rel != "e")
        })
        .unwrap();
        assert_eq!(p.mkdirs, ["d"]);
        assert_eq!(p.send, ["c", "d/b", "e"]);
        assert_eq!(p.skipped, 1);
        assert_eq!(asked, ["a", "e"], "only equal sizes are compared further");
        assert!(p.delete_files.is_empty() && p.delete_dirs.is_empty());
    }

    #[test]
    fn delete_lists_extra_files_and_directories_deepest_first() {
        let src = tree(&[("keep", file(1))]);
        let dst = tree(&[
            ("keep", file(1)),
            ("old", Node::Dir),
            ("old/deeper", Node::Dir),
            ("old/deeper/x", file(1)),
            ("y", file(2)),
        ]);
        let p = plan(&src, &dst, true, &mut |_, _, _| Ok(true)).unwrap();
        assert_eq!(p.delete_files, ["old/deeper/x", "y"]);
        assert_eq!(p.delete_dirs, ["old/deeper", "old"]);
        let kept = plan(&src, &dst, false, &mut |_, _, _| Ok(true)).unwrap();
        assert!(kept.delete_files.is_empty() && kept.delete_dirs.is_empty());
    }

    #[test]
    fn a_file_against_a_directory_is_a_conflict() {
        let src = tree(&[("x", file(1)), ("y", Node::Dir)]);
        let dst = tree(&[("x", Node::Dir), ("y", file(1))]);
        let p = plan(&src, &dst, true, &mut |_, _, _| Ok(true)).unwrap();
        assert_eq!(p.conflicts, ["x", "y"]);
        assert!(p.send.is_empty() && p.delete_files.is_empty());
    }
}
