//! Globs in LIST and NLST (`*`, `?`, `[...]` in the last component), as
//! vsftpd expands them: the literal name wins, a wildcard in a directory
//! part is literal, NLST names carry the directory part as typed, no
//! match is an empty listing, and `Config::max_glob_entries` ends a glob
//! over a huge directory in 451 without ending the session.

use std::time::{Duration, Instant};

use crate::support::data::RawData;
use crate::support::raw::RawSession;
use crate::support::TestServer;

/// Files and directories every test here lists.
const FILES: &[&str] = &[
    "a.txt",
    "b.txt",
    "c.log",
    "ab",
    "abc",
    "axc",
    "a*b",
    ".hidden.txt",
    "sub/s1.txt",
    "sub/s2.txt",
    "sub/s3.bin",
];

/// A server holding `FILES`, and a session on it. The server is returned
/// too, to stay up as long as the session is used.
fn served() -> (TestServer, RawSession) {
    let s = TestServer::start();
    for name in FILES {
        let path = s.path(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, format!("content of {name}\n")).expect("write");
    }
    let r = login(&s);
    (s, r)
}

/// Log in anonymously, TYPE I (so RETR content arrives unchanged).
fn login(s: &TestServer) -> RawSession {
    let mut r = RawSession::login(s.addr);
    r.expect("TYPE I", 200);
    r
}

/// The lines of a listing that must succeed, sorted.
fn sorted(r: &mut RawSession, line: &str) -> Vec<String> {
    let mut names: Vec<String> = r.listing(line).lines().map(str::to_string).collect();
    names.sort_unstable();
    names
}

/// The last word of each LIST line (the names in the fixture have no spaces).
fn list_names(r: &mut RawSession, line: &str) -> Vec<String> {
    let listing = r.listing(line);
    let mut names: Vec<String> = listing
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap_or("").to_string())
        .collect();
    names.sort_unstable();
    names
}

#[test]
fn nlst_star_answers_the_matching_names_and_skips_hidden_ones() {
    let (_s, mut r) = served();
    assert_eq!(sorted(&mut r, "NLST *.txt"), ["a.txt", "b.txt"]);
    assert_eq!(sorted(&mut r, "NLST .*"), [".hidden.txt"]);
    assert_eq!(
        sorted(&mut r, "NLST *"),
        ["a*b", "a.txt", "ab", "abc", "axc", "b.txt", "c.log", "sub"]
    );
}

#[test]
fn question_mark_and_classes_with_ranges_and_negation() {
    let (_s, mut r) = served();
    assert_eq!(sorted(&mut r, "NLST a?c"), ["abc", "axc"]);
    assert_eq!(sorted(&mut r, "NLST a[a-c]*"), ["ab", "abc"]);
    assert_eq!(sorted(&mut r, "NLST [bc].*"), ["b.txt", "c.log"]);
    assert_eq!(sorted(&mut r, "NLST [!a]*"), ["b.txt", "c.log", "sub"]);
    assert_eq!(sorted(&mut r, "NLST [^abs]*"), ["c.log"]);
}

#[test]
fn list_takes_options_together_with_a_pattern() {
    let (_s, mut r) = served();
    for line in ["LIST *.txt", "LIST -la *.txt", "LIST -l [ab].txt"] {
        let listing = r.listing(line);
        assert!(
            listing.lines().all(|l| l.starts_with("-rw")),
            "{line}:\n{listing}"
        );
        assert_eq!(list_names(&mut r, line), ["a.txt", "b.txt"], "{line}");
    }
    // A matching directory is one entry, not its contents.
    let listing = r.listing("LIST -l s*");
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(
        listing.starts_with('d') && listing.trim_end().ends_with(" sub"),
        "{listing}"
    );
}

#[test]
fn a_directory_part_is_kept_in_nlst_names_and_bare_in_list() {
    let (_s, mut r) = served();
    assert_eq!(
        sorted(&mut r, "NLST sub/*.txt"),
        ["sub/s1.txt", "sub/s2.txt"]
    );
    assert_eq!(sorted(&mut r, "NLST /sub/s?.bin"), ["/sub/s3.bin"]);
    assert_eq!(list_names(&mut r, "LIST sub/s[12]*"), ["s1.txt", "s2.txt"]);
    // The names NLST gave can be fetched as they are, from the same cwd.
    assert_eq!(r.retr("sub/s1.txt"), b"content of sub/s1.txt\n");
    r.expect("CWD sub", 250);
    assert_eq!(sorted(&mut r, "NLST ../*.log"), ["../c.log"]);
}

#[test]
fn a_pattern_in_the_directory_part_is_literal() {
    let (_s, mut r) = served();
    for line in ["NLST */s1.txt", "LIST s*/s1.txt", "NLST a.txt/*"] {
        let t = r.download(line);
        assert_eq!(t.final_code(), 550, "{line}: {t:?}");
    }
    r.expect("NOOP", 200);
}

#[test]
fn no_match_is_an_empty_listing_and_the_session_goes_on() {
    let (_s, mut r) = served();
    for line in ["NLST *.xyz", "LIST -l *.xyz", "NLST sub/[0-9]*"] {
        let listing = r.listing(line);
        assert!(listing.is_empty(), "{line}: {listing:?}");
    }
    let t = r.download("NLST nodir/*.txt");
    assert_eq!(t.final_code(), 550, "a missing directory part: {t:?}");
    assert_eq!(sorted(&mut r, "NLST *.log"), ["c.log"]);
}

#[test]
fn a_name_with_a_literal_star_lists_as_itself() {
    let (s, mut r) = served();
    // `a*b` as a glob would also match `ab`; the existing name wins.
    assert_eq!(sorted(&mut r, "NLST a*b"), ["a*b"]);
    assert_eq!(list_names(&mut r, "LIST -l a*b"), ["a*b"]);
    assert_eq!(r.retr("a*b"), b"content of a*b\n");
    // Once it is gone, the same argument is a glob.
    std::fs::remove_file(s.path("a*b")).expect("rm");
    assert_eq!(sorted(&mut r, "NLST a*b"), ["ab"]);
}

#[test]
fn mlsd_mlst_stat_and_retr_do_not_expand_globs() {
    let (_s, mut r) = served();
    assert_eq!(r.download("MLSD *").final_code(), 550);
    assert_eq!(r.download("RETR *.txt").final_code(), 550);
    r.expect("MLST *.txt", 550);
    r.expect("STAT *.txt", 550);
    r.expect("NOOP", 200);
}

#[test]
fn a_hostile_pattern_answers_promptly() {
    let s = TestServer::start();
    for i in 0..40 {
        std::fs::write(s.path(&format!("{}{i:02}", "a".repeat(200))), b"x").expect("write");
    }
    let mut r = login(&s);
    // Exponential backtracking would try every way of splitting 200 `a`s
    // among 300 stars; one-star backtracking answers at once.
    let hostile = format!("NLST {}b", "*a".repeat(300));
    let started = Instant::now();
    let listing = r.listing(&hostile);
    assert!(listing.is_empty(), "{listing:?}");
    let matching = format!("NLST {}*", "*a".repeat(150));
    assert_eq!(r.listing(&matching).lines().count(), 40);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn the_glob_entry_limit_ends_the_listing_in_451_and_the_session_goes_on() {
    let s = TestServer::start_with(|c| {
        c.write = true;
        c.max_glob_entries = 10;
    });
    std::fs::create_dir(s.path("ten")).expect("mkdir");
    for i in 0..30 {
        std::fs::write(s.path(&format!("f{i:02}.txt")), b"x").expect("write");
        if i < 10 {
            std::fs::write(s.path(&format!("ten/t{i}")), b"x").expect("write");
        }
    }
    let mut r = login(&s);
    let t = r.download("NLST *.txt");
    assert!(t.started(), "{t:?}");
    let last = t.last.as_ref().expect("a final reply");
    assert_eq!(last.code.0, 451, "{t:?}");
    assert!(last.text().starts_with("Listing incomplete"), "{last:?}");
    assert!(last.text().contains("10 entries"), "{last:?}");
    let names = String::from_utf8(t.data.clone()).expect("UTF-8");
    assert!(names.lines().count() <= 10, "{names}");
    assert!(
        names
            .lines()
            .all(|n| n.starts_with('f') && n.ends_with(".txt")),
        "{names}"
    );
    // A directory of exactly the limit is listed whole.
    assert_eq!(r.listing("NLST ten/t*").lines().count(), 10);
    // Plain listings are not bounded by it.
    assert_eq!(r.listing("NLST").lines().count(), 31);
    r.expect("NOOP", 200);
}
