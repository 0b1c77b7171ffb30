//! Data connections. Passive by default: EPSV (RFC 2428) first, PASV when the
//! server refuses it. A PASV address the client should not trust (unspecified,
//! or private/loopback and different from the control peer, as behind NAT) is
//! replaced by the control peer's address, and an unreachable one falls back
//! to it too. `--active` listens on the control connection's local address and
//! sends EPRT, or PORT when EPRT is refused.

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ftp_proto::address;
use ftp_proto::{Command, EpsvArg, ReplyCode};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result};
use crate::stream::Stream;

/// A data connection being set up: connected (passive) or waiting for the
/// server to connect (active).
pub(crate) enum Pending {
    Connected(TcpStream),
    Listening(TcpListener),
}

/// The address to use for a PASV reply's `named` host, given the control peer.
pub fn pasv_target(named: IpAddr, peer: IpAddr) -> IpAddr {
    let untrusted = match named {
        IpAddr::V4(v4) => {
            v4.is_unspecified() || v4.is_private() || v4.is_loopback() || v4.is_link_local()
        }
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_loopback(),
    };
    if untrusted && named != peer {
        peer
    } else {
        named
    }
}

impl FtpClient {
    /// Prepare a data connection in the configured mode.
    pub(crate) fn open_data(&mut self) -> Result<Pending> {
        if self.options.active {
            self.active().map(Pending::Listening)
        } else {
            self.passive().map(Pending::Connected)
        }
    }

    fn connect_data(&self, addr: SocketAddr) -> std::io::Result<TcpStream> {
        let s = TcpStream::connect_timeout(&addr, self.options.timeout)?;
        s.set_read_timeout(Some(self.options.timeout))?;
        s.set_write_timeout(Some(self.options.timeout))?;
        Ok(s)
    }

    fn passive(&mut self) -> Result<TcpStream> {
        let peer = self.peer.ip();
        if !self.epsv_failed {
            let cmd = Command::Epsv(EpsvArg::Any);
            let reply = self.send(&cmd)?;
            if reply.code == ReplyCode::EXTENDED_PASSIVE {
                let data = self.connect_epsv(&reply)?;
                self.epsv_worked = true;
                return Ok(data);
            }
            if !reply.code.is_permanent_failure() {
                return Err(refusal(&cmd, reply));
            }
            self.epsv_failed = true;
        }
        let reply = self.send(&Command::Pasv)?;
        if reply.code != ReplyCode::PASSIVE {
            return Err(refusal(&Command::Pasv, reply));
        }
        let named = address::parse_pasv_reply(&reply.text())
            .map_err(|e| ClientError::Protocol(format!("bad PASV reply: {e}")))?;
        let ip = pasv_target(IpAddr::V4(*named.ip()), peer);
        match self.connect_data(SocketAddr::new(ip, named.port())) {
            Ok(s) => Ok(s),
            Err(_) if ip != peer => self
                .connect_data(SocketAddr::new(peer, named.port()))
                .map_err(|e| ClientError::net("open data connection", e)),
            Err(e) => Err(ClientError::net("open data connection", e)),
        }
    }

    /// Connect to the port a 229 reply names, on the control peer's address.
    pub(crate) fn connect_epsv(&self, reply: &ftp_proto::Reply) -> Result<TcpStream> {
        let port = address::parse_epsv_reply(&reply.text())
            .map_err(|e| ClientError::Protocol(format!("bad EPSV reply: {e}")))?;
        self.connect_data(SocketAddr::new(self.peer.ip(), port))
            .map_err(|e| ClientError::net("open data connection", e))
    }

    fn active(&mut self) -> Result<TcpListener> {
        let listener = TcpListener::bind(SocketAddr::new(self.local.ip(), 0))
            .map_err(|e| ClientError::net("listen for active data connection", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| ClientError::net("listen for active data connection", e))?;
        if !self.eprt_failed {
            let cmd = Command::Eprt(addr);
            let reply = self.send(&cmd)?;
            if reply.code.is_success() {
                return Ok(listener);
            }
            if !reply.code.is_permanent_failure() || !addr.is_ipv4() {
                return Err(refusal(&cmd, reply));
            }
            self.eprt_failed = true;
        }
        let SocketAddr::V4(v4) = addr else {
            return Err(ClientError::Protocol(
                "PORT cannot carry an IPv6 address".into(),
            ));
        };
        self.expect(&Command::Port(v4))?;
        Ok(listener)
    }

    /// Turn a pending data connection into a stream once the server has
    /// answered the transfer command with 1xx. Active connections must come
    /// from the control peer's address. Under PROT P the TLS handshake
    /// happens here, after the 1xx: servers start it only then.
    pub(crate) fn finish_data(&mut self, pending: Pending) -> Result<Box<dyn Stream>> {
        let tcp = match pending {
            Pending::Connected(s) => s,
            Pending::Listening(l) => {
                let s = self.accept(&l)?;
                s.set_read_timeout(Some(self.options.timeout))
                    .and_then(|_| s.set_write_timeout(Some(self.options.timeout)))
                    .map_err(|e| ClientError::net("active data connection", e))?;
                s
            }
        };
        self.secure_data(tcp)
    }

    fn accept(&self, listener: &TcpListener) -> Result<TcpStream> {
        let ctx = |e| ClientError::net("accept active data connection", e);
        listener.set_nonblocking(true).map_err(ctx)?;
        let deadline = Instant::now() + self.options.timeout;
        while Instant::now() < deadline {
            if crate::signal::interrupted() {
                return Err(ClientError::Interrupted);
            }
            match listener.accept() {
                Ok((s, from)) if from.ip() == self.peer.ip() => {
                    s.set_nonblocking(false).map_err(ctx)?;
                    return Ok(s);
                }
                Ok((_, from)) => tracing::warn!("ignoring data connection from {from}"),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(ctx(e)),
            }
        }
        Err(ctx(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "server did not connect",
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn private_pasv_address_behind_nat_uses_peer() {
        assert_eq!(
            pasv_target(v4(10, 0, 0, 5), v4(203, 0, 113, 9)),
            v4(203, 0, 113, 9)
        );
        assert_eq!(
            pasv_target(v4(192, 168, 1, 2), v4(203, 0, 113, 9)),
            v4(203, 0, 113, 9)
        );
    }

    #[test]
    fn unspecified_pasv_address_uses_peer() {
        assert_eq!(
            pasv_target(v4(0, 0, 0, 0), v4(127, 0, 0, 1)),
            v4(127, 0, 0, 1)
        );
    }

    #[test]
    fn private_pasv_address_equal_to_peer_is_kept() {
        assert_eq!(
            pasv_target(v4(192, 168, 1, 2), v4(192, 168, 1, 2)),
            v4(192, 168, 1, 2)
        );
    }

    #[test]
    fn public_pasv_address_is_tried_as_named() {
        assert_eq!(
            pasv_target(v4(198, 51, 100, 7), v4(203, 0, 113, 9)),
            v4(198, 51, 100, 7)
        );
    }
}
