//! Directory listing parsers: MLSD facts (RFC 3659 §7), Unix `ls -l` LIST
//! lines (vsftpd, proftpd, pure-ftpd, pyftpdlib, FileZilla Server) and DOS/IIS
//! LIST lines (`11-21-26  10:15PM  <DIR>  name`). Every parser returns the same
//! `Entry`; names are returned as the server sent them, and deciding whether
//! a name is safe to use locally is `safe_name`'s job.

mod time;

pub use time::Timestamp;

/// What a listing entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Link,
    Other,
}

impl Kind {
    /// One letter for `ls -l`, as in `ls`: `-`, `d`, `l`, `?`.
    pub fn letter(self) -> char {
        match self {
            Kind::File => '-',
            Kind::Dir => 'd',
            Kind::Link => 'l',
            Kind::Other => '?',
        }
    }

    /// The word used in `--json`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Link => "link",
            Kind::Other => "other",
        }
    }
}

/// One directory entry, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    pub size: Option<u64>,
    /// UTC for MLSD; server-local (assumed UTC) for LIST.
    pub modified: Option<Timestamp>,
    /// Symlink target from a Unix LIST line.
    pub target: Option<String>,
}

/// Parse a whole MLSD response body. `cdir`/`pdir` entries are dropped.
pub fn parse_mlsd(text: &str) -> Vec<Entry> {
    text.lines().filter_map(parse_mlsd_line).collect()
}

/// Parse one MLSD/MLST line: `fact=value;fact=value; name`.
pub fn parse_mlsd_line(line: &str) -> Option<Entry> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    // MLST replies indent the line by one space; MLSD lines are not indented.
    let line = line.strip_prefix(' ').unwrap_or(line);
    let (facts, name) = line.split_once(' ')?;
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry {
        name: name.to_string(),
        kind: Kind::Other,
        size: None,
        modified: None,
        target: None,
    };
    for fact in facts.split(';').filter(|f| !f.is_empty()) {
        let (key, value) = fact.split_once('=')?;
        match key.to_ascii_lowercase().as_str() {
            "type" => match value.to_ascii_lowercase().as_str() {
                "file" => entry.kind = Kind::File,
                "dir" => entry.kind = Kind::Dir,
                "cdir" | "pdir" => return None,
                v if v.contains("symlink") || v.contains("slink") => entry.kind = Kind::Link,
                _ => entry.kind = Kind::Other,
            },
            "size" | "sizd" => entry.size = value.parse().ok(),
            "modify" => entry.modified = Timestamp::parse_mdtm(value),
            _ => {}
        }
    }
    if entry.kind == Kind::Dir {
        // Directory sizes are block counts, not content: normalise them away.
        entry.size = None;
    }
    Some(entry)
}

/// Parse a LIST response body, Unix or DOS per line; lines that are
/// neither (`total 12`, blank lines, banners) are skipped. `now` resolves
/// Unix dates without a year.
pub fn parse_list(text: &str, now: Timestamp) -> Vec<Entry> {
    text.lines()
        .filter_map(|l| parse_unix_line(l, now).or_else(|| parse_dos_line(l)))
        .filter(|e| e.name != "." && e.name != "..")
        .collect()
}

/// `drwxr-xr-x 2 owner group 4096 Nov 21 10:15 name` and the variants real
/// servers send: without group or link count, with `-> target`, year instead
/// of time.
pub fn parse_unix_line(line: &str, now: Timestamp) -> Option<Entry> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let kind = match line.chars().next()? {
        '-' => Kind::File,
        'd' => Kind::Dir,
        'l' => Kind::Link,
        'b' | 'c' | 'p' | 's' | 'D' => Kind::Other,
        _ => return None,
    };
    let perms = line.split_whitespace().next()?;
    if perms.len() < 10 || !perms[1..10].chars().all(|c| "rwxsStTl-".contains(c)) {
        return None;
    }
    let tokens = tokens_with_offsets(line);
    // Find "Mon DD HH:MM|YYYY" with a size just before it.
    let i = (2..tokens.len().saturating_sub(2)).find(|&i| {
        time::month(tokens[i].1).is_some()
            && tokens[i + 1].1.parse::<u8>().is_ok()
            && tokens[i - 1].1.parse::<u64>().is_ok()
    })?;
    let size = tokens[i - 1].1.parse().ok();
    let modified = Timestamp::from_unix_list(tokens[i].1, tokens[i + 1].1, tokens[i + 2].1, now);
    let (end_of_time, _) = tokens.get(i + 2).map(|(o, t)| (o + t.len(), ()))?;
    // Exactly one space separates the date from the name, so names that start
    // with spaces survive.
    let name = line.get(end_of_time + 1..)?;
    if name.is_empty() {
        return None;
    }
    let (name, target) = match (kind, name.split_once(" -> ")) {
        (Kind::Link, Some((n, t))) => (n.to_string(), Some(t.to_string())),
        _ => (name.to_string(), None),
    };
    Some(Entry {
        name,
        kind,
        size: if kind == Kind::Dir { None } else { size },
        modified,
        target,
    })
}

/// `11-21-26  10:15PM       <DIR>          name` or `... 1234 name` (IIS).
pub fn parse_dos_line(line: &str) -> Option<Entry> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let tokens = tokens_with_offsets(line);
    if tokens.len() < 4 {
        return None;
    }
    let modified = Timestamp::from_dos(tokens[0].1, tokens[1].1)?;
    let (kind, size) = if tokens[2].1.eq_ignore_ascii_case("<DIR>") {
        (Kind::Dir, None)
    } else {
        (
            Kind::File,
            Some(tokens[2].1.replace(',', "").parse::<u64>().ok()?),
        )
    };
    // The name is everything after the size/<DIR> column and its padding.
    let after = tokens[2].0 + tokens[2].1.len();
    let name = line.get(after..)?.trim_start_matches(' ');
    if name.is_empty() {
        return None;
    }
    Some(Entry {
        name: name.to_string(),
        kind,
        size,
        modified: Some(modified),
        target: None,
    })
}

/// Whitespace-separated tokens with their byte offsets.
fn tokens_with_offsets(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c == ' ' || c == '\t', start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// Why a remote name may not become a local path component.
pub fn safe_name(name: &str) -> bool {
    !(name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.contains(['\r', '\n']))
}

#[cfg(test)]
mod tests;
