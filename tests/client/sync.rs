//! `ftpc sync` against our `ftpd`, both ways: the first run copies a tree
//! (by hash, times to the second), the second sends nothing (every remote
//! inode stays), a changed file is the only one sent, `--delete` removes
//! what the source lacks, `--dry-run` changes nothing, and `--checksum`
//! finds a change that size and time hide.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::TestServer;

use super::{ftpc, set_time, tempdir, write, Out};

/// Every regular file under `base`: relative path → (mtime seconds, inode).
fn stats(base: &Path) -> BTreeMap<String, (i64, u64)> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, (i64, u64)>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let path = e.expect("entry").path();
            let m = std::fs::symlink_metadata(&path).expect("stat");
            if m.is_dir() {
                walk(base, &path, out);
            } else if m.is_file() {
                let rel = path.strip_prefix(base).expect("rel");
                out.insert(rel.to_string_lossy().into_owned(), (m.mtime(), m.ino()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(base, base, &mut out);
    out
}

/// Give every file under `base` its own old time (2020, a second apart),
/// so that a kept time cannot be mistaken for the time of the copy.
fn age(base: &Path) {
    for (i, rel) in stats(base).keys().enumerate() {
        set_time(&base.join(rel), 1_600_000_000 + i as u64);
    }
}

/// The counts of the closing line: (transferred, skipped, deleted).
fn counts(out: &Out) -> (u64, u64, u64) {
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with("sync: "))
        .unwrap_or_else(|| panic!("no summary line\n{}", out.describe()));
    let num = |word: &str| -> u64 {
        let before = line.split(word).next().expect("split");
        let n = before.rsplit([' ', '(']).find(|w| !w.is_empty());
        n.and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count before {word:?} in {line:?}"))
    };
    (num(" transferred"), num(" skipped"), num(" deleted"))
}

/// Mtimes only, to compare two trees' times.
fn times(base: &Path) -> BTreeMap<String, i64> {
    stats(base).into_iter().map(|(k, (t, _))| (k, t)).collect()
}

#[test]
fn sync_up_copies_then_sends_nothing_then_only_the_changed_file() {
    let s = TestServer::start();
    let local = tempdir();
    write_sample_tree(local.path());
    age(local.path());
    let url = s.url("site");
    let first = ftpc(&["-j", "3", "sync", local.path().to_str().unwrap(), &url]);
    first.ok();
    let files = stats(local.path()).len() as u64;
    assert_eq!(counts(&first), (files, 0, 0), "{}", first.describe());
    assert_same(local.path(), &s.path("site"));
    assert_eq!(
        times(local.path()),
        times(&s.path("site")),
        "times kept to the second"
    );

    let before = stats(&s.path("site"));
    let second = ftpc(&["sync", local.path().to_str().unwrap(), &url]);
    second.ok();
    assert_eq!(counts(&second), (0, files, 0), "{}", second.describe());
    assert_eq!(
        stats(&s.path("site")),
        before,
        "no remote file was rewritten"
    );

    // Same size, new content and a new time: only this file goes.
    let changed = local.path().join("with space/read me.txt");
    let len = std::fs::metadata(&changed).expect("stat").len() as usize;
    std::fs::write(&changed, vec![b'x'; len]).expect("rewrite");
    set_time(&changed, 1_700_000_000);
    let third = ftpc(&["sync", local.path().to_str().unwrap(), &url]);
    third.ok();
    assert_eq!(counts(&third), (1, files - 1, 0), "{}", third.describe());
    assert_same(local.path(), &s.path("site"));
    let after = stats(&s.path("site"));
    for (rel, stat) in &before {
        if rel == "with space/read me.txt" {
            assert_ne!(after[rel].1, stat.1, "the changed file was replaced");
            assert_eq!(after[rel].0, 1_700_000_000);
        } else {
            assert_eq!(&after[rel], stat, "{rel} was left alone");
        }
    }
}

#[test]
fn sync_up_dry_run_changes_nothing_and_delete_removes_extras() {
    let s = TestServer::start();
    let local = tempdir();
    write(local.path(), "keep.txt", b"keep");
    write(local.path(), "new.txt", b"new");
    write(&s.path("site"), "keep.txt", b"old!");
    write(&s.path("site"), "gone/deeper/x.txt", b"x");
    write(&s.path("site"), "extra.txt", b"extra");
    // keep.txt has the server's size: its other time tells them apart.
    age(local.path());
    let src = local.path().to_str().unwrap();
    let url = s.url("site");
    let before = stats(&s.path("site"));

    let dry = ftpc(&["sync", "--delete", "--dry-run", src, &url]);
    dry.ok();
    let listed = dry.stdout_str();
    for line in [
        "would upload keep.txt",
        "would upload new.txt",
        "would delete extra.txt",
        "would delete gone/deeper/x.txt",
        "would delete gone/deeper",
        "would delete gone",
    ] {
        assert!(
            listed.lines().any(|l| l == line),
            "{line:?}\n{}",
            dry.describe()
        );
    }
    assert_eq!(
        stats(&s.path("site")),
        before,
        "--dry-run changed the server"
    );
    assert!(!s.path("site/new.txt").exists());

    let kept = ftpc(&["sync", src, &url]);
    kept.ok();
    assert!(
        s.path("site/extra.txt").exists(),
        "no --delete: extras stay"
    );
    assert_eq!(
        std::fs::read(s.path("site/keep.txt")).expect("read"),
        b"keep"
    );

    let deleted = ftpc(&["sync", "--delete", src, &url]);
    deleted.ok();
    assert_eq!(counts(&deleted), (0, 2, 4), "{}", deleted.describe());
    assert_same(local.path(), &s.path("site"));
}

#[test]
fn sync_down_copies_then_sends_nothing_then_only_the_changed_file() {
    let s = TestServer::start();
    write_sample_tree(&s.path("site"));
    age(&s.path("site"));
    let local = tempdir();
    let dst = local.path().join("copy");
    let dst_s = dst.to_str().unwrap();
    let url = s.url("site/");
    let files = stats(&s.path("site")).len() as u64;
    let first = ftpc(&["-j", "3", "sync", &url, dst_s]);
    first.ok();
    assert_eq!(counts(&first), (files, 0, 0), "{}", first.describe());
    assert_same(&s.path("site"), &dst);
    assert_eq!(
        times(&s.path("site")),
        times(&dst),
        "times kept to the second"
    );

    let before = stats(&dst);
    let second = ftpc(&["sync", &url, dst_s]);
    second.ok();
    assert_eq!(counts(&second), (0, files, 0), "{}", second.describe());
    assert_eq!(stats(&dst), before, "no local file was rewritten");

    let changed = s.path("site/a/b/c/deep.bin");
    std::fs::write(&changed, b"shorter now").expect("rewrite");
    set_time(&changed, 1_700_000_000);
    let third = ftpc(&["sync", &url, dst_s]);
    third.ok();
    assert_eq!(counts(&third), (1, files - 1, 0), "{}", third.describe());
    assert_same(&s.path("site"), &dst);
    let after = stats(&dst);
    for (rel, stat) in &before {
        if rel == "a/b/c/deep.bin" {
            assert_eq!(after[rel].0, 1_700_000_000, "the new time came along");
        } else {
            assert_eq!(&after[rel], stat, "{rel} was left alone");
        }
    }
}

#[test]
fn sync_down_dry_run_changes_nothing_and_delete_removes_extras() {
    let s = TestServer::start();
    write(&s.path("site"), "a.txt", b"a");
    let local = tempdir();
    write(local.path(), "a.txt", b"a");
    write(local.path(), "stale/old.txt", b"old");
    write(local.path(), "stray.txt", b"stray");
    // a.txt is the same size on both sides: its other time tells them apart.
    age(&s.path("site"));
    let dst = local.path().to_str().unwrap();
    let url = s.url("site");
    let before = stats(local.path());

    let dry = ftpc(&["sync", "-n", "--delete", &url, dst]);
    dry.ok();
    let listed = dry.stdout_str();
    for line in [
        "would download a.txt",
        "would delete stale/old.txt",
        "would delete stray.txt",
        "would delete stale",
    ] {
        assert!(
            listed.lines().any(|l| l == line),
            "{line:?}\n{}",
            dry.describe()
        );
    }
    assert_eq!(stats(local.path()), before, "--dry-run changed local files");

    let deleted = ftpc(&["sync", "--delete", &url, dst]);
    deleted.ok();
    assert_eq!(counts(&deleted), (1, 0, 3), "{}", deleted.describe());
    assert_same(&s.path("site"), local.path());
}

#[test]
fn sync_checksum_finds_a_change_that_size_and_time_hide() {
    let s = TestServer::start();
    let local = tempdir();
    write(local.path(), "same.bin", b"0123456789");
    write(local.path(), "twin.bin", b"abcdefghij");
    age(local.path());
    let src = local.path().to_str().unwrap();
    let url = s.url("site");
    ftpc(&["sync", src, &url]).ok();

    // The server's copy changes, keeping its size and time.
    let remote = s.path("site/same.bin");
    let mtime = std::fs::metadata(&remote).expect("stat").mtime();
    std::fs::write(&remote, b"9876543210").expect("rewrite");
    set_time(&remote, mtime as u64);

    let plain = ftpc(&["sync", src, &url]);
    plain.ok();
    assert_eq!(counts(&plain), (0, 2, 0), "size and time agree: skipped");
    assert_eq!(std::fs::read(&remote).expect("read"), b"9876543210");

    let checked = ftpc(&["--checksum", "sync", src, &url]);
    checked.ok();
    assert_eq!(counts(&checked), (1, 1, 0), "{}", checked.describe());
    assert_same(local.path(), &s.path("site"));
}

#[test]
fn sync_needs_one_url_and_reports_a_file_against_a_directory() {
    let a = tempdir();
    let b = tempdir();
    let both_local = ftpc(&[
        "sync",
        a.path().to_str().unwrap(),
        b.path().to_str().unwrap(),
    ]);
    both_local.expect_code(2);
    assert!(both_local
        .stderr
        .contains("one local directory and one ftp://"));

    let s = TestServer::start();
    write(a.path(), "x/inner.txt", b"dir here");
    write(a.path(), "ok.txt", b"fine");
    write(&s.path("site"), "x", b"a file there");
    let out = ftpc(&["sync", a.path().to_str().unwrap(), &s.url("site")]);
    out.expect_code(7);
    assert!(
        out.stderr
            .contains("x: a file on one side and a directory on the other"),
        "{}",
        out.describe()
    );
    assert_eq!(std::fs::read(s.path("site/ok.txt")).expect("read"), b"fine");
    assert_eq!(
        std::fs::read(s.path("site/x")).expect("read"),
        b"a file there"
    );
}
