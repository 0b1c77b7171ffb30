//! ftpc over FTPS against proftpd's mod_tls and pure-ftpd (`-Y 3`), both
//! requiring TLS on logins and data connections. proftpd runs without
//! `NoSessionReuseRequired`, so each data connection must resume the
//! control connection's session; under TLS 1.3 it sends two tickets per
//! control connection, so the third data connection cannot resume and is
//! refused with `425 Unable to build data connection: Operation not
//! permitted`, which must send ftpc to a fresh connection rather than fail
//! the file. pure-ftpd resumes nothing and refuses nothing. `--retries 0`
//! throughout, so a retry cannot hide a failure.

use super::super::launched::Launched;
use super::super::others::{Kind, Peer};
use super::super::peers::{self, Remote};
use super::super::{ftpc, tempdir, write};
use super::certs::TestPki;
use super::get_put_ls;
use crate::support::tree::assert_same;

/// proftpd with mod_tls on `protocols` (TLSProtocol's syntax).
fn proftpd_tls(pki: &TestPki, protocols: &str) -> Launched {
    Peer::launch(Kind::Proftpd, |cmd| {
        cmd.arg(pki.cert()).arg(pki.key()).arg(protocols);
    })
}

fn pure_ftpd_tls(pki: &TestPki) -> Launched {
    Peer::launch(Kind::PureFtpd, |cmd| {
        cmd.arg(pki.cert()).arg(pki.key());
    })
}

/// No `.NAME.ftpc-part` anywhere under `dir`.
fn assert_no_parts(dir: &std::path::Path) {
    let parts: Vec<String> = crate::support::tree::digest(dir)
        .into_keys()
        .filter(|p| p.ends_with(".ftpc-part"))
        .collect();
    assert!(parts.is_empty(), "left behind: {parts:?}");
}

/// 20 files up and back over `-j 1` and `-j 4`: many more data
/// connections per control connection than proftpd sends tickets.
fn twenty_files(s: &Launched, tls: &[&str]) {
    let local = tempdir();
    for i in 0..20 {
        let body = crate::support::pseudo_random(3_000 + i * 100, i as u64);
        write(local.path(), &format!("src/f{i:02}.bin"), &body);
    }
    let src = local.path().join("src");
    for (j, dir) in [("1", "one"), ("4", "four")] {
        let url = s.url(dir);
        let out = ftpc(
            &[
                tls,
                &["-j", j, "put", "-r", src.to_str().expect("utf8"), &url],
            ]
            .concat(),
        );
        out.ok();
        assert_same(&src, &s.root().join(dir));
        let back = local.path().join(format!("back-{dir}"));
        let back_arg = back.to_str().expect("utf8");
        ftpc(&[tls, &["-j", j, "get", "-r", &url, back_arg]].concat()).ok();
        assert_same(&src, &back);
    }
    assert_no_parts(&s.root());
}

#[test]
fn proftpd_tls13_requiring_session_reuse_reconnects_on_425() {
    let pki = TestPki::new();
    let s = proftpd_tls(&pki, "TLSv1.2 TLSv1.3");
    let ca = pki.ca_arg();
    let tls = ["--tls", "--ca-file", &ca, "--retries", "0"];
    get_put_ls(&s, &tls, "TLSv1_3");
    twenty_files(&s, &tls);
    assert!(
        s.log().contains("client did not reuse TLS session"),
        "proftpd never refused a data connection, so this test shows nothing:\n{}",
        s.log()
    );
    peers::tree_roundtrip(&s, &[&tls[..], &["--active", "-j", "2"]].concat());
}

#[test]
fn proftpd_tls12_session_id_reuse() {
    let pki = TestPki::new();
    let s = proftpd_tls(&pki, "TLSv1.2");
    let ca = pki.ca_arg();
    let tls = ["--tls", "--ca-file", &ca, "--retries", "0"];
    get_put_ls(&s, &tls, "TLSv1_2");
    twenty_files(&s, &tls);
    peers::tree_roundtrip(&s, &[&tls[..], &["--active", "-j", "2"]].concat());
}

/// pure-ftpd never resumes a TLS session on a data connection, and does
/// not require it: every transfer still works, each data connection new.
#[test]
fn pure_ftpd_tls_required_on_data() {
    let pki = TestPki::new();
    let s = pure_ftpd_tls(&pki);
    let ca = pki.ca_arg();
    let tls = ["--tls", "--ca-file", &ca, "--retries", "0"];
    write(&s.root(), "x.bin", b"over tls");
    s.fixup();
    let out = ftpc(&[&tls[..], &["-v", "cat", &s.url("x.bin")]].concat());
    assert_eq!(out.ok().stdout, b"over tls");
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("TLS data connection: TLSv1_3")),
        "{}",
        out.describe()
    );
    twenty_files(&s, &tls);
    peers::tree_roundtrip(&s, &[&tls[..], &["--active", "-j", "2"]].concat());
}

/// A plain login where TLS is required names the fix, and is not retried.
#[test]
fn plain_login_to_tls_only_proftpd_and_pure_ftpd_says_use_tls() {
    let pki = TestPki::new();
    for s in [proftpd_tls(&pki, "TLSv1.2 TLSv1.3"), pure_ftpd_tls(&pki)] {
        let out = ftpc(&["ls", &s.url("")]);
        out.expect_code(4);
        assert!(
            out.stderr.contains("the server requires TLS: use --tls"),
            "{}: {}",
            s.name,
            out.describe()
        );
        assert!(!out.stderr.contains("retry"), "{}", out.describe());
    }
}
