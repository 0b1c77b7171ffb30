//! `ftpc ls [-l] [-a] [-R] [--json] URL`: list a remote directory (or show one
//! file). Plain output is one name per line; `-l` a normalised table (type,
//! size, UTC time, name); `--json` one object per entry. Names are escaped.

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::{Entry, Kind};
use crate::output::{escape, json_string};
use crate::url::{join, FtpUrl};

use super::{Context, MAX_DEPTH};

/// `ls` options.
#[derive(Debug, Clone)]
pub struct Args {
    pub url: FtpUrl,
    pub long: bool,
    pub all: bool,
    pub recursive: bool,
    pub json: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<()> {
    let mut client = ctx.connect()?;
    let path = args.url.path.clone();
    let entries = match client.list_dir(&path) {
        Ok(e) => e,
        Err(err @ (ClientError::NotFound { .. } | ClientError::Refused { .. })) => {
            // A file (show just that entry) or nothing at all (not found).
            let entry = super::stat::lookup(&mut client, &path)?;
            if entry.kind == Kind::Dir {
                return Err(err);
            }
            print_entry(ctx, args, &entry, &entry.name);
            client.quit();
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    walk(ctx, args, &mut client, &path, "", entries, 0)?;
    client.quit();
    Ok(())
}

fn walk(
    ctx: &Context,
    args: &Args,
    client: &mut FtpClient,
    dir: &str,
    prefix: &str,
    mut entries: Vec<Entry>,
    depth: usize,
) -> Result<()> {
    entries.retain(|e| args.all || !e.name.starts_with('.'));
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for e in &entries {
        print_entry(ctx, args, e, &join(prefix, &e.name));
    }
    if !args.recursive || depth >= MAX_DEPTH {
        return Ok(());
    }
    for e in entries.iter().filter(|e| e.kind == Kind::Dir) {
        if !crate::listing::safe_name(&e.name) {
            continue;
        }
        let sub = join(dir, &e.name);
        match client.list_dir(&sub) {
            Ok(children) => walk(
                ctx,
                args,
                client,
                &sub,
                &join(prefix, &e.name),
                children,
                depth + 1,
            )?,
            Err(err) if err.is_per_file() => ctx.printer.error(&format!("ftpc: {sub}: {err}")),
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

fn print_entry(ctx: &Context, args: &Args, e: &Entry, path: &str) {
    let line = if args.json {
        json_line(e, path)
    } else if args.long {
        long_line(e, path)
    } else {
        escape(path).into_owned()
    };
    ctx.printer.result(&line);
}

/// `d            - 2024-11-21 10:15:00 name`.
pub fn long_line(e: &Entry, path: &str) -> String {
    let size = e.size.map_or_else(|| "-".to_string(), |s| s.to_string());
    let time = e
        .modified
        .map_or_else(|| "-                  ".to_string(), |t| t.to_string());
    let mut line = format!("{} {:>12} {} {}", e.kind.letter(), size, time, escape(path));
    if let Some(t) = &e.target {
        line.push_str(" -> ");
        line.push_str(&escape(t));
    }
    line
}

/// `{"name":..,"path":..,"type":..,"size":..,"modified":..}`.
pub fn json_line(e: &Entry, path: &str) -> String {
    let size = e.size.map_or_else(|| "null".to_string(), |s| s.to_string());
    let modified = e.modified.map_or_else(
        || "null".to_string(),
        |t| {
            json_string(&format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            ))
        },
    );
    let mut out = format!(
        "{{\"name\":{},\"path\":{},\"type\":\"{}\",\"size\":{},\"modified\":{}",
        json_string(&e.name),
        json_string(path),
        e.kind.word(),
        size,
        modified
    );
    if let Some(t) = &e.target {
        out.push_str(&format!(",\"target\":{}", json_string(t)));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Timestamp;

    fn entry() -> Entry {
        Entry {
            name: "a \"b\".txt".into(),
            kind: Kind::File,
            size: Some(42),
            modified: Timestamp::parse_mdtm("20240102030405"),
            target: None,
        }
    }

    #[test]
    fn long_line_is_normalised() {
        assert_eq!(
            long_line(&entry(), "d/a \"b\".txt"),
            "-           42 2024-01-02 03:04:05 d/a \"b\".txt"
        );
    }

    #[test]
    fn json_line_escapes_and_formats_utc() {
        assert_eq!(
            json_line(&entry(), "a \"b\".txt"),
            r#"{"name":"a \"b\".txt","path":"a \"b\".txt","type":"file","size":42,"modified":"2024-01-02T03:04:05Z"}"#
        );
    }

    #[test]
    fn long_line_escapes_control_characters() {
        let mut e = entry();
        e.name = "x\x1b[2J".into();
        assert!(long_line(&e, &e.name.clone()).ends_with("x\\x1b[2J"));
    }
}
