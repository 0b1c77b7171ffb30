//! Data connections: binding passive listeners inside the configured port
//! range (random start, so ports are hard to guess), accepting only the
//! control peer's IP (port stealing, RFC 2577) or, with `--proxy-protocol`,
//! a trusted balancer's (which forwards the client's data connection
//! without a header), and connecting out for
//! PORT/EPRT from the control connection's own local address. Every wait is
//! bounded by `Config::data_timeout`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::proxy::Cidr;

/// The prepared data connection (RFC 959 §3.2).
#[derive(Debug, Default)]
pub enum DataChannel {
    /// Nothing prepared: a transfer now gets 425.
    #[default]
    Idle,
    /// PASV/EPSV: listening; accepts one connection from the control peer.
    Passive(TcpListener),
    /// PORT/EPRT: connect to this address when the transfer starts.
    Active(SocketAddr),
}

/// `::ffff:a.b.c.d` → `a.b.c.d`; other addresses unchanged.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// A small non-cryptographic random number for picking a port.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// Bind a passive listener on `ip`, in `range` when given.
pub async fn bind_passive(ip: IpAddr, range: Option<(u16, u16)>) -> io::Result<TcpListener> {
    let Some((lo, hi)) = range else {
        return TcpListener::bind(SocketAddr::new(ip, 0)).await;
    };
    let span = u64::from(hi - lo) + 1;
    let start = random_u64() % span;
    // Try every port once, from a random starting point.
    for i in 0..span {
        let port = lo + ((start + i) % span) as u16;
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no free passive port in range",
    ))
}

/// Open the prepared data connection. Passive: accept one connection from
/// `peer_ip` or from inside `balancers`, dropping any other. Active:
/// connect from `local_ip`.
pub async fn open(
    channel: DataChannel,
    peer_ip: IpAddr,
    balancers: &[Cidr],
    local_ip: IpAddr,
    timeout: Duration,
) -> io::Result<TcpStream> {
    let fut = async {
        match channel {
            DataChannel::Idle => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "no data connection",
            )),
            DataChannel::Passive(listener) => loop {
                let (stream, from) = listener.accept().await?;
                let from_ip = canonical_ip(from.ip());
                if from_ip == peer_ip || crate::proxy::trusted(balancers, from_ip) {
                    return Ok(stream);
                }
                tracing::warn!(%from, expected = %peer_ip, "dropped data connection from a foreign address");
            },
            DataChannel::Active(addr) => {
                let socket = if addr.is_ipv4() {
                    TcpSocket::new_v4()?
                } else {
                    TcpSocket::new_v6()?
                };
                let bind_ip = match (local_ip, addr) {
                    (IpAddr::V4(_), SocketAddr::V4(_)) | (IpAddr::V6(_), SocketAddr::V6(_)) => {
                        local_ip
                    }
                    (_, SocketAddr::V4(_)) => IpAddr::from([0, 0, 0, 0]),
                    (_, SocketAddr::V6(_)) => IpAddr::from([0u16; 8]),
                };
                socket.bind(SocketAddr::new(bind_ip, 0))?;
                socket.connect(addr).await
            }
        }
    };
    let stream = tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "data connection timed out"))??;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}
