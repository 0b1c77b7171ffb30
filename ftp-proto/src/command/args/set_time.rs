//! MFMT's argument (draft-somers-ftp-mfxx §3): `YYYYMMDDHHMMSS path`, the
//! time in UTC. The path is kept as sent, spaces and all.

use std::fmt;

use super::super::spec::ArgKind;
use super::super::types::SetTime;
use super::super::ParseError;
use super::{escape, unescape};
use crate::CivilTime;

pub(crate) const KIND: ArgKind = ArgKind::Special;

pub(crate) fn parse<C>(
    verb: &'static str,
    arg: Option<&str>,
    make: impl FnOnce(SetTime) -> C,
) -> Result<C, ParseError> {
    let arg = arg.map(str::trim_start).unwrap_or("");
    if arg.is_empty() {
        return Err(ParseError::MissingArgument(verb));
    }
    let (time, path) = arg.split_once(' ').unwrap_or((arg, ""));
    let time = CivilTime::parse(time)
        .ok_or_else(|| ParseError::bad(verb, "expected a time YYYYMMDDHHMMSS, then a path"))?;
    let path = unescape(path.trim_start())?;
    if path.is_empty() {
        return Err(ParseError::bad(verb, "expected a path after the time"));
    }
    Ok(make(SetTime { time, path }))
}

pub(crate) fn write(f: &mut fmt::Formatter<'_>, verb: &str, a: &SetTime) -> fmt::Result {
    write!(f, "{verb} {} {}", a.time.mdtm(), escape(&a.path))
}

pub(crate) use super::always as given;
