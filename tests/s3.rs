//! The S3 backend end to end: a real `ftpd` serving a bucket prefix of a
//! moto S3 server (started once per test process), driven by raw
//! sessions, stock clients and `ftpc`. What is stored is checked in the
//! bucket itself with boto3, by content hash; a TCP proxy in front of the
//! store counts requests and injects faults.

mod cli;
mod clients;
mod dirs;
mod faults;
mod files;
mod instances;
mod listing;
mod sandbox;
mod verbs;

use crate::support::raw::RawSession;

/// Log in anonymously and set TYPE I, so content goes through unchanged.
pub fn login(addr: std::net::SocketAddr) -> RawSession {
    let mut r = RawSession::login(addr);
    r.expect("TYPE I", 200);
    r
}

/// A reply's code, and its text, for assertions.
pub fn code(r: &mut RawSession, line: &str) -> (u16, String) {
    let reply = r.cmd(line);
    (reply.code.0, reply.text())
}
