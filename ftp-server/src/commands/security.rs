//! AUTH, PBSZ, PROT and CCC (RFC 2228, RFC 4217), and the `--require-tls`
//! policy. AUTH without TLS configured gets a clean 504 and the session goes
//! on (lftp probes AUTH TLS first and falls back).

use ftp_proto::{ProtLevel, ReplyCode};

use super::{reply, Outcome};
use crate::session::{Protection, Session};

pub fn auth(s: &mut Session, mech: &str) -> Outcome {
    if s.tls.is_none() {
        return reply(
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            "AUTH not supported: TLS is not configured",
        );
    }
    if s.control_tls {
        return reply(ReplyCode::BAD_SEQUENCE, "TLS is already active");
    }
    match mech {
        "TLS" | "TLS-C" | "SSL" | "TLS-P" => {
            // RFC 4217 §4: AUTH resets the session to a fresh login.
            s.pbsz = false;
            if mech == "TLS-P" || mech == "SSL" {
                s.protection = Protection::Private;
            }
            Outcome::UpgradeTls(ftp_proto::Reply::new(
                ReplyCode::AUTH_OK,
                format!("AUTH {mech} ok, start TLS"),
            ))
        }
        _ => reply(
            ReplyCode::PARAMETER_NOT_IMPLEMENTED,
            "Unknown AUTH mechanism; use AUTH TLS",
        ),
    }
}

pub fn pbsz(s: &mut Session, _size: u64) -> Outcome {
    if !s.control_tls {
        return reply(ReplyCode::BAD_SEQUENCE, "PBSZ needs AUTH TLS first");
    }
    s.pbsz = true;
    reply(ReplyCode::OK, "PBSZ=0")
}

pub fn prot(s: &mut Session, level: ProtLevel) -> Outcome {
    if !s.control_tls {
        return reply(ReplyCode::BAD_SEQUENCE, "PROT needs AUTH TLS first");
    }
    if !s.pbsz {
        return reply(ReplyCode::BAD_SEQUENCE, "PROT needs PBSZ first");
    }
    match level {
        ProtLevel::Private => {
            s.protection = Protection::Private;
            reply(ReplyCode::OK, "Protection level set to P")
        }
        ProtLevel::Clear if s.tls.as_ref().is_some_and(|t| t.require_tls) => reply(
            ReplyCode::POLICY_DENIED,
            "PROT C refused: this server requires protected data connections",
        ),
        ProtLevel::Clear => {
            s.protection = Protection::Clear;
            reply(ReplyCode::OK, "Protection level set to C")
        }
        // 536: level not supported by the security mechanism (RFC 2228).
        ProtLevel::Safe | ProtLevel::Confidential => {
            reply(ReplyCode(536), "Only PROT C and P are supported")
        }
    }
}

/// CCC would send commands (and passwords of later logins) in the clear
/// again; refused by policy, as RFC 4217 §6 allows. The session stays on
/// TLS: curl's `--ftp-ssl-ccc` takes the 534 and goes on encrypted. The
/// refusal is logged at info level, as the other TLS policy refusals are,
/// so an operator sees clients that try to drop encryption without
/// turning on the protocol log.
pub fn ccc(s: &Session) -> Outcome {
    if !s.control_tls {
        return reply(ReplyCode::BAD_SEQUENCE, "CCC needs AUTH TLS first");
    }
    tracing::info!(peer = %s.peer, user = s.user_name(), "CCC refused by policy; the control connection stays on TLS");
    reply(
        ReplyCode::POLICY_DENIED,
        "CCC refused by policy: the control connection stays on TLS",
    )
}

/// `--require-tls`: USER before AUTH TLS gets 530, except anonymous logins
/// when those are allowed.
pub fn gate_user(s: &Session, name: &str) -> Option<Outcome> {
    let required = s.tls.as_ref().is_some_and(|t| t.require_tls);
    let anonymous = s.config.anonymous
        && (name.eq_ignore_ascii_case("anonymous") || name.eq_ignore_ascii_case("ftp"));
    if required && !s.control_tls && !anonymous {
        tracing::info!(peer = %s.peer, "USER refused: TLS required");
        return Some(reply(
            ReplyCode::NOT_LOGGED_IN,
            "TLS required: use AUTH TLS before logging in",
        ));
    }
    None
}

/// `--require-tls`: transfers need PROT P (521, RFC 4217 §9).
pub fn gate_data(s: &Session) -> Result<(), Outcome> {
    let required = s.tls.as_ref().is_some_and(|t| t.require_tls);
    if required && s.protection != Protection::Private {
        return Err(reply(
            ReplyCode::PROT_NOT_ALLOWED,
            "Data connections must be protected: use PBSZ 0 and PROT P",
        ));
    }
    Ok(())
}
