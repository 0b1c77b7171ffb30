//! `ftpc get [-r] [-c] [-o PATH|-] URL [LOCAL]`: download one file, or with
//! `-r` a tree, or every file a remote glob matches, over `-j` connections
//! (`get_many`). `-c` resumes with REST from the local length, and so does
//! a retry after a transient failure (`--retries`), from the partial file.
//! The file gets the remote time, and `--checksum` compares digests before
//! the rename (`keep`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::Timestamp;
use crate::retry;
use crate::transfer::check_size;
use crate::url::FtpUrl;

use super::keep::{file_digest, Keep};
use super::{get_many, Context, Resume};

/// Where `get` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `./NAME`.
    Default,
    /// `-o PATH` or `LOCAL`; a directory receives `NAME` inside it.
    Path(PathBuf),
    /// `-o -`.
    Stdout,
}

/// `get` options.
#[derive(Debug, Clone)]
pub struct Args {
    pub url: FtpUrl,
    pub output: Output,
    pub recursive: bool,
    pub resume: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<()> {
    if args.output == Output::Stdout {
        if args.recursive {
            return Err(ClientError::Usage("-o - cannot be used with -r".into()));
        }
        return super::cat::run(ctx, &args.url);
    }
    let name = args.url.file_name();
    if ftp_proto::glob::has_magic(name) {
        return get_many::glob(ctx, args, name);
    }
    let dest = match &args.output {
        Output::Path(p) if p.is_dir() && !name.is_empty() => p.join(name),
        Output::Path(p) => p.clone(),
        _ if name.is_empty() => PathBuf::from("."),
        _ => PathBuf::from(name),
    };
    if args.recursive {
        return get_many::tree(ctx, args, &dest);
    }
    if name.is_empty() {
        return Err(ClientError::Usage(
            "the URL names a directory; use -r".into(),
        ));
    }
    let started = std::time::Instant::now();
    let got = get_one(ctx, args, name, &dest);
    if got.is_err() {
        let part = part_path(&dest);
        if std::fs::metadata(&part).is_ok_and(|m| m.len() > 0) {
            ctx.printer.error(&format!(
                "ftpc: partial download kept as {}; `ftpc get -c` resumes it",
                part.display()
            ));
        }
    }
    ctx.printer.summary(1, got?, started.elapsed());
    Ok(())
}

/// One file, each attempt on a new connection; a retry continues what
/// the attempts before it wrote (REST from the partial file's length).
fn get_one(ctx: &Context, args: &Args, name: &str, dest: &Path) -> Result<u64> {
    let mut wrote = false;
    retry::run(&ctx.retry, ctx.printer, |_| {
        let resume = Resume::for_attempt(args.resume, wrote);
        let mut client = ctx.target.connect()?;
        let expected = client.size(&args.url.path)?;
        let bar = ctx.printer.file_bar(name, expected);
        let fetch = Fetch {
            resume,
            expected,
            modified: None,
            keep: ctx.keep(),
        };
        let got = download(&mut client, &args.url.path, dest, &fetch, &mut |n| {
            wrote |= n > 0;
            bar.inc(n)
        });
        bar.finish_and_clear();
        let got = got?;
        client.quit();
        Ok(got)
    })
}

/// Opens the local file only when the server has started sending, so a
/// refused RETR leaves no empty file behind.
struct LazyFile<'a> {
    path: &'a Path,
    append: bool,
    file: Option<File>,
}

impl LazyFile<'_> {
    fn open(&mut self) -> std::io::Result<&mut File> {
        if self.file.is_none() {
            let f = OpenOptions::new()
                .write(true)
                .create(true)
                .append(self.append)
                .truncate(!self.append)
                .open(self.path)?;
            self.file = Some(f);
        }
        self.file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("file not open"))
    }
}

impl Write for LazyFile<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.open()?.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

/// The temporary name a download to `local` is written under: beside it,
/// so the final rename stays on one filesystem.
pub fn part_path(local: &Path) -> PathBuf {
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    local.with_file_name(format!(".{name}.ftpc-part"))
}

/// How one download is done, besides where from and to.
pub struct Fetch<'a> {
    pub resume: Resume,
    /// The remote size, when known (checked at the end).
    pub expected: Option<u64>,
    /// The remote time, when a listing gave it exactly (MLSD); else it is
    /// asked for when times are kept.
    pub modified: Option<Timestamp>,
    pub keep: Keep<'a>,
}

/// Download `remote` to `local`. The bytes go to `part_path(local)`, renamed
/// over `local` once the transfer is complete and its size checks out, so an
/// interrupted or failed download never leaves half a file under the real
/// name; the partial file stays for `-c`. With `Resume::Continue` (`-c`),
/// the partial file is continued (REST from its length), or else an
/// existing `local` is continued in place, as `curl -C -` does;
/// `Resume::Own` (a retry) continues only the partial file. A destination that exists and
/// is not a regular file (`/dev/null`, a FIFO, a symlink) is written
/// directly: renaming over it would replace it, and it keeps no time or
/// digest. With `--checksum` a damaged download is removed.
pub fn download(
    client: &mut FtpClient,
    remote: &str,
    local: &Path,
    fetch: &Fetch,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let (resume, expected) = (fetch.resume, fetch.expected);
    let part = part_path(local);
    // One lstat of the destination; the partial file is looked at only to resume.
    let existing = std::fs::symlink_metadata(local).ok();
    let regular = existing.as_ref().is_none_or(|m| m.file_type().is_file());
    let (write_to, offset): (&Path, u64) = match existing {
        Some(m) if !m.file_type().is_file() => (local, 0),
        existing => match resume {
            Resume::Fresh => (&part, 0),
            Resume::Own => (&part, std::fs::metadata(&part).map_or(0, |p| p.len())),
            Resume::Continue => match (std::fs::metadata(&part), existing) {
                (Ok(p), _) => (&part, p.len()),
                (Err(_), Some(m)) => (local, m.len()),
                (Err(_), None) => (&part, 0),
            },
        },
    };
    let finish = |client: &mut FtpClient, got: u64| -> Result<u64> {
        if !regular {
            return Ok(got);
        }
        verify(client, remote, write_to, fetch.keep)?;
        if write_to != local {
            std::fs::rename(write_to, local).map_err(|e| {
                ClientError::local(
                    format!("rename {} to {}", write_to.display(), local.display()),
                    e,
                )
            })?;
        }
        fetch
            .keep
            .set_local_time(client, remote, local, fetch.modified)?;
        Ok(got)
    };
    if let Some(size) = expected {
        if resume != Resume::Fresh && offset == size {
            return finish(client, 0);
        }
        if offset > size {
            return Err(ClientError::CannotResume {
                path: write_to.display().to_string(),
                have: offset,
                len: size,
            });
        }
    }
    progress(offset);
    let mut sink = LazyFile {
        path: write_to,
        append: offset > 0,
        file: None,
    };
    let got = client.retrieve(remote, offset, &mut sink, progress)?;
    // An empty file is still a file.
    sink.open()
        .map_err(|e| ClientError::local(format!("write {}", write_to.display()), e))?;
    drop(sink);
    check_size(remote, expected, offset + got)?;
    finish(client, got)
}

/// `--checksum`: the server's digest of `remote` against the downloaded
/// `written`, which is removed on a mismatch.
fn verify(client: &mut FtpClient, remote: &str, written: &Path, keep: Keep) -> Result<()> {
    let Some(algo) = keep.algo(client) else {
        return Ok(());
    };
    let checked = file_digest(written, algo).and_then(|l| keep.compare(client, remote, algo, l));
    if checked.is_err() {
        let _ = std::fs::remove_file(written);
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_path_sits_beside_the_file() {
        assert_eq!(
            part_path(Path::new("d/a.iso")),
            Path::new("d/.a.iso.ftpc-part")
        );
        assert_eq!(part_path(Path::new("a.iso")), Path::new(".a.iso.ftpc-part"));
    }
}
