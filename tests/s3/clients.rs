//! Stock clients and ftpc against an S3-backed ftpd, with the workflows
//! they run against a local root: upload, download, resume a download,
//! mirror a tree both ways, rename and delete. Content is checked in the
//! bucket and on disk by hash.

use crate::client::ftpc_in;
use crate::support::run::{curl, lftp, python};
use crate::support::s3::Bucket;
use crate::support::tree::{assert_same, write_sample_tree};
use crate::support::{pseudo_random, sha256, sha256_file};

#[test]
fn curl_uploads_downloads_resumes_renames_and_deletes() {
    let bucket = Bucket::new();
    let server = bucket.server("c");
    let dir = tempfile::tempdir().unwrap();
    let body = pseudo_random(6 << 20, 21);
    let src = dir.path().join("src.bin");
    std::fs::write(&src, &body).unwrap();
    curl([
        "-T",
        src.to_str().unwrap(),
        &server.url("up.bin"),
        "--ftp-create-dirs",
    ])
    .ok();
    assert_eq!(bucket.object("c/up.bin").unwrap().sha256, sha256(&body));
    let out = dir.path().join("down.bin");
    std::fs::write(&out, &body[..1_000_000]).unwrap();
    let resumed = curl([
        "-C",
        "-",
        "-o",
        out.to_str().unwrap(),
        &server.url("up.bin"),
    ]);
    resumed.ok();
    assert!(
        resumed.stderr.contains("REST 1000000"),
        "{}",
        resumed.stderr
    );
    assert_eq!(sha256_file(&out), sha256(&body));
    curl([
        "-Q",
        "RNFR up.bin",
        "-Q",
        "RNTO moved.bin",
        "-Q",
        "DELE moved.bin",
        &server.url(""),
        "-o",
        "/dev/null",
    ])
    .ok();
    assert!(bucket.keys().is_empty(), "{:?}", bucket.keys());
}

#[test]
fn lftp_mirrors_a_tree_both_ways_and_moves_and_removes() {
    let bucket = Bucket::new();
    let server = bucket.server("l");
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("src");
    write_sample_tree(&src);
    lftp(server.port(), None, local.path(), "mirror -R src /up").ok();
    for (rel, content) in crate::support::tree::sample_files() {
        let obj = bucket.object(&format!("l/up/{rel}"));
        assert_eq!(obj.map(|o| o.sha256), Some(sha256(&content)), "{rel}");
    }
    lftp(server.port(), None, local.path(), "mirror /up down").ok();
    assert_same(&src, &local.path().join("down"));
    lftp(
        server.port(),
        None,
        local.path(),
        "mv /up/top.txt /up/renamed.txt; rm -r /up/a",
    )
    .ok();
    assert!(bucket.object("l/up/renamed.txt").is_some());
    assert!(bucket.object("l/up/top.txt").is_none());
    assert!(!bucket.keys().iter().any(|k| k.starts_with("l/up/a/")));
}

#[test]
fn ftplib_stores_lists_resumes_renames_and_deletes() {
    let bucket = Bucket::new();
    let server = bucket.server("f");
    let port = server.port().to_string();
    let probe = |args: &[&str]| {
        let mut all = vec!["127.0.0.1", port.as_str()];
        all.extend_from_slice(args);
        let ran = python("ftplib_probe.py", all);
        ran.ok();
        ran.stdout.clone()
    };
    let dir = tempfile::tempdir().unwrap();
    let body = pseudo_random(200_000, 22);
    let src = dir.path().join("src.bin");
    std::fs::write(&src, &body).unwrap();
    probe(&["stor", src.to_str().unwrap(), "data.bin"]);
    assert_eq!(bucket.object("f/data.bin").unwrap().sha256, sha256(&body));
    assert_eq!(probe(&["size", "data.bin"]).trim(), "200000");
    assert!(probe(&["mlsd", "/"]).contains("data.bin\tmodify="));
    let out = dir.path().join("tail.bin");
    probe(&["rest_retr", "data.bin", "1234", out.to_str().unwrap()]);
    assert_eq!(sha256_file(&out), sha256(&body[1234..]));
    probe(&["rename", "data.bin", "other.bin"]);
    assert_eq!(probe(&["nlst"]).trim(), "other.bin");
    probe(&["delete", "other.bin"]);
    assert!(bucket.keys().is_empty());
}

#[test]
fn ftpc_puts_and_gets_trees_resumes_moves_and_removes() {
    let bucket = Bucket::new();
    let server = bucket.server("z");
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("tree");
    write_sample_tree(&src);
    let root = server.url("");
    ftpc_in(local.path(), &["put", "-r", "tree", &root]).ok();
    for (rel, content) in crate::support::tree::sample_files() {
        let obj = bucket.object(&format!("z/tree/{rel}"));
        assert_eq!(obj.map(|o| o.sha256), Some(sha256(&content)), "{rel}");
    }
    assert!(
        !bucket.keys().iter().any(|k| k.contains(".ftpc-part")),
        "{:?}",
        bucket.keys()
    );
    ftpc_in(local.path(), &["get", "-r", &server.url("tree"), "copy"]).ok();
    assert_same(&src, &local.path().join("copy"));
    // Resume a download from a partial local file.
    let big = crate::support::tree::sample_files()
        .into_iter()
        .find(|(rel, _)| rel.ends_with("big file.bin"))
        .unwrap()
        .1;
    let part = local.path().join("big.bin");
    std::fs::write(&part, &big[..100_000]).unwrap();
    ftpc_in(
        local.path(),
        &[
            "get",
            "-c",
            &server.url("tree/with space/big file.bin"),
            "big.bin",
        ],
    )
    .ok();
    assert_eq!(sha256_file(&part), sha256(&big));
    ftpc_in(
        local.path(),
        &["mv", &server.url("tree/top.txt"), "moved.txt"],
    )
    .ok();
    assert!(bucket.object("z/tree/moved.txt").is_some());
    ftpc_in(local.path(), &["rm", "-r", &server.url("tree")]).ok();
    assert!(bucket.keys().is_empty(), "{:?}", bucket.keys());
}
