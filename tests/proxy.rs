//! `--proxy-protocol` over real sockets. Every connection comes from
//! 127.0.0.1, the trusted "balancer", and its PROXY header (v1 or v2)
//! claims a client address; the server must judge that address: per-IP
//! caps, bans, STAT's "Connected from", the PORT check and the passive
//! accept check. Claimed clients that must be reachable live in
//! 127.0.0.0/8 (Linux routes all of it to lo). Also: headers from untrusted
//! sources, malformed, split and missing headers, and implicit FTPS.

mod data;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, SocketAddrV4, TcpStream};
use std::time::{Duration, Instant};

use crate::support::raw::RawSession;
use crate::support::TestServer;

/// A server with write access that trusts 127.0.0.1 as its balancer.
fn behind_balancer(tune: impl FnOnce(&mut ftp_server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.write = true;
        c.proxy_protocol = vec!["127.0.0.1".parse().unwrap()];
        tune(c);
    })
}

/// A v1 header claiming `client` (IPv4) talks to 192.0.2.1:21.
fn v1(client: &str) -> Vec<u8> {
    let client: SocketAddrV4 = client.parse().unwrap();
    format!(
        "PROXY TCP4 {} 192.0.2.1 {} 21\r\n",
        client.ip(),
        client.port()
    )
    .into_bytes()
}

/// A v2 PROXY header (TCP over IPv4) claiming `client` talks to 192.0.2.1:21.
fn v2(client: &str) -> Vec<u8> {
    let client: SocketAddrV4 = client.parse().unwrap();
    let mut h = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    h.extend([0x21, 0x11, 0, 12]);
    h.extend(client.ip().octets());
    h.extend([192, 0, 2, 1]);
    h.extend(client.port().to_be_bytes());
    h.extend(21u16.to_be_bytes());
    h
}

/// A v2 LOCAL header: the balancer's own health check.
fn v2_local() -> Vec<u8> {
    let mut h = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    h.extend([0x20, 0x00, 0, 0]);
    h
}

/// Connect (from 127.0.0.1) and send `header` first.
fn send_header(srv: &TestServer, header: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(srv.addr).unwrap();
    s.write_all(header).unwrap();
    s
}

/// A session through the "balancer" with `header`, greeting read.
fn proxied(srv: &TestServer, header: &[u8]) -> RawSession {
    RawSession::over(send_header(srv, header))
}

/// Connect from a chosen loopback source address.
pub(crate) fn connect_from(src: &str, to: SocketAddr) -> TcpStream {
    let src: IpAddr = src.parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.bind(SocketAddr::new(src, 0)).unwrap();
        let s = tokio::time::timeout(Duration::from_secs(10), sock.connect(to))
            .await
            .expect("connect timed out")
            .unwrap();
        let s = s.into_std().unwrap();
        s.set_nonblocking(false).unwrap();
        s
    })
}

/// The first reply line on a stream, or "" at EOF.
fn first_line(s: TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut line = String::new();
    let _ = BufReader::new(s).read_line(&mut line);
    line
}

/// Everything the server sends until it closes (bounded by a read timeout).
fn read_until_closed(mut s: TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 512];
    for _ in 0..1000 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Log in anonymously.
fn login(s: &mut RawSession) {
    s.expect("USER anonymous", 331);
    s.expect("PASS x@", 230);
}

/// The address STAT says the session is connected from.
fn connected_from(s: &mut RawSession) -> String {
    let r = s.expect("STAT", 211);
    let line = r
        .lines
        .iter()
        .find_map(|l| l.strip_prefix("Connected from "));
    line.expect("STAT names the peer").to_string()
}

#[test]
fn v1_and_v2_headers_give_the_client_address() {
    let srv = behind_balancer(|_| {});
    let mut a = proxied(&srv, &v1("198.51.100.7:40000"));
    login(&mut a);
    assert_eq!(connected_from(&mut a), "198.51.100.7");
    let mut b = proxied(&srv, &v2("203.0.113.9:40001"));
    login(&mut b);
    assert_eq!(connected_from(&mut b), "203.0.113.9");
}

#[test]
fn per_ip_cap_counts_claimed_clients_not_the_balancer() {
    let srv = behind_balancer(|c| c.max_sessions_per_ip = 1);
    let _a = proxied(&srv, &v1("198.51.100.7:40000"));
    let same = first_line(send_header(&srv, &v2("198.51.100.7:40001")));
    assert!(
        same.starts_with("421 "),
        "second session of one client got {same:?}"
    );
    let _b = proxied(&srv, &v2("198.51.100.8:40000"));
    let _c = proxied(&srv, &v1("198.51.100.9:40000"));
    // A health check counts as the balancer itself, which has no session yet.
    let _check = proxied(&srv, &v2_local());
}

#[test]
fn failed_logins_ban_the_claimed_client_not_the_balancer() {
    let srv = behind_balancer(|c| {
        c.users = vec![ftp_server::User {
            name: "u".into(),
            password: "right".into(),
        }];
        c.anonymous = false;
        c.max_login_failures = 2;
        c.ban_duration = Duration::from_secs(60);
        c.login_failure_delay = Duration::from_millis(10);
    });
    let mut s = proxied(&srv, &v1("198.51.100.7:40000"));
    for _ in 0..2 {
        s.expect("USER u", 331);
        s.expect("PASS wrong", 530);
    }
    assert!(s.try_reply().is_none(), "closed after the last failure");
    let banned = first_line(send_header(&srv, &v2("198.51.100.7:40002")));
    assert!(banned.starts_with("421 "), "banned client got {banned:?}");
    let mut other = proxied(&srv, &v2("198.51.100.8:40000"));
    other.expect("USER u", 331);
    other.expect("PASS right", 230);
    let mut check = proxied(&srv, b"PROXY UNKNOWN\r\n");
    check.expect("USER u", 331);
    check.expect("PASS right", 230);
    assert_eq!(connected_from(&mut check), "127.0.0.1");
}

#[test]
fn header_from_an_untrusted_source_gets_421_and_is_never_read_as_commands() {
    let srv = behind_balancer(|_| {});
    // 127.0.0.3 is not trusted: it is greeted as a client, and its header refused.
    let mut s = RawSession::over(connect_from("127.0.0.3", srv.addr));
    let r = s.cmd(
        std::str::from_utf8(&v1("198.51.100.7:40000"))
            .unwrap()
            .trim_end(),
    );
    assert_eq!(r.code.0, 421, "{r:?}");
    assert!(s.try_reply().is_none(), "closed after the 421");
    // v2's signature reads as empty lines and QUIT to an unaware server.
    let mut s = connect_from("127.0.0.3", srv.addr);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut greeting = [0u8; 64];
    let n = s.read(&mut greeting).unwrap();
    assert!(greeting[..n].starts_with(b"220 "));
    s.write_all(&v2("198.51.100.7:40000")).unwrap();
    let rest = read_until_closed(s);
    assert!(
        rest.contains("421 "),
        "v2 header from an untrusted source: {rest:?}"
    );
    assert!(
        !rest.contains("221 "),
        "the signature was taken as QUIT: {rest:?}"
    );
}

#[test]
fn a_second_header_behind_the_balancers_is_refused() {
    let srv = behind_balancer(|_| {});
    let mut s = proxied(&srv, &v1("198.51.100.7:40000"));
    s.send_raw(&v1("203.0.113.1:1"));
    assert_eq!(s.reply().code.0, 421);
    assert!(s.try_reply().is_none());
}

#[test]
fn malformed_or_missing_header_from_the_balancer_closes_cleanly() {
    let srv = behind_balancer(|_| {});
    for bad in [
        b"PROXY TCP4 not-an-ip 192.0.2.1 1 21\r\n".as_slice(),
        b"PROXY TCP9 1.2.3.4 5.6.7.8 1 2\r\n",
        b"USER anonymous\r\n",
    ] {
        let out = read_until_closed(send_header(&srv, bad));
        assert!(out.starts_with("421 "), "{bad:?} got {out:?}");
        assert!(!out.contains("220 "), "{bad:?} got a greeting: {out:?}");
    }
    let mut s = proxied(&srv, &v2("198.51.100.7:40000"));
    s.expect("NOOP", 200);
}

#[test]
fn header_split_across_two_writes_with_a_pause_works() {
    let srv = behind_balancer(|_| {});
    for (header, cut) in [(v1("127.0.0.2:40000"), 9), (v2("127.0.0.2:40000"), 14)] {
        let mut s = TcpStream::connect(srv.addr).unwrap();
        s.write_all(&header[..cut]).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        s.write_all(&header[cut..]).unwrap();
        let mut s = RawSession::over(s);
        login(&mut s);
        assert_eq!(connected_from(&mut s), "127.0.0.2");
    }
}

#[test]
fn balancer_connection_without_a_header_times_out_and_the_server_stays_up() {
    let srv = behind_balancer(|c| c.proxy_header_timeout = Duration::from_millis(300));
    let started = Instant::now();
    let out = read_until_closed(TcpStream::connect(srv.addr).unwrap());
    let waited = started.elapsed();
    assert!(
        out.starts_with("421 "),
        "silent balancer connection got {out:?}"
    );
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    let mut s = proxied(&srv, &v1("198.51.100.7:40000"));
    s.expect("NOOP", 200);
}

#[test]
fn implicit_ftps_takes_the_header_before_the_handshake() {
    let (server, _) = ftp_server::tls::self_signed().unwrap();
    let srv = behind_balancer(|c| {
        c.tls = Some(ftp_server::tls::TlsConfig {
            server: std::sync::Arc::new(server),
            require_session_reuse: false,
            require_tls: false,
            self_signed_fingerprint: None,
            reloader: None,
        });
    });
    let mut tcp = TcpStream::connect(srv.implicit.unwrap()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(&v2("127.0.0.2:40000")).unwrap();
    let verification = ftp_client::tls::Verification {
        insecure: true,
        ..Default::default()
    };
    let config = ftp_client::tls::client_config(&verification).unwrap();
    let session = ftp_client::tls::TlsSession::new(&config, "127.0.0.1").unwrap();
    let mut tls = BufReader::new(session.connect(tcp).unwrap());
    let mut line = String::new();
    tls.read_line(&mut line).unwrap();
    assert!(line.starts_with("220 "), "{line:?}");
    for cmd in ["USER anonymous\r\n", "PASS x@\r\n", "STAT\r\n"] {
        tls.get_mut().write_all(cmd.as_bytes()).unwrap();
    }
    let mut text = String::new();
    for _ in 0..20 {
        line.clear();
        if tls.read_line(&mut line).unwrap() == 0 || line.starts_with("211 ") {
            break;
        }
        text.push_str(&line);
    }
    assert!(text.contains("Connected from 127.0.0.2"), "{text:?}");
}
