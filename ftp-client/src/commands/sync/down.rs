//! `sync URL LOCAL`: the remote tree is the source. Local directories are
//! made before the files come down over the pool (`get_many::receive`:
//! through a partial file, times kept, retried); with `--delete`, the
//! local files and then directories the remote tree lacks are removed.

use std::path::Path;
use std::time::Instant;

use crate::error::{ClientError, Result};
use crate::url::join;

use super::super::get_many::{self, GetJob};
use super::super::Context;
use super::plan::plan;
use super::tree::{self, Node};
use super::{dry_run, finish, Args, Compare, Done};

pub(super) fn run(ctx: &Context, args: &Args, root: &str, local: &Path) -> Result<()> {
    let started = Instant::now();
    if local.exists() && !local.is_dir() {
        return Err(ClientError::Usage(format!(
            "{}: sync needs a local directory",
            local.display()
        )));
    }
    let mut client = ctx.connect()?;
    let (theirs, mut failed) = tree::remote(&mut client, root, ctx.printer)?;
    let (mine, f) = tree::local(local, ctx.printer);
    failed += f;
    // A local file's time can always be set.
    let compare = Compare::new(ctx, &client, true);
    let plan = plan(&theirs, &mine, args.delete, &mut |rel, there, here| {
        compare.same(&mut client, &local.join(rel), here, &join(root, rel), there)
    })?;
    if args.dry_run {
        client.quit();
        return dry_run(ctx, &plan, "download", failed);
    }
    let made = std::fs::create_dir_all(local);
    made.map_err(|e| ClientError::local(format!("create {}", local.display()), e))?;
    for dir in &plan.mkdirs {
        let path = local.join(dir);
        ctx.printer.verbose(&format!("create {}/", path.display()));
        if let Err(e) = std::fs::create_dir_all(&path) {
            ctx.printer
                .error(&format!("ftpc: create {}: {e}", path.display()));
            failed += 1;
        }
    }
    let jobs: Vec<GetJob> = plan
        .send
        .iter()
        .map(|rel| {
            let (size, modified) = match theirs.get(rel) {
                Some(Node::File { size, modified }) => (*size, *modified),
                _ => (None, None),
            };
            GetJob {
                remote: join(root, rel),
                local: local.join(rel),
                size,
                modified,
            }
        })
        .collect();
    let stats = get_many::receive(ctx, client, jobs, false)?;
    let mut done = Done {
        sent: stats.ok,
        bytes: stats.bytes,
        deleted: 0,
        failed: failed + stats.failed,
    };
    for rel in &plan.delete_files {
        let path = local.join(rel);
        ctx.printer.verbose(&format!("delete {}", path.display()));
        count(ctx, &mut done, &path, std::fs::remove_file(&path));
    }
    for rel in &plan.delete_dirs {
        let path = local.join(rel);
        ctx.printer.verbose(&format!("delete {}/", path.display()));
        count(ctx, &mut done, &path, std::fs::remove_dir(&path));
    }
    finish(ctx, &plan, done, started)
}

/// Count one local deletion, reporting a failure.
fn count(ctx: &Context, done: &mut Done, path: &Path, result: std::io::Result<()>) {
    match result {
        Ok(()) => done.deleted += 1,
        Err(e) => {
            ctx.printer
                .error(&format!("ftpc: delete {}: {e}", path.display()));
            done.failed += 1;
        }
    }
}
