//! Limits and abuse defences of ftpd over real sockets: session caps in total
//! and per IP, idle and data timeouts, failed-login lockout and its expiry,
//! the pre-login command cap, an endless line, FTP bounce (PORT) and passive
//! port stealing. Timeouts are configured short; no test sleeps to wait for
//! readiness.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::support::raw::RawSession;
use crate::support::TestServer;

/// Connect from a chosen loopback source address.
fn connect_from(src: IpAddr, to: SocketAddr) -> TcpStream {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(SocketAddr::new(src, 0)).unwrap();
        let s = sock.connect(to).await.unwrap();
        s.into_std().unwrap()
    })
}

/// The first reply line of a fresh connection, or "" at EOF.
fn first_line(s: TcpStream) -> String {
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = String::new();
    let _ = BufReader::new(s).read_line(&mut line);
    line
}

/// True once the peer has closed the connection (EOF within the timeout).
fn closed(mut s: TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

#[test]
fn session_over_the_total_cap_gets_421() {
    let srv = TestServer::start_with(|c| c.max_sessions = 2);
    let _a = RawSession::connect(srv.addr);
    let _b = RawSession::connect(srv.addr);
    let line = first_line(TcpStream::connect(srv.addr).unwrap());
    assert!(line.starts_with("421 "), "third session got {line:?}");
    drop(_a);
    // A freed slot is usable again (the session end is asynchronous: retry briefly).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let line = first_line(TcpStream::connect(srv.addr).unwrap());
        if line.starts_with("220 ") {
            break;
        }
        assert!(Instant::now() < deadline, "slot never freed: {line:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn per_ip_cap_leaves_other_addresses_alone() {
    let srv = TestServer::start_with(|c| c.max_sessions_per_ip = 1);
    let _a = RawSession::connect(srv.addr);
    let second = first_line(connect_from("127.0.0.1".parse().unwrap(), srv.addr));
    assert!(
        second.starts_with("421 "),
        "second session from 127.0.0.1 got {second:?}"
    );
    let other = first_line(connect_from("127.0.0.2".parse().unwrap(), srv.addr));
    assert!(
        other.starts_with("220 "),
        "session from 127.0.0.2 got {other:?}"
    );
}

#[test]
fn idle_session_gets_421_and_is_closed() {
    let srv = TestServer::start_with(|c| c.idle_timeout = Duration::from_millis(500));
    let mut s = RawSession::login(srv.addr);
    let r = s.reply();
    assert_eq!(r.code.0, 421, "{r:?}");
    assert!(s.try_reply().is_none(), "connection should be closed");
}

#[test]
fn data_timeout_fails_the_transfer_and_the_session_goes_on() {
    let srv = TestServer::start_with(|c| c.data_timeout = Duration::from_millis(500));
    std::fs::write(srv.path("f"), b"data").unwrap();
    let mut s = RawSession::login(srv.addr);
    s.expect("EPSV", 229);
    s.expect("RETR f", 150);
    let r = s.reply();
    assert_eq!(r.code.0, 425, "{r:?}");
    s.expect("NOOP", 200);
}

#[test]
fn failed_logins_close_then_ban_then_expire() {
    let srv = TestServer::start_with(|c| {
        c.users = vec![ftp_server::User {
            name: "u".into(),
            password: "right".into(),
        }];
        c.anonymous = false;
        c.max_login_failures = 2;
        c.ban_duration = Duration::from_millis(800);
        c.login_failure_delay = Duration::from_millis(10);
    });
    let mut s = RawSession::connect(srv.addr);
    s.expect("USER u", 331);
    s.expect("PASS wrong", 530);
    s.expect("USER nosuchuser", 331);
    s.expect("PASS wrong", 530);
    assert!(
        s.try_reply().is_none(),
        "connection should close after the last failure"
    );
    let banned = first_line(TcpStream::connect(srv.addr).unwrap());
    assert!(banned.starts_with("421 "), "banned IP got {banned:?}");
    std::thread::sleep(Duration::from_millis(900));
    let mut s = RawSession::connect(srv.addr);
    s.expect("USER u", 331);
    s.expect("PASS right", 230);
}

#[test]
fn unknown_and_known_users_get_the_same_331() {
    let srv = TestServer::start_with(|c| {
        c.users = vec![ftp_server::User {
            name: "u".into(),
            password: "p".into(),
        }];
        c.anonymous = false;
    });
    let mut s = RawSession::connect(srv.addr);
    let known = s.expect("USER u", 331);
    let unknown = s.expect("USER nobody", 331);
    assert_eq!(known.lines, unknown.lines);
}

#[test]
fn pre_login_command_cap_closes_the_connection() {
    let srv = TestServer::start_with(|c| c.max_commands_before_login = 20);
    let mut s = RawSession::connect(srv.addr);
    for _ in 0..20 {
        s.expect("NOOP", 200);
    }
    let r = s.cmd("NOOP");
    assert_eq!(r.code.0, 421, "{r:?}");
    assert!(s.try_reply().is_none());
}

#[test]
fn ten_mib_line_without_newline_is_refused_and_the_session_goes_on() {
    let srv = TestServer::start();
    let mut s = RawSession::login(srv.addr);
    let chunk = vec![b'x'; 1024 * 1024];
    for _ in 0..10 {
        s.send_raw(&chunk);
    }
    s.send_raw(b"\r\n");
    let r = s.reply();
    assert_eq!(r.code.0, 500, "{r:?}");
    s.expect("NOOP", 200);
}

#[test]
fn port_to_another_ip_or_a_privileged_port_is_refused() {
    let srv = TestServer::start();
    let mut s = RawSession::login(srv.addr);
    let r = s.cmd("PORT 10,1,2,3,200,10");
    assert!(matches!(r.code.0, 500 | 504), "{r:?}");
    let r = s.cmd("PORT 127,0,0,1,0,21");
    assert!(matches!(r.code.0, 500 | 504), "{r:?}");
    let r = s.cmd("EPRT |1|127.0.0.2|5000|");
    assert!(matches!(r.code.0, 500 | 504), "{r:?}");
    // Nothing was prepared: a transfer now has no data connection.
    std::fs::write(srv.path("f"), b"x").unwrap();
    s.expect("RETR f", 425);
}

#[test]
fn passive_connection_from_another_ip_is_dropped_while_the_client_still_gets_its_data() {
    let srv = TestServer::start();
    let body = crate::support::pseudo_random(100_000, 7);
    std::fs::write(srv.path("f"), &body).unwrap();
    let mut s = RawSession::login(srv.addr);
    s.expect("TYPE I", 200);
    let r = s.expect("PASV", 227);
    let addr = ftp_proto::address::parse_pasv_reply(&r.text()).unwrap();
    // The thief connects first, from 127.0.0.2.
    let mut thief = connect_from("127.0.0.2".parse().unwrap(), SocketAddr::V4(addr));
    thief.set_nonblocking(false).unwrap();
    thief
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut real = TcpStream::connect(addr).unwrap();
    real.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    s.expect("RETR f", 150);
    let mut got = Vec::new();
    real.read_to_end(&mut got).unwrap();
    assert_eq!(s.reply().code.0, 226);
    assert_eq!(got, body);
    let mut stolen = Vec::new();
    let _ = thief.read_to_end(&mut stolen);
    assert!(
        stolen.is_empty(),
        "the thief received {} bytes",
        stolen.len()
    );
    let _ = thief.write_all(b"x");
}

#[test]
fn closed_helper_sees_eof() {
    // Guards the helper used above: a server that closes is seen as closed.
    let srv = TestServer::start();
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.write_all(b"QUIT\r\n").unwrap();
    assert!(closed(s));
}

#[test]
fn passive_ports_are_random_inside_the_range() {
    let (lo, hi) = (41000u16, 41999u16);
    let srv = TestServer::start_with(|c| c.passive_ports = Some((lo, hi)));
    let mut s = RawSession::login(srv.addr);
    let mut ports = Vec::new();
    for _ in 0..8 {
        let r = s.expect("PASV", 227);
        let addr = ftp_proto::address::parse_pasv_reply(&r.text()).unwrap();
        assert!((lo..=hi).contains(&addr.port()), "{addr} outside {lo}-{hi}");
        ports.push(addr.port());
    }
    // A sequential allocator would hand out lo, lo+1, ...: random picks from
    // 1,000 ports are neither all at the bottom nor in step.
    let sequential = ports.windows(2).all(|w| w[1] == w[0] + 1 || w[1] == w[0]);
    assert!(!sequential, "predictable passive ports: {ports:?}");
    assert!(
        ports.iter().any(|&p| p > lo + 50),
        "ports hug the bottom: {ports:?}"
    );
}
