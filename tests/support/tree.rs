//! Directory trees for mirror tests: build one with awkward names, and reduce
//! a whole tree to a map of relative path → content hash for comparison.

use std::collections::BTreeMap;
use std::path::Path;

use super::{pseudo_random, sha256};

/// What a path in a tree is: a directory, or a file with its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entry {
    Dir,
    File(String),
}

/// Files of a nested test tree: spaces, non-ASCII (composed and decomposed
/// forms are both plain UTF-8 bytes here), an empty file, a file larger than
/// one socket buffer, and three levels of nesting.
pub fn sample_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("top.txt", b"top level\n".to_vec()),
        ("empty.bin", Vec::new()),
        (
            "with space/read me.txt",
            b"a file with a space\r\nand CRLF\r\n".to_vec(),
        ),
        ("with space/big file.bin", pseudo_random(700_000, 11)),
        ("données/été/café.bin", pseudo_random(20_000, 12)),
        (
            "données/naïve résumé.txt",
            "ünïcödé content ✓\n".as_bytes().to_vec(),
        ),
        ("a/b/c/deep.bin", pseudo_random(4_097, 13)),
        ("日本語/ファイル.txt", "日本語\n".as_bytes().to_vec()),
    ]
}

/// Directories of the test tree that hold no files.
pub const SAMPLE_EMPTY_DIRS: &[&str] = &["empty dir", "a/b/also empty"];

/// Write the sample tree under `base`.
pub fn write_sample_tree(base: &Path) {
    for (rel, content) in sample_files() {
        let p = base.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir -p");
        std::fs::write(&p, content).expect("write tree file");
    }
    for d in SAMPLE_EMPTY_DIRS {
        std::fs::create_dir_all(base.join(d)).expect("mkdir empty");
    }
}

/// Every path under `base` (relative, `/`-separated) with its kind and hash.
/// Symlinks and other special files are reported as a panic: test trees have
/// none, and a mirror must not create them.
pub fn digest(base: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    walk(base, "", &mut out);
    out
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Entry>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read_dir {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("dir entry");
        let name = entry
            .file_name()
            .into_string()
            .expect("UTF-8 name in test tree");
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let ft = entry.file_type().expect("file type");
        if ft.is_dir() {
            out.insert(rel.clone(), Entry::Dir);
            walk(&entry.path(), &rel, out);
        } else if ft.is_file() {
            let bytes = std::fs::read(entry.path()).expect("read tree file");
            out.insert(rel, Entry::File(sha256(&bytes)));
        } else {
            panic!(
                "unexpected non-regular file in tree: {}",
                entry.path().display()
            );
        }
    }
}

/// Assert two trees are identical, listing the differences if not.
pub fn assert_same(expected: &Path, actual: &Path) {
    let a = digest(expected);
    let b = digest(actual);
    if a != b {
        let missing: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let extra: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        let differ: Vec<_> = a
            .iter()
            .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
            .map(|(k, _)| k)
            .collect();
        panic!(
            "trees differ: {} vs {}\nmissing: {missing:?}\nextra: {extra:?}\ndifferent content: {differ:?}",
            expected.display(),
            actual.display()
        );
    }
}
