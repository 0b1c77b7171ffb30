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

use super::*;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

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
    OpenRead,
    ReadDir,
    UploadPersist,
    UploadDiscard,
    OpenWrite,
    CreateNew,
    CreateDir,
    RemoveDir,
    RemoveFile,
    RenameFrom,
    RenameTo,
}

const READ_OPS: &[Op] = &[Op::Metadata, Op::OpenRead, Op::ReadDir];
const ALL_OPS: &[Op] = &[
    Op::Metadata,
    Op::OpenRead,
    Op::ReadDir,
    Op::UploadPersist,
    Op::UploadDiscard,
    Op::OpenWrite,
    Op::CreateNew,
    Op::CreateDir,
    Op::RemoveDir,
    Op::RemoveFile,
    Op::RenameFrom,
    Op::RenameTo,
];

/// Run one operation and check the read-side oracle. Returns whether it
/// succeeded (for the failure message only).
fn run_op(fx: &Fixture, op: Op, p: &VirtualPath, what: &str) -> bool {
    let s = &fx.storage;
    let outside = leads_outside(fx, p);
    let scribble = |mut f: std::fs::File| f.write_all(b"PWNED").unwrap();
    match op {
        Op::Metadata => {
            let r = s.metadata(p);
            assert!(!(outside && r.is_ok()), "{what}: metadata escaped: {r:?}");
            r.is_ok()
        }
        Op::OpenRead => match s.open_read(p) {
            Ok(mut f) => {
                assert!(!outside, "{what}: open_read escaped");
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).unwrap();
                assert!(
                    !buf.windows(9).any(|w| w == b"TOP-SECRE"),
                    "{what}: secret read"
                );
                true
            }
            Err(_) => false,
        },
        Op::ReadDir => match s.read_dir(p) {
            Ok(iter) => {
                assert!(!outside, "{what}: read_dir escaped");
                for e in iter {
                    let name = e.unwrap().name;
                    assert!(
                        name != OUTSIDE_MARKER && name != "secret.txt" && name != "passwd",
                        "{what}: read_dir listed an outside name {name:?}"
                    );
                }
                true
            }
            Err(_) => false,
        },
        Op::UploadPersist | Op::UploadDiscard => match s.create_upload(p) {
            Ok(mut up) => {
                up.file.write_all(b"PWNED").unwrap();
                if matches!(op, Op::UploadPersist) {
                    s.persist_upload(up).is_ok()
                } else {
                    s.discard_upload(up);
                    true
                }
            }
            Err(_) => false,
        },
        Op::OpenWrite => s.open_write(p).map(scribble).is_ok(),
        Op::CreateNew => s.create_new(p).map(scribble).is_ok(),
        Op::CreateDir => s.create_dir(p).is_ok(),
        Op::RemoveDir => s.remove_dir(p).is_ok(),
        Op::RemoveFile => s.remove_file(p).is_ok(),
        Op::RenameFrom => s
            .rename(p, &VirtualPath::root().join("renamed").unwrap())
            .is_ok(),
        Op::RenameTo => s
            .rename(&VirtualPath::root().join("file.txt").unwrap(), p)
            .is_ok(),
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

#[test]
fn escaping_symlinks_are_refused_by_metadata() {
    let fx = fixture();
    for name in [
        "link_secret",
        "link_outside_dir",
        "link_etc",
        "abs_outside",
        "chain1",
        "sub/upup",
    ] {
        let p = VirtualPath::root().resolve(name).unwrap();
        assert!(fx.storage.metadata(&p).is_err(), "{name}");
    }
}

#[test]
fn dangling_link_out_is_not_created_through() {
    let fx = fixture();
    let p = VirtualPath::root().join("dangling_out").unwrap();
    assert!(fx.storage.open_write(&p).is_err());
    assert!(!fx.outside.join("created-through-link").exists());
}

#[test]
fn cr_lf_names_are_created_inside_root() {
    let fx = fixture();
    let p = VirtualPath::root().resolve("evil\r\nname").unwrap();
    fx.storage.create_new(&p).unwrap();
    assert!(fx.root.join("evil\r\nname").is_file());
    let names: Vec<String> = fx
        .storage
        .read_dir(&VirtualPath::root())
        .unwrap()
        .map(|e| e.unwrap().name)
        .collect();
    assert!(names.iter().any(|n| n == "evil\r\nname"));
}

#[test]
fn symlink_inside_root_is_followed() {
    let fx = fixture();
    let p = VirtualPath::root().join("link_inside").unwrap();
    let meta = fx.storage.metadata(&p).unwrap();
    assert_eq!(meta.kind, FileKind::File);
    assert_eq!(meta.len, 6);
    let mut buf = String::new();
    fx.storage
        .open_read(&p)
        .unwrap()
        .read_to_string(&mut buf)
        .unwrap();
    assert_eq!(buf, "inside");
    // sub/up -> .. is a directory link that stays inside.
    let up = VirtualPath::root().resolve("sub/up").unwrap();
    assert!(fx.storage.metadata(&up).unwrap().is_dir());
}

fn listing(fx: &Fixture, dir: &str) -> BTreeMap<String, FileKind> {
    let dir = VirtualPath::root().resolve(dir).unwrap();
    fx.storage
        .read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.name, e.meta.kind))
        .collect()
}

#[test]
fn read_dir_follows_inside_links_and_shows_escaping_ones_as_symlinks() {
    let fx = fixture();
    let l = listing(&fx, "/");
    assert_eq!(l["file.txt"], FileKind::File);
    assert_eq!(l["sub"], FileKind::Dir);
    assert_eq!(l["link_inside"], FileKind::File);
    for name in [
        "link_secret",
        "link_outside_dir",
        "link_etc",
        "abs_outside",
        "dangling_out",
        "chain1",
        "chain2",
    ] {
        assert_eq!(l[name], FileKind::Symlink, "{name}");
    }
    let sub = listing(&fx, "/sub");
    assert_eq!(
        sub["up"],
        FileKind::Dir,
        "a link to the parent stays inside"
    );
    assert_eq!(sub["upup"], FileKind::Symlink);
    assert_eq!(sub["chain3"], FileKind::Symlink);
}

#[test]
fn read_dir_non_utf8_name_is_lossy_and_followed() {
    let fx = fixture();
    let raw = std::ffi::OsStr::from_bytes(b"bad-\xff-name");
    symlink("file.txt", fx.root.join(raw)).unwrap();
    let l = listing(&fx, "/");
    assert_eq!(l["bad-\u{fffd}-name"], FileKind::File);
}

#[test]
fn read_dir_hides_temp_files() {
    let fx = fixture();
    let target = VirtualPath::root().join("up.bin").unwrap();
    let up = fx.storage.create_upload(&target).unwrap();
    assert!(up.temp.file_name().unwrap().starts_with(TEMP_PREFIX));
    assert!(listing(&fx, "/")
        .keys()
        .all(|n| !n.starts_with(TEMP_PREFIX)));
    fx.storage.discard_upload(up);
}

#[test]
fn temp_names_are_not_addressable_by_clients() {
    let fx = fixture();
    let target = VirtualPath::root().join("up.bin").unwrap();
    let up = fx.storage.create_upload(&target).unwrap();
    let s = &fx.storage;
    assert!(matches!(
        s.metadata(&up.temp),
        Err(StorageError::InvalidName)
    ));
    assert!(matches!(
        s.open_read(&up.temp),
        Err(StorageError::InvalidName)
    ));
    assert!(matches!(
        s.remove_file(&up.temp),
        Err(StorageError::InvalidName)
    ));
    assert!(matches!(
        s.create_new(&up.temp),
        Err(StorageError::InvalidName)
    ));
    s.discard_upload(up);
}

#[test]
fn upload_persist_replaces_target_atomically() {
    let fx = fixture();
    let target = VirtualPath::root().join("file.txt").unwrap();
    let mut up = fx.storage.create_upload(&target).unwrap();
    up.file.write_all(b"new contents").unwrap();
    // Until persisted, readers see the old file.
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    fx.storage.persist_upload(up).unwrap();
    assert_eq!(
        std::fs::read(fx.root.join("file.txt")).unwrap(),
        b"new contents"
    );
    assert_no_temp_files(&fx.root);
}

#[test]
fn upload_discard_leaves_old_file_intact() {
    let fx = fixture();
    let target = VirtualPath::root().join("file.txt").unwrap();
    let mut up = fx.storage.create_upload(&target).unwrap();
    up.file.write_all(b"half an upl").unwrap();
    fx.storage.discard_upload(up);
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    assert_no_temp_files(&fx.root);
}

#[test]
fn upload_over_symlink_replaces_the_link_not_its_target() {
    let fx = fixture();
    let target = VirtualPath::root().join("link_inside").unwrap();
    let mut up = fx.storage.create_upload(&target).unwrap();
    up.file.write_all(b"replaced").unwrap();
    fx.storage.persist_upload(up).unwrap();
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    assert!(!std::fs::symlink_metadata(fx.root.join("link_inside"))
        .unwrap()
        .is_symlink());
}

#[test]
fn upload_to_directory_is_refused() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    assert!(matches!(
        fx.storage.create_upload(&sub),
        Err(StorageError::IsADirectory)
    ));
    assert!(matches!(
        fx.storage.create_upload(&VirtualPath::root()),
        Err(StorageError::IsADirectory)
    ));
}

fn assert_no_temp_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name();
        assert!(!name.to_string_lossy().starts_with(TEMP_PREFIX), "{name:?}");
    }
}

#[test]
fn cleanup_removes_leftover_temp_files_only_inside() {
    let fx = fixture();
    let stale = |d: &Path| d.join(format!("{TEMP_PREFIX}stale"));
    std::fs::write(stale(&fx.root), b"x").unwrap();
    std::fs::write(stale(&fx.root.join("sub/inner")), b"x").unwrap();
    std::fs::write(stale(&fx.outside), b"x").unwrap();
    std::fs::write(fx.root.join("keep.txt"), b"x").unwrap();
    assert_eq!(fx.storage.cleanup_temp_files(), 2);
    assert!(!stale(&fx.root).exists());
    assert!(!stale(&fx.root.join("sub/inner")).exists());
    assert!(
        stale(&fx.outside).exists(),
        "cleanup followed a link outside"
    );
    assert!(fx.root.join("keep.txt").exists());
}

#[test]
fn open_read_refuses_directories() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    assert!(matches!(
        fx.storage.open_read(&sub),
        Err(StorageError::IsADirectory)
    ));
    assert!(matches!(
        fx.storage.open_read(&VirtualPath::root()),
        Err(StorageError::IsADirectory)
    ));
}

#[test]
fn open_read_refuses_fifo_without_blocking() {
    let fx = fixture();
    let fifo = fx.root.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let p = VirtualPath::root().join("fifo").unwrap();
    assert!(matches!(
        fx.storage.open_read(&p),
        Err(StorageError::PermissionDenied)
    ));
    assert!(fx.storage.open_write(&p).is_err());
}

#[test]
fn remove_file_refuses_directories() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    assert!(matches!(
        fx.storage.remove_file(&sub),
        Err(StorageError::IsADirectory)
    ));
    assert!(fx.root.join("sub").is_dir());
}

#[test]
fn root_cannot_be_removed_or_renamed() {
    let fx = fixture();
    let r = VirtualPath::root();
    let x = r.join("x").unwrap();
    assert!(fx.storage.remove_dir(&r).is_err());
    assert!(fx.storage.remove_file(&r).is_err());
    assert!(fx.storage.rename(&r, &x).is_err());
    assert!(fx.storage.rename(&x, &r).is_err());
    assert!(fx.root.is_dir());
}

#[test]
fn basic_operations_work_inside() {
    let fx = fixture();
    let s = &fx.storage;
    let d = VirtualPath::root().resolve("/sub/new").unwrap();
    s.create_dir(&d).unwrap();
    assert!(matches!(s.create_dir(&d), Err(StorageError::AlreadyExists)));
    let f = d.join("f.txt").unwrap();
    s.create_new(&f).unwrap().write_all(b"abc").unwrap();
    assert!(matches!(s.create_new(&f), Err(StorageError::AlreadyExists)));
    let mut w = s.open_write(&f).unwrap();
    w.write_all(b"X").unwrap();
    drop(w);
    assert_eq!(
        std::fs::read(fx.root.join("sub/new/f.txt")).unwrap(),
        b"Xbc",
        "no truncation"
    );
    assert_eq!(
        s.metadata(&f).unwrap().mode & 0o022,
        0,
        "no group/other write"
    );
    assert!(matches!(
        s.remove_dir(&d),
        Err(StorageError::DirectoryNotEmpty)
    ));
    let g = VirtualPath::root().join("g.txt").unwrap();
    s.rename(&f, &g).unwrap();
    s.remove_file(&g).unwrap();
    s.remove_dir(&d).unwrap();
    assert!(matches!(s.metadata(&g), Err(StorageError::NotFound)));
}

#[test]
fn new_refuses_missing_or_non_directory_root() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(LocalStorage::new(&tmp.path().join("missing")).is_err());
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    assert!(LocalStorage::new(&file).is_err());
}

/// The share of `file`'s pages in the page cache, from mincore(2).
fn resident_share(file: &std::fs::File) -> f64 {
    use std::os::fd::AsRawFd;
    let len = file.metadata().unwrap().len() as usize;
    let page = 4096;
    let pages = len.div_ceil(page);
    let mut vec = vec![0u8; pages];
    // SAFETY: a read-only shared mapping of a file we hold open, unmapped
    // before returning; `vec` has one byte per page as mincore requires.
    unsafe {
        let addr = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        );
        assert_ne!(addr, libc::MAP_FAILED);
        assert_eq!(libc::mincore(addr, len, vec.as_mut_ptr()), 0);
        libc::munmap(addr, len);
    }
    vec.iter().filter(|b| *b & 1 == 1).count() as f64 / pages as f64
}

#[test]
fn replacing_a_large_file_drops_its_cached_pages_and_keeps_its_data() {
    // On the build directory's filesystem, not /tmp: a tmpfs has no disk
    // copy to fall back on and keeps every page, which would hide the drop.
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/storage-tests");
    std::fs::create_dir_all(&base).unwrap();
    let tmp = tempfile::tempdir_in(&base).unwrap();
    let data: Vec<u8> = (0..16u32 << 20).map(|i| (i % 251) as u8).collect();
    let path = tmp.path().join("big.bin");
    std::fs::write(&path, &data).unwrap();
    let old = std::fs::File::open(&path).unwrap();
    old.sync_all().unwrap(); // clean pages: the only kind that may be dropped
    let _ = std::fs::read(&path).unwrap();
    assert!(
        resident_share(&old) > 0.9,
        "the file should be cached to start with"
    );

    let storage = LocalStorage::new(tmp.path()).unwrap();
    let target = VirtualPath::root().join("big.bin").unwrap();
    let up = storage.create_upload(&target).unwrap();
    let after = resident_share(&old);
    assert!(after < 0.1, "{:.0}% still cached", after * 100.0);
    storage.discard_upload(up);
    assert!(
        std::fs::read(&path).unwrap() == data,
        "old contents changed"
    );

    // A small file is left alone (no extra open per small upload).
    let small = tmp.path().join("small.bin");
    std::fs::write(&small, &data[..1 << 20]).unwrap();
    let small_file = std::fs::File::open(&small).unwrap();
    small_file.sync_all().unwrap();
    let up = storage
        .create_upload(&VirtualPath::root().join("small.bin").unwrap())
        .unwrap();
    assert!(resident_share(&small_file) > 0.9);
    storage.discard_upload(up);
}
