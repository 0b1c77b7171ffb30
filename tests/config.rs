//! `ftpd --config FILE`: the README's example file parses as it stands,
//! options from the file take effect, the command line and FTPD_*
//! variables win over it, and every bad file is one line naming the file
//! and the line, with exit status 2.

use std::ffi::OsString;
use std::process::Stdio;
use std::time::Duration;

use crate::support::data::RawData;
use crate::support::ftpd::{command as ftpd, listening_addr};
use crate::support::raw::RawSession;
use crate::support::run::run;

/// The README's example config file, exactly as printed there.
fn readme_example() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```toml\n# /etc/ftpd/ftpd.toml")
        .expect("the example");
    let body = &readme[start + "```toml\n".len()..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn the_readme_example_parses_with_every_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ftpd.toml");
    std::fs::write(&file, readme_example()).unwrap();
    let argv: Vec<OsString> = vec!["ftpd".into(), "--config".into(), file.clone().into()];
    let cli = match ftp_server::cli::parse(argv) {
        Ok(cli) => cli,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(cli.root.as_deref(), Some(std::path::Path::new("/srv/ftp")));
    assert_eq!(cli.listen.to_string(), "0.0.0.0:21");
    assert_eq!(cli.passive_ports, Some((50000, 50100)));
    assert_eq!(cli.max_sessions, 512);
    assert_eq!(
        cli.public_addr.map(|a| a.to_string()).as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(
        cli.implicit_tls_listen.map(|a| a.to_string()).as_deref(),
        Some("0.0.0.0:990")
    );
    assert!(!cli.write && !cli.anonymous && !cli.fsync);
    assert_eq!(
        cli.users_file.as_deref(),
        Some(std::path::Path::new("/etc/ftpd/users.toml"))
    );
}

/// Start ftpd, return it and the address it printed.
fn start(args: &[&str], env: &[(&str, &str)]) -> (std::process::Child, std::net::SocketAddr) {
    let mut child = ftpd(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = listening_addr(child.stdout.take().unwrap());
    (child, addr)
}

#[test]
fn the_file_applies_and_the_command_line_and_environment_win() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let file = dir.path().join("ftpd.toml");
    // A port nothing can bind: the command line's --listen must win.
    std::fs::write(
        &file,
        format!(
            "root = {:?}\nlisten = \"192.0.2.1:1\"\nwrite = true\nuser = [\"alice:pw\"]\n",
            root.to_str().unwrap()
        ),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for (env, may_write) in [(vec![], true), (vec![("FTPD_WRITE", "false")], false)] {
        let (mut child, addr) = start(&["--config", f, "--listen", "127.0.0.1:0"], &env);
        let mut s = RawSession::connect(addr);
        s.expect("USER anonymous", 331);
        s.expect("PASS x", 530);
        s.expect("USER alice", 331);
        s.expect("PASS pw", 230);
        let t = s.upload("STOR f.txt", b"x");
        assert_eq!(t.final_code() == 226, may_write, "{env:?}: {t:?}");
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(root.join("f.txt").exists());
}

#[test]
fn a_bad_file_is_one_line_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let path = file.to_str().unwrap().to_string();
    for (text, line, needle) in [
        ("root = \"/tmp\"\nnope = 1\n", 2, "unknown key \"nope\""),
        (
            "root = \"/tmp\"\n\npassive_ports = \"5-1\"\n",
            3,
            "--passive-ports",
        ),
        ("write = \"yes\"\nroot = \"/tmp\"\n", 1, "true or false"),
        (
            "root = \"/tmp\"\nmax_sessions = \"many\"\n",
            2,
            "--max-sessions",
        ),
        ("root = \"/tmp\"\nlisten = [\"a\", \"b\"]\n", 2, "one value"),
        ("root = [\n", 1, ""),
        ("config = \"/etc/other.toml\"\n", 1, "unknown key"),
    ] {
        std::fs::write(&file, text).unwrap();
        let ran = run(
            &mut ftpd(&["--config", &path], &[]),
            Duration::from_secs(20),
        );
        assert_eq!(ran.code(), Some(2), "{text:?}: {}", ran.describe("exit 2"));
        let lines: Vec<&str> = ran.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{text:?}: {}", ran.stderr);
        assert!(
            lines[0].starts_with(&format!("ftpd: {path}:{line}: ")),
            "{text:?}: {}",
            lines[0]
        );
        assert!(lines[0].contains(needle), "{text:?}: {}", lines[0]);
        assert!(ran.stdout.is_empty());
    }
    let ran = run(
        &mut ftpd(&["--config", "/no/such/ftpd.toml"], &[]),
        Duration::from_secs(20),
    );
    assert_eq!(ran.code(), Some(2));
    assert!(ran.stderr.contains("/no/such/ftpd.toml"), "{}", ran.stderr);
}
