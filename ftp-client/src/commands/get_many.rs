//! What `get -r` and a remote glob download. `tree` walks a remote
//! directory; `glob` lists the directory of the URL's last component and
//! matches that component (`*.txt`) against the names, on the client, so it
//! works against any server. Both hand the files to the pool (`-j`), whose
//! per-file retries resume with REST. Every remote name is checked with
//! `safe_name` before it becomes a local path, so a hostile listing cannot
//! write outside the destination.

use std::path::{Path, PathBuf};

use ftp_proto::glob::Pattern;

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::{safe_name, Entry, Kind, Timestamp};
use crate::retry;
use crate::url::{join, parent};

use super::get::{download, Args, Fetch, Output};
use super::pool::{self, Job};
use super::sync::tree::is_part;
use super::{Context, Resume, MAX_DEPTH};

/// One file of a recursive or glob download (or of `sync`).
pub(super) struct GetJob {
    pub remote: String,
    pub local: PathBuf,
    pub size: Option<u64>,
    /// The remote time, when an MLSD listing gave it (exact to the second).
    pub modified: Option<Timestamp>,
}

impl Job for GetJob {
    fn label(&self) -> String {
        self.remote.clone()
    }
    fn size(&self) -> Option<u64> {
        self.size
    }
    fn directory(&self) -> &str {
        parent(&self.remote)
    }
}

/// Connect and run `list` on the connection, both tried again on a
/// transient failure: listing changes nothing on the server.
fn listed<T>(
    ctx: &Context,
    mut list: impl FnMut(&mut FtpClient) -> Result<T>,
) -> Result<(FtpClient, T)> {
    retry::run(&ctx.retry, ctx.printer, |_| {
        let mut client = ctx.target.connect()?;
        let found = list(&mut client)?;
        Ok((client, found))
    })
}

/// `get -r URL DEST`.
pub(super) fn tree(ctx: &Context, args: &Args, dest: &Path) -> Result<()> {
    let roots = vec![(args.url.path.clone(), dest.to_path_buf())];
    let (client, (jobs, failures)) = listed(ctx, |c| walk(ctx, c, roots.clone()))?;
    fetch(ctx, client, args.resume, jobs, failures)
}

/// `get 'ftp://h/dir/*.txt' [DIR]`: every entry of `dir` that `pattern`
/// matches, into DIR (default: the current directory). A name equal to
/// `pattern` itself wins (a file really called `a*b`). Directories are
/// fetched with `-r`, else skipped with a note.
pub(super) fn glob(ctx: &Context, args: &Args, pattern: &str) -> Result<()> {
    let dest = match &args.output {
        Output::Path(p) => p.clone(),
        Output::Default => PathBuf::from("."),
        Output::Stdout => {
            return Err(ClientError::Usage(
                "-o - cannot be used with a remote glob".into(),
            ))
        }
    };
    if dest.exists() && !dest.is_dir() {
        return Err(ClientError::Usage(format!(
            "{}: a remote glob downloads into a directory",
            dest.display()
        )));
    }
    let dir = parent(&args.url.path).to_string();
    let (mut client, entries) = listed(ctx, |c| c.list_dir(&dir))?;
    let matched = select(entries, pattern);
    if matched.is_empty() {
        return Err(ClientError::NoMatch {
            pattern: join(&dir, pattern),
        });
    }
    std::fs::create_dir_all(&dest)
        .map_err(|e| ClientError::local(format!("create {}", dest.display()), e))?;
    let (mut jobs, mut failures, mut dirs) = (Vec::new(), 0, Vec::new());
    for e in matched {
        if !checked(ctx, &e.name) {
            failures += 1;
            continue;
        }
        let remote = join(&dir, &e.name);
        match e.kind {
            Kind::Dir if args.recursive => dirs.push((remote, dest.join(&e.name))),
            Kind::Dir => ctx
                .printer
                .info(&format!("ftpc: skipping directory {remote} (use -r)")),
            _ => jobs.push(job(&client, remote, dest.join(&e.name), &e)),
        }
    }
    if !dirs.is_empty() {
        let (more, failed) = walk(ctx, &mut client, dirs)?;
        jobs.extend(more);
        failures += failed;
    }
    fetch(ctx, client, args.resume, jobs, failures)
}

/// The entries `pattern` matches, or only the one named `pattern` itself.
fn select(entries: Vec<Entry>, pattern: &str) -> Vec<Entry> {
    if entries.iter().any(|e| e.name == pattern) {
        return entries.into_iter().filter(|e| e.name == pattern).collect();
    }
    let pattern = Pattern::parse(pattern);
    entries
        .into_iter()
        .filter(|e| pattern.matches(&e.name))
        .collect()
}

/// The job for a listed entry; its time counts only from MLSD (a LIST
/// time is in the server's zone and often only to the minute).
pub(super) fn job(client: &FtpClient, remote: String, local: PathBuf, e: &Entry) -> GetJob {
    GetJob {
        remote,
        local,
        size: e.size.filter(|_| e.kind == Kind::File),
        modified: e.modified.filter(|_| client.features.mlst),
    }
}

/// Whether a listed name may become a local path; reports it if not.
fn checked(ctx: &Context, name: &str) -> bool {
    let ok = safe_name(name);
    if !ok {
        let e = ClientError::UnsafeName(name.to_string());
        ctx.printer.error(&format!("ftpc: {e}"));
    }
    ok
}

/// Download `jobs` over the pool; each retry of a file continues what its
/// earlier attempts wrote.
fn fetch(
    ctx: &Context,
    client: FtpClient,
    resume: bool,
    jobs: Vec<GetJob>,
    failures: u64,
) -> Result<()> {
    let mut stats = receive(ctx, client, jobs, resume)?;
    stats.failed += failures;
    ctx.printer.summary(stats.ok, stats.bytes, stats.elapsed);
    stats.into_result().map(|_| ())
}

/// Download `jobs` over the pool, keeping each one's time; each retry
/// continues what its earlier attempts wrote.
pub(super) fn receive(
    ctx: &Context,
    client: FtpClient,
    jobs: Vec<GetJob>,
    resume: bool,
) -> Result<pool::Stats> {
    let keep = ctx.keep();
    let work = move |c: &mut FtpClient, job: &GetJob, wrote: bool, p: &mut dyn FnMut(u64)| {
        let fetch = Fetch {
            resume: Resume::for_attempt(resume, wrote),
            expected: job.size,
            modified: job.modified,
            keep,
        };
        download(c, &job.remote, &job.local, &fetch, p)
    };
    pool::run(ctx, client, jobs, &work)
}

/// List the remote trees under `roots` (remote directory, local
/// directory), creating local directories; returns the files to fetch
/// (leaving out ftpc's own `.NAME.ftpc-part` files) and
/// how many entries were refused or could not be listed. A root that
/// cannot be listed is an error ("not found"), not a partial transfer.
fn walk(
    ctx: &Context,
    client: &mut FtpClient,
    roots: Vec<(String, PathBuf)>,
) -> Result<(Vec<GetJob>, u64)> {
    let mut jobs = Vec::new();
    let mut failures = 0;
    let mut stack: Vec<_> = roots.into_iter().map(|(r, l)| (r, l, 0usize)).collect();
    while let Some((dir, local, depth)) = stack.pop() {
        let entries = match client.list_dir(&dir) {
            Ok(e) => e,
            Err(e) if depth == 0 => return Err(e),
            Err(e) if e.is_per_file() => {
                ctx.printer.error(&format!("ftpc: {dir}: {e}"));
                failures += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        std::fs::create_dir_all(&local)
            .map_err(|e| ClientError::local(format!("create {}", local.display()), e))?;
        for e in entries {
            if !checked(ctx, &e.name) {
                failures += 1;
                continue;
            }
            if e.kind != Kind::Dir && is_part(&e.name) {
                // Another upload's temporary file (or one a failed upload
                // left): not part of the tree.
                tracing::debug!("skipping the partial upload {}", join(&dir, &e.name));
                continue;
            }
            let remote = join(&dir, &e.name);
            let local_path = local.join(&e.name);
            match e.kind {
                Kind::Dir if depth + 1 < MAX_DEPTH => stack.push((remote, local_path, depth + 1)),
                Kind::Dir => {
                    ctx.printer.error(&format!(
                        "ftpc: {remote}: deeper than {MAX_DEPTH} levels, skipped"
                    ));
                    failures += 1;
                }
                _ => jobs.push(job(client, remote, local_path, &e)),
            }
        }
    }
    Ok((jobs, failures))
}
