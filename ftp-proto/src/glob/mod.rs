//! Shell-style patterns for one path component, shared by both sides so
//! they agree on every edge case: `ftpd` expands the last component of
//! LIST and NLST (`NLST *.txt`, `LIST -l sub/[ab]*`), as vsftpd does, and
//! `ftpc` matches a remote glob (`ftpc get 'ftp://h/dir/*.txt'`) against
//! the names of a directory listing, so it works the same against every
//! server. What it matches:
//!
//! - `*` matches any run of characters (also none), `?` any one character;
//!   `**` is the same as `*`;
//! - `[...]` one character from a set of characters and ranges (`a-z`);
//!   `[!...]` or `[^...]` one character outside it; a `]` right after the
//!   opening `[` (or `[!`) is a member, and a `-` first or last is literal;
//!   a `[` with no closing `]` is a literal `[`;
//! - a leading `.` is only matched by a literal `.`, so `*` does not pick
//!   up hidden files (nor `ftpc`'s `.NAME.ftpc-part`), as in a shell;
//! - there are no escapes: a name that holds a `*` is found by its exact
//!   name, since both callers try the literal name first.
//!
//! Matching keeps one backtrack point (the last `*`), so it takes at most
//! (pattern length × name length) steps: `*a*a*a*a*b` against a long run
//! of `a`s answers at once instead of exploring every split.

/// One element of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `[...]`: inclusive ranges (a single character is `(c, c)`), and
    /// whether the set is negated.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    /// Whether this one-character token matches `c` (never true for `Star`).
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::One => true,
            Token::Star => false,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// A parsed glob pattern for one path component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// Parse `text`. Every string is a pattern: a malformed class (an
    /// unclosed `[`) stands for itself.
    pub fn parse(text: &str) -> Pattern {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            i += 1;
            let token = match c {
                '*' => Token::Star,
                '?' => Token::One,
                '[' => match parse_class(&chars[i..]) {
                    Some((class, used)) => {
                        i += used;
                        class
                    }
                    None => Token::Literal('['),
                },
                c => Token::Literal(c),
            };
            // `**` means the same as `*`; one token keeps matching linear.
            if !(token == Token::Star && tokens.last() == Some(&Token::Star)) {
                tokens.push(token);
            }
        }
        Pattern { tokens }
    }

    /// Whether the parsed pattern has any wildcard at all. A plain name,
    /// and one whose only `[` is unclosed, is not a glob: `ftpd` looks it
    /// up as it is. (`ftpc` asks the broader [`has_magic`] of the text.)
    pub fn is_glob(&self) -> bool {
        self.tokens.iter().any(|t| !matches!(t, Token::Literal(_)))
    }

    /// Whether `name` (one path component) matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        if name.starts_with('.') && self.tokens.first() != Some(&Token::Literal('.')) {
            return false;
        }
        let name: Vec<char> = name.chars().collect();
        let tokens = &self.tokens;
        let (mut t, mut n) = (0, 0);
        // The last `*` seen and the name position it is currently tried at:
        // on a mismatch, that star swallows one more character. Earlier stars
        // never need revisiting, since the last one can absorb anything they
        // could.
        let mut star: Option<(usize, usize)> = None;
        while let Some(&c) = name.get(n) {
            match tokens.get(t) {
                Some(Token::Star) => {
                    star = Some((t, n));
                    t += 1;
                    continue;
                }
                Some(tok) if tok.matches(c) => {
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
        tokens.iter().skip(t).all(|tok| *tok == Token::Star)
    }
}

/// Whether the text `s` has a glob character (`*`, `?` or `[`) at all.
/// Broader than [`Pattern::is_glob`]: an unclosed `[` counts. `ftpc`
/// uses it to send a URL's last part through the listing, where the
/// literal name still wins and an unclosed `[` matches only itself, as
/// the README's "Remote globs" says.
pub fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Parse a class after its `[`: the token and the characters used,
/// including the closing `]`; `None` when no `]` closes it.
fn parse_class(rest: &[char]) -> Option<(Token, usize)> {
    let negated = matches!(rest.first(), Some('!' | '^'));
    let start = usize::from(negated);
    let mut i = start;
    let mut ranges = Vec::new();
    while let Some(&c) = rest.get(i) {
        // A `]` first in the set is a member, not its end.
        if c == ']' && i > start {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        match (rest.get(i + 1), rest.get(i + 2)) {
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

/// Split a LIST/NLST path argument into the directory part as the client
/// typed it (with its trailing `/`, or empty for the current directory)
/// and a last component that is a glob; `None` when the last component
/// has no wildcard (or is `.`/`..`). Only the last component can be a
/// pattern: wildcards in the directory part are taken literally, as in
/// vsftpd.
pub fn split(arg: &str) -> Option<(&str, Pattern)> {
    let trimmed = arg.trim_end_matches('/');
    let (dir, last) = match trimmed.rfind('/') {
        Some(i) => (&trimmed[..=i], &trimmed[i + 1..]),
        None => ("", trimmed),
    };
    if last.is_empty() || last == "." || last == ".." {
        return None;
    }
    let pattern = Pattern::parse(last);
    pattern.is_glob().then_some((dir, pattern))
}

#[cfg(test)]
mod tests;
