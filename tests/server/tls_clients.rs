//! Stock FTPS clients in the corners that broke other servers, checked by
//! content hash: curl's `--ftp-ssl-ccc` (CCC is refused by policy; curl
//! goes on encrypted, and a wiretap between them sees no file byte and no
//! command after AUTH in the clear), Python's `FTP_TLS` with `prot_p()` in
//! active mode (the server opens the data connection and is its TLS
//! server), and lftp `mirror --parallel=4` both ways over TLS 1.3 only,
//! 200 small files, with session reuse required on every data connection
//! (unFTP's failure class: parallel TLS data connections, session
//! resumption, close_notify), and lftp `pget -n 4` (four TLS data
//! connections into one file, three dropped mid-stream).

use std::path::Path;
use std::process::Stdio;

use crate::support::ftpd::{command, listening_addr};
use crate::support::ports::PortBlock;
use crate::support::raw::RawSession;
use crate::support::relay::{Cut, Relay};
use crate::support::run::{curl, lftp, python};
use crate::support::tree::assert_same;
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};
use crate::tls::{tls_server, tls_setup};

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Text that must never be seen on the wire: `times` numbered lines.
fn canary(tag: &str, times: usize) -> Vec<u8> {
    (0..times)
        .flat_map(|i| format!("{tag}-CANARY line {i:06}\n").into_bytes())
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The relay taps the wire; it forwards but never cuts.
const NO_CUT: Cut = Cut {
    after: 0,
    times: 0,
    upload: false,
};

#[test]
fn curl_ftp_ssl_ccc_is_refused_and_everything_stays_encrypted() {
    let ports = PortBlock::reserve();
    let (lo, _) = ports.passive();
    let hi = lo + 3;
    let setup = tls_setup(|_| {});
    let s = TestServer::start_on("127.0.0.2:0", |c| {
        setup(c);
        c.passive_ports = Some((lo, hi));
    });
    let relay = Relay::start(s.addr, lo..=hi, NO_CUT);
    let down = canary("DOWN", 20_000);
    std::fs::write(s.path("down.txt"), &down).expect("write");
    std::fs::write(s.path("second.txt"), canary("SECOND", 10)).expect("write");
    let local = tmp();
    let (out, out2) = (local.path().join("out"), local.path().join("out2"));
    let up = local.path().join("up.txt");
    std::fs::write(&up, canary("UP", 20_000)).expect("write");
    let base = ["--ssl-reqd", "-k", "--ftp-ssl-ccc", "-u", "u:p"];

    // Two downloads in one session: the second shows the session went on.
    let mut args: Vec<String> = base.iter().map(|a| a.to_string()).collect();
    for (file, to) in [("down.txt", &out), ("second.txt", &out2)] {
        args.extend(["-o".into(), to.display().to_string(), relay.url(file)]);
    }
    let got = curl(&args);
    got.ok();
    let put = curl(
        base.iter()
            .copied()
            .chain(["-T", up.to_str().expect("utf-8")])
            .chain([relay.url("up.txt").as_str()]),
    );
    put.ok();

    for ran in [&got, &put] {
        // curl asked, was told no with a 534 and a reason, and carried on
        // over TLS without complaint (lib/ftp.c goes on to PWD on a 5xx).
        assert!(
            ran.stderr.contains("> CCC")
                && ran
                    .stderr
                    .contains("< 534 CCC refused by policy: the control connection stays on TLS"),
            "{}",
            ran.describe("no clean CCC refusal")
        );
        assert!(
            !ran.stderr.contains("Failed to clear the command channel"),
            "{}",
            ran.describe("curl took CCC as done")
        );
    }
    assert_eq!(sha256_file(&out), sha256(&down));
    assert_eq!(sha256_file(&out2), sha256(&canary("SECOND", 10)));
    assert_eq!(sha256_file(&s.path("up.txt")), sha256_file(&up));

    // What a wiretap saw: the AUTH exchange in the clear, then nothing
    // readable, neither file contents nor commands nor the password. Each
    // needle is at least 5 bytes (with its line end where it has one), so
    // that a megabyte of ciphertext practically never holds one by chance
    // (3 bytes would, in about one run of 15).
    let wire = relay.wire();
    assert!(
        contains(&wire, b"AUTH SSL\r\n") || contains(&wire, b"AUTH TLS\r\n"),
        "the tap saw no AUTH"
    );
    for secret in [
        &b"CANARY"[..],
        b"USER u\r\n",
        b"PASS p\r\n",
        b"CCC\r\n",
        b"534 CCC",
        b"PWD\r\n",
        b"RETR ",
        b"STOR ",
    ] {
        assert!(
            !contains(&wire, secret),
            "{:?} went over the wire in the clear",
            String::from_utf8_lossy(secret)
        );
    }

    // The tap does see data connections: the same download without TLS
    // puts the file on the wire.
    let plain = local.path().join("plain");
    let seen = wire.len();
    curl([
        "-u",
        "u:p",
        "-o",
        plain.to_str().expect("utf-8"),
        &relay.url("down.txt"),
    ])
    .ok();
    assert_eq!(sha256_file(&plain), sha256(&down));
    assert!(contains(
        &relay.wire()[seen..],
        b"DOWN-CANARY line 019999\n"
    ));

    // The server is still up and answering new sessions.
    let mut raw = RawSession::connect(s.addr);
    raw.expect("NOOP", 200);
}

#[test]
fn ccc_refusal_is_logged_and_the_server_goes_on() {
    let dir = tmp();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).expect("mkdir");
    let body = pseudo_random(50_000, 53);
    std::fs::write(root.join("f.bin"), &body).expect("write");
    let err = dir.path().join("stderr");
    let root_arg = root.to_str().expect("utf-8");
    let mut child = command(
        &[
            "--root",
            root_arg,
            "--listen",
            "127.0.0.1:0",
            "--tls-self-signed",
        ],
        &[],
    )
    .args(["--user", "u:p"])
    .stdout(Stdio::piped())
    .stderr(std::fs::File::create(&err).expect("stderr file"))
    .spawn()
    .expect("spawn ftpd");
    let addr = listening_addr(child.stdout.take().expect("stdout"));
    let out = dir.path().join("out");
    let url = format!("ftp://{addr}/f.bin");
    let ran = curl(
        ["--ssl-reqd", "-k", "--ftp-ssl-ccc", "-u", "u:p", "-o"]
            .into_iter()
            .chain([out.to_str().expect("utf-8"), url.as_str()]),
    );
    ran.ok();
    assert_eq!(sha256_file(&out), sha256(&body));
    // CCC without TLS is out of sequence; the session goes on.
    let mut raw = RawSession::connect(addr);
    raw.expect("USER u", 331);
    raw.expect("PASS p", 230);
    raw.expect("CCC", 503);
    raw.expect("NOOP", 200);
    raw.expect("QUIT", 221);
    let _ = child.kill();
    let _ = child.wait();
    let log = std::fs::read_to_string(&err).expect("log");
    assert!(
        log.lines().any(|l| l.contains("INFO")
            && l.contains("CCC refused by policy")
            && l.contains("user=\"u\"")),
        "no CCC refusal in the log:\n{log}"
    );
}

#[test]
fn python_ftp_tls_prot_p_active_mode_uploads_and_downloads() {
    let s = tls_server(|_| {});
    let body = pseudo_random(1_300_000, 51);
    std::fs::write(s.path("down.bin"), &body).expect("write");
    let local = tmp();
    let up = local.path().join("up.bin");
    let up_body = pseudo_random(900_000, 52);
    std::fs::write(&up, &up_body).expect("write");
    let down = local.path().join("down.bin");
    let port = s.port().to_string();

    let ran = python(
        "ftplib_tls_active.py",
        [
            "127.0.0.1",
            &port,
            up.to_str().expect("utf-8"),
            down.to_str().expect("utf-8"),
        ],
    );
    ran.ok();
    let sent = |verb: &str| {
        ran.stdout
            .lines()
            .any(|l| l.starts_with(&format!("cmd {verb}")))
    };
    assert!(sent("PROT P"), "{}", ran.describe("no PROT P"));
    assert!(
        sent("PORT ") || sent("EPRT "),
        "{}",
        ran.describe("no PORT")
    );
    assert!(
        !sent("PASV") && !sent("EPSV"),
        "{}",
        ran.describe("passive")
    );
    assert!(
        ran.stdout.lines().any(|l| l.starts_with("data tls TLSv1.")),
        "{}",
        ran.describe("the active data connection was not TLS")
    );
    assert!(
        ran.stdout.contains("nlst up.bin"),
        "{}",
        ran.describe("nlst")
    );
    assert_eq!(sha256_file(&down), sha256(&body));
    assert_eq!(sha256_file(&s.path("up.bin")), sha256(&up_body));
}

/// 200 small files (0 to about 20 KB) in two directories.
fn write_many(base: &Path) {
    for i in 0..200usize {
        let dir = base.join(format!("d{}", i % 2));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let len = (i * 977) % 20_000;
        std::fs::write(
            dir.join(format!("f{i:03}.bin")),
            pseudo_random(len, i as u64),
        )
        .expect("write");
    }
}

/// ftpd's TLS settings with a self-signed certificate, TLS 1.3 only.
fn tls13_only(t: &mut ftp_server::tls::TlsConfig) {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).expect("certificate");
    let der = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .expect("server config");
    config.alpn_protocols = vec![b"ftp".to_vec()];
    t.server = std::sync::Arc::new(config);
    t.require_session_reuse = true;
}

#[test]
fn lftp_parallel_mirror_both_ways_over_tls13_with_session_reuse() {
    let s = tls_server(tls13_only);
    let local = tmp();
    let src = local.path().join("many");
    write_many(&src);
    let tls = "set ftp:ssl-force true; set ftp:ssl-protect-data true; \
               set ssl:verify-certificate no; set net:max-retries 0";

    // The server speaks TLS 1.3 only: lftp limited to 1.2 is turned away.
    let old = format!("{tls}; set ssl:priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2'; ls");
    let ran = lftp(s.port(), Some(("u", "p")), local.path(), &old);
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("TLS 1.2 accepted")
    );

    // Four connections at once, each with its own TLS data connections,
    // every one of which must resume its control connection's session.
    let script = format!(
        "{tls}; set ssl:priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3'; \
         mirror -R --parallel=4 many /many; mirror --parallel=4 /many back"
    );
    let ran = lftp(s.port(), Some(("u", "p")), local.path(), &script);
    ran.ok();
    assert_same(&src, &s.path("many"));
    assert_same(&src, &local.path().join("back"));
    let logins = ran.stderr.matches("---> AUTH TLS").count();
    assert!(logins > 1, "{}", ran.describe("not in parallel"));
    // Each file went once (no retries); lftp creates empty files without
    // a RETR.
    let count = |verb: &str| ran.stderr.matches(&format!("---> {verb} ")).count();
    assert_eq!(count("STOR"), 200, "{}", ran.describe("STOR count"));
    assert_eq!(count("RETR"), 199, "{}", ran.describe("RETR count"));
    for bad in ["non-properly terminated", "Fatal error", "Session reuse"] {
        assert!(!ran.stderr.contains(bad), "{}", ran.describe(bad));
    }
}

#[test]
fn lftp_pget_in_four_segments_over_tls13() {
    // A per-session cap (about 3 s for the whole file on one connection)
    // keeps the first connection from fetching everything before the
    // others have logged in, which it does on loopback.
    let setup = tls_setup(tls13_only);
    let s = TestServer::start_with(|c| {
        setup(c);
        c.max_rate.down = Some(1_000_000);
    });
    let body = pseudo_random(3_000_000, 54);
    std::fs::write(s.path("big.bin"), &body).expect("write");
    std::fs::write(s.path("small.bin"), b"after the segments").expect("write");
    let local = tmp();
    // Four TLS data connections into one file at once, each from its own
    // REST offset; the first three are dropped by lftp once their segment
    // is in, mid-stream, so the server sees aborted TLS transfers too.
    let script = "set ftp:ssl-force true; set ftp:ssl-protect-data true; \
                  set ssl:verify-certificate no; set net:max-retries 0; \
                  set ssl:priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3'; \
                  set pget:min-chunk-size 256k; pget -n 4 big.bin -o got.bin; get small.bin -o small.bin";
    let ran = lftp(s.port(), Some(("u", "p")), local.path(), script);
    ran.ok();
    assert_eq!(sha256_file(&local.path().join("got.bin")), sha256(&body));
    // The server is fine after the dropped segments.
    let small = std::fs::read(local.path().join("small.bin")).expect("small");
    assert_eq!(small, b"after the segments");
    let rests = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("---> REST ") && *l != "---> REST 0")
        .count();
    assert!(rests >= 3, "{}", ran.describe("not segmented"));
}
