//! The typed `Command`: every verb the server understands and the client sends.
//! `Command::parse` turns one control line (without CRLF) into a command or a
//! `ParseError`; `Display` encodes it for the wire (without CRLF). Aliases from
//! RFC 775 (XPWD, XCWD, ...) parse into the same variants as their modern verbs.
//!
//! Each verb is declared once, in the table in `verbs.rs`; `spec.rs` says
//! what an entry holds and generates the rest, `args.rs` parses and writes
//! the arguments.

mod args;
mod spec;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;
mod types;
mod verbs;

use std::fmt;

pub use spec::{features, help_lines, ArgKind, DuringTransfer, Feature, VerbSpec};
pub use types::{EpsvArg, HashAlgo, ProtLevel, SetTime, TransferType};
pub use verbs::{Command, VERBS};

/// Why a line is not a valid command. Maps to 500/501/502/504 on the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty command line")]
    Empty,
    #[error("command line is not valid UTF-8")]
    NotUtf8,
    #[error("unknown command {0}")]
    Unknown(String),
    #[error("{0} needs an argument")]
    MissingArgument(&'static str),
    #[error("{0} takes no argument")]
    UnexpectedArgument(&'static str),
    #[error("NUL byte in argument")]
    Nul,
    #[error("bad argument for {verb}: {reason}")]
    BadArgument { verb: &'static str, reason: String },
    /// A valid argument this implementation does not support (504).
    #[error("{verb} {arg} is not supported")]
    Unsupported { verb: &'static str, arg: String },
    /// EPRT with a protocol other than 1 or 2 (522).
    #[error("network protocol not supported")]
    BadProtocol,
}

impl ParseError {
    fn bad(verb: &'static str, reason: impl fmt::Display) -> Self {
        ParseError::BadArgument {
            verb,
            reason: reason.to_string(),
        }
    }
}

impl Command {
    /// Parse one control line (CR/LF already removed by the codec).
    pub fn parse_bytes(line: &[u8]) -> Result<Command, ParseError> {
        let s = std::str::from_utf8(line).map_err(|_| ParseError::NotUtf8)?;
        Command::parse(s)
    }

    /// Parse one control line (CR/LF already removed by the codec).
    ///
    /// The verb is case-insensitive (RFC 959 §5.3). The argument is everything
    /// after the first space, kept verbatim, so names may start or end with spaces.
    pub fn parse(line: &str) -> Result<Command, ParseError> {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.trim_start_matches(' ');
        if line.is_empty() {
            return Err(ParseError::Empty);
        }
        let (verb, arg) = match line.find(' ') {
            Some(i) => (&line[..i], Some(&line[i + 1..])),
            None => (line, None),
        };
        let verb = verb.to_ascii_uppercase();
        match Command::parse_verb(&verb, arg) {
            Some(parsed) => parsed,
            None => Err(ParseError::Unknown(verb)),
        }
    }

    /// Allowed before login (USER, PASS, FEAT, AUTH, ...); the rest get 530.
    pub fn allowed_before_login(&self) -> bool {
        self.spec().before_login
    }

    /// Answered at once while a transfer runs, rather than after it
    /// (RFC 959 §4.1.3): ABOR, NOOP, and STAT without an argument.
    pub fn answered_during_transfer(&self) -> bool {
        match self.spec().during_transfer {
            DuringTransfer::Waits => false,
            DuringTransfer::Answered => true,
            DuringTransfer::AnsweredWhenBare => !self.has_argument(),
        }
    }

    /// A pending REST survives this command (it sets up the data connection
    /// or TYPE between REST and the RETR/STOR it is for).
    pub fn keeps_rest(&self) -> bool {
        self.spec().keeps_rest
    }

    /// True if any argument holds CR or LF, which would let it inject another
    /// command on the wire. The client refuses to send such commands.
    pub fn has_line_break(&self) -> bool {
        self.to_string().contains(['\r', '\n'])
    }
}

impl fmt::Display for Command {
    /// Wire form without the trailing CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_wire(f)
    }
}
