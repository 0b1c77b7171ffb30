//! Sandbox escapes over the wire. Next to the served root sits a secret file
//! and a secret directory; inside the root are symlinks pointing at them
//! (absolute and relative). No command may read, list, enter, or write
//! through them, `..` never climbs above `/`, and no reply or listing ever
//! shows the secret or a host path.

use std::path::Path;

use super::assert_code;
use crate::support::data::{RawData, Transfer};
use crate::support::raw::RawSession;
use crate::support::TestServer;

const SECRET: &str = "TOP-SECRET-must-never-be-served";
const SECRET2: &str = "ALSO-SECRET-in-outside-dir";

/// A server (with write access) whose root has symlinks pointing out.
fn sandboxed() -> TestServer {
    let s = TestServer::start();
    let host = s.dir.path();
    std::fs::write(host.join("secret.txt"), SECRET).expect("write secret");
    std::fs::create_dir(host.join("outside")).expect("mkdir outside");
    std::fs::write(host.join("outside/secret2.txt"), SECRET2).expect("write secret2");
    let root = s.root();
    std::fs::write(root.join("ok.txt"), b"public").expect("write");
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).expect("symlink")
    };
    link(&host.join("secret.txt"), "link_file");
    link(Path::new("../secret.txt"), "rel_link");
    link(&host.join("outside"), "link_dir");
    link(Path::new(".."), "rel_link_dir");
    link(Path::new("../../secret.txt"), "sub/deep_link");
    s
}

/// The paths inside the root that reach a file outside through a
/// symlink: absolute and relative links, one in a subdirectory, and
/// files inside linked directories.
const LINKED_FILES: &[&str] = &[
    "link_file",
    "rel_link",
    "sub/deep_link",
    "link_dir/secret2.txt",
    "rel_link_dir/secret.txt",
];

/// A session on `s` in binary mode (so RETR would pass a secret through
/// unchanged) and the audit of everything it is sent.
fn audited(s: &TestServer) -> (Audit, RawSession) {
    let a = Audit::new(s);
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    (a, r)
}

/// Everything the server sent back, checked for leaks at the end of a test.
struct Audit {
    host_dir: String,
    /// (command, reply texts, data received).
    seen: Vec<(String, String, String)>,
}

impl Audit {
    fn new(s: &TestServer) -> Audit {
        Audit {
            host_dir: s.dir.path().to_string_lossy().into_owned(),
            seen: Vec::new(),
        }
    }

    fn cmd(&mut self, r: &mut RawSession, line: &str) -> ftp_proto::Reply {
        let reply = r.cmd(line);
        self.seen
            .push((line.to_string(), reply.text(), String::new()));
        reply
    }

    fn record(&mut self, line: &str, t: &Transfer) {
        let replies = format!(
            "{}\n{}",
            t.first.text(),
            t.last.as_ref().map(|l| l.text()).unwrap_or_default()
        );
        self.seen.push((
            line.to_string(),
            replies,
            String::from_utf8_lossy(&t.data).into_owned(),
        ));
    }

    fn download(&mut self, r: &mut RawSession, line: &str) -> Transfer {
        let t = r.download(line);
        self.record(line, &t);
        t
    }

    /// A download that must be refused with 550 before any data moves.
    fn refused(&mut self, r: &mut RawSession, line: &str) {
        let t = self.download(r, line);
        assert!(!t.started(), "{line} started a transfer: {t:?}");
        assert_code(line, &t.first, &[550]);
    }

    fn check(&self) {
        for (line, replies, data) in &self.seen {
            for text in [replies, data] {
                assert!(
                    !text.contains(SECRET) && !text.contains(SECRET2),
                    "{line}: secret served: {text}"
                );
                assert!(
                    !text.contains(&self.host_dir),
                    "{line}: host path leaked: {text}"
                );
            }
            // Only the outside directory holds this name; no listing may show it.
            assert!(
                !data.contains("secret2.txt"),
                "{line}: outside dir listed: {data}"
            );
        }
    }
}

fn pwd(r: &mut RawSession) -> String {
    let reply = r.expect("PWD", 257);
    ftp_proto::unquote_path(&reply.text()).expect("quoted path")
}

#[test]
fn dotdot_paths_never_leave_the_root() {
    let s = sandboxed();
    let (mut a, mut r) = audited(&s);
    for p in [
        "../secret.txt",
        "../../secret.txt",
        "/../secret.txt",
        "/../../secret.txt",
        "sub/../../secret.txt",
        "./../secret.txt",
        "%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "..\\secret.txt",
        "sub/../../outside/secret2.txt",
    ] {
        a.refused(&mut r, &format!("RETR {p}"));
        let reply = a.cmd(&mut r, &format!("SIZE {p}"));
        assert_code(&format!("SIZE {p}"), &reply, &[550]);
        let reply = a.cmd(&mut r, &format!("MDTM {p}"));
        assert_code(&format!("MDTM {p}"), &reply, &[550]);
    }
    // `..` at the root is the root.
    for p in ["..", "../..", "/..", "/../..", "sub/../.."] {
        let reply = a.cmd(&mut r, &format!("CWD {p}"));
        assert_code(&format!("CWD {p}"), &reply, &[250, 550]);
        assert_eq!(pwd(&mut r), "/", "after CWD {p}");
    }
    let reply = a.cmd(&mut r, "CDUP");
    assert_code("CDUP at root", &reply, &[200, 250, 550]);
    assert_eq!(pwd(&mut r), "/");
    // Still at the served root: its own files are there, the secret is not.
    let t = a.download(&mut r, "NLST ..");
    assert!(t.started(), "NLST .. at root: {t:?}");
    assert!(String::from_utf8_lossy(&t.data).contains("ok.txt"), "{t:?}");
    a.refused(&mut r, "RETR secret.txt");
    a.check();
}

#[test]
fn symlinks_pointing_outside_are_not_followed_for_reading() {
    let s = sandboxed();
    let (mut a, mut r) = audited(&s);
    for p in LINKED_FILES {
        a.refused(&mut r, &format!("RETR {p}"));
        for verb in ["SIZE", "MDTM", "MLST"] {
            let reply = a.cmd(&mut r, &format!("{verb} {p}"));
            assert_code(&format!("{verb} {p}"), &reply, &[550]);
        }
    }
    for p in ["link_dir", "rel_link_dir", "sub/../link_dir"] {
        let reply = a.cmd(&mut r, &format!("CWD {p}"));
        assert_code(&format!("CWD {p}"), &reply, &[550]);
        assert_eq!(pwd(&mut r), "/");
        for verb in ["LIST", "NLST", "MLSD"] {
            let line = format!("{verb} {p}");
            let t = a.download(&mut r, &line);
            assert!(
                !t.started(),
                "{line} listed a directory outside the root: {t:?}"
            );
            assert_code(&line, &t.first, &[450, 550]);
        }
        let reply = a.cmd(&mut r, &format!("STAT {p}"));
        assert!(reply.code.is_permanent_failure(), "STAT {p}: {reply:?}");
    }
    // The root's own listings may name the links, but never show their targets.
    for line in ["LIST", "LIST -la", "MLSD", "NLST"] {
        a.download(&mut r, line);
    }
    a.cmd(&mut r, "STAT /");
    a.cmd(&mut r, "STAT .");
    a.check();
}

#[test]
fn writes_through_symlinks_or_dotdot_stay_inside() {
    let s = sandboxed();
    let host = s.dir.path().to_path_buf();
    let (mut a, mut r) = audited(&s);
    for line in [
        "STOR link_dir/planted.txt",
        "STOR rel_link_dir/planted.txt",
        "STOR ../planted.txt",
        "APPE link_file",
        "APPE rel_link",
        "STOR link_file",
        "STOR sub/deep_link",
    ] {
        let t = r.upload(line, b"PLANTED");
        a.record(line, &t);
    }
    for line in [
        "MKD link_dir/newdir",
        "MKD ../newdir",
        "DELE link_dir/secret2.txt",
        "DELE ../secret.txt",
        "RMD ../outside",
    ] {
        a.cmd(&mut r, line);
    }
    let reply = a.cmd(&mut r, "RNFR ok.txt");
    if reply.code.0 == 350 {
        a.cmd(&mut r, "RNTO ../escaped.txt");
    }
    let reply = a.cmd(&mut r, "RNFR ok.txt");
    if reply.code.0 == 350 {
        a.cmd(&mut r, "RNTO link_dir/escaped.txt");
    }
    r.expect("NOOP", 200);

    // The outside world is exactly as it was.
    assert_eq!(
        std::fs::read_to_string(host.join("secret.txt")).expect("secret"),
        SECRET
    );
    assert_eq!(
        std::fs::read_to_string(host.join("outside/secret2.txt")).expect("secret2"),
        SECRET2
    );
    let mut outside: Vec<String> = std::fs::read_dir(host.join("outside"))
        .expect("read outside")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    outside.sort();
    assert_eq!(outside, ["secret2.txt"]);
    let mut beside_root: Vec<String> = std::fs::read_dir(&host)
        .expect("read host dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    beside_root.sort();
    assert_eq!(beside_root, ["outside", "root", "secret.txt"]);
    a.check();
}

/// Mode and whole-second mtime of a host file (never through a symlink's
/// own metadata: the target's).
fn attrs(path: &Path) -> (u32, i64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).expect("stat");
    (m.mode() & 0o7777, m.mtime())
}

#[test]
fn mfmt_chmod_and_hash_never_reach_through_a_symlink_or_dotdot() {
    let s = sandboxed();
    let host = s.dir.path().to_path_buf();
    let outside = [host.join("secret.txt"), host.join("outside/secret2.txt")];
    let before: Vec<_> = outside.iter().map(|p| attrs(p)).collect();
    let mut a = Audit::new(&s);
    let mut r = RawSession::login(s.addr);
    for p in LINKED_FILES.iter().chain(&["../secret.txt", "link_dir"]) {
        for line in [
            format!("MFMT 20000101000000 {p}"),
            format!("SITE CHMOD 777 {p}"),
            format!("HASH {p}"),
            format!("XSHA256 {p}"),
            format!("XCRC {p}"),
        ] {
            let reply = a.cmd(&mut r, &line);
            // `../secret.txt` is `/secret.txt`, which does not exist.
            assert_code(&line, &reply, &[550]);
        }
    }
    let after: Vec<_> = outside.iter().map(|p| attrs(p)).collect();
    assert_eq!(before, after, "a file outside the root changed");
    a.check();
}
