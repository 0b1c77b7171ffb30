//! The TLS session store of one control connection. It holds what rustls'
//! in-memory cache holds (a TLS 1.2 session, up to `MAX_TICKETS` TLS 1.3
//! tickets, the key-exchange hint) for the one server name the connection
//! uses, and can also say whether a data connection could still resume.
//!
//! That question matters under TLS 1.3: rustls uses each ticket once, and a
//! server may send no ticket on upload data connections (ftpd does not, so
//! that clients which never read an upload connection are not reset). A
//! control connection that is out of tickets cannot resume any more, and a
//! server that requires reuse refuses its next data connection.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use rustls::client::{ClientSessionStore, Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::NamedGroup;

/// Tickets kept; a server sends one to a few per handshake.
const MAX_TICKETS: usize = 8;

#[derive(Debug, Default)]
struct Sessions {
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    tls13: VecDeque<Tls13ClientSessionValue>,
}

/// Sessions of one control connection (one server name, so names are not
/// kept apart).
#[derive(Debug, Default)]
pub struct ConnectionSessions(Mutex<Sessions>);

impl ConnectionSessions {
    fn lock(&self) -> MutexGuard<'_, Sessions> {
        // A panic while holding this lock leaves plain data behind: use it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// True if a new connection could offer a session to resume.
    pub fn can_resume(&self) -> bool {
        let s = self.lock();
        s.tls12.is_some() || !s.tls13.is_empty()
    }
}

impl ClientSessionStore for ConnectionSessions {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        self.lock().kx_hint = Some(group);
    }

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        self.lock().kx_hint
    }

    fn set_tls12_session(&self, _: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.lock().tls12 = Some(value);
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.lock().tls12.clone()
    }

    fn remove_tls12_session(&self, _: &ServerName<'static>) {
        self.lock().tls12 = None;
    }

    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        let mut s = self.lock();
        if s.tls13.len() == MAX_TICKETS {
            s.tls13.pop_front();
        }
        s.tls13.push_back(value);
    }

    /// The newest ticket, used once (as rustls' own cache does).
    fn take_tls13_ticket(&self, _: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.lock().tls13.pop_back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_store_cannot_resume() {
        let store = ConnectionSessions::default();
        assert!(!store.can_resume());
        let name = ServerName::try_from("127.0.0.1").unwrap();
        assert!(store.take_tls13_ticket(&name).is_none());
        assert!(store.tls12_session(&name).is_none());
    }
}
