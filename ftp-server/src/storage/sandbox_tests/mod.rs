//! Sandbox tests for `LocalStorage`: a table of escape attempts, each tried
//! with every operation in a fresh tree, plus the positive cases (symlinks
//! inside the root, atomic uploads, hidden temp files).
//!
//! The oracle does not trust the code under test: it asks the host (with
//! ordinary `std::fs`, which follows symlinks anywhere) where a path really
//! leads, and requires every read-like operation on a path that leads outside
//! the root to fail. Write-like operations must leave `outside/` byte-for-byte
//! identical, and anything opened for writing gets a marker written into it so
//! a silent escape would show up in that comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache;
mod cases;
mod homes;

use super::*;
use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use tokio::io::AsyncReadExt;

const SECRET: &[u8] = b"TOP-SECRET: the sandbox leaked this!";
const OUTSIDE_MARKER: &str = "ONLY-OUTSIDE-marker";
/// A name that must never appear in /etc; checked after every /etc attack.
const ETC_PROBE: &str = "ftpd-sandbox-test-probe";

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    storage: LocalStorage,
}

/// base/root/{file.txt, sub/inner/, symlinks...} and base/outside/secret.txt.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(root.join("sub/inner")).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), SECRET).unwrap();
    std::fs::write(outside.join(OUTSIDE_MARKER), b"x").unwrap();
    // Something an escaped RMD could remove.
    std::fs::create_dir(outside.join("emptydir")).unwrap();
    std::fs::write(root.join("file.txt"), b"inside").unwrap();
    let links: &[(&str, &Path)] = &[
        ("link_secret", Path::new("../outside/secret.txt")),
        ("link_outside_dir", Path::new("../outside")),
        ("link_etc", Path::new("/etc")),
        ("abs_outside", &outside),
        ("dangling_out", Path::new("../outside/created-through-link")),
        // A relative chain: chain1 -> chain2 -> sub/chain3 -> outside.
        ("chain1", Path::new("chain2")),
        ("chain2", Path::new("sub/chain3")),
        ("sub/chain3", Path::new("../../outside/secret.txt")),
        ("sub/upup", Path::new("../..")),
        ("sub/up", Path::new("..")),
        ("link_inside", Path::new("file.txt")),
    ];
    for (name, target) in links {
        symlink(target, root.join(name)).unwrap();
    }
    let storage = LocalStorage::new(&root).unwrap();
    Fixture {
        _tmp: tmp,
        root,
        outside,
        storage,
    }
}

/// Run a storage future to completion. The local backend does its work on
/// tokio's blocking pool, so it needs a runtime; one per test thread.
fn run<F: std::future::Future>(f: F) -> F::Output {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
    }
    RT.with(|rt| rt.block_on(f))
}

/// The whole file through `Storage::read`.
fn read_all(s: &dyn Storage, p: &VirtualPath) -> Result<Vec<u8>, StorageError> {
    run(async {
        let mut r = s.read(p, 0).await?;
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).await?;
        Ok(buf)
    })
}

/// Every entry through `Storage::list`.
fn list_all(s: &dyn Storage, p: &VirtualPath) -> Result<Vec<DirEntry>, StorageError> {
    run(async {
        let mut stream = s.list(p).await?;
        let mut out = Vec::new();
        while let Some(batch) = stream.next_batch().await {
            out.extend(batch?);
        }
        Ok(out)
    })
}

/// Upload `data` to `p` in `mode`, then commit (or abort).
fn put(
    s: &dyn Storage,
    p: &VirtualPath,
    mode: WriteMode,
    data: &[u8],
    commit: bool,
) -> Result<(), StorageError> {
    run(async {
        let mut up = s.write(p, mode).await?;
        up.write(data).await?;
        if commit {
            up.commit().await
        } else {
            up.abort().await;
            Ok(())
        }
    })
}

/// Everything under `dir`, without following symlinks: path -> contents
/// (file bytes, link target, or a tag for directories).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let content = if meta.is_dir() {
                stack.push(path.clone());
                b"<dir>".to_vec()
            } else if meta.file_type().is_symlink() {
                std::fs::read_link(&path)
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec()
            } else {
                std::fs::read(&path).unwrap()
            };
            out.insert(path, content);
        }
    }
    out
}

/// Where `vpath` really leads on the host, following symlinks the way the
/// kernel would without a sandbox. `None` if it leads nowhere.
fn host_target(fx: &Fixture, vpath: &VirtualPath) -> Option<PathBuf> {
    std::fs::canonicalize(fx.root.join(vpath.relative())).ok()
}

fn leads_outside(fx: &Fixture, vpath: &VirtualPath) -> bool {
    let root = std::fs::canonicalize(&fx.root).unwrap();
    host_target(fx, vpath).is_some_and(|t| !t.starts_with(root))
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Metadata,
    Read,
    List,
    ReplaceCommit,
    ReplaceAbort,
    WriteAt,
    Append,
    CreateNew,
    CreateDir,
    RemoveDir,
    RemoveFile,
    RenameFrom,
    RenameTo,
    Scope,
}

const READ_OPS: &[Op] = &[Op::Metadata, Op::Read, Op::List, Op::Scope];
const ALL_OPS: &[Op] = &[
    Op::Metadata,
    Op::Read,
    Op::List,
    Op::ReplaceCommit,
    Op::ReplaceAbort,
    Op::WriteAt,
    Op::Append,
    Op::CreateNew,
    Op::CreateDir,
    Op::RemoveDir,
    Op::RemoveFile,
    Op::RenameFrom,
    Op::RenameTo,
    Op::Scope,
];

/// Names that only exist outside the root.
fn outside_name(name: &str) -> bool {
    name == OUTSIDE_MARKER || name == "secret.txt" || name == "passwd"
}

/// Run one operation and check the read-side oracle. Returns whether it
/// succeeded (for the failure message only). Anything written is a marker,
/// so a silent escape shows up in the snapshot of `outside/`.
fn run_op(fx: &Fixture, op: Op, p: &VirtualPath, what: &str) -> bool {
    let s: &dyn Storage = &fx.storage;
    let outside = leads_outside(fx, p);
    let marker = b"PWNED";
    match op {
        Op::Metadata => {
            let r = run(s.metadata(p));
            assert!(!(outside && r.is_ok()), "{what}: metadata escaped: {r:?}");
            r.is_ok()
        }
        Op::Read => match read_all(s, p) {
            Ok(buf) => {
                assert!(!outside, "{what}: read escaped");
                assert!(
                    !buf.windows(9).any(|w| w == b"TOP-SECRE"),
                    "{what}: secret read"
                );
                true
            }
            Err(_) => false,
        },
        Op::List => match list_all(s, p) {
            Ok(entries) => {
                assert!(!outside, "{what}: list escaped");
                for e in entries {
                    assert!(
                        !outside_name(&e.name),
                        "{what}: list showed an outside name {:?}",
                        e.name
                    );
                }
                true
            }
            Err(_) => false,
        },
        Op::ReplaceCommit => put(s, p, WriteMode::Replace, marker, true).is_ok(),
        Op::ReplaceAbort => put(s, p, WriteMode::Replace, marker, false).is_ok(),
        Op::WriteAt => put(s, p, WriteMode::At(0), marker, true).is_ok(),
        Op::Append => put(s, p, WriteMode::Append, marker, true).is_ok(),
        Op::CreateNew => put(s, p, WriteMode::CreateNew, marker, true).is_ok(),
        Op::CreateDir => run(s.create_dir(p)).is_ok(),
        Op::RemoveDir => run(s.remove_dir(p)).is_ok(),
        Op::RemoveFile => run(s.remove_file(p)).is_ok(),
        Op::RenameFrom => run(s.rename(p, &VirtualPath::root().join("renamed").unwrap())).is_ok(),
        Op::RenameTo => run(s.rename(&VirtualPath::root().join("file.txt").unwrap(), p)).is_ok(),
        Op::Scope => match run(s.scope(p)) {
            Ok(home) => {
                assert!(!outside, "{what}: scope escaped");
                let entries = list_all(home.as_ref(), &VirtualPath::root()).unwrap_or_default();
                assert!(
                    entries.iter().all(|e| !outside_name(&e.name)),
                    "{what}: a scoped view listed an outside name"
                );
                true
            }
            Err(_) => false,
        },
    }
}

/// Try `arg` from each working directory with each op, each in a fresh tree.
fn attack(arg: &str, ops: &[Op]) {
    for cwd in ["/", "/sub/inner", "/link_outside_dir"] {
        for &op in ops {
            let fx = fixture();
            let cwd_path = VirtualPath::root().resolve(cwd).unwrap();
            let what = format!("{op:?} {arg:?} from {cwd}");
            let p = match cwd_path.resolve(arg) {
                Ok(p) => p,
                Err(e) => {
                    assert!(arg.contains('\0'), "{what}: unexpected {e}");
                    assert_eq!(e, PathError::Nul);
                    continue;
                }
            };
            let before = snapshot(&fx.outside);
            let ok = run_op(&fx, op, &p, &what);
            assert_eq!(
                before,
                snapshot(&fx.outside),
                "{what} (ok={ok}) changed outside/"
            );
            assert!(fx.root.is_dir(), "{what}: root vanished");
            let probe = Path::new("/etc").join(ETC_PROBE);
            if std::fs::symlink_metadata(&probe).is_ok() {
                let _ = std::fs::remove_dir(&probe).or_else(|_| std::fs::remove_file(&probe));
                panic!("{what}: created {ETC_PROBE} in /etc");
            }
        }
    }
}

/// Paths that every operation, reads and writes, is tried with.
const ESCAPES: &[&str] = &[
    "..",
    "../..",
    "/../",
    "%2e%2e",
    "%2e%2e/outside/secret.txt",
    "a/../../b",
    "../outside/secret.txt",
    "/../outside/secret.txt",
    "../../../../../../outside",
    "....//",
    "..../outside/secret.txt",
    "..\\outside\\secret.txt",
    "secret.txt",
    "link_secret",
    "link_outside_dir",
    "link_outside_dir/secret.txt",
    "link_outside_dir/new.txt",
    "link_outside_dir/newdir",
    "link_outside_dir/emptydir",
    "../outside/emptydir",
    "sub/upup/outside/emptydir",
    "/link_outside_dir/../outside/secret.txt",
    "abs_outside",
    "abs_outside/secret.txt",
    "abs_outside/new.txt",
    "link_etc",
    "link_etc/ftpd-sandbox-test-probe",
    "chain1",
    "chain2",
    "sub/chain3",
    "sub/upup",
    "sub/upup/outside/secret.txt",
    "sub/upup/outside/new.txt",
    "sub/up/sub/upup/outside/secret.txt",
    "dangling_out",
    "a\0b",
    "../outside/secret.txt\0",
    "link_secret\0.txt",
    "evil\r\nname",
    "evil\nname",
    "evil\rname",
    "../outside\r\n/secret.txt",
    "link_outside_dir\r\n",
];

/// Existing files outside the root: only read operations are tried, so a
/// broken sandbox could not damage the host.
const READ_ONLY_ESCAPES: &[&str] = &[
    "link_etc/passwd",
    "link_etc/hostname",
    "/link_etc/../link_etc/passwd",
    "sub/upup/../../../etc/passwd",
];

#[test]
fn escape_table_every_op_stays_inside_root() {
    for arg in ESCAPES {
        attack(arg, ALL_OPS);
    }
}

#[test]
fn escape_table_host_files_are_not_readable() {
    for arg in READ_ONLY_ESCAPES {
        attack(arg, READ_OPS);
    }
}
