//! The typed `Command`: every verb the server understands and the client sends.
//! `Command::parse` turns one control line (without CRLF) into a command or a
//! `ParseError`; `Display` encodes it for the wire (without CRLF). Aliases from
//! RFC 775 (XPWD, XCWD, ...) parse into the same variants as their modern verbs.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use crate::address::{self, AddressError};

/// TYPE argument (RFC 959 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// `A` (optionally `A N`): ASCII, lines end in CRLF on the wire.
    Ascii,
    /// `I` or `L 8`: bytes as they are.
    Image,
}

/// EPSV argument (RFC 2428 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsvArg {
    /// Plain `EPSV`: open a passive listener.
    Any,
    /// `EPSV 1` or `EPSV 2`: a specific network protocol.
    Protocol(u8),
    /// `EPSV ALL`: from now on only EPSV may open data connections.
    All,
}

/// `PROT` level (RFC 4217 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtLevel {
    Clear,
    Safe,
    Confidential,
    Private,
}

/// One control-connection command.
///
/// Path arguments are kept as the client sent them (after RFC 2640 CR NUL
/// unescaping); turning them into safe paths is the server's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    // RFC 959 access control
    User(String),
    Pass(String),
    Acct(String),
    Cwd(String),
    Cdup,
    Rein,
    Quit,
    // transfer parameters
    Port(SocketAddrV4),
    Pasv,
    Type(TransferType),
    Stru(char),
    Mode(char),
    // service commands
    Retr(String),
    Stor(String),
    Stou(Option<String>),
    Appe(String),
    Allo(String),
    Rest(u64),
    Rnfr(String),
    Rnto(String),
    Abor,
    Dele(String),
    Rmd(String),
    Mkd(String),
    Pwd,
    List(Option<String>),
    Nlst(Option<String>),
    Site(String),
    Syst,
    Stat(Option<String>),
    Help(Option<String>),
    Noop,
    // RFC 2389
    Feat,
    Opts(String),
    // RFC 2428
    Eprt(SocketAddr),
    Epsv(EpsvArg),
    // RFC 3659
    Size(String),
    Mdtm(String),
    Mlsd(Option<String>),
    Mlst(Option<String>),
    // RFC 2228 / 4217
    Auth(String),
    Pbsz(u64),
    Prot(ProtLevel),
    Ccc,
}

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

/// RFC 2640 §3.1: a CR inside a pathname travels as CR NUL. Undo that, then
/// refuse any NUL that remains.
fn unescape_arg(arg: &str) -> Result<String, ParseError> {
    let s = arg.replace("\r\0", "\r");
    if s.contains('\0') {
        return Err(ParseError::Nul);
    }
    Ok(s)
}

fn required(verb: &'static str, arg: Option<&str>) -> Result<String, ParseError> {
    match arg {
        Some(a) if !a.is_empty() => unescape_arg(a),
        _ => Err(ParseError::MissingArgument(verb)),
    }
}

fn optional(arg: Option<&str>) -> Result<Option<String>, ParseError> {
    match arg {
        Some(a) if !a.is_empty() => unescape_arg(a).map(Some),
        _ => Ok(None),
    }
}

fn none(verb: &'static str, arg: Option<&str>) -> Result<(), ParseError> {
    match arg {
        Some(a) if !a.trim().is_empty() => Err(ParseError::UnexpectedArgument(verb)),
        _ => Ok(()),
    }
}

fn parse_type(arg: Option<&str>) -> Result<TransferType, ParseError> {
    let a = arg.ok_or(ParseError::MissingArgument("TYPE"))?;
    let words: Vec<String> = a.split_whitespace().map(str::to_ascii_uppercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["A"] | ["A", "N"] => Ok(TransferType::Ascii),
        ["I"] | ["L", "8"] | ["L8"] => Ok(TransferType::Image),
        ["A", _] | ["E"] | ["E", _] | ["L", _] => Err(ParseError::Unsupported {
            verb: "TYPE",
            arg: a.to_string(),
        }),
        _ => Err(ParseError::bad("TYPE", "expected A, I or L 8")),
    }
}

fn parse_char(verb: &'static str, arg: Option<&str>, allowed: &str) -> Result<char, ParseError> {
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

fn parse_epsv(arg: Option<&str>) -> Result<EpsvArg, ParseError> {
    match arg.map(str::trim) {
        None | Some("") => Ok(EpsvArg::Any),
        Some(a) if a.eq_ignore_ascii_case("ALL") => Ok(EpsvArg::All),
        Some("1") => Ok(EpsvArg::Protocol(1)),
        Some("2") => Ok(EpsvArg::Protocol(2)),
        Some(a) if a.parse::<u8>().is_ok() => Err(ParseError::BadProtocol),
        Some(_) => Err(ParseError::bad("EPSV", "expected ALL, 1 or 2")),
    }
}

fn parse_prot(arg: Option<&str>) -> Result<ProtLevel, ParseError> {
    match parse_char("PROT", arg, "CSEP")? {
        'C' => Ok(ProtLevel::Clear),
        'S' => Ok(ProtLevel::Safe),
        'E' => Ok(ProtLevel::Confidential),
        _ => Ok(ProtLevel::Private),
    }
}

/// AUTH mechanism, upper-cased. Only spaces is no mechanism: `Auth("")`
/// would go out as `AUTH ` and be read back as a missing argument.
fn parse_auth(arg: Option<&str>) -> Result<String, ParseError> {
    let mech = required("AUTH", arg)?.trim().to_ascii_uppercase();
    if mech.is_empty() {
        return Err(ParseError::MissingArgument("AUTH"));
    }
    Ok(mech)
}

fn parse_number(verb: &'static str, arg: Option<&str>) -> Result<u64, ParseError> {
    let a = arg.ok_or(ParseError::MissingArgument(verb))?.trim();
    a.parse()
        .map_err(|_| ParseError::bad(verb, "expected a non-negative number"))
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
        use Command as C;
        Ok(match verb.as_str() {
            "USER" => C::User(required("USER", arg)?),
            "PASS" => C::Pass(unescape_arg(arg.unwrap_or(""))?),
            "ACCT" => C::Acct(required("ACCT", arg)?),
            "CWD" | "XCWD" => C::Cwd(required("CWD", arg)?),
            "CDUP" | "XCUP" => none("CDUP", arg).map(|_| C::Cdup)?,
            "REIN" => none("REIN", arg).map(|_| C::Rein)?,
            "QUIT" => C::Quit,
            "PORT" => C::Port(
                address::parse_host_port(arg.ok_or(ParseError::MissingArgument("PORT"))?)
                    .map_err(|e| ParseError::bad("PORT", e))?,
            ),
            "PASV" => none("PASV", arg).map(|_| C::Pasv)?,
            "TYPE" => C::Type(parse_type(arg)?),
            "STRU" => C::Stru(parse_char("STRU", arg, "F")?),
            "MODE" => C::Mode(parse_char("MODE", arg, "S")?),
            "RETR" => C::Retr(required("RETR", arg)?),
            "STOR" => C::Stor(required("STOR", arg)?),
            "STOU" => C::Stou(optional(arg)?),
            "APPE" => C::Appe(required("APPE", arg)?),
            "ALLO" => C::Allo(arg.unwrap_or("").to_string()),
            "REST" => C::Rest(parse_number("REST", arg)?),
            "RNFR" => C::Rnfr(required("RNFR", arg)?),
            "RNTO" => C::Rnto(required("RNTO", arg)?),
            "ABOR" => C::Abor,
            "DELE" => C::Dele(required("DELE", arg)?),
            "RMD" | "XRMD" => C::Rmd(required("RMD", arg)?),
            "MKD" | "XMKD" => C::Mkd(required("MKD", arg)?),
            "PWD" | "XPWD" => none("PWD", arg).map(|_| C::Pwd)?,
            "LIST" => C::List(optional(arg)?),
            "NLST" => C::Nlst(optional(arg)?),
            "SITE" => C::Site(required("SITE", arg)?),
            "SYST" => C::Syst,
            "STAT" => C::Stat(optional(arg)?),
            "HELP" => C::Help(optional(arg)?),
            "NOOP" => C::Noop,
            "FEAT" => C::Feat,
            "OPTS" => C::Opts(required("OPTS", arg)?),
            "EPRT" => C::Eprt(
                address::parse_eprt(arg.ok_or(ParseError::MissingArgument("EPRT"))?).map_err(
                    |e| match e {
                        AddressError::UnsupportedProtocol(_) => ParseError::BadProtocol,
                        e => ParseError::bad("EPRT", e),
                    },
                )?,
            ),
            "EPSV" => C::Epsv(parse_epsv(arg)?),
            "SIZE" => C::Size(required("SIZE", arg)?),
            "MDTM" => C::Mdtm(required("MDTM", arg)?),
            "MLSD" => C::Mlsd(optional(arg)?),
            "MLST" => C::Mlst(optional(arg)?),
            "AUTH" => C::Auth(parse_auth(arg)?),
            "PBSZ" => C::Pbsz(parse_number("PBSZ", arg)?),
            "PROT" => C::Prot(parse_prot(arg)?),
            "CCC" => C::Ccc,
            _ => return Err(ParseError::Unknown(verb)),
        })
    }

    /// The canonical verb, as sent by the client and shown in logs.
    pub fn verb(&self) -> &'static str {
        use Command as C;
        match self {
            C::User(_) => "USER",
            C::Pass(_) => "PASS",
            C::Acct(_) => "ACCT",
            C::Cwd(_) => "CWD",
            C::Cdup => "CDUP",
            C::Rein => "REIN",
            C::Quit => "QUIT",
            C::Port(_) => "PORT",
            C::Pasv => "PASV",
            C::Type(_) => "TYPE",
            C::Stru(_) => "STRU",
            C::Mode(_) => "MODE",
            C::Retr(_) => "RETR",
            C::Stor(_) => "STOR",
            C::Stou(_) => "STOU",
            C::Appe(_) => "APPE",
            C::Allo(_) => "ALLO",
            C::Rest(_) => "REST",
            C::Rnfr(_) => "RNFR",
            C::Rnto(_) => "RNTO",
            C::Abor => "ABOR",
            C::Dele(_) => "DELE",
            C::Rmd(_) => "RMD",
            C::Mkd(_) => "MKD",
            C::Pwd => "PWD",
            C::List(_) => "LIST",
            C::Nlst(_) => "NLST",
            C::Site(_) => "SITE",
            C::Syst => "SYST",
            C::Stat(_) => "STAT",
            C::Help(_) => "HELP",
            C::Noop => "NOOP",
            C::Feat => "FEAT",
            C::Opts(_) => "OPTS",
            C::Eprt(_) => "EPRT",
            C::Epsv(_) => "EPSV",
            C::Size(_) => "SIZE",
            C::Mdtm(_) => "MDTM",
            C::Mlsd(_) => "MLSD",
            C::Mlst(_) => "MLST",
            C::Auth(_) => "AUTH",
            C::Pbsz(_) => "PBSZ",
            C::Prot(_) => "PROT",
            C::Ccc => "CCC",
        }
    }

    /// True if any argument holds CR or LF, which would let it inject another
    /// command on the wire. The client refuses to send such commands.
    pub fn has_line_break(&self) -> bool {
        self.to_string().contains(['\r', '\n'])
    }
}

/// RFC 2640 §3.1 on the way out: a CR inside a pathname becomes CR NUL.
fn escape_arg(s: &str) -> String {
    s.replace('\r', "\r\0")
}

impl fmt::Display for Command {
    /// Wire form without the trailing CRLF.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Command as C;
        let v = self.verb();
        match self {
            C::User(a) | C::Pass(a) | C::Acct(a) | C::Cwd(a) | C::Retr(a) | C::Stor(a) => {
                write!(f, "{v} {}", escape_arg(a))
            }
            C::Appe(a) | C::Rnfr(a) | C::Rnto(a) | C::Dele(a) | C::Rmd(a) | C::Mkd(a) => {
                write!(f, "{v} {}", escape_arg(a))
            }
            C::Site(a) | C::Opts(a) | C::Size(a) | C::Mdtm(a) | C::Auth(a) => {
                write!(f, "{v} {}", escape_arg(a))
            }
            C::Allo(a) if a.is_empty() => write!(f, "{v}"),
            C::Allo(a) => write!(f, "{v} {a}"),
            C::Stou(a)
            | C::List(a)
            | C::Nlst(a)
            | C::Stat(a)
            | C::Help(a)
            | C::Mlsd(a)
            | C::Mlst(a) => match a {
                Some(a) => write!(f, "{v} {}", escape_arg(a)),
                None => write!(f, "{v}"),
            },
            C::Port(addr) => write!(f, "{v} {}", address::format_host_port(*addr)),
            C::Eprt(addr) => write!(f, "{v} {}", address::format_eprt(*addr)),
            C::Type(TransferType::Ascii) => write!(f, "{v} A"),
            C::Type(TransferType::Image) => write!(f, "{v} I"),
            C::Stru(c) | C::Mode(c) => write!(f, "{v} {c}"),
            C::Rest(n) | C::Pbsz(n) => write!(f, "{v} {n}"),
            C::Epsv(EpsvArg::Any) => write!(f, "{v}"),
            C::Epsv(EpsvArg::All) => write!(f, "{v} ALL"),
            C::Epsv(EpsvArg::Protocol(p)) => write!(f, "{v} {p}"),
            C::Prot(p) => {
                let c = match p {
                    ProtLevel::Clear => 'C',
                    ProtLevel::Safe => 'S',
                    ProtLevel::Confidential => 'E',
                    ProtLevel::Private => 'P',
                };
                write!(f, "{v} {c}")
            }
            C::Cdup
            | C::Rein
            | C::Quit
            | C::Pasv
            | C::Abor
            | C::Pwd
            | C::Syst
            | C::Noop
            | C::Feat
            | C::Ccc => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_case_insensitive() {
        assert_eq!(Command::parse("noop"), Ok(Command::Noop));
        assert_eq!(Command::parse("NoOp"), Ok(Command::Noop));
        assert_eq!(Command::parse("user bob"), Ok(Command::User("bob".into())));
    }

    #[test]
    fn argument_case_and_spaces_are_kept() {
        assert_eq!(
            Command::parse("RETR My File "),
            Ok(Command::Retr("My File ".into()))
        );
        assert_eq!(
            Command::parse("CWD  lead"),
            Ok(Command::Cwd(" lead".into()))
        );
    }

    #[test]
    fn trailing_cr_is_stripped() {
        assert_eq!(Command::parse("PWD\r"), Ok(Command::Pwd));
    }

    #[test]
    fn aliases_map_to_modern_verbs() {
        assert_eq!(Command::parse("XPWD"), Ok(Command::Pwd));
        assert_eq!(Command::parse("XCWD a"), Ok(Command::Cwd("a".into())));
        assert_eq!(Command::parse("XCUP"), Ok(Command::Cdup));
        assert_eq!(Command::parse("XMKD d"), Ok(Command::Mkd("d".into())));
        assert_eq!(Command::parse("XRMD d"), Ok(Command::Rmd("d".into())));
    }

    #[test]
    fn empty_line_is_an_error() {
        assert_eq!(Command::parse(""), Err(ParseError::Empty));
        assert_eq!(Command::parse("   "), Err(ParseError::Empty));
    }

    #[test]
    fn unknown_verb_is_reported_uppercased() {
        assert_eq!(
            Command::parse("xyzzy 1"),
            Err(ParseError::Unknown("XYZZY".into()))
        );
    }

    #[test]
    fn empty_argument_is_missing() {
        assert_eq!(
            Command::parse("RETR"),
            Err(ParseError::MissingArgument("RETR"))
        );
        assert_eq!(
            Command::parse("RETR "),
            Err(ParseError::MissingArgument("RETR"))
        );
        assert_eq!(
            Command::parse("MKD"),
            Err(ParseError::MissingArgument("MKD"))
        );
    }

    #[test]
    fn empty_password_is_allowed() {
        assert_eq!(Command::parse("PASS"), Ok(Command::Pass(String::new())));
    }

    #[test]
    fn cr_nul_in_path_is_a_cr() {
        assert_eq!(
            Command::parse("RETR a\r\0b"),
            Ok(Command::Retr("a\rb".into()))
        );
    }

    #[test]
    fn nul_in_path_is_refused() {
        assert_eq!(Command::parse("RETR a\0b"), Err(ParseError::Nul));
        assert_eq!(Command::parse("CWD \0"), Err(ParseError::Nul));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(
            Command::parse_bytes(b"RETR \xff\xfe"),
            Err(ParseError::NotUtf8)
        );
    }

    #[test]
    fn optional_arguments() {
        assert_eq!(Command::parse("LIST"), Ok(Command::List(None)));
        assert_eq!(
            Command::parse("LIST -la"),
            Ok(Command::List(Some("-la".into())))
        );
        assert_eq!(Command::parse("NLST "), Ok(Command::Nlst(None)));
        assert_eq!(Command::parse("STOU"), Ok(Command::Stou(None)));
    }

    #[test]
    fn no_argument_verbs_refuse_arguments() {
        assert_eq!(
            Command::parse("PWD x"),
            Err(ParseError::UnexpectedArgument("PWD"))
        );
        assert_eq!(
            Command::parse("PASV 1"),
            Err(ParseError::UnexpectedArgument("PASV"))
        );
    }

    #[test]
    fn type_variants() {
        use TransferType::*;
        assert_eq!(Command::parse("TYPE A"), Ok(Command::Type(Ascii)));
        assert_eq!(Command::parse("TYPE a n"), Ok(Command::Type(Ascii)));
        assert_eq!(Command::parse("TYPE I"), Ok(Command::Type(Image)));
        assert_eq!(Command::parse("TYPE L 8"), Ok(Command::Type(Image)));
        assert!(matches!(
            Command::parse("TYPE E"),
            Err(ParseError::Unsupported { .. })
        ));
        assert!(matches!(
            Command::parse("TYPE L 7"),
            Err(ParseError::Unsupported { .. })
        ));
        assert!(matches!(
            Command::parse("TYPE Q"),
            Err(ParseError::BadArgument { .. })
        ));
    }

    #[test]
    fn mode_and_stru() {
        assert_eq!(Command::parse("MODE s"), Ok(Command::Mode('S')));
        assert_eq!(Command::parse("STRU F"), Ok(Command::Stru('F')));
        assert!(matches!(
            Command::parse("MODE B"),
            Err(ParseError::Unsupported { .. })
        ));
        assert!(matches!(
            Command::parse("STRU R"),
            Err(ParseError::Unsupported { .. })
        ));
        assert!(matches!(
            Command::parse("MODE xx"),
            Err(ParseError::BadArgument { .. })
        ));
    }

    #[test]
    fn rest_needs_a_number() {
        assert_eq!(Command::parse("REST 100"), Ok(Command::Rest(100)));
        assert!(matches!(
            Command::parse("REST -1"),
            Err(ParseError::BadArgument { .. })
        ));
        assert!(matches!(
            Command::parse("REST abc"),
            Err(ParseError::BadArgument { .. })
        ));
    }

    #[test]
    fn port_and_eprt() {
        assert_eq!(
            Command::parse("PORT 127,0,0,1,4,0"),
            Ok(Command::Port("127.0.0.1:1024".parse().unwrap()))
        );
        assert!(matches!(
            Command::parse("PORT 1,2,3"),
            Err(ParseError::BadArgument { .. })
        ));
        assert_eq!(
            Command::parse("EPRT |2|::1|2000|"),
            Ok(Command::Eprt("[::1]:2000".parse().unwrap()))
        );
        assert_eq!(Command::parse("EPRT |9|x|1|"), Err(ParseError::BadProtocol));
    }

    #[test]
    fn epsv_forms() {
        assert_eq!(Command::parse("EPSV"), Ok(Command::Epsv(EpsvArg::Any)));
        assert_eq!(Command::parse("EPSV all"), Ok(Command::Epsv(EpsvArg::All)));
        assert_eq!(
            Command::parse("EPSV 2"),
            Ok(Command::Epsv(EpsvArg::Protocol(2)))
        );
        assert_eq!(Command::parse("EPSV 7"), Err(ParseError::BadProtocol));
    }

    #[test]
    fn auth_prot_pbsz() {
        assert_eq!(Command::parse("AUTH tls"), Ok(Command::Auth("TLS".into())));
        assert_eq!(Command::parse("PBSZ 0"), Ok(Command::Pbsz(0)));
        assert_eq!(
            Command::parse("PROT p"),
            Ok(Command::Prot(ProtLevel::Private))
        );
    }

    /// Found by the `command_parse` fuzz target: `AUTH  ` parsed to an
    /// empty mechanism whose wire form did not parse back.
    #[test]
    fn auth_with_only_spaces_is_a_missing_argument() {
        assert_eq!(
            Command::parse("AUTH   "),
            Err(ParseError::MissingArgument("AUTH"))
        );
    }

    #[test]
    fn display_round_trips() {
        let lines = [
            "USER bob",
            "PASS x y",
            "CWD /a b",
            "CDUP",
            "TYPE I",
            "TYPE A",
            "PORT 10,0,0,1,4,1",
            "EPRT |1|10.0.0.1|1025|",
            "EPSV",
            "EPSV ALL",
            "PASV",
            "RETR f",
            "STOR f",
            "STOU",
            "APPE f",
            "REST 5",
            "RNFR a",
            "RNTO b",
            "DELE a",
            "RMD a",
            "MKD a",
            "PWD",
            "LIST",
            "LIST -a",
            "NLST x",
            "MLSD",
            "MLST f",
            "SIZE f",
            "MDTM f",
            "FEAT",
            "OPTS UTF8 ON",
            "SITE CHMOD 644 f",
            "STAT",
            "HELP",
            "NOOP",
            "QUIT",
            "ABOR",
            "MODE S",
            "STRU F",
            "AUTH TLS",
            "PBSZ 0",
            "PROT P",
            "ALLO 10",
            "SYST",
            "REIN",
            "CCC",
        ];
        for line in lines {
            let cmd = Command::parse(line).unwrap();
            assert_eq!(cmd.to_string(), line, "round trip of {line}");
        }
    }

    #[test]
    fn display_escapes_cr_in_paths() {
        let cmd = Command::Retr("a\rb".into());
        assert_eq!(cmd.to_string(), "RETR a\r\0b");
        assert_eq!(Command::parse(&cmd.to_string()), Ok(cmd));
    }

    #[test]
    fn line_breaks_are_detected_for_the_client() {
        assert!(Command::Retr("a\nDELE b".into()).has_line_break());
        assert!(Command::Retr("a\rb".into()).has_line_break());
        assert!(!Command::Retr("ab".into()).has_line_break());
    }
}
