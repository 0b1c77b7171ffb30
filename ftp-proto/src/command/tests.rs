//! One small test per parsing edge case, and checks on the verb table.

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
