use super::*;

fn m(p: &str, n: &str) -> bool {
    Pattern::parse(p).matches(n)
}

#[test]
fn star_matches_any_run_including_none() {
    assert!(m("*.txt", "a.txt"));
    assert!(!m("*.txt", ".txt"));
    assert!(m("a*", "a"));
    assert!(m("a*b*c", "aXXbYYc"));
    assert!(!m("*.txt", "a.txt.gz"));
    assert!(m("*", "anything at all"));
}

#[test]
fn question_mark_matches_exactly_one_character() {
    assert!(m("?.txt", "a.txt"));
    assert!(!m("?.txt", "ab.txt"));
    assert!(!m("?.txt", ".txt"));
    assert!(m("??", "éx"));
}

#[test]
fn class_with_ranges_and_negation() {
    assert!(m("[ab].txt", "a.txt"));
    assert!(!m("[ab].txt", "c.txt"));
    assert!(m("f[0-9][0-9]", "f42"));
    assert!(!m("f[0-9]", "fx"));
    assert!(m("[!0-9]*", "x1"));
    assert!(!m("[!0-9]*", "1x"));
    assert!(m("[^a]", "b"));
}

#[test]
fn bracket_edge_cases_are_literal() {
    // `]` first in a set is a member; `-` at either end is a member.
    assert!(m("[]a]", "]"));
    assert!(m("[a-]", "-"));
    assert!(m("[-a]", "-"));
    // An unclosed `[` stands for itself.
    assert!(m("a[b", "a[b"));
    assert!(!m("a[b", "ab"));
}

#[test]
fn hidden_names_need_a_leading_dot_in_the_pattern() {
    assert!(!m("*", ".profile"));
    assert!(!m("*.ftpc-part", ".a.txt.ftpc-part"));
    assert!(m(".*", ".profile"));
}

#[test]
fn has_magic_spots_glob_characters() {
    assert!(has_magic("*.txt"));
    assert!(has_magic("a?"));
    assert!(has_magic("[ab]"));
    assert!(!has_magic("plain.txt"));
}

#[test]
fn hostile_pattern_and_name_finish_quickly() {
    // Exponential backtracking would take ages here; one backtrack point
    // keeps it to pattern × name steps.
    let pattern = "*a".repeat(50) + "b";
    let name = "a".repeat(5000);
    let started = std::time::Instant::now();
    assert!(!m(&pattern, &name));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
