//! `ftp-server`: the library behind `ftpd`. `run` serves a sandboxed
//! directory over FTP on a given listener until a shutdown future completes.
//! See ARCHITECTURE.md for the path a control line takes through the modules.

pub mod accounts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod data;
pub mod limits;
pub mod listing;
pub mod server;
pub mod session;
pub mod storage;
pub mod transfer;

pub use config::{Config, User};
pub use server::{run, ServerError};

/// Make client-supplied text safe to echo in a reply: printable ASCII only,
/// at most 64 characters.
pub fn escape_for_reply(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}
