//! curl against `ftpd`: listing, download and upload in passive (EPSV and
//! PASV) and active (EPRT and PORT) mode, resume both ways, directory
//! creation, and `-Q` quote commands. curl sends SIZE before every binary
//! RETR and checks the byte count, so these also pin SIZE down.

use crate::support::run::{curl, Ran};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// True when curl's verbose log shows it sent `verb` (`> VERB ...`).
fn sent(ran: &Ran, verb: &str) -> bool {
    ran.stderr.lines().any(|l| {
        l.strip_prefix("> ")
            .is_some_and(|c| c.split(' ').next() == Some(verb))
    })
}

/// A local path as a curl argument (test temp paths are always UTF-8).
fn p(path: &std::path::Path) -> String {
    path.to_str().expect("UTF-8 temp path").to_string()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn curl_lists_directory_with_list_and_nlst() {
    let s = TestServer::start();
    std::fs::write(s.path("hello.txt"), b"hi\n").expect("write");
    std::fs::create_dir(s.path("subdir")).expect("mkdir");

    let list = curl([s.url("/")]);
    list.ok();
    let file_line = list
        .stdout
        .lines()
        .find(|l| l.ends_with(" hello.txt"))
        .unwrap_or_else(|| panic!("{}", list.describe("no hello.txt in LIST")));
    assert!(file_line.starts_with('-'), "file line: {file_line}");
    assert!(
        file_line.split_whitespace().any(|w| w == "3"),
        "size 3 missing from {file_line}"
    );
    let dir_line = list
        .stdout
        .lines()
        .find(|l| l.ends_with(" subdir"))
        .unwrap_or_else(|| panic!("{}", list.describe("no subdir in LIST")));
    assert!(dir_line.starts_with('d'), "dir line: {dir_line}");

    let nlst = curl(["-l", &s.url("/")]);
    nlst.ok();
    let mut names: Vec<&str> = nlst
        .stdout
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["hello.txt", "subdir"], "{}", nlst.describe("NLST"));
}

#[test]
fn curl_downloads_binary_over_epsv() {
    let s = TestServer::start();
    let content = pseudo_random(1_500_000, 1);
    std::fs::write(s.path("data.bin"), &content).expect("write");
    let out = tmp();
    let dest = out.path().join("data.bin");

    let ran = curl(["-o", &p(&dest), &s.url("data.bin")]);
    ran.ok();
    assert!(
        sent(&ran, "EPSV"),
        "{}",
        ran.describe("curl did not use EPSV")
    );
    assert!(
        !sent(&ran, "PASV"),
        "{}",
        ran.describe("EPSV failed, curl fell back to PASV")
    );
    assert_eq!(sha256_file(&dest), sha256(&content));
}

#[test]
fn curl_downloads_binary_over_pasv_when_epsv_disabled() {
    let s = TestServer::start();
    let content = pseudo_random(900_001, 2);
    std::fs::write(s.path("data.bin"), &content).expect("write");
    let out = tmp();
    let dest = out.path().join("data.bin");

    let ran = curl(["--disable-epsv", "-o", &p(&dest), &s.url("data.bin")]);
    ran.ok();
    assert!(
        sent(&ran, "PASV"),
        "{}",
        ran.describe("curl did not use PASV")
    );
    assert!(!sent(&ran, "EPSV"), "{}", ran.describe("curl used EPSV"));
    assert_eq!(sha256_file(&dest), sha256(&content));
}

#[test]
fn curl_downloads_from_nested_directory_with_space() {
    let s = TestServer::start();
    let content = pseudo_random(10_000, 3);
    std::fs::create_dir_all(s.path("my dir/inner")).expect("mkdir");
    std::fs::write(s.path("my dir/inner/file one.bin"), &content).expect("write");
    let out = tmp();
    let dest = out.path().join("f");

    curl(["-o", &p(&dest), &s.url("my%20dir/inner/file%20one.bin")]).ok();
    assert_eq!(sha256_file(&dest), sha256(&content));
}

#[test]
fn curl_uploads_with_dash_t() {
    let s = TestServer::start();
    let content = pseudo_random(1_234_567, 4);
    let src = tmp();
    let local = src.path().join("up.bin");
    std::fs::write(&local, &content).expect("write");

    curl(["-T", &p(&local), &s.url("uploaded.bin")]).ok();
    assert_eq!(sha256_file(&s.path("uploaded.bin")), sha256(&content));

    // Uploading again replaces the file rather than appending to it.
    let smaller = pseudo_random(1000, 5);
    std::fs::write(&local, &smaller).expect("write");
    curl(["-T", &p(&local), &s.url("uploaded.bin")]).ok();
    assert_eq!(sha256_file(&s.path("uploaded.bin")), sha256(&smaller));
}

#[test]
fn curl_resumes_download_with_continue_at() {
    let s = TestServer::start();
    let content = pseudo_random(800_000, 6);
    std::fs::write(s.path("big.bin"), &content).expect("write");
    let out = tmp();
    let dest = out.path().join("big.bin");
    let have = 300_001;
    std::fs::write(&dest, &content[..have]).expect("write partial");

    let ran = curl(["-C", "-", "-o", &p(&dest), &s.url("big.bin")]);
    ran.ok();
    assert!(
        ran.stderr.contains(&format!("> REST {have}")),
        "{}",
        ran.describe("curl did not resume with REST")
    );
    assert_eq!(sha256_file(&dest), sha256(&content));
}

#[test]
fn curl_resumes_upload_with_appe() {
    let s = TestServer::start();
    let content = pseudo_random(600_000, 7);
    std::fs::write(s.path("part.bin"), &content[..250_000]).expect("write partial");
    let src = tmp();
    let local = src.path().join("part.bin");
    std::fs::write(&local, &content).expect("write");

    let ran = curl(["-C", "-", "-T", &p(&local), &s.url("part.bin")]);
    ran.ok();
    assert!(
        sent(&ran, "APPE"),
        "{}",
        ran.describe("curl did not resume with APPE")
    );
    assert_eq!(sha256_file(&s.path("part.bin")), sha256(&content));
}

#[test]
fn curl_active_mode_download_with_eprt() {
    let s = TestServer::start();
    let content = pseudo_random(700_000, 8);
    std::fs::write(s.path("active.bin"), &content).expect("write");
    let out = tmp();
    let dest = out.path().join("active.bin");

    let ran = curl(["-P", "127.0.0.1", "-o", &p(&dest), &s.url("active.bin")]);
    ran.ok();
    assert!(
        sent(&ran, "EPRT"),
        "{}",
        ran.describe("curl did not use EPRT")
    );
    assert!(
        !sent(&ran, "PORT"),
        "{}",
        ran.describe("EPRT failed, curl fell back to PORT")
    );
    assert_eq!(sha256_file(&dest), sha256(&content));
}

#[test]
fn curl_active_mode_upload_with_port() {
    let s = TestServer::start();
    let content = pseudo_random(500_000, 9);
    let src = tmp();
    let local = src.path().join("a.bin");
    std::fs::write(&local, &content).expect("write");

    let ran = curl([
        "-P",
        "127.0.0.1",
        "--disable-eprt",
        "-T",
        &p(&local),
        &s.url("active-up.bin"),
    ]);
    ran.ok();
    assert!(
        sent(&ran, "PORT"),
        "{}",
        ran.describe("curl did not use PORT")
    );
    assert_eq!(sha256_file(&s.path("active-up.bin")), sha256(&content));
}

#[test]
fn curl_creates_missing_directories() {
    let s = TestServer::start();
    let content = pseudo_random(3000, 10);
    let src = tmp();
    let local = src.path().join("f.bin");
    std::fs::write(&local, &content).expect("write");

    curl([
        "--ftp-create-dirs",
        "-T",
        &p(&local),
        &s.url("new/deeper/deepest/f.bin"),
    ])
    .ok();
    assert!(s.path("new/deeper/deepest").is_dir());
    assert_eq!(
        sha256_file(&s.path("new/deeper/deepest/f.bin")),
        sha256(&content)
    );

    // Without the flag, a missing directory is an error and nothing is created.
    let ran = curl(["-T", &p(&local), &s.url("absent/f.bin")]);
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("upload into a missing dir succeeded")
    );
    assert!(!s.path("absent").exists());
}

#[test]
fn curl_quote_renames_and_deletes() {
    let s = TestServer::start();
    let content = pseudo_random(5000, 11);
    std::fs::write(s.path("old name.bin"), &content).expect("write");
    std::fs::write(s.path("doomed.txt"), b"bye").expect("write");
    std::fs::write(s.path("keep.txt"), b"stay").expect("write");

    let ran = curl([
        "-Q",
        "RNFR old name.bin",
        "-Q",
        "RNTO new name.bin",
        "-Q",
        "DELE doomed.txt",
        &s.url("/"),
    ]);
    ran.ok();
    assert!(!s.path("old name.bin").exists());
    assert!(!s.path("doomed.txt").exists());
    assert_eq!(sha256_file(&s.path("new name.bin")), sha256(&content));
    assert_eq!(std::fs::read(s.path("keep.txt")).expect("keep"), b"stay");
    // The listing curl printed after the quotes reflects them.
    assert!(
        ran.stdout.contains("new name.bin"),
        "{}",
        ran.describe("listing")
    );
    assert!(
        !ran.stdout.contains("doomed.txt"),
        "{}",
        ran.describe("listing")
    );
}

#[test]
fn curl_quote_failure_is_reported() {
    let s = TestServer::start();
    std::fs::write(s.path("keep.txt"), b"stay").expect("write");

    // 21 = CURLE_QUOTE_ERROR: the server refused a quote command.
    curl(["-Q", "DELE no-such-file", &s.url("/")]).expect_code(21);
    curl(["-Q", "RNFR no-such-file", "-Q", "RNTO x", &s.url("/")]).expect_code(21);
    assert_eq!(std::fs::read(s.path("keep.txt")).expect("keep"), b"stay");
    assert!(!s.path("x").exists());
}

#[test]
fn curl_missing_file_is_not_found() {
    let s = TestServer::start();
    let out = tmp();
    let dest = out.path().join("nothing");
    // 78 = CURLE_REMOTE_FILE_NOT_FOUND (RETR or SIZE said 550).
    curl(["-o", &p(&dest), &s.url("nothing.bin")]).expect_code(78);
}

#[test]
fn curl_upload_refused_when_read_only() {
    // Anonymous without --write: uploads are refused and nothing is written.
    let s = TestServer::start_with(|_| {});
    let src = tmp();
    let local = src.path().join("f.bin");
    std::fs::write(&local, b"data").expect("write");

    // 25 = CURLE_UPLOAD_FAILED (STOR refused).
    curl(["-T", &p(&local), &s.url("f.bin")]).expect_code(25);
    assert!(!s.path("f.bin").exists());
}
