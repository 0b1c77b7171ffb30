//! `ftp://[user[:password]@]host[:port]/path` URLs: parsed, percent-decoded and
//! checked once, so nothing downstream sees a CR, LF or NUL that could inject
//! a second command on the control connection.
//!
//! As in curl, the path is relative to the login directory: `ftp://h/a/b`
//! names `a/b`, and `ftp://h//etc/x` (or `%2Fetc/x`) names `/etc/x`.

use crate::error::{ClientError, Result};

/// A parsed FTP URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    /// `ftps://` was given: implicit TLS, default port 990.
    pub tls: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Decoded remote path, relative to the login directory unless it starts
    /// with `/`. Empty means the login directory itself.
    pub path: String,
    /// The URL path ended in `/`: it names a directory.
    pub trailing_slash: bool,
}

/// Refuse CR, LF and NUL in anything that will be sent to the server.
pub fn check_arg(what: &str, s: &str) -> Result<()> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(ClientError::Usage(format!(
            "{what} contains a line break or NUL; refusing to send it"
        )));
    }
    Ok(())
}

/// Percent-decode (`%41` → `A`) into UTF-8.
pub fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| ClientError::Usage(format!("bad percent escape in {s:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ClientError::Usage(format!("{s:?} is not UTF-8")))
}

impl FtpUrl {
    /// Parse and validate a URL given on the command line.
    pub fn parse(input: &str) -> Result<FtpUrl> {
        let usage = |m: &str| ClientError::Usage(format!("bad URL {input:?}: {m}"));
        let (tls, rest) = if let Some(r) = strip_prefix_ci(input, "ftp://") {
            (false, r)
        } else if let Some(r) = strip_prefix_ci(input, "ftps://") {
            (true, r)
        } else {
            return Err(usage("expected ftp://host/path"));
        };
        let (authority, raw_path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => match ui.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)?), Some(percent_decode(p)?)),
                None => (Some(percent_decode(ui)?), None),
            },
        };
        let default_port = if tls { 990 } else { 21 };
        let (host, port) =
            split_host_port(hostport, default_port).ok_or_else(|| usage("bad host or port"))?;
        if host.is_empty() {
            return Err(usage("missing host"));
        }
        let path = percent_decode(raw_path)?;
        check_arg("URL path", &path)?;
        if let Some(u) = &user {
            check_arg("user name", u)?;
        }
        if let Some(p) = &password {
            check_arg("password", p)?;
        }
        Ok(FtpUrl {
            tls,
            user: user.filter(|u| !u.is_empty()),
            password,
            host,
            port,
            trailing_slash: path.ends_with('/') || path.is_empty(),
            path: trim_trailing_slashes(&path),
        })
    }

    /// The last path component (`""` for the login directory or `/`).
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// `host:port` for messages, with brackets for IPv6.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`.
fn split_host_port(s: &str, default_port: u16) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let close = rest.find(']')?;
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        (rest[..close].to_string(), port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (s.to_string(), None),
        }
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse().ok().filter(|&p: &u16| p != 0)?,
    };
    Some((host, port))
}

/// `a/b/` → `a/b`, but `/` stays `/`.
fn trim_trailing_slashes(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() && p.starts_with('/') {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// Join a remote directory and a name with exactly one `/`.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The directory part of a remote path (`""` for a bare name).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url_with_credentials_and_port() {
        let u = FtpUrl::parse("ftp://bob:s%3Acret@example.org:2121/dir/a%20b.txt").unwrap();
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert_eq!(u.password.as_deref(), Some("s:cret"));
        assert_eq!(u.host, "example.org");
        assert_eq!(u.port, 2121);
        assert_eq!(u.path, "dir/a b.txt");
        assert!(!u.trailing_slash);
        assert_eq!(u.file_name(), "a b.txt");
    }

    #[test]
    fn default_port_and_empty_path() {
        let u = FtpUrl::parse("ftp://host").unwrap();
        assert_eq!((u.port, u.path.as_str(), u.trailing_slash), (21, "", true));
        assert_eq!(u.user, None);
    }

    #[test]
    fn trailing_slash_marks_a_directory() {
        let u = FtpUrl::parse("ftp://h/up/").unwrap();
        assert_eq!(u.path, "up");
        assert!(u.trailing_slash);
    }

    #[test]
    fn double_slash_is_absolute() {
        assert_eq!(FtpUrl::parse("ftp://h//etc/x").unwrap().path, "/etc/x");
        assert_eq!(FtpUrl::parse("ftp://h/%2Fetc").unwrap().path, "/etc");
    }

    #[test]
    fn ipv6_host() {
        let u = FtpUrl::parse("ftp://[::1]:99/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 99));
        assert_eq!(u.authority(), "[::1]:99");
    }

    #[test]
    fn utf8_is_decoded() {
        let u = FtpUrl::parse("ftp://h/%C3%A9t%C3%A9").unwrap();
        assert_eq!(u.path, "été");
    }

    #[test]
    fn encoded_crlf_is_refused() {
        for bad in [
            "ftp://h/a%0D%0ADELE%20x",
            "ftp://h/a%0a",
            "ftp://u%0d@h/",
            "ftp://u:p%0a@h/",
        ] {
            assert!(
                matches!(FtpUrl::parse(bad), Err(ClientError::Usage(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        for bad in [
            "http://h/",
            "ftp://",
            "ftp://h:0/",
            "ftp://h:x/",
            "ftp://h/%zz",
            "ftp://[::1/",
        ] {
            assert!(
                matches!(FtpUrl::parse(bad), Err(ClientError::Usage(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ftps_is_recognised_with_port_990() {
        let u = FtpUrl::parse("FTPS://h/").unwrap();
        assert!(u.tls);
        assert_eq!(u.port, 990);
        assert_eq!(FtpUrl::parse("ftps://h:2990/").unwrap().port, 2990);
        assert_eq!(FtpUrl::parse("ftp://h/").unwrap().port, 21);
    }

    #[test]
    fn join_and_parent() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("/", "a"), "/a");
        assert_eq!(join("d", "a"), "d/a");
        assert_eq!(parent("d/a"), "d");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("a"), "");
    }
}
