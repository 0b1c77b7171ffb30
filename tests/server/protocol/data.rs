//! Data connections and listings at the protocol level: EPSV ALL, the PASV
//! address, active mode and its bounce protection, LIST options and format,
//! STAT with a path, TYPE A line-ending conversion, the 150 byte count, and
//! clients that vanish in the middle of a transfer.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, UNIX_EPOCH};

use super::assert_code;
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::{pseudo_random, TestServer};

#[test]
fn epsv_all_refuses_pasv_port_and_eprt() {
    let s = TestServer::start();
    std::fs::write(s.path("f.txt"), b"still works").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("EPSV ALL", 200);
    for line in ["PASV", "PORT 127,0,0,1,200,10", "EPRT |1|127.0.0.1|51210|"] {
        let reply = r.cmd(line);
        assert!(
            reply.code.is_permanent_failure(),
            "{line} after EPSV ALL: {reply:?}"
        );
    }
    // EPSV itself keeps working.
    assert_eq!(r.retr("f.txt"), b"still works");
}

#[test]
fn pasv_reply_is_plain_ipv4_and_usable() {
    let s = TestServer::start();
    std::fs::write(s.path("f.txt"), b"via pasv").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    let reply = r.expect("PASV", 227);
    assert!(!reply.text().contains("::ffff:"), "{reply:?}");
    let addr = ftp_proto::address::parse_pasv_reply(&reply.text()).expect("h1,h2,h3,h4,p1,p2");
    assert_eq!(*addr.ip(), Ipv4Addr::LOCALHOST, "{reply:?}");
    let mut d = TcpStream::connect(addr).expect("connect to PASV address");
    d.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let first = r.cmd("RETR f.txt");
    assert!(first.code.is_preliminary(), "{first:?}");
    let mut got = Vec::new();
    d.read_to_end(&mut got).expect("read");
    assert_eq!(got, b"via pasv");
    r.expect_reply(226);
}

/// Accept one active-mode data connection on `listener` and read it to the end.
fn accept_all(listener: &TcpListener) -> Vec<u8> {
    let (mut d, peer) = listener.accept().expect("accept active connection");
    assert_eq!(peer.ip(), Ipv4Addr::LOCALHOST);
    d.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut got = Vec::new();
    d.read_to_end(&mut got).expect("read");
    got
}

#[test]
fn port_and_eprt_connect_back_but_refuse_bounces() {
    let s = TestServer::start();
    std::fs::write(s.path("f.txt"), b"active data").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();

    r.expect(
        &format!("PORT 127,0,0,1,{},{}", port >> 8, port & 0xff),
        200,
    );
    let first = r.cmd("RETR f.txt");
    assert!(first.code.is_preliminary(), "{first:?}");
    assert_eq!(accept_all(&listener), b"active data");
    r.expect_reply(226);

    r.expect(&format!("EPRT |1|127.0.0.1|{port}|"), 200);
    let first = r.cmd("RETR f.txt");
    assert!(first.code.is_preliminary(), "{first:?}");
    assert_eq!(accept_all(&listener), b"active data");
    r.expect_reply(226);

    // FTP bounce (RFC 2577): another host, or a privileged port, is refused.
    for line in [
        "PORT 10,0,0,1,200,10",
        "PORT 127,0,0,1,0,25",
        "EPRT |1|10.0.0.1|51210|",
        "EPRT |1|127.0.0.1|25|",
    ] {
        let reply = r.cmd(line);
        assert!(reply.code.is_permanent_failure(), "{line}: {reply:?}");
    }
    r.expect("NOOP", 200);
}

/// Files for the listing tests: a fixed old mtime so the date shows a year.
fn listing_fixture(s: &TestServer) {
    std::fs::write(s.path("visible.txt"), b"hello world").expect("write");
    std::fs::write(s.path(".hidden"), b"h").expect("write");
    std::fs::create_dir(s.path("sub")).expect("mkdir");
    std::fs::write(s.path("sub/inner.txt"), b"inner").expect("write");
    let f = std::fs::File::options()
        .write(true)
        .open(s.path("visible.txt"))
        .expect("open");
    f.set_modified(UNIX_EPOCH + Duration::from_secs(1_614_834_367))
        .expect("mtime");
}

#[test]
fn list_dash_options_are_options_not_masks() {
    let s = TestServer::start();
    listing_fixture(&s);
    let mut r = RawSession::login(s.addr);
    for line in ["LIST", "LIST -a", "LIST -l", "LIST -la", "LIST -al"] {
        let listing = r.listing(line);
        assert!(listing.contains("visible.txt"), "{line}:\n{listing}");
        assert!(listing.contains(" sub"), "{line}:\n{listing}");
    }
    let listing = r.listing("LIST -la sub");
    assert!(listing.contains("inner.txt"), "LIST -la sub:\n{listing}");
    assert!(!listing.contains("visible.txt"), "LIST -la sub:\n{listing}");
}

#[test]
fn list_is_unix_ls_format_with_crlf() {
    let s = TestServer::start();
    listing_fixture(&s);
    let mut r = RawSession::login(s.addr);
    let listing = r.listing("LIST");
    assert!(listing.ends_with("\r\n"), "{listing:?}");
    let line = listing
        .split("\r\n")
        .find(|l| l.ends_with(" visible.txt"))
        .unwrap_or_else(|| panic!("no visible.txt in:\n{listing}"));
    let fields: Vec<&str> = line.split_whitespace().collect();
    // -rw-r--r-- 1 owner group 11 Mar  4  2021 visible.txt
    assert!(fields.len() >= 9, "{line}");
    assert!(
        fields[0].len() == 10 && fields[0].starts_with('-'),
        "mode field: {line}"
    );
    assert_eq!(fields[4], "11", "size field: {line}");
    assert_eq!(
        &fields[5..8],
        ["Mar", "4", "2021"],
        "date of a 2021 file: {line}"
    );
    let dir = listing
        .split("\r\n")
        .find(|l| l.ends_with(" sub"))
        .unwrap_or_else(|| panic!("no sub in:\n{listing}"));
    assert!(dir.starts_with('d'), "{dir}");

    let names = r.listing("NLST");
    let mut names: Vec<&str> = names.split("\r\n").filter(|l| !l.is_empty()).collect();
    names.sort_unstable();
    assert!(
        names.contains(&"visible.txt") && names.contains(&"sub"),
        "{names:?}"
    );
}

#[test]
fn stat_with_path_lists_over_the_control_connection() {
    let s = TestServer::start();
    listing_fixture(&s);
    let mut r = RawSession::login(s.addr);
    r.expect("STAT", 211);
    let reply = r.cmd("STAT /");
    assert_code("STAT /", &reply, &[211, 212, 213]);
    assert!(reply.lines.len() > 2, "{reply:?}");
    assert!(
        reply.lines.iter().any(|l| l.ends_with(" visible.txt")),
        "{reply:?}"
    );
    assert!(reply.lines.iter().any(|l| l.ends_with(" sub")), "{reply:?}");
    let reply = r.cmd("STAT sub");
    assert_code("STAT sub", &reply, &[211, 212, 213]);
    assert!(
        reply.lines.iter().any(|l| l.ends_with(" inner.txt")),
        "{reply:?}"
    );
    let reply = r.cmd("STAT visible.txt");
    assert_code("STAT visible.txt", &reply, &[211, 212, 213]);
    assert!(
        reply.lines.iter().any(|l| l.ends_with(" visible.txt")),
        "{reply:?}"
    );
    let reply = r.cmd("STAT missing");
    assert!(reply.code.is_permanent_failure(), "{reply:?}");
    r.expect("NOOP", 200);
}

#[test]
fn type_a_converts_line_endings_both_ways() {
    let s = TestServer::start();
    std::fs::write(s.path("unix.txt"), b"one\ntwo\n\nthree").expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE A", 200);
    assert_eq!(r.retr("unix.txt"), b"one\r\ntwo\r\n\r\nthree");
    r.stor("up.txt", b"x\r\ny\r\n\r\nz");
    assert_eq!(std::fs::read(s.path("up.txt")).expect("read"), b"x\ny\n\nz");

    r.expect("TYPE I", 200);
    assert_eq!(r.retr("unix.txt"), b"one\ntwo\n\nthree");
    r.stor("raw.txt", b"x\r\ny\r\n");
    assert_eq!(
        std::fs::read(s.path("raw.txt")).expect("read"),
        b"x\r\ny\r\n"
    );
    r.expect("TYPE L 8", 200);
    assert_eq!(r.retr("unix.txt"), b"one\ntwo\n\nthree");
}

#[test]
fn retr_150_reply_carries_the_byte_count() {
    let s = TestServer::start();
    std::fs::write(s.path("sized.bin"), pseudo_random(12_345, 41)).expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    let t = r.download("RETR sized.bin");
    assert!(t.started(), "{t:?}");
    assert!(
        t.first.text().contains("(12345 bytes)"),
        "150 reply: {:?}",
        t.first
    );
    assert_eq!(t.data.len(), 12_345);
    assert_eq!(t.final_code(), 226);
}

#[test]
fn client_vanishing_mid_transfer_does_not_break_the_server() {
    let s = TestServer::start();
    let big = pseudo_random(24 << 20, 42);
    std::fs::write(s.path("big.bin"), &big).expect("write");
    std::fs::write(s.path("small.txt"), b"small").expect("write");

    // A download abandoned after the first 64 KiB: both connections just close.
    {
        let mut r = RawSession::login(s.addr);
        r.expect("TYPE I", 200);
        let mut d = r.pasv_data();
        let first = r.cmd("RETR big.bin");
        assert!(first.code.is_preliminary(), "{first:?}");
        let mut buf = vec![0u8; 65_536];
        d.read_exact(&mut buf).expect("first bytes");
        assert_eq!(buf, big[..65_536]);
    }
    // An upload abandoned half way.
    {
        let mut r = RawSession::login(s.addr);
        r.expect("TYPE I", 200);
        let mut d = r.pasv_data();
        let first = r.cmd("STOR half.bin");
        assert!(first.code.is_preliminary(), "{first:?}");
        d.write_all(&big[..100_000]).expect("write some");
    }
    // A data connection left open while the control connection goes away.
    let mut orphan = {
        let mut r = RawSession::login(s.addr);
        let d = r.pasv_data();
        r.send("RETR big.bin");
        d
    };
    // The server keeps serving new sessions, transfers included.
    let mut r = RawSession::login(s.addr);
    r.expect("NOOP", 200);
    assert_eq!(r.retr("small.txt"), b"small");
    let listing = r.listing("LIST");
    assert!(listing.contains("small.txt"), "{listing}");
    // The orphaned data connection is closed by the server, not left hanging.
    let mut sink = Vec::new();
    if let Err(e) = orphan.read_to_end(&mut sink) {
        assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "orphaned data connection still open after 20 s ({} bytes received)",
            sink.len()
        );
    }
    r.expect("QUIT", 221);
}

#[test]
fn stat_and_abor_are_answered_while_a_transfer_runs() {
    let s = TestServer::start();
    std::fs::write(s.path("big.bin"), vec![7u8; 48 << 20]).expect("write");
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    let mut d = r.pasv_data();
    let first = r.cmd("RETR big.bin");
    assert!(first.code.is_preliminary(), "{first:?}");
    let mut buf = vec![0u8; 65_536];
    d.read_exact(&mut buf).expect("first bytes");
    // The transfer is stalled on our unread socket; the control connection still answers.
    let stat = r.cmd("STAT");
    assert_code("STAT during transfer", &stat, &[211, 213]);
    // ABOR sent in-line (no urgent data): 426 for the transfer, then 226.
    r.send("ABOR");
    let aborted = r.reply();
    assert_code("reply to ABOR for the running transfer", &aborted, &[426]);
    let done = r.reply();
    assert_code("reply after 426", &done, &[226]);
    r.expect("NOOP", 200);
    // The data connection was closed by the server.
    let mut rest = Vec::new();
    let _ = d.read_to_end(&mut rest);
    assert!(
        rest.len() < 48 << 20,
        "the whole file was sent despite ABOR"
    );
}

#[test]
fn pasv_on_a_dual_stack_socket_announces_plain_ipv4() {
    // An IPv6 listener reached over IPv4: the server sees ::ffff:127.0.0.1.
    let s = TestServer::start_on("[::ffff:127.0.0.1]:0", |c| c.write = true);
    std::fs::write(s.path("f.txt"), b"mapped").expect("write");
    let v4 = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, s.port()));
    let mut r = RawSession::login(v4);
    r.expect("TYPE I", 200);
    let reply = r.expect("PASV", 227);
    assert!(!reply.text().contains("::ffff:"), "{reply:?}");
    let addr = ftp_proto::address::parse_pasv_reply(&reply.text()).expect("h1,h2,h3,h4,p1,p2");
    assert_eq!(*addr.ip(), Ipv4Addr::LOCALHOST, "{reply:?}");
    let mut d = TcpStream::connect(addr).expect("connect to PASV address");
    d.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let first = r.cmd("RETR f.txt");
    assert!(first.code.is_preliminary(), "{first:?}");
    let mut got = Vec::new();
    d.read_to_end(&mut got).expect("read");
    assert_eq!(got, b"mapped");
    r.expect_reply(226);
    // EPSV and active mode work for the mapped client too.
    assert_eq!(r.retr("f.txt"), b"mapped");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    r.expect(
        &format!("PORT 127,0,0,1,{},{}", port >> 8, port & 0xff),
        200,
    );
    let first = r.cmd("RETR f.txt");
    assert!(first.code.is_preliminary(), "{first:?}");
    assert_eq!(accept_all(&listener), b"mapped");
    r.expect_reply(226);
}
