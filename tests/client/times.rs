//! Modification times survive `put`, `put -r`, `get` and `get -r` by
//! default, to the second: against our `ftpd` (MFMT, MLSD), pyftpdlib
//! (MFMT, MLSD; and a variant with SITE UTIME only) and vsftpd (MDTM only: downloads keep times, uploads say
//! once that they cannot). `--no-preserve-times` turns it off.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::support::TestServer;

use super::peers::{Remote, Vsftpd};
use super::{ftpc, set_time, tempdir, write, PyFtpd};

/// 2020-09-13 12:26:40 UTC and a few seconds on: clearly not "now".
const OLD: u64 = 1_600_000_000;

fn mtime(path: &Path) -> i64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .mtime()
}

/// put a file and a tree, then get both back: every time is kept.
fn round_trip_keeps_times(server: &impl Remote) {
    let local = tempdir();
    let one = write(local.path(), "one.txt", b"one");
    set_time(&one, OLD);
    let tree = local.path().join("tree");
    for (i, rel) in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
        .iter()
        .enumerate()
    {
        set_time(&write(&tree, rel, rel.as_bytes()), OLD + 1 + i as u64);
    }
    ftpc(&["put", one.to_str().unwrap(), &server.url("one.txt")]).ok();
    ftpc(&["put", "-r", tree.to_str().unwrap(), &server.url("tree")]).ok();
    assert_eq!(mtime(&server.root().join("one.txt")), OLD as i64);
    for (i, rel) in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            mtime(&server.root().join("tree").join(rel)),
            (OLD + 1) as i64 + i as i64
        );
    }

    let back = tempdir();
    let got = back.path().join("one.txt");
    ftpc(&["get", &server.url("one.txt"), got.to_str().unwrap()]).ok();
    assert_eq!(mtime(&got), OLD as i64);
    let tree_back = back.path().join("tree");
    ftpc(&[
        "get",
        "-r",
        &server.url("tree"),
        tree_back.to_str().unwrap(),
    ])
    .ok();
    for (i, rel) in ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]
        .iter()
        .enumerate()
    {
        assert_eq!(
            mtime(&tree_back.join(rel)),
            (OLD + 1) as i64 + i as i64,
            "{rel}"
        );
    }
}

#[test]
fn times_survive_put_and_get_on_ftpd() {
    round_trip_keeps_times(&TestServer::start());
}

#[test]
fn times_survive_put_and_get_on_pyftpdlib() {
    let root = tempdir();
    round_trip_keeps_times(&PyFtpd::start(root.path()));
}

#[test]
fn times_survive_put_with_site_utime_where_there_is_no_mfmt() {
    let root = tempdir();
    let server = PyFtpd::start_script(
        "tests/client/pyftpd_variants.py",
        root.path(),
        &[Path::new("utime")],
    );
    round_trip_keeps_times(&server);
}

#[test]
fn no_preserve_times_leaves_the_time_of_the_copy() {
    let s = TestServer::start();
    let local = tempdir();
    let file = write(local.path(), "f.txt", b"f");
    set_time(&file, OLD);
    ftpc(&[
        "--no-preserve-times",
        "put",
        file.to_str().unwrap(),
        &s.url("f.txt"),
    ])
    .ok();
    assert!(
        mtime(&s.path("f.txt")) > OLD as i64 + 365 * 86_400,
        "the upload's own time"
    );

    set_time(&s.path("f.txt"), OLD);
    let got = local.path().join("g.txt");
    ftpc(&[
        "--no-preserve-times",
        "get",
        &s.url("f.txt"),
        got.to_str().unwrap(),
    ])
    .ok();
    assert!(
        mtime(&got) > OLD as i64 + 365 * 86_400,
        "the download's own time"
    );
}

#[test]
fn vsftpd_downloads_keep_times_and_uploads_warn_once() {
    let server = Vsftpd::start();
    let local = tempdir();
    let tree = local.path().join("t");
    for i in 0..3 {
        set_time(&write(&tree, &format!("f{i}.txt"), b"x"), OLD);
    }
    let up = ftpc(&["put", "-r", tree.to_str().unwrap(), &server.url("t")]);
    up.ok();
    let warnings = up.stderr.matches("neither MFMT nor SITE UTIME").count();
    assert_eq!(warnings, 1, "{}", up.describe());

    let served = server.root().join("t/f0.txt");
    set_time(&served, OLD + 7);
    server.fixup();
    let got = local.path().join("f0.txt");
    ftpc(&["get", &server.url("t/f0.txt"), got.to_str().unwrap()]).ok();
    assert_eq!(mtime(&got), (OLD + 7) as i64, "from MDTM");
}
