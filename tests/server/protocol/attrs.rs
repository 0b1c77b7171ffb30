//! MFMT and SITE CHMOD (issue 13): the new time and mode are what os.stat
//! sees, and what MDTM, LIST and MLSD show; both need write permission;
//! bad arguments get 501 and change nothing.

use super::assert_code;
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::run::python;
use crate::support::TestServer;

/// os.stat's whole-second mtime and permission bits (octal) of `path`.
fn os_stat(path: &std::path::Path) -> (i64, String) {
    let ran = python(
        "digests.py",
        [std::ffi::OsStr::new("stat"), path.as_os_str()],
    );
    ran.ok();
    let (mtime, mode) = ran.stdout.trim().split_once('\t').expect("mtime\tmode");
    (mtime.parse().expect("mtime"), mode.to_string())
}

/// MFMT lines with an impossible or short time, or no path.
const BAD_MFMT: &[&str] = &[
    "MFMT 20201301000000 f",
    "MFMT 2020 f",
    "MFMT 20200101000000",
    "MFMT",
];

/// SITE CHMOD lines with a mode it refuses (setuid, sticky, not octal,
/// not digits) or no path.
const BAD_CHMOD: &[&str] = &[
    "SITE CHMOD 4755 f",
    "SITE CHMOD 1777 f",
    "SITE CHMOD 8 f",
    "SITE CHMOD rwx f",
    "SITE CHMOD 755",
    "SITE CHMOD",
];

/// Each of `lines` is malformed: each gets 501, and the session goes on.
fn each_gets_501(r: &mut RawSession, lines: &[&str]) {
    for line in lines {
        assert_code(line, &r.cmd(line), &[501]);
    }
}

/// On a read-only server, `line` (about a file `f`) gets 550 and leaves
/// `f`'s mtime and mode as they were: both verbs need write permission.
fn read_only_refuses(line: &str) {
    let ro = TestServer::start_with(|c| c.write = false);
    std::fs::write(ro.path("f"), b"x").expect("write");
    let before = os_stat(&ro.path("f"));
    let mut r = RawSession::login(ro.addr);
    r.expect(line, 550);
    assert_eq!(
        os_stat(&ro.path("f")),
        before,
        "{line}: read-only, unchanged"
    );
}

#[test]
fn mfmt_sets_the_time_os_stat_mdtm_and_mlsd_see() {
    let s = TestServer::start();
    std::fs::create_dir(s.path("d")).expect("mkdir");
    std::fs::write(s.path("d/a b.txt"), b"x").expect("write");
    let mut r = RawSession::login(s.addr);
    let set = r.expect("MFMT 20200229123456 d/a b.txt", 213);
    assert_eq!(set.text(), "Modify=20200229123456; d/a b.txt");
    // 2020-02-29 12:34:56 UTC.
    assert_eq!(os_stat(&s.path("d/a b.txt")).0, 1_582_979_696);
    assert_eq!(r.expect("MDTM d/a b.txt", 213).text(), "20200229123456");
    let mlsd = r.listing("MLSD d");
    assert!(
        mlsd.contains("modify=20200229123456;") && mlsd.contains(" a b.txt\r\n"),
        "{mlsd}"
    );
    // A fraction of a second is accepted and dropped; directories too.
    r.expect("MFMT 19991231235959.250 d", 213);
    assert_eq!(os_stat(&s.path("d")).0, 946_684_799);
}

#[test]
fn mfmt_refuses_bad_times_missing_files_and_read_only_logins() {
    read_only_refuses("MFMT 20200101000000 f");
    let s = TestServer::start();
    std::fs::write(s.path("f"), b"x").expect("write");
    let mut w = RawSession::login(s.addr);
    each_gets_501(&mut w, BAD_MFMT);
    w.expect("MFMT 20200101000000 nope", 550);
    w.expect("MFMT 20200101000000 ../../f", 213);
    assert_eq!(
        os_stat(&s.path("f")).0,
        1_577_836_800,
        "`..` stops at the root"
    );
}

#[test]
fn site_chmod_sets_the_mode_list_and_mlsd_show() {
    let s = TestServer::start();
    std::fs::write(s.path("f.sh"), b"#!/bin/sh\n").expect("write");
    std::fs::create_dir(s.path("d")).expect("mkdir");
    let mut r = RawSession::login(s.addr);
    r.expect("SITE CHMOD 750 f.sh", 200);
    assert_eq!(os_stat(&s.path("f.sh")).1, "750");
    r.expect("site chmod 0700 d", 200);
    assert_eq!(os_stat(&s.path("d")).1, "700");
    let list = r.listing("LIST");
    assert!(list.contains("-rwxr-x---"), "{list}");
    assert!(list.contains("drwx------"), "{list}");
    r.expect("OPTS MLST type;unix.mode;", 200);
    let mlsd = r.listing("MLSD");
    assert!(mlsd.contains("unix.mode=0750; f.sh"), "{mlsd}");
    let help = r.expect("SITE HELP", 214);
    assert!(help.text().contains("CHMOD"), "{help:?}");
}

#[test]
fn site_chmod_refuses_bad_modes_and_read_only_logins() {
    let s = TestServer::start();
    std::fs::write(s.path("f"), b"x").expect("write");
    std::fs::set_permissions(
        s.path("f"),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let mut r = RawSession::login(s.addr);
    each_gets_501(&mut r, BAD_CHMOD);
    r.expect("SITE CHMOD 600 missing", 550);
    r.expect("SITE CHMOD 700 /", 550);
    assert_eq!(os_stat(&s.path("f")).1, "644");
    read_only_refuses("SITE CHMOD 777 f");
}
