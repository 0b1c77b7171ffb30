//! The single cases: escaping symlinks refused one by one, links inside
//! followed, listings, atomic uploads and their temp files, odd files, and
//! the basic operations working inside the root.

use super::*;

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
        assert!(run(fx.storage.metadata(&p)).is_err(), "{name}");
    }
}

#[test]
fn dangling_link_out_is_not_created_through() {
    let fx = fixture();
    let p = VirtualPath::root().join("dangling_out").unwrap();
    assert!(put(&fx.storage, &p, WriteMode::At(0), b"x", true).is_err());
    assert!(put(&fx.storage, &p, WriteMode::Append, b"x", true).is_err());
    assert!(!fx.outside.join("created-through-link").exists());
}

#[test]
fn cr_lf_names_are_created_inside_root() {
    let fx = fixture();
    let p = VirtualPath::root().resolve("evil\r\nname").unwrap();
    put(&fx.storage, &p, WriteMode::CreateNew, b"", true).unwrap();
    assert!(fx.root.join("evil\r\nname").is_file());
    let names = list_all(&fx.storage, &VirtualPath::root()).unwrap();
    assert!(names.iter().any(|e| e.name == "evil\r\nname"));
}

#[test]
fn symlink_inside_root_is_followed() {
    let fx = fixture();
    let p = VirtualPath::root().join("link_inside").unwrap();
    let meta = run(fx.storage.metadata(&p)).unwrap();
    assert_eq!(meta.kind, FileKind::File);
    assert_eq!(meta.len, 6);
    assert_eq!(read_all(&fx.storage, &p).unwrap(), b"inside");
    // sub/up -> .. is a directory link that stays inside.
    let up = VirtualPath::root().resolve("sub/up").unwrap();
    assert!(run(fx.storage.metadata(&up)).unwrap().is_dir());
}

fn listing(fx: &Fixture, dir: &str) -> BTreeMap<String, FileKind> {
    let dir = VirtualPath::root().resolve(dir).unwrap();
    list_all(&fx.storage, &dir)
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.meta.kind))
        .collect()
}

#[test]
fn list_follows_inside_links_and_shows_escaping_ones_as_symlinks() {
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
fn list_non_utf8_name_is_lossy_and_followed() {
    let fx = fixture();
    let raw = std::ffi::OsStr::from_bytes(b"bad-\xff-name");
    symlink("file.txt", fx.root.join(raw)).unwrap();
    let l = listing(&fx, "/");
    assert_eq!(l["bad-\u{fffd}-name"], FileKind::File);
}

#[test]
fn list_of_a_large_directory_comes_in_batches_and_whole() {
    let fx = fixture();
    let dir = fx.root.join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..1000 {
        std::fs::write(dir.join(format!("f{i:04}")), b"").unwrap();
    }
    let p = VirtualPath::root().join("many").unwrap();
    let batches = run(async {
        let mut stream = fx.storage.list(&p).await.unwrap();
        let mut sizes = Vec::new();
        while let Some(batch) = stream.next_batch().await {
            sizes.push(batch.unwrap().len());
        }
        sizes
    });
    assert!(batches.len() > 1, "one batch of {batches:?}");
    assert!(batches.iter().all(|&n| n > 0));
    assert_eq!(batches.iter().sum::<usize>(), 1000);
}

/// The name of the one temp upload file in `dir` (on the host).
fn temp_file_in(dir: &Path) -> Option<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(TEMP_PREFIX))
}

#[test]
fn list_hides_temp_files_and_clients_cannot_address_them() {
    let fx = fixture();
    let s: &dyn Storage = &fx.storage;
    let target = VirtualPath::root().join("up.bin").unwrap();
    let up = run(s.write(&target, WriteMode::Replace)).unwrap();
    let temp = temp_file_in(&fx.root).expect("a temp file while uploading");
    assert!(listing(&fx, "/")
        .keys()
        .all(|n| !n.starts_with(TEMP_PREFIX)));
    let temp = VirtualPath::root().join(&temp).unwrap();
    assert!(matches!(
        run(s.metadata(&temp)),
        Err(StorageError::InvalidName)
    ));
    assert!(matches!(read_all(s, &temp), Err(StorageError::InvalidName)));
    assert!(matches!(
        run(s.remove_file(&temp)),
        Err(StorageError::InvalidName)
    ));
    for mode in [WriteMode::CreateNew, WriteMode::Replace, WriteMode::Append] {
        assert!(matches!(
            put(s, &temp, mode, b"x", true),
            Err(StorageError::InvalidName)
        ));
    }
    run(up.abort());
    assert_no_temp_files(&fx.root);
}

#[test]
fn replace_commit_replaces_target_atomically() {
    let fx = fixture();
    let target = VirtualPath::root().join("file.txt").unwrap();
    let mut up = run(fx.storage.write(&target, WriteMode::Replace)).unwrap();
    run(up.write(b"new contents")).unwrap();
    // Until committed, readers see the old file.
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    run(up.commit()).unwrap();
    assert_eq!(
        std::fs::read(fx.root.join("file.txt")).unwrap(),
        b"new contents"
    );
    assert_no_temp_files(&fx.root);
}

#[test]
fn replace_abort_leaves_old_file_intact() {
    let fx = fixture();
    let target = VirtualPath::root().join("file.txt").unwrap();
    put(
        &fx.storage,
        &target,
        WriteMode::Replace,
        b"half an upl",
        false,
    )
    .unwrap();
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    assert_no_temp_files(&fx.root);
}

#[test]
fn replace_over_symlink_replaces_the_link_not_its_target() {
    let fx = fixture();
    let target = VirtualPath::root().join("link_inside").unwrap();
    put(&fx.storage, &target, WriteMode::Replace, b"replaced", true).unwrap();
    assert_eq!(std::fs::read(fx.root.join("file.txt")).unwrap(), b"inside");
    assert!(!std::fs::symlink_metadata(fx.root.join("link_inside"))
        .unwrap()
        .is_symlink());
}

#[test]
fn upload_to_directory_is_refused() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    for p in [sub, VirtualPath::root()] {
        for mode in [WriteMode::Replace, WriteMode::Append, WriteMode::At(0)] {
            assert!(
                matches!(
                    put(&fx.storage, &p, mode, b"x", true),
                    Err(StorageError::IsADirectory)
                ),
                "{p} {mode:?}"
            );
        }
    }
}

#[test]
fn write_modes_in_place() {
    let fx = fixture();
    let s: &dyn Storage = &fx.storage;
    let f = VirtualPath::root().join("f.txt").unwrap();
    put(s, &f, WriteMode::CreateNew, b"abcdef", true).unwrap();
    assert!(matches!(
        put(s, &f, WriteMode::CreateNew, b"x", true),
        Err(StorageError::AlreadyExists)
    ));
    put(s, &f, WriteMode::Append, b"gh", true).unwrap();
    assert_eq!(std::fs::read(fx.root.join("f.txt")).unwrap(), b"abcdefgh");
    // REST+STOR: overwrite from the offset, the file ends where it ends.
    put(s, &f, WriteMode::At(2), b"XY", true).unwrap();
    assert_eq!(std::fs::read(fx.root.join("f.txt")).unwrap(), b"abXY");
    assert!(matches!(
        put(s, &f, WriteMode::At(5), b"x", true),
        Err(StorageError::OffsetBeyondEnd)
    ));
    // An aborted in-place write keeps what it wrote (the client resumes it).
    put(s, &f, WriteMode::Append, b"partial", false).unwrap();
    assert_eq!(
        std::fs::read(fx.root.join("f.txt")).unwrap(),
        b"abXYpartial"
    );
}

#[test]
fn read_from_an_offset_and_past_the_end() {
    let fx = fixture();
    let p = VirtualPath::root().join("file.txt").unwrap();
    let (rest, remaining) = run(async {
        let mut r = fx.storage.read(&p, 2).await.unwrap();
        let remaining = r.remaining();
        let mut buf = Vec::new();
        r.read_to_end(&mut buf).await.unwrap();
        (buf, remaining)
    });
    assert_eq!(rest, b"side");
    assert_eq!(remaining, Some(4));
    assert!(matches!(
        run(fx.storage.read(&p, 7)),
        Err(StorageError::OffsetBeyondEnd)
    ));
}

pub(super) fn assert_no_temp_files(dir: &Path) {
    assert_eq!(temp_file_in(dir), None);
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
fn read_refuses_directories() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    for p in [sub, VirtualPath::root()] {
        assert!(matches!(
            read_all(&fx.storage, &p),
            Err(StorageError::IsADirectory)
        ));
    }
}

#[test]
fn read_and_write_refuse_a_fifo_without_blocking() {
    let fx = fixture();
    let fifo = fx.root.join("fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    let p = VirtualPath::root().join("fifo").unwrap();
    assert!(matches!(
        read_all(&fx.storage, &p),
        Err(StorageError::PermissionDenied)
    ));
    assert!(put(&fx.storage, &p, WriteMode::Append, b"x", true).is_err());
}

#[test]
fn remove_file_refuses_directories() {
    let fx = fixture();
    let sub = VirtualPath::root().join("sub").unwrap();
    assert!(matches!(
        run(fx.storage.remove_file(&sub)),
        Err(StorageError::IsADirectory)
    ));
    assert!(fx.root.join("sub").is_dir());
}

#[test]
fn root_cannot_be_removed_or_renamed() {
    let fx = fixture();
    let s = &fx.storage;
    let r = VirtualPath::root();
    let x = r.join("x").unwrap();
    assert!(run(s.remove_dir(&r)).is_err());
    assert!(run(s.remove_file(&r)).is_err());
    assert!(run(s.rename(&r, &x)).is_err());
    assert!(run(s.rename(&x, &r)).is_err());
    assert!(fx.root.is_dir());
}

#[test]
fn basic_operations_work_inside() {
    let fx = fixture();
    let s = &fx.storage;
    let d = VirtualPath::root().resolve("/sub/new").unwrap();
    run(s.create_dir(&d)).unwrap();
    assert!(matches!(
        run(s.create_dir(&d)),
        Err(StorageError::AlreadyExists)
    ));
    let f = d.join("f.txt").unwrap();
    put(s, &f, WriteMode::CreateNew, b"abc", true).unwrap();
    assert_eq!(
        run(s.metadata(&f)).unwrap().mode & 0o022,
        0,
        "no group/other write"
    );
    assert!(matches!(
        run(s.remove_dir(&d)),
        Err(StorageError::DirectoryNotEmpty)
    ));
    let g = VirtualPath::root().join("g.txt").unwrap();
    run(s.rename(&f, &g)).unwrap();
    run(s.remove_file(&g)).unwrap();
    run(s.remove_dir(&d)).unwrap();
    assert!(matches!(run(s.metadata(&g)), Err(StorageError::NotFound)));
    assert_eq!(s.capabilities(), Capabilities::ALL);
}

#[test]
fn new_refuses_missing_or_non_directory_root() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(LocalStorage::new(&tmp.path().join("missing")).is_err());
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    assert!(LocalStorage::new(&file).is_err());
}
