//! Data connections behind the balancer: PORT must name the claimed client
//! (not the balancer), a passive port accepts the claimed client or the
//! balancer (which forwards data connections without a header) and drops
//! anyone else, and a whole upload and download through a proxied session
//! arrive intact (SHA-256).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::{behind_balancer, connect_from, login, proxied, v1, v2};
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// Accept one connection on `l` within 10 s.
fn accept_within(l: &TcpListener) -> TcpStream {
    l.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                return s;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no active data connection came");
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// `PORT` for `addr` (IPv4).
fn port_line(addr: SocketAddr) -> String {
    let SocketAddr::V4(a) = addr else {
        panic!("IPv4 only")
    };
    let [h1, h2, h3, h4] = a.ip().octets();
    let [p1, p2] = a.port().to_be_bytes();
    format!("PORT {h1},{h2},{h3},{h4},{p1},{p2}")
}

#[test]
fn port_must_name_the_claimed_client_not_the_balancer() {
    let srv = behind_balancer(|_| {});
    let body = pseudo_random(50_000, 21);
    std::fs::write(srv.path("f"), &body).unwrap();
    let mut s = proxied(&srv, &v1("127.0.0.2:40000"));
    login(&mut s);
    s.expect("TYPE I", 200);
    // The balancer's address is not the client's: FTP bounce through it is refused.
    let balancer = TcpListener::bind("127.0.0.1:0").unwrap();
    s.expect(&port_line(balancer.local_addr().unwrap()), 500);
    s.expect("RETR f", 425);
    // The claimed client's own address is accepted, and reached.
    let client = TcpListener::bind("127.0.0.2:0").unwrap();
    s.expect(&port_line(client.local_addr().unwrap()), 200);
    s.expect("RETR f", 150);
    let mut got = Vec::new();
    accept_within(&client).read_to_end(&mut got).unwrap();
    s.expect_reply(226);
    assert_eq!(sha256(&got), sha256(&body));
}

/// EPSV's port on the server's address.
fn epsv(s: &mut RawSession, srv: &TestServer) -> SocketAddr {
    let r = s.expect("EPSV", 229);
    let port = ftp_proto::address::parse_epsv_reply(&r.text()).unwrap();
    SocketAddr::new(srv.addr.ip(), port)
}

/// RETR `f` with `stranger` queued first on the passive port and `real`
/// after it: the data must reach `real` only.
fn retr_past_a_stranger(
    s: &mut RawSession,
    mut stranger: TcpStream,
    mut real: TcpStream,
) -> Vec<u8> {
    real.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stranger
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    s.expect("RETR f", 150);
    let mut got = Vec::new();
    real.read_to_end(&mut got).unwrap();
    s.expect_reply(226);
    let mut stolen = Vec::new();
    let _ = stranger.read_to_end(&mut stolen);
    assert!(stolen.is_empty(), "the stranger got {} bytes", stolen.len());
    let _ = stranger.write_all(b"x");
    got
}

#[test]
fn passive_accepts_the_balancer_and_the_client_and_drops_strangers() {
    let srv = behind_balancer(|_| {});
    let body = pseudo_random(100_000, 22);
    std::fs::write(srv.path("f"), &body).unwrap();
    let mut s = proxied(&srv, &v2("127.0.0.2:40000"));
    login(&mut s);
    s.expect("TYPE I", 200);
    // Forwarded by the balancer: the connection comes from 127.0.0.1.
    let port = epsv(&mut s, &srv);
    let stranger = connect_from("127.0.0.3", port);
    let got = retr_past_a_stranger(&mut s, stranger, connect_from("127.0.0.1", port));
    assert_eq!(got, body);
    // Straight from the client (a balancer that only forwards control).
    let port = epsv(&mut s, &srv);
    let stranger = connect_from("127.0.0.3", port);
    let got = retr_past_a_stranger(&mut s, stranger, connect_from("127.0.0.2", port));
    assert_eq!(got, body);
}

#[test]
fn without_proxy_protocol_the_balancer_address_gets_no_passive_pass() {
    let srv = TestServer::start();
    let body = pseudo_random(10_000, 23);
    std::fs::write(srv.path("f"), &body).unwrap();
    let mut s = RawSession::over(connect_from("127.0.0.2", srv.addr));
    login(&mut s);
    s.expect("TYPE I", 200);
    let port = epsv(&mut s, &srv);
    let would_be_balancer = connect_from("127.0.0.1", port);
    let got = retr_past_a_stranger(&mut s, would_be_balancer, connect_from("127.0.0.2", port));
    assert_eq!(got, body);
}

#[test]
fn upload_then_download_through_a_proxied_session_keeps_the_content() {
    let srv = behind_balancer(|_| {});
    let body = pseudo_random(3 * 1024 * 1024 + 17, 24);
    let mut s = proxied(&srv, &v2("127.0.0.2:40000"));
    login(&mut s);
    s.expect("TYPE I", 200);
    // `RawData` connects its passive data from 127.0.0.1: the balancer.
    s.stor("up.bin", &body);
    assert_eq!(sha256_file(&srv.path("up.bin")), sha256(&body));
    let got = s.retr("up.bin");
    assert_eq!(sha256(&got), sha256(&body));
    s.expect("QUIT", 221);
}
