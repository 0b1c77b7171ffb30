//! Python's stock ftplib against `ftpd`, through the scripts in
//! tests/scripts/: FEAT before login, MLSD/MLST facts, SIZE, MDTM, REST+RETR,
//! APPE, STOU, NLST, ABOR in the middle of a large download (sent the way
//! ftplib sends it, as TCP urgent data), and pipelined commands on one write.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::run::{python, Ran};
use crate::support::{pseudo_random, sha256, sha256_file, TestServer};

/// 2021-03-04 05:06:07 UTC.
const FIXED_MTIME: u64 = 1_614_834_367;
const FIXED_STAMP: &str = "20210304050607";

fn probe(s: &TestServer, args: &[&str]) -> Ran {
    let port = s.port().to_string();
    let mut argv = vec!["127.0.0.1", port.as_str()];
    argv.extend_from_slice(args);
    let ran = python("ftplib_probe.py", argv);
    ran.ok();
    ran
}

fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open for mtime");
    f.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set mtime");
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `YYYYMMDDHHMMSS` in UTC, computed independently of the server
/// (days-to-civil conversion for the proleptic Gregorian calendar).
fn utc_stamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).expect("after epoch").as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// An RFC 3659 time-val: 14 digits, optionally `.fraction`. Returns the 14 digits.
fn time_val(s: &str) -> &str {
    assert!(
        s.len() >= 14 && s[..14].bytes().all(|b| b.is_ascii_digit()),
        "bad time-val {s:?}"
    );
    let rest = &s[14..];
    assert!(
        rest.is_empty() || (rest.starts_with('.') && rest[1..].bytes().all(|b| b.is_ascii_digit())),
        "bad time-val fraction {s:?}"
    );
    &s[..14]
}

/// Facts of one MLSx entry, keys lowercased (fact names are case-insensitive).
fn parse_facts(s: &str) -> BTreeMap<String, String> {
    s.split(';')
        .filter(|f| !f.is_empty())
        .map(|f| {
            let (k, v) = f
                .split_once('=')
                .unwrap_or_else(|| panic!("bad fact {f:?} in {s:?}"));
            (k.to_ascii_lowercase(), v.to_string())
        })
        .collect()
}

fn unix_mode(facts: &BTreeMap<String, String>) -> u32 {
    let v = facts
        .get("unix.mode")
        .unwrap_or_else(|| panic!("no unix.mode in {facts:?}"));
    u32::from_str_radix(v.trim_start_matches("0o"), 8).unwrap_or_else(|_| panic!("unix.mode {v:?}"))
}

#[test]
fn ftplib_feat_before_login_lists_extensions() {
    let s = TestServer::start();
    let ran = probe(&s, &["feat"]);
    let mut lines = ran.stdout.lines();
    assert_eq!(lines.next(), Some("211"), "{}", ran.describe("FEAT code"));
    let feats: Vec<&str> = lines.collect();
    let has = |f: &str| feats.iter().any(|l| l.eq_ignore_ascii_case(f));
    for f in ["EPSV", "EPRT", "MDTM", "SIZE", "REST STREAM", "UTF8"] {
        assert!(has(f), "FEAT lacks {f}: {feats:?}");
    }
    let mlst = feats
        .iter()
        .find(|l| l.to_ascii_uppercase().starts_with("MLST "))
        .unwrap_or_else(|| panic!("FEAT lacks MLST: {feats:?}"));
    let facts: BTreeSet<String> = mlst[5..]
        .split(';')
        .filter(|f| !f.is_empty())
        .map(|f| f.trim_end_matches('*').to_ascii_lowercase())
        .collect();
    for f in ["type", "size", "modify", "perm", "unix.mode"] {
        assert!(facts.contains(f), "MLST facts lack {f}: {mlst}");
    }
    // No TLS is configured, so FEAT must not promise it: lftp would then insist.
    for f in ["AUTH", "PBSZ", "PROT"] {
        assert!(
            !feats.iter().any(|l| l.to_ascii_uppercase().starts_with(f)),
            "FEAT advertises {f} without TLS: {feats:?}"
        );
    }
}

#[test]
fn ftplib_mlsd_and_mlst_report_facts() {
    let s = TestServer::start();
    std::fs::create_dir_all(s.path("dir/inner")).expect("mkdir");
    let file = s.path("dir/f.bin");
    std::fs::write(&file, pseudo_random(1234, 21)).expect("write");
    set_mode(&file, 0o640);
    set_mtime(&file, FIXED_MTIME);
    set_mode(&s.path("dir/inner"), 0o750);
    std::fs::write(s.path("dir/résumé naïve.txt"), b"x").expect("write");

    let ran = probe(&s, &["mlsd", "/dir"]);
    let entries: Vec<(String, BTreeMap<String, String>)> = ran
        .stdout
        .lines()
        .map(|l| {
            let (name, facts) = l.split_once('\t').expect("name<TAB>facts");
            (name.to_string(), parse_facts(facts))
        })
        .collect();
    let by_name = |n: &str| {
        entries
            .iter()
            .find(|(name, _)| name == n)
            .map(|(_, f)| f)
            .unwrap_or_else(|| panic!("MLSD has no {n}: {}", ran.stdout))
    };
    let f = by_name("f.bin");
    assert_eq!(f.get("type").map(String::as_str), Some("file"), "{f:?}");
    assert_eq!(f.get("size").map(String::as_str), Some("1234"), "{f:?}");
    assert_eq!(
        time_val(&f["modify"]),
        FIXED_STAMP,
        "modify must be UTC: {f:?}"
    );
    assert!(
        f.get("perm").is_some_and(|p| p.contains('r')),
        "file perm lacks r: {f:?}"
    );
    assert_eq!(unix_mode(f), 0o640, "{f:?}");

    let d = by_name("inner");
    assert_eq!(d.get("type").map(String::as_str), Some("dir"), "{d:?}");
    assert!(
        d.get("perm")
            .is_some_and(|p| p.contains('e') && p.contains('l')),
        "dir perm: {d:?}"
    );
    assert_eq!(unix_mode(d), 0o750, "{d:?}");

    assert_eq!(
        by_name("résumé naïve.txt").get("size").map(String::as_str),
        Some("1")
    );

    let types: Vec<String> = entries
        .iter()
        .filter_map(|(_, f)| f.get("type").map(|t| t.to_ascii_lowercase()))
        .collect();
    assert!(
        types.iter().any(|t| t == "cdir"),
        "MLSD lacks cdir: {}",
        ran.stdout
    );
    assert!(
        types.iter().any(|t| t == "pdir"),
        "MLSD lacks pdir: {}",
        ran.stdout
    );
    assert_eq!(
        entries.len(),
        5,
        "cdir, pdir and three entries: {}",
        ran.stdout
    );

    let ran = probe(&s, &["mlst", "/dir/f.bin"]);
    let line = ran.stdout.trim_end();
    let (facts, path) = line.split_once(' ').expect("facts SP pathname");
    assert_eq!(path, "/dir/f.bin", "{line}");
    let facts = parse_facts(facts);
    assert_eq!(
        facts.get("type").map(String::as_str),
        Some("file"),
        "{line}"
    );
    assert_eq!(
        facts.get("size").map(String::as_str),
        Some("1234"),
        "{line}"
    );
    assert_eq!(time_val(&facts["modify"]), FIXED_STAMP, "{line}");
}

#[test]
fn ftplib_size_is_exact_byte_count() {
    let s = TestServer::start();
    // CRLF and bare LF in the content: SIZE in binary mode counts bytes, no conversion.
    let content = b"line one\r\nline two\nline three\r\n\x00\xff".repeat(1000);
    std::fs::create_dir(s.path("sub dir")).expect("mkdir");
    std::fs::write(s.path("sub dir/text file.txt"), &content).expect("write");
    std::fs::write(s.path("empty"), b"").expect("write");

    let ran = probe(&s, &["size", "/sub dir/text file.txt"]);
    assert_eq!(ran.stdout.trim(), content.len().to_string());
    let ran = probe(&s, &["size", "empty"]);
    assert_eq!(ran.stdout.trim(), "0");
}

#[test]
fn ftplib_mdtm_is_utc_modification_time() {
    let s = TestServer::start();
    let fixed = s.path("fixed.txt");
    std::fs::write(&fixed, b"x").expect("write");
    set_mtime(&fixed, FIXED_MTIME);
    let fresh = s.path("fresh.txt");
    std::fs::write(&fresh, b"y").expect("write");
    let fresh_mtime = std::fs::metadata(&fresh)
        .and_then(|m| m.modified())
        .expect("mtime");

    let ran = probe(&s, &["mdtm", "fixed.txt"]);
    assert_eq!(time_val(ran.stdout.trim()), FIXED_STAMP);
    let ran = probe(&s, &["mdtm", "fresh.txt"]);
    assert_eq!(time_val(ran.stdout.trim()), utc_stamp(fresh_mtime));
}

#[test]
fn ftplib_rest_then_retr_resumes_at_offset() {
    let s = TestServer::start();
    let content = pseudo_random(400_000, 22);
    std::fs::write(s.path("r.bin"), &content).expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let dest = out.path().join("tail.bin");
    let offset = 123_457;

    probe(
        &s,
        &[
            "rest_retr",
            "r.bin",
            &offset.to_string(),
            dest.to_str().expect("utf8"),
        ],
    );
    assert_eq!(sha256_file(&dest), sha256(&content[offset..]));
}

#[test]
fn ftplib_appe_appends_and_creates() {
    let s = TestServer::start();
    let content = pseudo_random(300_000, 23);
    std::fs::write(s.path("grow.bin"), &content[..100_000]).expect("write");
    let src = tempfile::tempdir().expect("tempdir");
    let rest = src.path().join("rest.bin");
    std::fs::write(&rest, &content[100_000..]).expect("write");
    let rest = rest.to_str().expect("utf8");

    probe(&s, &["appe", rest, "grow.bin"]);
    assert_eq!(sha256_file(&s.path("grow.bin")), sha256(&content));

    // APPE to a missing file creates it.
    probe(&s, &["appe", rest, "new.bin"]);
    assert_eq!(sha256_file(&s.path("new.bin")), sha256(&content[100_000..]));
}

#[test]
fn ftplib_stou_stores_under_a_new_name() {
    let s = TestServer::start();
    std::fs::write(s.path("existing"), b"keep me").expect("write");
    let src = tempfile::tempdir().expect("tempdir");
    let mut seen = BTreeSet::new();
    for seed in [24u64, 25] {
        let content = pseudo_random(50_000, seed);
        let local = src.path().join("u.bin");
        std::fs::write(&local, &content).expect("write");
        let before: BTreeSet<String> = list_root(&s);

        let ran = probe(&s, &["stou", local.to_str().expect("utf8")]);
        let new: Vec<String> = list_root(&s).difference(&before).cloned().collect();
        assert_eq!(new.len(), 1, "STOU must create exactly one file: {new:?}");
        let name = &new[0];
        assert_eq!(sha256_file(&s.path(name)), sha256(&content));
        // RFC 1123 4.1.2.9: the reply names the file it created.
        assert!(
            ran.stdout.contains(name.as_str()),
            "{}",
            ran.describe("STOU replies lack the name")
        );
        assert!(seen.insert(name.clone()));
    }
    assert_eq!(std::fs::read(s.path("existing")).expect("read"), b"keep me");
}

fn list_root(s: &TestServer) -> BTreeSet<String> {
    std::fs::read_dir(s.root())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect()
}

#[test]
fn ftplib_nlst_lists_names() {
    let s = TestServer::start();
    for f in ["a.txt", "b c.bin", "ü.txt"] {
        std::fs::write(s.path(f), b"x").expect("write");
    }
    std::fs::create_dir_all(s.path("sub/deeper")).expect("mkdir");
    std::fs::write(s.path("sub/inside.txt"), b"x").expect("write");

    let ran = probe(&s, &["nlst"]);
    let names: BTreeSet<&str> = ran.stdout.lines().collect();
    assert_eq!(names, BTreeSet::from(["a.txt", "b c.bin", "ü.txt", "sub"]));

    // NLST of a directory may give bare names or dir/name (RFC 959 leaves it open).
    let ran = probe(&s, &["nlst", "sub"]);
    let names: BTreeSet<&str> = ran
        .stdout
        .lines()
        .map(|l| l.rsplit('/').next().unwrap_or(l))
        .collect();
    assert_eq!(names, BTreeSet::from(["inside.txt", "deeper"]));
}

#[test]
fn ftplib_abor_mid_transfer_gives_426_then_226() {
    let s = TestServer::start();
    // Far larger than the loopback socket buffers, so the transfer is still
    // running when ABOR arrives.
    std::fs::write(s.path("huge.bin"), vec![0x5a_u8; 48 << 20]).expect("write");

    let port = s.port().to_string();
    let ran = python("ftplib_abort.py", ["127.0.0.1", port.as_str(), "huge.bin"]);
    ran.ok();
    let line = |prefix: &str| {
        ran.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("{}", ran.describe(&format!("no `{prefix}` line"))))
            .to_string()
    };
    assert!(
        line("abort ").starts_with("426"),
        "{}",
        ran.describe("ABOR reply")
    );
    assert!(
        line("after ").starts_with("226"),
        "{}",
        ran.describe("reply after 426")
    );
    assert!(
        line("noop ").starts_with("200"),
        "{}",
        ran.describe("NOOP after ABOR")
    );
}

#[test]
fn ftplib_pipelined_commands_are_answered_in_order() {
    let s = TestServer::start();
    std::fs::write(s.path("f.txt"), b"12345").expect("write");
    let port = s.port().to_string();
    let lines = [
        "USER anonymous",
        "PASS pipe@example.com",
        "SYST",
        "NOOP\\n", // bare LF
        "TYPE I",
        "MKD pipe",
        "CWD pipe",
        "PWD",
        "CDUP",
        "PWD",
        "SIZE f.txt",
        "BOGUSVERB",
        "NOOP",
        "QUIT",
    ];
    let mut argv = vec!["127.0.0.1", port.as_str()];
    argv.extend_from_slice(&lines);
    let ran = python("pipeline.py", argv);
    ran.ok();
    let replies: Vec<(&str, &str)> = ran
        .stdout
        .lines()
        .map(|l| l.split_once('\t').expect("code<TAB>text"))
        .collect();
    let codes: Vec<&str> = replies.iter().map(|r| r.0).collect();
    let ok = codes.len() == 15
        && codes[..8] == ["220", "331", "230", "215", "200", "200", "257", "250"]
        && codes[8] == "257"
        && ["200", "250"].contains(&codes[9])
        && codes[10] == "257"
        && codes[11] == "213"
        && ["500", "502"].contains(&codes[12])
        && codes[13..] == ["200", "221"];
    assert!(ok, "{}", ran.describe("replies out of order or wrong"));
    assert!(
        replies[8].1.starts_with("\"/pipe\""),
        "PWD in pipe: {:?}",
        replies[8]
    );
    assert!(
        replies[10].1.starts_with("\"/\""),
        "PWD after CDUP: {:?}",
        replies[10]
    );
    assert_eq!(replies[11].1.trim(), "5", "SIZE: {:?}", replies[11]);
    assert!(s.path("pipe").is_dir());
}
