//! `ftpc` against our own `ftpd` binary with a certificate: explicit
//! `--tls` and `--tls=auto`, implicit `ftps://` on `--implicit-tls-listen`,
//! and `--tls-require-session-reuse` with `--require-tls`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::workspace_bin;

use super::super::peers::{self, Remote};
use super::super::{ftpc, ftpc_in, tempdir, write};
use super::certs::TestPki;
use super::get_put_ls;

/// The `ftpd` binary with `--tls-cert`/`--tls-key`, anonymous with write
/// access, plus an implicit-TLS listener; killed on drop.
pub struct FtpdTls {
    pub port: u16,
    pub implicit_port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl FtpdTls {
    /// Start with `extra` flags such as `--tls-require-session-reuse`.
    pub fn start(pki: &TestPki, extra: &[&str]) -> FtpdTls {
        let dir = tempdir();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).expect("root");
        let mut child = Command::new(workspace_bin("ftpd"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--implicit-tls-listen",
                "127.0.0.1:0",
            ])
            .arg("--root")
            .arg(&root)
            .arg("--write")
            .arg("--tls-cert")
            .arg(pki.cert())
            .arg("--tls-key")
            .arg(pki.key())
            .args(extra)
            .env_remove("FTPD_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ftpd");
        let lines = drain_lines(&mut child);
        let (mut port, mut implicit_port) = (None, None);
        let mut seen = Vec::new();
        while port.is_none() || implicit_port.is_none() {
            let Ok(line) = lines.recv_timeout(Duration::from_secs(20)) else {
                let _ = child.kill();
                panic!("ftpd printed no listening addresses:\n{}", seen.join("\n"));
            };
            port = port.or_else(|| port_after(&line, "ftp://127.0.0.1:"));
            implicit_port = implicit_port.or_else(|| port_after(&line, "ftps://127.0.0.1:"));
            seen.push(line);
        }
        FtpdTls {
            port: port.unwrap_or_default(),
            implicit_port: implicit_port.unwrap_or_default(),
            dir,
            child,
        }
    }

    /// `ftps://127.0.0.1:PORT/rel` on the implicit listener.
    pub fn ftps_url(&self, rel: &str) -> String {
        format!("ftps://127.0.0.1:{}/{rel}", self.implicit_port)
    }
}

/// Every stdout and stderr line of `child`, read on threads so that it
/// never blocks on a full pipe.
fn drain_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let outs: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("stdout")),
        Box::new(child.stderr.take().expect("stderr")),
    ];
    for out in outs {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
    }
    rx
}

/// The port in `...PREFIX12345...`.
fn port_after(line: &str, prefix: &str) -> Option<u16> {
    let tail = &line[line.find(prefix)? + prefix.len()..];
    let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl Remote for FtpdTls {
    fn url(&self, rel: &str) -> String {
        format!("ftp://127.0.0.1:{}/{rel}", self.port)
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
}

impl Drop for FtpdTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The same server seen through its implicit-TLS listener.
pub struct Implicit<'a>(pub &'a FtpdTls);

impl Remote for Implicit<'_> {
    fn url(&self, rel: &str) -> String {
        self.0.ftps_url(rel)
    }
    fn root(&self) -> PathBuf {
        self.0.root()
    }
}

#[test]
fn ftpd_explicit_tls() {
    let pki = TestPki::new();
    let s = FtpdTls::start(&pki, &[]);
    let ca = pki.ca_arg();
    get_put_ls(&s, &["--tls", "--ca-file", &ca], "TLSv1_3");
    get_put_ls(&s, &["--tls=auto", "--ca-file", &ca, "--active"], "TLSv1_3");
    peers::tree_roundtrip(&s, &["--tls", "--ca-file", &ca, "-j", "3"]);
}

#[test]
fn ftpd_implicit_tls_with_ftps_url() {
    let pki = TestPki::new();
    let s = FtpdTls::start(&pki, &[]);
    let ca = pki.ca_arg();
    get_put_ls(&Implicit(&s), &["--ca-file", &ca], "TLSv1_3");
    peers::tree_roundtrip(&Implicit(&s), &["--ca-file", &ca, "--active", "-j", "2"]);
    // An implicit server whose certificate is not trusted: exit 6.
    write(&s.root(), "x.txt", b"x");
    let out = ftpc(&["ls", &s.ftps_url("")]);
    out.expect_code(6);
    assert!(out.stderr.contains("not trusted"), "{}", out.describe());
}

/// `--tls-require-session-reuse` refuses a data connection that does not
/// resume. Downloads bring a fresh TLS 1.3 ticket each; uploads bring none
/// (ftpd spares clients that never read an upload connection), so after
/// the control connection's tickets are used ftpc must renew its
/// connection, and then does so before it runs out: a whole tree goes up.
#[test]
fn ftpd_requiring_tls_and_session_reuse() {
    let pki = TestPki::new();
    let s = FtpdTls::start(&pki, &["--tls-require-session-reuse", "--require-tls"]);
    let ca = pki.ca_arg();
    get_put_ls(&s, &["--tls", "--ca-file", &ca], "TLSv1_3");
    get_put_ls(&Implicit(&s), &["--ca-file", &ca, "--active"], "TLSv1_3");
    peers::tree_roundtrip(&s, &["--tls", "--ca-file", &ca, "-j", "2"]);
    peers::tree_roundtrip(&Implicit(&s), &["--ca-file", &ca, "-j", "1"]);

    write_sample_tree(&s.root().join("tree"));
    let local = tempdir();
    let url = s.url("tree");
    ftpc_in(
        local.path(),
        &[
            "--tls",
            "--ca-file",
            &ca,
            "-j",
            "2",
            "get",
            "-r",
            &url,
            "back",
        ],
    )
    .ok();
    assert_same(&s.root().join("tree"), &local.path().join("back"));
}
