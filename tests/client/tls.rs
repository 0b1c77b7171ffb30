//! `ftpc` over FTPS (RFC 4217), checked by content hash:
//! - vsftpd with `require_ssl_reuse=YES`, under TLS 1.3 (tickets) and TLS
//!   1.2 (session ids): every data connection must resume the control
//!   connection's session or vsftpd ends the session;
//! - pyftpdlib's TLS_FTPHandler (pyOpenSSL);
//! - proftpd's mod_tls requiring session reuse (TLS 1.3 and 1.2) and
//!   pure-ftpd's `-Y 3`, unpacked from their Debian packages (`others.rs`);
//! - our `ftpd`: explicit `--tls`, implicit `ftps://`, `--tls=auto`, and
//!   `--tls-require-session-reuse` with `--require-tls`;
//! - certificate checks: unknown CA exits 6, `--ca-file` trusts the test CA,
//!   `--insecure` connects and warns; AUTH TLS refused exits 6.
//!
//! `-v` prints one line per TLS handshake ("TLS data connection: TLSv1_3
//! ..., resumed session"), which is how reuse is checked from outside.

mod certs;
mod ftpd;
mod others;
mod servers;

use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

use super::peers::{self, Remote};
use super::{ftpc, ftpc_in, tempdir, write, Out};
use certs::TestPki;
use servers::{PyFtpdTls, Versions, VsftpdTls};

/// Every TLS data connection in a `-v` run resumed the control session,
/// and the control connection negotiated `version` ("TLSv1_3").
fn assert_resumed(out: &Out, version: &str) {
    let control: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("TLS control connection: "))
        .collect();
    assert_eq!(control.len(), 1, "{}", out.describe());
    assert!(control[0].contains(version), "{}", out.describe());
    let data: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("TLS data connection: "))
        .collect();
    assert!(
        !data.is_empty(),
        "no TLS data connection\n{}",
        out.describe()
    );
    assert!(
        data.iter().all(|l| l.ends_with("resumed session")),
        "{}",
        out.describe()
    );
}

/// put, get and ls one file over TLS with `-v`; contents by hash, and every
/// data connection resumed the session.
pub fn get_put_ls(server: &impl Remote, tls: &[&str], version: &str) {
    let content = pseudo_random(400_000, 41);
    let local = tempdir();
    let src = write(local.path(), "up.bin", &content);
    let run = |rest: &[&str]| {
        let mut args = tls.to_vec();
        args.push("-v");
        args.extend(rest);
        let out = ftpc_in(local.path(), &args);
        out.ok();
        assert_resumed(&out, version);
        out
    };
    run(&[
        "put",
        src.to_str().expect("utf8"),
        &server.url("tls-up.bin"),
    ]);
    assert_eq!(
        sha256_file(&server.root().join("tls-up.bin")),
        sha256(&content)
    );
    server.fixup();
    run(&["get", &server.url("tls-up.bin"), "back.bin"]);
    assert_eq!(
        sha256_file(&local.path().join("back.bin")),
        sha256(&content)
    );
    let out = run(&["ls", &server.url("")]);
    assert!(
        out.stdout_str().lines().any(|l| l == "tls-up.bin"),
        "{}",
        out.describe()
    );
}

#[test]
fn vsftpd_tls13_requiring_session_reuse() {
    let pki = TestPki::new();
    let s = VsftpdTls::start(&pki, Versions::Default);
    let ca = pki.ca_arg();
    get_put_ls(&s, &["--tls", "--ca-file", &ca], "TLSv1_3");
    // 41 files over 3 connections: many data connections per session.
    peers::tree_roundtrip(&s, &["--tls", "--ca-file", &ca, "-j", "3"]);
}

#[test]
fn vsftpd_tls12_session_id_reuse_passive_and_active() {
    let pki = TestPki::new();
    let s = VsftpdTls::start(&pki, Versions::Tls12Only);
    let ca = pki.ca_arg();
    get_put_ls(&s, &["--tls", "--ca-file", &ca], "TLSv1_2");
    get_put_ls(&s, &["--tls", "--ca-file", &ca, "--active"], "TLSv1_2");
    peers::tree_roundtrip(&s, &["--tls", "--ca-file", &ca, "--active", "-j", "2"]);
}

#[test]
fn pyftpdlib_tls_get_put_and_auto_upgrade() {
    let pki = TestPki::new();
    let s = PyFtpdTls::start(&pki);
    let ca = pki.ca_arg();
    get_put_ls(&s, &["--tls", "--ca-file", &ca], "TLSv1_3");
    // pyftpdlib refuses USER before AUTH here: auto must upgrade.
    get_put_ls(&s, &["--tls=auto", "--ca-file", &ca], "TLSv1_3");
    peers::tree_roundtrip(&s, &["--tls", "--ca-file", &ca, "-j", "2"]);
}

#[test]
fn unknown_ca_exits_6_ca_file_and_insecure_connect() {
    let pki = TestPki::new();
    let s = PyFtpdTls::start(&pki);
    write(&s.root(), "x.txt", b"x");
    let out = ftpc(&["--tls", "ls", &s.url("")]);
    out.expect_code(6);
    assert!(out.stderr.contains("not trusted"), "{}", out.describe());

    // Global flags work after the subcommand too.
    let ca = pki.ca_arg();
    let out = ftpc(&["ls", &s.url(""), "--tls", "--ca-file", &ca]);
    assert_eq!(out.ok().stdout_str(), "x.txt\n");
    assert!(!out.stderr.contains("warning"), "{}", out.describe());

    let out = ftpc(&["--insecure", "--tls", "ls", &s.url("")]);
    assert_eq!(out.ok().stdout_str(), "x.txt\n");
    assert!(
        out.stderr
            .contains("warning: --insecure: the server's certificate is not verified"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_ca_file_without_certificates_exits_6() {
    let pki = TestPki::new();
    let s = PyFtpdTls::start(&pki);
    let local = tempdir();
    let bogus = write(local.path(), "bogus.pem", b"no certificate here\n");
    let bogus = bogus.to_str().expect("utf8");
    let out = ftpc(&["--tls", "--ca-file", bogus, "ls", &s.url("")]);
    out.expect_code(6);
    assert!(out.stderr.contains("--ca-file"), "{}", out.describe());
}

/// Our ftpd without a certificate refuses AUTH TLS: `--tls` fails with 6,
/// `--tls=auto` goes on in plain text (it is not offered in FEAT).
#[test]
fn auth_tls_refused_exits_6_unless_auto() {
    let s = TestServer::start();
    write(&s.root(), "plain.txt", b"p");
    let out = ftpc(&["--tls", "ls", &s.url("")]);
    out.expect_code(6);
    assert!(
        out.stderr.contains("server refused AUTH TLS"),
        "{}",
        out.describe()
    );
    let out = ftpc(&["-v", "--tls=auto", "ls", &s.url("")]);
    assert_eq!(out.ok().stdout_str(), "plain.txt\n");
    assert!(!out.stderr.contains("> AUTH"), "{}", out.describe());
}

/// Bytes sent right after the 234 reply, before the handshake, are refused
/// rather than read later as if they had come over TLS (the STARTTLS
/// command-injection class of bugs).
#[test]
fn data_injected_after_auth_reply_exits_6() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (conn, _) = listener.accept().expect("accept");
        conn.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("timeout");
        let mut reader = BufReader::new(conn.try_clone().expect("clone"));
        let mut w = conn;
        w.write_all(b"220 hello\r\n").expect("greet");
        let mut line = String::new();
        reader.read_line(&mut line).expect("read AUTH");
        w.write_all(b"234 go ahead\r\n230 injected, you are logged in\r\n")
            .expect("write");
        // Hold the connection until the client gives up on it.
        let mut rest = Vec::new();
        let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
        line
    });
    let out = ftpc(&[
        "--tls",
        "--insecure",
        "ls",
        &format!("ftp://127.0.0.1:{port}/"),
    ]);
    out.expect_code(6);
    // One write on loopback arrives in one read, so the 230 is already
    // buffered when the client would start its handshake.
    assert!(
        out.stderr
            .contains("between its AUTH TLS reply and the handshake"),
        "{}",
        out.describe()
    );
    assert_eq!(server.join().expect("server thread"), "AUTH TLS\r\n");
}
