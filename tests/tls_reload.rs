//! SIGHUP reloads the TLS certificate: new handshakes get the new one, a
//! session opened before goes on (and transfers), and a certificate that
//! cannot be loaded leaves the old one serving.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::ftpd::Ftpd;
use crate::support::require_tool;
use crate::support::run::{curl, script_path};

/// A self-signed certificate for 127.0.0.1 named `name` (distinct names,
/// so a CA file holding both finds the right one): (cert PEM, key PEM).
fn certificate(name: &str) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Does curl, trusting only `ca`, list the server over explicit FTPS?
fn curl_trusts(port: u16, ca: &Path) -> bool {
    let ran = curl([
        "--ssl-reqd",
        "--cacert",
        ca.to_str().unwrap(),
        &format!("ftp://127.0.0.1:{port}/"),
    ]);
    ran.code() == Some(0)
}

fn hup(ftpd: &Ftpd) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(ftpd.pid() as i32, libc::SIGHUP) }, 0);
    std::thread::sleep(Duration::from_millis(500));
}

#[test]
fn sighup_swaps_the_certificate_without_dropping_sessions() {
    require_tool("python3");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("hello.txt"), "hello over tls").unwrap();
    let (cert_a, key_a) = certificate("ftpd test A");
    let (cert_b, key_b) = certificate("ftpd test B");
    let (ca_a, ca_b, ca_both) = (
        dir.path().join("a.pem"),
        dir.path().join("b.pem"),
        dir.path().join("ab.pem"),
    );
    std::fs::write(&ca_a, &cert_a).unwrap();
    std::fs::write(&ca_b, &cert_b).unwrap();
    std::fs::write(&ca_both, format!("{cert_a}{cert_b}")).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &cert_a).unwrap();
    std::fs::write(&key, &key_a).unwrap();
    let ftpd = Ftpd::spawn(&[
        "--root",
        root.to_str().unwrap(),
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let port = ftpd.addr.port();
    assert!(curl_trusts(port, &ca_a) && !curl_trusts(port, &ca_b));

    // A session opened with the old certificate, held across the reload.
    let mut held = Command::new("python3")
        .arg(script_path("ftplib_tls_hold.py"))
        .args(["127.0.0.1", &port.to_string(), ca_both.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(held.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "hello.txt");

    std::fs::write(&cert, &cert_b).unwrap();
    std::fs::write(&key, &key_b).unwrap();
    hup(&ftpd);
    assert!(
        curl_trusts(port, &ca_b),
        "new handshakes get the new certificate"
    );
    assert!(!curl_trusts(port, &ca_a));

    // A broken certificate is refused and the current one stays.
    std::fs::write(&cert, "not a certificate").unwrap();
    hup(&ftpd);
    assert!(
        curl_trusts(port, &ca_b),
        "a bad file must not replace the certificate"
    );

    held.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = held.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(held.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "the held session failed: {err}");
    assert_eq!(rest, "hello.txt\nhello over tls\n");
}
