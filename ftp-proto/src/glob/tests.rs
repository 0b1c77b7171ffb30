//! One small test per matching edge case, from both former matchers
//! (`ftpd`'s LIST/NLST globs and `ftpc`'s remote globs).

use super::*;
use std::time::{Duration, Instant};

fn m(p: &str, name: &str) -> bool {
    Pattern::parse(p).matches(name)
}

#[test]
fn star_matches_any_run_including_none() {
    assert!(m("*.txt", "a.txt"));
    assert!(!m("*.txt", ".txt"));
    assert!(!m("*.txt", ".txt.txt"));
    assert!(m("*.txt", "x.txt"));
    assert!(m("a*", "a"));
    assert!(m("*", "anything at all"));
    assert!(m("a*b*c", "aXbYc"));
    assert!(m("a*b*c", "aXXbYYc"));
    assert!(m("a**c", "abc"));
    assert!(!m("*.txt", "a.txt.gz"));
    assert!(!m("a*b", "a"));
}

#[test]
fn question_mark_matches_exactly_one_character() {
    assert!(m("a?c", "abc"));
    assert!(m("a?c", "aéc"));
    assert!(!m("a?c", "ac"));
    assert!(!m("a?c", "abbc"));
    assert!(m("?.txt", "a.txt"));
    assert!(!m("?.txt", "ab.txt"));
    assert!(!m("?.txt", ".txt"));
    assert!(m("??", "éx"));
}

#[test]
fn classes_ranges_and_negation() {
    assert!(m("[ab]*", "apple"));
    assert!(m("[ab]*", "banana"));
    assert!(!m("[ab]*", "cherry"));
    assert!(m("[ab].txt", "a.txt"));
    assert!(!m("[ab].txt", "c.txt"));
    assert!(m("f[0-9]", "f7"));
    assert!(m("f[0-9][0-9]", "f42"));
    assert!(!m("f[0-9]", "fx"));
    assert!(m("[!0-9]*", "x1"));
    assert!(!m("[!0-9]*", "1x"));
    assert!(m("[^a]", "b"));
    assert!(!m("[^a]", "a"));
    assert!(!m("[z-a]", "m"));
}

#[test]
fn a_bracket_first_in_a_class_is_a_member() {
    assert!(m("[]x]", "]"));
    assert!(m("[]a]", "]"));
    assert!(m("[!]]", "a"));
    assert!(!m("[!]]", "]"));
}

#[test]
fn a_dash_first_or_last_in_a_class_is_literal() {
    assert!(m("[a-]", "-"));
    assert!(m("[-a]", "-"));
}

#[test]
fn an_unclosed_bracket_is_literal() {
    assert!(m("a[b", "a[b"));
    assert!(!m("a[b", "ab"));
    assert!(m("[*", "[xyz"));
}

#[test]
fn hidden_names_need_a_literal_dot() {
    assert!(!m("*", ".profile"));
    assert!(!m("?profile", ".profile"));
    assert!(!m("[.]profile", ".profile"));
    assert!(!m("*.ftpc-part", ".a.txt.ftpc-part"));
    assert!(m(".*", ".profile"));
    assert!(m("*.*", "a.b"));
}

#[test]
fn plain_names_are_not_globs() {
    assert!(!Pattern::parse("readme.txt").is_glob());
    assert!(!Pattern::parse("a[b").is_glob());
    assert!(Pattern::parse("a[bc]").is_glob());
    assert!(Pattern::parse("x?").is_glob());
}

#[test]
fn has_magic_spots_glob_characters() {
    assert!(has_magic("*.txt"));
    assert!(has_magic("a?"));
    assert!(has_magic("[ab]"));
    assert!(!has_magic("plain.txt"));
}

#[test]
fn split_takes_only_the_last_component() {
    let (dir, p) = split("sub/*.txt").expect("glob");
    assert_eq!(dir, "sub/");
    assert!(p.matches("a.txt"));
    assert_eq!(split("*.txt").map(|(d, _)| d), Some(""));
    assert_eq!(split("/*").map(|(d, _)| d), Some("/"));
    assert_eq!(split("a/b*/").map(|(d, _)| d), Some("a/"));
    assert!(split("*/a.txt").is_none());
    assert!(split("dir").is_none());
    assert!(split("*/..").is_none());
    assert!(split("/").is_none());
}

#[test]
fn a_hostile_pattern_answers_promptly() {
    let pattern = Pattern::parse(&"*a".repeat(200));
    let hostile = Pattern::parse(&format!("{}b", "*a".repeat(500)));
    let name = "a".repeat(1000);
    let started = Instant::now();
    for _ in 0..20 {
        assert!(!hostile.matches(&name));
        assert!(pattern.matches(&name));
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_hostile_pattern_against_a_long_name_finishes_quickly() {
    // Exponential backtracking would take ages here; one backtrack point
    // keeps it to pattern × name steps.
    let pattern = "*a".repeat(50) + "b";
    let name = "a".repeat(5000);
    let started = Instant::now();
    assert!(!m(&pattern, &name));
    assert!(started.elapsed() < Duration::from_secs(5));
}
