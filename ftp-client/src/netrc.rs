//! `~/.netrc` lookup: `machine HOST login USER password PW`, plus `default`.
//! Tokens are whitespace-separated; `macdef` bodies (up to a blank line) are
//! skipped. The first matching entry wins, as in ftp(1) and curl.

/// One `machine` (or `default`) entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetrcEntry {
    /// `None` for the `default` entry.
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
}

/// Parse the text of a netrc file.
pub fn parse(text: &str) -> Vec<NetrcEntry> {
    let mut entries = Vec::new();
    let mut current: Option<NetrcEntry> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut tokens = line.split_whitespace();
        while let Some(tok) = tokens.next() {
            match tok {
                "machine" | "default" => {
                    entries.extend(current.take());
                    let machine = if tok == "machine" {
                        tokens.next().map(str::to_string)
                    } else {
                        None
                    };
                    current = Some(NetrcEntry {
                        machine,
                        ..Default::default()
                    });
                }
                "login" | "password" | "account" => {
                    let value = tokens.next().map(str::to_string);
                    if let Some(e) = current.as_mut() {
                        match tok {
                            "login" => e.login = value,
                            "password" => e.password = value,
                            _ => {}
                        }
                    }
                }
                "macdef" => {
                    // The macro body runs to the next empty line.
                    for body in lines.by_ref() {
                        if body.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                _ if tok.starts_with('#') => break,
                _ => {}
            }
        }
    }
    entries.extend(current);
    entries
}

/// The entry for `host` (and `user`, when one is given), else `default`.
pub fn lookup<'a>(
    entries: &'a [NetrcEntry],
    host: &str,
    user: Option<&str>,
) -> Option<&'a NetrcEntry> {
    let user_ok = |e: &NetrcEntry| match (user, &e.login) {
        (Some(u), Some(l)) => u == l,
        (Some(_), None) => true,
        (None, _) => true,
    };
    entries
        .iter()
        .find(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
                && user_ok(e)
        })
        .or_else(|| entries.iter().find(|e| e.machine.is_none() && user_ok(e)))
}

/// Read `$HOME/.netrc` (or `$NETRC`), if there is one.
pub fn load() -> Vec<NetrcEntry> {
    let path = match std::env::var_os("NETRC") {
        Some(p) => std::path::PathBuf::from(p),
        None => match std::env::var_os("HOME") {
            Some(h) => std::path::Path::new(&h).join(".netrc"),
            None => return Vec::new(),
        },
    };
    std::fs::read_to_string(path)
        .map(|t| parse(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# comment line
machine ftp.example.org login alice password secret1
machine other
  login bob
  password  two
macdef init
cd /pub
binary

default login anonymous password me@example.org
";

    #[test]
    fn finds_machine_on_one_line() {
        let e = parse(SAMPLE);
        let m = lookup(&e, "ftp.example.org", None).unwrap();
        assert_eq!(m.login.as_deref(), Some("alice"));
        assert_eq!(m.password.as_deref(), Some("secret1"));
    }

    #[test]
    fn finds_machine_across_lines_and_skips_macdef() {
        let e = parse(SAMPLE);
        assert_eq!(e.len(), 3, "{e:?}");
        let m = lookup(&e, "OTHER", None).unwrap();
        assert_eq!(m.login.as_deref(), Some("bob"));
        assert_eq!(m.password.as_deref(), Some("two"));
    }

    #[test]
    fn user_must_match_when_given() {
        let e = parse(SAMPLE);
        assert!(lookup(&e, "ftp.example.org", Some("carol")).is_none());
        let m = lookup(&e, "ftp.example.org", Some("alice")).unwrap();
        assert_eq!(m.password.as_deref(), Some("secret1"));
        let d = lookup(&e, "ftp.example.org", Some("anonymous")).unwrap();
        assert_eq!(d.machine, None);
    }

    #[test]
    fn default_entry_for_unknown_hosts() {
        let e = parse(SAMPLE);
        let m = lookup(&e, "nowhere", None).unwrap();
        assert_eq!(m.login.as_deref(), Some("anonymous"));
    }
}
