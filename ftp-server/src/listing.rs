//! The one place that formats listings: LIST lines in Unix `ls -l` form, NLST
//! names, MLSD/MLST fact lines (RFC 3659 §7), and UTC timestamps for MDTM and
//! the `modify` fact. Owner and group are shown as `ftp` so that host account
//! names never leak.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::storage::{FileKind, Metadata};

/// Which MLST facts to report (`OPTS MLST`). All on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: bool,
    pub size: bool,
    pub modify: bool,
    pub perm: bool,
    pub unix_mode: bool,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            kind: true,
            size: true,
            modify: true,
            perm: true,
            unix_mode: true,
        }
    }
}

/// The FEAT line for MLST: every supported fact, `*` on the enabled ones.
pub fn feat_mlst(f: &Facts) -> String {
    let mut s = String::from("MLST ");
    for (name, on) in [
        ("type", f.kind),
        ("size", f.size),
        ("modify", f.modify),
        ("perm", f.perm),
        ("unix.mode", f.unix_mode),
    ] {
        s.push_str(name);
        if on {
            s.push('*');
        }
        s.push(';');
    }
    s
}

impl Facts {
    /// Parse the argument of `OPTS MLST type;size;` (unknown facts ignored).
    pub fn parse(list: &str) -> Facts {
        let mut f = Facts {
            kind: false,
            size: false,
            modify: false,
            perm: false,
            unix_mode: false,
        };
        for name in list.split(';').map(|s| s.trim().to_ascii_lowercase()) {
            match name.as_str() {
                "type" => f.kind = true,
                "size" => f.size = true,
                "modify" => f.modify = true,
                "perm" => f.perm = true,
                "unix.mode" => f.unix_mode = true,
                _ => {}
            }
        }
        f
    }

    /// The enabled facts as the OPTS reply lists them.
    pub fn names(&self) -> String {
        let mut s = String::new();
        for (name, on) in [
            ("type", self.kind),
            ("size", self.size),
            ("modify", self.modify),
            ("perm", self.perm),
            ("unix.mode", self.unix_mode),
        ] {
            if on {
                s.push_str(name);
                s.push(';');
            }
        }
        s
    }
}

/// Seconds since the epoch, or 0 for times before it / unknown.
fn unix_secs(t: Option<SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// (year, month 1-12, day, hour, minute, second) in UTC for Unix seconds.
pub fn utc_parts(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = ftp_proto::CivilTime::from_unix(secs);
    (t.year, t.month, t.day, t.hour, t.minute, t.second)
}

/// `YYYYMMDDHHMMSS` in UTC (MDTM, RFC 3659 §2.3; the `modify` fact).
pub fn mdtm(t: Option<SystemTime>) -> String {
    ftp_proto::CivilTime::from_unix(unix_secs(t)).mdtm()
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The `ls -l` date column in UTC: `Mon DD HH:MM` within six months of now,
/// `Mon DD  YYYY` otherwise.
fn ls_date(t: Option<SystemTime>, now: SystemTime) -> String {
    let secs = unix_secs(t);
    let now = unix_secs(Some(now));
    let (y, mo, d, h, mi, _) = utc_parts(secs);
    let month = MONTHS[(mo as usize).saturating_sub(1) % 12];
    if (now - secs).abs() < 180 * 86_400 {
        format!("{month} {d:>2} {h:02}:{mi:02}")
    } else {
        format!("{month} {d:>2}  {y}")
    }
}

fn mode_string(meta: &Metadata) -> String {
    let kind = match meta.kind {
        FileKind::Dir => 'd',
        FileKind::Symlink => 'l',
        FileKind::File | FileKind::Other => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(kind);
    for shift in [6u32, 3, 0] {
        let bits = (meta.mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// One `ls -l` line without CRLF. Symlink targets are not shown: they may
/// name host paths.
pub fn list_line(name: &str, meta: &Metadata, now: SystemTime) -> String {
    format!(
        "{} {:>3} ftp      ftp      {:>12} {} {}",
        mode_string(meta),
        meta.nlink.max(1),
        meta.len,
        ls_date(meta.modified, now),
        name
    )
}

/// MLSD/MLST facts (without the name), e.g. `type=file;size=3;...;`.
/// `kind_override` gives `cdir`/`pdir` for MLSD's `.` and `..` entries.
pub fn mlsx_facts(
    meta: &Metadata,
    facts: &Facts,
    write: bool,
    kind_override: Option<&str>,
) -> String {
    let mut s = String::new();
    if facts.kind {
        let kind = kind_override.unwrap_or(match meta.kind {
            FileKind::Dir => "dir",
            FileKind::File => "file",
            FileKind::Symlink | FileKind::Other => "OS.unix=special",
        });
        s.push_str(&format!("type={kind};"));
    }
    if facts.size && meta.kind != FileKind::Dir {
        s.push_str(&format!("size={};", meta.len));
    }
    // An unknown time (an S3 directory) is left out, as RFC 3659 §7.5 allows.
    if facts.modify && meta.modified.is_some() {
        s.push_str(&format!("modify={};", mdtm(meta.modified)));
    }
    if facts.perm {
        let perm = match (meta.kind, write) {
            (FileKind::Dir, true) => "elcmpfd",
            (FileKind::Dir, false) => "el",
            (_, true) => "radfw",
            (_, false) => "r",
        };
        s.push_str(&format!("perm={perm};"));
    }
    if facts.unix_mode {
        s.push_str(&format!("unix.mode=0{:o};", meta.mode & 0o7777));
    }
    s
}

/// Split `LIST`/`NLST` arguments into ls-style options and the path:
/// `-la dir` → (`la`, `dir`). Clients such as WinSCP send `-a` alone.
pub fn split_list_args(arg: Option<&str>) -> (String, Option<String>) {
    let Some(arg) = arg else {
        return (String::new(), None);
    };
    let mut opts = String::new();
    let mut rest = arg;
    while let Some(word) = rest.strip_prefix('-') {
        let end = word.find(' ').unwrap_or(word.len());
        if end == 0 {
            break;
        }
        opts.push_str(&word[..end]);
        rest = word[end..].trim_start_matches(' ');
    }
    let path = if rest.is_empty() {
        None
    } else {
        Some(rest.to_string())
    };
    (opts, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn meta(kind: FileKind, len: u64, secs: u64) -> Metadata {
        Metadata {
            kind,
            len,
            modified: Some(UNIX_EPOCH + Duration::from_secs(secs)),
            mode: if kind == FileKind::Dir { 0o755 } else { 0o644 },
            nlink: 1,
            uid: 0,
            gid: 0,
        }
    }

    #[test]
    fn utc_conversion_of_known_dates() {
        assert_eq!(utc_parts(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc_parts(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(utc_parts(1_795_311_045), (2026, 11, 22, 1, 30, 45));
    }

    #[test]
    fn mdtm_format() {
        let m = meta(FileKind::File, 1, 1_795_311_045);
        assert_eq!(mdtm(m.modified), "20261122013045");
    }

    #[test]
    fn list_line_recent_and_old() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_311_045);
        let recent = list_line("a b", &meta(FileKind::File, 42, 1_795_311_000), now);
        assert_eq!(
            recent,
            "-rw-r--r--   1 ftp      ftp                42 Nov 22 01:30 a b"
        );
        let old = list_line("d", &meta(FileKind::Dir, 4096, 951_782_400), now);
        assert!(old.starts_with("drwxr-xr-x"));
        assert!(old.ends_with("Feb 29  2000 d"), "{old}");
    }

    #[test]
    fn mlsx_facts_for_file_and_dir() {
        let f = mlsx_facts(&meta(FileKind::File, 3, 0), &Facts::default(), false, None);
        assert_eq!(
            f,
            "type=file;size=3;modify=19700101000000;perm=r;unix.mode=0644;"
        );
        let d = mlsx_facts(
            &meta(FileKind::Dir, 0, 0),
            &Facts::default(),
            true,
            Some("cdir"),
        );
        assert_eq!(
            d,
            "type=cdir;modify=19700101000000;perm=elcmpfd;unix.mode=0755;"
        );
    }

    #[test]
    fn opts_mlst_selects_facts() {
        let f = Facts::parse("size;Type;bogus;");
        assert_eq!(f.names(), "type;size;");
        assert_eq!(feat_mlst(&f), "MLST type*;size*;modify;perm;unix.mode;");
    }

    #[test]
    fn list_options_are_not_masks() {
        assert_eq!(split_list_args(Some("-la")), ("la".into(), None));
        assert_eq!(
            split_list_args(Some("-a dir x")),
            ("a".into(), Some("dir x".into()))
        );
        assert_eq!(
            split_list_args(Some("dir")),
            (String::new(), Some("dir".into()))
        );
        assert_eq!(split_list_args(None), (String::new(), None));
    }
}
