//! Header reading over an in-memory pipe: each version and address family,
//! the health-check forms, split and oversized headers, and that nothing
//! past the header is consumed.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

const LONG: Duration = Duration::from_secs(10);

/// A v2 PROXY header over TCP/IPv4 from `src` to 192.0.2.1:21.
fn v2_tcp4(src: SocketAddr) -> Vec<u8> {
    let SocketAddr::V4(src) = src else {
        panic!("IPv4 only")
    };
    let mut h = V2_SIGNATURE.to_vec();
    h.extend([0x21, 0x11, 0, 12]);
    h.extend(src.ip().octets());
    h.extend([192, 0, 2, 1]);
    h.extend(src.port().to_be_bytes());
    h.extend(21u16.to_be_bytes());
    h
}

/// A v2 PROXY header over TCP/IPv6 from `src` to [2001:db8::1]:21.
fn v2_tcp6(src: SocketAddr) -> Vec<u8> {
    let SocketAddr::V6(src) = src else {
        panic!("IPv6 only")
    };
    let mut h = V2_SIGNATURE.to_vec();
    h.extend([0x21, 0x21, 0, 36]);
    h.extend(src.ip().octets());
    h.extend(
        "2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    h.extend(src.port().to_be_bytes());
    h.extend(21u16.to_be_bytes());
    h
}

/// A pipe whose far end has `bytes` written into it (and stays open).
async fn pipe_with(bytes: &[u8]) -> (DuplexStream, DuplexStream) {
    let (mut far, near) = tokio::io::duplex(4096);
    far.write_all(bytes).await.unwrap();
    (near, far)
}

async fn parse(bytes: &[u8]) -> Result<Option<SocketAddr>, HeaderError> {
    let (mut near, _far) = pipe_with(bytes).await;
    read_header(&mut near, LONG).await
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn v1_tcp4_and_tcp6_give_the_source_address() {
    let got = parse(b"PROXY TCP4 198.51.100.7 192.0.2.1 40000 21\r\n").await;
    assert_eq!(got.unwrap(), Some(addr("198.51.100.7:40000")));
    let got = parse(b"PROXY TCP6 2001:db8::7 2001:db8::1 40001 21\r\n").await;
    assert_eq!(got.unwrap(), Some(addr("[2001:db8::7]:40001")));
}

#[tokio::test]
async fn v2_ipv4_and_ipv6_give_the_source_address() {
    let got = parse(&v2_tcp4(addr("198.51.100.7:40000"))).await;
    assert_eq!(got.unwrap(), Some(addr("198.51.100.7:40000")));
    let got = parse(&v2_tcp6(addr("[2001:db8::7]:40001"))).await;
    assert_eq!(got.unwrap(), Some(addr("[2001:db8::7]:40001")));
}

#[tokio::test]
async fn health_checks_carry_no_client_address() {
    assert_eq!(parse(b"PROXY UNKNOWN\r\n").await.unwrap(), None);
    assert_eq!(
        parse(b"PROXY UNKNOWN ffff:: ffff:: 1 2\r\n").await.unwrap(),
        None
    );
    // v2 LOCAL, family unspecified, no payload.
    let mut local = V2_SIGNATURE.to_vec();
    local.extend([0x20, 0x00, 0, 0]);
    assert_eq!(parse(&local).await.unwrap(), None);
    // LOCAL with addresses: still the balancer's own connection.
    let mut local4 = v2_tcp4(addr("198.51.100.7:1"));
    local4[12] = 0x20;
    assert_eq!(parse(&local4).await.unwrap(), None);
}

/// The client sends nothing before the greeting, but a pipelining one might:
/// whatever follows the header must be left for the FTP session.
#[tokio::test]
async fn bytes_after_the_header_are_left_unread() {
    for header in [
        b"PROXY UNKNOWN\r\n".to_vec(),
        b"PROXY TCP4 198.51.100.7 192.0.2.1 40000 21\r\n".to_vec(),
        v2_tcp4(addr("198.51.100.7:40000")),
    ] {
        let mut bytes = header.clone();
        bytes.extend(b"USER anonymous\r\n");
        let (mut near, far) = pipe_with(&bytes).await;
        read_header(&mut near, LONG).await.unwrap();
        drop(far);
        let mut rest = Vec::new();
        near.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"USER anonymous\r\n", "after {header:?}");
    }
}

#[tokio::test]
async fn header_split_across_writes_is_read_whole() {
    for header in [
        b"PROXY TCP4 198.51.100.7 192.0.2.1 40000 21\r\n".to_vec(),
        v2_tcp6(addr("[2001:db8::7]:40001")),
    ] {
        for cut in [1, 5, 13, 15, 16, 20, header.len() - 1] {
            let (mut far, mut near) = tokio::io::duplex(4096);
            let (a, b) = header.split_at(cut);
            let (a, b) = (a.to_vec(), b.to_vec());
            let writer = tokio::spawn(async move {
                far.write_all(&a).await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
                far.write_all(&b).await.unwrap();
                far
            });
            let got = read_header(&mut near, LONG).await;
            assert!(got.unwrap().is_some(), "cut at {cut} of {header:?}");
            drop(writer.await.unwrap());
        }
    }
}

#[tokio::test]
async fn a_short_header_waits_only_for_what_it_needs_then_times_out() {
    // Fewer than 15 bytes: no header is that short, so this waits for more.
    let (mut near, _far) = pipe_with(b"PROXY TCP4").await;
    let got = read_header(&mut near, Duration::from_millis(50)).await;
    assert!(matches!(got, Err(HeaderError::TimedOut(_))), "{got:?}");
    let (mut near, _far) = pipe_with(b"").await;
    let got = read_header(&mut near, Duration::from_millis(50)).await;
    assert!(matches!(got, Err(HeaderError::TimedOut(_))), "{got:?}");
}

#[tokio::test]
async fn missing_malformed_and_oversized_headers_are_errors() {
    let got = parse(b"USER anonymous\r\n").await;
    assert!(matches!(got, Err(HeaderError::Missing)), "{got:?}");
    let got = parse(b"PROXY TCP4 not-an-ip 192.0.2.1 1 21\r\n").await;
    assert!(matches!(got, Err(HeaderError::Malformed(_))), "{got:?}");
    let got = parse(b"PROXY X\r\nUSER anonymous\r\n").await;
    assert!(matches!(got, Err(HeaderError::Malformed(_))), "{got:?}");
    let long = [b"PROXY ".as_slice(), &[b'x'; 200]].concat();
    let got = parse(&long).await;
    assert!(matches!(got, Err(HeaderError::V1TooLong)), "{got:?}");
    let mut huge = V2_SIGNATURE.to_vec();
    huge.extend([0x21, 0x11, 0xff, 0xff]);
    let got = parse(&huge).await;
    assert!(matches!(got, Err(HeaderError::V2TooLong(65535))), "{got:?}");
    let mut bad_version = v2_tcp4(addr("198.51.100.7:1"));
    bad_version[12] = 0x11;
    let got = parse(&bad_version).await;
    assert!(matches!(got, Err(HeaderError::Malformed(_))), "{got:?}");
}

#[tokio::test]
async fn a_connection_closed_inside_the_header_is_an_error() {
    let (mut near, far) = pipe_with(b"PROXY TCP4 198.51.100.7").await;
    drop(far);
    let got = read_header(&mut near, LONG).await;
    assert!(matches!(got, Err(HeaderError::Closed)), "{got:?}");
}

#[test]
fn sniffer_spots_both_versions_even_when_split() {
    let mut s = Sniffer::default();
    assert!(!s.header_seen(b"PRO"));
    assert!(s.header_seen(b"XY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"));
    let mut s = Sniffer::default();
    assert!(!s.header_seen(b"\r\n\r\n"));
    assert!(!s.header_seen(b"\0\r\nQUI"));
    assert!(s.header_seen(b"T\n\x21\x11"));
}

#[test]
fn sniffer_leaves_commands_alone() {
    for first in [
        b"USER anonymous\r\n".as_slice(),
        b"PROXYUSER\r\n",
        b"\r\n",
        b"PASV\r\n",
    ] {
        let mut s = Sniffer::default();
        assert!(!s.header_seen(first), "{first:?}");
        assert!(!s.header_seen(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"));
    }
}
