//! Parser tests: one per real listing sample in `fixtures/listings/`, plus
//! the edge cases those samples do not cover.

use super::*;

/// The day the samples were captured, so year-less dates resolve the same way.
fn capture_day() -> Timestamp {
    Timestamp {
        year: 2026,
        month: 11,
        day: 22,
        hour: 2,
        minute: 0,
        second: 0,
    }
}

fn fixture(name: &str) -> String {
    let path = format!("{}/../fixtures/listings/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn find<'a>(entries: &'a [Entry], name: &str) -> &'a Entry {
    entries
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("{name:?} missing from {entries:#?}"))
}

/// Every sample describes the same tree (see the fixtures README).
fn check_tree(entries: &[Entry], with_hidden: bool, link_kind: Option<Kind>) {
    let expected_len = 6 + usize::from(with_hidden) + usize::from(link_kind.is_some());
    assert_eq!(entries.len(), expected_len, "{entries:#?}");
    for (name, size) in [
        ("a file.txt", 6),
        ("big.bin", 1234),
        ("old.txt", 0),
        ("été.txt", 3),
    ] {
        let e = find(entries, name);
        assert_eq!((e.kind, e.size), (Kind::File, Some(size)), "{name}");
    }
    if with_hidden {
        assert_eq!(find(entries, ".hidden").size, Some(4));
    }
    for name in ["empty", "sub dir"] {
        assert_eq!(find(entries, name).kind, Kind::Dir, "{name}");
    }
    let old = find(entries, "old.txt")
        .modified
        .expect("old.txt has a date");
    assert_eq!((old.year, old.month, old.day), (2019, 3, 4));
    let recent = find(entries, "big.bin")
        .modified
        .expect("big.bin has a date");
    assert_eq!((recent.year, recent.month, recent.day), (2026, 11, 22));
    if let Some(kind) = link_kind {
        assert_eq!(find(entries, "link").kind, kind);
    }
    assert!(entries.iter().all(|e| e.name != "." && e.name != ".."));
}

#[test]
fn vsftpd_list() {
    let entries = parse_list(&fixture("vsftpd-list-a.txt"), capture_day());
    check_tree(&entries, true, Some(Kind::Link));
    assert_eq!(find(&entries, "link").target.as_deref(), Some("a file.txt"));
}

#[test]
fn proftpd_list() {
    check_tree(
        &parse_list(&fixture("proftpd-list-a.txt"), capture_day()),
        true,
        Some(Kind::Link),
    );
}

#[test]
fn proftpd_mlsd() {
    let entries = parse_mlsd(&fixture("proftpd-mlsd.txt"));
    check_tree(&entries, true, Some(Kind::Link));
    let old = find(&entries, "old.txt").modified.unwrap();
    assert_eq!(old.to_string(), "2019-03-04 05:06:07");
}

#[test]
fn pure_ftpd_list() {
    check_tree(
        &parse_list(&fixture("pure-ftpd-list-a.txt"), capture_day()),
        true,
        Some(Kind::Link),
    );
}

#[test]
fn pure_ftpd_mlsd_slink_type() {
    check_tree(
        &parse_mlsd(&fixture("pure-ftpd-mlsd.txt")),
        true,
        Some(Kind::Link),
    );
}

#[test]
fn pyftpdlib_list() {
    check_tree(
        &parse_list(&fixture("pyftpdlib-list-a.txt"), capture_day()),
        true,
        Some(Kind::Link),
    );
}

#[test]
fn pyftpdlib_mlsd_follows_links() {
    // pyftpdlib reports the symlink as the file it points to.
    check_tree(
        &parse_mlsd(&fixture("pyftpdlib-mlsd.txt")),
        true,
        Some(Kind::File),
    );
}

#[test]
fn iis_dos_list() {
    let entries = parse_list(&fixture("iis-list.txt"), capture_day());
    check_tree(&entries, false, None);
    assert_eq!(
        find(&entries, "sub dir").modified.unwrap().to_string(),
        "2026-11-22 13:40:00"
    );
}

#[test]
fn iis_dos_list_four_digit_years_and_24h() {
    let entries = parse_list(&fixture("iis-list-4digit-24h.txt"), capture_day());
    assert_eq!(entries.len(), 3);
    assert_eq!(find(&entries, "big.bin").size, Some(1234));
    assert_eq!(
        find(&entries, "empty").modified.unwrap().to_string(),
        "2026-11-22 13:40:00"
    );
}

#[test]
fn filezilla_server_list() {
    check_tree(
        &parse_list(&fixture("filezilla-server-list.txt"), capture_day()),
        true,
        None,
    );
}

#[test]
fn filezilla_server_mlsd_with_fractional_times() {
    check_tree(
        &parse_mlsd(&fixture("filezilla-server-mlsd.txt")),
        true,
        None,
    );
}

#[test]
fn unix_line_without_group_column() {
    let e = parse_unix_line("-rw-r--r--   1 owner      42 Jan  5 10:00 f", capture_day()).unwrap();
    assert_eq!((e.name.as_str(), e.size), ("f", Some(42)));
}

#[test]
fn unix_name_with_leading_space_and_arrow_in_file_name() {
    let e = parse_unix_line("-rw-r--r-- 1 u g 1 Jan  5 10:00  lead -> x", capture_day()).unwrap();
    assert_eq!(e.name, " lead -> x", "only symlinks split at ->");
}

#[test]
fn unix_name_that_looks_like_a_date() {
    let e = parse_unix_line(
        "-rw-r--r-- 1 u g 7 Jan  5  2020 Jan 5 10:00 x",
        capture_day(),
    )
    .unwrap();
    assert_eq!(e.name, "Jan 5 10:00 x");
}

#[test]
fn garbage_lines_are_skipped() {
    let text = "total 12\r\n\r\nthis is not a listing\r\n-rw-r--r-- 1 u g 3 Jan  5 10:00 ok\r\n";
    let entries = parse_list(text, capture_day());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].name, "ok");
}

#[test]
fn mlsd_without_facts_value_or_name_is_skipped() {
    assert!(parse_mlsd_line("type=file;size=1;").is_none());
    assert!(parse_mlsd_line("garbage").is_none());
    let e = parse_mlsd_line("Type=FILE;Size=5; name with  spaces ").unwrap();
    assert_eq!((e.name.as_str(), e.size), ("name with  spaces ", Some(5)));
}

#[test]
fn hostile_names_are_returned_verbatim_but_never_safe() {
    let e = parse_mlsd_line("type=file;size=1; ../../etc/passwd").unwrap();
    assert_eq!(e.name, "../../etc/passwd");
    for bad in ["..", ".", "../x", "/x", "a/b", "a\\b", "", "a\nb"] {
        assert!(!safe_name(bad), "{bad:?}");
    }
    for good in ["..a", "a..", ".hidden", "été", "a b"] {
        assert!(safe_name(good), "{good:?}");
    }
}
