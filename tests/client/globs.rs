//! Remote globs, `ftpc get 'ftp://h/dir/*.txt' DIR`, against our `ftpd`
//! and pyftpdlib (MLSD) and vsftpd (LIST only): the matching is the
//! client's, so each must give exactly the same files, checked by hash.
//! `*`, `?`, `[...]` with a range and `!`, hidden names, directories
//! (skipped, or fetched with `-r`), no match (exit 3), and a file really
//! named `a*b`, which wins over the pattern.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{pseudo_random, sha256, sha256_file};

use super::peers::Remote;
use super::{ftpc_in, on_every_server, tempdir, write, Out};

/// The served files under `g/`, each with its own content.
const FILES: &[&str] = &[
    "a.txt", "b.txt", "ab.txt", "c.log", ".h.txt", "d1/x.txt", "lit/a*b", "lit/aXb",
];

fn content(name: &str) -> Vec<u8> {
    let seed = name.bytes().map(u64::from).sum::<u64>() + name.len() as u64 * 1000;
    pseudo_random(5_000 + name.len() * 777, seed)
}

/// Every file under `dir`, by `/`-joined relative name, with its hash.
fn hashes(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("inside").to_string_lossy();
                out.insert(rel.replace('\\', "/"), sha256_file(&p));
            }
        }
    }
    out
}

/// What `dir` must hold: `local name → served g/<remote>`.
fn want(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(local, remote)| (local.to_string(), sha256(&content(remote))))
        .collect()
}

/// `ftpc get EXTRA URL(g/pattern) OUT` run in `local`.
fn get(server: &impl Remote, local: &Path, extra: &[&str], pattern: &str, out: &str) -> Out {
    let url = server.url(&format!("g/{pattern}"));
    let mut args = vec!["--no-progress", "get"];
    args.extend_from_slice(extra);
    args.extend([url.as_str(), out]);
    ftpc_in(local, &args)
}

fn globs_match_on_the_client(server: &impl Remote) {
    for f in FILES {
        write(&server.root(), &format!("g/{f}"), &content(f));
    }
    server.fixup();
    let tmp = tempdir();
    let local = tmp.path();

    get(server, local, &[], "*.txt", "star").ok();
    let expected = [("a.txt", "a.txt"), ("b.txt", "b.txt"), ("ab.txt", "ab.txt")];
    assert_eq!(hashes(&local.join("star")), want(&expected));

    get(server, local, &[], "?.txt", "one").ok();
    let expected = [("a.txt", "a.txt"), ("b.txt", "b.txt")];
    assert_eq!(hashes(&local.join("one")), want(&expected));

    get(server, local, &[], "[a-b]b.txt", "range").ok();
    assert_eq!(hashes(&local.join("range")), want(&[("ab.txt", "ab.txt")]));

    // `[!a]*` also matches the directory d1: skipped with a note without -r.
    let out = get(server, local, &[], "[!a]*", "neg");
    out.ok();
    let expected = [("b.txt", "b.txt"), ("c.log", "c.log")];
    assert_eq!(hashes(&local.join("neg")), want(&expected));
    assert!(
        out.stderr.contains("skipping directory g/d1 (use -r)"),
        "{}",
        out.describe()
    );

    get(server, local, &["-r"], "d?", "rec").ok();
    assert_eq!(
        hashes(&local.join("rec")),
        want(&[("d1/x.txt", "d1/x.txt")])
    );

    let out = get(server, local, &[], "*.zip", "none");
    out.expect_code(3);
    assert!(
        out.stderr.contains("g/*.zip: no match"),
        "{}",
        out.describe()
    );

    // A file really named `a*b` is that file, not a pattern that would
    // also match `aXb`.
    get(server, local, &[], "lit/a*b", "literal").ok();
    assert_eq!(hashes(&local.join("literal")), want(&[("a*b", "lit/a*b")]));
}

on_every_server!(globs_match_on_the_client:
    ftpd_remote_globs,
    pyftpdlib_remote_globs,
    vsftpd_remote_globs_from_list_output,
);
