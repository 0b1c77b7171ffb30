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
