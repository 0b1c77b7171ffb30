//! Connection limits and login lockout, shared by all sessions: a cap on
//! sessions in total and per client IP (resource exhaustion by one host),
//! and a temporary ban on IPs that keep failing to log in (password
//! guessing, RFC 2577 §4). Every guard releases its slot when dropped.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::config::Config;

#[derive(Debug, Default)]
struct State {
    sessions: usize,
    per_ip: HashMap<IpAddr, usize>,
    /// Failed logins per IP since its last success or ban.
    failures: HashMap<IpAddr, u32>,
    banned_until: HashMap<IpAddr, Instant>,
}

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManySessions,
    TooManyFromIp,
    Banned,
}

impl Refusal {
    /// The text of the 421 reply.
    pub fn text(self) -> &'static str {
        match self {
            Refusal::TooManySessions => "Too many sessions, try again later",
            Refusal::TooManyFromIp => "Too many sessions from your address, try again later",
            Refusal::Banned => "Too many failed logins from your address, try again later",
        }
    }
}

/// The shared counters.
#[derive(Debug)]
pub struct Limits {
    max_sessions: usize,
    max_per_ip: usize,
    max_failures: u32,
    ban: Duration,
    state: Mutex<State>,
    /// Slots for HASH and the X* verbs (`Config::max_hashes`).
    pub hashes: Arc<tokio::sync::Semaphore>,
}

/// Holds one session slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SessionGuard {
    limits: Arc<Limits>,
    ip: IpAddr,
}

impl Limits {
    pub fn new(config: &Config) -> Arc<Limits> {
        Arc::new(Limits {
            max_sessions: config.max_sessions,
            max_per_ip: config.max_sessions_per_ip,
            max_failures: config.max_login_failures,
            ban: config.ban_duration,
            state: Mutex::new(State::default()),
            hashes: Arc::new(tokio::sync::Semaphore::new(config.max_hashes.max(1))),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: counters only.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take a session slot for `ip`, or say why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<SessionGuard, Refusal> {
        let mut st = self.lock();
        if let Some(until) = st.banned_until.get(&ip).copied() {
            if Instant::now() < until {
                return Err(Refusal::Banned);
            }
            st.banned_until.remove(&ip);
        }
        if st.sessions >= self.max_sessions {
            return Err(Refusal::TooManySessions);
        }
        let n = st.per_ip.entry(ip).or_insert(0);
        if *n >= self.max_per_ip {
            return Err(Refusal::TooManyFromIp);
        }
        *n += 1;
        st.sessions += 1;
        Ok(SessionGuard {
            limits: self.clone(),
            ip,
        })
    }

    /// Count a failed login; returns true when the IP is now banned.
    pub fn login_failed(&self, ip: IpAddr) -> bool {
        let mut st = self.lock();
        let n = st.failures.entry(ip).or_insert(0);
        *n += 1;
        if *n >= self.max_failures {
            st.failures.remove(&ip);
            st.banned_until.insert(ip, Instant::now() + self.ban);
            return true;
        }
        false
    }

    /// A successful login clears the IP's failure count.
    pub fn login_ok(&self, ip: IpAddr) {
        self.lock().failures.remove(&ip);
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        let mut st = self.limits.lock();
        st.sessions = st.sessions.saturating_sub(1);
        if let Some(n) = st.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                st.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_ip: usize) -> Arc<Limits> {
        let mut c = Config::new("/");
        c.max_sessions = total;
        c.max_sessions_per_ip = per_ip;
        c.max_login_failures = 2;
        c.ban_duration = Duration::from_millis(50);
        Limits::new(&c)
    }

    #[test]
    fn total_and_per_ip_caps_and_release() {
        let l = limits(3, 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let g1 = l.admit(a).unwrap();
        let _g2 = l.admit(a).unwrap();
        assert_eq!(l.admit(a).unwrap_err(), Refusal::TooManyFromIp);
        let _g3 = l.admit(b).unwrap();
        assert_eq!(l.admit(b).unwrap_err(), Refusal::TooManySessions);
        drop(g1);
        assert!(l.admit(a).is_ok());
    }

    #[test]
    fn ban_after_failures_then_expiry() {
        let l = limits(10, 10);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!l.login_failed(a));
        assert!(l.login_failed(a));
        assert_eq!(l.admit(a).unwrap_err(), Refusal::Banned);
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.admit(a).is_ok());
    }

    #[test]
    fn success_resets_failures() {
        let l = limits(10, 10);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(!l.login_failed(a));
        l.login_ok(a);
        assert!(!l.login_failed(a));
    }
}
