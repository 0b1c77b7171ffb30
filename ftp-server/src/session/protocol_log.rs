//! `--log-protocol`: every command a client sends and every reply it gets,
//! at debug level under the target `ftp_server::protocol`, tagged with the
//! session's peer, as vsftpd's `log_ftp_protocol` does. The PASS argument
//! is always masked, and bytes that are not printable text are escaped,
//! so a hostile client cannot forge log lines or colour a terminal.

use std::net::SocketAddr;

/// The tracing target of the protocol log (`FTPD_LOG=ftp_server::protocol=debug`).
pub const TARGET: &str = "ftp_server::protocol";

/// A session's protocol log; does nothing unless switched on.
#[derive(Debug, Clone, Copy)]
pub(super) struct ProtocolLog {
    pub on: bool,
}

impl ProtocolLog {
    /// A command line as received (without its CRLF).
    pub fn command(&self, peer: &SocketAddr, line: &[u8]) {
        if self.on {
            let text = escape(&mask(line));
            tracing::debug!(target: TARGET, %peer, "> {text}");
        }
    }

    /// A reply as sent, line by line.
    pub fn reply(&self, peer: &SocketAddr, text: &str) {
        if self.on {
            for line in text.lines() {
                let line = escape(line.as_bytes());
                tracing::debug!(target: TARGET, %peer, "< {line}");
            }
        }
    }
}

/// `PASS anything` becomes `PASS ****`, whatever the verb's case.
fn mask(line: &[u8]) -> Vec<u8> {
    let verb_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    if line[..verb_end].eq_ignore_ascii_case(b"PASS") {
        return b"PASS ****".to_vec();
    }
    line.to_vec()
}

/// Printable text as it is; control characters and bytes that are not
/// UTF-8 as `\xNN`, and a backslash doubled, so the escaping is unambiguous.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_in_any_case() {
        assert_eq!(mask(b"PASS secret"), b"PASS ****");
        assert_eq!(mask(b"pass secret with spaces"), b"PASS ****");
        assert_eq!(mask(b"PASS"), b"PASS ****");
        assert_eq!(mask(b"PASV"), b"PASV");
        assert_eq!(mask(b"USER pass"), b"USER pass");
    }

    #[test]
    fn raw_bytes_are_escaped_and_text_kept() {
        assert_eq!(escape(b"CWD caf\xc3\xa9"), "CWD café");
        assert_eq!(escape(b"RETR a\x1b[31mred"), "RETR a\\x1b[31mred");
        assert_eq!(escape(b"\xff\xfe x"), "\\xff\\xfe x");
        assert_eq!(escape(b"a\\x41"), "a\\\\x41");
        assert_eq!(escape("\u{85}".as_bytes()), "\\xc2\\x85");
    }
}
