//! HASH, OPTS HASH and the X* verbs (issue 13): every algorithm's digest of
//! a 5 MiB random file equals Python's hashlib (and zlib's CRC-32); a hash
//! runs in the background, so NOOP and STAT are answered meanwhile and
//! ABOR cancels it; at most `max_hashes` run at once.

use std::collections::HashMap;

use super::assert_code;
use crate::support::raw::RawSession;
use crate::support::run::python;
use crate::support::{pseudo_random, TestServer};

/// Python's digests of a local file, by HASH algorithm name.
fn python_digests(path: &std::path::Path) -> HashMap<String, String> {
    let ran = python(
        "digests.py",
        [std::ffi::OsStr::new("hash"), path.as_os_str()],
    );
    ran.ok();
    ran.stdout
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(a, h)| (a.to_string(), h.to_string()))
        .collect()
}

#[test]
fn hash_and_x_verbs_match_hashlib_for_every_algorithm() {
    let s = TestServer::start();
    let body = pseudo_random(5 * 1024 * 1024, 1313);
    std::fs::create_dir(s.path("d")).expect("mkdir");
    std::fs::write(s.path("d/rand om.bin"), &body).expect("write");
    let want = python_digests(&s.path("d/rand om.bin"));
    assert_eq!(want.len(), 5, "{want:?}");
    let mut r = RawSession::login(s.addr);
    // The default is SHA-256, as FEAT's star says.
    let first = r.expect("HASH d/rand om.bin", 213);
    assert_eq!(
        first.text(),
        format!("SHA-256 0-{} {} d/rand om.bin", body.len(), want["SHA-256"])
    );
    for (algo, x_verb) in [
        ("SHA-256", "XSHA256"),
        ("SHA-512", "XSHA512"),
        ("SHA-1", "XSHA1"),
        ("MD5", "XMD5"),
        ("CRC32", "XCRC"),
    ] {
        assert_eq!(r.expect(&format!("OPTS HASH {algo}"), 200).text(), algo);
        let feat = r.expect("FEAT", 211);
        let line = feat.lines.iter().find(|l| l.starts_with("HASH "));
        let starred = format!("{algo}*");
        assert!(
            line.is_some_and(|l| l[5..].split(';').any(|a| a == starred)),
            "FEAT must star {algo}: {feat:?}"
        );
        let hash = r.expect("HASH /d/rand om.bin", 213);
        assert_eq!(
            hash.text(),
            format!("{algo} 0-{} {} /d/rand om.bin", body.len(), want[algo]),
            "HASH with {algo}"
        );
        let x = r.expect(&format!("{x_verb} d/rand om.bin"), 250);
        assert_eq!(x.text(), want[algo], "{x_verb}");
    }
    assert_eq!(r.expect("OPTS HASH", 200).text(), "CRC32");
}

#[test]
fn bad_hash_requests_get_clear_replies_and_the_session_goes_on() {
    let s = TestServer::start();
    std::fs::create_dir(s.path("dir")).expect("mkdir");
    std::fs::write(s.path("empty"), b"").expect("write");
    let mut r = RawSession::login(s.addr);
    let bad = r.cmd("OPTS HASH SHA-3");
    assert_code("unknown algorithm", &bad, &[501, 504]);
    // The selection did not change.
    assert_eq!(r.expect("OPTS HASH", 200).text(), "SHA-256");
    r.expect("HASH dir", 550);
    r.expect("XMD5 missing", 550);
    r.expect("HASH ../../etc/passwd", 550);
    assert_code("bare HASH", &r.cmd("HASH"), &[501]);
    let empty = r.expect("XSHA256 empty", 250);
    assert_eq!(
        empty.text(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        r.expect("HASH empty", 213).text(),
        "SHA-256 0-0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 empty"
    );
    r.expect("NOOP", 200);
}

/// A sparse file far too big to hash in the time a test takes.
fn huge_sparse(s: &TestServer, name: &str) {
    let f = std::fs::File::create(s.path(name)).expect("create");
    f.set_len(64 << 30).expect("set_len");
}

#[test]
fn a_running_hash_answers_noop_and_stat_and_abor_cancels_it() {
    let s = TestServer::start();
    huge_sparse(&s, "huge");
    let mut r = RawSession::login(s.addr);
    r.send("HASH huge");
    r.expect("NOOP", 200);
    let stat = r.expect("STAT", 211);
    assert!(
        stat.text().contains("HASH /huge"),
        "STAT during a hash: {stat:?}"
    );
    r.send("ABOR");
    assert_eq!(r.reply().code.0, 426, "the hash's own reply");
    assert_eq!(r.reply().code.0, 226, "ABOR's reply");
    r.expect("PWD", 257);
}

#[test]
fn hashes_beyond_the_limit_wait_for_a_slot() {
    let s = TestServer::start_with(|c| {
        c.write = true;
        c.max_hashes = 1;
    });
    huge_sparse(&s, "huge");
    std::fs::write(s.path("small"), b"abc").expect("write");
    let mut a = RawSession::login(s.addr);
    a.send("HASH huge");
    // A is hashing (its STAT shows it) and holds the only slot.
    a.expect("NOOP", 200);
    let mut b = RawSession::login(s.addr);
    b.send("XMD5 small");
    // B's hash waits: it is in progress with nothing hashed, and NOOP is
    // answered before its 250.
    b.expect("NOOP", 200);
    let stat = b.expect("STAT", 211);
    assert!(
        stat.text().contains("XMD5 /small 0 bytes"),
        "waiting hash: {stat:?}"
    );
    a.send("ABOR");
    assert_eq!(a.reply().code.0, 426);
    assert_eq!(a.reply().code.0, 226);
    // With the slot free, B's hash ends.
    let done = b.reply();
    assert_eq!(done.code.0, 250, "{done:?}");
    assert_eq!(done.text(), "900150983cd24fb0d6963f7d28e17f72");
}
