//! rclone (Debian's) against `ftpd`, with an FTP remote configured only by
//! environment variables: `copy` up keeps every file's content and its
//! modification time (rclone sets it with MFMT), `check` finds no
//! difference, a second `copy` transfers nothing, and `copy` back gives
//! the same tree with the same times.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::run::{run, Ran};
use crate::support::tree::{assert_same, sample_files, write_sample_tree};
use crate::support::{require_tool, TestServer};

/// rclone with remote `t:` pointing at the server, and no user config.
fn rclone(port: u16, config_dir: &Path, args: &[&str]) -> Ran {
    require_tool("rclone");
    let obscured = run(
        Command::new("rclone").args(["obscure", "rclone@example.com"]),
        Duration::from_secs(30),
    );
    obscured.ok();
    let mut cmd = Command::new("rclone");
    cmd.args(args)
        .args(["--retries", "1", "--low-level-retries", "1"])
        .args(["--contimeout", "5s", "--timeout", "20s", "-v"])
        .env("RCLONE_CONFIG", config_dir.join("rclone.conf"))
        .env("RCLONE_CONFIG_T_TYPE", "ftp")
        .env("RCLONE_CONFIG_T_HOST", "127.0.0.1")
        .env("RCLONE_CONFIG_T_PORT", port.to_string())
        .env("RCLONE_CONFIG_T_USER", "anonymous")
        .env("RCLONE_CONFIG_T_PASS", obscured.stdout.trim());
    run(&mut cmd, Duration::from_secs(120))
}

/// Whole-second modification time of `path`.
fn mtime(path: &Path) -> u64 {
    let m = std::fs::metadata(path)
        .expect("stat")
        .modified()
        .expect("mtime");
    m.duration_since(UNIX_EPOCH).expect("after 1970").as_secs()
}

/// rclone's -v log line for each file it copied.
fn copied(ran: &Ran) -> usize {
    ran.stderr
        .lines()
        .filter(|l| l.contains(": Copied"))
        .count()
}

#[test]
fn rclone_copy_check_and_copy_back_keep_content_and_times() {
    let s = TestServer::start();
    let work = tempfile::tempdir().expect("tempdir");
    let src = work.path().join("src");
    write_sample_tree(&src);
    // Distinct times in the past, so a kept time cannot be "now".
    for (i, (rel, _)) in sample_files().iter().enumerate() {
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000 + 7_777 * i as u64);
        let f = std::fs::File::options()
            .write(true)
            .open(src.join(rel))
            .expect("open");
        f.set_modified(when).expect("set mtime");
    }
    let src_arg = src.to_str().expect("utf-8 path");
    let port = s.port();
    let up = rclone(
        port,
        work.path(),
        &["copy", "--create-empty-src-dirs", src_arg, "t:dst"],
    );
    up.ok();
    assert_eq!(copied(&up), sample_files().len(), "{}", up.stderr);
    assert_same(&src, &s.path("dst"));
    for (rel, _) in sample_files() {
        assert_eq!(
            mtime(&src.join(rel)),
            mtime(&s.path(&format!("dst/{rel}"))),
            "{rel}"
        );
    }

    let check = rclone(port, work.path(), &["check", src_arg, "t:dst"]);
    check.ok();
    assert!(
        check.stderr.contains("0 differences found"),
        "{}",
        check.stderr
    );

    let inode = |rel: &str| {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(s.path(rel)).expect("stat"))
    };
    let before = inode("dst/top.txt");
    let again = rclone(port, work.path(), &["copy", src_arg, "t:dst"]);
    again.ok();
    assert_eq!(
        copied(&again),
        0,
        "second copy sent files: {}",
        again.stderr
    );
    assert_eq!(inode("dst/top.txt"), before, "top.txt was rewritten");

    let back = work.path().join("back");
    let down = rclone(
        port,
        work.path(),
        &[
            "copy",
            "--create-empty-src-dirs",
            "t:dst",
            back.to_str().expect("utf-8"),
        ],
    );
    down.ok();
    assert_same(&src, &back);
    for (rel, _) in sample_files() {
        assert_eq!(
            mtime(&src.join(rel)),
            mtime(&back.join(rel)),
            "{rel} copied back"
        );
    }
}
