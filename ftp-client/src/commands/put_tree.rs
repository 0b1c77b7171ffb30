//! `put -r`: walk the local tree (walkdir, at most `MAX_DEPTH` deep), make
//! its directories on the server, and upload its files over the pool, each
//! through `put::upload` (`send`, which `sync` uses too); a retry of a file
//! continues its own upload.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::url::{check_arg, join, parent};

use super::keep::local_time;
use super::pool::{self, Job};
use super::put::{upload, Args, Mode};
use super::{Context, Resume};

/// One file of a recursive upload (or of `sync`).
pub(super) struct PutJob {
    pub local: PathBuf,
    pub remote: String,
    pub size: u64,
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
    fn abandon(&self, client: &mut FtpClient) {
        super::put::discard_empty_part(client, &self.remote);
    }
}

pub(super) fn run(ctx: &Context, root: &Path, remote_root: &str, args: &Args) -> Result<()> {
    let (resume, atomic) = (args.resume, !args.inplace);
    let mut client = ctx.connect()?;
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
    let mut stats = send(ctx, client, jobs, resume, atomic)?;
    stats.failed += failures;
    ctx.printer.summary(stats.ok, stats.bytes, stats.elapsed);
    stats.into_result().map(|_| ())
}

/// Upload `jobs` over the pool; each keeps its local time, and each retry
/// continues what its earlier attempts wrote.
pub(super) fn send(
    ctx: &Context,
    client: FtpClient,
    jobs: Vec<PutJob>,
    resume: bool,
    atomic: bool,
) -> Result<pool::Stats> {
    let keep = ctx.keep();
    let work = move |c: &mut FtpClient, job: &PutJob, wrote: bool, p: &mut dyn FnMut(u64)| {
        let mut f = File::open(&job.local)
            .map_err(|e| ClientError::local(job.local.display().to_string(), e))?;
        let meta = f.metadata().ok();
        let mode = Mode {
            resume: Resume::for_attempt(resume, wrote),
            atomic,
            keep,
            modified: meta.as_ref().and_then(local_time),
        };
        upload(c, &mut f, meta.map(|m| m.len()), &job.remote, mode, p)
    };
    pool::run(ctx, client, jobs, &work)
}

/// The `/`-joined path of `path` below `root`, refusing names that are not
/// UTF-8 or would break a command line.
pub(super) fn remote_rel(path: &Path, root: &Path) -> Result<String> {
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
