//! No data loss under faults, each checked on disk: a client killed mid-STOR
//! and ABOR mid-STOR leave the old file intact with no temp file visible;
//! SIGTERM mid-RETR lets the transfer finish within the grace period; a
//! full disk answers 452/552, keeps the old file and the next upload that
//! fits succeeds.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::support::ftpd::Ftpd;
use crate::support::raw::RawSession;
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// Names in a directory, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Start `STOR name` and send `body` over the data connection, leaving it open.
fn start_upload(s: &mut RawSession, name: &str, body: &[u8]) -> TcpStream {
    s.expect("TYPE I", 200);
    let mut data = s.pasv_data();
    s.expect(&format!("STOR {name}"), 150);
    data.write_all(body).unwrap();
    data
}

#[test]
fn client_killed_mid_stor_leaves_the_old_file_intact() {
    let srv = TestServer::start();
    let old = pseudo_random(50_000, 1);
    std::fs::write(srv.path("f"), &old).unwrap();
    // A real process, really killed (see `kill_mid_upload`).
    crate::support::run::kill_mid_upload(srv.port(), "f", 300_000);
    // The session ends and cleans up; a new session proves the server is fine.
    let mut again = RawSession::login(srv.addr);
    again.expect("NOOP", 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while names(&srv.root()) != vec!["f".to_string()] {
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {:?}",
            names(&srv.root())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sha256_file(&srv.path("f")), sha256(&old));
    // And the temp name never shows in a listing.
    let mut list = again.pasv_data();
    again.expect("NLST", 150);
    let mut text = String::new();
    list.read_to_string(&mut text).unwrap();
    assert_eq!(again.reply().code.0, 226);
    assert_eq!(text.trim(), "f");
}

#[test]
fn abor_mid_stor_leaves_the_old_file_intact() {
    let srv = TestServer::start();
    let old = pseudo_random(50_000, 3);
    std::fs::write(srv.path("f"), &old).unwrap();
    let mut s = RawSession::login(srv.addr);
    let data = start_upload(&mut s, "f", &pseudo_random(200_000, 4));
    s.send("ABOR");
    let first = s.reply();
    assert_eq!(first.code.0, 426, "{first:?}");
    assert_eq!(s.reply().code.0, 226);
    drop(data);
    s.expect("NOOP", 200);
    assert_eq!(names(&srv.root()), vec!["f".to_string()]);
    assert_eq!(sha256_file(&srv.path("f")), sha256(&old));
}

#[test]
fn completed_stor_replaces_the_file() {
    // The counterpart of the two above: a clean EOF does replace the file.
    let srv = TestServer::start();
    std::fs::write(srv.path("f"), b"old").unwrap();
    let new = pseudo_random(100_000, 5);
    let mut s = RawSession::login(srv.addr);
    let data = start_upload(&mut s, "f", &new);
    data.shutdown(Shutdown::Both).unwrap();
    drop(data);
    assert_eq!(s.reply().code.0, 226);
    assert_eq!(sha256_file(&srv.path("f")), sha256(&new));
    assert_eq!(names(&srv.root()), vec!["f".to_string()]);
}

#[test]
fn sigterm_mid_retr_lets_the_transfer_finish_then_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let body = pseudo_random(8 * 1024 * 1024, 6);
    std::fs::write(dir.path().join("big"), &body).unwrap();
    let root = dir.path().to_str().unwrap();
    let mut ftpd = Ftpd::spawn(&["--root", root, "--shutdown-grace", "20"]);
    let mut s = RawSession::login(ftpd.addr);
    s.expect("TYPE I", 200);
    let mut data = s.pasv_data();
    s.expect("RETR big", 150);
    // Read a little, then signal while most of the file is still to come.
    let mut got = vec![0u8; 64 * 1024];
    data.read_exact(&mut got).unwrap();
    assert_eq!(unsafe { libc::kill(ftpd.pid() as i32, libc::SIGTERM) }, 0);
    // New connections are refused promptly once the signal is handled.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(ftpd.addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "still accepting after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut rest = Vec::new();
    data.read_to_end(&mut rest).unwrap();
    got.extend_from_slice(&rest);
    assert_eq!(sha256(&got), sha256(&body), "the transfer was cut short");
    assert_eq!(s.reply().code.0, 226);
    let bye = s.reply();
    assert_eq!(bye.code.0, 421, "{bye:?}");
    let status = ftpd
        .wait_exit(Duration::from_secs(20))
        .expect("ftpd did not exit");
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigterm_when_idle_sends_421_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut ftpd = Ftpd::spawn(&["--root", dir.path().to_str().unwrap()]);
    let mut s = RawSession::login(ftpd.addr);
    assert_eq!(unsafe { libc::kill(ftpd.pid() as i32, libc::SIGTERM) }, 0);
    let r = s.reply();
    assert_eq!(r.code.0, 421, "{r:?}");
    let status = ftpd
        .wait_exit(Duration::from_secs(20))
        .expect("ftpd did not exit");
    assert!(status.success(), "{status:?}");
}

/// A 1 MiB tmpfs, unmounted on drop.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    fn mount() -> SmallFs {
        crate::support::require_root("it mounts a 1 MiB tmpfs");
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "mount tmpfs failed");
        SmallFs { dir }
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn disk_full_gives_452_or_552_keeps_the_old_file_and_the_next_fitting_upload_works() {
    let fs = SmallFs::mount();
    let root = fs.dir.path().to_path_buf();
    let srv = TestServer::start_with(|c| {
        c.write = true;
        c.root = root.clone();
    });
    let old = pseudo_random(100_000, 7);
    std::fs::write(root.join("f"), &old).unwrap();
    let mut s = RawSession::login(srv.addr);
    s.expect("TYPE I", 200);
    let mut data = s.pasv_data();
    s.expect("STOR f", 150);
    // 2 MiB into a 1 MiB filesystem; the server may stop reading early.
    let _ = data.write_all(&pseudo_random(2 * 1024 * 1024, 8));
    let _ = data.shutdown(Shutdown::Write);
    let r = s.reply();
    assert!(matches!(r.code.0, 452 | 552), "{r:?}");
    drop(data);
    assert_eq!(sha256_file(&root.join("f")), sha256(&old));
    assert_eq!(names(&root), vec!["f".to_string()]);
    // The server keeps serving, and an upload that fits succeeds.
    let small = pseudo_random(10_000, 9);
    let mut data = s.pasv_data();
    s.expect("STOR g", 150);
    data.write_all(&small).unwrap();
    drop(data);
    assert_eq!(s.reply().code.0, 226);
    assert_eq!(sha256_file(&root.join("g")), sha256(&small));
}
