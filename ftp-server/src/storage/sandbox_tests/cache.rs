//! The local backend drops the cached pages of a large file that an upload
//! replaces (see `files::drop_cached_pages`), and leaves small ones alone.

use super::*;

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
    let up = run(storage.write(&target, WriteMode::Replace)).unwrap();
    let after = resident_share(&old);
    assert!(after < 0.1, "{:.0}% still cached", after * 100.0);
    run(up.abort());
    assert!(
        std::fs::read(&path).unwrap() == data,
        "old contents changed"
    );

    // A small file is left alone (no extra open per small upload).
    let small = tmp.path().join("small.bin");
    std::fs::write(&small, &data[..1 << 20]).unwrap();
    let small_file = std::fs::File::open(&small).unwrap();
    small_file.sync_all().unwrap();
    let small_path = VirtualPath::root().join("small.bin").unwrap();
    let up = run(storage.write(&small_path, WriteMode::Replace)).unwrap();
    assert!(resident_share(&small_file) > 0.9);
    run(up.abort());
}
