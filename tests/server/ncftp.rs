//! ncftp's command-line tools against `ftpd`: `ncftpget -R` and
//! `ncftpput -R` of the sample tree (spaces, non-ASCII names, empty files
//! and directories; whole trees compared by hash, times compared to the
//! second), both in passive and active (`-E`, PORT) mode, resumed
//! transfers (REST), and `ncftpls -l` (Unix `ls -l` lines from LIST). ncftp's `-d` dialogue is checked where
//! the outcome alone would not show what it did: `ncftpget -R` first asks
//! for `DIR.tar` (wu-ftpd's on-the-fly tar) and must fall back to walking
//! the tree when that is refused.

use std::path::Path;
use std::time::SystemTime;

use crate::support::run::{ncftp, Ran};
use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// A server with write access and the login `u`/`p` that `ncftp` uses.
fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.write = true;
        c.users = vec![ftp_server::User {
            name: "u".into(),
            password: "p".into(),
        }];
    })
}

/// True when ncftp's dialogue log shows it sent `line` exactly.
fn sent(ran: &Ran, line: &str) -> bool {
    ran.stderr
        .lines()
        .any(|l| l.split_once("Cmd: ").is_some_and(|(_, c)| c == line))
}

/// The reply ncftp logged right after sending `line`.
fn reply_to<'a>(ran: &'a Ran, line: &str) -> Option<&'a str> {
    let mut lines = ran.stderr.lines();
    lines.find(|l| l.split_once("Cmd: ").is_some_and(|(_, c)| c == line))?;
    lines.next()
}

fn mtime_secs(p: &Path) -> u64 {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .expect("mtime")
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Set `p`'s modification time to `secs` after the epoch.
fn set_mtime(p: &Path, secs: u64) {
    let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    std::fs::File::options()
        .write(true)
        .open(p)
        .and_then(|f| f.set_modified(t))
        .expect("set mtime");
}

/// 2021-03-04 05:06:07 UTC: far from "now", so a copy that did not keep
/// the time cannot match it by accident.
const OLD: u64 = 1_614_834_367;

#[test]
fn ncftpget_recursive_downloads_nested_tree() {
    let s = server();
    write_sample_tree(&s.path("tree"));
    set_mtime(&s.path("tree/with space/big file.bin"), OLD);
    let local = tempfile::tempdir().expect("tempdir");

    let ran = ncftp(
        "ncftpget",
        local.path(),
        s.port(),
        ["-V", "-R", "127.0.0.1", ".", "/tree"],
    );
    ran.ok();
    assert_same(&s.path("tree"), &local.path().join("tree"));
    // The tar probe was refused cleanly and ncftp walked the tree instead.
    let tar = reply_to(&ran, "RETR /tree.tar").unwrap_or_default();
    assert!(tar.contains("550"), "{}", ran.describe("RETR /tree.tar"));
    assert!(sent(&ran, "MLSD"), "{}", ran.describe("no MLSD"));
    // ncftpget keeps the server's time (MDTM).
    assert_eq!(
        mtime_secs(&local.path().join("tree/with space/big file.bin")),
        OLD
    );
}

#[test]
fn ncftpput_recursive_uploads_nested_tree() {
    let s = server();
    let local = tempfile::tempdir().expect("tempdir");
    let src = local.path().join("src");
    write_sample_tree(&src);
    set_mtime(&src.join("données/été/café.bin"), OLD);

    // `-m`: create the remote directory /dest first (it does not exist).
    let ran = ncftp(
        "ncftpput",
        local.path(),
        s.port(),
        ["-V", "-m", "-R", "127.0.0.1", "/dest", "src"],
    );
    ran.ok();
    assert_same(&src, &s.path("dest/src"));
    // ncftpput sets the time with MFMT, which FEAT advertises.
    assert!(
        sent(&ran, "MFMT 20210304050607 src/données/été/café.bin"),
        "{}",
        ran.describe("no MFMT")
    );
    assert_eq!(mtime_secs(&s.path("dest/src/données/été/café.bin")), OLD);
}

#[test]
fn ncftpput_to_a_missing_directory_without_m_fails_and_writes_nothing() {
    let s = server();
    let local = tempfile::tempdir().expect("tempdir");
    std::fs::write(local.path().join("f.bin"), pseudo_random(1000, 41)).expect("write");

    let ran = ncftp(
        "ncftpput",
        local.path(),
        s.port(),
        ["-V", "127.0.0.1", "/nowhere", "f.bin"],
    );
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("upload into a missing directory")
    );
    let cwd = reply_to(&ran, "CWD /nowhere").unwrap_or_default();
    assert!(cwd.contains("550"), "{}", ran.describe("CWD /nowhere"));
    assert!(!s.path("nowhere").exists());
}

#[test]
fn ncftpls_long_shows_modes_sizes_and_names() {
    use std::os::unix::fs::PermissionsExt;
    let s = server();
    std::fs::create_dir_all(s.path("pub/sub dir")).expect("mkdir");
    std::fs::write(s.path("pub/report 2024.txt"), pseudo_random(4321, 42)).expect("write");
    std::fs::set_permissions(
        s.path("pub/report 2024.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::fs::write(s.path("pub/grüße.bin"), pseudo_random(77, 43)).expect("write");
    let local = tempfile::tempdir().expect("tempdir");

    let url = format!("ftp://127.0.0.1:{}/pub/", s.port());
    let ran = ncftp("ncftpls", local.path(), s.port(), ["-l", url.as_str()]);
    ran.ok();
    assert!(sent(&ran, "LIST"), "{}", ran.describe("no LIST"));
    let line_for = |name: &str| {
        ran.stdout
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap_or_else(|| panic!("{}", ran.describe(&format!("no line for {name}"))))
    };
    let file = line_for("report 2024.txt");
    assert!(file.starts_with("-rw-r-----"), "mode: {file}");
    assert!(file.split_whitespace().any(|w| w == "4321"), "size: {file}");
    let utf = line_for("grüße.bin");
    assert!(utf.split_whitespace().any(|w| w == "77"), "size: {utf}");
    assert!(line_for("sub dir").starts_with('d'), "directory");
    assert_eq!(ran.stdout.lines().count(), 3, "{}", ran.describe("lines"));
}

#[test]
fn ncftp_active_mode_get_and_put_of_a_tree() {
    let s = server();
    write_sample_tree(&s.path("tree"));
    let local = tempfile::tempdir().expect("tempdir");

    // `-E`: PORT data connections; ftpd connects back to ncftp.
    let got = ncftp(
        "ncftpget",
        local.path(),
        s.port(),
        ["-E", "-V", "-R", "127.0.0.1", ".", "/tree"],
    );
    got.ok();
    assert_same(&s.path("tree"), &local.path().join("tree"));
    let put = ncftp(
        "ncftpput",
        local.path(),
        s.port(),
        ["-E", "-V", "-m", "-R", "127.0.0.1", "/back", "tree"],
    );
    put.ok();
    assert_same(&s.path("tree"), &s.path("back/tree"));
    for ran in [&got, &put] {
        let port = ran.stderr.lines().any(|l| l.contains("Cmd: PORT "));
        assert!(port, "{}", ran.describe("no PORT"));
        assert!(!sent(ran, "PASV"), "{}", ran.describe("passive"));
    }
}

#[test]
fn ncftp_resumes_a_download_and_an_upload() {
    let s = server();
    let local = tempfile::tempdir().expect("tempdir");
    let content = pseudo_random(800_000, 44);
    // A download cut at 300,000 bytes, and an upload cut at 200,000.
    std::fs::write(s.path("down.bin"), &content).expect("write");
    std::fs::write(local.path().join("down.bin"), &content[..300_000]).expect("write");
    std::fs::write(local.path().join("up.bin"), &content).expect("write");
    std::fs::write(s.path("up.bin"), &content[..200_000]).expect("write");

    // ncftpget resumes by default (-z).
    let got = ncftp(
        "ncftpget",
        local.path(),
        s.port(),
        ["-V", "127.0.0.1", ".", "/down.bin"],
    );
    got.ok();
    assert!(sent(&got, "REST 300000"), "{}", got.describe("no REST"));
    assert_eq!(
        sha256_file(&local.path().join("down.bin")),
        sha256(&content)
    );

    // ncftpput -z: REST then STOR, which writes from that offset. `-s`
    // (no sendfile): ncftp 3.2.6's sendfile path sends the whole file
    // after the REST, from byte 0, which no server can tell apart from
    // the rest of the file (ftpd then holds 200,000 bytes too many).
    let put = ncftp(
        "ncftpput",
        local.path(),
        s.port(),
        ["-V", "-z", "-s", "127.0.0.1", "/", "up.bin"],
    );
    put.ok();
    assert!(sent(&put, "REST 200000"), "{}", put.describe("no REST"));
    assert_eq!(sha256_file(&s.path("up.bin")), sha256(&content));
}
