//! The same transfer scenarios run against every real server: trees put and
//! fetched back (in parallel, passive and active), resume in both
//! directions, stdin/stdout streaming and atomic put. pyftpdlib and vsftpd
//! (servers no one here wrote) run them here; `ftpd.rs` runs them on ours.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::{pseudo_random, require_root, require_tool, sha256, sha256_file};

use super::launched::Launched;
use super::{ftpc, ftpc_cmd, ftpc_in, run_with, tempdir, write, PyFtpd};

/// A server whose files the test can also see on disk.
pub trait Remote {
    /// `ftp://[creds@]127.0.0.1:PORT/rel`.
    fn url(&self, rel: &str) -> String;
    /// The served directory on disk.
    fn root(&self) -> PathBuf;
    /// Called after the test writes into `root()` directly, so the server
    /// may change those files (vsftpd runs as another user).
    fn fixup(&self) {}
}

/// put -r a tree, then get -r it back, and compare both copies by hash.
pub fn tree_roundtrip(server: &impl Remote, extra: &[&str]) {
    let local = tempdir();
    let src = local.path().join("src");
    write_sample_tree(&src);
    let mut args = extra.to_vec();
    let put_url = server.url("up");
    args.extend(["put", "-r", src.to_str().expect("utf8"), &put_url]);
    ftpc(&args).ok();
    assert_same(&src, &server.root().join("up"));

    let mut args = extra.to_vec();
    let get_url = server.url("up");
    args.extend(["get", "-r", &get_url, "back"]);
    ftpc_in(local.path(), &args).ok();
    assert_same(&src, &local.path().join("back"));
}

/// A get interrupted into its partial file (`.NAME.ftpc-part`) resumes from
/// it with -c, and the finished file replaces an older one under the real name.
pub fn resume_get_from_part(server: &impl Remote) {
    let content = pseudo_random(300_000, 22);
    write(&server.root(), "r/part.bin", &content);
    let local = tempdir();
    server.fixup();
    write(local.path(), ".part.bin.ftpc-part", &content[..54_321]);
    let dest = write(local.path(), "part.bin", b"an older version");
    let out = ftpc(&[
        "-v",
        "get",
        "-c",
        &server.url("r/part.bin"),
        dest.to_str().expect("utf8"),
    ]);
    out.ok();
    assert!(out.stderr.contains("REST 54321"), "{}", out.describe());
    assert_eq!(sha256_file(&dest), sha256(&content));
    assert!(!local.path().join(".part.bin.ftpc-part").exists());
}

/// A get interrupted after some bytes resumes with -c to the right content.
pub fn resume_get(server: &impl Remote) {
    let content = pseudo_random(300_000, 21);
    write(&server.root(), "r/big.bin", &content);
    let local = tempdir();
    server.fixup();
    let dest = write(local.path(), "big.bin", &content[..123_457]);
    let out = ftpc(&[
        "-v",
        "get",
        "-c",
        &server.url("r/big.bin"),
        dest.to_str().expect("utf8"),
    ]);
    out.ok();
    assert!(out.stderr.contains("REST 123457"), "{}", out.describe());
    assert_eq!(sha256_file(&dest), sha256(&content));
}

/// An interrupted atomic put (partial temp file) resumes with -c (APPE),
/// and an interrupted --inplace put resumes into the target.
pub fn resume_put(server: &impl Remote) {
    let content = pseudo_random(200_000, 22);
    let local = tempdir();
    let src = write(local.path(), "data.bin", &content);
    let src = src.to_str().expect("utf8");

    write(&server.root(), "p/.data.bin.ftpc-part", &content[..77_777]);
    server.fixup();
    let out = ftpc(&["-v", "put", "-c", src, &server.url("p/data.bin")]);
    out.ok();
    assert!(
        out.stderr.contains("APPE p/.data.bin.ftpc-part"),
        "{}",
        out.describe()
    );
    assert_eq!(
        sha256_file(&server.root().join("p/data.bin")),
        sha256(&content)
    );
    assert!(!server.root().join("p/.data.bin.ftpc-part").exists());

    write(&server.root(), "p/inplace.bin", &content[..1000]);
    server.fixup();
    ftpc(&["put", "-c", "--inplace", src, &server.url("p/inplace.bin")]).ok();
    assert_eq!(
        sha256_file(&server.root().join("p/inplace.bin")),
        sha256(&content)
    );
}

/// `put -` reads stdin; `cat` and `get -o -` write exactly the file to stdout.
pub fn stdio_streaming(server: &impl Remote) {
    let content = pseudo_random(150_000, 23);
    ftpc(&["mkdir", "-p", &server.url("s")]).ok();
    let mut cmd = ftpc_cmd(&["put", "-", &server.url("s/from-stdin.bin")]);
    cmd.stdin(Stdio::piped());
    run_with(cmd, Some(content.clone())).ok();
    assert_eq!(
        sha256_file(&server.root().join("s/from-stdin.bin")),
        sha256(&content)
    );

    let out = ftpc(&["cat", &server.url("s/from-stdin.bin")]);
    out.ok();
    assert_eq!(sha256(&out.stdout), sha256(&content));
    let out = ftpc(&["get", "-o", "-", &server.url("s/from-stdin.bin")]);
    out.ok();
    assert_eq!(sha256(&out.stdout), sha256(&content));
}

/// Single-file put into a directory URL (trailing slash) goes through a
/// temporary name and a rename; --inplace writes the target directly.
pub fn atomic_put(server: &impl Remote) {
    let local = tempdir();
    let src = write(local.path(), "ätomic file.txt", b"all or nothing\n");
    let src = src.to_str().expect("utf8");
    ftpc(&["mkdir", "-p", &server.url("at/dir")]).ok();
    let out = ftpc(&["-v", "put", src, &server.url("at/dir/")]);
    out.ok();
    assert!(
        out.stderr
            .contains("> STOR at/dir/.ätomic file.txt.ftpc-part"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("> RNTO at/dir/ätomic file.txt"),
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read(server.root().join("at/dir/ätomic file.txt")).expect("put"),
        b"all or nothing\n"
    );
    assert!(!server
        .root()
        .join("at/dir/.ätomic file.txt.ftpc-part")
        .exists());

    let out = ftpc(&["-v", "put", "--inplace", src, &server.url("at/direct.txt")]);
    out.ok();
    assert!(
        out.stderr.contains("> STOR at/direct.txt"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains("RNTO"), "{}", out.describe());
}

/// ls, ls -l, --json, stat, mv, rm -r on a small tree.
pub fn listing_and_file_ops(server: &impl Remote) {
    write(&server.root(), "l/one.txt", b"1");
    write(&server.root(), "l/sub dir/two.txt", b"22");
    write(&server.root(), "l/.dot", b"");
    server.fixup();
    let out = ftpc(&["ls", &server.url("l")]);
    out.ok();
    assert_eq!(out.stdout_str(), "one.txt\nsub dir\n");
    let out = ftpc(&["ls", "-a", "-R", &server.url("l")]);
    assert_eq!(
        out.ok().stdout_str(),
        ".dot\none.txt\nsub dir\nsub dir/two.txt\n"
    );
    let out = ftpc(&["ls", "-l", &server.url("l")]);
    let text = out.ok().stdout_str();
    assert!(
        text.lines()
            .any(|l| l.starts_with("- ") && l.contains(" 1 ") && l.ends_with(" one.txt")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("d ") && l.ends_with(" sub dir")),
        "{text}"
    );
    let out = ftpc(&["ls", "--json", &server.url("l/sub dir")]);
    let text = out.ok().stdout_str();
    assert!(
        text.starts_with(
            "{\"name\":\"two.txt\",\"path\":\"two.txt\",\"type\":\"file\",\"size\":2,"
        ),
        "{text}"
    );
    let out = ftpc(&["stat", &server.url("l/sub dir/two.txt")]);
    let text = out.ok().stdout_str();
    assert!(text.contains("type: file\nsize: 2\n"), "{text}");
    ftpc(&["mv", &server.url("l/one.txt"), "uno.txt"]).ok();
    assert!(server.root().join("l/uno.txt").exists() && !server.root().join("l/one.txt").exists());
    ftpc(&["rm", &server.url("l/uno.txt")]).ok();
    assert!(!server.root().join("l/uno.txt").exists());
    ftpc(&["rm", &server.url("l/sub dir")]).expect_code(1);
    ftpc(&["rm", "-r", &server.url("l")]).ok();
    assert!(!server.root().join("l").exists());
}

impl Remote for PyFtpd {
    fn url(&self, rel: &str) -> String {
        PyFtpd::url(self, rel)
    }
    fn root(&self) -> PathBuf {
        self.root_dir.clone()
    }
}

/// A pyftpdlib server on a fresh directory, returned after it so the
/// directory outlives the server.
pub fn pyftpd() -> (tempfile::TempDir, PyFtpd) {
    let dir = tempdir();
    let server = PyFtpd::start(dir.path());
    (dir, server)
}

#[test]
fn pyftpdlib_tree_roundtrip_parallel() {
    let (_d, s) = pyftpd();
    tree_roundtrip(&s, &["-j", "4"]);
}

#[test]
fn pyftpdlib_tree_roundtrip_active_single_connection() {
    let (_d, s) = pyftpd();
    tree_roundtrip(&s, &["--active", "-j", "1"]);
}

#[test]
fn pyftpdlib_resume_get_and_put() {
    let (_d, s) = pyftpd();
    resume_get(&s);
    resume_get_from_part(&s);
    resume_put(&s);
}

#[test]
fn pyftpdlib_stdin_stdout_and_atomic_put() {
    let (_d, s) = pyftpd();
    stdio_streaming(&s);
    atomic_put(&s);
}

#[test]
fn pyftpdlib_listing_and_file_ops() {
    let (_d, s) = pyftpd();
    listing_and_file_ops(&s);
}

/// vsftpd (no MLSD: exercises the LIST parser), user bench/benchpw, started
/// by the repository's own `tests/scripts/start-vsftpd.sh` (see `Launched`).
pub struct Vsftpd;

impl Vsftpd {
    /// Plain FTP.
    pub fn start() -> Launched {
        Self::launch(|_, _| {})
    }

    /// With whatever `tune` adds to the launcher's arguments (the TLS
    /// servers add a certificate and key, and maybe an environment).
    pub fn launch(tune: impl FnOnce(&mut Command, &Path)) -> Launched {
        require_tool("vsftpd");
        require_root("vsftpd logs in a system user, which the launcher adds");
        Launched::start("vsftpd", "tests/scripts/start-vsftpd.sh", None, tune)
    }
}

#[test]
fn vsftpd_tree_roundtrip_parallel() {
    let s = Vsftpd::start();
    tree_roundtrip(&s, &["-j", "3"]);
}

#[test]
fn vsftpd_tree_roundtrip_active() {
    let s = Vsftpd::start();
    tree_roundtrip(&s, &["--active"]);
}

#[test]
fn vsftpd_resume_stdio_and_atomic_put() {
    let s = Vsftpd::start();
    resume_get(&s);
    resume_get_from_part(&s);
    resume_put(&s);
    stdio_streaming(&s);
    atomic_put(&s);
}

#[test]
fn vsftpd_listing_and_file_ops() {
    let s = Vsftpd::start();
    listing_and_file_ops(&s);
}
