//! What a failed upload leaves on the server, and what `get -r` makes of
//! it. proftpd creates a STOR's file before it accepts (or refuses) the TLS
//! data connection, so a refused upload left `.NAME.ftpc-part` at 0 bytes,
//! and a later `get -r` fetched those as if they were files of the tree.
//! Now ftpc removes an empty part file once it gives up on the upload (never
//! between retries, which continue it), and `get -r` skips part files.

use super::fake::{Fake, FakeConfig};
use super::others::{Kind, Peer};
use super::peers::Remote;
use super::{ftpc, ftpc_in, tempdir, write};

fn failing_stor() -> Fake {
    Fake::start(FakeConfig {
        stor_fails: true,
        ..FakeConfig::default()
    })
}

/// The commands a fake received that start with one of `verbs`.
fn sent(fake: &Fake, verbs: &[&str]) -> Vec<String> {
    fake.lines()
        .into_iter()
        .filter(|l| verbs.iter().any(|v| l.starts_with(v)))
        .collect()
}

#[test]
fn a_failed_put_removes_its_empty_part_file_only_after_the_last_retry() {
    let fake = failing_stor();
    let local = tempdir();
    let src = write(local.path(), "x.bin", b"some bytes");
    let out = ftpc(&[
        "--retries",
        "1",
        "put",
        src.to_str().expect("utf8"),
        &fake.url("x.bin"),
    ]);
    assert_ne!(out.code(), Some(0), "{}", out.describe());
    let lines = sent(&fake, &["STOR", "APPE", "DELE"]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        !lines[0].starts_with("DELE") && !lines[1].starts_with("DELE"),
        "{lines:?}"
    );
    assert_eq!(lines[2], "DELE .x.bin.ftpc-part", "{lines:?}");
}

#[test]
fn a_failed_put_r_removes_the_empty_part_files_it_gave_up_on() {
    let fake = failing_stor();
    let local = tempdir();
    write(local.path(), "t/a.bin", b"aaa");
    write(local.path(), "t/b.bin", b"bbb");
    let src = local.path().join("t");
    let out = ftpc(&[
        "--retries",
        "0",
        "-j",
        "1",
        "put",
        "-r",
        src.to_str().expect("utf8"),
        &fake.url("up"),
    ]);
    out.expect_code(7);
    let mut deleted = sent(&fake, &["DELE"]);
    deleted.sort();
    assert_eq!(
        deleted,
        ["DELE up/.a.bin.ftpc-part", "DELE up/.b.bin.ftpc-part"]
    );
}

/// Against proftpd: part files in the tree (another upload's, or an old
/// failure's) are not downloaded.
#[test]
fn get_r_skips_ftpc_part_files() {
    let s = Peer::start(Kind::Proftpd);
    write(&s.root(), "tree/real.txt", b"real");
    write(&s.root(), "tree/.real.txt.ftpc-part", b"");
    write(&s.root(), "tree/sub/.other.bin.ftpc-part", b"half");
    write(&s.root(), "tree/sub/.profile", b"a dot file");
    s.fixup();
    let local = tempdir();
    let out = ftpc_in(local.path(), &["get", "-r", &s.url("tree"), "back"]);
    out.ok();
    assert!(
        out.stderr.contains("2 files transferred"),
        "{}",
        out.describe()
    );
    let back = local.path().join("back");
    assert_eq!(std::fs::read(back.join("real.txt")).expect("real"), b"real");
    assert_eq!(
        std::fs::read(back.join("sub/.profile")).expect("dot file"),
        b"a dot file"
    );
    assert!(!back.join(".real.txt.ftpc-part").exists());
    assert!(!back.join("sub/.other.bin.ftpc-part").exists());
}
