//! Who may log in and who may write: anonymous is read-only unless `--write`,
//! and once a `--user` is given anonymous is off unless `--anonymous` too.
//! The `--user` cases run the real `ftpd` binary, because the rule is part of
//! the command-line contract.

use std::collections::BTreeMap;

use super::assert_code;
use crate::support::data::RawData;
use crate::support::ftpd::Ftpd;
use crate::support::raw::RawSession;
use crate::support::tree::{digest, Entry};
use crate::support::TestServer;

fn snapshot(s: &std::path::Path) -> BTreeMap<String, Entry> {
    digest(s)
}

#[test]
fn anonymous_is_read_only_by_default() {
    let s = TestServer::start_with(|_| {});
    std::fs::write(s.path("f.txt"), b"original").expect("write");
    std::fs::create_dir(s.path("d")).expect("mkdir");
    let before = snapshot(&s.root());

    for user in ["anonymous", "ftp", "ANONYMOUS"] {
        let mut r = RawSession::connect(s.addr);
        r.expect(&format!("USER {user}"), 331);
        r.expect("PASS whatever@example.com", 230);
        // Reading works.
        assert_eq!(r.retr("f.txt"), b"original");
        // Every kind of write is refused with 550, without opening a transfer.
        for line in ["STOR new.txt", "STOR f.txt", "APPE f.txt", "STOU"] {
            let t = r.upload(line, b"overwritten");
            assert!(!t.started(), "{line} started a transfer: {t:?}");
            assert_code(line, &t.first, &[550]);
        }
        for line in [
            "MKD newdir",
            "XMKD newdir",
            "DELE f.txt",
            "RMD d",
            "XRMD d",
            "SITE CHMOD 777 f.txt",
        ] {
            let reply = r.cmd(line);
            assert!(reply.code.is_permanent_failure(), "{line}: {reply:?}");
        }
        // A rename is refused at RNFR or at RNTO.
        let reply = r.cmd("RNFR f.txt");
        if reply.code.0 == 350 {
            r.expect("RNTO g.txt", 550);
        } else {
            assert_code("RNFR", &reply, &[550]);
        }
        r.expect("NOOP", 200);
    }
    assert_eq!(
        snapshot(&s.root()),
        before,
        "a read-only session changed the tree"
    );
}

#[test]
fn user_flag_turns_anonymous_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("f.txt"), b"for alice").expect("write");
    let root = dir.path().to_str().expect("utf8");
    let ftpd = Ftpd::spawn(&["--root", root, "--user", "alice:pa55:word"]);

    // Two failures only: a third from the same IP would get 127.0.0.1 banned
    // (max_login_failures), which tests/limits.rs covers.
    for (user, pass) in [("anonymous", "x@y"), ("alice", "wrong")] {
        let mut r = RawSession::connect(ftpd.addr);
        r.expect(&format!("USER {user}"), 331);
        r.expect(&format!("PASS {pass}"), 530);
        r.expect("PWD", 530);
    }
    // Every USER gets 331, so names cannot be probed.
    let mut r = RawSession::connect(ftpd.addr);
    r.expect("USER bob", 331);
    r.expect("USER ftp", 331);
    r.expect("QUIT", 221);
    let mut r = RawSession::connect(ftpd.addr);
    r.expect("USER alice", 331);
    r.expect("PASS pa55:word", 230);
    assert_eq!(r.retr("f.txt"), b"for alice");
    // No --write: alice is read-only too.
    let t = r.upload("STOR new.txt", b"x");
    assert!(!t.started(), "{t:?}");
    assert_code("STOR without --write", &t.first, &[550]);
    assert!(!dir.path().join("new.txt").exists());
}

#[test]
fn anonymous_flag_with_user_allows_both_and_write_applies_to_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_str().expect("utf8");
    let ftpd = Ftpd::spawn(&[
        "--root",
        root,
        "--user",
        "alice:secret",
        "--anonymous",
        "--write",
    ]);

    let mut r = RawSession::connect(ftpd.addr);
    r.expect("USER anonymous", 331);
    r.expect("PASS x@y", 230);
    r.stor("from-anon.txt", b"anon");
    let mut r = RawSession::connect(ftpd.addr);
    r.expect("USER alice", 331);
    r.expect("PASS secret", 230);
    r.stor("from-alice.txt", b"alice");
    assert_eq!(
        std::fs::read(dir.path().join("from-anon.txt")).expect("read"),
        b"anon"
    );
    assert_eq!(
        std::fs::read(dir.path().join("from-alice.txt")).expect("read"),
        b"alice"
    );
}
