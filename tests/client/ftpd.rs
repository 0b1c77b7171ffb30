//! `ftpc` against our own `ftpd` (in-process `TestServer`): the shared
//! scenarios plus the password masking of `-v`.

use std::path::PathBuf;

use crate::support::TestServer;

use super::peers::{self, Remote};
use super::{ftpc_cmd, run_with};

impl Remote for TestServer {
    fn url(&self, rel: &str) -> String {
        TestServer::url(self, rel)
    }
    fn root(&self) -> PathBuf {
        TestServer::root(self)
    }
}

#[test]
fn ftpd_tree_roundtrip_parallel() {
    peers::tree_roundtrip(&TestServer::start(), &["-j", "4"]);
}

#[test]
fn ftpd_tree_roundtrip_active() {
    peers::tree_roundtrip(&TestServer::start(), &["--active", "-j", "2"]);
}

#[test]
fn ftpd_resume_get_and_put() {
    let s = TestServer::start();
    peers::resume_get(&s);
    peers::resume_get_from_part(&s);
    peers::resume_put(&s);
}

#[test]
fn ftpd_stdin_stdout_and_atomic_put() {
    let s = TestServer::start();
    peers::stdio_streaming(&s);
    peers::atomic_put(&s);
}

#[test]
fn ftpd_listing_and_file_ops() {
    peers::listing_and_file_ops(&TestServer::start());
}

#[test]
fn verbose_dialogue_masks_the_password() {
    let s = TestServer::start();
    let mut cmd = ftpc_cmd(&["-v", "ls", &s.url("")]);
    cmd.env("FTPC_PASSWORD", "topsecret-pw");
    let out = run_with(cmd, None);
    out.ok();
    assert!(out.stderr.contains("> PASS ****"), "{}", out.describe());
    assert!(!out.stderr.contains("topsecret-pw"), "{}", out.describe());
    assert!(out.stderr.contains("< 230"), "{}", out.describe());
}

/// A destination that exists and is not a regular file is written through,
/// not replaced by a rename: a symlink stays a symlink (and `-o /dev/null`
/// stays a device, by the same rule).
#[test]
fn ftpd_get_writes_through_a_symlinked_destination() {
    let s = TestServer::start();
    let content = crate::support::pseudo_random(70_000, 5);
    std::fs::create_dir_all(s.root().join("l")).expect("mkdir");
    std::fs::write(s.root().join("l/f.bin"), &content).expect("write");
    let dir = super::tempdir();
    let target = dir.path().join("real.bin");
    std::fs::write(&target, b"old").expect("write");
    let link = dir.path().join("link.bin");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    super::ftpc(&["get", &s.url("l/f.bin"), link.to_str().expect("utf8")]).ok();
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(
        crate::support::sha256_file(&target),
        crate::support::sha256(&content)
    );
}

/// How often a line starting with `first` is directly followed by one
/// starting with `then` in `-v` output (commands are logged as `> VERB`).
fn followed(out: &super::Out, first: &str, then: &str) -> usize {
    let lines: Vec<&str> = out.stderr.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with(first) && w[1].starts_with(then))
        .count()
}

/// `ftpc -v -j 1 [FLAGS] put -r` of the sample tree into `dest` on `s`,
/// checked by content; returns the local directory and ftpc's output.
fn put_sample_tree(
    s: &TestServer,
    flags: &[&str],
    dest: &str,
) -> (tempfile::TempDir, PathBuf, super::Out) {
    let local = super::tempdir();
    let src = local.path().join("src");
    crate::support::tree::write_sample_tree(&src);
    let mut args = vec!["-v", "-j", "1"];
    args.extend_from_slice(flags);
    let url = s.url(dest);
    args.extend(["put", "-r", src.to_str().expect("utf8"), &url]);
    let out = super::ftpc(&args);
    out.ok();
    crate::support::tree::assert_same(&src, &s.root().join(dest));
    (local, src, out)
}

/// Per-file round trips: once EPSV has worked, the next EPSV goes out in the
/// same write as its STOR/RETR, and an atomic put's SIZE with its RNFR; the
/// files still arrive intact both ways.
#[test]
fn ftpd_small_files_are_pipelined() {
    let s = TestServer::start();
    let (local, src, out) = put_sample_tree(&s, &[], "pipe");
    assert!(
        followed(&out, "> EPSV", "> STOR") >= 2,
        "{}",
        out.describe()
    );
    assert!(
        followed(&out, "> SIZE", "> RNFR") >= 2,
        "{}",
        out.describe()
    );

    let out = super::ftpc_in(
        local.path(),
        &["-v", "-j", "1", "get", "-r", &s.url("pipe"), "back"],
    );
    out.ok();
    crate::support::tree::assert_same(&src, &local.path().join("back"));
    assert!(
        followed(&out, "> EPSV", "> RETR") >= 2,
        "{}",
        out.describe()
    );
}

/// `--no-pipelining` sends one command at a time and still transfers the tree.
#[test]
fn ftpd_no_pipelining_sends_one_command_at_a_time() {
    let s = TestServer::start();
    let (_local, _src, out) = put_sample_tree(&s, &["--no-pipelining"], "sync");
    assert!(
        out.stderr.lines().any(|l| l.trim().starts_with("> STOR")),
        "{}",
        out.describe()
    );
    assert_eq!(
        followed(&out, "> EPSV", "> "),
        0,
        "EPSV sent without waiting for its reply: {}",
        out.describe()
    );
    assert_eq!(
        followed(&out, "> SIZE", "> RNFR"),
        0,
        "SIZE and RNFR sent together: {}",
        out.describe()
    );
}
