//! `ftpc put [-r] [-c] [--inplace] LOCAL|- URL`: upload a file, stdin, or with
//! `-r` a tree over `-j` connections. Uploads go to a temporary name
//! (`.NAME.ftpc-part`) that is renamed over the target on success, so readers
//! never see half a file; `--inplace` writes the target directly. `-c`
//! resumes: SIZE of the partial upload (or else of the target), then APPE
//! of the rest (`put_tree` does `-r`); a retry after a transient failure (`--retries`) resumes
//! the same way, from the file it was writing. The local file's time is
//! set on the upload, and `--checksum` compares digests before the rename
//! (`keep`).

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::client::{refusal, FtpClient};
use crate::error::{ClientError, Result};
use crate::listing::Timestamp;
use crate::transfer::check_size;
use crate::url::{check_arg, join, parent, FtpUrl};
use ftp_proto::{Command, Digest};

use super::keep::{local_time, Keep};
use super::upload_source::Hashing;
pub use super::upload_source::Upload;
use super::{Context, Resume};
use crate::retry;

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
#[derive(Clone, Copy)]
pub struct Mode<'a> {
    /// Where this attempt starts (`-c`, or a retry continuing its own).
    pub resume: Resume,
    /// Through `temp_name` and a rename (not `--inplace`).
    pub atomic: bool,
    /// Times and `--checksum`.
    pub keep: Keep<'a>,
    /// The local file's time, set on the upload when times are kept.
    pub modified: Option<Timestamp>,
}

/// The temporary name an atomic upload of `remote` is written under.
pub fn temp_name(remote: &str) -> String {
    let name = remote.rsplit('/').next().unwrap_or(remote);
    join(parent(remote), &format!(".{name}.ftpc-part"))
}

/// After giving up on an upload (not between retries, which resume it):
/// remove the temporary file of `remote` when the server kept an empty one.
/// proftpd creates the file before a TLS data connection is accepted, so a
/// refused STOR leaves `.NAME.ftpc-part` at 0 bytes, which a later `get -r`
/// would fetch. A part with bytes stays, for `put -c` to continue.
/// Best effort: the upload's own error is what gets reported.
pub(super) fn discard_empty_part(client: &mut FtpClient, remote: &str) {
    let part = temp_name(remote);
    if let Ok(Some(0)) = client.size(&part) {
        match client.dele(&part) {
            Ok(()) => tracing::debug!("removed the empty {part} the failed upload left"),
            Err(e) => tracing::debug!("could not remove {part}: {e}"),
        }
    }
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
        resume: Resume::for_attempt(args.resume, false),
        atomic: !args.inplace,
        keep: ctx.keep(),
        modified: None,
    };
    let started = std::time::Instant::now();
    let path = match &args.source {
        Source::Stdin => {
            if args.url.trailing_slash || args.recursive || args.resume {
                return Err(ClientError::Usage(
                    "put - needs a file URL, without -r or -c".into(),
                ));
            }
            // What stdin gave cannot be read again: only connecting is retried.
            let mut client = ctx.connect()?;
            let bar = ctx.printer.file_bar("stdin", None);
            let mut stdin = Hashing {
                inner: std::io::stdin().lock(),
                digest: mode.keep.algo(&client).map(|a| (a, Digest::new(a))),
            };
            let sent = upload(
                &mut client,
                &mut stdin,
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
        return super::put_tree::run(ctx, path, &remote, args);
    }
    let sent = put_one(ctx, args, path, &name, &remote)?;
    ctx.printer.summary(1, sent, started.elapsed());
    Ok(())
}

/// One file, each attempt on a new connection; a retry continues the
/// upload the attempts before it started (SIZE, then APPE of the rest).
fn put_one(ctx: &Context, args: &Args, path: &Path, name: &str, remote: &str) -> Result<u64> {
    let mut wrote = false;
    // The last attempt's connection while it is still usable, to clean up with.
    let mut last: Option<FtpClient> = None;
    let result = retry::run(&ctx.retry, ctx.printer, |_| {
        let mut file =
            File::open(path).map_err(|e| ClientError::local(path.display().to_string(), e))?;
        let meta = file
            .metadata()
            .map_err(|e| ClientError::local(path.display().to_string(), e))?;
        let len = meta.len();
        let mode = Mode {
            resume: Resume::for_attempt(args.resume, wrote),
            atomic: !args.inplace,
            keep: ctx.keep(),
            modified: local_time(&meta),
        };
        last = None;
        let mut client = ctx.target.connect()?;
        let bar = ctx.printer.file_bar(name, Some(len));
        let sent = upload(&mut client, &mut file, Some(len), remote, mode, &mut |n| {
            wrote |= n > 0;
            bar.inc(n)
        });
        bar.finish_and_clear();
        match sent {
            Ok(sent) => {
                client.quit();
                Ok(sent)
            }
            Err(e) => {
                if e.is_per_file() {
                    last = Some(client);
                }
                Err(e)
            }
        }
    });
    if let (Err(e), Some(mut client)) = (&result, last) {
        if !matches!(e, ClientError::Interrupted) {
            discard_empty_part(&mut client, remote);
            client.quit();
        }
    }
    result
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
    let found = match (len, mode.resume) {
        (Some(len), Resume::Continue) => resume_point(client, remote, &part, mode.atomic, len)?,
        (Some(len), Resume::Own) => own_point(client, fresh, len)?,
        _ => None,
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
    if write_to == remote && !complete {
        check_size(remote, client.size(remote)?, offset + sent)?;
    }
    verify(client, source, &write_to, mode.keep)?;
    if write_to != remote {
        rename_into_place(client, &write_to, remote, offset + sent)?;
    }
    if let Some(t) = mode.modified {
        mode.keep.set_remote_time(client, remote, t);
    }
    Ok(sent)
}

/// `--checksum`: the server's digest of `written` against the source's.
/// On a mismatch the written file is deleted, so no damaged copy stays
/// under any name.
fn verify(
    client: &mut FtpClient,
    source: &mut dyn Upload,
    written: &str,
    keep: Keep,
) -> Result<()> {
    let Some(algo) = keep.algo(client) else {
        return Ok(());
    };
    let local = source
        .digest(algo)
        .map_err(|e| ClientError::local("hash the source", e))?;
    let checked = keep.compare(client, written, algo, local);
    if checked.is_err() && client.dele(written).is_err() {
        keep.printer.error(&format!(
            "ftpc: {written}: could not delete the damaged upload"
        ));
    }
    checked
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

/// Where a retry continues: the file this run was writing (`write_to`,
/// the partial upload or the target in place), from the size the server
/// has of it; `None` when it is not there.
fn own_point(client: &mut FtpClient, write_to: &str, len: u64) -> Result<Option<(String, u64)>> {
    match client.size(write_to)? {
        Some(have) if have > len => Err(ClientError::CannotResume {
            path: write_to.to_string(),
            have,
            len,
        }),
        Some(have) => Ok(Some((write_to.to_string(), have))),
        None => Ok(None),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_name_sits_beside_the_target() {
        assert_eq!(temp_name("d/a.txt"), "d/.a.txt.ftpc-part");
        assert_eq!(temp_name("a.txt"), ".a.txt.ftpc-part");
        assert_eq!(temp_name("/a.txt"), "/.a.txt.ftpc-part");
    }
}
