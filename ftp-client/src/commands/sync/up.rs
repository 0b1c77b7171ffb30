//! `sync LOCAL URL`: the local tree is the source. Remote directories are
//! made before the files go up over the pool (`put_tree::send`: atomic,
//! times kept, retried); with `--delete`, the remote files and then
//! directories the local tree lacks are removed, on a fresh connection.

use std::path::Path;
use std::time::Instant;

use crate::error::{ClientError, Result};
use crate::url::join;

use super::super::put_tree::{self, PutJob};
use super::super::{mkdir, Context};
use super::plan::plan;
use super::tree::{self, Node};
use super::{dry_run, finish, Args, Compare, Done};

pub(super) fn run(ctx: &Context, args: &Args, local: &Path, root: &str) -> Result<()> {
    let started = Instant::now();
    if !local.is_dir() {
        return Err(ClientError::Usage(format!(
            "{}: sync needs a local directory",
            local.display()
        )));
    }
    let (mine, mut failed) = tree::local(local, ctx.printer);
    let mut client = ctx.connect()?;
    let theirs = match tree::remote(&mut client, root, ctx.printer) {
        Ok((t, f)) => {
            failed += f;
            t
        }
        // Nothing there yet: everything goes up.
        Err(ClientError::NotFound { .. }) => tree::Tree::new(),
        Err(e) => return Err(e),
    };
    // An upload's time holds only where MFMT sets it.
    let compare = Compare::new(ctx, &client, client.features.mfmt);
    let plan = plan(&mine, &theirs, args.delete, &mut |rel, here, there| {
        compare.same(&mut client, &local.join(rel), here, &join(root, rel), there)
    })?;
    if args.dry_run {
        client.quit();
        return dry_run(ctx, &plan, "upload", failed);
    }
    if !root.is_empty() && theirs.is_empty() {
        mkdir::make_parents(&mut client, root)?;
    }
    for dir in &plan.mkdirs {
        let remote = join(root, dir);
        ctx.printer.verbose(&format!("create {remote}/"));
        if let Err(e) = client.mkd(&remote) {
            ctx.printer.error(&format!("ftpc: {remote}: {e}"));
            failed += 1;
        }
    }
    let jobs: Vec<PutJob> = plan
        .send
        .iter()
        .map(|rel| PutJob {
            local: local.join(rel),
            remote: join(root, rel),
            size: match mine.get(rel) {
                Some(Node::File { size, .. }) => size.unwrap_or(0),
                _ => 0,
            },
        })
        .collect();
    let stats = put_tree::send(ctx, client, jobs, false, true)?;
    let mut done = Done {
        sent: stats.ok,
        bytes: stats.bytes,
        deleted: 0,
        failed: failed + stats.failed,
    };
    if !plan.delete_files.is_empty() || !plan.delete_dirs.is_empty() {
        let mut client = ctx.connect()?;
        for rel in &plan.delete_files {
            let remote = join(root, rel);
            let result = client.dele(&remote);
            count(ctx, &mut done, &remote, result);
        }
        for rel in &plan.delete_dirs {
            let remote = format!("{}/", join(root, rel));
            let result = client.rmd(remote.trim_end_matches('/'));
            count(ctx, &mut done, &remote, result);
        }
        client.quit();
    }
    finish(ctx, &plan, done, started)
}

/// Count one remote deletion, reporting a failure.
fn count(ctx: &Context, done: &mut Done, remote: &str, result: Result<()>) {
    ctx.printer.verbose(&format!("delete {remote}"));
    match result {
        Ok(()) => done.deleted += 1,
        Err(e) => {
            ctx.printer.error(&format!("ftpc: delete {remote}: {e}"));
            done.failed += 1;
        }
    }
}
