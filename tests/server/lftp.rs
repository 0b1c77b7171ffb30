//! lftp against `ftpd`: `mirror` both ways of a nested tree with spaces and
//! non-ASCII names (whole trees compared by hash), `cls -l` (which lftp feeds
//! from MLSD), `rm -r`, `mv`, `put -c` resume, and a password login after
//! lftp's AUTH TLS probe is refused. lftp's `-d` dialogue (`---> CMD`) is
//! checked where the outcome alone would not prove the feature was used.

use std::os::unix::fs::PermissionsExt;

use crate::support::run::{lftp, Ran};
use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// True when lftp's debug log shows it sent a command starting with `prefix`.
fn sent(ran: &Ran, prefix: &str) -> bool {
    ran.stderr.lines().any(|l| {
        l.split_once("---> ")
            .is_some_and(|(_, c)| c.starts_with(prefix))
    })
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn lftp_mirror_downloads_nested_tree() {
    let s = TestServer::start();
    write_sample_tree(&s.root());
    let local = tmp();

    lftp(s.port(), None, local.path(), "mirror / download").ok();
    assert_same(&s.root(), &local.path().join("download"));
}

#[test]
fn lftp_mirror_reverse_uploads_nested_tree() {
    let s = TestServer::start();
    let local = tmp();
    let src = local.path().join("src");
    write_sample_tree(&src);

    lftp(s.port(), None, local.path(), "mirror -R src /uploaded").ok();
    assert_same(&src, &s.path("uploaded"));
}

#[test]
fn lftp_cls_long_shows_modes_and_sizes() {
    let s = TestServer::start();
    std::fs::write(s.path("report 2024.txt"), pseudo_random(4321, 31)).expect("write");
    std::fs::set_permissions(
        s.path("report 2024.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::fs::create_dir(s.path("folder")).expect("mkdir");
    std::fs::set_permissions(s.path("folder"), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    std::fs::write(s.path("grüße.txt"), b"hallo").expect("write");
    let local = tmp();

    let ran = lftp(s.port(), None, local.path(), "cls -l /");
    ran.ok();
    let line_for = |name: &str| {
        ran.stdout
            .lines()
            .find(|l| l.trim_end_matches('/').ends_with(name))
            .unwrap_or_else(|| panic!("{}", ran.describe(&format!("cls -l has no {name}"))))
    };
    let file = line_for("report 2024.txt");
    assert!(file.starts_with("-rw-r-----"), "mode of file: {file}");
    assert!(
        file.split_whitespace().any(|w| w == "4321"),
        "size of file: {file}"
    );
    let dir = line_for("folder");
    assert!(dir.starts_with("drwxr-xr-x"), "mode of dir: {dir}");
    let utf = line_for("grüße.txt");
    assert!(
        utf.split_whitespace().any(|w| w == "5"),
        "size of UTF-8 name: {utf}"
    );
}

#[test]
fn lftp_rm_recursive_removes_a_tree() {
    let s = TestServer::start();
    write_sample_tree(&s.path("victim"));
    std::fs::write(s.path("bystander.txt"), b"still here").expect("write");
    let local = tmp();

    lftp(s.port(), None, local.path(), "rm -r victim").ok();
    assert!(!s.path("victim").exists(), "victim tree still exists");
    assert_eq!(
        std::fs::read(s.path("bystander.txt")).expect("read"),
        b"still here"
    );
}

#[test]
fn lftp_mv_renames_files_and_directories() {
    let s = TestServer::start();
    let content = pseudo_random(70_000, 32);
    std::fs::write(s.path("old name.bin"), &content).expect("write");
    std::fs::create_dir_all(s.path("dir one/inner")).expect("mkdir");
    std::fs::write(s.path("dir one/inner/x.txt"), b"x").expect("write");
    let local = tmp();

    lftp(
        s.port(),
        None,
        local.path(),
        "mv 'old name.bin' 'new näme.bin'; mv 'dir one' 'dir two'",
    )
    .ok();
    assert!(!s.path("old name.bin").exists());
    assert_eq!(sha256_file(&s.path("new näme.bin")), sha256(&content));
    assert!(!s.path("dir one").exists());
    assert_eq!(
        std::fs::read(s.path("dir two/inner/x.txt")).expect("read"),
        b"x"
    );
}

#[test]
fn lftp_put_continue_resumes_partial_upload() {
    let s = TestServer::start();
    let content = pseudo_random(900_000, 33);
    let have = 345_678;
    std::fs::write(s.path("partial.bin"), &content[..have]).expect("write partial");
    let local = tmp();
    std::fs::write(local.path().join("full.bin"), &content).expect("write");

    let ran = lftp(
        s.port(),
        None,
        local.path(),
        "put -c full.bin -o partial.bin",
    );
    ran.ok();
    assert_eq!(sha256_file(&s.path("partial.bin")), sha256(&content));
    // The upload resumed instead of starting over.
    assert!(
        sent(&ran, &format!("REST {have}")) || sent(&ran, "APPE"),
        "{}",
        ran.describe("put -c did not resume (no REST/APPE)")
    );
}

#[test]
fn lftp_logs_in_with_password_after_auth_tls_is_refused() {
    let s = TestServer::start_with(|c| {
        c.write = true;
        c.users = vec![ftp_server::User {
            name: "alice".into(),
            password: "s3cret".into(),
        }];
    });
    let content = pseudo_random(10_000, 34);
    let local = tmp();
    std::fs::write(local.path().join("up.bin"), &content).expect("write");

    let ran = lftp(
        s.port(),
        Some(("alice", "s3cret")),
        local.path(),
        "put up.bin; ls",
    );
    ran.ok();
    assert!(
        sent(&ran, "AUTH TLS"),
        "{}",
        ran.describe("lftp did not probe AUTH TLS")
    );
    assert!(
        ran.stdout.contains("up.bin"),
        "{}",
        ran.describe("ls after put")
    );
    assert_eq!(sha256_file(&s.path("up.bin")), sha256(&content));

    // A wrong password fails the script (cmd:fail-exit) and writes nothing.
    let ran = lftp(
        s.port(),
        Some(("alice", "wrong")),
        local.path(),
        "put up.bin -o other.bin",
    );
    assert!(
        !ran.status.success(),
        "{}",
        ran.describe("wrong password accepted")
    );
    assert!(!s.path("other.bin").exists());
}
