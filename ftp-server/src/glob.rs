//! Glob patterns for the last path component of LIST and NLST (`*.txt`,
//! `a?c`, `[ab]*`, `[!0-9]*`), as vsftpd and a Unix shell understand them:
//!
//! - `*` matches any run of characters, `?` any one character;
//! - `[...]` one character from a set of characters and ranges (`a-z`);
//!   `[!...]` or `[^...]` one character outside it; a `]` right after the
//!   opening `[` (or `[!`) is a member, and a `-` first or last is literal;
//!   a `[` with no closing `]` is a literal `[`;
//! - a leading `.` is only matched by a literal `.`, so `*` does not pick up
//!   hidden files, as in a shell;
//! - there are no escapes: a name that holds a `*` is listed by its exact
//!   name (the listing code tries the literal name first).
//!
//! Matching never backtracks more than one `*` at a time, so it takes at
//! most (pattern length × name length) steps: `*a*a*a*a*b` against a long
//! run of `a`s answers at once instead of exploring every split.

/// One element of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `[...]`: members and ranges, and whether the set is negated.
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

/// A parsed glob pattern for one path component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// Parse `text`; every string is a pattern (malformed classes are literal).
    pub fn new(text: &str) -> Pattern {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' => {
                    // `**` means the same as `*`; one token keeps matching linear.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                '?' => {
                    tokens.push(Token::One);
                    i += 1;
                }
                '[' => match parse_class(&chars[i + 1..]) {
                    Some((token, used)) => {
                        tokens.push(token);
                        i += 1 + used;
                    }
                    None => {
                        tokens.push(Token::Literal('['));
                        i += 1;
                    }
                },
                c => {
                    tokens.push(Token::Literal(c));
                    i += 1;
                }
            }
        }
        Pattern { tokens }
    }

    /// Whether the pattern has any wildcard at all; a plain name is not a
    /// glob and is looked up as it is.
    pub fn is_glob(&self) -> bool {
        self.tokens.iter().any(|t| !matches!(t, Token::Literal(_)))
    }

    /// Whether `name` (one path component) matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        if name.first() == Some(&'.') && self.tokens.first() != Some(&Token::Literal('.')) {
            return false;
        }
        let toks = &self.tokens;
        let (mut t, mut n) = (0, 0);
        // The last `*` seen and the name position it is currently tried at:
        // on a mismatch, that star swallows one more character. Earlier stars
        // never need revisiting, since the last one can absorb anything they
        // could.
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match toks.get(t) {
                Some(Token::Star) => {
                    star = Some((t, n));
                    t += 1;
                    continue;
                }
                Some(tok) if single(tok, name[n]) => {
                    t += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((st, sn)) => {
                    star = Some((st, sn + 1));
                    t = st + 1;
                    n = sn + 1;
                }
                None => return false,
            }
        }
        toks[t..].iter().all(|tok| *tok == Token::Star)
    }
}

/// Whether a non-star token matches the character `c`.
fn single(tok: &Token, c: char) -> bool {
    match tok {
        Token::Literal(l) => *l == c,
        Token::One => true,
        Token::Class { negated, items } => {
            items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
        Token::Star => false,
    }
}

/// Parse a class after its `[`: the token and the characters used,
/// including the closing `]`; `None` when there is no closing `]`.
fn parse_class(rest: &[char]) -> Option<(Token, usize)> {
    let mut i = 0;
    let negated = matches!(rest.first(), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut items = Vec::new();
    let start = i;
    loop {
        let c = *rest.get(i)?;
        if c == ']' && i > start {
            return Some((Token::Class { negated, items }, i + 1));
        }
        match (rest.get(i + 1), rest.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                items.push((c, hi));
                i += 3;
            }
            _ => {
                items.push((c, c));
                i += 1;
            }
        }
    }
}

/// Split a LIST/NLST path argument into the directory part as the client
/// typed it (with its trailing `/`, or empty for the current directory)
/// and a last component that is a glob; `None` when the last component
/// has no wildcard (or is `.`/`..`). Only the last component can be a
/// pattern: wildcards in the directory part are taken literally.
pub fn split(arg: &str) -> Option<(&str, Pattern)> {
    let trimmed = arg.trim_end_matches('/');
    let (dir, last) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    if last.is_empty() || last == "." || last == ".." {
        return None;
    }
    let pattern = Pattern::new(last);
    pattern.is_glob().then_some((dir, pattern))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn m(p: &str, name: &str) -> bool {
        Pattern::new(p).matches(name)
    }

    #[test]
    fn star_matches_any_run_including_none() {
        assert!(m("*.txt", "a.txt"));
        assert!(!m("*.txt", ".txt.txt"));
        assert!(m("*.txt", "x.txt"));
        assert!(m("a*", "a"));
        assert!(m("*", "anything at all"));
        assert!(m("a*b*c", "aXbYc"));
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
    }

    #[test]
    fn classes_ranges_and_negation() {
        assert!(m("[ab]*", "apple"));
        assert!(m("[ab]*", "banana"));
        assert!(!m("[ab]*", "cherry"));
        assert!(m("f[0-9]", "f7"));
        assert!(!m("f[0-9]", "fx"));
        assert!(m("[!0-9]*", "x1"));
        assert!(!m("[!0-9]*", "1x"));
        assert!(m("[^a]", "b"));
        assert!(!m("[^a]", "a"));
        assert!(m("[]x]", "]"));
        assert!(m("[!]]", "a"));
        assert!(!m("[!]]", "]"));
        assert!(m("[a-]", "-"));
        assert!(m("[-a]", "-"));
        assert!(!m("[z-a]", "m"));
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
        assert!(m(".*", ".profile"));
        assert!(m("*.*", "a.b"));
    }

    #[test]
    fn plain_names_are_not_globs() {
        assert!(!Pattern::new("readme.txt").is_glob());
        assert!(!Pattern::new("a[b").is_glob());
        assert!(Pattern::new("a[bc]").is_glob());
        assert!(Pattern::new("x?").is_glob());
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
        let pattern = Pattern::new(&"*a".repeat(200));
        let hostile = Pattern::new(&format!("{}b", "*a".repeat(500)));
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
}
