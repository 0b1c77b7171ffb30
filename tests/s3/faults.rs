//! Faults on S3: a client killed mid-upload (FIN or RST) commits nothing
//! and leaves no multipart upload; a store that refuses connections or
//! stops answering gets 4xx replies within the timeout, the session goes
//! on, and work resumes when the store is back; an instance killed
//! mid-upload never makes a partial object visible to another.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::{code, login};
use crate::support::data::RawData;
use crate::support::ftpd::Ftpd;
use crate::support::raw::RawSession;
use crate::support::s3::{moto, Bucket};
use crate::support::s3proxy::{Mode, S3Proxy};
use crate::support::{pseudo_random, sha256};

fn set_linger_zero(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a linger struct that outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0);
}

/// Start `STOR name` over a raw session and send `len` bytes, without
/// finishing: the session and its data connection.
fn partial_upload(addr: std::net::SocketAddr, name: &str, len: usize) -> (RawSession, TcpStream) {
    let mut r = login(addr);
    let mut d = r.pasv_data();
    r.expect(&format!("STOR {name}"), 150);
    d.write_all(&pseudo_random(len, 9)).unwrap();
    (r, d)
}

fn eventually(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_client_killed_mid_upload_commits_nothing_with_fin_or_rst() {
    let bucket = Bucket::new();
    bucket.put("p/f.bin", b"previous");
    let server = bucket.server("p");
    for rst in [false, true] {
        // More than one part, so a multipart upload is under way.
        if rst {
            let (r, d) = partial_upload(server.addr, "f.bin", 7 << 20);
            std::thread::sleep(Duration::from_millis(300));
            set_linger_zero(&d);
            drop(d);
            drop(r);
        } else {
            // FIN: a real process killed, its data connection closed first.
            let port = server.addr.port();
            crate::support::run::kill_mid_upload(port, "f.bin", 7 << 20);
        }
        eventually("the multipart upload aborted", || bucket.uploads() == 0);
        let obj = bucket.object("p/f.bin").unwrap();
        assert_eq!(obj.sha256, sha256(b"previous"), "rst={rst}");
        assert_eq!(bucket.keys(), ["p/f.bin"], "rst={rst}");
    }
}

#[test]
fn abor_mid_upload_keeps_the_previous_object() {
    let bucket = Bucket::new();
    bucket.put("p/f.bin", b"previous");
    let server = bucket.server("p");
    let (mut r, d) = partial_upload(server.addr, "f.bin", 6 << 20);
    r.send("ABOR");
    let first = r.reply();
    assert!(matches!(first.code.0, 426 | 225 | 226), "{first:?}");
    if first.code.0 == 426 {
        r.expect_reply(226);
    }
    drop(d);
    eventually("the multipart upload aborted", || bucket.uploads() == 0);
    assert_eq!(
        bucket.object("p/f.bin").unwrap().sha256,
        sha256(b"previous")
    );
    r.expect("NOOP", 200);
}

/// Every command that needs the store answers 4xx within `limit`.
fn all_fail_in_time(r: &mut RawSession, limit: Duration) {
    for line in ["SIZE f.txt", "MDTM f.txt", "CWD d", "MKD new", "DELE f.txt"] {
        let start = Instant::now();
        let (c, text) = code(r, line);
        assert!((400..500).contains(&c), "{line} -> {c} {text}");
        assert!(start.elapsed() < limit, "{line} took {:?}", start.elapsed());
    }
    for line in ["RETR f.txt", "LIST", "MLSD"] {
        let start = Instant::now();
        let t = r.download(line);
        let c = t.final_code();
        assert!((400..500).contains(&c), "{line} -> {t:?}");
        assert!(start.elapsed() < limit, "{line} took {:?}", start.elapsed());
    }
    let t = r.upload("STOR g.txt", b"new");
    assert!((400..500).contains(&t.final_code()), "STOR -> {t:?}");
}

#[test]
fn an_unreachable_or_silent_store_gets_4xx_in_time_and_work_resumes() {
    let bucket = Bucket::new();
    bucket.put("p/f.txt", b"hello");
    let proxy = S3Proxy::start(moto().addr);
    let mut config = bucket.config_via(&proxy.endpoint(), "p");
    config.timeout = Duration::from_secs(2);
    let server = bucket.server_with(config, |c| c.write = true);
    let mut r = login(server.addr);
    assert_eq!(code(&mut r, "SIZE f.txt"), (213, "5".to_string()));
    // Refused connections fail fast; a store that accepts and never
    // answers is cut off by --s3-timeout (2 s here, with its retries).
    for mode in [Mode::Refuse, Mode::Hang] {
        proxy.set(mode);
        proxy.cut();
        all_fail_in_time(&mut r, Duration::from_secs(12));
    }
    proxy.set(Mode::Forward);
    proxy.cut();
    assert_eq!(code(&mut r, "SIZE f.txt"), (213, "5".to_string()));
    r.stor("g.txt", b"after");
    assert_eq!(bucket.object("p/g.txt").unwrap().sha256, sha256(b"after"));
}

#[test]
fn completing_a_large_upload_may_take_longer_than_the_timeout() {
    let bucket = Bucket::new();
    let proxy = S3Proxy::start(moto().addr);
    let mut config = bucket.config_via(&proxy.endpoint(), "p");
    config.timeout = Duration::from_secs(1);
    let server = bucket.server_with(config, |c| c.write = true);
    // Six 5 MiB parts: the complete gets 1 s + 6 x 0.25 s; the store
    // takes 1.8 s to answer it, more than the 1 s any other request gets.
    proxy.delay_completes(Duration::from_millis(1800));
    let body = pseudo_random(26 << 20, 12);
    let mut r = login(server.addr);
    r.stor("big.bin", &body);
    assert_eq!(bucket.object("p/big.bin").unwrap().sha256, sha256(&body));
    assert!(bucket.object("p/big.bin").unwrap().etag.ends_with("-6"));
}

#[test]
fn a_store_that_stalls_mid_download_ends_the_transfer_with_4xx() {
    let bucket = Bucket::new();
    let body = pseudo_random(24 << 20, 11);
    bucket.put("p/big.bin", &body);
    let proxy = S3Proxy::start(moto().addr);
    let mut config = bucket.config_via(&proxy.endpoint(), "p");
    config.timeout = Duration::from_secs(2);
    let server = bucket.server_with(config, |c| c.write = true);
    let mut r = login(server.addr);
    let mut d = r.pasv_data();
    r.expect("RETR big.bin", 150);
    let mut buf = vec![0u8; 1 << 20];
    d.read_exact(&mut buf).unwrap();
    proxy.freeze(true);
    let start = Instant::now();
    let mut rest = Vec::new();
    let _ = d.read_to_end(&mut rest);
    let end = r.reply();
    proxy.freeze(false);
    assert!((400..500).contains(&end.code.0), "{end:?}");
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert!(
        buf.len() + rest.len() < body.len(),
        "the download was cut short"
    );
    r.expect("NOOP", 200);
}

#[test]
fn an_instance_killed_mid_upload_leaves_no_partial_object_for_another() {
    let bucket = Bucket::new();
    let storage = format!("s3://{}/p", bucket.name);
    let ftpd = Ftpd::spawn_env(
        &[
            "--storage",
            &storage,
            "--s3-endpoint",
            &bucket.endpoint,
            "--write",
        ],
        &Bucket::credentials_env(),
    );
    // More than one 8 MiB part: a multipart upload is in progress.
    let (_r, _d) = partial_upload(ftpd.addr, "big.bin", 10 << 20);
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(ftpd.pid() as i32, libc::SIGKILL) }, 0);
    drop(ftpd);
    let other = bucket.server("p");
    let mut r = login(other.addr);
    assert_eq!(code(&mut r, "SIZE big.bin").0, 550);
    assert_eq!(r.listing("NLST").trim(), "");
    assert!(bucket.keys().is_empty(), "{:?}", bucket.keys());
    // The dead instance's parts stay in an incomplete multipart upload,
    // invisible, until the bucket's lifecycle rule removes them (README).
    assert!(bucket.uploads() <= 1);
}
