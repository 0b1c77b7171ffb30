//! The `ftpd` command-line contract: every option from `FTPD_<NAME>`
//! variables, and a bad flag, a missing root or a port in use each give a
//! one-line error and a non-zero exit. The process keeps serving when
//! nobody reads its stdout or stderr any more, and a normal TLS client
//! leaves no warning in the default log.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::raw::RawSession;
use crate::support::run::run;
use crate::support::{sha256, sha256_file, workspace_bin};

/// `ftpd` with a clean environment (no FTPD_* leaking in) plus `env`.
fn ftpd(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(workspace_bin("ftpd"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FTPD_") {
            cmd.env_remove(key);
        }
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd
}

/// Run `ftpd` expecting it to fail at once; returns its stderr.
fn fails(args: &[&str], env: &[(&str, &str)]) -> String {
    let ran = run(&mut ftpd(args, env), Duration::from_secs(20));
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("should have failed")
    );
    assert!(
        ran.stdout.is_empty(),
        "{}",
        ran.describe("printed a listening line")
    );
    let lines: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty(), "{}", ran.describe("no error message"));
    ran.stderr
}

#[test]
fn options_come_from_ftpd_environment_variables() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap().to_string();
    let mut child = ftpd(
        &[],
        &[
            ("FTPD_ROOT", root.as_str()),
            ("FTPD_LISTEN", "127.0.0.1:0"),
            ("FTPD_WRITE", "true"),
            ("FTPD_USER", "envuser:envpass"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr: std::net::SocketAddr = line
        .split("ftp://")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    // FTPD_USER made a login, which turned anonymous off; FTPD_WRITE allows STOR.
    let mut s = RawSession::connect(addr);
    s.expect("USER anonymous", 331);
    s.expect("PASS x", 530);
    s.expect("USER envuser", 331);
    s.expect("PASS envpass", 230);
    s.expect("TYPE I", 200);
    let mut data = s.pasv_data();
    s.expect("STOR env.bin", 150);
    std::io::Write::write_all(&mut data, b"from env").unwrap();
    drop(data);
    assert_eq!(s.reply().code.0, 226);
    assert_eq!(
        sha256_file(&dir.path().join("env.bin")),
        sha256(b"from env")
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_bad_flag_is_a_short_error() {
    let err = fails(&["--root", "/tmp", "--no-such-flag"], &[]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--no-such-flag"), "{err}");
    let err = fails(&["--listen", "127.0.0.1:0"], &[]);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--root"), "{err}");
}

#[test]
fn a_missing_root_is_a_one_line_error() {
    let err = fails(
        &["--root", "/definitely/not/here", "--listen", "127.0.0.1:0"],
        &[],
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/definitely/not/here"), "{err}");
}

#[test]
fn a_port_in_use_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let err = fails(
        &["--root", dir.path().to_str().unwrap(), "--listen", &addr],
        &[],
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains(&addr) && err.contains("in use"), "{err}");
}

/// Regressions: ftpd printed its start-up lines with `println!`, which
/// panics when stdout is a pipe nobody reads any more (a script that took
/// the address and closed it), so the server died before serving anyone;
/// and with stderr's reader gone, every log line made tracing-subscriber
/// `eprintln!` about it, which panicked the session that logged: every
/// connection closed before its greeting. Here stdout's reader is gone
/// before ftpd starts, and stderr's once the address is logged.
#[test]
fn ftpd_serves_on_when_nobody_reads_its_stdout_or_stderr() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = ftpd(
        &[
            "--root",
            dir.path().to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--tls-self-signed",
        ],
        &[],
    )
    .stdout(writer)
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut seen = Vec::new();
    let mut addr = None;
    let mut fingerprint = false;
    let lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.take(100).map_while(Result::ok) {
        if let Some((_, tail)) = line.split_once("ftp://127.0.0.1:") {
            let port: String = tail.chars().take_while(char::is_ascii_digit).collect();
            addr = port.parse::<u16>().ok();
        }
        fingerprint |= line.contains("SHA-256 fingerprint");
        seen.push(line);
        if addr.is_some() && fingerprint {
            break;
        }
    }
    let Some(port) = addr.filter(|_| fingerprint) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "no address and fingerprint in the log:\n{}",
            seen.join("\n")
        );
    };
    // `lines` (the only reader of stderr) is gone; every session logs.
    for _ in 0..3 {
        let mut s = RawSession::login(([127, 0, 0, 1], port).into());
        s.expect("NOOP", 200);
        s.expect("QUIT", 221);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Regression: lftp (GnuTLS) sends the IP address it connects to as SNI,
/// which RFC 6066 forbids; rustls ignores it but logged a WARN for every
/// control and data connection, hundreds in one mirror. A normal client
/// must leave no warning in the default log.
#[test]
fn a_gnutls_client_naming_an_ip_in_sni_leaves_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("f.txt"), b"over TLS").unwrap();
    let err = dir.path().join("stderr");
    let mut child = ftpd(
        &[
            "--root",
            root.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--tls-self-signed",
            "--user",
            "u:p",
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(std::fs::File::create(&err).unwrap())
    .spawn()
    .unwrap();
    // Keep reading stdout (the fingerprint line comes after the address),
    // so no write to it fails.
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    let drain = std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let addr = crate::support::ftpd::listening_addr(first.as_bytes());
    let local = tempfile::tempdir().unwrap();
    let script = "set ftp:ssl-force true; set ftp:ssl-protect-data true; \
                  set ssl:verify-certificate no; get f.txt -o got.txt";
    let ran = crate::support::run::lftp(addr.port(), Some(("u", "p")), local.path(), script);
    let _ = child.kill();
    let _ = child.wait();
    let _ = drain.join();
    ran.ok();
    assert_eq!(
        std::fs::read(local.path().join("got.txt")).unwrap(),
        b"over TLS"
    );
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(log.contains("control connection now TLS"), "{log}");
    assert!(
        !log.contains("WARN"),
        "warnings for a normal client:\n{log}"
    );
}
