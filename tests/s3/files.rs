//! Files on S3: STOR as one PUT or a multipart upload, RETR as one GET
//! (ranged from REST), SIZE/MDTM from HEAD with nothing cached, DELE,
//! rename as copy then delete, and clear refusals for APPE and REST+STOR.

use ftp_server::storage::MIN_PART_SIZE;

use super::{code, login};
use crate::support::data::RawData;
use crate::support::s3::Bucket;
use crate::support::s3proxy::S3Proxy;
use crate::support::{pseudo_random, sha256};

#[test]
fn stor_then_retr_by_one_put_or_multipart_keeps_content() {
    let bucket = Bucket::new();
    let server = bucket.server("pre");
    let mut r = login(server.addr);
    let small = pseudo_random(10, 1);
    let one_part = pseudo_random(MIN_PART_SIZE, 2);
    let three_parts = pseudo_random(2 * MIN_PART_SIZE + 12345, 3);
    for (name, body) in [
        ("small.txt", &small),
        ("one.bin", &one_part),
        ("three.bin", &three_parts),
    ] {
        r.stor(name, body);
        let obj = bucket
            .object(&format!("pre/{name}"))
            .unwrap_or_else(|| panic!("{name} not stored"));
        assert_eq!(obj.sha256, sha256(body), "{name}");
        assert_eq!(obj.size, body.len() as u64);
        assert_eq!(sha256(&r.retr(name)), sha256(body), "{name} read back");
    }
    // A small file is one PUT; a larger one a multipart upload of
    // part-sized parts (S3's ETag of a multipart object ends in -PARTS).
    assert!(!bucket.object("pre/small.txt").unwrap().etag.contains('-'));
    assert!(
        !bucket.object("pre/one.bin").unwrap().etag.contains('-'),
        "exactly one part: one PUT"
    );
    assert!(bucket.object("pre/three.bin").unwrap().etag.ends_with("-3"));
    assert_eq!(bucket.uploads(), 0, "no multipart upload left open");
}

#[test]
fn rest_then_retr_is_one_ranged_get() {
    let bucket = Bucket::new();
    let body = pseudo_random(1 << 20, 4);
    bucket.put("pre/obj.bin", &body);
    let proxy = S3Proxy::start(crate::support::s3::moto().addr);
    let server = bucket.server_with(bucket.config_via(&proxy.endpoint(), "pre"), |c| {
        c.write = true
    });
    let mut r = login(server.addr);
    proxy.clear();
    r.expect("REST 1000", 350);
    let got = r.retr("obj.bin");
    assert_eq!(sha256(&got), sha256(&body[1000..]));
    let gets: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|q| q.starts_with(&format!("get /{}/pre/obj.bin ", bucket.name)))
        .collect();
    assert_eq!(gets.len(), 1, "one GET only: {gets:?}");
    assert!(gets[0].contains("range: bytes=1000-"), "{}", gets[0]);
    // At the end: an empty download; past it: a clear refusal.
    r.expect(&format!("REST {}", body.len()), 350);
    assert!(r.retr("obj.bin").is_empty());
    r.expect(&format!("REST {}", body.len() + 1), 350);
    let past = r.download("RETR obj.bin");
    assert_eq!(past.final_code(), 550, "{past:?}");
}

#[test]
fn size_mdtm_and_dele_see_the_other_instance_at_once() {
    let bucket = Bucket::new();
    let a = bucket.server("p");
    let b = bucket.server("p");
    let mut ra = login(a.addr);
    let mut rb = login(b.addr);
    ra.stor("f.txt", b"first");
    assert_eq!(code(&mut rb, "SIZE f.txt"), (213, "5".to_string()));
    let (mdtm, when) = code(&mut rb, "MDTM f.txt");
    assert_eq!(mdtm, 213);
    assert_eq!(when.len(), 14, "{when}");
    rb.stor("f.txt", b"second version");
    assert_eq!(code(&mut ra, "SIZE f.txt"), (213, "14".to_string()));
    assert_eq!(ra.retr("f.txt"), b"second version");
    rb.expect("DELE f.txt", 250);
    assert_eq!(bucket.object("p/f.txt"), None);
    assert_eq!(code(&mut ra, "SIZE f.txt").0, 550);
    assert_eq!(ra.download("RETR f.txt").final_code(), 550);
    assert_eq!(code(&mut ra, "DELE f.txt").0, 550, "a missing file");
}

#[test]
fn rename_of_a_file_copies_then_deletes_and_a_directory_is_refused_whole() {
    let bucket = Bucket::new();
    let server = bucket.server("p");
    let mut r = login(server.addr);
    let body = pseudo_random(300_000, 5);
    r.stor("a.bin", &body);
    r.expect("MKD d", 257);
    r.stor("d/inside.txt", b"x");
    r.expect("RNFR a.bin", 350);
    r.expect("RNTO d/b.bin", 250);
    assert_eq!(bucket.object("p/a.bin"), None);
    assert_eq!(bucket.object("p/d/b.bin").unwrap().sha256, sha256(&body));
    let before = bucket.keys();
    let (c, text) = code(&mut r, "RNFR d");
    assert_eq!(c, 550, "{text}");
    assert!(text.contains("directories"), "{text}");
    assert_eq!(bucket.keys(), before, "nothing moved");
    assert_eq!(code(&mut r, "RNFR missing").0, 550);
}

#[test]
fn appe_and_rest_stor_are_refused_and_feat_does_not_offer_rest_stream() {
    let bucket = Bucket::new();
    let server = bucket.server("p");
    let mut r = login(server.addr);
    r.stor("x.txt", b"original");
    let appe = r.upload("APPE x.txt", b"more");
    assert_eq!(appe.first.code.0, 502, "{appe:?}");
    assert!(appe.first.text().contains("APPE"), "{appe:?}");
    r.expect("REST 3", 350);
    let stor = r.upload("STOR x.txt", b"more");
    assert_eq!(stor.first.code.0, 504, "{stor:?}");
    assert_eq!(
        bucket.object("p/x.txt").unwrap().sha256,
        sha256(b"original")
    );
    let feat = r.expect("FEAT", 211).text();
    assert!(!feat.contains("REST STREAM"), "{feat}");
    assert!(feat.contains("SIZE") && feat.contains("MLST"), "{feat}");
    // STOU makes a new object beside the old one.
    let stou = r.upload("STOU x.txt", b"unique");
    assert_eq!(stou.final_code(), 226, "{stou:?}");
    assert_eq!(bucket.keys().len(), 2, "{:?}", bucket.keys());
}
