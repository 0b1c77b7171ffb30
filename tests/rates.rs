//! Bandwidth caps: `--max-rate-down` / `--max-rate-up` (zero-copy and
//! copying paths), per-user caps from the users file, and `ftpc
//! --limit-rate`. A 3 MiB transfer capped at 1 MiB/s must take at least
//! about 2.5 s; no upper bound on speed is ever asserted. Content is
//! checked by hash, and bad rates are one-line errors.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_server::Rates;

use crate::client::ftpc_in;
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::run::run;
use crate::support::{pseudo_random, sha256, sha256_file, workspace_bin, TestServer};

const MIB: usize = 1 << 20;
const FLOOR: Duration = Duration::from_millis(2500);

fn capped(down: Option<u64>, up: Option<u64>) -> TestServer {
    TestServer::start_with(move |c| {
        c.write = true;
        c.max_rate = Rates { down, up };
    })
}

#[test]
fn downloads_are_capped_with_sendfile_and_with_copying() {
    let server = capped(Some(MIB as u64), None);
    let body = pseudo_random(3 * MIB, 1);
    std::fs::write(server.path("f.bin"), &body).unwrap();
    let mut r = RawSession::login(server.addr);
    for ty in ["TYPE I", "TYPE A"] {
        r.expect(ty, 200);
        let t0 = Instant::now();
        let got = r.retr("f.bin");
        let took = t0.elapsed();
        assert!(took >= FLOOR, "{ty}: 3 MiB at 1 MiB/s took {took:?}");
        if ty == "TYPE I" {
            assert_eq!(sha256(&got), sha256(&body));
        }
    }
}

#[test]
fn uploads_are_capped_and_arrive_whole() {
    let server = capped(None, Some(MIB as u64));
    let body = pseudo_random(3 * MIB, 2);
    let mut r = RawSession::login(server.addr);
    r.expect("TYPE I", 200);
    let t0 = Instant::now();
    r.stor("up.bin", &body);
    let took = t0.elapsed();
    assert!(took >= FLOOR, "3 MiB at 1 MiB/s took {took:?}");
    assert_eq!(sha256_file(&server.path("up.bin")), sha256(&body));
    // The other direction is not capped by --max-rate-up.
    assert_eq!(sha256(&r.retr("up.bin")), sha256(&body));
}

#[test]
fn a_users_file_cap_applies_to_that_user() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let hash = ftp_server::accounts::hash_password_from("pw\n".as_bytes()).unwrap();
    std::fs::write(
        &users,
        format!(
            "[[user]]\nname = \"slow\"\npassword = \"{hash}\"\nmax_rate_down = \"1M\"\n\n\
             [[user]]\nname = \"free\"\npassword = \"{hash}\"\n"
        ),
    )
    .unwrap();
    let root_holder = tempfile::tempdir().unwrap();
    let accounts =
        Arc::new(ftp_server::accounts::Accounts::load(&users, root_holder.path(), 2).unwrap());
    let server = TestServer::start_with(move |c| {
        c.accounts = Some(accounts);
        c.anonymous = false;
    });
    let body = pseudo_random(3 * MIB, 3);
    std::fs::write(server.path("f.bin"), &body).unwrap();
    for (user, floor) in [("slow", Some(FLOOR)), ("free", None)] {
        let mut r = RawSession::connect(server.addr);
        r.expect(&format!("USER {user}"), 331);
        r.expect("PASS pw", 230);
        r.expect("TYPE I", 200);
        let t0 = Instant::now();
        assert_eq!(sha256(&r.retr("f.bin")), sha256(&body), "{user}");
        if let Some(floor) = floor {
            assert!(t0.elapsed() >= floor, "{user}: {:?}", t0.elapsed());
        }
    }
    // A bad rate in the file names the line.
    std::fs::write(
        &users,
        format!("[[user]]\nname = \"x\"\npassword = \"{hash}\"\nmax_rate_up = \"fast\"\n"),
    )
    .unwrap();
    let e = ftp_server::accounts::Accounts::load(&users, root_holder.path(), 2).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("line 4") && text.contains("max_rate_up"),
        "{text}"
    );
}

#[test]
fn ftpc_limit_rate_caps_get_and_put() {
    let server = TestServer::start();
    let body = pseudo_random(3 * MIB, 4);
    std::fs::write(server.path("f.bin"), &body).unwrap();
    let local = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    ftpc_in(
        local.path(),
        &["--limit-rate", "1M", "get", &server.url("f.bin"), "got.bin"],
    )
    .ok();
    assert!(t0.elapsed() >= FLOOR, "get took {:?}", t0.elapsed());
    assert_eq!(sha256_file(&local.path().join("got.bin")), sha256(&body));
    let t0 = Instant::now();
    ftpc_in(
        local.path(),
        &[
            "put",
            "got.bin",
            &server.url("back.bin"),
            "--limit-rate",
            "1024k",
        ],
    )
    .ok();
    assert!(t0.elapsed() >= FLOOR, "put took {:?}", t0.elapsed());
    assert_eq!(sha256_file(&server.path("back.bin")), sha256(&body));
    let bad = ftpc_in(
        local.path(),
        &["--limit-rate", "1.5M", "get", &server.url("f.bin")],
    );
    assert_eq!(bad.code(), Some(2), "{}", bad.describe());
    assert!(
        bad.stderr.contains("K, M or G") || bad.stderr.contains("bad rate"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_bad_server_rate_is_a_one_line_error() {
    let ran = run(
        std::process::Command::new(workspace_bin("ftpd"))
            .args(["--root", "/tmp", "--max-rate-down", "2T"])
            .env_remove("FTPD_MAX_RATE_DOWN"),
        Duration::from_secs(20),
    );
    assert_eq!(ran.code(), Some(2), "{}", ran.describe("exit 2"));
    assert_eq!(ran.stderr.trim().lines().count(), 1, "{}", ran.stderr);
    assert!(ran.stderr.contains("K, M or G"), "{}", ran.stderr);
}
