//! The sandbox on S3: no key outside the served prefix can be read,
//! listed, written, renamed or deleted, whatever path the client sends;
//! canary objects beside the prefix stay as they were. Odd names are
//! stored as they are. A user's home is a prefix inside the prefix.

use std::sync::Arc;

use ftp_server::accounts::Accounts;

use super::{code, login};
use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::s3::Bucket;
use crate::support::sha256;

const CANARIES: [&str; 5] = [
    "secret.txt",
    "pre-other/x.txt",
    "pr/x.txt",
    "pre",
    "other/pre/x.txt",
];

fn with_canaries() -> Bucket {
    let bucket = Bucket::new();
    for key in CANARIES {
        bucket.put(key, format!("canary {key}").as_bytes());
    }
    bucket.put("pre/in.txt", b"inside");
    bucket
}

fn canaries_intact(bucket: &Bucket) {
    for key in CANARIES {
        let obj = bucket.object(key).unwrap_or_else(|| panic!("{key} gone"));
        assert_eq!(
            obj.sha256,
            sha256(format!("canary {key}").as_bytes()),
            "{key}"
        );
    }
    for key in bucket.keys() {
        assert!(
            CANARIES.contains(&key.as_str()) || key.starts_with("pre/"),
            "a key outside the prefix: {key}"
        );
    }
}

#[test]
fn nothing_outside_the_prefix_is_reachable() {
    let bucket = with_canaries();
    let server = bucket.server("pre");
    let mut r = login(server.addr);
    for path in [
        "../secret.txt",
        "/../secret.txt",
        "../../../secret.txt",
        "%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "../pre-other/x.txt",
        "/../pre",
        "..\\secret.txt",
    ] {
        let t = r.download(&format!("RETR {path}"));
        assert_eq!(t.final_code(), 550, "RETR {path}: {t:?}");
        assert_eq!(code(&mut r, &format!("SIZE {path}")).0, 550, "{path}");
    }
    r.expect("CWD ..", 250);
    assert_eq!(
        r.expect("PWD", 257).text(),
        "\"/\" is the current directory"
    );
    assert_eq!(r.listing("NLST").trim(), "in.txt");
    assert_eq!(r.listing("NLST ..").trim(), "in.txt");
    assert_eq!(code(&mut r, "CWD ../pre-other").0, 550);
    // Writes land inside the prefix.
    r.stor("../../evil.txt", b"evil");
    r.expect("MKD ../newdir", 257);
    r.expect("RNFR in.txt", 350);
    r.expect("RNTO ../../moved.txt", 250);
    assert_eq!(code(&mut r, "DELE ../secret.txt").0, 550);
    assert_eq!(code(&mut r, "RMD ../pre-other").0, 550);
    assert!(bucket.object("pre/evil.txt").is_some());
    assert!(bucket.object("pre/newdir/").is_some());
    assert!(bucket.object("pre/moved.txt").is_some());
    canaries_intact(&bucket);
}

#[test]
fn odd_names_are_stored_as_they_are() {
    let bucket = with_canaries();
    let server = bucket.server("pre");
    let mut r = login(server.addr);
    let names = [
        "a b.txt",
        "ünïcødé ✓.txt",
        "#hash%41?.txt",
        "[br]*{x}.txt",
        "quote\"s'.txt",
        "semi;colon=eq&amp+plus",
        "~tilde^`",
    ];
    for name in names {
        r.stor(name, name.as_bytes());
        let obj = bucket
            .object(&format!("pre/{name}"))
            .unwrap_or_else(|| panic!("{name}: {:?}", bucket.keys()));
        assert_eq!(obj.sha256, sha256(name.as_bytes()));
        assert_eq!(r.retr(name), name.as_bytes());
    }
    let listed = r.listing("NLST");
    for name in names {
        assert!(listed.lines().any(|l| l == name), "{name} in {listed}");
    }
    // A control character would break listings: refused, nothing stored.
    assert_eq!(r.upload("STOR bad\u{1}name", b"x").final_code(), 553);
    canaries_intact(&bucket);
}

#[test]
fn a_users_home_is_a_prefix_inside_the_prefix() {
    let bucket = with_canaries();
    bucket.put("pre/home/alice/", b"");
    bucket.put("pre/home/alice/mine.txt", b"alice's");
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let hash = ftp_server::accounts::hash_password_from("pw\n".as_bytes()).unwrap();
    std::fs::write(
        &users,
        format!(
            "[[user]]\nname = \"alice\"\npassword = \"{hash}\"\nhome = \"home/alice\"\nwrite = true\n\
             [[user]]\nname = \"bob\"\npassword = \"{hash}\"\nhome = \"home/bob\"\n"
        ),
    )
    .unwrap();
    let accounts = Arc::new(Accounts::load_without_root(&users, 2).unwrap());
    let server = bucket.server_with(bucket.config("pre"), move |c| {
        c.accounts = Some(accounts);
        c.anonymous = false;
    });
    let mut r = RawSession::connect(server.addr);
    r.expect("USER alice", 331);
    r.expect("PASS pw", 230);
    assert_eq!(r.listing("NLST").trim(), "mine.txt");
    assert_eq!(r.download("RETR ../../in.txt").final_code(), 550);
    r.stor("../../up.txt", b"up");
    assert!(bucket.object("pre/home/alice/up.txt").is_some());
    // bob's home does not exist: his login is refused, as on disk.
    let mut b = RawSession::connect(server.addr);
    b.expect("USER bob", 331);
    assert_ne!(b.cmd("PASS pw").code.0, 230);
    canaries_intact(&bucket);
}
