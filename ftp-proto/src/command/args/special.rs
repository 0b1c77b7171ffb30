//! Argument kinds with a syntax of their own: addresses, type codes,
//! single letters, numbers and levels.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use super::super::spec::ArgKind;
use super::super::types::{EpsvArg, ProtLevel, TransferType};
use super::super::ParseError;
use crate::address::{self, AddressError};

/// A single letter out of `allowed` (STRU, MODE, PROT); other letters are
/// valid but not implemented (504).
fn letter(verb: &'static str, arg: Option<&str>, allowed: &str) -> Result<char, ParseError> {
    let a = arg.ok_or(ParseError::MissingArgument(verb))?.trim();
    let mut chars = a.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => {
            let c = c.to_ascii_uppercase();
            if allowed.contains(c) {
                Ok(c)
            } else {
                Err(ParseError::Unsupported {
                    verb,
                    arg: a.to_string(),
                })
            }
        }
        _ => Err(ParseError::bad(verb, "expected a single letter")),
    }
}

/// PORT h1,h2,h3,h4,p1,p2 (RFC 959 §4.1.2).
pub(crate) mod host_port {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(SocketAddrV4) -> C,
    ) -> Result<C, ParseError> {
        let a = arg.ok_or(ParseError::MissingArgument(verb))?;
        address::parse_host_port(a)
            .map(make)
            .map_err(|e| ParseError::bad(verb, e))
    }
    pub(crate) fn write(
        f: &mut fmt::Formatter<'_>,
        verb: &str,
        addr: &SocketAddrV4,
    ) -> fmt::Result {
        write!(f, "{verb} {}", address::format_host_port(*addr))
    }
    pub(crate) use super::super::always as given;
}

/// EPRT |proto|addr|port| (RFC 2428 §2); an unknown protocol is 522.
pub(crate) mod eprt {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(SocketAddr) -> C,
    ) -> Result<C, ParseError> {
        let a = arg.ok_or(ParseError::MissingArgument(verb))?;
        address::parse_eprt(a).map(make).map_err(|e| match e {
            AddressError::UnsupportedProtocol(_) => ParseError::BadProtocol,
            e => ParseError::bad(verb, e),
        })
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, addr: &SocketAddr) -> fmt::Result {
        write!(f, "{verb} {}", address::format_eprt(*addr))
    }
    pub(crate) use super::super::always as given;
}

/// TYPE A [N], I or L 8 (RFC 959 §3.1.1); E and other bytes sizes are 504.
pub(crate) mod transfer_type {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(TransferType) -> C,
    ) -> Result<C, ParseError> {
        let a = arg.ok_or(ParseError::MissingArgument(verb))?;
        let words: Vec<String> = a.split_whitespace().map(str::to_ascii_uppercase).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["A"] | ["A", "N"] => Ok(make(TransferType::Ascii)),
            ["I"] | ["L", "8"] | ["L8"] => Ok(make(TransferType::Image)),
            ["A", _] | ["E"] | ["E", _] | ["L", _] => Err(ParseError::Unsupported {
                verb,
                arg: a.to_string(),
            }),
            _ => Err(ParseError::bad(verb, "expected A, I or L 8")),
        }
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, t: &TransferType) -> fmt::Result {
        match t {
            TransferType::Ascii => write!(f, "{verb} A"),
            TransferType::Image => write!(f, "{verb} I"),
        }
    }
    pub(crate) use super::super::always as given;
}

/// STRU: only F, file structure (RFC 959 §3.1.2).
pub(crate) mod stru {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(char) -> C,
    ) -> Result<C, ParseError> {
        letter(verb, arg, "F").map(make)
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, c: &char) -> fmt::Result {
        write!(f, "{verb} {c}")
    }
    pub(crate) use super::super::always as given;
}

/// MODE: only S, stream mode (RFC 959 §3.4).
pub(crate) mod mode {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(char) -> C,
    ) -> Result<C, ParseError> {
        letter(verb, arg, "S").map(make)
    }
    pub(crate) use super::stru::{given, write};
}

/// A non-negative decimal number (REST's offset, PBSZ's buffer size).
pub(crate) mod number {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(u64) -> C,
    ) -> Result<C, ParseError> {
        let a = arg.ok_or(ParseError::MissingArgument(verb))?.trim();
        a.parse()
            .map(make)
            .map_err(|_| ParseError::bad(verb, "expected a non-negative number"))
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, n: &u64) -> fmt::Result {
        write!(f, "{verb} {n}")
    }
    pub(crate) use super::super::always as given;
}

/// EPSV [1|2|ALL] (RFC 2428 §3); another protocol number is 522.
pub(crate) mod epsv {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(EpsvArg) -> C,
    ) -> Result<C, ParseError> {
        let arg = match arg.map(str::trim) {
            None | Some("") => EpsvArg::Any,
            Some(a) if a.eq_ignore_ascii_case("ALL") => EpsvArg::All,
            Some("1") => EpsvArg::Protocol(1),
            Some("2") => EpsvArg::Protocol(2),
            Some(a) if a.parse::<u8>().is_ok() => return Err(ParseError::BadProtocol),
            Some(_) => return Err(ParseError::bad(verb, "expected ALL, 1 or 2")),
        };
        Ok(make(arg))
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, a: &EpsvArg) -> fmt::Result {
        match a {
            EpsvArg::Any => write!(f, "{verb}"),
            EpsvArg::All => write!(f, "{verb} ALL"),
            EpsvArg::Protocol(p) => write!(f, "{verb} {p}"),
        }
    }
    pub(crate) fn given(a: &EpsvArg) -> bool {
        *a != EpsvArg::Any
    }
}

/// PROT C, S, E or P (RFC 4217 §9).
pub(crate) mod prot {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(ProtLevel) -> C,
    ) -> Result<C, ParseError> {
        let level = match letter(verb, arg, "CSEP")? {
            'C' => ProtLevel::Clear,
            'S' => ProtLevel::Safe,
            'E' => ProtLevel::Confidential,
            _ => ProtLevel::Private,
        };
        Ok(make(level))
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, p: &ProtLevel) -> fmt::Result {
        let c = match p {
            ProtLevel::Clear => 'C',
            ProtLevel::Safe => 'S',
            ProtLevel::Confidential => 'E',
            ProtLevel::Private => 'P',
        };
        write!(f, "{verb} {c}")
    }
    pub(crate) use super::super::always as given;
}
