//! `ftp-server`: the library behind `ftpd`. `run` serves a sandboxed
//! directory over FTP on a given listener until a shutdown future completes.
//! See ARCHITECTURE.md for the path a control line takes through the modules.

pub mod accounts;
pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod data;
pub mod digest;
pub mod limits;
pub mod listing;
pub mod metrics;
pub mod proxy;
pub mod server;
pub mod session;
pub mod storage;
pub mod stream;
pub mod tls;
pub mod transfer;
pub mod xferlog;

pub use config::{Config, Rates, User};
pub use server::{preflight, run, run_listeners, run_with_storage, ServerError};

/// Make client-supplied text safe to echo in a reply: printable ASCII and
/// spaces only (anything else becomes `?`), at most 100 characters.
pub fn escape_for_reply(s: &str) -> String {
    s.chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_for_reply_removes_control_bytes_and_bounds_length() {
        assert_eq!(super::escape_for_reply("A \x1b[31m\x07\0é"), "A ?[31m???");
        assert_eq!(super::escape_for_reply(&"x".repeat(500)).len(), 100);
    }
}
