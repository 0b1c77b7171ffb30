//! USER, PASS and REIN (RFC 959 §4.1.1). Every USER gets the same 331,
//! so names cannot be enumerated; a failed PASS waits
//! `Config::login_failure_delay` before its 530.

use std::path::{Path, PathBuf};

use ftp_proto::{Reply, ReplyCode};

use super::{reply, Outcome};
use crate::accounts::Check;
use crate::config::{Config, Rates};
use crate::session::{AuthState, Session};
use crate::storage::{StorageError, VirtualPath};

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

/// What a successful login may see and do.
struct Grant {
    /// The name to log and show (`anonymous` for either anonymous name).
    user: String,
    /// The sandbox root, relative to `Config::root` (empty: the root).
    home: PathBuf,
    write: bool,
    /// The account's own caps (the users file), before the server's.
    rates: Rates,
}

/// Who `user` is, if `password` is right: anonymous first (when on), then
/// the users file, then `--user` logins. With a users file every named
/// attempt runs exactly one argon2 check (a dummy hash for names not in the
/// file), so an unknown name, a wrong password and a `--user` login all take
/// the same time. A name in the file is never looked up in `--user`.
async fn check_login(config: &Config, user: String, password: String) -> Option<Grant> {
    if config.anonymous && is_anonymous_name(&user) {
        return Some(Grant {
            user: "anonymous".to_string(),
            home: PathBuf::new(),
            write: config.write,
            rates: Rates::default(),
        });
    }
    if let Some(accounts) = &config.accounts {
        match accounts.check(&user, password.clone()).await {
            Check::Ok(account) => {
                return Some(Grant {
                    user,
                    home: account.home,
                    write: config.write || account.write,
                    rates: account.rates,
                })
            }
            Check::WrongPassword => return None,
            Check::Unknown => {}
        }
    }
    let known = config
        .users
        .iter()
        .any(|u| u.name == user && same(&u.password, &password));
    known.then(|| Grant {
        user,
        home: PathBuf::new(),
        write: config.write,
        rates: Rates::default(),
    })
}

/// A home from the users file (relative, without `..`, checked at load)
/// as a virtual path below the served root.
fn home_path(home: &Path) -> Option<VirtualPath> {
    let text = home.to_str()?;
    VirtualPath::root().resolve(text).ok()
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
    let Some(grant) = check_login(&config, user.clone(), password).await else {
        return login_failed(s, &user).await;
    };
    s.limits.login_ok(s.peer_ip());
    // The root's storage is shared by the server; a home is a scoped view
    // of it, opened through the same sandbox (a home replaced by a symlink
    // leading out since the users file was loaded is refused here).
    let scoped = match home_path(&grant.home) {
        Some(home) if home.is_root() => Ok(s.root.clone()),
        Some(home) => s.root.scope(&home).await,
        None => Err(StorageError::InvalidName),
    };
    let storage = match scoped {
        Ok(st) => st,
        Err(e) => {
            tracing::error!(user = %grant.user, home = %grant.home.display(), error = ?e, "cannot open the user's home");
            return reply(ReplyCode::NOT_LOGGED_IN, "Home directory not available");
        }
    };
    tracing::info!(peer = %s.peer, user = %grant.user, home = %grant.home.display(), write = grant.write, "login");
    crate::metrics::login(true);
    s.auth = AuthState::LoggedIn {
        user: grant.user,
        write: grant.write,
        storage,
        rates: grant.rates.or(s.config.max_rate),
    };
    s.cwd = crate::storage::VirtualPath::root();
    reply(ReplyCode::LOGGED_IN, "Login successful")
}

/// A failed PASS: count it (per connection and per IP), wait
/// `login_failure_delay`, answer 530, and close after too many.
async fn login_failed(s: &mut Session, user: &str) -> Outcome {
    tracing::info!(peer = %s.peer, %user, "login failed");
    crate::metrics::login(false);
    s.failed_logins += 1;
    let banned = s.limits.login_failed(s.peer_ip());
    tokio::time::sleep(s.config.login_failure_delay).await;
    if banned || s.failed_logins >= s.config.max_login_failures {
        tracing::warn!(peer = %s.peer, banned, "too many failed logins, closing");
        return Outcome::Close(Reply::new(
            ReplyCode::NOT_LOGGED_IN,
            "Login incorrect; too many failures, closing",
        ));
    }
    reply(ReplyCode::NOT_LOGGED_IN, "Login incorrect")
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
