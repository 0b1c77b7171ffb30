//! Replies: the `ReplyCode` newtype with named codes (RFC 959 §4.2), the `Reply`
//! value with its multi-line encoding, and `ReplyParser`, the lenient reader the
//! client uses to collect replies from any server.

use std::fmt;

/// A three-digit FTP reply code. Unknown codes are kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyCode(pub u16);

impl ReplyCode {
    /// 110 Restart marker reply (RFC 959).
    pub const RESTART_MARKER: Self = Self(110);
    /// 120 Service ready in nnn minutes.
    pub const SERVICE_READY_SOON: Self = Self(120);
    /// 125 Data connection already open; transfer starting.
    pub const DATA_ALREADY_OPEN: Self = Self(125);
    /// 150 File status okay; about to open data connection.
    pub const FILE_STATUS_OK: Self = Self(150);
    /// 200 Command okay.
    pub const OK: Self = Self(200);
    /// 202 Command not implemented, superfluous at this site.
    pub const SUPERFLUOUS: Self = Self(202);
    /// 211 System status, or system help reply (also FEAT, RFC 2389).
    pub const SYSTEM_STATUS: Self = Self(211);
    /// 212 Directory status.
    pub const DIRECTORY_STATUS: Self = Self(212);
    /// 213 File status (SIZE, MDTM, STAT with a path; RFC 3659).
    pub const FILE_STATUS: Self = Self(213);
    /// 214 Help message.
    pub const HELP: Self = Self(214);
    /// 215 NAME system type.
    pub const SYSTEM_TYPE: Self = Self(215);
    /// 220 Service ready for new user.
    pub const READY: Self = Self(220);
    /// 221 Service closing control connection.
    pub const CLOSING: Self = Self(221);
    /// 225 Data connection open; no transfer in progress.
    pub const DATA_OPEN_NO_TRANSFER: Self = Self(225);
    /// 226 Closing data connection; requested file action successful.
    pub const CLOSING_DATA: Self = Self(226);
    /// 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).
    pub const PASSIVE: Self = Self(227);
    /// 229 Entering Extended Passive Mode (|||port|) (RFC 2428).
    pub const EXTENDED_PASSIVE: Self = Self(229);
    /// 230 User logged in, proceed.
    pub const LOGGED_IN: Self = Self(230);
    /// 234 Security data exchange complete (AUTH accepted, RFC 2228).
    pub const AUTH_OK: Self = Self(234);
    /// 250 Requested file action okay, completed.
    pub const FILE_ACTION_OK: Self = Self(250);
    /// 257 "PATHNAME" created / current directory.
    pub const PATH_CREATED: Self = Self(257);
    /// 331 User name okay, need password.
    pub const NEED_PASSWORD: Self = Self(331);
    /// 332 Need account for login.
    pub const NEED_ACCOUNT: Self = Self(332);
    /// 350 Requested file action pending further information (REST, RNFR).
    pub const PENDING: Self = Self(350);
    /// 421 Service not available, closing control connection.
    pub const NOT_AVAILABLE: Self = Self(421);
    /// 425 Can't open data connection.
    pub const CANT_OPEN_DATA: Self = Self(425);
    /// 426 Connection closed; transfer aborted.
    pub const TRANSFER_ABORTED: Self = Self(426);
    /// 450 Requested file action not taken; file unavailable (busy).
    pub const FILE_BUSY: Self = Self(450);
    /// 451 Requested action aborted: local error in processing.
    pub const LOCAL_ERROR: Self = Self(451);
    /// 452 Requested action not taken; insufficient storage space.
    pub const INSUFFICIENT_STORAGE: Self = Self(452);
    /// 500 Syntax error, command unrecognized (also: line too long).
    pub const SYNTAX_ERROR: Self = Self(500);
    /// 501 Syntax error in parameters or arguments.
    pub const BAD_ARGUMENTS: Self = Self(501);
    /// 502 Command not implemented.
    pub const NOT_IMPLEMENTED: Self = Self(502);
    /// 503 Bad sequence of commands.
    pub const BAD_SEQUENCE: Self = Self(503);
    /// 504 Command not implemented for that parameter.
    pub const PARAMETER_NOT_IMPLEMENTED: Self = Self(504);
    /// 521 Data connection cannot be opened with this PROT setting (RFC 4217).
    pub const PROT_NOT_ALLOWED: Self = Self(521);
    /// 522 Network protocol not supported (EPRT, RFC 2428).
    pub const BAD_PROTOCOL: Self = Self(522);
    /// 530 Not logged in.
    pub const NOT_LOGGED_IN: Self = Self(530);
    /// 532 Need account for storing files.
    pub const NEED_ACCOUNT_TO_STORE: Self = Self(532);
    /// 534 Request denied for policy reasons (RFC 2228).
    pub const POLICY_DENIED: Self = Self(534);
    /// 535 Failed security check (RFC 2228).
    pub const SECURITY_CHECK_FAILED: Self = Self(535);
    /// 550 Requested action not taken; file unavailable (not found, no access).
    pub const FILE_UNAVAILABLE: Self = Self(550);
    /// 551 Requested action aborted: page type unknown.
    pub const PAGE_TYPE_UNKNOWN: Self = Self(551);
    /// 552 Requested file action aborted: exceeded storage allocation.
    pub const EXCEEDED_STORAGE: Self = Self(552);
    /// 553 Requested action not taken; file name not allowed.
    pub const NAME_NOT_ALLOWED: Self = Self(553);

    /// 1yz: positive preliminary; another reply follows.
    pub fn is_preliminary(self) -> bool {
        (100..200).contains(&self.0)
    }
    /// 2yz: positive completion.
    pub fn is_success(self) -> bool {
        (200..300).contains(&self.0)
    }
    /// 3yz: positive intermediate; the server waits for another command.
    pub fn is_intermediate(self) -> bool {
        (300..400).contains(&self.0)
    }
    /// 4yz: transient negative completion.
    pub fn is_transient_failure(self) -> bool {
        (400..500).contains(&self.0)
    }
    /// 5yz: permanent negative completion.
    pub fn is_permanent_failure(self) -> bool {
        (500..600).contains(&self.0)
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// One reply: a code and one or more lines of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: ReplyCode,
    /// At least one line. Lines never contain CR or LF: `new`/`multi` replace them.
    pub lines: Vec<String>,
}

/// Replace CR and LF so that text can never split a reply or forge another one.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

impl Reply {
    /// A single-line reply.
    pub fn new(code: ReplyCode, text: impl AsRef<str>) -> Self {
        Self {
            code,
            lines: vec![one_line(text.as_ref())],
        }
    }

    /// A multi-line reply; an empty list becomes one empty line.
    pub fn multi<I, S>(code: ReplyCode, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut lines: Vec<String> = lines.into_iter().map(|l| one_line(l.as_ref())).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Self { code, lines }
    }

    /// The text of all lines joined with `\n`.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// Wire form (RFC 959 §4.2): `code-first`, middle lines indented by one
    /// space so that none can be mistaken for the end, then `code last`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let n = self.lines.len();
        for (i, line) in self.lines.iter().enumerate() {
            if n == 1 {
                out.push_str(&format!("{} {}\r\n", self.code, line));
            } else if i == 0 {
                out.push_str(&format!("{}-{}\r\n", self.code, line));
            } else if i == n - 1 {
                out.push_str(&format!("{} {}\r\n", self.code, line));
            } else {
                out.push(' ');
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.text())
    }
}

/// A reply line that does not start with a three-digit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed reply line: {0:?}")]
pub struct MalformedReply(pub String);

/// Collects reply lines (already split at LF, CR optional) into replies.
///
/// Lenient in the ways real servers need: middle lines may be indented or start
/// with other digits; a reply ends at the first line that is the same code
/// followed by a space (or the bare code alone).
#[derive(Debug, Default)]
pub struct ReplyParser {
    pending: Option<(ReplyCode, Vec<String>)>,
}

fn code_prefix(line: &str) -> Option<(ReplyCode, Option<u8>)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = u16::from(b[0] - b'0') * 100 + u16::from(b[1] - b'0') * 10 + u16::from(b[2] - b'0');
    Some((ReplyCode(code), b.get(3).copied()))
}

impl ReplyParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// True while a multi-line reply has started but not ended.
    pub fn in_progress(&self) -> bool {
        self.pending.is_some()
    }

    /// Feed one line. Returns a reply when the line completes one.
    pub fn feed_line(&mut self, line: &str) -> Result<Option<Reply>, MalformedReply> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some((code, mut lines)) = self.pending.take() {
            match code_prefix(line) {
                Some((c, sep)) if c == code && sep != Some(b'-') => {
                    lines.push(line.get(4..).unwrap_or("").to_string());
                    return Ok(Some(Reply { code, lines }));
                }
                _ => {
                    let text = match code_prefix(line) {
                        Some((c, Some(b'-'))) if c == code => line.get(4..).unwrap_or(""),
                        _ => line.strip_prefix(' ').unwrap_or(line),
                    };
                    lines.push(text.to_string());
                    self.pending = Some((code, lines));
                    return Ok(None);
                }
            }
        }
        match code_prefix(line) {
            Some((code, Some(b'-'))) => {
                self.pending = Some((code, vec![line.get(4..).unwrap_or("").to_string()]));
                Ok(None)
            }
            Some((code, Some(b' ')) | (code, None)) => Ok(Some(Reply {
                code,
                lines: vec![line.get(4..).unwrap_or("").to_string()],
            })),
            _ => Err(MalformedReply(line.to_string())),
        }
    }
}

/// Quote a path for a 257 reply (RFC 959 Appendix II): wrap in quotes and
/// double every quote inside.
pub fn quote_path(path: &str) -> String {
    format!("\"{}\"", path.replace('"', "\"\""))
}

/// Extract the path from a 257 reply text, undoing `quote_path`.
pub fn unquote_path(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(lines: &[&str]) -> Vec<Reply> {
        let mut p = ReplyParser::new();
        lines
            .iter()
            .filter_map(|l| p.feed_line(l).ok().flatten())
            .collect()
    }

    #[test]
    fn single_line_encodes_with_space() {
        assert_eq!(Reply::new(ReplyCode::OK, "ok").encode(), "200 ok\r\n");
    }

    #[test]
    fn multi_line_encodes_dash_indent_and_final_code() {
        let r = Reply::multi(ReplyCode::SYSTEM_STATUS, ["Features:", "SIZE", "End"]);
        assert_eq!(r.encode(), "211-Features:\r\n SIZE\r\n211 End\r\n");
    }

    #[test]
    fn text_with_crlf_cannot_inject_a_reply() {
        let r = Reply::new(ReplyCode::FILE_UNAVAILABLE, "a\r\n230 fake");
        assert_eq!(r.encode(), "550 a  230 fake\r\n");
    }

    #[test]
    fn empty_multi_becomes_one_line() {
        assert_eq!(
            Reply::multi(ReplyCode::OK, Vec::<String>::new()).encode(),
            "200 \r\n"
        );
    }

    #[test]
    fn parses_single_line_reply() {
        let r = parse_all(&["220 hello\r\n"]);
        assert_eq!(r, vec![Reply::new(ReplyCode::READY, "hello")]);
    }

    #[test]
    fn parses_bare_code_without_text() {
        let r = parse_all(&["200"]);
        assert_eq!(r[0].code, ReplyCode::OK);
        assert_eq!(r[0].lines, vec![String::new()]);
    }

    #[test]
    fn parses_multi_line_with_indent_and_digit_lines() {
        let r = parse_all(&[
            "211-Features:",
            " MDTM",
            "123 not the end",
            "211-still going",
            "211 End",
        ]);
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].lines,
            vec!["Features:", "MDTM", "123 not the end", "still going", "End"]
        );
    }

    #[test]
    fn multi_line_ends_only_on_same_code() {
        let r = parse_all(&["230-Welcome", "220 other code line", "230 done"]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, ReplyCode::LOGGED_IN);
        assert_eq!(r[0].lines.len(), 3);
    }

    #[test]
    fn encode_then_parse_round_trips() {
        let r = Reply::multi(ReplyCode::HELP, ["a", "b c", "d"]);
        let enc = r.encode();
        let lines: Vec<&str> = enc.split_inclusive('\n').collect();
        assert_eq!(parse_all(&lines), vec![r]);
    }

    #[test]
    fn malformed_line_is_an_error() {
        let mut p = ReplyParser::new();
        assert!(p.feed_line("hello").is_err());
        assert!(p.feed_line("2x0 x").is_err());
    }

    #[test]
    fn unknown_codes_are_kept() {
        let r = parse_all(&["299 custom"]);
        assert_eq!(r[0].code, ReplyCode(299));
        assert!(r[0].code.is_success());
    }

    #[test]
    fn quote_path_doubles_quotes() {
        assert_eq!(quote_path("/a\"b"), "\"/a\"\"b\"");
        assert_eq!(
            unquote_path("\"/a\"\"b\" created").as_deref(),
            Some("/a\"b")
        );
        assert_eq!(unquote_path("no quotes"), None);
    }
}
