//! The PROXY protocol (HAProxy's v1 text and v2 binary headers) for ftpd
//! behind a load balancer (`--proxy-protocol`). This module owns which
//! sources may send a header (`Cidr`, `trusted`), reading exactly one header
//! from the start of such a connection, bounded in size and in time
//! (`read_header`), and spotting a header on a connection that may not send
//! one (`Sniffer`). The parsing itself is the `ppp` crate's.
//!
//! The header is read in the connection's own task, never in the accept
//! loop, and never past its last byte: the FTP client behind the balancer
//! sends nothing until it has the 220 greeting, so waiting for one byte more
//! than the header holds would hang the session.

mod cidr;
#[cfg(test)]
mod tests;

pub use cidr::{any_contains as trusted, Cidr, CidrError};

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ppp::v1;
use ppp::v2;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest v1 header, "PROXY TCP6 <ip> <ip> <port> <port>\r\n" with
/// the longest addresses (the spec's limit, including CRLF).
const V1_MAX: usize = 107;
/// v2's fixed part: 12-byte signature, version/command, family/protocol,
/// and a 16-bit length of what follows.
const V2_FIXED: usize = 16;
/// The most address and TLV bytes a v2 header may announce. The spec
/// allows 65535; the largest addresses (two unix paths) take 216, and the
/// TLVs HAProxy sends (ALPN, authority, unique id, SSL facts) fit well
/// within this. The cap stops a broken balancer from making every
/// connection buffer 64 KiB.
pub const V2_MAX_PAYLOAD: usize = 1024;
/// The shortest header of either version: v1's "PROXY UNKNOWN\r\n" is 15
/// bytes, and v2 is at least 16. Reading this much first never reads past
/// a header, whichever version it turns out to be.
const MIN_HEADER: usize = 15;
/// What every v1 header starts with.
const V1_PREFIX: &[u8] = b"PROXY ";
/// What every v2 header starts with.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";

/// Why a trusted balancer's connection had no usable header.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("no PROXY protocol header within {0:?}")]
    TimedOut(Duration),
    #[error("connection closed before the PROXY protocol header ended")]
    Closed,
    #[error("reading the PROXY protocol header: {0}")]
    Io(#[source] io::Error),
    #[error("the connection does not start with a PROXY protocol header")]
    Missing,
    #[error("PROXY protocol v1 header has no CRLF within {V1_MAX} bytes")]
    V1TooLong,
    #[error(
        "PROXY protocol v2 header announces {0} bytes, more than the {V2_MAX_PAYLOAD} accepted"
    )]
    V2TooLong(usize),
    #[error("malformed PROXY protocol header: {0}")]
    Malformed(String),
}

/// Read one PROXY header from the start of `stream`, within `timeout`.
/// Returns the client's address, or `None` when the header carries none:
/// v1 `PROXY UNKNOWN`, v2 `LOCAL` (the balancer's own health checks), or
/// v2 with an unspecified or unix address family. The caller then uses
/// the balancer's address, as the spec asks.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Option<SocketAddr>, HeaderError> {
    tokio::time::timeout(timeout, read_unbounded(stream))
        .await
        .map_err(|_| HeaderError::TimedOut(timeout))?
}

async fn read_unbounded<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Option<SocketAddr>, HeaderError> {
    let mut buf = vec![0u8; MIN_HEADER];
    fill(stream, &mut buf).await?;
    if buf.starts_with(V2_SIGNATURE) {
        read_v2(stream, buf).await
    } else if buf.starts_with(V1_PREFIX) {
        read_v1(stream, buf).await
    } else {
        Err(HeaderError::Missing)
    }
}

/// Fill `buf` exactly from `stream`.
async fn fill<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut [u8]) -> Result<(), HeaderError> {
    match stream.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(HeaderError::Closed),
        Err(e) => Err(HeaderError::Io(e)),
    }
}

/// The rest of a v1 header, one byte at a time: where it ends is known
/// only once its LF is read, and every byte after it belongs to the FTP
/// session. That is at most 92 small reads, once per connection, from a
/// trusted balancer.
async fn read_v1<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut buf: Vec<u8>,
) -> Result<Option<SocketAddr>, HeaderError> {
    let mut byte = [0u8; 1];
    while !buf.contains(&b'\n') {
        if buf.len() >= V1_MAX {
            return Err(HeaderError::V1TooLong);
        }
        fill(stream, &mut byte).await?;
        buf.push(byte[0]);
    }
    let header = v1::Header::try_from(buf.as_slice()).map_err(malformed)?;
    // An LF inside the first 15 bytes ends a header shorter than any valid
    // one, and we would have read past it; the parser stops at the first
    // CR, so compare lengths.
    if header.header.len() != buf.len() {
        return Err(HeaderError::Malformed(
            "bytes after the header's end".into(),
        ));
    }
    Ok(match header.addresses {
        v1::Addresses::Tcp4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        v1::Addresses::Tcp6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        v1::Addresses::Unknown => None,
    })
}

/// The rest of a v2 header: its fixed part says how long it is.
async fn read_v2<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut buf: Vec<u8>,
) -> Result<Option<SocketAddr>, HeaderError> {
    buf.resize(V2_FIXED, 0);
    fill(stream, &mut buf[MIN_HEADER..]).await?;
    let len = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    if len > V2_MAX_PAYLOAD {
        return Err(HeaderError::V2TooLong(len));
    }
    buf.resize(V2_FIXED + len, 0);
    fill(stream, &mut buf[V2_FIXED..]).await?;
    let header = v2::Header::try_from(buf.as_slice()).map_err(malformed)?;
    if header.command == v2::Command::Local {
        return Ok(None);
    }
    Ok(match header.addresses {
        v2::Addresses::IPv4(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        v2::Addresses::IPv6(a) => Some(SocketAddr::from((a.source_address, a.source_port))),
        v2::Addresses::Unspecified | v2::Addresses::Unix(_) => None,
    })
}

fn malformed(e: impl std::fmt::Display) -> HeaderError {
    HeaderError::Malformed(e.to_string())
}

/// Watches the first bytes of an FTP control stream for a PROXY header,
/// which a client may not send: a connection from an untrusted source
/// (or a second header behind a balancer's) would otherwise be read as
/// commands, and v2's signature even as `QUIT`. Cost: 12 bytes per session.
#[derive(Debug, Default)]
pub struct Sniffer {
    seen: [u8; V2_SIGNATURE.len()],
    len: usize,
}

impl Sniffer {
    /// Note bytes as they arrive; true once the stream's first bytes are
    /// a v1 prefix (`PROXY `) or the whole v2 signature. Bytes past the
    /// first 12 are not looked at.
    pub fn header_seen(&mut self, bytes: &[u8]) -> bool {
        let room = self.seen.len() - self.len;
        if room == 0 {
            return false;
        }
        let take = room.min(bytes.len());
        self.seen[self.len..self.len + take].copy_from_slice(&bytes[..take]);
        self.len += take;
        let seen = &self.seen[..self.len];
        seen.starts_with(V1_PREFIX) || seen == V2_SIGNATURE
    }
}
