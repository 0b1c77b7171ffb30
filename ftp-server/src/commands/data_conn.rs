//! PASV, EPSV, PORT and EPRT (RFC 959 §4.1.2, RFC 2428), and ABOR when no
//! transfer runs. PORT/EPRT may only name the control peer's own IP and a
//! port ≥ 1024 (FTP bounce, RFC 2577). PASV never answers an `::ffff:` form.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};

use ftp_proto::{address, EpsvArg, ReplyCode};

use super::{reply, Outcome};
use crate::data::DataChannel;
use crate::session::Session;

pub async fn pasv(s: &mut Session) -> Outcome {
    if s.epsv_all {
        return reply(ReplyCode::BAD_SEQUENCE, "PASV not allowed after EPSV ALL");
    }
    let local = s.local_ip();
    let announce = match (s.config.public_addr, local) {
        (Some(IpAddr::V4(p)), _) => p,
        (_, IpAddr::V4(l)) => l,
        _ => return reply(ReplyCode::CANT_OPEN_DATA, "PASV needs IPv4; use EPSV"),
    };
    let port = match listen(s, local).await {
        Ok(port) => port,
        Err(refusal) => return refusal,
    };
    reply(
        ReplyCode::PASSIVE,
        address::format_pasv_reply(SocketAddrV4::new(announce, port)),
    )
}

pub async fn epsv(s: &mut Session, arg: EpsvArg) -> Outcome {
    let local = s.local_ip();
    match arg {
        EpsvArg::All => {
            s.epsv_all = true;
            return reply(ReplyCode::OK, "EPSV ALL ok");
        }
        EpsvArg::Protocol(1) if !local.is_ipv4() => {
            return reply(
                ReplyCode::BAD_PROTOCOL,
                "Network protocol not supported, use (2)",
            )
        }
        EpsvArg::Protocol(2) if !local.is_ipv6() => {
            return reply(
                ReplyCode::BAD_PROTOCOL,
                "Network protocol not supported, use (1)",
            )
        }
        _ => {}
    }
    let port = match listen(s, local).await {
        Ok(port) => port,
        Err(refusal) => return refusal,
    };
    reply(
        ReplyCode::EXTENDED_PASSIVE,
        address::format_epsv_reply(port),
    )
}

/// Bind a passive listener on `local` (inside `--passive-ports`), keep it
/// as the session's data channel and return its port.
async fn listen(s: &mut Session, local: IpAddr) -> Result<u16, Outcome> {
    let refused = || reply(ReplyCode::CANT_OPEN_DATA, "Can't open passive connection");
    let listener = crate::data::bind_passive(local, s.config.passive_ports)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "cannot bind a passive port");
            refused()
        })?;
    let port = listener.local_addr().map_err(|_| refused())?.port();
    s.data = DataChannel::Passive(listener);
    Ok(port)
}

/// PORT and EPRT: remember where to connect when the transfer starts.
pub fn port(s: &mut Session, addr: SocketAddr) -> Outcome {
    if s.epsv_all {
        return reply(
            ReplyCode::BAD_SEQUENCE,
            "PORT/EPRT not allowed after EPSV ALL",
        );
    }
    let ip = crate::data::canonical_ip(addr.ip());
    if ip != s.peer_ip() {
        tracing::warn!(peer = %s.peer, target = %addr, "refused PORT to a foreign address");
        return reply(
            ReplyCode::SYNTAX_ERROR,
            "Illegal PORT: address must be the control connection's",
        );
    }
    if addr.port() < 1024 {
        tracing::warn!(peer = %s.peer, target = %addr, "refused PORT to a privileged port");
        return reply(
            ReplyCode::SYNTAX_ERROR,
            "Illegal PORT: port must be 1024 or above",
        );
    }
    s.data = DataChannel::Active(SocketAddr::new(ip, addr.port()));
    reply(ReplyCode::OK, "PORT command successful")
}

/// ABOR with no transfer running: drop any prepared data connection.
pub fn abor_idle(s: &mut Session) -> Outcome {
    s.data = DataChannel::Idle;
    reply(ReplyCode::DATA_OPEN_NO_TRANSFER, "No transfer to abort")
}
