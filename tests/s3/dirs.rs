//! Directories on S3: MKD writes the marker `dir/`, a prefix with objects
//! but no marker is still a directory (listed, entered with CWD), RMD
//! removes only an empty directory, and listings show sizes, times and
//! `type=dir`.

use super::{code, login};
use crate::support::data::RawData;
use crate::support::s3::Bucket;
use crate::support::sha256;

#[test]
fn mkd_writes_a_marker_and_rmd_removes_only_an_empty_directory() {
    let bucket = Bucket::new();
    let server = bucket.server("p");
    let mut r = login(server.addr);
    r.expect("MKD d", 257);
    let marker = bucket.object("p/d/").expect("marker object p/d/");
    assert_eq!(marker.size, 0);
    assert_eq!(code(&mut r, "MKD d").0, 550, "exists");
    assert_eq!(code(&mut r, "MKD nowhere/sub").0, 550, "no parent");
    r.expect("CWD d", 250);
    r.stor("f.txt", b"content");
    r.expect("CWD /", 250);
    let (c, text) = code(&mut r, "RMD d");
    assert_eq!(c, 550, "not empty: {text}");
    assert!(bucket.object("p/d/f.txt").is_some());
    r.expect("DELE d/f.txt", 250);
    r.expect("RMD d", 250);
    assert!(bucket.keys().is_empty(), "{:?}", bucket.keys());
    assert_eq!(code(&mut r, "RMD d").0, 550, "gone");
    assert_eq!(code(&mut r, "CWD d").0, 550);
    // A file is not a directory, and a directory is not a file.
    r.stor("plain", b"x");
    assert_eq!(code(&mut r, "RMD plain").0, 550);
    assert_eq!(code(&mut r, "CWD plain").0, 550);
    r.expect("MKD e", 257);
    assert_eq!(r.download("RETR e").final_code(), 550);
    assert_eq!(code(&mut r, "DELE e").0, 550);
    assert_eq!(r.upload("STOR e", b"x").final_code(), 550);
    assert_eq!(r.upload("STOR nowhere/f", b"x").final_code(), 550);
}

#[test]
fn a_prefix_without_a_marker_is_a_directory() {
    let bucket = Bucket::new();
    bucket.put("p/implicit/sub/f.txt", b"hello");
    let server = bucket.server("p");
    let mut r = login(server.addr);
    let list = r.listing("LIST");
    let line = list
        .lines()
        .find(|l| l.ends_with(" implicit"))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(line.starts_with('d'), "{line}");
    let mlsd = r.listing("MLSD");
    assert!(mlsd.contains("type=dir;"), "{mlsd}");
    r.expect("CWD implicit", 250);
    r.expect("CWD sub", 250);
    assert_eq!(r.retr("f.txt"), b"hello");
    assert_eq!(r.listing("NLST").trim(), "f.txt");
    r.expect("CWD /", 250);
    assert_eq!(code(&mut r, "RMD implicit").0, 550, "not empty");
    // Deleting the last object makes the directory go away with it, as
    // S3 has no directories of its own.
    r.expect("DELE implicit/sub/f.txt", 250);
    assert_eq!(code(&mut r, "CWD implicit").0, 550);
}

#[test]
fn listings_report_sizes_times_and_types() {
    let bucket = Bucket::new();
    let server = bucket.server("p");
    let mut r = login(server.addr);
    r.stor("a.txt", b"12345");
    r.expect("MKD dir", 257);
    r.stor("dir/inner", b"x");
    let list = r.listing("LIST");
    let a = list.lines().find(|l| l.ends_with(" a.txt")).unwrap();
    assert!(a.starts_with("-rw-r--r--") && a.contains(" 5 "), "{a}");
    let mlsd = r.listing("MLSD");
    let a = mlsd.lines().find(|l| l.ends_with(" a.txt")).unwrap();
    assert!(a.contains("type=file;") && a.contains("size=5;"), "{a}");
    assert!(a.contains("modify=2"), "{a}");
    let d = mlsd.lines().find(|l| l.ends_with(" dir")).unwrap();
    assert!(d.contains("type=dir;"), "{d}");
    assert!(
        !d.contains("modify="),
        "S3 keeps no time for a directory: {d}"
    );
    assert!(!mlsd.contains(" inner"), "one level only: {mlsd}");
    let names: Vec<&str> = mlsd
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(names, [".", "..", "a.txt", "dir"], "{mlsd}");
    let mlst = r.expect("MLST a.txt", 250).text();
    assert!(mlst.contains("size=5;"), "{mlst}");
    let nlst = r.listing("NLST dir");
    assert_eq!(nlst.trim(), "inner");
    let file = r.listing("LIST a.txt");
    assert!(file.trim_end().ends_with(" a.txt"), "{file}");
    assert_eq!(sha256(&r.retr("dir/inner")), sha256(b"x"));
}

#[test]
fn a_new_file_is_checked_against_its_parent_and_its_own_name() {
    let bucket = Bucket::new();
    crate::support::s3::s3tool(
        &bucket.endpoint,
        &["putmany", &bucket.name, "p/big/a", "150"],
    );
    bucket.put("p/big/a000050x/inner", b"x");
    bucket.put("p/big/zzz/inner", b"x");
    bucket.put("p/small/one.txt", b"1");
    let proxy = crate::support::s3proxy::S3Proxy::start(crate::support::s3::moto().addr);
    let server = bucket.server_with(bucket.config_via(&proxy.endpoint(), "p"), |c| {
        c.write = true
    });
    let mut r = login(server.addr);
    // A name that is a directory, inside the parent's first page and past it.
    assert_eq!(r.upload("STOR big/a000050x", b"x").final_code(), 550);
    assert_eq!(r.upload("STOR big/zzz", b"x").final_code(), 550);
    assert!(bucket.object("p/big/zzz").is_none());
    r.stor("big/zzz2", b"new");
    assert_eq!(r.upload("STOR missing/f", b"x").final_code(), 550);
    // A parent made by MKD: a HEAD of its marker and one listing for the
    // name, at once, then the PUT.
    r.expect("MKD made", 257);
    proxy.clear();
    r.stor("made/two.txt", b"2");
    let requests = proxy.requests();
    let count = |p: &str| requests.iter().filter(|q| q.starts_with(p)).count();
    let lists = requests
        .iter()
        .filter(|q| q.contains("list-type=2"))
        .count();
    assert_eq!(
        (count("head "), lists, count("put ")),
        (1, 1, 1),
        "{requests:#?}"
    );
    // A parent without a marker (small/ only holds objects) is found too.
    r.stor("small/two.txt", b"2");
    assert_eq!(sha256(&r.retr("small/two.txt")), sha256(b"2"));
}
