//! FTPS (RFC 4217) on ftpd with stock clients, checked by content hash:
//! curl `--ssl-reqd` (TLS 1.2 and 1.3, explicit and implicit), lftp with
//! `ftp:ssl-force` mirroring both ways (uploads over TLS 1.3 are the trap
//! that made unFTP drop it), Python's `FTP_TLS` with `prot_p()`, session
//! reuse required, `--require-tls`, and a garbage handshake that must not
//! disturb a concurrent transfer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use crate::support::raw::RawSession;
use crate::support::run::{curl, lftp, python};
use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// A TestServer with a self-signed certificate, write access, user `u`/`p`
/// and anonymous, adjusted by `tune`.
pub(crate) fn tls_server(tune: impl FnOnce(&mut ftp_server::tls::TlsConfig)) -> TestServer {
    TestServer::start_with(tls_setup(tune))
}

/// What `tls_server` does to a server's config (for servers started
/// elsewhere than on 127.0.0.1:0): a self-signed certificate adjusted by
/// `tune`, write access, user `u`/`p` and anonymous.
pub(crate) fn tls_setup(
    tune: impl FnOnce(&mut ftp_server::tls::TlsConfig),
) -> impl FnOnce(&mut ftp_server::Config) {
    let (server, _fp) = ftp_server::tls::self_signed().expect("self-signed");
    let mut tls = ftp_server::tls::TlsConfig {
        server: Arc::new(server),
        require_session_reuse: false,
        require_tls: false,
        self_signed_fingerprint: None,
        reloader: None,
    };
    tune(&mut tls);
    move |c| {
        c.write = true;
        c.anonymous = true;
        c.users = vec![ftp_server::User {
            name: "u".into(),
            password: "p".into(),
        }];
        c.tls = Some(tls);
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn curl_ssl_reqd_lists_gets_and_puts_with_tls12_and_tls13() {
    let s = tls_server(|_| {});
    let body = pseudo_random(1_500_000, 11);
    std::fs::write(s.path("down.bin"), &body).unwrap();
    let local = tmp();
    let up = local.path().join("up.bin");
    std::fs::write(&up, pseudo_random(900_000, 12)).unwrap();
    for version in ["1.2", "1.3"] {
        let list = curl(["--ssl-reqd", "-k", "--tls-max", version, &s.url("")]);
        list.ok();
        assert!(
            list.stdout.contains("down.bin"),
            "{}",
            list.describe("listing")
        );
        assert!(
            list.stderr.contains("PROT P"),
            "{}",
            list.describe("PROT P sent")
        );
        let out = local.path().join(format!("down-{version}"));
        curl([
            "--ssl-reqd",
            "-k",
            "--tls-max",
            version,
            "-o",
            out.to_str().unwrap(),
            &s.url("down.bin"),
        ])
        .ok();
        assert_eq!(sha256_file(&out), sha256(&body));
        let name = format!("up-{version}.bin");
        curl([
            "--ssl-reqd",
            "-k",
            "--tls-max",
            version,
            "-T",
            up.to_str().unwrap(),
            &s.url(&name),
        ])
        .ok();
        assert_eq!(sha256_file(&s.path(&name)), sha256_file(&up));
    }
}

#[test]
fn curl_implicit_ftps_and_lftp_active_mode_over_tls() {
    let s = tls_server(|_| {});
    let body = pseudo_random(300_000, 13);
    std::fs::write(s.path("f.bin"), &body).unwrap();
    let local = tmp();
    let implicit = s.implicit.expect("implicit listener");
    let out = local.path().join("implicit");
    let url = format!("ftps://127.0.0.1:{}/f.bin", implicit.port());
    curl(["-k", "-o", out.to_str().unwrap(), &url]).ok();
    assert_eq!(sha256_file(&out), sha256(&body));
    // Active mode (the server connects, then acts as the TLS server). curl
    // 7.88 fails here on its own side (inet_ntop errno 97), so lftp drives it.
    let script = "set ftp:passive-mode off; set ftp:ssl-force true; \
                  set ftp:ssl-protect-data true; set ssl:verify-certificate no; \
                  get f.bin -o active; put active -o back.bin";
    let ran = lftp(s.port(), Some(("u", "p")), local.path(), script);
    ran.ok();
    let active = ran.stderr.contains("---> EPRT") || ran.stderr.contains("---> PORT");
    assert!(active, "{}", ran.describe("active mode"));
    assert_eq!(sha256_file(&local.path().join("active")), sha256(&body));
    assert_eq!(sha256_file(&s.path("back.bin")), sha256(&body));
}

#[test]
fn lftp_forced_tls_mirrors_both_ways() {
    let s = tls_server(|_| {});
    let local = tmp();
    let src = local.path().join("src");
    write_sample_tree(&src);
    // Bigger files than the sample tree's, so uploads span many TLS records.
    std::fs::write(src.join("large.bin"), pseudo_random(3_000_000, 14)).unwrap();
    let script = "set ftp:ssl-force true; set ftp:ssl-protect-data true; \
                  set ssl:verify-certificate no; mirror -R src /up; mirror /up back";
    let ran = lftp(s.port(), Some(("u", "p")), local.path(), script);
    ran.ok();
    assert!(
        ran.stderr.contains("AUTH TLS"),
        "{}",
        ran.describe("AUTH TLS sent")
    );
    assert!(
        ran.stderr.contains("PROT P"),
        "{}",
        ran.describe("PROT P sent")
    );
    assert_same(&src, &s.path("up"));
    assert_same(&src, &local.path().join("back"));
}

#[test]
fn python_ftp_tls_prot_p_lists_gets_and_puts() {
    let s = tls_server(|_| {});
    let body = pseudo_random(700_000, 15);
    std::fs::write(s.path("down.bin"), &body).unwrap();
    let local = tmp();
    let up = local.path().join("up.bin");
    let up_body = pseudo_random(600_000, 16);
    std::fs::write(&up, &up_body).unwrap();
    let down = local.path().join("down.bin");
    let port = s.port().to_string();
    let ran = python(
        "ftplib_tls.py",
        [
            "127.0.0.1",
            &port,
            up.to_str().unwrap(),
            down.to_str().unwrap(),
        ],
    );
    ran.ok();
    assert!(
        ran.stdout.contains("nlst down.bin"),
        "{}",
        ran.describe("listing")
    );
    assert_eq!(sha256_file(&down), sha256(&body));
    assert_eq!(sha256_file(&s.path("up.bin")), sha256(&up_body));
}

#[test]
fn session_reuse_required_admits_resuming_clients_and_refuses_others() {
    let s = tls_server(|t| t.require_session_reuse = true);
    let body = pseudo_random(200_000, 17);
    std::fs::write(s.path("a.bin"), &body).unwrap();
    std::fs::write(s.path("b.bin"), b"second").unwrap();
    let local = tmp();
    let (a, b) = (local.path().join("a"), local.path().join("b"));
    // curl offers the control connection's session on every data connection.
    for version in ["1.2", "1.3"] {
        curl([
            "--ssl-reqd",
            "-k",
            "--tls-max",
            version,
            "-o",
            a.to_str().unwrap(),
            &s.url("a.bin"),
            "-o",
            b.to_str().unwrap(),
            &s.url("b.bin"),
        ])
        .ok();
        assert_eq!(sha256_file(&a), sha256(&body));
        assert_eq!(std::fs::read(&b).unwrap(), b"second");
    }
    // lftp too, uploads included.
    let src = local.path().join("src");
    write_sample_tree(&src);
    let script = "set ssl:verify-certificate no; mirror -R src /up";
    lftp(s.port(), Some(("u", "p")), local.path(), script).ok();
    assert_same(&src, &s.path("up"));
    // Python's ftplib never offers the session: its data connection is refused.
    let port = s.port().to_string();
    let ran = python("ftplib_tls.py", ["127.0.0.1", &port, "-", "-"]);
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("ftplib without reuse must fail")
    );
}

#[test]
fn require_tls_refuses_plaintext_logins_and_unprotected_transfers() {
    let s = tls_server(|t| t.require_tls = true);
    std::fs::write(s.path("f"), b"data").unwrap();
    let mut c = RawSession::connect(s.addr);
    let r = c.cmd("USER u");
    assert_eq!(r.code.0, 530, "{r:?}");
    assert!(r.text().contains("TLS"), "{r:?}");
    // Anonymous may log in in the clear, but cannot move data unprotected.
    c.expect("USER anonymous", 331);
    c.expect("PASS x", 230);
    c.expect("EPSV", 229);
    let r = c.cmd("RETR f");
    assert_eq!(r.code.0, 521, "{r:?}");
    // FEAT advertises the TLS commands; PBSZ/PROT before AUTH are out of sequence.
    let feat = c.cmd("FEAT");
    for f in ["AUTH TLS", "PBSZ", "PROT"] {
        assert!(
            feat.lines.iter().any(|l| l.trim() == f),
            "{f} missing: {feat:?}"
        );
    }
    c.expect("PROT P", 503);
    // curl over TLS gets the file.
    let out = curl(["--ssl-reqd", "-k", "-u", "u:p", &s.url("f")]);
    out.ok();
    assert_eq!(out.stdout, "data");
}

#[test]
fn auth_without_tls_configured_is_504_and_the_session_goes_on() {
    let s = TestServer::start();
    let mut c = RawSession::connect(s.addr);
    c.expect("AUTH TLS", 504);
    c.expect("PBSZ 0", 503);
    c.expect("USER anonymous", 331);
    c.expect("PASS x", 230);
}

/// With TLS configured FEAT adds AUTH TLS, PBSZ and PROT, in these places.
#[test]
fn feat_text_with_tls() {
    let s = tls_server(|_| {});
    let mut c = RawSession::connect(s.addr);
    let feat = c.expect("FEAT", 211);
    assert_eq!(
        feat.lines,
        [
            "Features:",
            "AUTH TLS",
            "EPRT",
            "EPSV",
            "HASH SHA-256*;SHA-512;SHA-1;MD5;CRC32",
            "MDTM",
            "MFMT",
            "MLST type*;size*;modify*;perm*;unix.mode*;",
            "PBSZ",
            "PASV",
            "PROT",
            "REST STREAM",
            "SIZE",
            "TVFS",
            "UTF8",
            "End",
        ]
    );
}

#[test]
fn garbage_instead_of_a_client_hello_does_not_disturb_a_transfer() {
    let s = tls_server(|_| {});
    let body = pseudo_random(4_000_000, 18);
    std::fs::write(s.path("big"), &body).unwrap();
    // A plain transfer in progress...
    let mut good = RawSession::login(s.addr);
    good.expect("TYPE I", 200);
    let mut data = good.pasv_data();
    good.expect("RETR big", 150);
    let mut got = vec![0u8; 100_000];
    data.read_exact(&mut got).unwrap();
    // ...while one client sends junk after AUTH TLS, another junk to the
    // implicit port, and a third vanishes mid-handshake.
    let mut bad = TcpStream::connect(s.addr).unwrap();
    bad.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut greeting = [0u8; 16];
    bad.read_exact(&mut greeting).unwrap();
    assert!(greeting.starts_with(b"220 "));
    bad.write_all(b"AUTH TLS\r\n").unwrap();
    let mut auth = Vec::new();
    while !auth.ends_with(b"\r\n") {
        let mut b = [0u8; 1];
        bad.read_exact(&mut b).unwrap();
        auth.push(b[0]);
    }
    assert!(
        auth.starts_with(b"234 "),
        "{}",
        String::from_utf8_lossy(&auth)
    );
    bad.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    // The server answers with at most a TLS alert, then closes.
    let mut rest = Vec::new();
    let _ = bad.read_to_end(&mut rest);
    assert!(
        !rest.starts_with(b"2") && !rest.starts_with(b"5"),
        "an FTP reply to junk: {rest:?}"
    );
    let mut junk = TcpStream::connect(s.implicit.expect("implicit")).unwrap();
    junk.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    junk.write_all(&[0u8; 64]).unwrap();
    let mut sink = Vec::new();
    let _ = junk.read_to_end(&mut sink);
    let mut vanish = RawSession::connect(s.addr);
    vanish.expect("AUTH TLS", 234);
    vanish.send_raw(&[0x16, 0x03, 0x01, 0x02]);
    drop(vanish);
    // The good transfer finishes intact, and the server still serves.
    let mut rest = Vec::new();
    data.read_to_end(&mut rest).unwrap();
    got.extend_from_slice(&rest);
    assert_eq!(good.reply().code.0, 226);
    assert_eq!(sha256(&got), sha256(&body));
    good.expect("NOOP", 200);
    RawSession::login(s.addr).expect("NOOP", 200);
}
