//! The verb table: every name parses, and the gates, FEAT and HELP it
//! yields are the ones the hand-kept lists used to give.

use super::*;

/// Names of the verbs whose spec passes `f`, in table order.
fn verbs_where(f: impl Fn(&VerbSpec) -> bool) -> Vec<&'static str> {
    VERBS.iter().filter(|v| f(v)).map(|v| v.name).collect()
}

#[test]
fn every_name_and_alias_parses_to_its_own_verb() {
    for spec in VERBS {
        for name in spec.names() {
            for line in [name.to_string(), name.to_ascii_lowercase()] {
                match Command::parse(&line) {
                    Ok(cmd) => {
                        assert_eq!(cmd.verb(), spec.name, "{line}");
                        assert_eq!(cmd.spec(), spec, "{line}");
                    }
                    Err(ParseError::MissingArgument(v)) => assert_eq!(v, spec.name, "{line}"),
                    Err(e) => panic!("{line}: {e}"),
                }
            }
            assert_eq!(VerbSpec::find(name), Some(spec));
        }
    }
}

#[test]
fn no_name_is_declared_twice() {
    let mut names: Vec<&str> = VERBS.iter().flat_map(VerbSpec::names).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n);
    assert_eq!(VerbSpec::find("XYZZY"), None);
}

#[test]
fn the_login_gate_lets_these_through() {
    assert_eq!(
        verbs_where(|v| v.before_login),
        ["AUTH", "FEAT", "HELP", "NOOP", "OPTS", "PASS", "PBSZ", "PROT", "QUIT", "SYST", "USER"]
    );
    assert!(Command::User("u".into()).allowed_before_login());
    assert!(!Command::Pwd.allowed_before_login());
}

#[test]
fn only_abor_noop_and_bare_stat_are_answered_during_a_transfer() {
    let answered: Vec<&str> = VERBS
        .iter()
        .filter(|v| v.during_transfer != DuringTransfer::Waits)
        .map(|v| v.name)
        .collect();
    assert_eq!(answered, ["ABOR", "NOOP", "STAT"]);
    assert!(Command::Abor.answered_during_transfer());
    assert!(Command::Noop.answered_during_transfer());
    assert!(Command::Stat(None).answered_during_transfer());
    assert!(!Command::Stat(Some("/".into())).answered_during_transfer());
    assert!(!Command::Retr("f".into()).answered_during_transfer());
    assert_eq!(Command::parse("STAT "), Ok(Command::Stat(None)));
}

#[test]
fn data_connection_setup_and_type_keep_rest() {
    assert_eq!(
        verbs_where(|v| v.keeps_rest),
        ["EPRT", "EPSV", "PASV", "PORT", "TYPE"]
    );
    assert!(Command::Type(TransferType::Image).keeps_rest());
    assert!(!Command::Rest(5).keeps_rest());
}

#[test]
fn lookups_are_the_verbs_that_name_an_existing_path() {
    assert_eq!(
        verbs_where(|v| v.lookup),
        [
            "CWD", "DELE", "HASH", "LIST", "MDTM", "MFMT", "MLSD", "MLST", "NLST", "RETR", "RMD",
            "RNFR", "SIZE", "XCRC", "XMD5", "XSHA1", "XSHA256", "XSHA512"
        ]
    );
}

#[test]
fn has_argument_tells_bare_commands() {
    assert!(!Command::Pwd.has_argument());
    assert!(!Command::List(None).has_argument());
    assert!(Command::List(Some("-a".into())).has_argument());
    assert!(!Command::Epsv(EpsvArg::Any).has_argument());
    assert!(Command::Epsv(EpsvArg::All).has_argument());
    assert!(!Command::Allo(String::new()).has_argument());
    assert!(Command::Rest(0).has_argument());
}

#[test]
fn feat_entries_in_table_order() {
    let feats: Vec<Feature> = features().collect();
    assert_eq!(
        feats,
        [
            Feature::WithTls("AUTH TLS"),
            Feature::Always("EPRT"),
            Feature::Always("EPSV"),
            Feature::Hash,
            Feature::Always("MDTM"),
            Feature::Always("MFMT"),
            Feature::MlstFacts,
            Feature::WithTls("PBSZ"),
            Feature::Always("PASV"),
            Feature::WithTls("PROT"),
            Feature::Always("REST STREAM"),
            Feature::Always("SIZE"),
        ]
    );
}

#[test]
fn help_lists_names_and_aliases_in_balanced_columns() {
    assert_eq!(
        help_lines(),
        [
            "ABOR ACCT ALLO APPE AUTH CDUP CWD  DELE EPRT EPSV FEAT HASH HELP",
            "LIST MDTM MFMT MKD  MLSD MLST MODE NLST NOOP OPTS PASS PASV PORT",
            "PWD  QUIT REIN REST RETR RMD  RNFR RNTO SITE SIZE STAT STOR STOU",
            "STRU SYST TYPE USER XCRC XCUP XCWD XMD5 XMKD XPWD XRMD XSHA1 XSHA256 XSHA512",
        ]
    );
}

#[test]
fn argument_kinds_are_reported() {
    assert_eq!(VerbSpec::find("xcwd").map(|v| v.arg), Some(ArgKind::Path));
    assert_eq!(
        VerbSpec::find("STAT").map(|v| v.arg),
        Some(ArgKind::OptionalPath)
    );
    assert_eq!(VerbSpec::find("PWD").map(|v| v.arg), Some(ArgKind::None));
    assert_eq!(
        VerbSpec::find("QUIT").map(|v| v.arg),
        Some(ArgKind::Ignored)
    );
    assert_eq!(
        VerbSpec::find("PORT").map(|v| v.arg),
        Some(ArgKind::Special)
    );
}

#[test]
fn mfmt_takes_a_utc_time_then_a_path_with_spaces() {
    let cmd = Command::parse("MFMT 20261122013045 dir/a file.txt");
    let Ok(Command::Mfmt(SetTime { time, path })) = cmd else {
        panic!("{cmd:?}");
    };
    assert_eq!(
        (time.to_unix(), path.as_str()),
        (1_795_311_045, "dir/a file.txt")
    );
    let back = Command::Mfmt(SetTime { time, path }).to_string();
    assert_eq!(back, "MFMT 20261122013045 dir/a file.txt");
    for bad in [
        "MFMT",
        "MFMT 20261122013045",
        "MFMT 2026 x",
        "MFMT 20261322013045 x",
    ] {
        let e = Command::parse(bad);
        assert!(
            matches!(
                e,
                Err(ParseError::MissingArgument(_) | ParseError::BadArgument { .. })
            ),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn hash_algorithms_by_name_and_feat_line() {
    assert_eq!(HashAlgo::from_name("sha-256"), Some(HashAlgo::Sha256));
    assert_eq!(HashAlgo::from_name("SHA512"), Some(HashAlgo::Sha512));
    assert_eq!(HashAlgo::from_name("crc32"), Some(HashAlgo::Crc32));
    assert_eq!(HashAlgo::from_name("SHA-3"), None);
    assert_eq!(
        HashAlgo::feat_line(HashAlgo::Md5),
        "HASH SHA-256;SHA-512;SHA-1;MD5*;CRC32"
    );
}
