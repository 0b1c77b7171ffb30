//! `ftpc stat URL`: type, size and modification time of one remote path, from
//! MLST when the server has it, else from SIZE, MDTM and a CWD probe. A
//! transient failure repeats the whole query (`--retries`).

use ftp_proto::Command;

use crate::client::FtpClient;
use crate::error::{ClientError, Result};
use crate::listing::{Entry, Kind};
use crate::output::escape;
use crate::url::FtpUrl;

use super::Context;

pub fn run(ctx: &Context, url: &FtpUrl) -> Result<()> {
    // A query changes nothing: the whole of it is tried again.
    let entry = crate::retry::run(&ctx.retry, ctx.printer, |_| {
        let mut client = ctx.target.connect()?;
        let entry = lookup(&mut client, &url.path)?;
        client.quit();
        Ok(entry)
    })?;
    let p = ctx.printer;
    p.result(&format!("name: {}", escape(&entry.name)));
    p.result(&format!("type: {}", entry.kind.word()));
    if let Some(s) = entry.size {
        p.result(&format!("size: {s}"));
    }
    if let Some(t) = entry.modified {
        p.result(&format!("modified: {t} UTC"));
    }
    if let Some(t) = &entry.target {
        p.result(&format!("target: {}", escape(t)));
    }
    Ok(())
}

fn display_name(path: &str) -> String {
    match path.trim_end_matches('/').rsplit('/').next() {
        Some("") | None => {
            if path.is_empty() {
                ".".into()
            } else {
                path.to_string()
            }
        }
        Some(n) => n.to_string(),
    }
}

/// Find out what `path` is. A missing path is `ClientError::NotFound`.
pub fn lookup(client: &mut FtpClient, path: &str) -> Result<Entry> {
    if client.features.mlst {
        if let Some(mut e) = client.mlst(path)? {
            e.name = display_name(path);
            return Ok(e);
        }
    }
    let name = display_name(path);
    if let Some(size) = client.size(path)? {
        let modified = client.mdtm(path)?;
        return Ok(Entry {
            name,
            kind: Kind::File,
            size: Some(size),
            modified,
            target: None,
        });
    }
    if client.is_dir(path)? {
        return Ok(Entry {
            name,
            kind: Kind::Dir,
            size: None,
            modified: None,
            target: None,
        });
    }
    // No SIZE and not a directory: MDTM either proves a file exists or
    // carries the server's "not found" reply into the error.
    let mdtm = Command::Mdtm(path.to_string());
    match client.expect(&mdtm) {
        Ok(r) => Ok(Entry {
            name,
            kind: Kind::File,
            size: None,
            modified: crate::listing::Timestamp::parse_mdtm(r.text().trim()),
            target: None,
        }),
        Err(ClientError::Refused { what, reply }) => Err(ClientError::NotFound { what, reply }),
        Err(e) => Err(e),
    }
}
