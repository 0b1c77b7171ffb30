//! tnftp (NetBSD's ftp, the classic `ftp` client's descendant) against
//! `ftpd`: `mget *.txt` with prompting off. tnftp expands the pattern by
//! sending `NLST *.txt` and then RETRs exactly the names that come back,
//! so this checks the server-side glob end to end, by content hash.

use std::collections::BTreeMap;

use crate::support::run::tnftp;
use crate::support::tree::{digest, Entry};
use crate::support::{pseudo_random, sha256, TestServer};

/// Write `files` (path, content) under the served root.
fn serve(s: &TestServer, files: &[(&str, Vec<u8>)]) {
    for (rel, content) in files {
        let path = s.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, content).expect("write");
    }
}

/// What `files` should look like in the local directory: every file
/// whose path `keep` accepts, by hash, plus `dirs`.
fn expected(files: &[(&str, Vec<u8>)], keep: &[&str], dirs: &[&str]) -> BTreeMap<String, Entry> {
    let mut out: BTreeMap<String, Entry> = files
        .iter()
        .filter(|(rel, _)| keep.contains(rel))
        .map(|(rel, content)| (rel.to_string(), Entry::File(sha256(content))))
        .collect();
    for d in dirs {
        out.insert(d.to_string(), Entry::Dir);
    }
    out
}

fn files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("a.txt", pseudo_random(300_000, 31)),
        ("b.txt", b"bee\n".to_vec()),
        ("with space.txt", pseudo_random(5_000, 32)),
        ("notes.log", b"not a txt\n".to_vec()),
        ("txt", b"no dot\n".to_vec()),
        (".hidden.txt", b"hidden\n".to_vec()),
        ("sub/s1.txt", pseudo_random(70_000, 33)),
        ("sub/s2.txt", b"s2\n".to_vec()),
        ("sub/s3.bin", b"s3\n".to_vec()),
    ]
}

#[test]
fn tnftp_mget_star_txt_fetches_exactly_the_matching_files() {
    let s = TestServer::start();
    let files = files();
    serve(&s, &files);
    let local = tempfile::tempdir().expect("tempdir");
    // tnftp saves `sub/s1.txt` under a local `sub`, which must exist.
    std::fs::create_dir(local.path().join("sub")).expect("mkdir");

    let ran = tnftp(
        s.port(),
        local.path(),
        "binary\nprompt off\nmget *.txt\nmget sub/*.txt",
    );
    ran.ok();
    for sent in ["---> NLST *.txt", "---> NLST sub/*.txt"] {
        assert!(ran.stdout.contains(sent), "{}", ran.describe(sent));
    }
    let want = expected(
        &files,
        &[
            "a.txt",
            "b.txt",
            "with space.txt",
            "sub/s1.txt",
            "sub/s2.txt",
        ],
        &["sub"],
    );
    assert_eq!(digest(local.path()), want, "{}", ran.describe("mget"));
}

#[test]
fn tnftp_mget_with_no_match_fetches_nothing_and_goes_on() {
    let s = TestServer::start();
    let files = files();
    serve(&s, &files);
    let local = tempfile::tempdir().expect("tempdir");

    let ran = tnftp(
        s.port(),
        local.path(),
        "binary\nprompt off\nmget *.nothing\nmget *.log",
    );
    ran.ok();
    assert!(
        ran.stdout.contains("---> RETR notes.log"),
        "{}",
        ran.describe("no RETR after the empty mget")
    );
    let want = expected(&files, &["notes.log"], &[]);
    assert_eq!(digest(local.path()), want, "{}", ran.describe("mget"));
}
