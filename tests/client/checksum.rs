//! `--checksum` and `ftpc hash`. Against a server whose HASH lies (a
//! pyftpdlib launcher that hashes the wrong bytes), `--checksum` fails
//! both ways with exit 1 and leaves no file under any name, while the same
//! copy without it succeeds; against our `ftpd` every check passes; a
//! server with no digests gets one warning for a whole tree. `ftpc hash`
//! prints what Python's hashlib computes, for every algorithm.

use std::path::Path;
use std::process::Command;

use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

use super::{ftpc, tempdir, write, Out, PyFtpd};

fn liar(root: &std::path::Path) -> PyFtpd {
    PyFtpd::start_script(
        "tests/client/pyftpd_variants.py",
        root,
        &[Path::new("badhash")],
    )
}

/// The names in `dir`, hidden ones included.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `out` failed with `code` on a checksum mismatch, and `dir` holds no
/// file under any name (neither the target nor a partial file).
fn refused_leaving_nothing(out: &Out, code: i32, dir: &Path) {
    out.expect_code(code);
    assert!(
        out.stderr.contains("checksum mismatch"),
        "{}",
        out.describe()
    );
    assert!(names(dir).is_empty(), "left behind: {:?}", names(dir));
}

#[test]
fn checksum_refuses_an_upload_the_server_hashes_differently() {
    let root = tempdir();
    let server = liar(root.path());
    let local = tempdir();
    let file = write(local.path(), "up.bin", &pseudo_random(300_000, 5));
    let url = server.url("up.bin");
    let bad = ftpc(&["--checksum", "put", file.to_str().unwrap(), &url]);
    refused_leaving_nothing(&bad, 1, root.path());

    // One file of a tree: exit 7, and again nothing stays.
    write(local.path(), "t/b.bin", b"second");
    std::fs::copy(&file, local.path().join("t/a.bin")).expect("copy");
    let tree = local.path().join("t");
    let some = ftpc(&[
        "--checksum",
        "put",
        "-r",
        tree.to_str().unwrap(),
        &server.url("t"),
    ]);
    refused_leaving_nothing(&some, 7, &root.path().join("t"));

    // The bytes themselves arrive intact: only the check tells.
    ftpc(&["put", file.to_str().unwrap(), &url]).ok();
    assert_eq!(sha256_file(&root.path().join("up.bin")), sha256_file(&file));
}

#[test]
fn checksum_refuses_a_download_the_server_hashes_differently() {
    let root = tempdir();
    let body = pseudo_random(200_000, 6);
    write(root.path(), "down.bin", &body);
    let server = liar(root.path());
    let local = tempdir();
    let dest = local.path().join("down.bin");
    let url = server.url("down.bin");
    let bad = ftpc(&["--checksum", "get", &url, dest.to_str().unwrap()]);
    refused_leaving_nothing(&bad, 1, local.path());

    ftpc(&["get", &url, dest.to_str().unwrap()]).ok();
    assert_eq!(sha256_file(&dest), sha256(&body));
}

#[test]
fn checksum_against_ftpd_checks_every_file_of_a_tree() {
    let s = TestServer::start();
    let local = tempdir();
    for i in 0..3 {
        write(
            local.path(),
            &format!("t/f{i}.bin"),
            &pseudo_random(50_000, i),
        );
    }
    let src = local.path().join("t");
    let up = ftpc(&[
        "-v",
        "--checksum",
        "put",
        "-r",
        src.to_str().unwrap(),
        &s.url("t"),
    ]);
    up.ok();
    assert_eq!(
        up.stderr.matches(" matches").count(),
        3,
        "{}",
        up.describe()
    );
    let back = local.path().join("back");
    let down = ftpc(&[
        "-v",
        "--checksum",
        "get",
        "-r",
        &s.url("t"),
        back.to_str().unwrap(),
    ]);
    down.ok();
    assert_eq!(
        down.stderr.matches(" matches").count(),
        3,
        "{}",
        down.describe()
    );
    for i in 0..3 {
        let name = format!("f{i}.bin");
        assert_eq!(
            sha256_file(&back.join(&name)),
            sha256_file(&src.join(&name))
        );
    }
}

#[test]
fn checksum_without_server_digests_warns_once_and_checks_sizes() {
    let root = tempdir();
    let server = PyFtpd::start(root.path());
    let local = tempdir();
    for i in 0..3 {
        write(
            local.path(),
            &format!("t/f{i}.txt"),
            format!("file {i}").as_bytes(),
        );
    }
    let src = local.path().join("t");
    let out = ftpc(&[
        "--checksum",
        "put",
        "-r",
        src.to_str().unwrap(),
        &server.url("t"),
    ]);
    out.ok();
    let warnings = out
        .stderr
        .matches("--checksum: the server offers no")
        .count();
    assert_eq!(warnings, 1, "{}", out.describe());
    assert_eq!(
        std::fs::read(root.path().join("t/f2.txt")).expect("read"),
        b"file 2"
    );

    // sync's comparison and its transfers share the one warning.
    write(local.path(), "t/f3.txt", b"file 3");
    let sync = ftpc(&[
        "--checksum",
        "sync",
        src.to_str().unwrap(),
        &server.url("t"),
    ]);
    sync.ok();
    let warnings = sync
        .stderr
        .matches("--checksum: the server offers no")
        .count();
    assert_eq!(warnings, 1, "{}", sync.describe());
    assert_eq!(
        std::fs::read(root.path().join("t/f3.txt")).expect("read"),
        b"file 3"
    );
}

/// Python's hashlib (zlib for CRC-32) of `path`.
fn python_digest(algo: &str, path: &std::path::Path) -> String {
    let code = "import hashlib, sys, zlib\n\
                a, p = sys.argv[1], sys.argv[2]\n\
                d = open(p, 'rb').read()\n\
                print('%08x' % zlib.crc32(d) if a == 'crc32' else hashlib.new(a, d).hexdigest())";
    let out = Command::new("python3")
        .args(["-c", code, algo, path.to_str().unwrap()])
        .output()
        .expect("python3");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn hash_prints_what_hashlib_computes_as_sha256sum_does() {
    let s = TestServer::start();
    let file = write(&s.root(), "dir/five.bin", &pseudo_random(5 << 20, 9));
    for algo in ["sha256", "sha512", "sha1", "md5", "crc32"] {
        let out = ftpc(&["hash", "--algo", algo, &s.url("dir/five.bin")]);
        out.ok();
        let want = format!("{}  dir/five.bin\n", python_digest(algo, &file));
        assert_eq!(out.stdout_str(), want, "{algo}: {}", out.describe());
    }
    let default = ftpc(&["hash", &s.url("dir/five.bin")]);
    assert!(default
        .ok()
        .stdout_str()
        .starts_with(&python_digest("sha256", &file)));
    ftpc(&["hash", &s.url("dir/missing.bin")]).expect_code(3);
}

#[test]
fn hash_waits_longer_than_timeout_for_a_slow_digest() {
    let root = tempdir();
    write(root.path(), "slow.bin", b"slow");
    let script = "tests/client/pyftpd_variants.py";
    let env = [("PYFTPD_HASH_DELAY", "2.5")];
    let server = PyFtpd::start_env(script, root.path(), &[Path::new("badhash")], &env);
    // 2.5 s is past --timeout 1 but within ten of it.
    let out = ftpc(&["--timeout", "1", "hash", &server.url("slow.bin")]);
    out.ok();
    let liars_digest = sha256(b"slow!");
    assert_eq!(out.stdout_str(), format!("{liars_digest}  slow.bin\n"));
}

#[test]
fn hash_on_a_server_without_digests_says_so() {
    let root = tempdir();
    write(root.path(), "a.txt", b"a");
    let server = PyFtpd::start(root.path());
    let out = ftpc(&["hash", &server.url("a.txt")]);
    out.expect_code(1);
    assert!(
        out.stderr.contains("offers no SHA-256 digest"),
        "{}",
        out.describe()
    );
}
