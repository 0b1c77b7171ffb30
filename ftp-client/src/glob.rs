//! Shell-style patterns for remote globs (`ftpc get 'ftp://h/dir/*.txt'`),
//! matched on the client against the names of a directory listing, so they
//! work the same against every server (no `NLST *.txt` that only some
//! servers expand). `*` matches any run of characters, `?` one character,
//! `[abc]`, `[a-z]` one of a set and `[!a-z]` one character outside it. As
//! in a shell, a name starting with `.` is matched only by a pattern that
//! starts with `.` (so `*` skips hidden and `.NAME.ftpc-part` files).
//!
//! Matching keeps one backtrack point (the last `*`), so it takes at most
//! `pattern length × name length` steps: a hostile name cannot make it
//! exponential.

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `?`
    Any,
    /// `*`
    Star,
    /// `[...]`: inclusive ranges (a single character is `(c, c)`).
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    /// Whether this one-character token matches `c` (never true for `Star`).
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(t) => *t == c,
            Token::Any => true,
            Token::Star => false,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    /// The pattern starts with a literal `.`: it may match hidden names.
    dot: bool,
}

/// Whether `s` has a glob character (`*`, `?` or `[`).
pub fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Parse the set after a `[` at `chars[0..]`; returns it and how many
/// characters it used, including the closing `]`. `None` when no `]`
/// closes it: the `[` is then an ordinary character.
fn parse_class(chars: &[char]) -> Option<(Token, usize)> {
    let mut i = 0;
    let negated = matches!(chars.first(), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while let Some(&c) = chars.get(i) {
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        match (chars.get(i + 1), chars.get(i + 2)) {
            (Some('-'), Some(&hi)) if hi != ']' => {
                ranges.push((c, hi));
                i += 3;
            }
            _ => {
                ranges.push((c, c));
                i += 1;
            }
        }
    }
    None
}

impl Pattern {
    /// Parse `pattern`. Every string is a pattern: an unclosed `[` stands
    /// for itself.
    pub fn parse(pattern: &str) -> Pattern {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            i += 1;
            let token = match c {
                '*' => Token::Star,
                '?' => Token::Any,
                '[' => match parse_class(&chars[i..]) {
                    Some((class, used)) => {
                        i += used;
                        class
                    }
                    None => Token::Char('['),
                },
                c => Token::Char(c),
            };
            // `**` is `*`: fewer backtrack steps, same language.
            if !(token == Token::Star && tokens.last() == Some(&Token::Star)) {
                tokens.push(token);
            }
        }
        Pattern {
            dot: tokens.first() == Some(&Token::Char('.')),
            tokens,
        }
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        if name.starts_with('.') && !self.dot {
            return false;
        }
        let name: Vec<char> = name.chars().collect();
        let tokens = &self.tokens;
        let (mut t, mut n) = (0, 0);
        // The last `*` seen and the name position it is tried at.
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match tokens.get(t) {
                Some(Token::Star) => {
                    star = Some((t, n));
                    t += 1;
                    continue;
                }
                Some(tok) if tok.matches(name[n]) => {
                    t += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
            // Let the last `*` take one more character, and go on after it.
            match star {
                Some((st, sn)) => {
                    star = Some((st, sn + 1));
                    t = st + 1;
                    n = sn + 1;
                }
                None => return false,
            }
        }
        tokens[t.min(tokens.len())..]
            .iter()
            .all(|tok| *tok == Token::Star)
    }
}

#[cfg(test)]
mod tests;
