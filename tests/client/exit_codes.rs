//! Every documented exit code of `ftpc`, each provoked for real:
//! 0 ok, 1 other, 2 usage, 3 not found, 4 login refused, 5 connection,
//! 6 TLS, 7 partial (see hostile.rs too), 130 Ctrl-C (hostile.rs).

use std::process::Stdio;

use crate::support::TestServer;

use super::fake::{Fake, FakeConfig};
use super::{closed_port, ftpc, ftpc_cmd, ftpc_in, run_with, tempdir, write, PyFtpd};

#[test]
fn exit_0_on_success() {
    let s = TestServer::start();
    write(&s.root(), "x.txt", b"x");
    ftpc(&["ls", &s.url("")]).expect_code(0);
}

#[test]
fn exit_1_when_the_server_refuses() {
    let dir = tempdir();
    let s = PyFtpd::start(dir.path());
    std::fs::create_dir(dir.path().join("exists")).expect("mkdir");
    let out = ftpc(&["mkdir", &s.url("exists")]);
    out.expect_code(1);
    assert!(out.stderr.contains("MKD exists: 550"), "{}", out.describe());
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line per error: {}",
        out.describe()
    );
}

#[test]
fn exit_2_on_usage_errors() {
    ftpc(&[]).expect_code(2);
    ftpc(&["frobnicate", "ftp://127.0.0.1/"]).expect_code(2);
    ftpc(&["ls", "--bogus", "ftp://127.0.0.1/"]).expect_code(2);
    ftpc(&["ls", "http://127.0.0.1/"]).expect_code(2);
    ftpc(&["-j", "0", "ls", "ftp://127.0.0.1/"]).expect_code(2);
}

#[test]
fn exit_2_for_cr_lf_in_arguments_before_anything_is_sent() {
    let fake = Fake::start(FakeConfig::default());
    for url in [
        fake.url("a%0D%0ADELE%20victim"),
        fake.url("a%0Ab"),
        format!("ftp://u%0d%0aSITE@127.0.0.1:{}/", fake.port),
    ] {
        let out = ftpc(&["get", &url]);
        out.expect_code(2);
        assert!(out.stderr.contains("line break"), "{}", out.describe());
    }
    let out = ftpc(&["mv", &fake.url("a"), "b\r\nDELE c"]);
    out.expect_code(2);
    let mut cmd = ftpc_cmd(&["-u", "bob", "ls", &fake.url("")]);
    cmd.env("FTPC_PASSWORD", "pw\r\nDELE x");
    run_with(cmd, None).expect_code(2);
    assert!(
        fake.lines().is_empty(),
        "nothing may be sent: {:?}",
        fake.lines()
    );
}

#[test]
fn exit_3_when_the_remote_path_is_missing() {
    let s = TestServer::start();
    let dir = tempdir();
    let out = ftpc_in(dir.path(), &["get", &s.url("missing.txt")]);
    out.expect_code(3);
    assert!(
        !dir.path().join("missing.txt").exists(),
        "no empty file left behind"
    );
    ftpc(&["stat", &s.url("missing.txt")]).expect_code(3);
    ftpc(&["cat", &s.url("missing.txt")]).expect_code(3);
    let p = PyFtpd::start(dir.path());
    ftpc(&["ls", &p.url("no/such/dir/")]).expect_code(3);
    ftpc(&["rm", &p.url("nothing")]).expect_code(3);
}

#[test]
fn exit_4_when_login_is_refused_and_0_with_each_password_source() {
    let dir = tempdir();
    let s = PyFtpd::start(dir.path());
    let url = format!("ftp://alice@127.0.0.1:{}/", s.port);
    ftpc(&["ls", &url.replace("alice@", "alice:wrong@")]).expect_code(4);
    ftpc(&["ls", &url]).expect_code(4);
    // URL password
    ftpc(&["ls", &url.replace("alice@", "alice:secret@")]).ok();
    // FTPC_PASSWORD
    let mut cmd = ftpc_cmd(&["ls", &url]);
    cmd.env("FTPC_PASSWORD", "secret");
    run_with(cmd, None).ok();
    // --password-stdin with -u
    let mut cmd = ftpc_cmd(&[
        "-u",
        "alice",
        "--password-stdin",
        "ls",
        &format!("ftp://127.0.0.1:{}/", s.port),
    ]);
    cmd.stdin(Stdio::piped());
    run_with(cmd, Some(b"secret\n".to_vec())).ok();
    // ~/.netrc (via $NETRC)
    let netrc = write(
        dir.path(),
        "netrc",
        b"machine 127.0.0.1 login alice password secret\n",
    );
    let mut cmd = ftpc_cmd(&["ls", &format!("ftp://127.0.0.1:{}/", s.port)]);
    cmd.env("NETRC", &netrc);
    run_with(cmd, None).ok();
}

#[test]
fn exit_5_when_the_server_is_unreachable() {
    let out = ftpc(&["ls", &format!("ftp://127.0.0.1:{}/", closed_port())]);
    out.expect_code(5);
    assert!(
        out.stderr.contains("connect to 127.0.0.1"),
        "{}",
        out.describe()
    );
}

/// A plain server behind an ftps:// URL: its greeting is no TLS handshake.
/// (Refused AUTH TLS and untrusted certificates: see tls.rs.)
#[test]
fn exit_6_for_tls() {
    let s = TestServer::start();
    let url = s.url("").replacen("ftp://", "ftps://", 1);
    let out = ftpc(&["ls", &url]);
    out.expect_code(6);
    assert!(
        out.stderr.contains("ftpc: tls: handshake"),
        "{}",
        out.describe()
    );
}

#[test]
fn exit_7_when_some_files_of_a_tree_fail() {
    let fake = Fake::start(FakeConfig {
        listing: "type=file;size=2; good\r\ntype=file;size=2; ../bad\r\n".into(),
        files: vec![("t/good".into(), b"ok".to_vec())],
        ..Default::default()
    });
    let dir = tempdir();
    let out = ftpc_in(dir.path(), &["get", "-r", &fake.url("t")]);
    out.expect_code(7);
    assert!(
        out.stderr.contains("1 of 2 files failed"),
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read(dir.path().join("t/good")).expect("good"),
        b"ok"
    );
}
