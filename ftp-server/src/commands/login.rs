//! USER, PASS, REIN and AUTH (RFC 959 §4.1.1). Every USER gets the same 331,
//! so names cannot be enumerated; a failed PASS waits
//! `Config::login_failure_delay` before its 530.

use std::sync::Arc;

use ftp_proto::{Reply, ReplyCode};

use super::{reply, Outcome};
use crate::session::{AuthState, Session};
use crate::storage::{LocalStorage, Storage};

fn is_anonymous_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("anonymous") || name.eq_ignore_ascii_case("ftp")
}

pub fn user(s: &mut Session, name: String) -> Outcome {
    s.auth = AuthState::AwaitingPass { user: name };
    reply(ReplyCode::NEED_PASSWORD, "Password required")
}

/// Compare without an early exit, so timing says nothing about the password.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

pub async fn pass(s: &mut Session, password: String) -> Outcome {
    let user = match std::mem::replace(&mut s.auth, AuthState::Connected) {
        AuthState::AwaitingPass { user } => user,
        logged @ AuthState::LoggedIn { .. } => {
            s.auth = logged;
            return reply(ReplyCode::BAD_SEQUENCE, "Already logged in");
        }
        AuthState::Connected => return reply(ReplyCode::BAD_SEQUENCE, "Send USER first"),
    };
    let config = s.config.clone();
    let anonymous = config.anonymous && is_anonymous_name(&user);
    let known = config
        .users
        .iter()
        .any(|u| u.name == user && same(&u.password, &password));
    if !(anonymous || known) {
        tracing::info!(peer = %s.peer, %user, "login failed");
        s.failed_logins += 1;
        let banned = s.limits.login_failed(s.peer_ip());
        tokio::time::sleep(config.login_failure_delay).await;
        if banned || s.failed_logins >= config.max_login_failures {
            tracing::warn!(peer = %s.peer, banned, "too many failed logins, closing");
            return Outcome::Close(Reply::new(
                ReplyCode::NOT_LOGGED_IN,
                "Login incorrect; too many failures, closing",
            ));
        }
        return reply(ReplyCode::NOT_LOGGED_IN, "Login incorrect");
    }
    s.limits.login_ok(s.peer_ip());
    let root = config.root.clone();
    let storage = match tokio::task::spawn_blocking(move || LocalStorage::new(&root)).await {
        Ok(Ok(st)) => Arc::new(st) as Arc<dyn Storage>,
        other => {
            tracing::error!(error = ?other.err(), "cannot open the served root");
            return reply(ReplyCode::NOT_AVAILABLE, "Service not available");
        }
    };
    let user = if anonymous {
        "anonymous".to_string()
    } else {
        user
    };
    tracing::info!(peer = %s.peer, %user, write = config.write, "login");
    s.auth = AuthState::LoggedIn {
        user,
        write: config.write,
        storage,
    };
    s.cwd = crate::storage::VirtualPath::root();
    reply(ReplyCode::LOGGED_IN, "Login successful")
}

/// REIN: back to the state right after connecting (RFC 959 §4.1.1).
pub fn rein(s: &mut Session) -> Outcome {
    s.auth = AuthState::Connected;
    s.cwd = crate::storage::VirtualPath::root();
    s.data = Default::default();
    s.epsv_all = false;
    s.transfer_type = ftp_proto::TransferType::Ascii;
    reply(ReplyCode::READY, "Ready for new user")
}

/// AUTH without TLS configured: refuse cleanly and keep the session (lftp
/// probes AUTH TLS first and falls back).
pub fn auth(mech: String) -> Outcome {
    let _ = mech;
    reply(
        ReplyCode::PARAMETER_NOT_IMPLEMENTED,
        "AUTH not supported: TLS is not configured",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_compares_whole_strings() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "abcd"));
        assert!(!super::same("", "a"));
    }
}
