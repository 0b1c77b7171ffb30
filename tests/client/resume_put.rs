//! `ftpc put -c` against ftpd, pyftpdlib and vsftpd: it sends only the bytes
//! the server lacks. The remote prefix always differs from the local file's
//! first bytes, so an upload that re-sends the whole file shows in the hash:
//! local = A + B and remote = X (as long as A) must end as X + B, not A + B.
//! Named after the regression: `put -c` looked only for `.NAME.ftpc-part`
//! and, finding none, uploaded everything over a half-uploaded target.
//! `get -c` shares the error for a destination longer than its source.

use std::path::Path;

use crate::support::{pseudo_random, sha256, sha256_file};

use super::peers::Remote;
use super::{ftpc, on_every_server, tempdir, write, Out};

/// Length of the part both sides have (1 MiB), and of the rest to send.
const HEAD: usize = 1 << 20;
const REST: usize = 300_001;

/// The local file (A + B) and a remote prefix X as long as A with other
/// bytes; `seed` keeps files of one test apart.
struct Case {
    local: Vec<u8>,
    prefix: Vec<u8>,
}

impl Case {
    fn new(seed: u64) -> Case {
        Case {
            local: pseudo_random(HEAD + REST, seed),
            prefix: pseudo_random(HEAD, seed + 1000),
        }
    }

    /// What the remote file must hold after `put -c`: X + B.
    fn resumed(&self) -> Vec<u8> {
        let mut want = self.prefix.clone();
        want.extend_from_slice(&self.local[HEAD..]);
        want
    }
}

/// The commands `ftpc -v` sent, in order (`> VERB ARG` lines).
fn sent(out: &Out) -> Vec<&str> {
    out.stderr
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("> "))
        .collect()
}

/// True if `first` was sent and the next line of the dialogue is `then`:
/// the two commands went out in one write, before any reply was read.
fn pipelined(out: &Out, first: &str, then: &str) -> bool {
    let lines: Vec<&str> = out.stderr.lines().map(str::trim).collect();
    lines.windows(2).any(|w| w[0] == first && w[1] == then)
}

fn put_c(server: &impl Remote, extra: &[&str], local: &Path, rel: &str) -> Out {
    let mut args = vec!["-v"];
    args.extend_from_slice(extra);
    let url = server.url(rel);
    args.extend(["put", "-c", local.to_str().expect("utf8"), &url]);
    ftpc(&args)
}

/// The target holds X: `put -c` appends B to it in place (APPE from its
/// size), sending no STOR and leaving no partial file.
fn continues_the_target(server: &impl Remote, dir: &str, extra: &[&str]) {
    let case = Case::new(31);
    let local = tempdir();
    let src = write(local.path(), "f.bin", &case.local);
    write(&server.root(), &format!("{dir}/f.bin"), &case.prefix);
    server.fixup();
    let out = put_c(server, extra, &src, &format!("{dir}/f.bin"));
    out.ok();
    let cmds = sent(&out);
    assert!(
        cmds.contains(&format!("> APPE {dir}/f.bin").as_str()),
        "{}",
        out.describe()
    );
    assert!(
        !cmds.iter().any(|c| c.starts_with("> STOR")),
        "{}",
        out.describe()
    );
    assert_eq!(
        sha256_file(&server.root().join(dir).join("f.bin")),
        sha256(&case.resumed()),
        "the whole file was sent again"
    );
    assert!(!server.root().join(dir).join(".f.bin.ftpc-part").exists());
}

/// `.g.bin.ftpc-part` holds X and `g.bin` an older version: the partial
/// file is continued and renamed over the target.
fn continues_the_part_file(server: &impl Remote, dir: &str, extra: &[&str]) -> Out {
    let case = Case::new(32);
    let local = tempdir();
    let src = write(local.path(), "g.bin", &case.local);
    write(
        &server.root(),
        &format!("{dir}/.g.bin.ftpc-part"),
        &case.prefix,
    );
    write(&server.root(), &format!("{dir}/g.bin"), b"an older version");
    server.fixup();
    let out = put_c(server, extra, &src, &format!("{dir}/g.bin"));
    out.ok();
    let cmds = sent(&out);
    assert!(
        cmds.contains(&format!("> APPE {dir}/.g.bin.ftpc-part").as_str()),
        "{}",
        out.describe()
    );
    assert!(
        cmds.contains(&format!("> RNTO {dir}/g.bin").as_str()),
        "{}",
        out.describe()
    );
    assert_eq!(
        sha256_file(&server.root().join(dir).join("g.bin")),
        sha256(&case.resumed())
    );
    assert!(!server.root().join(dir).join(".g.bin.ftpc-part").exists());
    out
}

/// Nothing on the server yet: an ordinary atomic upload of the whole file.
fn uploads_when_nothing_is_there(server: &impl Remote, dir: &str) {
    let case = Case::new(33);
    let local = tempdir();
    let src = write(local.path(), "n.bin", &case.local);
    std::fs::create_dir_all(server.root().join(dir)).expect("mkdir");
    server.fixup();
    let out = put_c(server, &[], &src, &format!("{dir}/n.bin"));
    out.ok();
    assert!(
        sent(&out).contains(&format!("> STOR {dir}/.n.bin.ftpc-part").as_str()),
        "{}",
        out.describe()
    );
    assert_eq!(
        sha256_file(&server.root().join(dir).join("n.bin")),
        sha256(&case.local)
    );
}

/// A remote file longer than the local one is not a prefix of it: `-c`
/// refuses (exit 1) and changes nothing. One exactly as long is complete:
/// nothing is sent.
fn refuses_a_longer_remote_and_skips_a_complete_one(server: &impl Remote, dir: &str) {
    let case = Case::new(34);
    let local = tempdir();
    let src = write(local.path(), "l.bin", &case.local);
    let longer = pseudo_random(HEAD + REST + 10, 35);
    write(&server.root(), &format!("{dir}/l.bin"), &longer);
    server.fixup();
    let out = put_c(server, &[], &src, &format!("{dir}/l.bin"));
    out.expect_code(1);
    assert!(out.stderr.contains("cannot resume"), "{}", out.describe());
    assert!(
        !sent(&out)
            .iter()
            .any(|c| c.starts_with("> STOR") || c.starts_with("> APPE")),
        "{}",
        out.describe()
    );
    assert_eq!(
        sha256_file(&server.root().join(dir).join("l.bin")),
        sha256(&longer)
    );

    let same_length = pseudo_random(HEAD + REST, 36);
    write(&server.root(), &format!("{dir}/l.bin"), &same_length);
    server.fixup();
    let out = put_c(server, &[], &src, &format!("{dir}/l.bin"));
    out.ok();
    assert!(
        !sent(&out)
            .iter()
            .any(|c| c.starts_with("> STOR") || c.starts_with("> APPE")),
        "{}",
        out.describe()
    );
}

/// Every single-file case, pipelined and with `--no-pipelining`; an atomic
/// resume asks SIZE of the partial file and of the target in one write,
/// unless pipelining is off.
fn single_files(server: &impl Remote) {
    continues_the_target(server, "t", &[]);
    let out = continues_the_part_file(server, "p", &[]);
    assert!(
        pipelined(&out, "> SIZE p/.g.bin.ftpc-part", "> SIZE p/g.bin"),
        "{}",
        out.describe()
    );
    continues_the_target(server, "t-sync", &["--no-pipelining"]);
    let out = continues_the_part_file(server, "p-sync", &["--no-pipelining"]);
    assert!(
        !pipelined(
            &out,
            "> SIZE p-sync/.g.bin.ftpc-part",
            "> SIZE p-sync/g.bin"
        ),
        "{}",
        out.describe()
    );
    uploads_when_nothing_is_there(server, "n");
    refuses_a_longer_remote_and_skips_a_complete_one(server, "l");
}

/// `put -c -r -j 2`: in one tree a half-uploaded target, a partial file and
/// a file not there yet each end up right.
fn recursive(server: &impl Remote) {
    let (a, b, c) = (Case::new(41), Case::new(42), Case::new(43));
    let local = tempdir();
    let src = local.path().join("tree");
    write(&src, "a.bin", &a.local);
    write(&src, "sub/b.bin", &b.local);
    write(&src, "sub/c.bin", &c.local);
    write(&server.root(), "r/tree/a.bin", &a.prefix);
    write(&server.root(), "r/tree/sub/.b.bin.ftpc-part", &b.prefix);
    server.fixup();
    let out = ftpc(&[
        "-v",
        "-j",
        "2",
        "put",
        "-c",
        "-r",
        src.to_str().expect("utf8"),
        &server.url("r/tree"),
    ]);
    out.ok();
    let root = server.root().join("r/tree");
    assert_eq!(sha256_file(&root.join("a.bin")), sha256(&a.resumed()));
    assert_eq!(sha256_file(&root.join("sub/b.bin")), sha256(&b.resumed()));
    assert_eq!(sha256_file(&root.join("sub/c.bin")), sha256(&c.local));
    assert!(!root.join("sub/.b.bin.ftpc-part").exists());
    assert!(!root.join("sub/.c.bin.ftpc-part").exists());
}

on_every_server!(single_files:
    ftpd_put_resume_sends_only_the_missing_bytes,
    pyftpdlib_put_resume_sends_only_the_missing_bytes,
    vsftpd_put_resume_sends_only_the_missing_bytes,
);

on_every_server!(recursive:
    ftpd_put_resume_recursive_parallel,
    pyftpdlib_put_resume_recursive_parallel,
    vsftpd_put_resume_recursive_parallel,
);

/// `get -c` gives the same error the other way round: a local partial file
/// longer than the remote one is left alone, with exit 1.
#[test]
fn ftpd_get_resume_refuses_a_longer_local_part() {
    let s = crate::support::TestServer::start();
    write(&s.root(), "g/short.bin", &pseudo_random(1000, 51));
    let local = tempdir();
    let part = write(
        local.path(),
        ".short.bin.ftpc-part",
        &pseudo_random(2000, 52),
    );
    let dest = local.path().join("short.bin");
    let out = ftpc(&[
        "get",
        "-c",
        &s.url("g/short.bin"),
        dest.to_str().expect("utf8"),
    ]);
    out.expect_code(1);
    assert!(out.stderr.contains("cannot resume"), "{}", out.describe());
    assert_eq!(std::fs::read(&part).expect("part").len(), 2000);
    assert!(!dest.exists());
}
