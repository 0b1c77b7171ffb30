//! `ftpc sync [--delete] [--dry-run] SRC DST`: make DST's tree identical to
//! SRC's, where exactly one of them is an `ftp://`/`ftps://` URL. Only the
//! files DST lacks or that differ are sent (`plan`): a different size, or
//! with equal sizes a different modification time, or with `--checksum`
//! a different digest. Times are compared to the second, and only where
//! they can be kept: a server without MFMT cannot take an upload's time,
//! so an upload to it compares sizes only. Transfers go over `-j`
//! connections through the same code as `put -r`/`get -r` (atomic, with
//! retries, times kept); `--delete` then removes what SRC lacks.
//! `--dry-run` lists the actions and changes nothing.

mod down;
mod plan;
pub(super) mod tree;
mod up;

use std::path::PathBuf;
use std::time::Instant;

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::output::human_bytes;
use crate::url::FtpUrl;

use super::keep::file_digest;
use super::Context;
use plan::Plan;
use tree::Node;

/// Which way a sync goes.
#[derive(Debug, Clone)]
pub enum Direction {
    /// Local SRC, remote DST.
    Up { local: PathBuf, url: FtpUrl },
    /// Remote SRC, local DST.
    Down { url: FtpUrl, local: PathBuf },
}

/// `sync` options.
#[derive(Debug, Clone)]
pub struct Args {
    pub direction: Direction,
    pub delete: bool,
    pub dry_run: bool,
}

/// Whether a command-line argument names a server rather than a local path.
pub fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("ftp://") || lower.starts_with("ftps://")
}

impl Direction {
    /// From SRC and DST: exactly one must be a URL.
    pub fn from_args(src: &str, dst: &str) -> Result<Direction> {
        match (is_url(src), is_url(dst)) {
            (false, true) => Ok(Direction::Up {
                local: PathBuf::from(src),
                url: FtpUrl::parse(dst)?,
            }),
            (true, false) => Ok(Direction::Down {
                url: FtpUrl::parse(src)?,
                local: PathBuf::from(dst),
            }),
            _ => Err(ClientError::Usage(
                "sync needs one local directory and one ftp:// or ftps:// URL".into(),
            )),
        }
    }
}

pub fn run(ctx: &Context, args: &Args) -> Result<()> {
    match &args.direction {
        Direction::Up { local, url } => up::run(ctx, args, local, &url.path),
        Direction::Down { url, local } => down::run(ctx, args, &url.path, local),
    }
}

/// How two files of equal size are told apart.
pub(super) struct Compare {
    /// `--checksum` and a digest the server offers.
    digest: Option<ftp_proto::HashAlgo>,
    /// Times are compared (they can be kept on DST).
    times: bool,
}

impl Compare {
    pub(super) fn new(ctx: &Context, client: &FtpClient, times_settable: bool) -> Compare {
        // The run's one warning when the server has no digest.
        let digest = ctx.keep().algo(client);
        let times = ctx.preserve_times && times_settable;
        if digest.is_none() && !times {
            ctx.printer
                .verbose("sync: times cannot be kept on the destination; comparing sizes only");
        }
        Compare { digest, times }
    }

    /// Whether the local file `local` (`here`) and the remote file
    /// `remote` (listed as `there`) hold the same, their sizes being equal.
    pub(super) fn same(
        &self,
        client: &mut FtpClient,
        local: &std::path::Path,
        here: &Node,
        remote: &str,
        there: &Node,
    ) -> Result<bool> {
        if let Some(algo) = self.digest {
            let mine = file_digest(local, algo)?;
            return Ok(client.remote_digest(remote, algo)? == mine);
        }
        if !self.times {
            return Ok(true);
        }
        let Node::File { modified: mine, .. } = here else {
            return Ok(false);
        };
        // A LIST gives no exact time: ask MDTM.
        let theirs = match there {
            Node::File {
                modified: Some(t), ..
            } => Some(*t),
            _ => client.mdtm(remote)?,
        };
        Ok(match (mine, theirs) {
            (Some(a), Some(b)) => *a == b,
            // No time on one side: sizes decide.
            _ => true,
        })
    }
}

/// What a sync did, for its closing line.
#[derive(Debug, Default)]
pub(super) struct Done {
    pub sent: u64,
    pub bytes: u64,
    pub deleted: u64,
    pub failed: u64,
}

/// Print the closing line and turn failures (conflicts included) into
/// exit code 7.
pub(super) fn finish(ctx: &Context, plan: &Plan, done: Done, started: Instant) -> Result<()> {
    let failed = done.failed + conflicts(ctx, plan);
    ctx.printer.info(&format!(
        "sync: {} transferred ({}), {} skipped, {} deleted, {failed} failed in {:.2}s",
        done.sent,
        human_bytes(done.bytes as f64),
        plan.skipped,
        done.deleted,
        started.elapsed().as_secs_f64()
    ));
    partial(plan, failed)
}

/// `--dry-run`: every action on stdout, then a summary; nothing changes.
pub(super) fn dry_run(ctx: &Context, plan: &Plan, verb: &str, failed: u64) -> Result<()> {
    for d in &plan.mkdirs {
        ctx.printer.result(&format!("would create {d}/"));
    }
    for f in &plan.send {
        ctx.printer.result(&format!("would {verb} {f}"));
    }
    for f in plan.delete_files.iter().chain(&plan.delete_dirs) {
        ctx.printer.result(&format!("would delete {f}"));
    }
    let failed = failed + conflicts(ctx, plan);
    ctx.printer.info(&format!(
        "sync --dry-run: {} to transfer, {} skipped, {} to delete; nothing changed",
        plan.send.len(),
        plan.skipped,
        plan.delete_files.len() + plan.delete_dirs.len()
    ));
    partial(plan, failed)
}

/// Report the paths that are a file on one side and a directory on the
/// other (left alone); returns how many.
fn conflicts(ctx: &Context, plan: &Plan) -> u64 {
    for c in &plan.conflicts {
        ctx.printer.error(&format!(
            "ftpc: {c}: a file on one side and a directory on the other; left alone"
        ));
    }
    plan.conflicts.len() as u64
}

/// Exit code 7 when anything failed.
fn partial(plan: &Plan, failed: u64) -> Result<()> {
    if failed == 0 {
        return Ok(());
    }
    let listed = plan.send.len() as u64 + plan.skipped + plan.conflicts.len() as u64;
    let total = listed.max(failed);
    Err(ClientError::Partial {
        failed: failed as usize,
        total: total as usize,
    })
}
