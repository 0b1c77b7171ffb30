//! File and directory commands whose edge cases stock clients do not reach:
//! quoting in 257 replies, SIZE on a directory, the root itself, the X
//! aliases of RFC 775, and REST before STOR.

use std::io::Write;

use ftp_proto::unquote_path;

use super::assert_code;
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::TestServer;

#[test]
fn mkd_and_pwd_double_quotes_in_257() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    let reply = r.expect("MKD a\"b", 257);
    assert!(
        reply.text().starts_with("\"/a\"\"b\""),
        "257 must double the quote: {reply:?}"
    );
    assert_eq!(unquote_path(&reply.text()).as_deref(), Some("/a\"b"));
    assert!(s.path("a\"b").is_dir());

    r.expect("CWD a\"b", 250);
    let reply = r.expect("PWD", 257);
    assert!(reply.text().starts_with("\"/a\"\"b\""), "{reply:?}");
    let reply = r.expect("MKD \"in\"side\"", 257);
    assert_eq!(
        unquote_path(&reply.text()).as_deref(),
        Some("/a\"b/\"in\"side\"")
    );
    assert!(s.path("a\"b/\"in\"side\"").is_dir());
}

#[test]
fn size_of_a_directory_is_550() {
    let s = TestServer::start();
    std::fs::create_dir(s.path("d")).expect("mkdir");
    std::fs::write(s.path("f"), b"12345").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    r.expect("SIZE d", 550);
    r.expect("SIZE /", 550);
    r.expect("SIZE missing", 550);
    let reply = r.expect("SIZE f", 213);
    assert_eq!(reply.text().trim(), "5");
}

#[test]
fn root_cannot_be_removed_or_renamed() {
    let s = TestServer::start();
    std::fs::write(s.path("keep.txt"), b"k").expect("write");
    let mut r = RawSession::login(s.addr);
    for target in ["/", ".", "..", "/..", "/./", "../.."] {
        r.expect(&format!("RMD {target}"), 550);
        r.expect(&format!("XRMD {target}"), 550);
        r.expect(&format!("RNFR {target}"), 550);
        // No rename is pending after a refused RNFR.
        r.expect("RNTO elsewhere", 503);
    }
    r.expect("CWD /", 250);
    let reply = r.expect("PWD", 257);
    assert_eq!(unquote_path(&reply.text()).as_deref(), Some("/"));
    assert!(s.root().is_dir());
    assert!(s.path("keep.txt").is_file());
    assert!(!s.path("elsewhere").exists());
    assert!(!s.dir.path().join("elsewhere").exists());
}

#[test]
fn x_aliases_behave_like_their_commands() {
    let s = TestServer::start();
    let mut r = RawSession::login(s.addr);
    r.expect("XMKD xdir", 257);
    assert!(s.path("xdir").is_dir());
    r.expect("XCWD xdir", 250);
    let reply = r.expect("XPWD", 257);
    assert_eq!(unquote_path(&reply.text()).as_deref(), Some("/xdir"));
    let reply = r.cmd("XCUP");
    assert_code("XCUP", &reply, &[200, 250]);
    let reply = r.expect("XPWD", 257);
    assert_eq!(unquote_path(&reply.text()).as_deref(), Some("/"));
    let reply = r.cmd("XRMD xdir");
    assert_code("XRMD", &reply, &[250]);
    assert!(!s.path("xdir").exists());
}

#[test]
fn rename_dele_rmd_work_and_report_missing_files() {
    let s = TestServer::start();
    std::fs::write(s.path("a.txt"), b"content a").expect("write");
    std::fs::create_dir(s.path("emptydir")).expect("mkdir");
    let mut r = RawSession::login(s.addr);
    r.expect("RNFR a.txt", 350);
    r.expect("RNTO b.txt", 250);
    assert_eq!(std::fs::read(s.path("b.txt")).expect("read"), b"content a");
    assert!(!s.path("a.txt").exists());
    r.expect("RNFR missing.txt", 550);
    r.expect("DELE b.txt", 250);
    assert!(!s.path("b.txt").exists());
    r.expect("DELE b.txt", 550);
    r.expect("RMD emptydir", 250);
    assert!(!s.path("emptydir").exists());
    r.expect("RMD emptydir", 550);
}

#[test]
fn rest_then_stor_writes_from_the_offset() {
    let s = TestServer::start();
    std::fs::write(s.path("f.bin"), b"0123456789").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    // As clients do it: data connection first, then REST right before STOR
    // (RFC 959 4.1.3: REST is immediately followed by the transfer command).
    let mut d = r.pasv_data();
    r.expect("REST 4", 350);
    let first = r.cmd("STOR f.bin");
    assert!(first.code.is_preliminary(), "{first:?}");
    d.write_all(b"abc").expect("write");
    drop(d);
    r.expect_reply(226);
    let got = std::fs::read(s.path("f.bin")).expect("read");
    assert_eq!(
        got.get(..7),
        Some(&b"0123abc"[..]),
        "REST 4 + STOR must write from offset 4, file is now {:?}",
        String::from_utf8_lossy(&got)
    );
    // REST applies to one transfer only: the next STOR replaces the file.
    r.stor("f.bin", b"new");
    assert_eq!(std::fs::read(s.path("f.bin")).expect("read"), b"new");
}
