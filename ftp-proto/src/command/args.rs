//! Argument kinds: how each verb's argument is parsed from a control line
//! and written back to the wire. The verb table (`verbs.rs`) names one kind
//! per verb; a kind is a module with `KIND` (what the table reports),
//! `parse` (line → value, handed to the variant's constructor) and `write`
//! (value → wire form). Kinds with a value also have `given`: whether the
//! command carries an argument (STAT with none is answered during a transfer).
//!
//! Arguments are kept as the client sent them, after RFC 2640 §3.1 CR NUL
//! unescaping; turning them into safe paths is the server's job.

use std::fmt;

use super::spec::ArgKind;
use super::ParseError;

pub(crate) mod set_time;
mod special;
pub(crate) use special::{eprt, epsv, host_port, mode, number, prot, stru, transfer_type};

/// RFC 2640 §3.1: a CR inside a pathname travels as CR NUL. Undo that, then
/// refuse any NUL that remains.
fn unescape(arg: &str) -> Result<String, ParseError> {
    let s = arg.replace("\r\0", "\r");
    if s.contains('\0') {
        return Err(ParseError::Nul);
    }
    Ok(s)
}

/// RFC 2640 §3.1 on the way out: a CR inside a pathname becomes CR NUL.
fn escape(s: &str) -> String {
    s.replace('\r', "\r\0")
}

fn required(verb: &'static str, arg: Option<&str>) -> Result<String, ParseError> {
    match arg {
        Some(a) if !a.is_empty() => unescape(a),
        _ => Err(ParseError::MissingArgument(verb)),
    }
}

fn optional(arg: Option<&str>) -> Result<Option<String>, ParseError> {
    match arg {
        Some(a) if !a.is_empty() => unescape(a).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, verb: &str, a: &str) -> fmt::Result {
    write!(f, "{verb} {}", escape(a))
}

pub(crate) fn write_optional(
    f: &mut fmt::Formatter<'_>,
    verb: &str,
    a: &Option<String>,
) -> fmt::Result {
    match a {
        Some(a) => write_escaped(f, verb, a),
        None => write!(f, "{verb}"),
    }
}

/// `given` for a kind whose value always is an argument.
pub(crate) fn always<T: ?Sized>(_: &T) -> bool {
    true
}

/// No argument: one that is not just spaces is refused (CDUP, PWD, PASV, REIN).
pub(crate) mod no_arg {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::None;
    pub(crate) fn parse<C>(verb: &'static str, arg: Option<&str>, cmd: C) -> Result<C, ParseError> {
        match arg {
            Some(a) if !a.trim().is_empty() => Err(ParseError::UnexpectedArgument(verb)),
            _ => Ok(cmd),
        }
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str) -> fmt::Result {
        write!(f, "{verb}")
    }
}

/// Whatever follows the verb is ignored (QUIT, ABOR, NOOP, SYST, FEAT, CCC).
pub(crate) mod ignored {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Ignored;
    pub(crate) fn parse<C>(
        _verb: &'static str,
        _arg: Option<&str>,
        cmd: C,
    ) -> Result<C, ParseError> {
        Ok(cmd)
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str) -> fmt::Result {
        write!(f, "{verb}")
    }
}

/// A required path (RFC 959 `<pathname>`).
pub(crate) mod path {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Path;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(String) -> C,
    ) -> Result<C, ParseError> {
        required(verb, arg).map(make)
    }
    pub(crate) use super::always as given;
    pub(crate) use super::write_escaped as write;
}

/// An optional path; an empty one is none (LIST, NLST, MLSD, MLST, STAT, STOU).
pub(crate) mod opt_path {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::OptionalPath;
    pub(crate) fn parse<C>(
        _verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(Option<String>) -> C,
    ) -> Result<C, ParseError> {
        optional(arg).map(make)
    }
    pub(crate) use super::write_optional as write;
    pub(crate) fn given(a: &Option<String>) -> bool {
        a.is_some()
    }
}

/// Required free text (USER, ACCT, SITE, OPTS), unescaped like a path.
pub(crate) mod text {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Text;
    pub(crate) use super::path::{given, parse, write};
}

/// Optional free text (HELP's topic).
pub(crate) mod opt_text {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::OptionalText;
    pub(crate) use super::opt_path::{given, parse, write};
}

/// PASS: the password may be empty (RFC 959 §4.1.1 allows anonymous
/// logins with none), and goes out as `PASS ` then.
pub(crate) mod password {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Text;
    pub(crate) fn parse<C>(
        _verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(String) -> C,
    ) -> Result<C, ParseError> {
        unescape(arg.unwrap_or("")).map(make)
    }
    pub(crate) use super::write_escaped as write;
    pub(crate) fn given(a: &str) -> bool {
        !a.is_empty()
    }
}

/// ALLO's byte count, kept verbatim: the server needs no allocation
/// (RFC 959 §4.1.3) and answers 202 whatever it says.
pub(crate) mod verbatim {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        _verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(String) -> C,
    ) -> Result<C, ParseError> {
        Ok(make(arg.unwrap_or("").to_string()))
    }
    pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, a: &str) -> fmt::Result {
        if a.is_empty() {
            write!(f, "{verb}")
        } else {
            write!(f, "{verb} {a}")
        }
    }
    pub(crate) fn given(a: &str) -> bool {
        !a.is_empty()
    }
}

/// AUTH mechanism (RFC 2228 §3), upper-cased. Only spaces is no mechanism:
/// `Auth("")` would go out as `AUTH ` and be read back as a missing argument.
pub(crate) mod mechanism {
    use super::*;
    pub(crate) const KIND: ArgKind = ArgKind::Special;
    pub(crate) fn parse<C>(
        verb: &'static str,
        arg: Option<&str>,
        make: impl FnOnce(String) -> C,
    ) -> Result<C, ParseError> {
        let mech = required(verb, arg)?.trim().to_ascii_uppercase();
        if mech.is_empty() {
            return Err(ParseError::MissingArgument(verb));
        }
        Ok(make(mech))
    }
    pub(crate) use super::path::{given, write};
}
