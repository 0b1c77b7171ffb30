//! `wget -m` against `ftpd`: wget mirrors an FTP tree by parsing Unix
//! `LIST` output and RETRing each file, so this checks that the LIST
//! format, names with spaces, brackets, quotes, wildcards and non-ASCII
//! characters, and empty directories survive a stock mirroring client,
//! by content hash.

use std::collections::BTreeMap;

use crate::support::run::wget;
use crate::support::tree::{digest, write_sample_tree, Entry};
use crate::support::TestServer;

/// Odd but legal names, on top of the sample tree. Two kinds are left out
/// because wget loses them whatever the server does: a `%` (wget decodes
/// `%20` in the names it saves) and a leading space (its `ls -l` parser
/// splits on runs of spaces, so no LIST line can carry one).
const ODD: &[&str] = &[
    "odd [1] #x.txt",
    "-dash.txt",
    ".hidden",
    "semi;colon&amp.txt",
    "quote's \"x\".txt",
    "tilde~",
    "trailing.dot.",
    "a*b",
    "x?y",
];

#[test]
fn wget_mirror_copies_the_tree_exactly() {
    let s = TestServer::start();
    write_sample_tree(&s.root());
    for (i, name) in ODD.iter().enumerate() {
        std::fs::write(s.path(name), format!("odd file {i}: {name}\n")).expect("write");
    }
    let local = tempfile::tempdir().expect("tempdir");

    let ran = wget(local.path(), ["-m", "-nH", &s.url("/")]);
    ran.ok();
    // wget keeps the LIST output it parsed as `.listing` in each directory
    // it mirrored; everything else must be the server's tree.
    let (listings, mirrored): (BTreeMap<String, Entry>, BTreeMap<String, Entry>) =
        digest(local.path())
            .into_iter()
            .partition(|(rel, _)| rel.rsplit('/').next() == Some(".listing"));
    assert!(
        listings.contains_key(".listing"),
        "{}",
        ran.describe("no .listing")
    );
    let want = digest(&s.root());
    assert!(want.len() > 20, "the tree: {want:?}");
    assert_eq!(mirrored, want, "{}", ran.describe("mirror"));
}
