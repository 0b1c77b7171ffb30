//! The command line: parsing and validation into `Config`.

use super::*;

fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("ftpd").chain(args.iter().copied()))
}

#[test]
fn users_turn_anonymous_off_unless_asked() {
    let dir = std::env::temp_dir();
    let d = dir.to_str().unwrap();
    let c = parse(&["--root", d]).unwrap().into_config().unwrap();
    assert!(c.anonymous);
    let c = parse(&["--root", d, "--user", "a:b"])
        .unwrap()
        .into_config()
        .unwrap();
    assert!(!c.anonymous);
    assert_eq!(c.users[0].password, "b");
    let c = parse(&["--root", d, "--user", "a:b", "--anonymous"])
        .unwrap()
        .into_config()
        .unwrap();
    assert!(c.anonymous);
    let c = parse(&["--root", d, "--no-anonymous"])
        .unwrap()
        .into_config()
        .unwrap();
    assert!(!c.anonymous);
}

#[test]
fn bad_ranges_and_users_are_refused() {
    assert!(parse(&["--root", "/", "--passive-ports", "5-1"]).is_err());
    assert!(parse(&["--root", "/", "--passive-ports", "x"]).is_err());
    assert!(parse(&["--root", "/", "--user", "nopassword"]).is_err());
    assert_eq!(
        parse(&["--root", "/", "--passive-ports", "50000-50010"])
            .unwrap()
            .passive_ports,
        Some((50000, 50010))
    );
}

#[test]
fn hash_password_needs_no_root_but_serving_does() {
    let cli = parse(&["hash-password"]).unwrap();
    assert_eq!(cli.command, Some(Command::HashPassword));
    assert!(parse(&["hash-password", "--root", "/"]).is_err());
    let cli = parse(&["--root", "/"]).unwrap();
    assert_eq!(cli.command, None);
}

#[test]
fn users_file_turns_anonymous_off_and_bad_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.toml");
    std::fs::write(&file, "").unwrap();
    let (d, f) = (dir.path().to_str().unwrap(), file.to_str().unwrap());
    let c = parse(&["--root", d, "--users", f])
        .unwrap()
        .into_config()
        .unwrap();
    assert!(!c.anonymous);
    assert!(c.accounts.is_some());
    let c = parse(&["--root", d, "--users", f, "--anonymous"])
        .unwrap()
        .into_config()
        .unwrap();
    assert!(c.anonymous);
    std::fs::write(&file, "[[user]]\nname = 1\n").unwrap();
    let e = parse(&["--root", d, "--users", f])
        .unwrap()
        .into_config()
        .unwrap_err();
    assert!(e.contains(f) && e.contains("line 2"), "{e}");
}

#[test]
fn proxy_protocol_takes_lists_and_repeats() {
    let d = std::env::temp_dir();
    let d = d.to_str().unwrap();
    let c = parse(&["--root", d]).unwrap().into_config().unwrap();
    assert!(c.proxy_protocol.is_empty());
    assert_eq!(c.proxy_header_timeout, Duration::from_secs(10));
    let args = [
        "--root",
        d,
        "--proxy-protocol",
        "127.0.0.1,10.0.0.0/8",
        "--proxy-protocol",
        "::1",
    ];
    let c = parse(&args).unwrap().into_config().unwrap();
    let got: Vec<String> = c.proxy_protocol.iter().map(ToString::to_string).collect();
    assert_eq!(got, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
    assert!(crate::proxy::trusted(
        &c.proxy_protocol,
        "10.1.2.3".parse().unwrap()
    ));
}

#[test]
fn bad_proxy_protocol_entries_are_refused() {
    for bad in ["10.0.0.0/33", "balancer", "10.0.0.1,", "::/200"] {
        let e = parse(&["--root", "/", "--proxy-protocol", bad]).unwrap_err();
        assert!(e.to_string().contains("--proxy-protocol"), "{bad}: {e}");
    }
}

#[test]
fn missing_root_is_an_error() {
    let e = parse(&["--root", "/definitely/not/here"])
        .unwrap()
        .into_config()
        .unwrap_err();
    assert!(e.contains("/definitely/not/here"), "{e}");
}

#[test]
fn a_glob_examines_at_most_100k_entries_by_default() {
    let d = std::env::temp_dir();
    let c = parse(&["--root", d.to_str().unwrap()])
        .unwrap()
        .into_config()
        .unwrap();
    assert_eq!(c.max_glob_entries, 100_000);
}
