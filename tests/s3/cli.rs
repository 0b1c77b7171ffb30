//! The S3 command line: exactly one of --root and --storage, credentials
//! from the AWS variables (never printed, even in a trace-level log),
//! FTPD_STORAGE / FTPD_S3_ENDPOINT, and one-line errors for a bad URL,
//! missing credentials or a missing bucket.

use std::time::Duration;

use super::login;
use crate::support::data::RawData;
use crate::support::ftpd::command as ftpd;
use crate::support::run::run;
use crate::support::s3::{Bucket, KEY_ID, SECRET};

/// Run ftpd expecting a failure with `code` and a one-line message on
/// stderr containing `needle`, and nothing on stdout.
fn one_line_error(args: &[&str], env: &[(&str, &str)], code: i32, needle: &str) {
    let ran = run(&mut ftpd(args, env), Duration::from_secs(30));
    assert_eq!(ran.code(), Some(code), "{}", ran.describe("exit code"));
    assert!(ran.stdout.is_empty(), "{}", ran.describe("stdout"));
    let lines: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "{}", ran.describe("one line"));
    assert!(lines[0].contains(needle), "{}", ran.describe(needle));
}

#[test]
fn exactly_one_of_root_and_storage_and_clear_errors() {
    let creds = [
        ("AWS_ACCESS_KEY_ID", KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    let listen = ["--listen", "127.0.0.1:0"];
    let with = |more: &[&'static str]| -> Vec<&'static str> {
        listen.iter().chain(more).copied().collect()
    };
    one_line_error(
        &with(&["--root", "/tmp", "--storage", "s3://b"]),
        &creds,
        2,
        "--storage",
    );
    one_line_error(&with(&[]), &creds, 2, "--root");
    one_line_error(&with(&["--storage", "http://b"]), &creds, 1, "s3://BUCKET");
    one_line_error(&with(&["--storage", "s3://"]), &creds, 1, "no bucket");
    one_line_error(&with(&["--storage", "s3://b"]), &[], 1, "AWS_ACCESS_KEY_ID");
    one_line_error(
        &with(&["--storage", "s3://b", "--s3-endpoint", "ftp://x"]),
        &creds,
        1,
        "--s3-endpoint",
    );
    let endpoint = crate::support::s3::moto().endpoint.clone();
    let mut args = with(&["--storage", "s3://no-such-bucket-here", "--s3-endpoint"]);
    args.push(&endpoint);
    one_line_error(&args, &creds, 1, "no bucket \"no-such-bucket-here\"");
}

#[test]
fn storage_from_the_environment_and_credentials_never_logged() {
    let bucket = Bucket::new();
    let secret = "sEcReT-ftpd-test-7f3a9c";
    let session_token = "ToKeN-ftpd-test-51b2e8";
    let storage = format!("s3://{}/env", bucket.name);
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = ftpd(
        &["--listen", "127.0.0.1:0", "--write"],
        &[
            ("FTPD_STORAGE", &storage),
            ("FTPD_S3_ENDPOINT", &bucket.endpoint),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_SESSION_TOKEN", session_token),
            ("FTPD_LOG", "trace"),
        ],
    )
    .stdout(std::fs::File::create(&out).unwrap())
    .stderr(std::fs::File::create(&err).unwrap())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let addr = loop {
        let text = std::fs::read_to_string(&out).unwrap();
        if let Some(line) = text.lines().find(|l| l.contains("listening on ftp://")) {
            assert!(line.ends_with(&format!("serving {storage}")), "{line}");
            let at = line.split("ftp://").nth(1).unwrap();
            break at.split(' ').next().unwrap().parse().unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "no listening line");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut r = login(addr);
    r.stor("f.txt", b"from env");
    assert_eq!(r.retr("f.txt"), b"from env");
    r.expect("MKD d", 257);
    drop(r);
    let _ = child.kill();
    let _ = child.wait();
    assert!(bucket.object("env/f.txt").is_some());
    let log = std::fs::read_to_string(&err).unwrap() + &std::fs::read_to_string(&out).unwrap();
    assert!(
        log.contains("STOR") || log.len() > 1000,
        "trace log written: {log}"
    );
    assert!(!log.contains(secret), "the secret key is in the log");
    assert!(
        !log.contains(session_token),
        "the session token is in the log"
    );
}
