//! Issue 13's verbs on S3: HASH and the X* verbs stream the object like a
//! download and match its sha256 and MD5; MFMT and SITE CHMOD are refused
//! (an object's time is when it was written, and it has no mode), FEAT
//! leaves MFMT out, and the object is unchanged.

use super::{code, login};
use crate::support::data::RawData;
use crate::support::s3::Bucket;
use crate::support::{pseudo_random, sha256};

#[test]
fn hash_works_and_mfmt_and_chmod_are_refused_on_s3() {
    let bucket = Bucket::new();
    let server = bucket.server("p");
    let mut r = login(server.addr);
    let body = pseudo_random(3 * 1024 * 1024 + 7, 77);
    r.expect("MKD sub", 257);
    r.stor("sub/h.bin", &body);
    let digest = sha256(&body);
    let (c, text) = code(&mut r, "HASH sub/h.bin");
    assert_eq!(
        (c, text),
        (213, format!("SHA-256 0-{} {digest} sub/h.bin", body.len()))
    );
    let (c, text) = code(&mut r, "XSHA256 /sub/h.bin");
    assert_eq!((c, text.as_str()), (250, digest.as_str()));
    // ETag of a single PUT is the MD5, so XMD5 can be checked in the store.
    let etag = bucket.object("p/sub/h.bin").expect("object").etag;
    let (c, md5) = code(&mut r, "XMD5 sub/h.bin");
    assert_eq!(c, 250);
    assert_eq!(etag.trim_matches('"'), md5);
    assert_eq!(code(&mut r, "HASH sub").0, 550);
    assert_eq!(code(&mut r, "HASH missing").0, 550);

    let feat = r.expect("FEAT", 211).text();
    assert!(!feat.contains("MFMT"), "{feat}");
    assert!(feat.contains("HASH SHA-256*"), "{feat}");
    let (c, text) = code(&mut r, "MFMT 20200101000000 sub/h.bin");
    assert_eq!(c, 502, "{text}");
    assert!(text.contains("not supported by this storage"), "{text}");
    let (c, text) = code(&mut r, "SITE CHMOD 600 sub/h.bin");
    assert_eq!(c, 502, "{text}");
    assert_eq!(bucket.object("p/sub/h.bin").expect("object").sha256, digest);
    assert_eq!(bucket.keys(), ["p/sub/", "p/sub/h.bin"]);
}
