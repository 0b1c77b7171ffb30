//! `ftpc put [-r] [-c] [--inplace] LOCAL|- URL`: upload a file, stdin, or with
//! `-r` a tree over `-j` connections. Uploads go to a temporary name
//! (`.NAME.ftpc-part`) that is renamed over the target on success, so readers
//! never see half a file; `--inplace` writes the target directly. `-c`
//! resumes: SIZE of the partial upload (or else of the target), then APPE
//! of the rest.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result};
use crate::transfer::check_size;
use crate::url::{check_arg, join, parent, FtpUrl};
use ftp_proto::Command;

use super::pool::{self, Job};
use super::Context;

/// What to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Path(PathBuf),
}

/// `put` options.
#[derive(Debug, Clone)]
pub struct Args {
    pub source: Source,
    pub url: FtpUrl,
    pub recursive: bool,
    pub resume: bool,
    pub inplace: bool,
}

/// How one upload is written.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub resume: bool,
    pub atomic: bool,
}

/// The temporary name an atomic upload of `remote` is written under.
pub fn temp_name(remote: &str) -> String {
    let name = remote.rsplit('/').next().unwrap_or(remote);
    join(parent(remote), &format!(".{name}.ftpc-part"))
}

fn local_name(path: &Path) -> Result<String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ClientError::Usage(format!("{}: no usable file name", path.display())))?;
    check_arg("local file name", name)?;
    Ok(name.to_string())
}

pub fn run(ctx: &Context, args: &Args) -> Result<()> {
    let mode = Mode {
        resume: args.resume,
        atomic: !args.inplace,
    };
    let started = std::time::Instant::now();
    let path = match &args.source {
        Source::Stdin => {
            if args.url.trailing_slash || args.recursive || args.resume {
                return Err(ClientError::Usage(
                    "put - needs a file URL, without -r or -c".into(),
                ));
            }
            let mut client = ctx.target.connect()?;
            let bar = ctx.printer.file_bar("stdin", None);
            let sent = upload(
                &mut client,
                &mut std::io::stdin().lock(),
                None,
                &args.url.path,
                mode,
                &mut |n| bar.inc(n),
            );
            bar.finish_and_clear();
            let sent = sent?;
            client.quit();
            ctx.printer.summary(1, sent, started.elapsed());
            return Ok(());
        }
        Source::Path(p) => p,
    };
    let meta =
        std::fs::metadata(path).map_err(|e| ClientError::local(path.display().to_string(), e))?;
    let name = local_name(path)?;
    let remote = if args.url.trailing_slash {
        join(&args.url.path, &name)
    } else {
        args.url.path.clone()
    };
    if meta.is_dir() {
        if !args.recursive {
            return Err(ClientError::Usage(format!(
                "{}: is a directory (use -r)",
                path.display()
            )));
        }
        return put_tree(ctx, path, &remote, mode);
    }
    let mut client = ctx.target.connect()?;
    let mut file =
        File::open(path).map_err(|e| ClientError::local(path.display().to_string(), e))?;
    let bar = ctx.printer.file_bar(&name, Some(meta.len()));
    let sent = upload(
        &mut client,
        &mut file,
        Some(meta.len()),
        &remote,
        mode,
        &mut |n| bar.inc(n),
    );
    bar.finish_and_clear();
    let sent = sent?;
    client.quit();
    ctx.printer.summary(1, sent, started.elapsed());
    Ok(())
}

/// A file that can seek (for resume) or a stream that cannot.
pub trait Upload: Read {
    fn seek_to(&mut self, offset: u64) -> std::io::Result<()>;
}

impl Upload for File {
    fn seek_to(&mut self, offset: u64) -> std::io::Result<()> {
        self.seek(SeekFrom::Start(offset)).map(|_| ())
    }
}

impl Upload for std::io::StdinLock<'_> {
    fn seek_to(&mut self, _: u64) -> std::io::Result<()> {
        Err(std::io::Error::other("stdin cannot be resumed"))
    }
}

/// Upload `source` (of length `len`, when known) to `remote`, through
/// `temp_name(remote)` when `mode.atomic`. With `mode.resume` an upload
/// continues where an earlier one stopped (see `resume_point`); only the
/// bytes the server lacks are sent.
pub fn upload(
    client: &mut FtpClient,
    source: &mut dyn Upload,
    len: Option<u64>,
    remote: &str,
    mode: Mode,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let part = temp_name(remote);
    let fresh = if mode.atomic { &part } else { remote };
    let found = match len.filter(|_| mode.resume) {
        Some(len) => resume_point(client, remote, &part, mode.atomic, len)?,
        None => None,
    };
    let complete = matches!((&found, len), (Some((_, have)), Some(len)) if *have == len);
    let (write_to, offset) = found.unwrap_or_else(|| (fresh.to_string(), 0));
    if offset > 0 {
        progress(offset);
    }
    let sent = if complete {
        0
    } else {
        send_from(client, source, len, &write_to, offset, progress)?
    };
    if write_to == remote {
        if !complete {
            check_size(remote, client.size(remote)?, offset + sent)?;
        }
        return Ok(sent);
    }
    rename_into_place(client, &write_to, remote, offset + sent)?;
    Ok(sent)
}

/// Where `put -c` continues, as `get -c` does locally: the partial upload
/// `part` if the server has one (an interrupted atomic put), else `remote`
/// itself in place, from its size; `None` when neither exists. Only the
/// sizes are compared: the bytes already there are taken as the source's.
fn resume_point(
    client: &mut FtpClient,
    remote: &str,
    part: &str,
    atomic: bool,
    len: u64,
) -> Result<Option<(String, u64)>> {
    let (part_size, remote_size) = if atomic {
        client.size_pair(part, remote)?
    } else {
        (None, client.size(remote)?)
    };
    let found = match (part_size, remote_size) {
        (Some(have), _) => Some((part.to_string(), have)),
        (None, Some(have)) => Some((remote.to_string(), have)),
        (None, None) => None,
    };
    match found {
        Some((path, have)) if have > len => Err(ClientError::CannotResume { path, have, len }),
        found => Ok(found),
    }
}

/// Send `source` from byte `offset` on to `write_to`: APPE when resuming,
/// else STOR. A source that ends at another length than `len` is an error.
fn send_from(
    client: &mut FtpClient,
    source: &mut dyn Upload,
    len: Option<u64>,
    write_to: &str,
    offset: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    if offset > 0 {
        source
            .seek_to(offset)
            .map_err(|e| ClientError::local("seek", e))?;
    }
    let sent = client.store(write_to, offset > 0, source, progress)?;
    match len {
        Some(len) if len != offset + sent => Err(ClientError::SizeMismatch {
            path: write_to.to_string(),
            expected: len,
            got: offset + sent,
        }),
        _ => Ok(sent),
    }
}

/// Check that `part` holds `total` bytes and rename it over `remote`.
fn rename_into_place(client: &mut FtpClient, part: &str, remote: &str, total: u64) -> Result<()> {
    // Check the size and start the rename in one round trip.
    let (size, rnfr) = client.size_and_rnfr(part)?;
    check_size(part, size, total)?;
    let renamed = if rnfr.code == ftp_proto::ReplyCode::PENDING {
        client.rnto(remote)
    } else {
        Err(refusal(&Command::Rnfr(part.to_string()), rnfr))
    };
    if let Err(first) = renamed {
        // Some servers will not rename over an existing file.
        if client.dele(remote).is_err() {
            return Err(first);
        }
        client.rename(part, remote)?;
    }
    Ok(())
}

/// One file of a recursive upload.
struct PutJob {
    local: PathBuf,
    remote: String,
    size: u64,
}

impl Job for PutJob {
    fn label(&self) -> String {
        self.remote.clone()
    }
    fn size(&self) -> Option<u64> {
        Some(self.size)
    }
    fn directory(&self) -> &str {
        parent(&self.remote)
    }
}

fn put_tree(ctx: &Context, root: &Path, remote_root: &str, mode: Mode) -> Result<()> {
    let mut client = ctx.target.connect()?;
    if !remote_root.is_empty() {
        super::mkdir::make_parents(&mut client, remote_root)?;
    }
    let mut jobs = Vec::new();
    let mut failures = 0u64;
    for entry in walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(super::MAX_DEPTH)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                ctx.printer.error(&format!("ftpc: {e}"));
                failures += 1;
                continue;
            }
        };
        let remote = match remote_rel(entry.path(), root) {
            Ok(rel) => join(remote_root, &rel),
            Err(e) => {
                ctx.printer.error(&format!("ftpc: {e}"));
                failures += 1;
                continue;
            }
        };
        if entry.file_type().is_dir() {
            if let Err(e) = client.mkd(&remote) {
                if !client.is_dir(&remote)? {
                    ctx.printer.error(&format!("ftpc: {remote}: {e}"));
                    failures += 1;
                }
            }
        } else if entry.path().is_file() {
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            jobs.push(PutJob {
                local: entry.path().to_path_buf(),
                remote,
                size,
            });
        } else {
            ctx.printer.info(&format!(
                "ftpc: skipping {} (not a file)",
                entry.path().display()
            ));
        }
    }
    let work = move |c: &mut FtpClient, job: &PutJob, progress: &mut dyn FnMut(u64)| {
        let mut f = File::open(&job.local)
            .map_err(|e| ClientError::local(job.local.display().to_string(), e))?;
        let len = f.metadata().map(|m| m.len()).ok();
        upload(c, &mut f, len, &job.remote, mode, progress)
    };
    let mut stats = pool::run(ctx, client, jobs, &work)?;
    stats.failed += failures;
    ctx.printer.summary(stats.ok, stats.bytes, stats.elapsed);
    stats.into_result().map(|_| ())
}

/// The `/`-joined path of `path` below `root`, refusing names that are not
/// UTF-8 or would break a command line.
fn remote_rel(path: &Path, root: &Path) -> Result<String> {
    let rel = path.strip_prefix(root).map_err(|_| {
        ClientError::Usage(format!("{} is outside {}", path.display(), root.display()))
    })?;
    let mut parts = Vec::new();
    for c in rel.components() {
        let s = c
            .as_os_str()
            .to_str()
            .ok_or_else(|| ClientError::Usage(format!("{}: name is not UTF-8", path.display())))?;
        check_arg("local file name", s)?;
        parts.push(s);
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_name_sits_beside_the_target() {
        assert_eq!(temp_name("d/a.txt"), "d/.a.txt.ftpc-part");
        assert_eq!(temp_name("a.txt"), ".a.txt.ftpc-part");
        assert_eq!(temp_name("/a.txt"), "/.a.txt.ftpc-part");
    }

    #[test]
    fn remote_rel_joins_with_slashes_and_refuses_line_breaks() {
        let root = Path::new("/tmp/r");
        assert_eq!(
            remote_rel(Path::new("/tmp/r/a/b c"), root).unwrap(),
            "a/b c"
        );
        assert!(matches!(
            remote_rel(Path::new("/tmp/r/a\nb"), root),
            Err(ClientError::Usage(_))
        ));
    }
}
